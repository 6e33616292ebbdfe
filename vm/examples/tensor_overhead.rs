//! Per-op overhead of tensor instructions through the interpreter: a loop of
//! 1,000,000 `tadd` on 1x1 tensors, timed as one call from the host.
//!
//! ```text
//! cargo run --release -p adead-vm --example tensor_overhead -- [--ops N] [--repeats N]
//! ```
//!
//! The headline is the total wall time of the call divided by the number of `tadd`
//! instructions, subtracting nothing: the loop's own `addi` and `blt`, the call and the
//! tensor creation are all in it. For context the same loop without the `tadd` is timed
//! too (`loop_ns_per_iteration`). The best of `--repeats` calls (default 5) is reported;
//! the result tensor is checked afterwards (1 + 2 = 3, every time).
//!
//! ```text
//! RESULT peer=adead-vm bench=tensor_add_1x1 ns_per_op=... loop_ns_per_iteration=... ops=1000000
//!        repeats=5 isa=avx512
//! ```

use std::process::ExitCode;
use std::time::Instant;

use adead_vm::{Config, Engine, Imports, Instance, Module, Value};

/// `run(n)`: n times `c = a + b` on 1x1 tensors (a = 1, b = 2), then c[0] (as f32 bits).
/// `empty(n)`: the same loop without the tensor instruction.
const SOURCE: &str = "
.func run params=1 regs=12
    movi r1, 1
    movi r2, 1
    tnew r3, r1, 2                  ; a [1, 1]
    tnew r4, r1, 2                  ; b [1, 1]
    tnew r5, r1, 2                  ; c [1, 1]
    fmovi.f32 r6, 1.0
    tfill r3, r6
    fmovi.f32 r6, 2.0
    tfill r4, r6
    movi r7, 0
top:
    tadd r5, r3, r4
    addi r7, r7, 1
    blt r7, r0, top
    movi r8, 0
    tget r9, r5, r8
    tfree r3                        ; nothing outlives the call
    tfree r4
    tfree r5
    ret r9
.end
.func empty params=1 regs=12
    movi r7, 0
top:
    addi r7, r7, 1
    blt r7, r0, top
    ret r7
.end
.export run
.export empty
";

struct Options {
    ops: i64,
    repeats: usize,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        ops: 1_000_000,
        repeats: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{flag} needs a positive count"))?;
        match flag.as_str() {
            "--ops" => options.ops = i64::from(value),
            "--repeats" => options.repeats = value as usize,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (expected --ops N, --repeats N)"
                ));
            }
        }
    }
    Ok(options)
}

/// The best wall time, in seconds, of `repeats` calls of `name(ops)`, and its result.
fn best_of(
    instance: &mut Instance,
    name: &str,
    ops: i64,
    repeats: usize,
) -> Result<(f64, Value), String> {
    let mut best = f64::INFINITY;
    let mut result = Value::I64(0);
    for _ in 0..repeats {
        let start = Instant::now();
        let values = instance
            .call(name, &[Value::I64(ops)])
            .map_err(|e| e.to_string())?;
        best = best.min(start.elapsed().as_secs_f64());
        result = values[0];
    }
    Ok((best, result))
}

fn run(options: &Options) -> Result<(), String> {
    // One kernel thread: a 1x1 op never splits, and no pool is started.
    let engine = Engine::new(Config {
        kernel_threads: 1,
        ..Config::default()
    });
    let isa = engine.kernels().map_err(|e| e.to_string())?.isa();
    let module =
        Module::from_asm(&engine, SOURCE, "tensor_overhead.asm").map_err(|e| e.to_string())?;
    let mut instance = Instance::new(&module, &Imports::new()).map_err(|e| e.to_string())?;
    let (seconds, result) = best_of(&mut instance, "run", options.ops, options.repeats)?;
    let sum = f32::from_bits(result.to_bits() as u32);
    if sum != 3.0 {
        return Err(format!("1 + 2 gave {sum}"));
    }
    let (loop_seconds, _) = best_of(&mut instance, "empty", options.ops, options.repeats)?;
    let per = |s: f64| s * 1e9 / options.ops as f64;
    println!(
        "RESULT peer=adead-vm bench=tensor_add_1x1 ns_per_op={:.1} loop_ns_per_iteration={:.2} \
         ops={} repeats={} isa={isa}",
        per(seconds),
        per(loop_seconds),
        options.ops,
        options.repeats,
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tensor_overhead: {message}");
            ExitCode::FAILURE
        }
    }
}
