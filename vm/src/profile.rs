//! The interpreter's profile: what ran how often. The native tiers use the same
//! counters to decide what to compile.

/// Counts of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProfile {
    /// Function name.
    pub name: String,
    /// Entries (calls from code and from the host).
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
    /// Backward branches taken to it.
    pub iterations: u64,
    /// Iterations reached the engine's hot threshold.
    pub hot: bool,
}

/// A snapshot of an instance's counters, accumulated over all its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Instructions executed.
    pub instructions: u64,
    /// Per function, in module order.
    pub functions: Vec<FunctionProfile>,
    /// Loop headers that ran at least once, most iterations first.
    pub loops: Vec<LoopProfile>,
}
