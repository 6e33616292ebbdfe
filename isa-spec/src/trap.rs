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
    /// The call depth limit was reached, or the registers of all live frames would pass
    /// the register-stack limit (`Config::max_stack_registers` in the VM): both bound
    /// how deep calls nest.
    CallDepth,
    /// `alloc` found no free block and memory may not grow further.
    OutOfMemory,
    /// `free` of an address that is not a live block.
    BadFree,
    /// The `trap` instruction, with its code.
    User(i32),
    /// A host function reported failure.
    Host,
    /// A tensor operation's inputs have shapes it cannot take (the detail names them).
    TensorShape,
    /// A register does not hold the handle of a live tensor.
    BadTensor,
    /// A tensor would take the live tensors past the tensor-bytes limit, or a new tensor
    /// would take them past the limit on the number of live tensors.
    TensorLimit,
    /// The host asked the run to stop (an interrupt handle, a timeout, a signal): taken
    /// at the next function entry or taken backward branch, before the instruction
    /// there runs.
    Interrupted,
}

impl TrapKind {
    /// One of each kind (`User` with code 0), in the order of the reference document.
    pub const ALL: &'static [TrapKind] = &[
        TrapKind::DivideByZero,
        TrapKind::IntegerOverflow,
        TrapKind::OutOfBounds,
        TrapKind::OutOfFuel,
        TrapKind::CallDepth,
        TrapKind::OutOfMemory,
        TrapKind::BadFree,
        TrapKind::User(0),
        TrapKind::Host,
        TrapKind::TensorShape,
        TrapKind::BadTensor,
        TrapKind::TensorLimit,
        TrapKind::Interrupted,
    ];

    /// The stable numeric code of the kind (1 to 13; 0 means no trap), as native code
    /// and the C ABI report it. Codes never change meaning.
    pub const fn code(self) -> u32 {
        match self {
            TrapKind::DivideByZero => 1,
            TrapKind::IntegerOverflow => 2,
            TrapKind::OutOfBounds => 3,
            TrapKind::OutOfFuel => 4,
            TrapKind::CallDepth => 5,
            TrapKind::OutOfMemory => 6,
            TrapKind::BadFree => 7,
            TrapKind::User(_) => 8,
            TrapKind::Host => 9,
            TrapKind::TensorShape => 10,
            TrapKind::BadTensor => 11,
            TrapKind::TensorLimit => 12,
            TrapKind::Interrupted => 13,
        }
    }

    /// The kind with numeric `code`; `user_code` is the code a `User` trap carries.
    /// `None` for 0 and unknown codes.
    pub const fn from_code(code: u32, user_code: i32) -> Option<TrapKind> {
        Some(match code {
            1 => TrapKind::DivideByZero,
            2 => TrapKind::IntegerOverflow,
            3 => TrapKind::OutOfBounds,
            4 => TrapKind::OutOfFuel,
            5 => TrapKind::CallDepth,
            6 => TrapKind::OutOfMemory,
            7 => TrapKind::BadFree,
            8 => TrapKind::User(user_code),
            9 => TrapKind::Host,
            10 => TrapKind::TensorShape,
            11 => TrapKind::BadTensor,
            12 => TrapKind::TensorLimit,
            13 => TrapKind::Interrupted,
            _ => return None,
        })
    }

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
            TrapKind::TensorShape => "tensor_shape",
            TrapKind::BadTensor => "bad_tensor",
            TrapKind::TensorLimit => "tensor_limit",
            TrapKind::Interrupted => "interrupted",
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
            TrapKind::TensorShape => f.write_str("tensor shape mismatch"),
            TrapKind::BadTensor => f.write_str("not a live tensor handle"),
            TrapKind::TensorLimit => f.write_str("tensor limit exceeded"),
            TrapKind::Interrupted => f.write_str("interrupted"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One number per variant: the exhaustive `match` stops compiling when a variant is
    /// added, and the test fails until `ALL` lists it.
    fn variant(kind: TrapKind) -> usize {
        match kind {
            TrapKind::DivideByZero => 0,
            TrapKind::IntegerOverflow => 1,
            TrapKind::OutOfBounds => 2,
            TrapKind::OutOfFuel => 3,
            TrapKind::CallDepth => 4,
            TrapKind::OutOfMemory => 5,
            TrapKind::BadFree => 6,
            TrapKind::User(_) => 7,
            TrapKind::Host => 8,
            TrapKind::TensorShape => 9,
            TrapKind::BadTensor => 10,
            TrapKind::TensorLimit => 11,
            TrapKind::Interrupted => 12,
        }
    }

    #[test]
    fn all_names_every_variant_once_with_a_unique_id() {
        let mut seen: Vec<usize> = TrapKind::ALL.iter().map(|&k| variant(k)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..13).collect::<Vec<_>>());
        let mut ids: Vec<&str> = TrapKind::ALL.iter().map(|k| k.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TrapKind::ALL.len());
    }

    #[test]
    fn codes_are_stable_and_round_trip() {
        for &kind in TrapKind::ALL {
            assert_eq!(kind.code(), variant(kind) as u32 + 1, "{kind:?}");
            assert_eq!(TrapKind::from_code(kind.code(), 0), Some(kind));
        }
        assert_eq!(TrapKind::from_code(8, -7), Some(TrapKind::User(-7)));
        assert_eq!(TrapKind::from_code(0, 0), None);
        assert_eq!(TrapKind::from_code(14, 0), None);
    }
}
