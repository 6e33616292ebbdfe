//! # adead-jit: native code tiers
//!
//! This crate's one concern is turning verified functions into native code that
//! behaves exactly as the interpreter does: the same results, traps (kind, function,
//! instruction), side effects, fuel and limits. Its optimizing tier translates each
//! function to Cranelift IR ([`Compiler`]); every scalar instruction is emitted inline
//! from the rules of `adead_isa::semantics`, every trap condition is tested and leaves
//! through an exit record, and fuel is charged per straight-line run by the rules of
//! `adead_isa::fuel`.
//!
//! Data enters as an `adead_isa::Module` (verified by the VM) and a function index with
//! an [`Entry`]: its start, for calls, or one loop header, to take over a running call
//! (on-stack replacement). It leaves as machine code with one signature, called through
//! the [`Compiler::trampoline`]. The crate knows the VM only through the `#[repr(C)]`
//! contract of [`abi`]: a context the VM keeps current, an exit record, and the VM's
//! `extern "C"` helpers. It never imports `adead-vm`, so a second native tier (a
//! baseline compiler) plugs into the same contract: the baseline tier
//! ([`BaselineCompiler`]) assembles templates per opcode on x86-64.

pub mod abi;
mod analysis;
mod baseline;
mod compiler;
mod error;
mod nan;
mod translate;

pub use abi::{ExitRecord, FUEL_SHORT, Helpers, NativeFn, Status, Trampoline, VmContext};
pub use baseline::{BaselineCompiled, BaselineCompiler, HotCounters, TierUpHelper, Versions};
pub use compiler::{Compiled, Compiler, Options};
pub use error::{CompileError, JitError};
pub use translate::{Entry, REGISTER_ARGS, register_args};
