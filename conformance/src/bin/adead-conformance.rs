//! `adead-conformance`: run the conformance corpus (and optionally the random sweep)
//! from the command line.
//!
//! ```text
//! adead-conformance [--tier NAME]... [--dir DIR] [--sweep] [--seed N] [--per-opcode N] [FILTER]
//! ```
//!
//! Without `--tier`, every tier runs. FILTER keeps the cases whose name or file contains
//! it (and then coverage is not reported). `--sweep` adds the seeded random sweep. The
//! exit code is 0 when every case passed, 1 when one failed, 2 for a usage or case-file
//! error.

use std::path::PathBuf;
use std::process::ExitCode;

use adead_conformance::parse::parse_bits;
use adead_conformance::{Tier, runner, sweep};

const USAGE: &str = "usage: adead-conformance [--tier NAME]... [--dir DIR] [--sweep] [--seed N] [--per-opcode N] [FILTER]";

struct Options {
    tiers: Vec<Tier>,
    dir: PathBuf,
    sweep: bool,
    seed: u64,
    per_opcode: usize,
    filter: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        tiers: Vec::new(),
        dir: runner::corpus_dir(),
        sweep: false,
        seed: sweep::DEFAULT_SEED,
        per_opcode: sweep::DEFAULT_PER_OPCODE,
        filter: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--tier" => options.tiers.push(value("--tier")?.parse()?),
            "--dir" => options.dir = PathBuf::from(value("--dir")?),
            "--sweep" => options.sweep = true,
            "--seed" => options.seed = parse_bits(&value("--seed")?)?,
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
    Ok(options)
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
        let generated = sweep::generate(options.seed, options.per_opcode);
        println!(
            "sweep: {} checks over {} opcodes, seed {:#x}",
            generated.checks, generated.opcodes, options.seed
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
