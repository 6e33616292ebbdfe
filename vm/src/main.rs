//! `adead-vm`: load, verify and run a module.
//!
//! Exit codes: the program's own (the `halt` value or `main`'s return value, masked to
//! 0..=255) when it ends normally; 64 for a usage error (bad flags or arguments), 65
//! when the module does not load (malformed `.bib`, assembly errors, failed
//! verification, missing imports), 66 when the file cannot be read, 70 for a trap,
//! 71 when signal handlers cannot be installed. A run stopped by `--timeout` exits
//! with 124 (as `timeout(1)`), one stopped by SIGINT or SIGTERM with 130 or 143 (as
//! shells report those signals); its output is flushed first. Every error is one line on stderr (assembly diagnostics add their source excerpts).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use adead_vm::{
    CallError, Config, Engine, Entry, Finish, Instance, Module, Profile, Tier, TrapKind, Value,
    stdio,
};
use clap::{Parser, Subcommand};

mod stop_requests;
use stop_requests::StopRequests;

const EXIT_USAGE: u8 = 64;
const EXIT_LOAD: u8 = 65;
const EXIT_NO_INPUT: u8 = 66;
const EXIT_TRAP: u8 = 70;
const EXIT_OS: u8 = 71;

#[derive(Parser)]
#[command(
    name = "adead-vm",
    version,
    about = "Run ADead-BIB modules",
    after_help = "Exit codes: the program's own (0-255); 64 usage error; 65 load, assembly or verify error; 66 unreadable input; 70 trap; 71 signal handlers not installed; 124 stopped by --timeout; 130 and 143 stopped by SIGINT and SIGTERM (output flushed; a second signal ends the process at once)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a module (`.bib`, or assembly source `.asm`, assembled in memory).
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The program: a `.bib` module or an `.asm` listing.
    program: PathBuf,
    /// Integer arguments passed to the entry function's parameters.
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
    /// Fuel budget: one unit per instruction, plus one per 64 bytes, elements or
    /// multiply-adds of the work of alloc, mcopy, mfill and tensor instructions;
    /// running out traps.
    #[arg(long)]
    fuel: Option<u64>,
    /// Most bytes linear memory may grow to.
    #[arg(long, value_name = "BYTES")]
    max_memory: Option<u64>,
    /// Most nested calls [default: 100000].
    #[arg(long, value_name = "N")]
    max_call_depth: Option<u32>,
    /// Most registers all live frames may hold together (8 bytes each) [default:
    /// 16777216].
    #[arg(long, value_name = "N")]
    max_stack_registers: Option<u64>,
    /// Most bytes all live tensors may hold together.
    #[arg(long, value_name = "BYTES")]
    max_tensor_bytes: Option<u64>,
    /// Most tensors live at once.
    #[arg(long, value_name = "COUNT")]
    max_tensors: Option<u64>,
    /// Which tiers run the code: the interpreter alone, native code for everything, or
    /// the interpreter moving hot code to native code.
    #[arg(long, value_name = "TIER", default_value = "auto", value_parser = ["interp", "opt", "auto"])]
    tier: String,
    /// Function entries or loop back-edges after which `--tier auto` compiles a function.
    #[arg(long, value_name = "N", default_value_t = Config::default().jit_threshold)]
    jit_threshold: u64,
    /// Stop the run after this long (`1s`, `500ms`, `2m`, `1h 30m`): it traps
    /// `interrupted` at its next function entry or loop back-edge, and exits with 124.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Option<Duration>,
    /// Write /tmp/perf-<pid>.map so that `perf report` names compiled functions.
    #[arg(long)]
    perfmap: bool,
    /// Print instructions executed (natively and interpreted), wall time, calls per
    /// function, the hottest loops and what was compiled to stderr.
    #[arg(long)]
    stats: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Run(args) => run(&args),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("adead-vm: {message}");
    ExitCode::from(code)
}

