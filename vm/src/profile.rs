//! The profile: what ran how often, and what the native tier made of it. The
//! interpreter counts function entries and loop back-edges (native code does not
//! count), and the tier policy compiles what passes the threshold.

use crate::native::NativeProfile;

/// Counts of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProfile {
    /// Function name.
    pub name: String,
    /// Entries the interpreter saw: calls from the host, from interpreted code, and from
    /// native code to a function without native code (calls between native functions
    /// are not counted).
    pub calls: u64,
    /// Entries reached the engine's hot threshold.
    pub hot: bool,
}

/// Counts of one loop header (the target of a backward branch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopProfile {
    /// Name of the function holding the loop.
    pub function: String,
    /// Index of the loop header within the function.
    pub header: u32,
    /// Backward branches taken to it in the interpreter.
    pub iterations: u64,
    /// Iterations reached the engine's hot threshold.
    pub hot: bool,
}

/// A snapshot of an instance's counters, accumulated over all its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Instructions executed, when counted (a fuel budget or
    /// `Config::count_instructions`).
    pub instructions: Option<u64>,
    /// Of those, the instructions native code executed.
    pub native_instructions: Option<u64>,
    /// Per function, in module order.
    pub functions: Vec<FunctionProfile>,
    /// Loop headers that ran at least once, most iterations first.
    pub loops: Vec<LoopProfile>,
    /// What the native tier compiled, or refused to (`None` under `Tier::Interp`).
    pub native: Option<NativeProfile>,
    /// With `Config::count_native_opcodes`: the opcodes native code executed and how
    /// many times, in table order.
    pub native_opcodes: Option<Vec<(adead_isa::Opcode, u64)>>,
}
