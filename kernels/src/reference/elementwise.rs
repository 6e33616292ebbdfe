//! Elementwise ops: add, sub, mul (with row broadcasting), scale, relu, gelu, sigmoid,
//! tanh, exp. Each output element is one application of the scalar definition in
//! [`crate::math`] (binary ops: one IEEE operation); every NaN produced is canonical.

use crate::error::KernelError;
use crate::ops::{BinaryOp, UnaryOp};
use crate::shapes::{self, Broadcast};
use crate::tensor::Tensor;

/// `out[i] = op(a[i], b[i])` where `b` repeats every `b.len()` elements (a broadcast
/// row) or has `a`'s length.
pub(crate) fn binary_slices(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) {
    if b.is_empty() {
        return;
    }
    for (out_row, a_row) in out.chunks_mut(b.len()).zip(a.chunks(b.len())) {
        for ((o, &x), &y) in out_row.iter_mut().zip(a_row).zip(b) {
            *o = op.apply(x, y);
        }
    }
}

pub(crate) fn unary_slices(op: UnaryOp, x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = op.apply(v);
    }
}

fn binary(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    let _: Broadcast = shapes::broadcast(op.name(), a, b)?;
    let mut out = vec![0.0; a.len()];
    binary_slices(op, a.data(), b.data(), &mut out);
    Ok(Tensor::with_data(a.shape(), out))
}

fn unary(op: UnaryOp, a: &Tensor) -> Tensor {
    let mut out = vec![0.0; a.len()];
    unary_slices(op, a.data(), &mut out);
    Tensor::with_data(a.shape(), out)
}

/// `a + b`; `b` has `a`'s shape or is one row of `a`'s row length.
pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    binary(BinaryOp::Add, a, b)
}

/// `a - b`; `b` has `a`'s shape or is one row of `a`'s row length.
pub fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    binary(BinaryOp::Sub, a, b)
}

/// `a * b` elementwise; `b` has `a`'s shape or is one row of `a`'s row length.
pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    binary(BinaryOp::Mul, a, b)
}

/// `a * s` elementwise.
pub fn scale(a: &Tensor, s: f32) -> Tensor {
    unary(UnaryOp::Scale(s), a)
}

/// [`crate::math::relu`] elementwise.
pub fn relu(a: &Tensor) -> Tensor {
    unary(UnaryOp::Relu, a)
}

/// [`crate::math::gelu`] elementwise.
pub fn gelu(a: &Tensor) -> Tensor {
    unary(UnaryOp::Gelu, a)
}

/// [`crate::math::sigmoid`] elementwise.
pub fn sigmoid(a: &Tensor) -> Tensor {
    unary(UnaryOp::Sigmoid, a)
}

/// [`crate::math::tanh`] elementwise.
pub fn tanh(a: &Tensor) -> Tensor {
    unary(UnaryOp::Tanh, a)
}

/// [`crate::math::exp`] elementwise.
pub fn exp(a: &Tensor) -> Tensor {
    unary(UnaryOp::Exp, a)
}
