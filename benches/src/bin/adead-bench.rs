//! `adead-bench`: time calls of a program's entry function in-process.
//!
//! ```text
//! adead-bench benches/programs/fib.asm --runs 5            # fib(30), the definition's size
//! adead-bench benches/programs/sieve.asm --runs 3 100000 1 # main(100000, 1)
//! ```
//!
//! The program (`.asm`, or a `.bib` module) is assembled or read, verified and
//! predecoded once (reported as `load_ms`). Each run then gets a fresh instance, made
//! before the clock starts; the timed region is `call_entry` alone, as the peers time
//! only the call. Every run must print the same checksum (and `--expect`'s, if given).
//! The result is the line every peer prints, plus the instructions executed (counted in
//! one more, untimed run, so that counting costs the timed runs nothing) and what the
//! native tier did in the first run: the compile time of everything it compiled and the
//! tier-up latency, the time from the start of the call until the last compilation of
//! that call was done (0 when nothing was compiled):
//!
//! ```text
//! RESULT peer=adead bench=fib checksum=832040 median_ms=.. min_ms=.. first_ms=.. runs=5 load_ms=.. instructions=14808954 compile_ms=.. tierup_ms=..
//! ```
//!
//! `--tier interp|opt|auto` (default auto) and `--jit-threshold N` choose the tiers as
//! `adead-vm run` does; `--fuel N` runs with a fuel budget and `--interruptible` polls
//! the engine's interrupt request at every check point, as `adead-vm run` does (to
//! measure what each costs).
//!
//! Without `ARGS`, a program named like one of the five benchmarks (`fib.asm`, ...)
//! runs at the definition's size and must print the definition's checksum
//! ([`adead_benches::PROGRAMS`], the one place it is written). `adead-bench --list` prints
//! the definitions, one line per program: name, checksum, then the arguments of `main`
//! (`fib 832040 30`); `benches/compare.sh` takes the checksums the peers must print from
//! it. Exit codes: 0 success, 1 a run failed or a checksum differs, 2 usage error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use adead_benches::{PROGRAMS, Program, run_once, summarize};
use adead_vm::{Config, Engine, Module, Tier};
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "adead-bench",
    version,
    about = "Time calls of an ADead-BIB program's entry function in-process"
)]
struct Cli {
    /// The program: an `.asm` listing or a `.bib` module.
    #[arg(required_unless_present = "list")]
    program: Option<PathBuf>,
    /// Print the five benchmark definitions (name, checksum, arguments of `main`) and exit.
    #[arg(long, conflicts_with_all = ["program", "args"])]
    list: bool,
    /// Timed runs (each on a fresh instance).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// The `peer=` label of the result line.
    #[arg(long, default_value = "adead")]
    label: String,
    /// The `bench=` name (default: the file name without its extension).
    #[arg(long)]
    bench: Option<String>,
    /// Fail unless every run prints this checksum (without ARGS, a benchmark program must
    /// also print the definition's).
    #[arg(long)]
    expect: Option<String>,
    /// Which tiers run the code.
    #[arg(long, default_value = "auto", value_parser = ["interp", "baseline", "opt", "auto"])]
    tier: String,
    /// Entries or back-edges after which `--tier auto` moves a function to baseline code.
    #[arg(long, default_value_t = Config::default().baseline_threshold)]
    baseline_threshold: u64,
    /// Entries or back-edges after which `--tier auto` compiles a function with
    /// Cranelift.
    #[arg(long, default_value_t = Config::default().jit_threshold)]
    jit_threshold: u64,
    /// Run with this fuel budget (fuel is otherwise off).
    #[arg(long)]
    fuel: Option<u64>,
    /// Poll the engine's interrupt request at function entries and loop back-edges
    /// (`Config::interruptible`, on in `adead-vm run`, off by default).
    #[arg(long)]
    interruptible: bool,
    /// Integer arguments of the entry function (default: the definition's size for the
    /// five benchmark programs, whose checksum is then checked).
    #[arg(allow_negative_numbers = true)]
    args: Vec<i64>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("adead-bench: {message}");
            ExitCode::from(1)
        }
    }
}

