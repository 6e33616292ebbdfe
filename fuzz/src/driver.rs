//! The fuzzing loop every target shares: a corpus that grows with inputs that show new
//! behaviour, mutation from a seeded generator, a check per input with panics caught,
//! budgets in iterations or seconds, a watchdog, and reproducers written to disk.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::coverage;
use crate::rng::Rng;

/// Most inputs a run keeps in its corpus; past it a new input replaces a random
/// non-seed one, so memory stays bounded however long a run lasts.
pub const MAX_CORPUS: usize = 4096;

/// One fuzz target: what it feeds, how it makes new inputs, and what must hold for each.
pub trait Target: Send {
    /// One input: bytes, a listing, a program.
    type Input: Clone + Send;

    /// The target's name (`reader`, `verifier`, ...), used in reports and file names.
    fn name(&self) -> &'static str;

    /// The extension of its reproducer files (`bib`, `asm`).
    fn extension(&self) -> &'static str;

    /// The inputs a run starts from, each checked first. An error means the target
    /// cannot run at all (its seeds are missing), and fails the run.
    fn seeds(&mut self) -> Result<Vec<Self::Input>, String>;

    /// A new input, usually a mutation of corpus entries (`corpus` is never empty),
    /// drawing every choice from `rng`.
    fn generate(&mut self, rng: &mut Rng, corpus: &[Self::Input]) -> Self::Input;

    /// Checks `input`: `Err` with a message is a bug found. Reports what the input did
    /// as features on `exec` (an input with a feature never seen joins the corpus).
    /// A panic inside is caught by the driver and is a bug found too.
    fn check(&mut self, input: &Self::Input, exec: &mut Exec) -> Result<(), String>;

    /// The input as the bytes of its reproducer file.
    fn encode(&self, input: &Self::Input) -> Vec<u8>;

    /// A reproducer file back as an input (for `--input`).
    fn decode(&self, bytes: &[u8]) -> Result<Self::Input, String>;
}

/// What one check reports besides pass or fail: behaviour features and tallies.
#[derive(Debug, Default)]
pub struct Exec {
    features: Vec<u64>,
    tallies: Vec<&'static str>,
}

impl Exec {
    /// Records a behaviour feature (an error kind, an outcome, a trap site): any text;
    /// only whether it was seen before matters.
    pub fn feature(&mut self, text: &str) {
        self.features
            .push(adead_conformance::fnv1a64(text.as_bytes()));
    }

    /// Records a numeric feature under a name (a count bucket, an opcode word).
    pub fn feature_value(&mut self, name: &str, value: u64) {
        let mut hash = adead_conformance::fnv1a64(name.as_bytes());
        hash ^= crate::rng::mix(value.wrapping_add(0x5851_F42D_4C95_7F2D));
        self.features.push(hash);
    }

    /// Counts one occurrence of `what` in the run's tallies (printed in the report).
    pub fn tally(&mut self, what: &'static str) {
        self.tallies.push(what);
    }
}

/// How long a run lasts and where its results go.
#[derive(Clone, Debug)]
pub struct Options {
    /// The run's seed: with the same seed and the same number of iterations, a run (in
    /// its default, uninstrumented build) makes exactly the same inputs.
    pub seed: u64,
    /// Stop after this many executions (the seeds included).
    pub iterations: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Where reproducers are written.
    pub failure_dir: PathBuf,
    /// If one check runs longer than this, write its input as a reproducer, print its
    /// path and exit the process with status 1: a check stuck in a loop cannot be
    /// stopped otherwise.
    pub watchdog: Option<Duration>,
    /// Print a status line to stderr this often.
    pub progress: Option<Duration>,
}

impl Options {
    /// A run of `iterations` executions from `seed`, reproducers under
    /// [`default_failure_dir`], no watchdog, no progress lines.
    pub fn iterations(seed: u64, iterations: u64) -> Options {
        Options {
            seed,
            iterations: Some(iterations),
            duration: None,
            failure_dir: default_failure_dir(),
            watchdog: None,
            progress: None,
        }
    }
}

