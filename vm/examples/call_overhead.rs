//! The cost of one call from the host: an exported function that returns its argument,
//! called `--calls` times in a loop through `Instance::call` (by name, as the Python
//! binding's `instance.call` is) and through `Instance::invoke` (by index).
//!
//! ```text
//! cargo run --release -p adead-vm --example call_overhead -- [--calls N] [--repeats N]
//! ```
//!
//! `python/bench/bench.py` runs it beside the same loop from Python, so that the
//! binding's own cost is the difference. Each figure is the best of `--repeats` loops
//! (default 5) of total time / calls, with the default engine (`Tier::Auto`: the
//! function is native after its first thousand calls). Every result is checked.
//!
//! ```text
//! RESULT peer=rust bench=identity_call ns_per_call=... invoke_ns_per_call=... calls=...
//! ```

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use adead_vm::{Engine, Finish, Imports, Instance, Module, Value};

const SOURCE: &str = "
.func identity params=1 regs=1
    ret r0
.end
.export identity
";

fn main() -> ExitCode {
    let mut calls = 1_000_000u64;
    let mut repeats = 5u32;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (flag.as_str(), value) {
            ("--calls", Some(n)) => calls = n,
            ("--repeats", Some(n)) => repeats = n as u32,
            _ => {
                eprintln!("usage: call_overhead [--calls N] [--repeats N]");
                return ExitCode::from(2);
            }
        }
    }
    let engine = Engine::default();
    let module = match Module::from_asm(&engine, SOURCE, "identity.asm") {
        Ok(module) => module,
        Err(error) => {
            eprintln!("call_overhead: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut instance = match Instance::new(&module, &Imports::new()) {
        Ok(instance) => instance,
        Err(error) => {
            eprintln!("call_overhead: {error}");
            return ExitCode::FAILURE;
        }
    };
    let func = module.isa().export("identity").unwrap_or(0);
    let mut by_name = f64::INFINITY;
    let mut by_index = f64::INFINITY;
    for _ in 0..repeats {
        let start = Instant::now();
        for i in 0..calls {
            let result = instance.call(black_box("identity"), &[Value::I64(i as i64)]);
            if result.as_deref() != Ok(&[Value::I64(i as i64)][..]) {
                eprintln!("call_overhead: identity({i}) gave {result:?}");
                return ExitCode::FAILURE;
            }
        }
        by_name = by_name.min(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
        let start = Instant::now();
        for i in 0..calls {
            let result = instance.invoke(func, &[Value::I64(i as i64)]);
            if !matches!(result, Ok(c) if c.finish == Finish::Returned(i)) {
                eprintln!("call_overhead: invoke identity({i}) gave {result:?}");
                return ExitCode::FAILURE;
            }
        }
        by_index = by_index.min(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
    }
    println!(
        "RESULT peer=rust bench=identity_call ns_per_call={by_name:.1} \
         invoke_ns_per_call={by_index:.1} calls={calls} repeats={repeats}"
    );
    ExitCode::SUCCESS
}
