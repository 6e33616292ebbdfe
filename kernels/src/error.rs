//! The one error type of the crate.
//!
//! Every failure a caller can cause (a shape that does not fit an op, a rank outside
//! 1..=4, a tensor whose size does not fit in memory, a path the CPU cannot run) is a
//! [`KernelError`] value; no function of this crate panics on user-provided shapes.
//! Shapes are printed as `[2, 3]` so that the VM can put the message into its trap.

use crate::isa::Isa;

/// Shapes as the messages print them: `[2, 3, 4]`.
fn fmt_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// Everything that can go wrong in a kernel call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    /// The operands of `op` do not fit together (inner dimensions of a matmul, a broadcast
    /// row of the wrong length, a gamma that is not one row, ...).
    #[error(
        "{op}: shape mismatch between {} and {}",
        fmt_shape(left),
        fmt_shape(right)
    )]
    ShapeMismatch {
        /// The operation, as its name in this crate (`"matmul"`, `"add"`, ...).
        op: &'static str,
        /// Shape of the first operand.
        left: Vec<usize>,
        /// Shape of the second operand (or the shape it had to have).
        right: Vec<usize>,
    },
    /// An operand's rank is not one the op accepts (tensors have rank 1..=4; matmul
    /// takes 2-D or 3-D operands, transpose 2-D, ...).
    #[error(
        "{op}: rank {rank} (shape {}) not accepted, expected {expected}",
        fmt_shape(shape)
    )]
    BadRank {
        /// The operation (`"tensor"` for a constructor).
        op: &'static str,
        /// The rank given.
        rank: usize,
        /// The full shape given.
        shape: Vec<usize>,
        /// What the op accepts, in words (`"rank 2 or 3"`).
        expected: &'static str,
    },
    /// The element count or the byte size of a shape overflows, or exceeds what one
    /// allocation may hold (`isize::MAX` bytes).
    #[error("tensor of shape {} is too large", fmt_shape(shape))]
    TooLarge {
        /// The shape asked for.
        shape: Vec<usize>,
    },
    /// A [`Destination`](crate::Destination) refused a result: it would take more
    /// memory than the embedder allows.
    #[error(
        "the result ({result_bytes} bytes{}) would bring the live tensors to {total} bytes, over the limit of {limit}",
        if *scratch_bytes > 0 { format!(" and {scratch_bytes} bytes of temporaries") } else { String::new() }
    )]
    OverLimit {
        /// Bytes of the result.
        result_bytes: u64,
        /// Bytes of the op's temporaries.
        scratch_bytes: u64,
        /// Bytes of live tensors with them (saturating).
        total: u64,
        /// The limit.
        limit: u64,
    },
    /// A [`Destination`](crate::Destination) refused a result for a reason of its
    /// own (the VM: the destination register holds no live tensor).
    #[error("{0}")]
    Refused(String),
    /// The data handed to a constructor does not have the element count of the shape.
    #[error(
        "data of {len} elements does not fill shape {} ({expected} elements)",
        fmt_shape(shape)
    )]
    DataLength {
        /// Elements given.
        len: usize,
        /// The shape.
        shape: Vec<usize>,
        /// Elements the shape holds.
        expected: usize,
    },
    /// A row reduction that needs at least one element (argmax) met empty rows.
    #[error("{op}: rows of shape {} are empty", fmt_shape(shape))]
    EmptyRows {
        /// The operation.
        op: &'static str,
        /// Shape of the operand.
        shape: Vec<usize>,
    },
    /// A kernel path was asked for that this CPU (or this build) cannot run.
    #[error("kernel path {requested} is not available on this CPU: {reason}")]
    IsaUnavailable {
        /// The path asked for.
        requested: Isa,
        /// Which feature is missing.
        reason: &'static str,
    },
    /// `ADEAD_KERNELS_ISA` (or a string given to [`Isa::parse`](crate::Isa::parse)) names no path.
    #[error("unknown kernel path {0:?}: expected scalar, avx2 or avx512")]
    UnknownIsa(String),
    /// A [`Tuning`](crate::Tuning) this build cannot run (a tile shape a path does not
    /// have, a block size out of range), or an unknown `ADEAD_KERNELS_TUNING` value.
    #[error("kernel tuning: {0}")]
    BadTuning(String),
    /// A thread count of zero, or a worker pool that could not be built.
    #[error("thread pool: {0}")]
    Threads(String),
}
