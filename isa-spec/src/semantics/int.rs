//! Integer arithmetic, bit operations, comparisons and moves: two's complement, wrapping;
//! shift and rotate counts modulo 64; comparisons give 1 or 0.

use crate::trap::TrapKind;

/// `add`: rA + rB, wrapping.
#[inline(always)]
pub const fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// `sub`: rA - rB, wrapping.
#[inline(always)]
pub const fn sub(a: u64, b: u64) -> u64 {
    a.wrapping_sub(b)
}

/// `mul`: rA * rB, wrapping (the low 64 bits of the product, signed or not).
#[inline(always)]
pub const fn mul(a: u64, b: u64) -> u64 {
    a.wrapping_mul(b)
}

/// `div`: signed rA / rB, rounding toward zero. Traps on a zero divisor and on
/// `MIN / -1`.
#[inline(always)]
pub const fn div(a: u64, b: u64) -> Result<u64, TrapKind> {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        Err(TrapKind::DivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        // Both trapping cases are handled: the wrapping form skips Rust's second check.
        Ok(a.wrapping_div(b) as u64)
    }
}

/// `divu`: unsigned rA / rB. Traps on a zero divisor.
#[inline(always)]
pub const fn divu(a: u64, b: u64) -> Result<u64, TrapKind> {
    match a.checked_div(b) {
        Some(quotient) => Ok(quotient),
        None => Err(TrapKind::DivideByZero),
    }
}

/// `rem`: signed remainder, with the sign of rA. Traps on a zero divisor and, like the
/// division, on `MIN rem -1`.
#[inline(always)]
pub const fn rem(a: u64, b: u64) -> Result<u64, TrapKind> {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        Err(TrapKind::DivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        Ok(a.wrapping_rem(b) as u64)
    }
}

/// `remu`: unsigned remainder. Traps on a zero divisor.
#[inline(always)]
pub const fn remu(a: u64, b: u64) -> Result<u64, TrapKind> {
    match a.checked_rem(b) {
        Some(remainder) => Ok(remainder),
        None => Err(TrapKind::DivideByZero),
    }
}

/// `and`: rA & rB.
#[inline(always)]
pub const fn and(a: u64, b: u64) -> u64 {
    a & b
}

/// `or`: rA | rB.
#[inline(always)]
pub const fn or(a: u64, b: u64) -> u64 {
    a | b
}

/// `xor`: rA ^ rB.
#[inline(always)]
pub const fn xor(a: u64, b: u64) -> u64 {
    a ^ b
}

/// `shl`: rA << (rB mod 64).
#[inline(always)]
pub const fn shl(a: u64, count: u64) -> u64 {
    a << (count & 63)
}

/// `shr`: rA >> (rB mod 64), logical.
#[inline(always)]
pub const fn shr(a: u64, count: u64) -> u64 {
    a >> (count & 63)
}

/// `sar`: rA >> (rB mod 64), arithmetic.
#[inline(always)]
pub const fn sar(a: u64, count: u64) -> u64 {
    ((a as i64) >> (count & 63)) as u64
}

/// `rotl`: rA rotated left by rB mod 64.
#[inline(always)]
pub const fn rotl(a: u64, count: u64) -> u64 {
    a.rotate_left((count & 63) as u32)
}

/// `rotr`: rA rotated right by rB mod 64.
#[inline(always)]
pub const fn rotr(a: u64, count: u64) -> u64 {
    a.rotate_right((count & 63) as u32)
}

/// `addi`: rA + imm (imm sign-extended), wrapping.
#[inline(always)]
pub const fn addi(a: u64, imm: u64) -> u64 {
    add(a, imm)
}

/// `muli`: rA * imm (imm sign-extended), wrapping.
#[inline(always)]
pub const fn muli(a: u64, imm: u64) -> u64 {
    mul(a, imm)
}

/// `andi`: rA & imm (imm sign-extended).
#[inline(always)]
pub const fn andi(a: u64, imm: u64) -> u64 {
    and(a, imm)
}

/// `ori`: rA | imm (imm sign-extended).
#[inline(always)]
pub const fn ori(a: u64, imm: u64) -> u64 {
    or(a, imm)
}

/// `xori`: rA ^ imm (imm sign-extended).
#[inline(always)]
pub const fn xori(a: u64, imm: u64) -> u64 {
    xor(a, imm)
}

/// `shli`: rA << (imm mod 64).
#[inline(always)]
pub const fn shli(a: u64, imm: u64) -> u64 {
    shl(a, imm)
}

/// `shri`: rA >> (imm mod 64), logical.
#[inline(always)]
pub const fn shri(a: u64, imm: u64) -> u64 {
    shr(a, imm)
}

/// `sari`: rA >> (imm mod 64), arithmetic.
#[inline(always)]
pub const fn sari(a: u64, imm: u64) -> u64 {
    sar(a, imm)
}

/// `neg`: -rA, wrapping.
#[inline(always)]
pub const fn neg(a: u64) -> u64 {
    a.wrapping_neg()
}

/// `not`: bitwise not.
#[inline(always)]
pub const fn not(a: u64) -> u64 {
    !a
}

/// `clz`: leading zero bits (64 for 0).
#[inline(always)]
pub const fn clz(a: u64) -> u64 {
    a.leading_zeros() as u64
}

/// `ctz`: trailing zero bits (64 for 0).
#[inline(always)]
pub const fn ctz(a: u64) -> u64 {
    a.trailing_zeros() as u64
}

