//! `adead-fuzz`: run a fuzz target (or all four) for a time or a number of executions.
//!
//! ```text
//! adead-fuzz reader --seconds 60
//! adead-fuzz all --iterations 2000 --seed 0x1234
//! adead-fuzz verifier --input target/fuzz-failures/verifier-...-123.bib
//! ```
//!
//! Exit status: 0 when nothing failed, 1 when a target found a bug (its reproducer's
//! path is printed), 2 for a usage error.
//!
//! The fuzzing runs in a child process (this program, started again with
//! `ADEAD_FUZZ_CHILD` set): a bug that kills the process instead of panicking (an
//! abort, a stack overflow, an illegal instruction in generated code) ends the child,
//! and the parent reports it with the input the child was checking, which the driver
//! keeps in `TARGET-SEED-current.EXT` and the parent renames `TARGET-SEED-crash.EXT`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use adead_fuzz::{Options, TargetName, alloc, coverage, driver, rng};
use clap::Parser;

/// Measures every allocation, for the reader target's bound.
#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// SanitizerCoverage calls this once per instrumented object file at start-up, in a
/// build with `fuzz/sancov-rustc.sh` as `RUSTC_WRAPPER`; never otherwise. It lives in
/// the binary so that the linker always keeps it.
///
/// # Safety
///
/// Called by the instrumentation's module constructors with the bounds of a counter
/// section that lives as long as the process.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __sanitizer_cov_8bit_counters_init(start: *mut u8, end: *mut u8) {
    // SAFETY: the instrumentation's contract, as above.
    unsafe { coverage::register(start, end) };
}

/// SanitizerCoverage's PC table (with `-sanitizer-coverage-pc-table`): not used.
#[unsafe(no_mangle)]
pub extern "C" fn __sanitizer_cov_pcs_init(_start: *const usize, _end: *const usize) {}

/// Fuzz targets of ADead-BIB: the .bib reader, the verifier, the assembler, tensor
/// execution on every kernel path, and the ONNX importer.
///
/// Each target starts from the repository's examples and conformance cases (the onnx
/// target from small models it builds), mutates
/// inputs deterministically from the seed, checks every input, keeps those that show
/// new behaviour, and stops at the first failure: it writes the input under the
/// failure directory, prints its path, and exits 1.
#[derive(Parser, Debug)]
#[command(name = "adead-fuzz", version)]
struct Cli {
    /// The target: reader, verifier, assembler, execution, onnx, or all (each in turn, each
    /// for the whole budget).
    target: String,
    /// Run for this many seconds (per target). Default: 10, unless --iterations is given.
    #[arg(long, value_name = "N")]
    seconds: Option<f64>,
    /// Stop after this many executions (per target), the seed inputs included.
    #[arg(long, value_name = "N")]
    iterations: Option<u64>,
    /// The run's seed, decimal or 0x hex (default: from the clock, printed in the
    /// summary). The same seed and iterations repeat the same run.
    #[arg(long, value_name = "S", value_parser = parse_seed)]
    seed: Option<u64>,
    /// Check this one file (a reproducer) and exit: 0 if it passes, 1 if it fails.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["seconds", "iterations", "seed"])]
    input: Option<PathBuf>,
    /// Where reproducers are written.
    #[arg(long, value_name = "DIR", default_value_os_t = driver::default_failure_dir())]
    failures: PathBuf,
    /// Treat one execution running longer than this many seconds as a hang: write its
    /// input and exit 1.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    watchdog: f64,
    /// Print a progress line to stderr this often, in seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    progress: f64,
    /// Fuzz in this process instead of a child process: a crash that is not a panic
    /// then ends adead-fuzz itself, leaving the input in TARGET-SEED-current.EXT.
    #[arg(long)]
    in_process: bool,
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => text.replace('_', "").parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a seed (a decimal or 0x hex u64)"))
}

/// A fresh seed from the clock and the process id.
fn clock_seed() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    rng::mix(now ^ u64::from(std::process::id()))
}

fn seconds(name: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("{name} needs seconds, not {value}"))
}