/// `target/fuzz-failures` of this workspace (`CARGO_TARGET_DIR/fuzz-failures` when set
/// at build time).
pub fn default_failure_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let target = option_env!("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir));
    target.join("fuzz-failures")
}

/// A bug a run found.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The execution (from 0, seeds first) that failed.
    pub iteration: u64,
    /// What went wrong.
    pub message: String,
    /// The reproducer file, if it could be written.
    pub path: Option<PathBuf>,
    /// Why it could not be written.
    pub write_error: Option<String>,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The target's name.
    pub target: &'static str,
    /// The run's seed.
    pub seed: u64,
    /// Inputs checked (the seeds included).
    pub executions: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The seed inputs.
    pub seeds: usize,
    /// Inputs in the corpus at the end (the seeds included).
    pub corpus: usize,
    /// Distinct behaviour features seen.
    pub features: usize,
    /// Counters of code edges hit when the build is instrumented
    /// ([`coverage::counters`]); `None` otherwise.
    pub edges: Option<(usize, usize)>,
    /// The target's tallies.
    pub tallies: BTreeMap<&'static str, u64>,
    /// The first bug found; the run stops there.
    pub failure: Option<Failure>,
    /// True for the report of [`replay`]: one given input, no seed.
    pub replay: bool,
}

impl Report {
    /// Executions per second.
    pub fn rate(&self) -> f64 {
        self.executions as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Report {
    /// The summary line, the tallies, and the failure with its reproducer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.replay {
            write!(
                f,
                "fuzz {}: replayed {} input in {:.3} s, {} features",
                self.target,
                self.executions,
                self.elapsed.as_secs_f64(),
                self.features
            )?;
        } else {
            write!(
                f,
                "fuzz {}: {} executions in {:.1} s ({:.0}/s), seed {:#x}; corpus {} ({} seeds), {} features",
                self.target,
                self.executions,
                self.elapsed.as_secs_f64(),
                self.rate(),
                self.seed,
                self.corpus,
                self.seeds,
                self.features
            )?;
        }
        if let Some((hit, total)) = self.edges {
            write!(f, ", {hit}/{total} edges")?;
        }
        writeln!(f)?;
        if !self.tallies.is_empty() {
            let tallies: Vec<String> = self
                .tallies
                .iter()
                .map(|(what, count)| format!("{what} {count}"))
                .collect();
            writeln!(f, "  {}", tallies.join(", "))?;
        }
        if let Some(failure) = &self.failure {
            if self.replay {
                writeln!(f, "FAILURE:")?;
            } else {
                writeln!(
                    f,
                    "FAILURE at execution {} (the run again: --seed {:#x} --iterations {}):",
                    failure.iteration,
                    self.seed,
                    failure.iteration + 1
                )?;
            }
            for line in failure.message.lines() {
                writeln!(f, "  {line}")?;
            }
            match (&failure.path, &failure.write_error) {
                (Some(path), _) => writeln!(f, "reproducer: {}", path.display())?,
                (None, Some(error)) => writeln!(f, "reproducer not written: {error}")?,
                (None, None) => {}
            }
        }
        Ok(())
    }
}

/// The message a panic was raised with.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Writes `bytes` to `dir/name`, creating `dir`.
fn write_reproducer(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs `check` on one input with panics caught; adds its features to `seen` and its
/// tallies to `tallies`, and says whether any feature was new.
fn check_one<T: Target>(
    target: &mut T,
    input: &T::Input,
    seen: &mut HashSet<u64>,
    tallies: &mut BTreeMap<&'static str, u64>,
) -> (Result<(), String>, bool) {
    let mut exec = Exec::default();
    coverage::reset();
    let result = catch_unwind(AssertUnwindSafe(|| target.check(input, &mut exec)))
        .unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(payload))));
    coverage::features(&mut exec.features);
    let mut new = false;
    for feature in exec.features {
        new |= seen.insert(feature);
    }
    for what in exec.tallies {
        *tallies.entry(what).or_default() += 1;
    }
    (result, new)
}

