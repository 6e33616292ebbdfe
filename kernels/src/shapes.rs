//! Shape rules of every op, shared by the reference and the fast paths so that both
//! accept and reject exactly the same operands with the same error.

use crate::error::KernelError;
use crate::tensor::{MAX_RANK, Tensor};

/// A result shape of rank 1 to 4 held inline (an op's output shape is worked out for
/// every call; a `Vec` would allocate each time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// `dims`, at most `MAX_RANK` long (the shapes of valid tensors and of op results).
    pub fn of(dims: &[usize]) -> Shape {
        let mut shape = Shape {
            dims: [0; MAX_RANK],
            rank: dims.len().min(MAX_RANK),
        };
        shape.dims[..shape.rank].copy_from_slice(&dims[..shape.rank]);
        shape
    }
}

impl std::ops::Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

/// Sizes of a (batched) matrix product `[batch,] m x k . [batch,] k x n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MatmulDims {
    pub batch: usize,
    pub m: usize,
    pub k: usize,
    pub n: usize,
    /// 2 for a plain product, 3 for a batched one.
    pub rank: usize,
}

impl MatmulDims {
    /// Shape of the product.
    pub fn out_shape(&self) -> Shape {
        if self.rank == 2 {
            Shape::of(&[self.m, self.n])
        } else {
            Shape::of(&[self.batch, self.m, self.n])
        }
    }
}

fn bad_rank(op: &'static str, t: &Tensor, expected: &'static str) -> KernelError {
    KernelError::BadRank {
        op,
        rank: t.rank(),
        shape: t.shape().to_vec(),
        expected,
    }
}

fn mismatch(op: &'static str, left: &[usize], right: &[usize]) -> KernelError {
    KernelError::ShapeMismatch {
        op,
        left: left.to_vec(),
        right: right.to_vec(),
    }
}

/// `a . b` for `[m, k] . [k, n]` or `[b, m, k] . [b, k, n]`.
pub(crate) fn matmul_dims(
    op: &'static str,
    a: &Tensor,
    b: &Tensor,
) -> Result<MatmulDims, KernelError> {
    for t in [a, b] {
        if !(2..=3).contains(&t.rank()) {
            return Err(bad_rank(op, t, "rank 2 or 3"));
        }
    }
    let (sa, sb) = (a.shape(), b.shape());
    let dims = match (sa, sb) {
        (&[m, k], &[k2, n]) if k == k2 => MatmulDims {
            batch: 1,
            m,
            k,
            n,
            rank: 2,
        },
        (&[batch, m, k], &[batch2, k2, n]) if k == k2 && batch == batch2 => MatmulDims {
            batch,
            m,
            k,
            n,
            rank: 3,
        },
        _ => return Err(mismatch(op, sa, sb)),
    };
    Tensor::element_count(&dims.out_shape())?;
    Ok(dims)
}

/// Rows and columns of a 2-D tensor.
pub(crate) fn matrix_dims(op: &'static str, a: &Tensor) -> Result<(usize, usize), KernelError> {
    match a.shape() {
        &[rows, cols] => Ok((rows, cols)),
        _ => Err(bad_rank(op, a, "rank 2")),
    }
}

/// How the second operand of an elementwise op meets the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broadcast {
    /// Same shape: element i meets element i.
    Same,
    /// `b` is one row (`[n]`, `[1, n]`, ...) meeting every row of `a`.
    Row,
}

/// True when `t` is one row of length `n`: its last dimension is `n`, all others 1.
pub(crate) fn is_row_of(t: &Tensor, n: usize) -> bool {
    t.row_len() == n && t.row_count() == 1
}

/// `a op b` with `b` of the same shape as `a` or a single row of `a`'s row length.
pub(crate) fn broadcast(
    op: &'static str,
    a: &Tensor,
    b: &Tensor,
) -> Result<Broadcast, KernelError> {
    if a.shape() == b.shape() {
        Ok(Broadcast::Same)
    } else if is_row_of(b, a.row_len()) {
        Ok(Broadcast::Row)
    } else {
        Err(mismatch(op, a.shape(), b.shape()))
    }
}

/// Checks that `v` (gamma, beta, a bias) is one row of length `n`.
pub(crate) fn row_vector(
    op: &'static str,
    x: &Tensor,
    v: &Tensor,
    n: usize,
) -> Result<(), KernelError> {
    if is_row_of(v, n) {
        Ok(())
    } else {
        Err(mismatch(op, x.shape(), v.shape()))
    }
}

/// Shape of a row reduction: the input shape with the last dimension set to 1.
pub(crate) fn reduced_shape(a: &Tensor) -> Shape {
    let mut shape = Shape::of(a.shape());
    if let Some(last) = shape.dims[..shape.rank].last_mut() {
        *last = 1;
    }
    shape
}

/// Sizes of `x [m, k] . w [k, n] + b [n]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinearDims {
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

pub(crate) fn linear_dims(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<LinearDims, KernelError> {
    const OP: &str = "linear";
    let (m, k) = matrix_dims(OP, x)?;
    let (k2, n) = matrix_dims(OP, w)?;
    if k != k2 {
        return Err(mismatch(OP, x.shape(), w.shape()));
    }
    if !is_row_of(b, n) {
        return Err(mismatch(OP, w.shape(), b.shape()));
    }
    Ok(LinearDims { m, k, n })
}

/// Sizes of scaled dot-product attention on `q [h, sq, d]`, `k [h, sk, d]`, `v [h, sk, dv]`
/// (or the same without the head dimension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AttentionDims {
    pub heads: usize,
    pub seq_q: usize,
    pub seq_k: usize,
    pub d: usize,
    pub dv: usize,
    pub rank: usize,
}

impl AttentionDims {
    pub fn out_shape(&self) -> Shape {
        if self.rank == 2 {
            Shape::of(&[self.seq_q, self.dv])
        } else {
            Shape::of(&[self.heads, self.seq_q, self.dv])
        }
    }
}

pub(crate) fn attention_dims(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
) -> Result<AttentionDims, KernelError> {
    const OP: &str = "attention";
    for t in [q, k, v] {
        if !(2..=3).contains(&t.rank()) {
            return Err(bad_rank(OP, t, "rank 2 or 3"));
        }
    }
    if q.rank() != k.rank() {
        return Err(mismatch(OP, q.shape(), k.shape()));
    }
    if k.rank() != v.rank() {
        return Err(mismatch(OP, k.shape(), v.shape()));
    }
    let split = |t: &Tensor| -> (usize, usize, usize) {
        match *t.shape() {
            [s, d] => (1, s, d),
            [h, s, d] => (h, s, d),
            _ => (0, 0, 0), // unreachable: ranks checked above
        }
    };
    let (hq, seq_q, d) = split(q);
    let (hk, seq_k, dk) = split(k);
    let (hv, seq_v, dv) = split(v);
    if hq != hk || d != dk {
        return Err(mismatch(OP, q.shape(), k.shape()));
    }
    if hk != hv || seq_k != seq_v {
        return Err(mismatch(OP, k.shape(), v.shape()));
    }
    let dims = AttentionDims {
        heads: hq,
        seq_q,
        seq_k,
        d,
        dv,
        rank: q.rank(),
    };
    // The score matrix [h, sq, sk] is materialised: it must fit too.
    Tensor::element_count(&[hq, seq_q, seq_k])?;
    Tensor::element_count(&dims.out_shape())?;
    Ok(dims)
}
