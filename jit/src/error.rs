//! Why a tier cannot start, or a function cannot be compiled.

/// The native tier cannot run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JitError {
    /// Cranelift does not support this host.
    #[error("native code is not supported on this host: {0}")]
    Unsupported(String),
    /// Cranelift could not be set up.
    #[error("the native tier could not start: {0}")]
    Setup(String),
}

/// A function stays interpreted; the reason shows in the VM's statistics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// The module has no function with that index.
    #[error("no function number {0}")]
    NoSuchFunction(u32),
    /// The function is longer than the compiler takes.
    #[error("{len} instructions, more than the {limit} the compiler takes")]
    TooLarge {
        /// Its instructions.
        len: u32,
        /// The limit.
        limit: u32,
    },
    /// The function uses an instruction native code does not run.
    #[error("`{0}` is not compiled")]
    Unsupported(&'static str),
    /// Counting executions (`Options::count_executions`) of a function whose counters
    /// a 32-bit displacement does not reach.
    #[error("instructions past 2^28 cannot be counted")]
    CountersOutOfReach,
    /// An entry at an instruction that is not a loop header.
    #[error("instruction {0} is not a loop header")]
    NotALoopHeader(u32),
    /// Cranelift refused the function.
    #[error("Cranelift: {0}")]
    Codegen(String),
    /// Cranelift panicked earlier; the compiler compiles nothing more.
    #[error("the compiler failed earlier and compiles nothing more")]
    Poisoned,
    /// Cranelift panicked on this function.
    #[error("Cranelift panicked")]
    Panicked,
}
