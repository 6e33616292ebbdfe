//! `adead-vm`: load, verify and run a module.
//!
//! Exit codes follow `sysexits.h`, the same scheme as `adead-asm` (`--help` and the
//! README list them too):
//!
//! ```text
//! Exit codes (sysexits.h, as adead-asm):
//!   0-255  the program's own: its `halt` value or its return value, masked to 8 bits
//!   64     usage error: bad flags or arguments, an unknown --invoke function, a
//!          kernel path this CPU lacks
//!   65     the module does not load: malformed .bib, assembly errors, a file that is
//!          not UTF-8 text, failed verification, missing imports, a --load-profile
//!          that is damaged or of another module; a .npy argument that is not a
//!          float32 array of rank 1 to 4, a --save-result/--print-result result
//!          that is not a tensor
//!   66     the program file (or the --load-profile file, or a .npy argument) cannot
//!          be read
//!   70     the program trapped
//!   71     signal handlers could not be installed
//!   74     the program's output, or --save-profile's or --save-result's file, could
//!          not be written (a closed pipe, a full disk); this wins over every other
//!          code, and a trap is still reported
//!   124    stopped by --timeout
//!   130    stopped by SIGINT
//!   143    stopped by SIGTERM
//! ```
//!
//! A run stopped by `--timeout` or a signal traps `interrupted` at its next check
//! point, and its output is flushed first; a second signal ends the process at once.
//! Every error is one line on stderr that starts with `adead-vm: ` (assembly
//! diagnostics add their source excerpts); a trap and a failed write are two such
//! lines.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use adead_isa::Family;
use adead_isa::format::FormatErrorKind;
use adead_kernels::{ISA_ENV_VAR, Isa, KernelError};
use adead_vm::analysis::{Analysis, RunFacts, RunOutcome};
use adead_vm::{
    CallError, Config, Engine, Entry, Finish, Instance, LoadError, Module, Profile, SavedProfile,
    Tier, TrapKind, Value, stdio,
};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};

mod program_output;
mod stop_requests;
mod tensor_files;
use program_output::ProgramOutput;
use stop_requests::StopRequests;

/// Usage error (`EX_USAGE`).
const EXIT_USAGE: u8 = 64;
/// The module does not load (`EX_DATAERR`).
const EXIT_LOAD: u8 = 65;
/// The program file cannot be read (`EX_NOINPUT`).
const EXIT_NO_INPUT: u8 = 66;
/// The program trapped (`EX_SOFTWARE`).
const EXIT_TRAP: u8 = 70;
/// Signal handlers could not be installed (`EX_OSERR`).
const EXIT_OS: u8 = 71;
/// The program's output could not be written (`EX_IOERR`).
const EXIT_IO: u8 = 74;

/// The exit codes, as `--help` lists them (the crate docs above and the README say the
/// same; a test checks that they agree).
const EXIT_CODES_HELP: &str = "\
Exit codes (sysexits.h, as adead-asm):
  0-255  the program's own: its `halt` value or its return value, masked to 8 bits
  64     usage error: bad flags or arguments, an unknown --invoke function, a
         kernel path this CPU lacks
  65     the module does not load: malformed .bib, assembly errors, a file that is
         not UTF-8 text, failed verification, missing imports, a --load-profile
         that is damaged or of another module; a .npy argument that is not a
         float32 array of rank 1 to 4, a --save-result/--print-result result
         that is not a tensor
  66     the program file (or the --load-profile file, or a .npy argument) cannot
         be read
  70     the program trapped
  71     signal handlers could not be installed
  74     the program's output, or --save-profile's or --save-result's file, could
         not be written (a closed pipe, a full disk); this wins over every other
         code, and a trap is still reported
  124    stopped by --timeout
  130    stopped by SIGINT
  143    stopped by SIGTERM";

