//! `adead-vm analyze`: what a run really executed and what to change, built from a
//! module and the profile of a run with `Config::count_executions` and
//! `Config::record_tensor_ops` (the counts are the same whatever tier ran the code).
//!
//! [`Analysis`] is the one report; [`Analysis::to_text`] renders it for the terminal,
//! its serde form is `adead-vm analyze --json` (format [`ANALYSIS_FORMAT`]), and
//! [`Analysis::to_html`] is the self-contained page of `--html`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use adead_vm::analysis::{Analysis, RunFacts, RunOutcome};
//! use adead_vm::{Config, Engine, Imports, Instance, Module};
//! let engine = Engine::new(Config::for_analysis(Config::default()));
//! let module = Module::from_asm(&engine, "
//!     .func main params=0 regs=2
//!         movi r0, 1000
//!     top:
//!         addi r0, r0, -1
//!         jnz r0, top
//!         ret r0
//!     .end
//! ", "loop.asm")?;
//! let mut instance = Instance::new(&module, &Imports::new())?;
//! let started = Instant::now();
//! instance.call_entry(&[])?;
//! let facts = RunFacts {
//!     program: "loop.asm".into(),
//!     outcome: RunOutcome::Returned { value: 0 },
//!     started,
//!     wall_time: started.elapsed(),
//!     returned_handle: None,
//! };
//! let analysis = Analysis::of(&module, &instance.profile(), &facts);
//! assert_eq!(analysis.dynamic.instructions, 2002);
//! assert_eq!(analysis.dynamic.loops[0].iterations, 1000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod html;
mod loops;
mod suggest;
mod text;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use suggest::SuggestionKind;

/// The version of the JSON form; it changes when a field changes meaning or goes.
pub const ANALYSIS_FORMAT: u32 = 1;

/// What the report needs besides the module and the profile.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// The program's name as the user gave it.
    pub program: String,
    /// How the call ended.
    pub outcome: RunOutcome,
    /// When the call started (compilations are placed against it).
    pub started: Instant,
    /// How long the call took.
    pub wall_time: Duration,
    /// The value the call returned when it is a live tensor's handle (that tensor is
    /// the result, not a leak).
    pub returned_handle: Option<u64>,
}

/// How the analysed call ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunOutcome {
    /// The function returned `value` (its bits).
    Returned {
        /// The returned register's bits.
        value: u64,
    },
    /// `halt` ended the program.
    Halted {
        /// The exit code.
        code: u64,
    },
    /// The program trapped.
    Trapped {
        /// The trap kind as ISA.md names it (`out_of_fuel`).
        trap: String,
        /// The function that trapped.
        function: String,
        /// The instruction within it.
        pc: u32,
        /// The message, with detail.
        message: String,
    },
    /// The call did not start (bad arguments).
    Failed {
        /// Why.
        message: String,
    },
}

/// The whole report (`adead-vm analyze --json` prints it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// [`ANALYSIS_FORMAT`].
    pub format: u32,
    /// The program as named on the command line.
    pub program: String,
    /// How the run ended.
    pub outcome: RunOutcome,
    /// Wall time of the call, milliseconds.
    pub wall_ms: f64,
    /// What the module holds.
    #[serde(rename = "static")]
    pub static_facts: StaticFacts,
    /// What ran.
    pub dynamic: DynamicFacts,
    /// Linear memory and the heap.
    pub memory: MemoryFacts,
    /// Tensor instructions.
    pub tensors: TensorFacts,
    /// The hottest functions' listings (the disassembler's hex lines, without its
    /// `.line` directives) with each instruction's count.
    pub hot_code: Vec<HotListing>,
    /// What to change, most important first.
    pub suggestions: Vec<Suggestion>,
}

/// A name with a count (an instruction mix entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Opcode mnemonic or family title.
    pub name: String,
    /// Instructions (static) or executions (dynamic).
    pub count: u64,
}

/// The module's contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticFacts {
    /// Functions.
    pub functions: usize,
    /// Instructions.
    pub instructions: usize,
    /// Bytes of code (20 per instruction).
    pub code_bytes: u64,
    /// Bytes of initialised data.
    pub data_bytes: u64,
    /// Linear memory at start.
    pub memory_bytes: u64,
    /// Instructions per family, most first.
    pub families: Vec<Count>,
    /// Instructions per opcode, most first.
    pub opcodes: Vec<Count>,
}

/// What executed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DynamicFacts {
    /// Instructions executed, every tier.
    pub instructions: u64,
    /// Of those, by native code.
    pub native_instructions: u64,
    /// Fuel used (instructions plus the work of range and tensor instructions).
    pub fuel_used: Option<u64>,
    /// Executions per family, most first.
    pub families: Vec<Count>,
    /// Executions per opcode, most first.
    pub opcodes: Vec<Count>,
    /// Functions that executed anything, most instructions first.
    pub functions: Vec<FunctionFacts>,
    /// Loops that ran, most instructions first (at most 20).
    pub loops: Vec<LoopFacts>,
    /// What the native tiers compiled, in order.
    pub tier_ups: Vec<TierUp>,
    /// What they refused, with the reason.
    pub refused: Vec<Refusal>,
}

