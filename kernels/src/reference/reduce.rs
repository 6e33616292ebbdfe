//! Row reductions with 16 interleaved partial accumulators.
//!
//! Element `j` of a row goes to lane `j mod 16`, in increasing `j`; lanes start at the
//! identity (`+0.0` for sums, `-inf` for max). The 16 lanes are then combined pairwise
//! in a fixed tree: `lane[i] = lane[i] op lane[i + 8]` for `i < 8`, then `i < 4`, `i < 2`,
//! `i < 1`; the result is `lane[0]`. A 512-bit register holds the 16 lanes as they are,
//! two 256-bit registers hold lanes 0..8 and 8..16, so every SIMD width reduces in the
//! same order as this scalar code.

use crate::math::{self, fma};

/// Number of interleaved partial accumulators of a row reduction.
pub const LANES: usize = 16;

/// Combines 16 lanes with `op` in the fixed tree (halves of 8, 4, 2, 1).
#[inline]
pub(crate) fn combine(mut lanes: [f32; LANES], op: impl Fn(f32, f32) -> f32) -> f32 {
    let mut half = LANES / 2;
    while half > 0 {
        for i in 0..half {
            lanes[i] = op(lanes[i], lanes[i + half]);
        }
        half /= 2;
    }
    lanes[0]
}

/// The 16 partial sums of `x` (lane `j mod 16` gets `x[j]`), from `+0.0`.
pub(crate) fn sum_lanes(x: &[f32]) -> [f32; LANES] {
    let mut lanes = [0.0f32; LANES];
    for (j, &v) in x.iter().enumerate() {
        lanes[j % LANES] += v;
    }
    lanes
}

/// Sum of a row (16 lanes, fixed tree), NaN not yet canonical.
pub(crate) fn sum(x: &[f32]) -> f32 {
    combine(sum_lanes(x), |a, b| a + b)
}

/// The 16 partial sums of squared deviations `fma(d, d, lane)`, `d = x[j] - mean`.
pub(crate) fn squared_deviation_lanes(x: &[f32], mean: f32) -> [f32; LANES] {
    let mut lanes = [0.0f32; LANES];
    for (j, &v) in x.iter().enumerate() {
        let d = v - mean;
        lanes[j % LANES] = fma(d, d, lanes[j % LANES]);
    }
    lanes
}

/// Maximum of a row (16 lanes from `-inf`, fixed tree, [`math::max`]): NaN anywhere
/// gives the canonical NaN, `-0.0 < +0.0`, an empty row gives `-inf`.
pub(crate) fn max(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    for (j, &v) in x.iter().enumerate() {
        lanes[j % LANES] = math::max(lanes[j % LANES], v);
    }
    combine(lanes, math::max)
}

/// Index of the first maximum of a non-empty row under the order of [`math::max`]
/// (`-0.0 < +0.0`), where a NaN counts as larger than everything: the first NaN wins.
pub(crate) fn argmax(x: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in x.iter().enumerate().skip(1) {
        let current = x[best];
        if current.is_nan() {
            break;
        }
        if v.is_nan() || math::order_key(v) > math::order_key(current) {
            best = j;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_interleave_and_tree_is_fixed() {
        // 1e8 + 1 - 1e8 ... the order matters, so this pins it down.
        let mut x = vec![0.0f32; 40];
        x[0] = 1e8;
        x[16] = 1.0;
        x[32] = -1e8;
        x[1] = 3.0;
        // lane0 = (1e8 + 1) - 1e8 = 0 (1e8 + 1 rounds to 1e8), lane1 = 3.
        assert_eq!(sum_lanes(&x)[0], 0.0);
        assert_eq!(sum(&x), 3.0);
        // Tree: lane0 + lane8 first.
        let mut lanes = [0.0f32; LANES];
        lanes[0] = 1e8;
        lanes[8] = -1e8;
        lanes[1] = 1.0;
        assert_eq!(combine(lanes, |a, b| a + b), 1.0);
        lanes[8] = 0.0;
        lanes[4] = -1e8;
        lanes[1] = 0.0;
        lanes[9] = 1.0;
        // ((l0 + l8) + (l4 + l12)) + ((l1 + l9) + ...) = (1e8 - 1e8) + 1
        assert_eq!(combine(lanes, |a, b| a + b), 1.0);
    }

    #[test]
    fn max_and_argmax() {
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        assert_eq!(max(&[1.0, 5.0, -2.0]), 5.0);
        assert_eq!(max(&[-0.0, 0.0]).to_bits(), 0);
        assert!(max(&[1.0, f32::NAN, 7.0]).is_nan());
        assert_eq!(argmax(&[1.0, 5.0, 5.0, -2.0]), 1);
        assert_eq!(argmax(&[3.0, 3.0]), 0);
        assert_eq!(argmax(&[-0.0, 0.0]), 1);
        assert_eq!(argmax(&[1.0, f32::NAN, 9.0, f32::NAN]), 1);
        assert_eq!(argmax(&[f32::NEG_INFINITY]), 0);
    }
}