#[derive(Parser)]
#[command(
    name = "adead-vm",
    version,
    about = "Run ADead-BIB modules",
    after_help = EXIT_CODES_HELP,
    // No command is a usage error like any other (one line, then the usage), not the
    // whole help on stderr.
    arg_required_else_help = false
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a module (`.bib`, or assembly source `.asm`, assembled in memory).
    #[command(after_help = EXIT_CODES_HELP)]
    Run(RunArgs),
    /// Run a module as `run` does, counting what it executes, and report the
    /// instruction mix, the hottest functions and loops with their listing, tier-ups,
    /// memory, tensor ops and suggestions. Counting slows the run; results, traps and
    /// the exit code are `run`'s.
    #[command(after_help = EXIT_CODES_HELP)]
    Analyze(AnalyzeArgs),
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Print the report as one JSON object (the fields of
    /// `adead_vm::analysis::Analysis`, format 1) instead of text; the program's own
    /// output then goes to stderr.
    #[arg(long)]
    json: bool,
    /// Also write the report as a self-contained HTML page (charts, the annotated
    /// listing; nothing loaded from the network) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The program: a `.bib` module or an `.asm` listing.
    #[arg(value_name = "PROGRAM")]
    program: PathBuf,
    /// Arguments of the function run, one per parameter: an integer (`-7`, up to
    /// 2^64-1) passes its two's-complement bits; a number with a decimal point or an
    /// exponent, `inf` or `nan` (`1.5`, `2e-3`) the bits of an f64; a suffix `f32` or
    /// `f64` (`1.5f32`, `2f64`) picks the float type, an f32 filling the low 32 bits.
    /// Put `--` before an argument that starts with `-` and is not a plain number
    /// (`-- -inf`). An argument ending in `.npy` names a numpy file: it passes the
    /// handle of a new tensor holding the file's float32 array (rank 1 to 4, C order).
    #[arg(value_name = "ARGS", allow_negative_numbers = true)]
    args: Vec<String>,
    /// Call this exported function instead of the entry function; its return or
    /// `halt` value is the exit code, as the entry's is [default: the entry function].
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Fuel budget, running out traps `out_of_fuel`: one unit per instruction, plus one
    /// per 64 bytes, elements or multiply-adds of the work of alloc, mcopy, mfill and
    /// tensor instructions [default: unlimited].
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Most bytes linear memory may grow to (through `alloc`).
    #[arg(long, value_name = "BYTES", default_value_t = Config::default().max_memory)]
    max_memory: u64,
    /// Most nested calls (the host's call counts as the first).
    #[arg(long, value_name = "N", default_value_t = Config::default().max_call_depth)]
    max_call_depth: u32,
    /// Most registers all live frames may hold together (8 bytes each).
    #[arg(long, value_name = "N", default_value_t = Config::default().max_stack_registers)]
    max_stack_registers: u64,
    /// Most bytes all live tensors may hold together.
    #[arg(long, value_name = "BYTES", default_value_t = Config::default().max_tensor_bytes)]
    max_tensor_bytes: u64,
    /// Most tensors live at once.
    #[arg(long, value_name = "N", default_value_t = Config::default().max_tensors)]
    max_tensors: u64,
    /// Which tiers run the code: the interpreter alone, baseline code for everything,
    /// optimized code for everything, or the interpreter moving warm code to baseline
    /// code and hot code to optimized code.
    #[arg(
        long,
        value_name = "TIER",
        default_value_t = Tier::default(),
        value_parser = PossibleValuesParser::new(Tier::ALL.map(Tier::name))
            .try_map(|name| name.parse::<Tier>())
    )]
    tier: Tier,
    /// Function entries or loop back-edges after which `--tier auto` moves a function to
    /// baseline code.
    #[arg(long, value_name = "N", default_value_t = Config::default().baseline_threshold)]
    baseline_threshold: u64,
    /// Function entries or loop back-edges after which `--tier auto` compiles a function
    /// with the optimizing tier (Cranelift).
    #[arg(long, value_name = "N", default_value_t = Config::default().jit_threshold)]
    jit_threshold: u64,
    /// The tensor kernel path (every path gives the same bits); overrides the
    /// ADEAD_KERNELS_ISA environment variable, which names one the same way. A path this
    /// CPU lacks is a usage error [default: ADEAD_KERNELS_ISA if set, else the best path
    /// this CPU has].
    #[arg(
        long,
        value_name = "ISA",
        value_parser = PossibleValuesParser::new(Isa::ALL.map(Isa::name))
            .try_map(|name| Isa::parse(&name))
    )]
    kernels: Option<Isa>,
    /// Stop the run after this long (`1s`, `500ms`, `2m`, `1h 30m`): it traps
    /// `interrupted` at its next function entry or loop back-edge, and exits with 124
    /// [default: no limit].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Option<Duration>,
    /// Write /tmp/perf-<pid>.map so that `perf report` names compiled functions.
    #[arg(long)]
    perfmap: bool,
    /// Threads for large tensor operations (results are identical for any count)
    /// [default: one per available CPU].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// After the run, write what it learned (hot functions and loops, what was
    /// compiled) to FILE as JSON, for `--load-profile` in later runs of this module
    /// [default: none].
    #[arg(long, value_name = "FILE")]
    save_profile: Option<PathBuf>,
    /// Compile at load what the run that saved FILE (with `--save-profile`) compiled,
    /// so that the run starts in native code; only speed changes. A profile of another
    /// module (or of another version of this one) is refused [default: none].
    #[arg(long, value_name = "FILE")]
    load_profile: Option<PathBuf>,
    /// The function returns a tensor handle: write that tensor to FILE as a float32
    /// `.npy` file; the exit code is then 0, not the handle's low bits [default: none].
    #[arg(long, value_name = "FILE")]
    save_result: Option<PathBuf>,
    /// The function returns a tensor handle: print that tensor (its shape, then one
    /// line per row of its last dimension); the exit code is then 0.
    #[arg(long)]
    print_result: bool,
    /// Print instructions executed (natively and interpreted), wall time, the tensor
    /// kernel path, calls per function, the hottest loops and what was compiled to
    /// stderr.
    #[arg(long)]
    stats: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(clap_exit(&error)),
    };
    match cli.command {
        Command::Run(args) => run(&args, None),
        Command::Analyze(args) => run(&args.run, Some(&args)),
    }
}

