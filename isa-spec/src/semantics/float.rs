//! Binary64 and binary32 arithmetic on register bits: IEEE 754, round to nearest even.
//!
//! Arithmetic (add, sub, mul, div, sqrt, min, max, the roundings, fma) returns the
//! canonical NaN for every NaN result; negation, absolute value and copysign are bit
//! operations that keep a NaN's payload. f32 operations read the low 32 bits and write
//! the high 32 bits zero.

use super::{canon_f32, canon_f64, f32_of, f64_of};

macro_rules! binary {
    ($($(#[$doc:meta])* $name:ident($of:ident, $canon:ident) = |$x:ident, $y:ident| $e:expr;)*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(a: u64, b: u64) -> u64 {
            let ($x, $y) = ($of(a), $of(b));
            $canon($e)
        }
    )*};
}

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident($of:ident, $canon:ident) = |$x:ident| $e:expr;)*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(a: u64) -> u64 {
            let $x = $of(a);
            $canon($e)
        }
    )*};
}

macro_rules! compare {
    ($($(#[$doc:meta])* $name:ident($of:ident) = |$x:ident, $y:ident| $e:expr;)*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(a: u64, b: u64) -> u64 {
            let ($x, $y) = ($of(a), $of(b));
            u64::from($e)
        }
    )*};
}

binary! {
    /// `fadd`: rA + rB.
    fadd(f64_of, canon_f64) = |x, y| x + y;
    /// `fsub`: rA - rB.
    fsub(f64_of, canon_f64) = |x, y| x - y;
    /// `fmul`: rA * rB.
    fmul(f64_of, canon_f64) = |x, y| x * y;
    /// `fdiv`: rA / rB.
    fdiv(f64_of, canon_f64) = |x, y| x / y;
    /// `fmin`: the smaller; NaN if either is NaN; -0 < +0.
    fmin(f64_of, canon_f64) = |x, y| min_f64(x, y);
    /// `fmax`: the larger; NaN if either is NaN; -0 < +0.
    fmax(f64_of, canon_f64) = |x, y| max_f64(x, y);
    /// `fadd.f32`: rA + rB.
    fadd_f32(f32_of, canon_f32) = |x, y| x + y;
    /// `fsub.f32`: rA - rB.
    fsub_f32(f32_of, canon_f32) = |x, y| x - y;
    /// `fmul.f32`: rA * rB.
    fmul_f32(f32_of, canon_f32) = |x, y| x * y;
    /// `fdiv.f32`: rA / rB.
    fdiv_f32(f32_of, canon_f32) = |x, y| x / y;
    /// `fmin.f32`: the smaller; NaN if either is NaN; -0 < +0.
    fmin_f32(f32_of, canon_f32) = |x, y| min_f32(x, y);
    /// `fmax.f32`: the larger; NaN if either is NaN; -0 < +0.
    fmax_f32(f32_of, canon_f32) = |x, y| max_f32(x, y);
}

unary! {
    /// `fsqrt`: the correctly rounded square root.
    fsqrt(f64_of, canon_f64) = |x| x.sqrt();
    /// `ffloor`: rounded toward -inf.
    ffloor(f64_of, canon_f64) = |x| x.floor();
    /// `fceil`: rounded toward +inf.
    fceil(f64_of, canon_f64) = |x| x.ceil();
    /// `ftrunc`: rounded toward zero.
    ftrunc(f64_of, canon_f64) = |x| x.trunc();
    /// `fnearest`: rounded to the nearest integer, ties to even.
    fnearest(f64_of, canon_f64) = |x| x.round_ties_even();
    /// `fsqrt.f32`: the correctly rounded square root.
    fsqrt_f32(f32_of, canon_f32) = |x| x.sqrt();
    /// `ffloor.f32`: rounded toward -inf.
    ffloor_f32(f32_of, canon_f32) = |x| x.floor();
    /// `fceil.f32`: rounded toward +inf.
    fceil_f32(f32_of, canon_f32) = |x| x.ceil();
    /// `ftrunc.f32`: rounded toward zero.
    ftrunc_f32(f32_of, canon_f32) = |x| x.trunc();
    /// `fnearest.f32`: rounded to the nearest integer, ties to even.
    fnearest_f32(f32_of, canon_f32) = |x| x.round_ties_even();
}

compare! {
    /// `feq`: 1 if rA == rB (false for NaN; -0 == +0).
    feq(f64_of) = |x, y| x == y;
    /// `flt`: 1 if rA < rB (false for NaN).
    flt(f64_of) = |x, y| x < y;
    /// `fle`: 1 if rA <= rB (false for NaN).
    fle(f64_of) = |x, y| x <= y;
    /// `feq.f32`: 1 if rA == rB (false for NaN; -0 == +0).
    feq_f32(f32_of) = |x, y| x == y;
    /// `flt.f32`: 1 if rA < rB (false for NaN).
    flt_f32(f32_of) = |x, y| x < y;
    /// `fle.f32`: 1 if rA <= rB (false for NaN).
    fle_f32(f32_of) = |x, y| x <= y;
}

/// `ffma`: rA * rB + rC with one rounding.
#[inline(always)]
pub fn ffma(a: u64, b: u64, c: u64) -> u64 {
    canon_f64(f64_of(a).mul_add(f64_of(b), f64_of(c)))
}

