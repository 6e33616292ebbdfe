//! # adead-fuzz: fuzz targets on the pinned stable toolchain
//!
//! This crate's one concern is fuzzing the parts of ADead-BIB that take untrusted or
//! generated input, each against the properties it promises:
//!
//! | target | under test | what must hold |
//! | --- | --- | --- |
//! | [`reader`](targets::reader) | `adead_isa::format::read` | no panic; allocations bounded by the input's length; what it accepts writes back byte for byte, reads again equal, and disassembles to listings that assemble back to it |
//! | [`verifier`](targets::verifier) | `adead_isa::verify`, then `adead-vm` | no panic; a module it accepts loads and runs without a panic on `interp`, `baseline`, `opt` and `auto` (threshold 0) under a small fuel budget, with the same outcome, trap, stdout, fuel, memory and tensors |
//! | [`assembler`](targets::assembler) | `adead_asm::assemble` | no panic; at most `MAX_DIAGNOSTICS` errors kept, rendering bounded; what it accepts verifies, and its listings in both styles assemble back to it |
//! | [`execution`](targets::execution) | tensor programs in `adead-vm` | every kernel path (scalar, AVX2, AVX-512, as available) x 1 and 2 threads x `interp`/`opt` observes bit for bit what the scalar interpreter does |
//!
//! ## Why a mutation fuzzer in the repository
//!
//! `cargo fuzz` (libFuzzer) needs a nightly toolchain (it passes `-Z sanitizer`) and a
//! C++ compiler, and `rust-toolchain.toml` pins stable; `cargo afl` needs AFL++ built
//! and installed beside it. So the loop is here ([`driver`]): a corpus seeded with
//! the repository's examples and conformance cases, target-specific mutators that
//! know the formats (the `.bib` section table, operand kinds, listing lines and
//! tokens, tensor shapes), and feedback from *behaviour*: each check reports features
//! (an error's section and kind, a verifier error with its opcode, a trap kind with
//! its opcode, the fuel used by powers of two, the opcodes and table sizes of an
//! accepted module), and an input that shows a feature never seen joins the corpus.
//! Coverage guidance is there too where stable Rust allows it: LLVM's
//! SanitizerCoverage is reachable through the stable `-C passes=sancov-module` and
//! `-C llvm-args`, and a binary built with `fuzz/sancov-rustc.sh` as `RUSTC_WRAPPER`
//! feeds every edge counter of the crates under test back into the same loop
//! ([`coverage`]). Without it (the default, and in `cargo test`) only the feedback
//! differs.
//!
//! Every run is deterministic from its seed in the default build: the same seed and
//! iteration count make the same inputs. A failure writes the input to
//! `target/fuzz-failures/TARGET-SEED-ITERATION.EXT`, prints its path and the command
//! that replays the run; `adead-fuzz TARGET --input FILE` checks that one file again.
//!
//! ```
//! use adead_fuzz::{Options, driver, targets::assembler::Assembler};
//! let report = driver::run(&mut Assembler::new(), &Options::iterations(7, 50));
//! assert_eq!(report.executions, 50);
//! assert!(report.failure.is_none(), "{report}");
//! ```

pub mod alloc;
pub mod coverage;
pub mod differential;
pub mod driver;
pub mod mutate;
pub mod rng;
pub mod seeds;
pub mod targets;

use std::fmt;
use std::str::FromStr;

pub use driver::{Exec, Failure, Options, Report, Target, replay, run};
pub use rng::Rng;

/// The targets by name, for the command line and the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetName {
    /// [`targets::reader::Reader`].
    Reader,
    /// [`targets::verifier::Verifier`].
    Verifier,
    /// [`targets::assembler::Assembler`].
    Assembler,
    /// [`targets::execution::Execution`].
    Execution,
    /// [`targets::onnx::Onnx`].
    Onnx,
}

impl TargetName {
    /// Every target, in the order `adead-fuzz all` runs them.
    pub const ALL: [TargetName; 5] = [
        TargetName::Reader,
        TargetName::Verifier,
        TargetName::Assembler,
        TargetName::Execution,
        TargetName::Onnx,
    ];

    /// The name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            TargetName::Reader => "reader",
            TargetName::Verifier => "verifier",
            TargetName::Assembler => "assembler",
            TargetName::Execution => "execution",
            TargetName::Onnx => "onnx",
        }
    }

    /// The extension of the target's reproducer files.
    pub const fn extension(self) -> &'static str {
        match self {
            TargetName::Reader | TargetName::Verifier => "bib",
            TargetName::Assembler | TargetName::Execution => "asm",
            TargetName::Onnx => "onnx",
        }
    }

    /// Fuzzes this target with `options`.
    pub fn run(self, options: &Options) -> Report {
        match self {
            TargetName::Reader => run(&mut targets::reader::Reader::new(), options),
            TargetName::Verifier => run(&mut targets::verifier::Verifier::new(), options),
            TargetName::Assembler => run(&mut targets::assembler::Assembler::new(), options),
            TargetName::Execution => run(&mut targets::execution::Execution::new(), options),
            TargetName::Onnx => run(&mut targets::onnx::Onnx::new(), options),
        }
    }

    /// Checks one reproducer file's contents on this target.
    pub fn replay(self, bytes: &[u8]) -> Report {
        match self {
            TargetName::Reader => replay(&mut targets::reader::Reader::new(), bytes),
            TargetName::Verifier => replay(&mut targets::verifier::Verifier::new(), bytes),
            TargetName::Assembler => replay(&mut targets::assembler::Assembler::new(), bytes),
            TargetName::Execution => replay(&mut targets::execution::Execution::new(), bytes),
            TargetName::Onnx => replay(&mut targets::onnx::Onnx::new(), bytes),
        }
    }
}

impl fmt::Display for TargetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TargetName {
    type Err = String;

    fn from_str(name: &str) -> Result<TargetName, String> {
        TargetName::ALL
            .into_iter()
            .find(|target| target.name() == name)
            .ok_or_else(|| {
                format!("unknown target `{name}` (reader, verifier, assembler, execution, onnx)")
            })
    }
}