/// Reports what clap stopped at and returns the exit code: `--help` and `--version` go
/// to stdout (0, or 74 when that write fails); a usage error goes to stderr as
/// `adead-vm: MESSAGE` followed by clap's usage lines (64).
fn clap_exit(error: &clap::Error) -> u8 {
    if !error.use_stderr() {
        return match error.print().and_then(|()| io::stdout().flush()) {
            Ok(()) => 0,
            Err(e) => {
                report(format_args!("cannot write the help: {e}"));
                EXIT_IO
            }
        };
    }
    let text = error.render().to_string();
    let message = text.strip_prefix("error: ").unwrap_or(&text);
    let _ = write!(io::stderr(), "adead-vm: {message}");
    EXIT_USAGE
}

/// Writes `adead-vm: MESSAGE` to stderr, ignoring a stderr that cannot be written (a
/// panic there would hide the exit code).
fn report(message: impl std::fmt::Display) {
    let _ = writeln!(io::stderr(), "adead-vm: {message}");
}

/// Reports `message` and returns `code` as the exit code.
fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    report(message);
    ExitCode::from(code)
}

/// `run`, or `analyze` when `analysis` says how to report.
fn run(args: &RunArgs, analysis: Option<&AnalyzeArgs>) -> ExitCode {
    if matches!(analysis, Some(AnalyzeArgs { json: true, .. })) && args.print_result {
        return fail(
            EXIT_USAGE,
            "--print-result writes to stdout, which --json keeps for the report \
             (use --save-result FILE.npy)",
        );
    }
    let stops = StopRequests::default();
    let kernel_isa = match kernel_path(args.kernels) {
        Ok(isa) => isa,
        Err(message) => return fail(EXIT_USAGE, message),
    };
    // The profile first: the kernels it was measured with are chosen when the module
    // loads.
    let profile = match args.load_profile.as_deref().map(read_profile).transpose() {
        Ok(profile) => profile,
        Err(exit) => return exit,
    };
    let kernel_tuning = profile.as_ref().and_then(|profile| {
        let isa = kernel_isa.map_or_else(Isa::startup, Ok).ok()?;
        let threads = args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        );
        profile.kernel_tuning(isa, threads)
    });
    let config = Config {
        fuel: args.fuel,
        // The statistics report instructions; counting is what makes them exact.
        count_instructions: args.stats,
        tier: args.tier,
        baseline_threshold: args.baseline_threshold,
        jit_threshold: args.jit_threshold,
        perf_map: args.perfmap,
        // Ctrl-C and --timeout stop the program through the engine's interrupt request.
        interruptible: true,
        max_memory: args.max_memory,
        max_call_depth: args.max_call_depth,
        max_stack_registers: args.max_stack_registers,
        max_tensor_bytes: args.max_tensor_bytes,
        max_tensors: args.max_tensors,
        kernel_isa,
        kernel_threads: args.threads.map_or(0, usize::from),
        kernel_tuning,
        ..Config::default()
    };
    let config = match analysis {
        Some(_) => Config::for_analysis(config),
        None => config,
    };
    let arguments: Vec<tensor_files::Argument> = match args
        .args
        .iter()
        .map(|text| match tensor_files::is_npy(text) {
            true => Ok(tensor_files::Argument::Npy(text.into())),
            false => argument(text).map(tensor_files::Argument::Value),
        })
        .collect()
    {
        Ok(arguments) => arguments,
        Err(message) => return fail(EXIT_USAGE, message),
    };
    let engine = Engine::new(config);
    // Before anything slow, so that a Ctrl-C during loading already stops the run (at
    // its first instruction).
    let Some(interrupt) = engine.interrupt_handle() else {
        return fail(EXIT_OS, "the engine is not interruptible");
    };
    if let Err(error) = stops.on_signals(interrupt.clone()) {
        return fail(EXIT_OS, format!("cannot install signal handlers: {error}"));
    }
    let module = match load(&engine, &args.program) {
        Ok(module) => module,
        Err(exit) => return exit,
    };
    if let (Some(path), Some(profile)) = (&args.load_profile, &profile)
        && let Err(error) = module.warm_start(profile)
    {
        return fail(
            EXIT_LOAD,
            format_args!("profile `{}`: {error}", path.display()),
        );
    }
    let func = match function_to_run(module.isa(), args.invoke.as_deref()) {
        Ok(func) => func,
        Err(message) => return fail(EXIT_USAGE, message),
    };
    let output = match analysis {
        Some(AnalyzeArgs { json: true, .. }) => ProgramOutput::stderr(),
        _ => ProgramOutput::stdout(),
    };
    let mut instance = match Instance::new(&module, &stdio::imports(output.output())) {
        Ok(instance) => instance,
        Err(error) => return fail(EXIT_LOAD, error),
    };
    let values = match tensor_files::resolve(arguments, &mut instance) {
        Ok(values) => values,
        Err(error) => return fail(error.code, error),
    };
    if let Some(limit) = args.timeout {
        stops.after(limit, interrupt);
    }
    let started = Instant::now();
    let result = instance.invoke(func, &values);
    let elapsed = started.elapsed();
    let write_error = output.finish();
    if args.stats {
        print_stats(&instance.profile(), &module, elapsed);
    }
    let profile_error = args
        .save_profile
        .as_deref()
        .and_then(|path| save_profile(&instance, path).err());
    // A call that never started (bad arguments) has nothing to analyse.
    let ran = matches!(result, Ok(_) | Err(CallError::Trap(_)));
    let report_error = analysis.filter(|_| ran).and_then(|how| {
        let facts = RunFacts {
            program: args.program.display().to_string(),
            outcome: run_outcome(&result),
            started,
            wall_time: elapsed,
            returned_handle: match &result {
                Ok(completion) => match completion.finish {
                    Finish::Returned(value) => Some(value),
                    Finish::Halted(_) => None,
                },
                Err(_) => None,
            },
        };
        report_analysis(&Analysis::of(&module, &instance.profile(), &facts), how).err()
    });
    let (code, message) = match result {
        Ok(completion) => {
            let (Finish::Returned(code) | Finish::Halted(code)) = completion.finish;
            if args.save_result.is_some() || args.print_result {
                match tensor_files::report_result(
                    &instance,
                    code,
                    args.save_result.as_deref(),
                    args.print_result,
                ) {
                    Ok(()) => (0, None),
                    Err(error) => (error.code, Some(error.message)),
                }
            } else {
                (code as u8, None)
            }
        }
        Err(CallError::Trap(trap)) => match stops.reason(args.timeout) {
            Some(reason) if trap.kind == TrapKind::Interrupted => {
                (reason.exit_code(), Some(format!("{trap} ({reason})")))
            }
            _ => (EXIT_TRAP, Some(trap.to_string())),
        },
        Err(error @ (CallError::ArgumentCount { .. } | CallError::NoEntry)) => {
            (EXIT_USAGE, Some(error.to_string()))
        }
        Err(error) => (EXIT_LOAD, Some(error.to_string())),
    };
    if let Some(message) = message {
        report(message);
    }
    // The output is incomplete: that is what the exit code says, whatever the program
    // did (its trap, or why it was stopped, is reported above).
    if let Some(error) = write_error {
        return fail(
            EXIT_IO,
            format_args!("cannot write the program's output: {error}"),
        );
    }
    if let Some(message) = profile_error.or(report_error) {
        return fail(EXIT_IO, message);
    }
    ExitCode::from(code)
}

