//! The elementwise operations as values, so that one loop per path serves them all.

use crate::math;

/// An elementwise binary operation (the second operand may be a broadcast row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
        }
    }

    /// The scalar definition: one IEEE operation, NaN made canonical.
    #[inline]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        math::canonicalize(match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
        })
    }
}

/// An elementwise unary operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnaryOp {
    Relu,
    Gelu,
    Sigmoid,
    Tanh,
    Exp,
    /// Multiplication by a scalar, NaN made canonical.
    Scale(f32),
}

impl UnaryOp {
    /// The scalar definition.
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            UnaryOp::Relu => math::relu(x),
            UnaryOp::Gelu => math::gelu(x),
            UnaryOp::Sigmoid => math::sigmoid(x),
            UnaryOp::Tanh => math::tanh(x),
            UnaryOp::Exp => math::exp(x),
            UnaryOp::Scale(s) => math::canonicalize(x * s),
        }
    }
}
