//! Engine configuration: the limits every tier enforces identically, which tiers run,
//! and how tensor kernels run.

use std::fmt;
use std::str::FromStr;

use adead_kernels::{Isa, Tuning};

/// Which tiers execute code. Every tier gives the same results, traps, fuel and memory;
/// they differ only in speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The interpreter alone.
    Interp,
    /// Baseline code for everything: every function is assembled from templates when
    /// the module loads (the optimizing tier never runs). For tests and for short runs.
    Baseline,
    /// Optimized (Cranelift) code for everything: every function is compiled when the
    /// module loads, and a call that was running in the interpreter (after an exit from
    /// native code) moves back to native code at its next loop back-edge.
    Opt,
    /// Three tiers: the interpreter first; a function moves to baseline code once its
    /// entries or a loop's back-edges pass [`Config::baseline_threshold`], and to
    /// optimized code once they pass [`Config::jit_threshold`] (counted by the
    /// interpreter and by baseline code). A hot loop moves up at its next back-edge
    /// (on-stack replacement, from the interpreter or from baseline code). Where the
    /// baseline tier does not exist (hosts other than x86-64 Unix), or when
    /// `baseline_threshold >= jit_threshold`, the interpreter tiers up straight to
    /// optimized code.
    #[default]
    Auto,
}

impl Tier {
    /// Every policy, as the CLI names them.
    pub const ALL: [Tier; 4] = [Tier::Interp, Tier::Baseline, Tier::Opt, Tier::Auto];