/// `popcnt`: one bits.
#[inline(always)]
pub const fn popcnt(a: u64) -> u64 {
    a.count_ones() as u64
}

/// `sext8`: the low 8 bits, sign-extended.
#[inline(always)]
pub const fn sext8(a: u64) -> u64 {
    a as i8 as i64 as u64
}

/// `sext16`: the low 16 bits, sign-extended.
#[inline(always)]
pub const fn sext16(a: u64) -> u64 {
    a as i16 as i64 as u64
}

/// `sext32`: the low 32 bits, sign-extended.
#[inline(always)]
pub const fn sext32(a: u64) -> u64 {
    a as i32 as i64 as u64
}

/// `zext8`: the low 8 bits, zero-extended.
#[inline(always)]
pub const fn zext8(a: u64) -> u64 {
    a as u8 as u64
}

/// `zext16`: the low 16 bits, zero-extended.
#[inline(always)]
pub const fn zext16(a: u64) -> u64 {
    a as u16 as u64
}

/// `zext32`: the low 32 bits, zero-extended.
#[inline(always)]
pub const fn zext32(a: u64) -> u64 {
    a as u32 as u64
}

/// `seq`: 1 if rA == rB.
#[inline(always)]
pub const fn seq(a: u64, b: u64) -> u64 {
    (a == b) as u64
}

/// `sne`: 1 if rA != rB.
#[inline(always)]
pub const fn sne(a: u64, b: u64) -> u64 {
    (a != b) as u64
}

/// `slt`: 1 if rA < rB, signed.
#[inline(always)]
pub const fn slt(a: u64, b: u64) -> u64 {
    ((a as i64) < (b as i64)) as u64
}

/// `sle`: 1 if rA <= rB, signed.
#[inline(always)]
pub const fn sle(a: u64, b: u64) -> u64 {
    ((a as i64) <= (b as i64)) as u64
}

/// `sltu`: 1 if rA < rB, unsigned.
#[inline(always)]
pub const fn sltu(a: u64, b: u64) -> u64 {
    (a < b) as u64
}

/// `sleu`: 1 if rA <= rB, unsigned.
#[inline(always)]
pub const fn sleu(a: u64, b: u64) -> u64 {
    (a <= b) as u64
}

/// `mov`: rA's bits, unchanged.
#[inline(always)]
pub const fn mov(a: u64) -> u64 {
    a
}

/// `movi`, `fmovi` and `movi @data`: the immediate's 64 bits (a data symbol's address).
#[inline(always)]
pub const fn movi(imm: u64) -> u64 {
    imm
}

/// `fmovi.f32`: the f32 immediate's bits, high 32 bits zero.
#[inline(always)]
pub const fn fmovi_f32(bits: u32) -> u64 {
    bits as u64
}

/// `select`: rB if rA != 0, else rC (the operands after the condition, in order).
#[inline(always)]
pub const fn select(condition: u64, if_true: u64, if_false: u64) -> u64 {
    if condition != 0 { if_true } else { if_false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::sext_imm;

    const MIN: u64 = i64::MIN as u64;
    const MINUS_ONE: u64 = u64::MAX;

    #[test]
    fn division_traps_on_zero_and_on_min_over_minus_one() {
        assert_eq!(div(7, 0), Err(TrapKind::DivideByZero));
        assert_eq!(div(MIN, MINUS_ONE), Err(TrapKind::IntegerOverflow));
        assert_eq!(rem(MIN, MINUS_ONE), Err(TrapKind::IntegerOverflow));
        assert_eq!(div(-7i64 as u64, 2), Ok(-3i64 as u64));
        assert_eq!(rem(-7i64 as u64, 2), Ok(-1i64 as u64));
        assert_eq!(divu(u64::MAX, 2), Ok(u64::MAX / 2));
        assert_eq!(remu(5, 0), Err(TrapKind::DivideByZero));
        assert_eq!(divu(MIN, MINUS_ONE), Ok(0));
    }

    #[test]
    fn shifts_and_rotates_take_the_count_mod_64() {
        assert_eq!(shl(1, 64), 1);
        assert_eq!(shl(1, 65), 2);
        assert_eq!(shr(u64::MAX, 127), 1);
        assert_eq!(sar(MIN, 63), u64::MAX);
        assert_eq!(rotl(MIN, 65), 1);
        assert_eq!(rotr(1, 64 + 1), MIN);
        assert_eq!(shli(1, sext_imm(-1)), MIN);
    }

    #[test]
    fn immediates_are_sign_extended_before_the_operation() {
        assert_eq!(addi(5, sext_imm(-6)), u64::MAX);
        assert_eq!(andi(u64::MAX, sext_imm(-16)), !15);
        assert_eq!(muli(3, sext_imm(-1)), -3i64 as u64);
    }

    #[test]
    fn extensions_and_counts() {
        assert_eq!(sext8(0x80), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(zext16(0x1_8000), 0x8000);
        assert_eq!(sext32(0x8000_0000), 0xFFFF_FFFF_8000_0000);
        assert_eq!(clz(0), 64);
        assert_eq!(ctz(0), 64);
        assert_eq!(popcnt(u64::MAX), 64);
    }

    #[test]
    fn comparisons_give_one_or_zero() {
        assert_eq!(slt(MINUS_ONE, 0), 1);
        assert_eq!(sltu(MINUS_ONE, 0), 0);
        assert_eq!(sle(3, 3), 1);
        assert_eq!(sleu(4, 3), 0);
        assert_eq!(select(2, 10, 20), 10);
        assert_eq!(select(0, 10, 20), 20);
    }
}
