//! Scalar definitions of the element functions: canonical NaN, max, relu, and our own
//! `exp`, `tanh`, `sigmoid` and `gelu` built from correctly rounded f32 operations.
//!
//! These functions ARE the semantics: the SIMD kernels evaluate the same operations in
//! the same order on each lane, so their results equal these bit for bit. Nothing here
//! calls libm's transcendental functions or `std`'s `exp`/`tanh`; the only library call
//! is `f32::mul_add` (see [`fma`]).
//!
//! Accuracy against the true function (f64 `exp`/`tanh`), measured over EVERY f32
//! input (the ignored `*_exhaustive` tests re-measure it; the regular tests check a
//! dense sweep of 4 million inputs against the bounds):
//!
//! | function | max error | where | bound constant |
//! | --- | --- | --- | --- |
//! | [`exp()`] (inputs in [-104, 89]; outside, exactly 0 or inf) | 1.0128 ULP | x = 59.306 | [`EXP_MAX_ULP`] = 1.02 |
//! | [`tanh()`] | 1.3303 ULP | x = 0.62831 | [`TANH_MAX_ULP`] = 1.34 |
//! | [`sigmoid`] | 2.4019 ULP | x = -4.1573 | [`SIGMOID_MAX_ULP`] = 2.41 |
//!
//! (ULP: units in the last place of the f32 nearest the true value, the subnormal
//! spacing below the normal range.) [`gelu`] has no relative bound (see its docs).

mod activation;
mod exp;
mod tanh;

pub use activation::{SIGMOID_MAX_ULP, gelu, relu, sigmoid};
pub use exp::{EXP_MAX_ULP, exp};
pub use tanh::{TANH_MAX_ULP, tanh};

pub(crate) use activation::{GELU_CUBIC, SQRT_2_OVER_PI};
pub(crate) use exp::{EXP_CLAMP_HI, EXP_CLAMP_LO, EXP_POLY, LN2_HI, LN2_LO, LOG2_E, ROUND_MAGIC};
pub(crate) use tanh::{TANH_POLY, TANH_SMALL};

/// Bits of the one NaN every op produces: quiet, positive, zero payload.
pub const CANONICAL_NAN_BITS: u32 = 0x7FC0_0000;

/// The canonical f32 NaN (`0x7FC00000`).
pub const CANONICAL_NAN: f32 = f32::from_bits(CANONICAL_NAN_BITS);

/// `x`, except that any NaN becomes the canonical NaN.
#[inline]
pub fn canonicalize(x: f32) -> f32 {
    if x.is_nan() { CANONICAL_NAN } else { x }
}

/// Fused multiply-add `a * b + c` with one rounding.
///
/// REFERENCE ONLY: `f32::mul_add` is correctly rounded everywhere, but unless the crate
/// is compiled with the `fma` target feature it is a call into libm's `fmaf` (a few
/// nanoseconds). The scalar reference and the `Scalar` path accept that cost; the SIMD
/// paths use the FMA instructions instead, which round identically.
#[inline]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// The larger of `a` and `b`, with NaN propagating (as the canonical NaN) and
/// `-0.0 < +0.0`, as the VM's float `max` is defined.
#[inline]
pub fn max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        CANONICAL_NAN
    } else if a > b {
        a
    } else if b > a {
        b
    } else {
        // Equal: only two zeros of different signs can differ in bits, and the
        // bitwise AND of their bits is +0.0 unless both are -0.0.
        f32::from_bits(a.to_bits() & b.to_bits())
    }
}

/// A key whose signed integer order is the float order of non-NaN values, with
/// `-0.0 < +0.0` (sign-magnitude to two's complement). The SIMD max uses it.
#[inline]
pub(crate) fn order_key(x: f32) -> i32 {
    let bits = x.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_orders_zeros_and_propagates_nan() {
        assert_eq!(max(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(max(0.0, -0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(max(-0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(max(1.0, f32::NAN).to_bits(), CANONICAL_NAN_BITS);
        assert_eq!(
            max(f32::from_bits(0xFFC0_0001), 1.0).to_bits(),
            CANONICAL_NAN_BITS
        );
        assert_eq!(max(f32::NEG_INFINITY, -3.0), -3.0);
        assert_eq!(max(2.0, 1.0), 2.0);
    }

    #[test]
    fn order_key_is_monotonic() {
        let values = [
            f32::NEG_INFINITY,
            -f32::MAX,
            -1.0,
            -f32::MIN_POSITIVE,
            -f32::from_bits(1),
            -0.0,
            0.0,
            f32::from_bits(1),
            f32::MIN_POSITIVE,
            1.0,
            f32::MAX,
            f32::INFINITY,
        ];
        for w in values.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{:?}", w);
        }
    }
}
