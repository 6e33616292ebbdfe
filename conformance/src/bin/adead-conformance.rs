//! `adead-conformance`: run the conformance corpus (and optionally the random sweep)
//! from the command line, or fuzz the native tiers against the interpreter.
//!
//! ```text
//! adead-conformance [--tier NAME]... [--dir DIR] [--sweep] [--seed N] [--per-opcode N] [FILTER]
//! adead-conformance --fuzz [--seconds N] [--programs N] [--threads N] [--seed S]
//! adead-conformance --fuzz-one SEED [--minimize]
//! ```
//!
//! Without `--tier`, every tier runs. FILTER keeps the cases whose name or file contains
//! it (and then coverage is not reported). `--sweep` adds the seeded random sweep. The
//! exit code is 0 when every case passed, 1 when one failed, 2 for a usage or case-file
//! error.
//!
//! `--fuzz` checks random programs on every tier (see `adead_conformance::fuzz`) for N
//! seconds (default 10) or N programs, on every core, program `i` seeded
//! `fuzz::program_seed(S, i)` (S from the clock unless `--seed` gives it), and exits 1
//! on any divergence, printing each diverging program's seed, listing and the
//! observations that differed. `--fuzz-one SEED` replays one program: its listing and
//! every run's observation; it exits 1 if the program diverges, and with `--minimize`
//! then also prints the smallest variant found that still diverges.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use adead_conformance::parse::parse_bits;
use adead_conformance::{Tier, fuzz, runner, sweep};

const USAGE: &str = "usage: adead-conformance [--tier NAME]... [--dir DIR] [--sweep] [--seed N] [--per-opcode N] [FILTER]
       adead-conformance --fuzz [--seconds N] [--programs N] [--threads N] [--seed S]
       adead-conformance --fuzz-one SEED [--minimize]";

struct Options {
    tiers: Vec<Tier>,
    dir: PathBuf,
    sweep: bool,
    seed: Option<u64>,
    per_opcode: usize,
    filter: Option<String>,
    fuzz: bool,
    fuzz_one: Option<u64>,
    minimize: bool,
    seconds: Option<f64>,
    programs: Option<u64>,
    threads: usize,
}