/// How the call ended, for the analysis.
fn run_outcome(result: &Result<adead_vm::Completion, CallError>) -> RunOutcome {
    match result {
        Ok(completion) => match completion.finish {
            Finish::Returned(value) => RunOutcome::Returned { value },
            Finish::Halted(code) => RunOutcome::Halted { code },
        },
        Err(CallError::Trap(trap)) => RunOutcome::Trapped {
            trap: trap.kind.id().to_string(),
            function: trap.function.clone(),
            pc: trap.pc,
            message: trap.to_string(),
        },
        Err(error) => RunOutcome::Failed {
            message: error.to_string(),
        },
    }
}

/// Prints the analysis (text or JSON) to stdout and writes the HTML page if asked.
fn report_analysis(analysis: &Analysis, how: &AnalyzeArgs) -> Result<(), String> {
    if let Some(path) = &how.html {
        std::fs::write(path, analysis.to_html())
            .map_err(|e| format!("cannot write the report `{}`: {e}", path.display()))?;
    }
    let text = if how.json {
        analysis.to_json() + "\n"
    } else {
        analysis.to_text()
    };
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write the analysis: {e}"))
}

/// Reads the saved profile at `path` (`--load-profile`).
fn read_profile(path: &Path) -> Result<SavedProfile, ExitCode> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            EXIT_NO_INPUT,
            format_args!("cannot read profile `{name}`: {e}"),
        )
    })?;
    SavedProfile::from_json(&text)
        .map_err(|error| fail(EXIT_LOAD, format_args!("profile `{name}`: {error}")))
}