    /// The name the CLI and the statistics use: `interp`, `baseline`, `opt`, `auto`.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Interp => "interp",
            Tier::Baseline => "baseline",
            Tier::Opt => "opt",
            Tier::Auto => "auto",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tier {
    type Err = String;

    fn from_str(name: &str) -> Result<Tier, String> {
        Tier::ALL
            .into_iter()
            .find(|tier| tier.name() == name)
            .ok_or_else(|| format!("unknown tier `{name}` (interp, baseline, opt or auto)"))
    }
}

/// Limits and policies of an [`crate::Engine`]. Exceeding a limit at run time is a trap,
/// the same on every tier; the same module, inputs and config always give the same
/// result and the same trap.
///
/// ```
/// use adead_vm::{Config, Tier};
/// let config = Config { fuel: Some(1_000_000), tier: Tier::Interp, ..Default::default() };
/// assert_eq!(config.max_call_depth, Config::default().max_call_depth);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Fuel one call from the host may use; `None` for no limit. Every instruction
    /// executed costs one unit, and `alloc`, `mcopy`, `mfill` and the tensor
    /// instructions one more per 64 bytes, elements or multiply-adds of their work
    /// (ISA.md, "Limits"), counted exactly: so fuel bounds time, not only instructions.
    pub fuel: Option<u64>,
    /// Count the instructions every call executes even without a fuel budget (a call's
    /// `fuel_used`, the profile's instruction counts). Counting costs native code a
    /// subtraction per straight-line run; without it and without fuel, native code
    /// carries no fuel code at all and counts are `None`.
    pub count_instructions: bool,
    /// Let the host stop runs through [`crate::Engine::interrupt_handle`]: every tier
    /// then polls the request at each check point (function entries and taken backward
    /// branches). Off by default, as in wasmtime: native code pays a load and a branch
    /// per loop iteration and per call for it (up to a third of the time of a loop of a
    /// few instructions, 0-15% on `benches/`). `adead-vm run` turns it on.
    pub interruptible: bool,
    /// Which tiers run the code.
    pub tier: Tier,
    /// Function entries or loop back-edges after which [`Tier::Auto`] moves a function
    /// to baseline code (0: at the first entry or back-edge).
    pub baseline_threshold: u64,
    /// Function entries or loop back-edges after which [`Tier::Auto`] compiles a
    /// function with the optimizing tier (0: at the first entry or back-edge); the
    /// profile calls code past it hot.
    pub jit_threshold: u64,
    /// Under [`Tier::Auto`], compile optimized code on a background thread while the
    /// code goes on in the baseline tier (or the interpreter), so that a short run never
    /// waits for Cranelift; off, the run that asks waits for it. Which tier runs when
    /// changes nothing observable either way; off makes it repeatable, for tests.
    pub background_compile: bool,
    /// Bytes of machine stack native code may use below the host's call before it
    /// continues in the interpreter, whose frames live on the heap (so a deep recursion
    /// never overflows the host's stack). The calling thread needs this much free stack
    /// beyond the VM's own few kilobytes.
    pub native_stack: u64,
    /// Count how many times each instruction executes, on every tier
    /// ([`crate::Profile::executions`]), for `adead-vm analyze` and coverage tests. The
    /// interpreter runs a counting copy of its loop (the normal one stays as it is) and
    /// native code pays a memory increment per instruction; results, traps and fuel do
    /// not change.
    pub count_executions: bool,
    /// Record every tensor instruction's shapes, time and work, and which instruction
    /// made each tensor ([`crate::Profile::tensors`]), for `adead-vm analyze`: a clock
    /// read and a few small allocations per tensor instruction.
    pub record_tensor_ops: bool,
    /// Append each compiled function's address, size and name to `/tmp/perf-<pid>.map`,
    /// so that `perf report` names native code.
    pub perf_map: bool,
    /// Most nested calls (the host's call counts as the first). The interpreter keeps a
    /// 32-byte record per nested call: 3.2 MB at the default 100,000.
    pub max_call_depth: u32,
    /// Most registers all live frames may hold together (256 per frame at most). A call
    /// that would pass it traps with `call_depth`, like one that passes
    /// `max_call_depth`: both bound how deep calls nest. The register stack takes 8
    /// bytes per register: at most 128 MiB at the default 2^24.
    ///
    /// With the defaults, one call from the host holds at most about 132 MB of frames,
    /// beside linear memory (`max_memory`, 1 GiB) and tensors (`max_tensor_bytes`,
    /// 1 GiB).
    pub max_stack_registers: u64,
    /// Most bytes linear memory may grow to (through `alloc`).
    pub max_memory: u64,
    /// Most bytes all live tensors of an instance may hold together: 4 per element and
    /// `adead_isa::TENSOR_ENTRY_BYTES` (128) per tensor, so that it bounds the host
    /// memory of many empty tensors too.
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
    /// The tensor kernels' tuning (tile shape, cache blocking, parallel thresholds:
    /// speed only, results are identical with every tuning). `None` (the default) takes
    /// the process's choice, [`adead_kernels::Tuning::startup`]: the
    /// `ADEAD_KERNELS_TUNING` environment variable, else what an earlier measurement on
    /// this CPU left in the user's cache directory, else a short measurement (a fraction
    /// of a second, once per process). `adead-vm run --load-profile` sets it from the
    /// saved profile.
    pub kernel_tuning: Option<Tuning>,
}

impl Config {
    /// True when calls count their instructions: a fuel budget, or
    /// [`Config::count_instructions`].
    pub fn metered(&self) -> bool {
        self.fuel.is_some() || self.count_instructions
    }

    /// `config` with everything [`crate::analysis::Analysis`] reads switched on:
    /// instruction and fuel counts, each instruction's executions, the tensor ops'
    /// record. Results, traps and fuel stay as they are; the code runs slower.
    pub fn for_analysis(config: Config) -> Config {
        Config {
            count_instructions: true,
            count_executions: true,
            record_tensor_ops: true,
            ..config
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fuel: None,
            count_instructions: false,
            interruptible: false,
            tier: Tier::Auto,
            baseline_threshold: 10,
            jit_threshold: 1000,
            background_compile: true,
            native_stack: 512 * 1024,
            count_executions: false,
            record_tensor_ops: false,
            perf_map: false,
            max_call_depth: 100_000,
            max_stack_registers: 1 << 24,
            max_memory: 1 << 30,
            max_tensor_bytes: 1 << 30,
            max_tensors: 1 << 20,
            kernel_isa: None,
            kernel_threads: 0,
            kernel_tuning: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_their_names() {
        for tier in Tier::ALL {
            assert_eq!(tier.name().parse::<Tier>(), Ok(tier));
        }
        assert!("jit".parse::<Tier>().is_err());
        assert_eq!(Tier::default(), Tier::Auto);
    }
}
