//! The baseline tier: each verified function assembled in one linear pass from
//! per-opcode templates (dynasm, x86-64), so that code leaves the interpreter almost at
//! once and Cranelift is kept for what stays hot.
//!
//! It keeps the contract of [`crate::abi`] exactly as the Cranelift tier does: the same
//! native signature (so either tier's code calls the other's through the code table),
//! the same helpers, exit record, fuel rule, trap reporting and interruption check
//! points. It differs in how it keeps VM registers: always in the frame in memory, so
//! that every instruction boundary is a place where the interpreter can take over, and
//! one body serves every entry: the function's start and each loop header (on-stack
//! replacement costs a prologue, not a compilation).
//!
//! With [`HotCounters`], baseline code counts its own function entries and loop
//! back-edges toward the optimizing tier: at the threshold an entry asks the VM to
//! compile optimized code for later calls (`tier_up`), and a back-edge leaves for the
//! VM with `ExitRecord::reenter` set, which continues in the optimized version entered
//! at that loop header.

#[cfg(all(target_arch = "x86_64", unix))]
mod code_memory;
#[cfg(all(target_arch = "x86_64", unix))]
mod compiler;
#[cfg(all(target_arch = "x86_64", unix))]
mod emit;
#[cfg(all(target_arch = "x86_64", unix))]
mod semantic_calls;
#[cfg(not(all(target_arch = "x86_64", unix)))]
mod unsupported;

use std::sync::atomic::AtomicU32;
use std::time::Duration;

use crate::abi::{NativeFn, VmContext};

#[cfg(all(target_arch = "x86_64", unix))]
pub use compiler::BaselineCompiler;
#[cfg(not(all(target_arch = "x86_64", unix)))]
pub use unsupported::BaselineCompiler;

/// Compiles optimized code for function `func` for its later calls, when the VM's tier
/// policy agrees; always returns 0 (baseline code goes on either way).
pub type TierUpHelper = unsafe extern "C" fn(ctx: *mut VmContext, func: u32) -> u32;

/// Where a function's baseline code counts toward optimized code.
#[derive(Clone, Debug)]
pub struct HotCounters {
    /// The function's entry counter.
    pub entry: *const AtomicU32,
    /// Per loop header (a pc), its back-edge counter.
    pub loops: Vec<(u32, *const AtomicU32)>,
    /// The count at which code asks for optimized code (once: exactly at it).
    pub threshold: u32,
    /// What an entry calls at the threshold.
    pub tier_up: TierUpHelper,
}

/// A function's entries: its start (what calls use) and one per loop header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions<T> {
    /// Entered at instruction 0 with its arguments.
    pub start: T,
    /// Per loop header (in increasing order), entered with every register in the frame.
    pub loops: Vec<(u32, T)>,
}

/// A function compiled by the baseline tier.
#[derive(Debug)]
pub struct BaselineCompiled {
    /// Its entries.
    pub versions: Versions<NativeFn>,
    /// Bytes of machine code.
    pub size: usize,
    /// Time spent assembling it (its share, in a batch).
    pub time: Duration,
}
