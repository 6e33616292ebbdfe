//! Scaled dot-product attention, defined as a composition of the reference ops so its
//! order of operations is theirs. Per head `h` (a rank-2 input is one head):
//! 1. `s = matmul(q[h], transpose(k[h]))` (fma chain over `d`),
//! 2. `s = scale(s, scale)` (one rounding per score),
//! 3. causal: `s[i][j] = -inf` for `j > i` (top-left aligned, as PyTorch's `is_causal`),
//! 4. `p = softmax(s)` row-wise,
//! 5. `out[h] = matmul(p, v[h])`.

use super::{elementwise, layout, matmul, rowwise};
use crate::error::KernelError;
use crate::shapes::{self, AttentionDims};
use crate::tensor::Tensor;

/// The usual scale `1 / sqrt(d)`, correctly rounded division of a correctly rounded sqrt.
pub fn default_attention_scale(d: usize) -> f32 {
    1.0 / (d as f32).sqrt()
}

/// Sets the scores above the diagonal (`j > i`) of a `[seq_q, seq_k]` block to `-inf`.
pub(crate) fn apply_causal_mask(scores: &mut [f32], seq_k: usize) {
    if seq_k == 0 {
        return;
    }
    for (i, row) in scores.chunks_mut(seq_k).enumerate() {
        for v in row.iter_mut().skip(i + 1) {
            *v = f32::NEG_INFINITY;
        }
    }
}

/// Attention on `q [h, sq, d]`, `k [h, sk, d]`, `v [h, sk, dv]` (or without `h`), giving
/// `[h, sq, dv]`.
pub fn attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    causal: bool,
    scale: f32,
) -> Result<Tensor, KernelError> {
    let dims = shapes::attention_dims(q, k, v)?;
    let AttentionDims {
        heads,
        seq_q,
        seq_k,
        d,
        dv,
        ..
    } = dims;
    let mut out = Vec::with_capacity(heads * seq_q * dv);
    for h in 0..heads {
        let head = |t: &Tensor, rows: usize, cols: usize| {
            Tensor::with_data(
                &[rows, cols],
                t.data()[h * rows * cols..][..rows * cols].to_vec(),
            )
        };
        let (qh, kh, vh) = (head(q, seq_q, d), head(k, seq_k, d), head(v, seq_k, dv));
        let scores = matmul::matmul(&qh, &layout::transpose(&kh)?)?;
        let mut scores = elementwise::scale(&scores, scale);
        if causal {
            apply_causal_mask(scores.data_mut(), seq_k);
        }
        let p = rowwise::softmax(&scores);
        out.extend_from_slice(matmul::matmul(&p, &vh)?.data());
    }
    Ok(Tensor::with_data(&dims.out_shape(), out))
}
