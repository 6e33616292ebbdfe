//! The random-program differential tester: the native tiers must change nothing
//! observable.
//!
//! [`program`] builds a random verified program from a seed; [`exec`] runs it on the
//! interpreter (the reference), on `baseline` and `opt` (everything compiled at load by
//! one tier) and on `auto` at several thresholds: straight to optimized code, and
//! through baseline code to optimized code (see [`exec::policies`]: tier-up at entries
//! and on-stack replacement in the middle of loops, from the interpreter and from
//! baseline code), each counting without a budget, with exactly
//! the budget the reference used, unmetered, and with a random budget below it (which
//! must trap `out_of_fuel` at the same instruction on every tier). Every run's outcome
//! (returned or halt value bits, trap kind, code, function, instruction and detail),
//! stdout bytes, exact fuel and every byte of linear memory must equal the
//! interpreter's. [`run`] checks many programs on all cores and sums up a [`Summary`];
//! [`minimize()`] shrinks a diverging program.
//!
//! Program `i` of a run with seed `S` has the seed [`program_seed`]`(S, i)`: the `i`-th
//! output (from 0) of SplitMix64 started at `S`, so one program is replayed from its
//! own seed alone (`adead-conformance --fuzz-one SEED`).
//!
//! ```
//! use adead_conformance::fuzz::{self, Options};
//! let summary = fuzz::run(&Options { seed: 7, programs: Some(4), ..Options::default() });
//! assert_eq!(summary.programs, 4);
//! assert!(summary.divergences.is_empty(), "{summary}");
//! ```

mod build;
pub mod exec;
pub mod minimize;
pub mod program;

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use adead_isa::Opcode;

pub use exec::{
    Divergence, FUEL_BOUND, Meter, NativeCounts, Policy, Row, Run, TensorState, Verdict, check,
    check_all, observe_module,
};
pub use minimize::minimize;
pub use program::{Hazard, Intent, Limits, Program, generate};

use crate::observe::Outcome;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijection that scrambles every bit of `z`.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of program `index` of a run seeded `run_seed`: the `index`-th output (from
/// 0) of SplitMix64 whose state starts at `run_seed`, that is
/// `mix(run_seed + (index + 1) * 0x9E3779B97F4A7C15)` with wrapping arithmetic.
pub fn program_seed(run_seed: u64, index: u64) -> u64 {
    mix(run_seed.wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN)))
}

/// What a fuzzing run does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The run's seed (see [`program_seed`]).
    pub seed: u64,
    /// Stop after this many programs.
    pub programs: Option<u64>,
    /// Stop starting programs after this long.
    pub duration: Option<Duration>,
    /// Worker threads (0: one per available CPU).
    pub threads: usize,
    /// If one program runs longer than this (a tier that never ends, where the
    /// interpreter did), print its seed and listing to stderr and exit the process
    /// with status 1: a thread stuck in native code cannot be stopped otherwise.
    pub watchdog: Option<Duration>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            programs: None,
            duration: None,
            threads: 0,
            watchdog: Some(Duration::from_secs(60)),
        }
    }
}

/// What a fuzzing run found.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The run's seed.
    pub seed: u64,
    /// Programs checked (skipped ones included).
    pub programs: u64,
    /// Runs of the VM made.
    pub runs: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Programs that did not verify or load, with the reason (a generator bug).
    pub skipped: Vec<(u64, String)>,
    /// Every divergence, by program seed.
    pub divergences: Vec<Divergence>,
    /// Calm programs whose reference outcome is not what the generator promised, with
    /// the promise and the outcome (a generator bug, or an interpreter one).
    pub intent_mismatches: Vec<(u64, Intent, String)>,
    /// Wild programs.
    pub wild: u64,
    /// Calm programs with a planted hazard, by hazard.
    pub planted: BTreeMap<Hazard, u64>,
    /// Reference outcomes: programs that returned.
    pub returned: u64,
    /// Reference outcomes: programs that halted.
    pub halted: u64,
    /// Reference outcomes: traps by `TrapKind::id`.
    pub traps: BTreeMap<&'static str, u64>,
    /// Programs whose reference run printed something.
    pub printed: u64,
    /// Programs whose reference run executed more than 1000 instructions.
    pub long_runs: u64,
    /// What the native tiers compiled, over all runs.
    pub native: NativeCounts,
    /// Opcodes the generated programs use.
    pub opcodes: BTreeSet<Opcode>,
}

impl Summary {
    /// Adds one program's verdict.
    pub fn add(&mut self, verdict: Verdict) {
        self.programs += 1;
        self.runs += verdict.runs;
        self.native.compiled += verdict.native.compiled;
        self.native.osr += verdict.native.osr;
        self.native.refused += verdict.native.refused;
        self.opcodes.extend(verdict.opcodes.iter().copied());
        self.wild += u64::from(verdict.wild);
        if let Some(hazard) = verdict.hazard {
            *self.planted.entry(hazard).or_default() += 1;
        }
        if let Some(reason) = verdict.skipped {
            self.skipped.push((verdict.seed, reason));
        }
        if let Some(reference) = &verdict.reference {
            match &reference.outcome {
                Outcome::Returned(_) => self.returned += 1,
                Outcome::Halted(_) => self.halted += 1,
                Outcome::Trapped(trap) => *self.traps.entry(trap.kind).or_default() += 1,
                Outcome::Failed(_) => {}
            }
            self.printed += u64::from(!reference.stdout.is_empty());
            self.long_runs += u64::from(reference.fuel.unwrap_or(0) > 1000);
            if !exec::intent_met(verdict.intent, &reference.outcome) {
                self.intent_mismatches.push((
                    verdict.seed,
                    verdict.intent,
                    exec::outcome_text(&reference.outcome),
                ));
            }
        }
        if let Some(divergence) = verdict.divergence {
            self.divergences.push(divergence);
        }
    }

