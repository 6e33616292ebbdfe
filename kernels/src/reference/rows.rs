//! Row-wise operations on one row, the scalar definitions used by the reference and by
//! the `Scalar` path (which runs them on several rows per thread).

use super::reduce;
use crate::math::{self, canonicalize, fma};

/// Softmax of one row: `m = max(x)` (16-lane max), `e[j] = exp(x[j] - m)` stored in `y`,
/// `s = sum(e)` (16-lane sum), `y[j] = e[j] / s`; NaN canonical.
pub(crate) fn softmax_row(x: &[f32], y: &mut [f32]) {
    let m = reduce::max(x);
    for (out, &v) in y.iter_mut().zip(x) {
        *out = math::exp(v - m);
    }
    let s = reduce::sum(y);
    for out in y.iter_mut() {
        *out = canonicalize(*out / s);
    }
}

/// The mean and `1 / sqrt(var + eps)` of a row, as layernorm defines them:
/// `mean = sum(x) / n`, `var = sum_fma((x - mean)^2) / n` (both 16-lane sums), with
/// `n` converted to f32 by rounding.
pub(crate) fn layernorm_stats(x: &[f32], eps: f32) -> (f32, f32) {
    let mean = mean_from_lanes(reduce::sum_lanes(x), x.len());
    let lanes = reduce::squared_deviation_lanes(x, mean);
    (mean, inv_std_from_lanes(lanes, x.len(), eps))
}

/// `combine(lanes) / n`: the mean of a row from its 16 partial sums.
#[inline]
pub(crate) fn mean_from_lanes(lanes: [f32; reduce::LANES], n: usize) -> f32 {
    reduce::combine(lanes, |a, b| a + b) / n as f32
}

/// `1 / sqrt(combine(lanes) / n + eps)` from the 16 partial sums of squared deviations
/// (`sqrt` and `/` are correctly rounded IEEE operations, not libm).
#[inline]
pub(crate) fn inv_std_from_lanes(lanes: [f32; reduce::LANES], n: usize, eps: f32) -> f32 {
    let var = reduce::combine(lanes, |a, b| a + b) / n as f32;
    1.0 / (var + eps).sqrt()
}

/// Layer normalisation of one row: `y[j] = fma((x[j] - mean) * inv_std, gamma[j], beta[j])`
/// with the statistics of [`layernorm_stats`]; NaN canonical.
pub(crate) fn layernorm_row(x: &[f32], gamma: &[f32], beta: &[f32], eps: f32, y: &mut [f32]) {
    let (mean, inv_std) = layernorm_stats(x, eps);
    for (j, out) in y.iter_mut().enumerate() {
        *out = canonicalize(fma((x[j] - mean) * inv_std, gamma[j], beta[j]));
    }
}

/// Row sum, NaN canonical.
pub(crate) fn row_sum(x: &[f32]) -> f32 {
    canonicalize(reduce::sum(x))
}

/// Row mean `sum / n`, NaN canonical (an empty row gives NaN).
pub(crate) fn row_mean(x: &[f32]) -> f32 {
    canonicalize(mean_from_lanes(reduce::sum_lanes(x), x.len()))
}

/// Row maximum (already canonical).
pub(crate) fn row_max(x: &[f32]) -> f32 {
    reduce::max(x)
}

/// Index of the first maximum, as f32 (exact: rows are at most 2^24 long here).
pub(crate) fn row_argmax(x: &[f32]) -> f32 {
    reduce::argmax(x) as f32
}
