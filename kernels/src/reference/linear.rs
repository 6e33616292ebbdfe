//! The fused linear layer `y = x . W + b`, optionally followed by ReLU:
//! `y[i][j] = relu?(chain(i, j) + b[j])` where `chain` is the matmul fma chain from
//! `+0.0` (see [`super::matmul()`]), then ONE addition of the bias, then [`crate::math::relu`];
//! NaN canonical.

use super::matmul::dot_chain;
use crate::error::KernelError;
use crate::math::{canonicalize, relu};
use crate::shapes;
use crate::tensor::Tensor;

/// `x [m, k] . w [k, n] + b` with `b` one row of length `n`, then ReLU if `apply_relu`.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor, apply_relu: bool) -> Result<Tensor, KernelError> {
    let d = shapes::linear_dims(x, w, b)?;
    let mut out = vec![0.0; d.m * d.n];
    for i in 0..d.m {
        let x_row = &x.data()[i * d.k..(i + 1) * d.k];
        for j in 0..d.n {
            let y = dot_chain(x_row, w.data(), d.n, j) + b.data()[j];
            out[i * d.n + j] = if apply_relu { relu(y) } else { canonicalize(y) };
        }
    }
    Ok(Tensor::with_data(&[d.m, d.n], out))
}