/// Writes what `instance`'s run learned to `path` (`--save-profile`), or says why it
/// could not.
fn save_profile(instance: &Instance, path: &Path) -> Result<(), String> {
    let json = SavedProfile::of(instance).to_json();
    std::fs::write(path, json + "\n")
        .map_err(|e| format!("cannot write profile `{}`: {e}", path.display()))
}

/// Reads a command-line argument as the value passed in a parameter's register (see
/// `RunArgs::args`): an integer, else a float of the type its suffix names, f64 without
/// one.
fn argument(text: &str) -> Result<Value, String> {
    let float = |text: &str, f32: bool| {
        if f32 {
            text.parse().ok().map(Value::F32)
        } else {
            text.parse().ok().map(Value::F64)
        }
    };
    let value = if let Some(number) = text.strip_suffix("f32") {
        float(number, true)
    } else if let Some(number) = text.strip_suffix("f64") {
        float(number, false)
    } else if let Ok(integer) = text.parse::<i64>() {
        Some(Value::I64(integer))
    } else if let Ok(bits) = text.parse::<u64>() {
        Some(Value::I64(bits as i64))
    } else if text
        .strip_prefix(['-', '+'])
        .unwrap_or(text)
        .bytes()
        .all(|b| b.is_ascii_digit())
    {
        return Err(format!(
            "argument `{text}` does not fit in 64 bits (integers run from -2^63 to 2^64-1)"
        ));
    } else {
        float(text, false)
    };
    value.ok_or_else(|| {
        format!(
            "argument `{text}` is not a number: expected an integer (`-7`), an f64 (`1.5`, \
             `2e-3`, `inf`, `nan`) or an f32 (`1.5f32`)"
        )
    })
}

