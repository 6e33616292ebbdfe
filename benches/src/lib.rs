//! # adead-benches: benchmarks side by side with peers
//!
//! The five scalar benchmark programs (fib, loop, sieve, mandel, nbody) as ADead-BIB
//! assembly in `benches/programs/`, hand-written as a good compiler would write them, and
//! again in `benches/programs/naive/` as a naive compiler front end would emit them (to
//! measure what the native tier makes of untuned code), the same algorithms written for
//! the peers (C, Lua, WebAssembly) in `benches/peers/`, and the tools that time them:
//!
//! - `adead-bench` (this crate's binary) times calls of a program's entry function
//!   in-process and prints the `RESULT` line every peer prints;
//! - `benches/compare.sh` builds everything, runs every program in `adead-vm` and in
//!   every peer found on the machine, checks the checksums and prints the tables
//!   (see `benches/RESULTS.md`);
//! - `cargo bench -p adead-benches` runs the criterion benchmarks: `interp`
//!   (`benches/benches/interp.rs`: interpreter execution at small sizes, module read +
//!   verify + predecode, assembler throughput), `tensor` (`benches/benches/tensor.rs`:
//!   the MLP of `examples/mlp.asm` through the embedding API, the per-op overhead of a
//!   tensor instruction) and `jit` (`benches/benches/jit.rs`: the native tier's compile
//!   time for every function and loop header of the programs, per 100 instructions);
//! - `cargo test -p adead-benches` runs every program at a small size and checks its
//!   checksum against an independent computation.
//!
//! This library holds what they share: the programs with their definition sizes and
//! checksums ([`PROGRAMS`], and [`NAIVE_PROGRAMS`], the naive forms), [`run_once`], one
//! timed call through the embedding API, and [`reference`](mod@reference), the checksums
//! computed independently in plain Rust.
//!
//! ```
//! use adead_benches::{Program, run_once};
//! use adead_vm::{Engine, Module};
//! let fib = Program::named("fib").unwrap();
//! let module = Module::from_asm(&Engine::default(), fib.source, "fib.asm").unwrap();
//! let run = run_once(&module, &[20]).unwrap();
//! assert_eq!(run.checksum, "6765");
//! ```

use std::time::{Duration, Instant};

pub mod reference;

use adead_vm::stdio::{self, Output};
use adead_vm::{CallError, Instance, InstantiateError, Module, Value};

/// One benchmark program and its definition (`benches/RESULTS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Program {
    /// Short name, the same as the peers': `fib`, `loop`, `sieve`, `mandel`, `nbody`.
    pub name: &'static str,
    /// The assembly source (`benches/programs/<path>`).
    pub source: &'static str,
    /// Where the source is, relative to `benches/programs/`: `fib.asm`, or
    /// `naive/fib.asm` for a naive form.
    pub path: &'static str,
    /// The arguments of `main` at the definition's size.
    pub args: &'static [i64],
    /// What the program prints at the definition's size.
    pub checksum: &'static str,
    /// The arguments of `main` at the small size the criterion benchmarks use.
    pub small_args: &'static [i64],
}

/// The five scalar benchmarks, in the order of the tables.
pub const PROGRAMS: [Program; 5] = [
    Program {
        name: "fib",
        source: include_str!("../programs/fib.asm"),
        path: "fib.asm",
        args: &[30],
        checksum: "832040",
        small_args: &[20],
    },
    Program {
        name: "loop",
        source: include_str!("../programs/loop.asm"),
        path: "loop.asm",
        args: &[100_000_000],
        checksum: "199999997",
        small_args: &[1_000_000],
    },
    Program {
        name: "sieve",
        source: include_str!("../programs/sieve.asm"),
        path: "sieve.asm",
        args: &[10_000_000, 3],
        checksum: "1993737",
        small_args: &[100_000, 1],
    },
    Program {
        name: "mandel",
        source: include_str!("../programs/mandel.asm"),
        path: "mandel.asm",
        args: &[600],
        checksum: "137337",
        small_args: &[60],
    },
    Program {
        name: "nbody",
        source: include_str!("../programs/nbody.asm"),
        path: "nbody.asm",
        args: &[1_000_000],
        checksum: "-0.169086185",
        small_args: &[1000],
    },
];

