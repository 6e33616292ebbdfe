//! Trap kinds: the ways an instruction can stop a run. Every tier reports the same kind
//! at the same instruction.

use std::fmt;

/// Why a run stopped abnormally. `id()` is the stable name used in conformance cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// Integer division or remainder by zero.
    DivideByZero,
    /// Signed `MIN / -1` or `MIN rem -1`.
    IntegerOverflow,
    /// A memory access outside linear memory.
    OutOfBounds,
    /// The instruction budget ran out.
    OutOfFuel,
    /// The call depth limit was reached.
    CallDepth,
    /// `alloc` found no free block and memory may not grow further.
    OutOfMemory,
    /// `free` of an address that is not a live block.
    BadFree,
    /// The `trap` instruction, with its code.
    User(i32),
    /// A host function reported failure.
    Host,
}

impl TrapKind {
    /// Stable, lower-case name (`divide_by_zero`, `user`, ...).
    pub const fn id(self) -> &'static str {
        match self {
            TrapKind::DivideByZero => "divide_by_zero",
            TrapKind::IntegerOverflow => "integer_overflow",
            TrapKind::OutOfBounds => "out_of_bounds",
            TrapKind::OutOfFuel => "out_of_fuel",
            TrapKind::CallDepth => "call_depth",
            TrapKind::OutOfMemory => "out_of_memory",
            TrapKind::BadFree => "bad_free",
            TrapKind::User(_) => "user",
            TrapKind::Host => "host",
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::DivideByZero => f.write_str("integer division by zero"),
            TrapKind::IntegerOverflow => f.write_str("integer overflow (MIN / -1)"),
            TrapKind::OutOfBounds => f.write_str("memory access out of bounds"),
            TrapKind::OutOfFuel => f.write_str("out of fuel"),
            TrapKind::CallDepth => f.write_str("call depth limit exceeded"),
            TrapKind::OutOfMemory => f.write_str("out of memory"),
            TrapKind::BadFree => f.write_str("free of an address that is not allocated"),
            TrapKind::User(code) => write!(f, "user trap {code}"),
            TrapKind::Host => f.write_str("host function failed"),
        }
    }
}
