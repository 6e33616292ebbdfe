//! The conditions of the conditional branches: true means the branch is taken.

/// `jz`: taken if rA == 0.
#[inline(always)]
pub const fn jz(a: u64) -> bool {
    a == 0
}

/// `jnz`: taken if rA != 0.
#[inline(always)]
pub const fn jnz(a: u64) -> bool {
    a != 0
}

/// `beq`: taken if rA == rB.
#[inline(always)]
pub const fn beq(a: u64, b: u64) -> bool {
    a == b
}

/// `bne`: taken if rA != rB.
#[inline(always)]
pub const fn bne(a: u64, b: u64) -> bool {
    a != b
}

/// `blt`: taken if rA < rB, signed.
#[inline(always)]
pub const fn blt(a: u64, b: u64) -> bool {
    (a as i64) < (b as i64)
}

/// `bge`: taken if rA >= rB, signed.
#[inline(always)]
pub const fn bge(a: u64, b: u64) -> bool {
    (a as i64) >= (b as i64)
}

/// `bltu`: taken if rA < rB, unsigned.
#[inline(always)]
pub const fn bltu(a: u64, b: u64) -> bool {
    a < b
}

/// `bgeu`: taken if rA >= rB, unsigned.
#[inline(always)]
pub const fn bgeu(a: u64, b: u64) -> bool {
    a >= b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_and_unsigned_orders_differ_on_the_sign_bit() {
        let minus_one = u64::MAX;
        assert!(blt(minus_one, 0) && !bltu(minus_one, 0));
        assert!(bgeu(minus_one, 0) && !bge(minus_one, 0));
        assert!(jz(0) && !jnz(0) && beq(3, 3) && !bne(3, 3));
    }
}