/// The same five programs as a naive compiler front end emits them
/// (`benches/programs/naive/`): top-tested loops, comparisons computed into a register
/// and tested with `jz`, constants materialised inside loops, addresses recomputed from
/// indices. Same algorithms, same floating-point operations in the same order, so the
/// same definitions and checksums as [`PROGRAMS`] (taken from there, so that they are
/// written once); only `source` and `path` differ.
pub const NAIVE_PROGRAMS: [Program; 5] = [
    PROGRAMS[0].naive_form(include_str!("../programs/naive/fib.asm"), "naive/fib.asm"),
    PROGRAMS[1].naive_form(include_str!("../programs/naive/loop.asm"), "naive/loop.asm"),
    PROGRAMS[2].naive_form(
        include_str!("../programs/naive/sieve.asm"),
        "naive/sieve.asm",
    ),
    PROGRAMS[3].naive_form(
        include_str!("../programs/naive/mandel.asm"),
        "naive/mandel.asm",
    ),
    PROGRAMS[4].naive_form(
        include_str!("../programs/naive/nbody.asm"),
        "naive/nbody.asm",
    ),
];

impl Program {
    /// The program called `name`, if it is one of [`PROGRAMS`].
    pub fn named(name: &str) -> Option<&'static Program> {
        PROGRAMS.iter().find(|p| p.name == name)
    }

    /// The naive form called `name`, if it is one of [`NAIVE_PROGRAMS`].
    pub fn naive(name: &str) -> Option<&'static Program> {
        NAIVE_PROGRAMS.iter().find(|p| p.name == name)
    }

    /// Its file name, for diagnostics and debug info.
    pub fn file_name(&self) -> String {
        format!("benches/programs/{}", self.path)
    }

    /// The same definition with another source.
    const fn naive_form(self, source: &'static str, path: &'static str) -> Program {
        Program {
            source,
            path,
            ..self
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The module did not instantiate (a missing host function).
    #[error(transparent)]
    Instantiate(#[from] InstantiateError),
    /// The call failed (a trap, a wrong argument count).
    #[error(transparent)]
    Call(#[from] CallError),
}

/// One call of a program's entry function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Wall time of `call_entry` alone.
    pub elapsed: Duration,
    /// What the program printed, without surrounding whitespace.
    pub checksum: String,
    /// Instructions executed (the exact fuel the call used), when the engine counts them
    /// (a fuel budget or `Config::count_instructions`).
    pub instructions: Option<u64>,
}

/// Runs `module`'s entry function once with `args` on a fresh [`Instance`] whose print
/// functions write to memory. The instance and its host functions are made before the
/// clock starts and dropped after it stops: only `call_entry` is timed, the way the
/// peers time only the call.
pub fn run_once(module: &Module, args: &[i64]) -> Result<Run, RunError> {
    let (output, captured) = Output::capture();
    let imports = stdio::imports(&output);
    let mut instance = Instance::new(module, &imports)?;
    let values: Vec<Value> = args.iter().map(|&a| Value::I64(a)).collect();
    let start = Instant::now();
    let completion = instance.call_entry(&values);
    let elapsed = start.elapsed();
    let completion = completion?;
    drop(instance);
    Ok(Run {
        elapsed,
        checksum: captured.text().trim().to_string(),
        instructions: completion.fuel_used,
    })
}

/// Median (the upper one for an even count, as the peers compute it), minimum and
/// first of a series of times, in milliseconds.
pub fn summarize(times: &[Duration]) -> Option<(f64, f64, f64)> {
    let first = times.first()?.as_secs_f64() * 1e3;
    let mut sorted: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    sorted.sort_by(f64::total_cmp);
    Some((sorted[sorted.len() / 2], sorted[0], first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use adead_vm::Engine;

    #[test]
    fn every_program_assembles_and_is_named() {
        let engine = Engine::default();
        for program in PROGRAMS.iter().chain(&NAIVE_PROGRAMS) {
            Module::from_asm(&engine, program.source, &program.file_name())
                .unwrap_or_else(|e| panic!("{}: {e}", program.file_name()));
            // the file is where `path` says (adead-bench and compare.sh read it there)
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("programs")
                    .join(program.path),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", program.file_name()));
            assert_eq!(on_disk, program.source, "{}", program.file_name());
        }
        for (program, naive) in PROGRAMS.iter().zip(&NAIVE_PROGRAMS) {
            assert_eq!(Program::named(program.name), Some(program));
            assert_eq!(Program::naive(program.name), Some(naive));
            assert_eq!(naive.path, format!("naive/{}.asm", program.name));
            assert_ne!(naive.source, program.source);
        }
        assert_eq!(Program::named("nope"), None);
        assert_eq!(Program::naive("nope"), None);
    }

    #[test]
    fn summarize_takes_the_upper_median_min_and_first() {
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(
            summarize(&[ms(5), ms(1), ms(3), ms(2)]),
            Some((3.0, 1.0, 5.0))
        );
        assert_eq!(summarize(&[ms(4), ms(2), ms(9)]), Some((4.0, 2.0, 4.0)));
        assert_eq!(summarize(&[]), None);
    }
}