fn count(name: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{name} needs a count, not `{text}`"))
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        tiers: Vec::new(),
        dir: runner::corpus_dir(),
        sweep: false,
        seed: None,
        per_opcode: sweep::DEFAULT_PER_OPCODE,
        filter: None,
        fuzz: false,
        fuzz_one: None,
        minimize: false,
        seconds: None,
        programs: None,
        threads: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--tier" => options.tiers.push(value("--tier")?.parse()?),
            "--dir" => options.dir = PathBuf::from(value("--dir")?),
            "--sweep" => options.sweep = true,
            "--seed" => options.seed = Some(parse_bits(&value("--seed")?)?),
            "--fuzz" => options.fuzz = true,
            "--minimize" => options.minimize = true,
            "--fuzz-one" => options.fuzz_one = Some(parse_bits(&value("--fuzz-one")?)?),
            "--seconds" => {
                let text = value("--seconds")?;
                let seconds: f64 = text
                    .parse()
                    .map_err(|_| format!("--seconds needs a number, not `{text}`"))?;
                if !(seconds.is_finite() && seconds >= 0.0) {
                    return Err(format!("--seconds needs a number of seconds, not `{text}`"));
                }
                options.seconds = Some(seconds);
            }
            "--programs" => options.programs = Some(count("--programs", &value("--programs")?)?),
            "--threads" => {
                options.threads = count("--threads", &value("--threads")?)? as usize;
            }
            "--per-opcode" => {
                options.per_opcode = value("--per-opcode")?
                    .parse()
                    .map_err(|_| "--per-opcode needs a count".to_string())?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            filter if options.filter.is_none() => options.filter = Some(filter.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    if options.tiers.is_empty() {
        options.tiers = Tier::all();
    }
    let fuzzing = options.fuzz || options.fuzz_one.is_some();
    if fuzzing && (options.sweep || options.filter.is_some()) {
        return Err("--fuzz and --fuzz-one take no FILTER and no --sweep".to_string());
    }
    if !options.fuzz && (options.seconds.is_some() || options.programs.is_some()) {
        return Err("--seconds and --programs go with --fuzz".to_string());
    }
    if options.minimize && options.fuzz_one.is_none() {
        return Err("--minimize goes with --fuzz-one".to_string());
    }
    Ok(options)
}

/// `--fuzz`: random programs on every tier until the time or the count is reached.
fn fuzz_many(options: &Options) -> ExitCode {
    let seed = options.seed.unwrap_or_else(|| {
        // A fresh run seed each time, printed in the summary for replay.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos() as u64);
        fuzz::mix(now ^ u64::from(std::process::id()))
    });
    let seconds = match (options.seconds, options.programs) {
        (None, None) => Some(10.0),
        (seconds, _) => seconds,
    };
    let summary = fuzz::run(&fuzz::Options {
        seed,
        programs: options.programs,
        duration: seconds.map(Duration::from_secs_f64),
        threads: options.threads,
        ..fuzz::Options::default()
    });
    for divergence in &summary.divergences {
        let program = fuzz::Program::generate(divergence.seed);
        println!(
            "; replay and shrink it with: adead-conformance --fuzz-one {:#x} --minimize",
            divergence.seed
        );
        println!("{divergence}");
        println!("{}", describe(&program));
        println!(
            "{}",
            adead_asm::disassemble(&program.module, adead_asm::ListingStyle::Mnemonic)
        );
    }
    print!("{summary}");
    if summary.divergences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The facts of a program: how it was generated and the limits it runs under.
fn describe(program: &fuzz::Program) -> String {
    format!(
        "; program seed {:#018x}: {}, hazard {:?}, meant to end {:?}; limits: max_call_depth {}, \
         max_stack_registers {}, max_memory {}, native_stack {}",
        program.seed,
        if program.wild { "wild" } else { "calm" },
        program.hazard,
        program.intent,
        program.limits.max_call_depth,
        program.limits.max_stack_registers,
        program.limits.max_memory,
        program.limits.native_stack
    )
}

/// `--fuzz-one SEED`: one program, its listing and every run's observation.
fn fuzz_one(seed: u64, minimize: bool) -> ExitCode {
    let program = fuzz::Program::generate(seed);
    println!("{}", describe(&program));
    println!(
        "{}",
        adead_asm::disassemble(&program.module, adead_asm::ListingStyle::Mnemonic)
    );
    let (verdict, rows) = fuzz::check_all(seed);
    for row in &rows {
        match &row.observed {
            Ok(observation) => println!(
                "{:>7} {:<14} {}",
                row.policy.to_string(),
                row.meter.to_string(),
                fuzz::exec::Shown(observation)
            ),
            Err(panic) => println!(
                "{:>7} {:<14} panic: {panic}",
                row.policy.to_string(),
                row.meter.to_string()
            ),
        }
    }
    if let Some(reason) = &verdict.skipped {
        println!("skipped: {reason}");
    }
    match &verdict.divergence {
        Some(divergence) => {
            print!("{divergence}");
            if minimize && let Some((small, divergence)) = fuzz::minimize(&program) {
                println!(
                    "; minimized: {} instructions still diverge",
                    small.module.code.len()
                );
                println!(
                    "{}",
                    adead_asm::disassemble(&small.module, adead_asm::ListingStyle::Mnemonic)
                );
                print!("{divergence}");
            }
            ExitCode::FAILURE
        }
        None => {
            println!(
                "fuzz: seed {seed:#018x}: {} runs, no divergence",
                verdict.runs
            );
            ExitCode::SUCCESS
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("adead-conformance: {message}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = options.fuzz_one {
        return fuzz_one(seed, options.minimize);
    }
    if options.fuzz {
        return fuzz_many(&options);
    }
    let mut cases = match runner::load_corpus(&options.dir) {
        Ok(cases) => cases,
        Err(errors) => {
            for error in errors {
                eprintln!("{error}");
            }
            return ExitCode::from(2);
        }
    };
    if options.sweep {
        let seed = options.seed.unwrap_or(sweep::DEFAULT_SEED);
        let generated = sweep::generate(seed, options.per_opcode);
        println!(
            "sweep: {} checks over {} opcodes, seed {seed:#x}",
            generated.checks, generated.opcodes
        );
        cases.extend(generated.cases);
    }
    if let Some(filter) = &options.filter {
        cases.retain(|case| runner::selected(case, filter));
    }
    let report = runner::run_cases(&cases, &options.tiers);
    print!("{report}");
    // Coverage of a filtered selection says nothing about the corpus.
    if options.filter.is_none() {
        print!("{}", report.coverage);
    }
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