    /// Adds another summary (of the same run).
    pub fn merge(&mut self, other: Summary) {
        self.programs += other.programs;
        self.runs += other.runs;
        self.skipped.extend(other.skipped);
        self.divergences.extend(other.divergences);
        self.intent_mismatches.extend(other.intent_mismatches);
        self.wild += other.wild;
        for (hazard, count) in other.planted {
            *self.planted.entry(hazard).or_default() += count;
        }
        self.returned += other.returned;
        self.halted += other.halted;
        for (kind, count) in other.traps {
            *self.traps.entry(kind).or_default() += count;
        }
        self.printed += other.printed;
        self.long_runs += other.long_runs;
        self.native.compiled += other.native.compiled;
        self.native.osr += other.native.osr;
        self.native.refused += other.native.refused;
        self.opcodes.extend(other.opcodes);
    }

    /// Programs that trapped with `kind` in their reference run.
    pub fn trapped(&self, kind: &str) -> u64 {
        self.traps.get(kind).copied().unwrap_or(0)
    }
}

impl fmt::Display for Summary {
    /// The summary line, then the outcome and native-code counts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        write!(
            f,
            "fuzz: {} programs in {seconds:.1} s ({:.0}/s), {} divergences, seed {:#x}",
            self.programs,
            self.programs as f64 / seconds.max(1e-9),
            self.divergences.len(),
            self.seed
        )?;
        if !self.skipped.is_empty() {
            write!(f, ", {} skipped", self.skipped.len())?;
        }
        writeln!(f)?;
        let traps: Vec<String> = self
            .traps
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        writeln!(
            f,
            "outcomes: returned {}, halted {}, trapped {} [{}]; printed {}; over 1000 instructions {}; wild {}",
            self.returned,
            self.halted,
            self.traps.values().sum::<u64>(),
            traps.join(", "),
            self.printed,
            self.long_runs,
            self.wild
        )?;
        writeln!(
            f,
            "native: {} runs, {} versions compiled ({} entered at a loop header), {} refused; {} opcodes used",
            self.runs,
            self.native.compiled,
            self.native.osr,
            self.native.refused,
            self.opcodes.len()
        )?;
        if !self.intent_mismatches.is_empty() {
            writeln!(
                f,
                "{} calm program(s) did not end as generated to:",
                self.intent_mismatches.len()
            )?;
            for (seed, intent, outcome) in self.intent_mismatches.iter().take(10) {
                writeln!(f, "  seed {seed:#018x}: meant {intent:?}, got {outcome}")?;
            }
        }
        for (seed, reason) in self.skipped.iter().take(10) {
            writeln!(f, "skipped seed {seed:#018x}: {reason}")?;
        }
        Ok(())
    }
}

/// Checks programs `0, 1, 2, ...` of `options.seed` on every tier, on
/// `options.threads` threads, until `options.programs` have run or
/// `options.duration` has passed.
pub fn run(options: &Options) -> Summary {
    let start = Instant::now();
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let next = AtomicU64::new(0);
    // Per worker: the seed it runs and when it started it (ms since `start`, +1 so that
    // 0 means idle).
    let busy: Vec<(AtomicU64, AtomicU64)> = (0..threads)
        .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
        .collect();
    let finished = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let total = Mutex::new(Summary {
        seed: options.seed,
        ..Summary::default()
    });
    std::thread::scope(|scope| {
        for slot in &busy {
            let work = || {
                let mut summary = Summary::default();
                loop {
                    if stop.load(Ordering::Relaxed)
                        || options.duration.is_some_and(|d| start.elapsed() >= d)
                    {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if options.programs.is_some_and(|n| index >= n) {
                        break;
                    }
                    let seed = program_seed(options.seed, index);
                    slot.0.store(seed, Ordering::Relaxed);
                    slot.1
                        .store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
                    summary.add(check(seed));
                    slot.1.store(0, Ordering::Relaxed);
                }
                total
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .merge(summary);
                finished.fetch_add(1, Ordering::Release);
            };
            // Native code may use `Config::native_stack` (512 KiB) of the thread's stack
            // before it continues in the interpreter; leave it plenty.
            let spawned = std::thread::Builder::new()
                .name("fuzz".to_string())
                .stack_size(64 << 20)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread: the programs are left to the other workers.
                finished.fetch_add(1, Ordering::Release);
            }
        }
        while finished.load(Ordering::Acquire) < threads as u64 {
            std::thread::sleep(Duration::from_millis(20));
            let Some(limit) = options.watchdog else {
                continue;
            };
            let now = start.elapsed().as_millis() as u64 + 1;
            for (seed, since) in &busy {
                let since = since.load(Ordering::Relaxed);
                if since != 0 && now.saturating_sub(since) > limit.as_millis() as u64 {
                    let seed = seed.load(Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    eprintln!(
                        "fuzz: program seed {seed:#018x} has run for over {} s: a tier that \
                         does not end where the interpreter does? Its listing:\n{}",
                        limit.as_secs(),
                        adead_asm::disassemble(&generate(seed), adead_asm::ListingStyle::Mnemonic)
                    );
                    std::process::exit(1);
                }
            }
        }
    });
    let mut summary = total
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    summary.elapsed = start.elapsed();
    summary.divergences.sort_by_key(|d| d.seed);
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64 from state 0: its first outputs are published with the algorithm
    /// (Vigna's `splitmix64.c`): 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ...
    #[test]
    fn program_seeds_are_splitmix64_outputs() {
        assert_eq!(program_seed(0, 0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(program_seed(0, 1), 0x6e78_9e6a_a1b9_65f4);
    }
}
