//! # adead-isa: the ADead-BIB instruction set
//!
//! This crate's one concern is the instruction set as data. Every opcode is one row of
//! the table in `table.rs`; the [`Opcode`] enum, decoding, mnemonics, operand kinds, the
//! verifier and the reference document `ISA.md` are all derived from that table.
//! Bytes enter through [`format::read`] (structural checks, typed errors with section and
//! byte offset) and [`verify`] (semantic checks, once per load); the result is a
//! [`VerifiedModule`], a [`Module`] every tier can trust without checking again.
//! [`format::write`] gives the one canonical encoding back, and [`reference::markdown`]
//! generates `ISA.md`.
//!
//! ```
//! use adead_isa::{Instruction, Opcode};
//! let words = [0x0002_0000, 3, 1, 2, 0]; // add r3, r1, r2
//! let instr = Instruction::from_words(words).unwrap();
//! assert_eq!(instr.opcode(), Opcode::Add);
//! assert_eq!(instr.opcode().mnemonic(), "add");
//! ```

pub mod format;
pub mod fuel;
mod instr;
mod module;
mod opcode;
mod operand;
pub mod reference;
pub mod semantics;
mod structure;
mod table;
mod trap;
mod verify;

pub use instr::{DecodeError, Instruction, RegisterAccess};
pub use module::{
    DEFAULT_MEMORY_SIZE, DataSegment, DebugInfo, Export, Function, Import, LineEntry,
    MAX_REGISTERS, Module, Shader, ShaderSource,
};
pub use opcode::{Family, OpFlags, Opcode};
pub use operand::{OperandKind, OperandValue, SyntaxClass, ValueType};
pub use trap::TrapKind;
pub use verify::{VerifiedModule, VerifyError, VerifyErrorKind, instruction_errors, verify};

/// Bytes each live tensor counts toward the tensor-bytes limit beside its elements'
/// (4 each): what its entry in the tensor table takes on the host, at most. So the
/// limit bounds the host memory of many small (or empty) tensors too.
pub const TENSOR_ENTRY_BYTES: u64 = 128;
