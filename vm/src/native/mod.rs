//! The VM's side of the native tier: which functions have native code, compiling them
//! when the tier policy says so, entering native code from the interpreter, and the
//! helpers native code calls back into.
//!
//! A module's [`NativeTier`] owns its compilers (baseline and Cranelift) and a code
//! table (per function, the address of its best native code, or 0); instances of the
//! module share both. Native code is entered only at a run's first instruction with the run not yet
//! charged (a function's start, or a loop header for on-stack replacement), and leaves
//! by returning, trapping, halting, or exiting to the interpreter at a run boundary:
//! see `enter.rs`. What native code does not do inline it asks of `helpers.rs`.

mod enter;
mod helpers;
mod tier;

pub(crate) use enter::{Native, Shared};
pub use tier::{CompileRecord, Level, NativeProfile};
pub(crate) use tier::{NativeTier, Thresholds};