fn run(args: &RunArgs) -> ExitCode {
    let stops = StopRequests::default();
    let mut config = Config {
        fuel: args.fuel,
        // The statistics report instructions; counting is what makes them exact.
        count_instructions: args.stats,
        tier: args.tier.parse::<Tier>().unwrap_or_default(),
        jit_threshold: args.jit_threshold,
        perf_map: args.perfmap,
        // Ctrl-C and --timeout stop the program through the engine's interrupt request.
        interruptible: true,
        ..Config::default()
    };
    if let Some(max_memory) = args.max_memory {
        config.max_memory = max_memory;
    }
    if let Some(depth) = args.max_call_depth {
        config.max_call_depth = depth;
    }
    if let Some(registers) = args.max_stack_registers {
        config.max_stack_registers = registers;
    }
    if let Some(bytes) = args.max_tensor_bytes {
        config.max_tensor_bytes = bytes;
    }
    if let Some(count) = args.max_tensors {
        config.max_tensors = count;
    }
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
    let mut values = Vec::with_capacity(args.args.len());
    for text in &args.args {
        match text.parse::<i64>() {
            Ok(v) => values.push(Value::I64(v)),
            Err(_) => {
                return fail(
                    EXIT_USAGE,
                    format!("argument `{text}` is not a 64-bit integer"),
                );
            }
        }
    }
    let output = stdio::Output::stdout();
    let mut instance = match Instance::new(&module, &stdio::imports(&output)) {
        Ok(instance) => instance,
        Err(error) => return fail(EXIT_LOAD, error),
    };
    if let Some(limit) = args.timeout {
        stops.after(limit, interrupt);
    }
    let started = Instant::now();
    let result = instance.call_entry(&values);
    let elapsed = started.elapsed();
    if let Err(error) = output.flush() {
        return fail(EXIT_NO_INPUT, format!("cannot write output: {error}"));
    }
    if args.stats {
        print_stats(&instance.profile(), module.isa(), elapsed);
    }
    match result {
        Ok(completion) => {
            let (Finish::Returned(code) | Finish::Halted(code)) = completion.finish;
            ExitCode::from(code as u8)
        }
        Err(CallError::Trap(trap)) => match stops.reason(args.timeout) {
            Some(reason) if trap.kind == TrapKind::Interrupted => {
                fail(reason.exit_code(), format!("{trap} ({reason})"))
            }
            _ => fail(EXIT_TRAP, trap),
        },
        Err(error @ (CallError::ArgumentCount { .. } | CallError::NoEntry)) => {
            fail(EXIT_USAGE, error)
        }
        Err(error) => fail(EXIT_LOAD, error),
    }
}

fn load(engine: &Engine, path: &Path) -> Result<Module, ExitCode> {
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            EXIT_NO_INPUT,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let is_asm = path
        .extension()
        .is_some_and(|ext| ext == "asm" || ext == "s");
    let loaded = if is_asm {
        let source = String::from_utf8_lossy(&bytes);
        Module::from_asm(engine, &source, &path.display().to_string())
    } else {
        Module::from_bytes(engine, &bytes)
    };
    loaded.map_err(|error| fail(EXIT_LOAD, format!("{}: {error}", path.display())))
}

fn print_stats(profile: &Profile, isa: &adead_isa::Module, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    eprintln!("--- adead-vm stats ---");
    if let Some(instructions) = profile.instructions {
        eprintln!("instructions executed: {instructions}");
        if let Some(native) = profile.native_instructions {
            eprintln!("  natively:            {native}");
            eprintln!("  interpreted:         {}", instructions - native);
        }
        if seconds > 0.0 {
            eprintln!(
                "instructions/second:   {:.1} M",
                instructions as f64 / seconds / 1e6
            );
        }
    }
    eprintln!("wall time:             {:.3} ms", seconds * 1e3);
    eprintln!("calls per function (entries the interpreter saw):");
    for function in &profile.functions {
        let hot = if function.hot { "  (hot)" } else { "" };
        eprintln!("  {:<24} {:>14}{hot}", function.name, function.calls);
    }
    if !profile.loops.is_empty() {
        eprintln!("hottest loops (function, header instruction, back-edges interpreted):");
        for lp in profile.loops.iter().take(10) {
            let hot = if lp.hot { "  (hot)" } else { "" };
            eprintln!(
                "  {:<24} {:>6} {:>14}{hot}",
                lp.function, lp.header, lp.iterations
            );
        }
    }
    let Some(native) = &profile.native else {
        eprintln!("native code: none (--tier interp)");
        return;
    };
    let name = |func: u32| isa.functions[func as usize].name.as_str();
    let entry = |entry: Entry| match entry {
        Entry::Start => "start".to_string(),
        Entry::LoopHeader(header) => format!("loop at {header}"),
    };
    if native.compiled.is_empty() && native.refused.is_empty() {
        eprintln!("native code: nothing compiled");
    }
    if !native.compiled.is_empty() {
        eprintln!("compiled (function, entry, tier, compile time, code bytes, at instruction):");
        for record in &native.compiled {
            let at = record
                .at_instruction
                .map_or_else(|| "at load".to_string(), |n| n.to_string());
            eprintln!(
                "  {:<24} {:<12} cranelift {:>9.1} us {:>7} {:>14}",
                name(record.func),
                entry(record.entry),
                record.time.as_secs_f64() * 1e6,
                record.size,
                at
            );
        }
    }
    if !native.refused.is_empty() {
        eprintln!("interpreted, not compiled (function, entry, reason):");
        for (func, at, reason) in &native.refused {
            eprintln!("  {:<24} {:<12} {reason}", name(*func), entry(*at));
        }
    }
}