/// The tensor kernel path `--kernels` (`flag`) or else `ADEAD_KERNELS_ISA` asks for, if
/// either does, once this CPU is known to run it: a request the CPU cannot meet is
/// refused before anything runs, whether or not the program has tensor instructions.
fn kernel_path(flag: Option<Isa>) -> Result<Option<Isa>, String> {
    let unavailable = |source: &str, error: KernelError| {
        let here: Vec<&str> = Isa::available().into_iter().map(Isa::name).collect();
        format!("{source}: {error} (this CPU has {})", here.join(", "))
    };
    if let Some(isa) = flag {
        isa.check_available()
            .map_err(|error| unavailable(&format!("--kernels {isa}"), error))?;
        return Ok(Some(isa));
    }
    let Some(request) = std::env::var_os(ISA_ENV_VAR) else {
        return Ok(None);
    };
    let Some(name) = request.to_str() else {
        return Err(format!("{ISA_ENV_VAR} is not UTF-8 text"));
    };
    let isa = Isa::parse(name).map_err(|error| format!("{ISA_ENV_VAR}={name}: {error}"))?;
    isa.check_available()
        .map_err(|error| unavailable(&format!("{ISA_ENV_VAR}={name}"), error))?;
    Ok(Some(isa))
}

/// The function `run` calls: the export `--invoke` names, else the entry function.
fn function_to_run(isa: &adead_isa::Module, invoke: Option<&str>) -> Result<u32, String> {
    let exports = || {
        let names: Vec<String> = isa
            .exports
            .iter()
            .map(|e| format!("`{}`", e.name))
            .collect();
        if names.is_empty() {
            "the module exports no function".to_string()
        } else {
            format!("the module exports {}", names.join(", "))
        }
    };
    match invoke {
        Some(name) => isa.export(name).ok_or_else(|| {
            format!(
                "--invoke {name}: no exported function `{name}`; {}",
                exports()
            )
        }),
        None => isa.entry.ok_or_else(|| {
            format!(
                "the module has no entry function; name an exported one with --invoke ({})",
                exports()
            )
        }),
    }
}

fn load(engine: &Engine, path: &Path) -> Result<Module, ExitCode> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| fail(EXIT_NO_INPUT, format_args!("cannot read `{name}`: {e}")))?;
    let is_asm = path
        .extension()
        .is_some_and(|ext| ext == "asm" || ext == "s");
    if !is_asm {
        return Module::from_bytes(engine, &bytes).map_err(|error| {
            let hint = match &error {
                LoadError::Format(format)
                    if format.kind == FormatErrorKind::BadMagic
                        && adead_asm::looks_like_listing(&bytes) =>
                {
                    " (it looks like assembly text: name it .asm to run it)"
                }
                _ => "",
            };
            fail(EXIT_LOAD, format_args!("`{name}`: {error}{hint}"))
        });
    }
    // Refused as `adead-asm` refuses it, in the same words.
    if bytes.starts_with(&adead_isa::format::MAGIC) {
        return Err(fail(
            EXIT_LOAD,
            format_args!("`{name}` is a .bib module, not a listing (name it .bib to run it)"),
        ));
    }
    let source = std::str::from_utf8(&bytes)
        .map_err(|error| fail(EXIT_LOAD, adead_asm::not_utf8(&name, &bytes, error)))?;
    Module::from_asm(engine, source, &name).map_err(|error| match error {
        // The same first line as `adead-asm`'s, the diagnostics after it.
        LoadError::Assemble { count, rendered } => {
            let plural = if count == 1 { "" } else { "s" };
            let _ = write!(
                io::stderr().lock(),
                "adead-vm: could not assemble `{name}` ({count} error{plural})\n{rendered}"
            );
            ExitCode::from(EXIT_LOAD)
        }
        error => fail(EXIT_LOAD, format_args!("`{name}`: {error}")),
    })
}