/// `ffma.f32`: rA * rB + rC with one rounding.
#[inline(always)]
pub fn ffma_f32(a: u64, b: u64, c: u64) -> u64 {
    canon_f32(f32_of(a).mul_add(f32_of(b), f32_of(c)))
}

const SIGN_F64: u64 = 1 << 63;
const SIGN_F32: u32 = 1 << 31;

/// `fneg`: the sign bit flipped (a NaN keeps its payload).
#[inline(always)]
pub const fn fneg(a: u64) -> u64 {
    a ^ SIGN_F64
}

/// `fabs`: the sign bit cleared (a NaN keeps its payload).
#[inline(always)]
pub const fn fabs(a: u64) -> u64 {
    a & !SIGN_F64
}

/// `fcopysign`: rA's magnitude with rB's sign bit.
#[inline(always)]
pub const fn fcopysign(a: u64, b: u64) -> u64 {
    (a & !SIGN_F64) | (b & SIGN_F64)
}

/// `fneg.f32`: the sign bit flipped; high 32 bits zero.
#[inline(always)]
pub const fn fneg_f32(a: u64) -> u64 {
    (a as u32 ^ SIGN_F32) as u64
}

/// `fabs.f32`: the sign bit cleared; high 32 bits zero.
#[inline(always)]
pub const fn fabs_f32(a: u64) -> u64 {
    (a as u32 & !SIGN_F32) as u64
}

/// `fcopysign.f32`: rA's magnitude with rB's sign bit; high 32 bits zero.
#[inline(always)]
pub const fn fcopysign_f32(a: u64, b: u64) -> u64 {
    ((a as u32 & !SIGN_F32) | (b as u32 & SIGN_F32)) as u64
}

macro_rules! min_max {
    ($min:ident, $max:ident, $t:ty) => {
        /// The smaller of two floats: NaN if either is NaN, and -0 < +0.
        #[inline(always)]
        fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                <$t>::NAN
            } else if a == b {
                // Equal values differ at most in the sign of zero: the sign bits' OR picks -0.
                <$t>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }

        /// The larger of two floats: NaN if either is NaN, and -0 < +0.
        #[inline(always)]
        fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                <$t>::NAN
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }
    };
}

min_max!(min_f64, max_f64, f64);
min_max!(min_f32, max_f32, f32);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{CANONICAL_NAN_F32, CANONICAL_NAN_F64, f32_bits};

    fn d(x: f64) -> u64 {
        x.to_bits()
    }

    fn s(x: f32) -> u64 {
        f32_bits(x)
    }

    #[test]
    fn arithmetic_nans_are_canonical() {
        let weird = 0xFFF0_0000_0000_0001;
        assert_eq!(fadd(weird, d(1.0)), CANONICAL_NAN_F64);
        assert_eq!(fsub(d(f64::INFINITY), d(f64::INFINITY)), CANONICAL_NAN_F64);
        assert_eq!(fsqrt(d(-1.0)), CANONICAL_NAN_F64);
        assert_eq!(fmul_f32(0xFF80_0001, s(2.0)), u64::from(CANONICAL_NAN_F32));
        assert_eq!(ffloor_f32(0x7F80_0001), u64::from(CANONICAL_NAN_F32));
    }

    #[test]
    fn sign_operations_keep_nan_payloads() {
        let payload = 0x7FF0_0000_0000_0001;
        assert_eq!(fneg(payload), 0xFFF0_0000_0000_0001);
        assert_eq!(fabs(0xFFF0_0000_0000_0001), payload);
        assert_eq!(fneg_f32(0x7F80_0001), 0xFF80_0001);
        assert_eq!(fcopysign_f32(0xDEAD_0000_3F80_0000, s(-2.0)), s(-1.0));
    }

    #[test]
    fn min_max_order_signed_zeros_and_propagate_nan() {
        assert_eq!(fmin(d(0.0), d(-0.0)), d(-0.0));
        assert_eq!(fmin(d(-0.0), d(0.0)), d(-0.0));
        assert_eq!(fmax(d(-0.0), d(0.0)), d(0.0));
        assert_eq!(fmax(d(1.0), d(f64::NAN)), CANONICAL_NAN_F64);
        assert_eq!(fmin_f32(s(f32::NAN), s(1.0)), u64::from(CANONICAL_NAN_F32));
        assert_eq!(fmin_f32(s(2.0), s(-3.0)), s(-3.0));
    }

    #[test]
    fn f32_operations_ignore_the_high_half_and_clear_it() {
        assert_eq!(fadd_f32(0xFFFF_FFFF_3F80_0000, s(1.0)), s(2.0));
        assert_eq!(flt_f32(0x1234_5678_0000_0000, s(1.0)), 1);
    }

    #[test]
    fn fma_rounds_once() {
        // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly; separate roundings give 0.
        let a = d(1.0 + f64::EPSILON);
        let b = d(1.0 - f64::EPSILON);
        assert_eq!(ffma(a, b, d(-1.0)), d(-(2f64.powi(-104))));
        assert_eq!(fnearest(d(2.5)), d(2.0));
        assert_eq!(fnearest_f32(s(-3.5)), s(-4.0));
    }
}