/// One function's share of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionFacts {
    /// Its name.
    pub name: String,
    /// Its index.
    pub index: u32,
    /// Instructions executed in it.
    pub instructions: u64,
    /// Their share of all, 0 to 1.
    pub share: f64,
    /// The share of its instructions native code ran, 0 to 1.
    pub native_share: f64,
    /// Times its first instruction ran (its calls, unless a loop starts there).
    pub entries: u64,
}

/// One loop: a header and the backward branches to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoopFacts {
    /// The function.
    pub function: String,
    /// The header (the target of the backward branches), within the function.
    pub header: u32,
    /// The last backward branch to it, within the function.
    pub end: u32,
    /// Times the header ran.
    pub iterations: u64,
    /// Instructions executed from the header to the last backward branch.
    pub instructions: u64,
    /// Their share of all, 0 to 1.
    pub share: f64,
}

/// One compilation by a native tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierUp {
    /// The function.
    pub function: String,
    /// Where the code is entered: `start`, or the loop header within the function.
    pub entry: String,
    /// `baseline` or `optimized`.
    pub tier: String,
    /// Instructions the run had executed when it asked (`None`: at load).
    pub at_instruction: Option<u64>,
    /// When the code was ready, milliseconds from the call's start (negative: before
    /// it, at load).
    pub ready_ms: f64,
    /// Compile time, microseconds.
    pub compile_us: f64,
    /// Bytes of machine code.
    pub code_bytes: usize,
}

/// A function (or entry) a native tier left to the interpreter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The function.
    pub function: String,
    /// `start` or the loop header.
    pub entry: String,
    /// Why.
    pub reason: String,
}

/// Linear memory and the heap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryFacts {
    /// Linear memory's size at the end (its peak: it only grows).
    pub size_bytes: u64,
    /// Blocks `alloc` made.
    pub allocations: u64,
    /// Their bytes.
    pub allocated_bytes: u64,
    /// Blocks freed.
    pub frees: u64,
    /// The most bytes live blocks held at once.
    pub peak_heap_bytes: u64,
    /// Bytes in blocks never freed.
    pub live_heap_bytes: u64,
    /// Bytes `mcopy` copied.
    pub copied_bytes: u64,
    /// Bytes `mfill` set.
    pub filled_bytes: u64,
}

/// Tensor instructions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorFacts {
    /// The kernel path (`scalar`, `avx2`, `avx512`), when the module has tensor
    /// instructions.
    pub kernel_path: Option<String>,
    /// The kernels' threads.
    pub threads: Option<usize>,
    /// Where they ran.
    pub device: String,
    /// The most bytes live tensors held at once.
    pub peak_bytes: u64,
    /// Each tensor instruction and shapes, most time first.
    pub ops: Vec<TensorOpFacts>,
    /// Time per opcode, most first.
    pub by_opcode: Vec<TensorTime>,
    /// Tensors live at the end that the program made (the returned one excepted).
    pub never_freed: Vec<LeakedTensor>,
}

/// One tensor instruction with one set of shapes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorOpFacts {
    /// The function.
    pub function: String,
    /// The instruction within it.
    pub pc: u32,
    /// The mnemonic.
    pub opcode: String,
    /// Input shapes and the result's: `[64, 784] x [784, 128] -> [64, 128]`.
    pub shapes: String,
    /// Executions.
    pub executions: u64,
    /// Their total time, microseconds.
    pub total_us: f64,
    /// Billions of floating-point operations per second (2 per multiply-add), for the
    /// products and attention.
    pub gflops: Option<f64>,
}

/// Time spent in one tensor opcode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorTime {
    /// The mnemonic.
    pub opcode: String,
    /// Executions.
    pub executions: u64,
    /// Total time, microseconds.
    pub total_us: f64,
}

/// A tensor the program made and never freed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakedTensor {
    /// The function of the `tnew` that made it.
    pub function: String,
    /// That `tnew`, within the function.
    pub pc: u32,
    /// Its shape at the end.
    pub shape: Vec<usize>,
}

/// A hot function's listing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HotListing {
    /// The function.
    pub function: String,
    /// Its share of all instructions executed, 0 to 1.
    pub share: f64,
    /// Its lines (at most [`MAX_LISTING_LINES`], around the hottest instruction).
    pub lines: Vec<ListingLine>,
}

/// Most lines of one function's listing in the report.
pub const MAX_LISTING_LINES: usize = 200;

/// One listing line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingLine {
    /// The instruction's executions (`None` for labels and directives).
    pub count: Option<u64>,
    /// The disassembler's line.
    pub text: String,
}

/// Something to change, pointing at an instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// What kind of change.
    pub kind: SuggestionKind,
    /// The function.
    pub function: String,
    /// The instruction within it.
    pub pc: u32,
    /// What was seen and what to do, in a sentence or two.
    pub message: String,
}

impl Analysis {
    /// The report of a run of `module` whose counters are `profile` (its engine's
    /// config must have had `count_executions`; `record_tensor_ops` adds the tensor
    /// section): see the module docs.
    pub fn of(module: &crate::Module, profile: &crate::Profile, facts: &RunFacts) -> Analysis {
        build::analysis(module, profile, facts)
    }

    /// The report for a terminal.
    pub fn to_text(&self) -> String {
        text::render(self)
    }

    /// The report as one self-contained HTML page (inline CSS, SVG charts drawn by
    /// inline script from the report's own JSON; nothing from the network).
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// The JSON form (`--json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serialises")
    }
}
