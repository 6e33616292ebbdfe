//! Engine configuration: the limits every tier enforces identically, and how tensor
//! kernels run.

use adead_kernels::Isa;

/// Limits and policies of an [`crate::Engine`]. Exceeding a limit at run time is a trap,
/// the same on every tier; the same module, inputs and config always give the same
/// result and the same trap.
///
/// ```
/// let config = adead_vm::Config { fuel: Some(1_000_000), ..Default::default() };
/// assert_eq!(config.max_call_depth, adead_vm::Config::default().max_call_depth);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Instructions one call from the host may execute; `None` for no limit. Every
    /// instruction executed costs one unit, counted exactly.
    pub fuel: Option<u64>,
    /// Most nested calls (the host's call counts as the first).
    pub max_call_depth: u32,
    /// Most registers all live frames may hold together (256 per frame at most). A call
    /// that would pass it traps with `call_depth`, like one that passes
    /// `max_call_depth`: both bound how deep calls nest.
    pub max_stack_registers: u64,
    /// Most bytes linear memory may grow to (through `alloc`).
    pub max_memory: u64,
    /// Most bytes all live tensors of an instance may hold together.
    pub max_tensor_bytes: u64,
    /// Most tensors an instance may hold live at once (empty tensors take no bytes,
    /// but each takes a slot in the tensor table).
    pub max_tensors: u64,
    /// The tensor kernel path; `None` picks the best the CPU has (or the one named by
    /// the `ADEAD_KERNELS_ISA` environment variable). Results are identical on every
    /// path.
    pub kernel_isa: Option<Isa>,
    /// Threads for large tensor operations (results are identical for any count); 0 (the
    /// default) means one per available CPU, counted when the first module with tensor
    /// instructions loads (so that programs without tensors never ask).
    pub kernel_threads: usize,
    /// Function entries or loop iterations after which the profile calls code hot;
    /// the native tiers use the same threshold to decide what to compile.
    pub hot_threshold: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fuel: None,
            max_call_depth: 100_000,
            max_stack_registers: 1 << 24,
            max_memory: 1 << 30,
            max_tensor_bytes: 1 << 30,
            max_tensors: 1 << 20,
            kernel_isa: None,
            kernel_threads: 0,
            hot_threshold: 1000,
        }
    }
}
