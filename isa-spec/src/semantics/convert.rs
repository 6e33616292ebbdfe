//! Conversions between integers and floats: integer to float rounds to nearest, ties to
//! even; float to integer truncates toward zero and saturates, NaN giving 0; widening and
//! narrowing between f32 and f64 round to nearest and canonicalise NaN.

use super::{canon_f32, canon_f64, f32_bits, f32_of, f64_of};

/// `i2f`: the f64 nearest to the signed integer rA.
#[inline(always)]
pub fn i2f(a: u64) -> u64 {
    (a as i64 as f64).to_bits()
}

/// `u2f`: the f64 nearest to the unsigned integer rA.
#[inline(always)]
pub fn u2f(a: u64) -> u64 {
    (a as f64).to_bits()
}

/// `f2i`: the f64 rA truncated to a signed integer, saturating; NaN gives 0 (Rust's `as`
/// is exactly this).
#[inline(always)]
pub fn f2i(a: u64) -> u64 {
    f64_of(a) as i64 as u64
}

/// `f2u`: the f64 rA truncated to an unsigned integer, saturating (negatives give 0);
/// NaN gives 0.
#[inline(always)]
pub fn f2u(a: u64) -> u64 {
    f64_of(a) as u64
}

/// `i2f.f32`: the f32 nearest to the signed integer rA.
#[inline(always)]
pub fn i2f_f32(a: u64) -> u64 {
    f32_bits(a as i64 as f32)
}

/// `u2f.f32`: the f32 nearest to the unsigned integer rA.
#[inline(always)]
pub fn u2f_f32(a: u64) -> u64 {
    f32_bits(a as f32)
}

/// `f2i.f32`: the f32 rA truncated to a signed integer, saturating; NaN gives 0.
#[inline(always)]
pub fn f2i_f32(a: u64) -> u64 {
    f32_of(a) as i64 as u64
}

/// `f2u.f32`: the f32 rA truncated to an unsigned integer, saturating; NaN gives 0.
#[inline(always)]
pub fn f2u_f32(a: u64) -> u64 {
    f32_of(a) as u64
}

/// `fpromote`: the f32 rA widened to f64 (exact; NaN becomes the canonical NaN).
#[inline(always)]
pub fn fpromote(a: u64) -> u64 {
    canon_f64(f64::from(f32_of(a)))
}

/// `fdemote`: the f64 rA rounded to f32 (ties to even; NaN becomes the canonical NaN).
#[inline(always)]
pub fn fdemote(a: u64) -> u64 {
    canon_f32(f64_of(a) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::CANONICAL_NAN_F64;

    #[test]
    fn float_to_int_saturates_and_nan_gives_zero() {
        assert_eq!(f2i(f64::NAN.to_bits()), 0);
        assert_eq!(f2i(1e300f64.to_bits()), i64::MAX as u64);
        assert_eq!(f2i((-1e300f64).to_bits()), i64::MIN as u64);
        assert_eq!(f2u((-5.0f64).to_bits()), 0);
        assert_eq!(f2u_f32(f32_bits(f32::INFINITY)), u64::MAX);
        assert_eq!(f2i((-2.9f64).to_bits()), -2i64 as u64);
    }

    #[test]
    fn int_to_float_rounds_to_nearest_even() {
        // 2^53 + 1 lies halfway between 2^53 and 2^53 + 2: ties to the even 2^53.
        assert_eq!(i2f((1u64 << 53) + 1), (9007199254740992.0f64).to_bits());
        assert_eq!(u2f(u64::MAX), 18446744073709551616.0f64.to_bits());
        assert_eq!(i2f_f32(16777217), f32_bits(16777216.0));
    }

    #[test]
    fn widening_and_narrowing_canonicalise_nan() {
        assert_eq!(fpromote(0x7F80_0001), CANONICAL_NAN_F64);
        assert_eq!(fdemote(0x7FF0_0000_0000_0001), 0x7FC0_0000);
        assert_eq!(fdemote(1.5f64.to_bits()), f32_bits(1.5));
    }
}