/// Writes the `--stats` report to stderr (ignoring a stderr that cannot be written).
fn print_stats(profile: &Profile, module: &Module, elapsed: Duration) {
    let mut text = String::new();
    stats(&mut text, profile, module, elapsed);
    let _ = io::stderr().write_all(text.as_bytes());
}

/// The `--stats` report.
fn stats(out: &mut String, profile: &Profile, module: &Module, elapsed: Duration) {
    // `writeln!` into a String cannot fail.
    macro_rules! say {
        ($($arg:tt)*) => {
            let _ = writeln!(out, $($arg)*);
        };
    }
    let seconds = elapsed.as_secs_f64();
    say!("--- adead-vm stats ---");
    if let Some(instructions) = profile.instructions {
        say!("instructions executed: {instructions}");
        if let Some(native) = profile.native_instructions {
            say!("  natively:            {native}");
            say!("  interpreted:         {}", instructions - native);
        }
        if seconds > 0.0 {
            say!(
                "instructions/second:   {:.1} M",
                instructions as f64 / seconds / 1e6
            );
        }
    }
    say!("wall time:             {:.3} ms", seconds * 1e3);
    let isa = module.isa();
    // Kernels exist (chosen at load) only for a module with tensor instructions.
    let tensors = isa
        .code
        .iter()
        .any(|instruction| instruction.opcode().family() == Family::Tensor);
    if let Some(kernels) = tensors.then(|| module.engine().kernels().ok()).flatten() {
        say!(
            "tensor kernels:        {} ({} thread{})",
            kernels.isa(),
            kernels.threads(),
            if kernels.threads() == 1 { "" } else { "s" }
        );
        say!(
            "kernel tuning:         {} ({})",
            kernels.tuning().summary(kernels.isa()),
            kernels.tuning_origin().name()
        );
    }
    say!("calls per function (entries the interpreter saw):");
    for function in &profile.functions {
        let hot = if function.hot { "  (hot)" } else { "" };
        say!("  {:<24} {:>14}{hot}", function.name, function.calls);
    }
    if !profile.loops.is_empty() {
        say!("hottest loops (function, header instruction, back-edges interpreted):");
        for lp in profile.loops.iter().take(10) {
            let hot = if lp.hot { "  (hot)" } else { "" };
            say!(
                "  {:<24} {:>6} {:>14}{hot}",
                lp.function,
                lp.header,
                lp.iterations
            );
        }
    }
    let Some(native) = &profile.native else {
        say!("native code: none (--tier interp)");
        return;
    };
    let name = |func: u32| isa.functions[func as usize].name.as_str();
    let entry = |entry: Entry| match entry {
        Entry::Start => "start".to_string(),
        Entry::LoopHeader(header) => format!("loop at {header}"),
    };
    if native.compiled.is_empty() && native.refused.is_empty() {
        say!("native code: nothing compiled");
    }
    if !native.compiled.is_empty() {
        say!("compiled (function, entry, tier, compile time, code bytes, at instruction):");
        for record in &native.compiled {
            let at = record
                .at_instruction
                .map_or_else(|| "at load".to_string(), |n| n.to_string());
            say!(
                "  {:<24} {:<12} {:<9} {:>9.1} us {:>7} {:>14}",
                name(record.func),
                entry(record.entry),
                record.level.name(),
                record.time.as_secs_f64() * 1e6,
                record.size,
                at
            );
        }
    }
    if !native.refused.is_empty() {
        say!("interpreted, not compiled (function, entry, reason):");
        for (func, at, reason) in &native.refused {
            say!("  {:<24} {:<12} {reason}", name(*func), entry(*at));
        }
    }
}