fn list() {
    for program in &PROGRAMS {
        let args: Vec<String> = program.args.iter().map(i64::to_string).collect();
        println!("{} {} {}", program.name, program.checksum, args.join(" "));
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    if cli.list {
        list();
        return Ok(());
    }
    let program = cli.program.as_deref().ok_or("no program")?;
    let path = program.display().to_string();
    let stem = program
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bench = cli.bench.clone().unwrap_or_else(|| stem.clone());
    // At the definition's size, the definition's checksum.
    let definition = Program::named(&stem).filter(|_| cli.args.is_empty());
    let args: Vec<i64> = match definition {
        Some(p) => p.args.to_vec(),
        None => cli.args.clone(),
    };
    let bytes = std::fs::read(program).map_err(|e| format!("cannot read {path}: {e}"))?;
    let config = Config {
        tier: cli.tier.parse::<Tier>()?,
        baseline_threshold: cli.baseline_threshold,
        jit_threshold: cli.jit_threshold,
        fuel: cli.fuel,
        interruptible: cli.interruptible,
        ..Config::default()
    };
    let load = |config: Config| {
        let engine = Engine::new(config);
        let is_bib = program.extension().is_some_and(|e| e == "bib");
        if is_bib {
            Module::from_bytes(&engine, &bytes)
        } else {
            Module::from_asm(&engine, &String::from_utf8_lossy(&bytes), &path)
        }
        .map_err(|e| format!("{path}: {e}"))
    };
    let started = Instant::now();
    let module = load(config.clone())?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut times = Vec::with_capacity(cli.runs as usize);
    let mut checksum: Option<String> = None;
    let mut compile_ms = 0.0;
    let mut tierup_ms = 0.0;
    for i in 0..cli.runs {
        let call_start = Instant::now();
        let result = run_once(&module, &args).map_err(|e| format!("{path}: run {}: {e}", i + 1))?;
        if i == 0
            && let Some(native) = module.native_profile()
        {
            compile_ms = native
                .compiled
                .iter()
                .map(|c| c.time.as_secs_f64() * 1e3)
                .sum();
            tierup_ms = native
                .compiled
                .iter()
                .map(|c| {
                    c.finished
                        .saturating_duration_since(call_start)
                        .as_secs_f64()
                        * 1e3
                })
                .fold(0.0, f64::max);
        }
        match &checksum {
            None => checksum = Some(result.checksum.clone()),
            Some(c) if *c != result.checksum => {
                return Err(format!(
                    "{path}: run {} printed `{}`, run 1 printed `{c}`",
                    i + 1,
                    result.checksum
                ));
            }
            Some(_) => {}
        }
        times.push(result.elapsed);
    }
    let counted = run_once(
        &load(Config {
            count_instructions: true,
            ..config
        })?,
        &args,
    )
    .map_err(|e| format!("{path}: the counted run: {e}"))?;
    let instructions = counted
        .instructions
        .ok_or("the counted run did not count")?;
    let checksum = checksum.unwrap_or_default();
    if let Some(expected) = &cli.expect
        && *expected != checksum
    {
        return Err(format!(
            "{path}: printed `{checksum}`, expected `{expected}`"
        ));
    }
    if let Some(p) = definition
        && p.checksum != checksum
    {
        return Err(format!(
            "{path}: printed `{checksum}`, the definition of {} says `{}`",
            p.name, p.checksum
        ));
    }
    if checksum.is_empty() || checksum.contains(char::is_whitespace) {
        return Err(format!(
            "{path}: the checksum must be one word, the program printed `{checksum}`"
        ));
    }
    let (median, min, first) = summarize(&times).ok_or("no runs")?;
    println!(
        "RESULT peer={} bench={bench} checksum={checksum} median_ms={median:.3} min_ms={min:.3} first_ms={first:.3} runs={} load_ms={load_ms:.3} instructions={instructions} compile_ms={compile_ms:.3} tierup_ms={tierup_ms:.3}",
        cli.label, cli.runs
    );
    Ok(())
}
