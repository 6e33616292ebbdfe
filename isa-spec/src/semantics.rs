//! The scalar semantics of the ISA, written once as pure functions.
//!
//! The interpreter calls them, the JIT tiers call them from their slow paths, and the
//! conformance suite uses them as an oracle. Registers are untyped 64-bit words: f64
//! uses all 64 bits, f32 the low 32 bits with the high bits zero; f32 operations read
//! only the low 32 bits of their inputs.

use crate::trap::TrapKind;

/// The one NaN every f64 arithmetic operation produces.
pub const CANONICAL_NAN_F64: u64 = 0x7FF8_0000_0000_0000;
/// The one NaN every f32 arithmetic operation produces.
pub const CANONICAL_NAN_F32: u32 = 0x7FC0_0000;

/// Signed division, rounding toward zero.
pub const fn div_i64(a: i64, b: i64) -> Result<i64, TrapKind> {
    if b == 0 {
        Err(TrapKind::DivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        // Both trapping cases are handled: the wrapping form skips Rust's second check.
        Ok(a.wrapping_div(b))
    }
}

/// Unsigned division.
pub const fn div_u64(a: u64, b: u64) -> Result<u64, TrapKind> {
    match a.checked_div(b) {
        Some(quotient) => Ok(quotient),
        None => Err(TrapKind::DivideByZero),
    }
}

/// Signed remainder (sign of the dividend). `MIN rem -1` traps like the division.
pub const fn rem_i64(a: i64, b: i64) -> Result<i64, TrapKind> {
    if b == 0 {
        Err(TrapKind::DivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        Ok(a.wrapping_rem(b))
    }
}

/// Unsigned remainder.
pub const fn rem_u64(a: u64, b: u64) -> Result<u64, TrapKind> {
    if b == 0 {
        Err(TrapKind::DivideByZero)
    } else {
        Ok(a % b)
    }
}

/// Shift left by `count mod 64`.
pub const fn shl(a: u64, count: u64) -> u64 {
    a << (count & 63)
}

/// Logical shift right by `count mod 64`.
pub const fn shr(a: u64, count: u64) -> u64 {
    a >> (count & 63)
}

/// Arithmetic shift right by `count mod 64`.
pub const fn sar(a: u64, count: u64) -> u64 {
    ((a as i64) >> (count & 63)) as u64
}

/// f64 register bits with any NaN replaced by the canonical NaN.
#[inline]
pub fn canon_f64(x: f64) -> u64 {
    if x.is_nan() {
        CANONICAL_NAN_F64
    } else {
        x.to_bits()
    }
}

/// f32 register bits (zero-extended) with any NaN replaced by the canonical NaN.
#[inline]
pub fn canon_f32(x: f32) -> u64 {
    u64::from(if x.is_nan() {
        CANONICAL_NAN_F32
    } else {
        x.to_bits()
    })
}

/// The f64 in a register.
#[inline]
pub fn f64_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// The f32 in the low 32 bits of a register.
#[inline]
pub fn f32_of(bits: u64) -> f32 {
    f32::from_bits(bits as u32)
}

macro_rules! min_max {
    ($min:ident, $max:ident, $t:ty, $canon:ident) => {
        /// Minimum: NaN if either input is NaN, and -0 < +0.
        #[inline]
        pub fn $min(a: $t, b: $t) -> u64 {
            if a.is_nan() || b.is_nan() {
                $canon(<$t>::NAN)
            } else if a == b {
                // Equal values differ at most in the sign of zero: the sign bits' OR picks -0.
                $canon(<$t>::from_bits(a.to_bits() | b.to_bits()))
            } else {
                $canon(if a < b { a } else { b })
            }
        }

        /// Maximum: NaN if either input is NaN, and -0 < +0.
        #[inline]
        pub fn $max(a: $t, b: $t) -> u64 {
            if a.is_nan() || b.is_nan() {
                $canon(<$t>::NAN)
            } else if a == b {
                $canon(<$t>::from_bits(a.to_bits() & b.to_bits()))
            } else {
                $canon(if a > b { a } else { b })
            }
        }
    };
}

min_max!(fmin_f64, fmax_f64, f64, canon_f64);
min_max!(fmin_f32, fmax_f32, f32, canon_f32);

/// f64 to i64: truncate toward zero, saturate, NaN gives 0 (Rust's `as` is exactly this).
#[inline]
pub fn f64_to_i64(x: f64) -> i64 {
    x as i64
}

/// f64 to u64: truncate toward zero, saturate (negatives give 0), NaN gives 0.
#[inline]
pub fn f64_to_u64(x: f64) -> u64 {
    x as u64
}

/// f32 to i64: truncate toward zero, saturate, NaN gives 0.
#[inline]
pub fn f32_to_i64(x: f32) -> i64 {
    x as i64
}

/// f32 to u64: truncate toward zero, saturate (negatives give 0), NaN gives 0.
#[inline]
pub fn f32_to_u64(x: f32) -> u64 {
    x as u64
}

/// The linear-memory index of an access of `size` bytes at `base + offset`, computed
/// without wrap-around; out of bounds (one byte past the end included) traps.
#[inline(always)]
pub fn effective_address(
    base: u64,
    offset: i32,
    size: u64,
    memory_len: u64,
) -> Result<usize, TrapKind> {
    match (
        base.checked_add_signed(i64::from(offset)),
        memory_len.checked_sub(size),
    ) {
        (Some(start), Some(last_start)) if start <= last_start => Ok(start as usize),
        _ => Err(TrapKind::OutOfBounds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_traps() {
        assert_eq!(div_i64(7, 0), Err(TrapKind::DivideByZero));
        assert_eq!(div_i64(i64::MIN, -1), Err(TrapKind::IntegerOverflow));
        assert_eq!(rem_i64(i64::MIN, -1), Err(TrapKind::IntegerOverflow));
        assert_eq!(div_i64(-7, 2), Ok(-3));
        assert_eq!(rem_i64(-7, 2), Ok(-1));
        assert_eq!(div_u64(u64::MAX, 2), Ok(u64::MAX / 2));
        assert_eq!(rem_u64(5, 0), Err(TrapKind::DivideByZero));
    }

    #[test]
    fn shifts_take_the_count_mod_64() {
        assert_eq!(shl(1, 64), 1);
        assert_eq!(shl(1, 65), 2);
        assert_eq!(shr(u64::MAX, 127), 1);
        assert_eq!(sar(i64::MIN as u64, 63), u64::MAX);
    }

    #[test]
    fn nans_are_canonical() {
        let weird = f64::from_bits(0xFFF0_0000_0000_0001);
        assert_eq!(canon_f64(weird + 1.0), CANONICAL_NAN_F64);
        assert_eq!(canon_f64(f64::INFINITY - f64::INFINITY), CANONICAL_NAN_F64);
        let weird32 = f32::from_bits(0xFF80_0001);
        assert_eq!(canon_f32(weird32 * 2.0), u64::from(CANONICAL_NAN_F32));
    }

    #[test]
    fn min_max_order_signed_zeros_and_propagate_nan() {
        assert_eq!(fmin_f64(0.0, -0.0), (-0.0f64).to_bits());
        assert_eq!(fmin_f64(-0.0, 0.0), (-0.0f64).to_bits());
        assert_eq!(fmax_f64(-0.0, 0.0), 0.0f64.to_bits());
        assert_eq!(fmax_f64(1.0, f64::NAN), CANONICAL_NAN_F64);
        assert_eq!(fmin_f32(f32::NAN, 1.0), u64::from(CANONICAL_NAN_F32));
        assert_eq!(fmin_f32(2.0, -3.0), (-3.0f32).to_bits() as u64);
    }

    #[test]
    fn float_to_int_saturates() {
        assert_eq!(f64_to_i64(f64::NAN), 0);
        assert_eq!(f64_to_i64(1e300), i64::MAX);
        assert_eq!(f64_to_i64(-1e300), i64::MIN);
        assert_eq!(f64_to_u64(-5.0), 0);
        assert_eq!(f32_to_u64(f32::INFINITY), u64::MAX);
        assert_eq!(f64_to_i64(-2.9), -2);
    }

    #[test]
    fn addresses_do_not_wrap() {
        assert_eq!(effective_address(8, -8, 8, 16), Ok(0));
        assert_eq!(effective_address(8, 0, 8, 16), Ok(8));
        assert_eq!(effective_address(9, 0, 8, 16), Err(TrapKind::OutOfBounds));
        assert_eq!(effective_address(0, -1, 1, 16), Err(TrapKind::OutOfBounds));
        assert_eq!(
            effective_address(u64::MAX, 1, 1, 16),
            Err(TrapKind::OutOfBounds)
        );
    }
}