/// Set in the child process that does the fuzzing.
const CHILD: &str = "ADEAD_FUZZ_CHILD";

/// Runs this program again as a child with `seed` fixed, and reports a child that did
/// not exit by itself (killed by a signal) with the input it was checking.
fn supervise(
    targets: &[TargetName],
    seed: Option<u64>,
    add_seed: Option<u64>,
    failure_dir: &std::path::Path,
) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("adead-fuzz: cannot find its own executable: {error}");
            return ExitCode::from(2);
        }
    };
    let mut command = std::process::Command::new(exe);
    command.args(std::env::args_os().skip(1)).env(CHILD, "1");
    if let Some(seed) = add_seed {
        command.arg("--seed").arg(format!("{seed:#x}"));
    }
    let status = match command.status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("adead-fuzz: cannot start the fuzzing process: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    let how = {
        use std::os::unix::process::ExitStatusExt;
        match status.signal() {
            Some(signal) => format!("was killed by signal {signal}"),
            None => format!("ended abnormally ({status})"),
        }
    };
    #[cfg(not(unix))]
    let how = format!("ended abnormally ({status})");
    println!("FAILURE: the fuzzing process {how} (a crash that is not a panic)");
    let mut found = false;
    if let Some(seed) = seed {
        for target in targets {
            let name = |what: &str| {
                failure_dir.join(format!(
                    "{target}-{seed:016x}-{what}.{}",
                    target.extension()
                ))
            };
            let (current, crash) = (name("current"), name("crash"));
            if std::fs::rename(&current, &crash).is_ok() {
                println!(
                    "reproducer: {} (the {target} input being checked)",
                    crash.display()
                );
                println!("replay: adead-fuzz {target} --input {}", crash.display());
                found = true;
            }
        }
    }
    if !found {
        println!(
            "no reproducer: the input being checked was not found in {}",
            failure_dir.display()
        );
    }
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let targets: Vec<TargetName> = if cli.target == "all" {
        TargetName::ALL.to_vec()
    } else {
        match cli.target.parse() {
            Ok(target) => vec![target],
            Err(error) => {
                eprintln!("adead-fuzz: {error}");
                return ExitCode::from(2);
            }
        }
    };
    if std::env::var_os(CHILD).is_none() && !cli.in_process {
        // The seed is chosen here, so that the parent knows the child's file names.
        let seed = cli
            .input
            .is_none()
            .then(|| cli.seed.unwrap_or_else(clock_seed));
        let add = if cli.seed.is_none() { seed } else { None };
        return supervise(&targets, seed, add, &cli.failures);
    }
    if let Some(path) = &cli.input {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("adead-fuzz: cannot read {}: {error}", path.display());
                return ExitCode::from(2);
            }
        };
        let mut failed = false;
        for target in targets {
            let report = target.replay(&bytes);
            print!("{report}");
            failed |= report.failure.is_some();
        }
        return if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    let budget = match (cli.seconds, cli.iterations) {
        (None, None) => Some(10.0),
        (seconds, _) => seconds,
    };
    let parsed = (|| {
        Ok::<_, String>((
            budget.map(|s| seconds("--seconds", s)).transpose()?,
            seconds("--watchdog", cli.watchdog)?,
            seconds("--progress", cli.progress)?,
        ))
    })();
    let (duration, watchdog, progress) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("adead-fuzz: {error}");
            return ExitCode::from(2);
        }
    };
    let seed = cli.seed.unwrap_or_else(clock_seed);
    let options = Options {
        seed,
        iterations: cli.iterations,
        duration,
        failure_dir: cli.failures,
        watchdog: (!watchdog.is_zero()).then_some(watchdog),
        progress: (!progress.is_zero()).then_some(progress),
    };
    if coverage::instrumented() {
        eprintln!("adead-fuzz: SanitizerCoverage counters found: coverage feedback on");
    }
    let mut failed = false;
    for target in targets {
        let report = target.run(&options);
        print!("{report}");
        if report.failure.is_some() {
            failed = true;
            break;
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