/// The reproducer's file name for execution `iteration` of a run.
fn reproducer_name(target: &str, seed: u64, iteration: u64, extension: &str) -> String {
    format!("{target}-{seed:016x}-{iteration}.{extension}")
}

/// The file that holds the input being checked, so that a crash (an abort, a stack
/// overflow, the process killed) leaves it behind. Written before each check, removed
/// when the run ends; the watchdog turns it into a reproducer.
struct Current {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Current {
    fn new(dir: &Path, target: &str, seed: u64, extension: &str) -> Current {
        let path = dir.join(format!("{target}-{seed:016x}-current.{extension}"));
        let file = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::File::create(&path))
            .ok();
        Current { path, file }
    }

    /// Holds `bytes` (best effort: a disk error only loses the crash reproducer).
    fn hold(&mut self, bytes: &[u8]) {
        use std::io::{Seek, SeekFrom, Write};
        if let Some(file) = &mut self.file {
            let written = file
                .seek(SeekFrom::Start(0))
                .and_then(|_| file.write_all(bytes))
                .and_then(|()| file.set_len(bytes.len() as u64));
            if written.is_err() {
                self.file = None;
            }
        }
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Fuzzes `target`: checks its seeds, then generated inputs, until the iterations or
/// the duration of `options` are used up or a check fails. The work runs on a thread
/// of its own with a 64 MiB stack (native code may use `Config::native_stack` of it).
/// While it runs, `TARGET-SEED-current.EXT` in the failure directory holds the input
/// being checked, so that a crash that ends the process leaves its input behind.
pub fn run<T: Target>(target: &mut T, options: &Options) -> Report {
    let start = Instant::now();
    let done = AtomicBool::new(false);
    // The watchdog's view of the worker: when the current check started (ms since
    // `start`, +1, 0 when idle) and its iteration.
    let started = AtomicU64::new(0);
    let iteration_now = AtomicU64::new(0);
    let name = target.name();
    let extension = target.extension();
    let current = Mutex::new(Current::new(
        &options.failure_dir,
        name,
        options.seed,
        extension,
    ));
    let report = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name(format!("fuzz-{name}"))
            .stack_size(64 << 20)
            .spawn_scoped(scope, || {
                let report = fuzz_loop(target, options, start, &|iteration, bytes| {
                    current
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .hold(bytes);
                    iteration_now.store(iteration, Ordering::Relaxed);
                    started.store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
                });
                started.store(0, Ordering::Relaxed);
                done.store(true, Ordering::Release);
                report
            });
        let worker = match worker {
            Ok(worker) => worker,
            Err(error) => {
                return Report {
                    target: name,
                    seed: options.seed,
                    failure: Some(Failure {
                        iteration: 0,
                        message: format!("cannot start the fuzzing thread: {error}"),
                        path: None,
                        write_error: None,
                    }),
                    ..Report::default()
                };
            }
        };
        while !done.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(20));
            let Some(limit) = options.watchdog else {
                continue;
            };
            let since = started.load(Ordering::Relaxed);
            let now = start.elapsed().as_millis() as u64 + 1;
            if since != 0 && now.saturating_sub(since) > limit.as_millis() as u64 {
                let iteration = iteration_now.load(Ordering::Relaxed);
                eprintln!(
                    "fuzz {name}: execution {iteration} (seed {:#x}) has run for over {:.1} s: \
                     a hang?",
                    options.seed,
                    limit.as_secs_f64()
                );
                // The worker is stuck inside the check: its input is the current file.
                let held = current.lock().unwrap_or_else(|p| p.into_inner());
                let path = options.failure_dir.join(reproducer_name(
                    name,
                    options.seed,
                    iteration,
                    extension,
                ));
                match std::fs::copy(&held.path, &path) {
                    Ok(_) => eprintln!("reproducer: {}", path.display()),
                    Err(error) => eprintln!("reproducer not written: {error}"),
                }
                std::process::exit(1);
            }
        }
        worker.join().unwrap_or_else(|payload| Report {
            target: name,
            seed: options.seed,
            failure: Some(Failure {
                iteration: 0,
                message: format!("the fuzzer itself panicked: {}", panic_message(payload)),
                path: None,
                write_error: None,
            }),
            ..Report::default()
        })
    });
    drop(current);
    Report {
        elapsed: start.elapsed(),
        ..report
    }
}

