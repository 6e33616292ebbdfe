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
    let mean = mean_of_sum(reduce::sum(x), x.len());
    let lanes = reduce::squared_deviation_lanes(x, mean);
    (
        mean,
        inv_std_of_sum(reduce::combine(lanes, |a, b| a + b), x.len(), eps),
    )
}

/// `sum / n`: the mean of a row from its sum (16 lanes, combined).
#[inline]
pub(crate) fn mean_of_sum(sum: f32, n: usize) -> f32 {
    sum / n as f32
}

/// `1 / sqrt(sum / n + eps)` from the sum of squared deviations (16 lanes, combined;
/// `sqrt` and `/` are correctly rounded IEEE operations, not libm).
#[inline]
pub(crate) fn inv_std_of_sum(sum: f32, n: usize, eps: f32) -> f32 {
    let var = sum / n as f32;
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
    canonicalize(mean_of_sum(reduce::sum(x), x.len()))
}

/// Row maximum (already canonical).
pub(crate) fn row_max(x: &[f32]) -> f32 {
    reduce::max(x)
}

/// Index of the first maximum, as f32 (exact: rows are at most 2^24 long here).
pub(crate) fn row_argmax(x: &[f32]) -> f32 {
    reduce::argmax(x) as f32
}
