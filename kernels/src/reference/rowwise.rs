//! Row-wise ops on tensors of any rank (a row is the last dimension): softmax,
//! layernorm, and the reductions sum, mean, max, argmax (whose outputs keep the rank,
//! with the last dimension 1).

use super::rows;
use crate::error::KernelError;
use crate::shapes;
use crate::tensor::Tensor;

/// Rows longer than this cannot report an exact argmax as f32.
pub(crate) const MAX_ARGMAX_ROW: usize = 1 << 24;

/// Row-wise softmax (see the crate documentation for the exact order of operations).
pub fn softmax(a: &Tensor) -> Tensor {
    let mut out = vec![0.0; a.len()];
    let n = a.row_len();
    if n > 0 {
        for (x, y) in a.data().chunks(n).zip(out.chunks_mut(n)) {
            rows::softmax_row(x, y);
        }
    }
    Tensor::with_data(a.shape(), out)
}

/// Row-wise layer normalisation with `gamma` and `beta` (each one row of `a`'s row
/// length) and `eps` added to the variance.
pub fn layernorm(
    a: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    eps: f32,
) -> Result<Tensor, KernelError> {
    let n = a.row_len();
    shapes::row_vector("layernorm", a, gamma, n)?;
    shapes::row_vector("layernorm", a, beta, n)?;
    let mut out = vec![0.0; a.len()];
    if n > 0 {
        for (x, y) in a.data().chunks(n).zip(out.chunks_mut(n)) {
            rows::layernorm_row(x, gamma.data(), beta.data(), eps, y);
        }
    }
    Ok(Tensor::with_data(a.shape(), out))
}

fn reduce_rows(a: &Tensor, f: impl Fn(&[f32]) -> f32) -> Tensor {
    let n = a.row_len();
    let out = if n == 0 {
        (0..a.row_count()).map(|_| f(&[])).collect()
    } else {
        a.data().chunks(n).map(f).collect()
    };
    Tensor::with_data(&shapes::reduced_shape(a), out)
}

/// Sum of each row (16 lanes, fixed tree); an empty row sums to `+0.0`.
pub fn row_sum(a: &Tensor) -> Tensor {
    reduce_rows(a, rows::row_sum)
}

/// Mean of each row, `sum / n`; an empty row gives NaN.
pub fn row_mean(a: &Tensor) -> Tensor {
    reduce_rows(a, rows::row_mean)
}

/// Maximum of each row (NaN propagates, `-0.0 < +0.0`); an empty row gives `-inf`.
pub fn row_max(a: &Tensor) -> Tensor {
    reduce_rows(a, rows::row_max)
}

/// Index (as f32) of the first maximum of each row; a NaN is the maximum (first NaN
/// wins). Empty rows and rows longer than 2^24 are errors.
pub fn row_argmax(a: &Tensor) -> Result<Tensor, KernelError> {
    check_argmax(a)?;
    Ok(reduce_rows(a, rows::row_argmax))
}

pub(crate) fn check_argmax(a: &Tensor) -> Result<(), KernelError> {
    if a.row_len() == 0 {
        return Err(KernelError::EmptyRows {
            op: "row_argmax",
            shape: a.shape().to_vec(),
        });
    }
    if a.row_len() > MAX_ARGMAX_ROW {
        return Err(KernelError::TooLarge {
            shape: a.shape().to_vec(),
        });
    }
    Ok(())
}