/// The loop itself; `about_to_check(iteration, input bytes)` records the input for the
/// watchdog and for a crash.
fn fuzz_loop<T: Target>(
    target: &mut T,
    options: &Options,
    start: Instant,
    about_to_check: &dyn Fn(u64, &[u8]),
) -> Report {
    let mut report = Report {
        target: target.name(),
        seed: options.seed,
        ..Report::default()
    };
    let mut rng = Rng::new(options.seed);
    let mut seen = HashSet::new();
    let seeds = target.seeds().and_then(|seeds| {
        if seeds.is_empty() {
            Err("the target has none".to_string())
        } else {
            Ok(seeds)
        }
    });
    let mut corpus = match seeds {
        Ok(seeds) => seeds,
        Err(message) => {
            report.failure = Some(Failure {
                iteration: 0,
                message: format!("no seeds: {message}"),
                path: None,
                write_error: None,
            });
            return report;
        }
    };
    report.seeds = corpus.len();
    let mut next_progress = options.progress.map(|every| start + every);
    let out_of_budget = |executions: u64| {
        options.iterations.is_some_and(|n| executions >= n)
            || options.duration.is_some_and(|d| start.elapsed() >= d)
    };
    let mut iteration = 0u64;
    while !out_of_budget(iteration) {
        let index = iteration as usize;
        let input = if index < report.seeds {
            corpus[index].clone()
        } else {
            target.generate(&mut rng, &corpus)
        };
        let encoded = target.encode(&input);
        about_to_check(iteration, &encoded);
        let (result, new) = check_one(target, &input, &mut seen, &mut report.tallies);
        iteration += 1;
        if let Err(message) = result {
            let name = reproducer_name(
                target.name(),
                options.seed,
                iteration - 1,
                target.extension(),
            );
            let (path, write_error) = match write_reproducer(&options.failure_dir, &name, &encoded)
            {
                Ok(path) => (Some(path), None),
                Err(error) => (None, Some(error)),
            };
            report.failure = Some(Failure {
                iteration: iteration - 1,
                message,
                path,
                write_error,
            });
            break;
        }
        if new && index >= report.seeds {
            if corpus.len() < MAX_CORPUS {
                corpus.push(input);
            } else {
                let replaced = report.seeds + rng.index(corpus.len() - report.seeds);
                corpus[replaced] = input;
            }
        }
        if let Some(at) = next_progress
            && Instant::now() >= at
        {
            let elapsed = start.elapsed().as_secs_f64();
            eprintln!(
                "fuzz {}: {iteration} executions in {elapsed:.0} s ({:.0}/s), corpus {}, {} features",
                target.name(),
                iteration as f64 / elapsed.max(1e-9),
                corpus.len(),
                seen.len()
            );
            next_progress = options.progress.map(|every| Instant::now() + every);
        }
    }
    report.executions = iteration;
    report.corpus = corpus.len();
    report.features = seen.len();
    report.edges = coverage::counters();
    report
}

/// Checks one input (a reproducer file's contents) once: the report has one execution
/// and the failure, if the input still fails.
pub fn replay<T: Target>(target: &mut T, bytes: &[u8]) -> Report {
    let start = Instant::now();
    let mut report = Report {
        target: target.name(),
        replay: true,
        ..Report::default()
    };
    let result = match target.decode(bytes) {
        Ok(input) => {
            let mut seen = HashSet::new();
            let (result, _) = check_one(target, &input, &mut seen, &mut report.tallies);
            report.features = seen.len();
            report.executions = 1;
            result
        }
        Err(error) => Err(format!("the input cannot be decoded: {error}")),
    };
    if let Err(message) = result {
        report.failure = Some(Failure {
            iteration: 0,
            message,
            path: None,
            write_error: None,
        });
    }
    report.elapsed = start.elapsed();
    report
}
