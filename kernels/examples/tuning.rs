//! Measures the kernels' tuning on this CPU and prints it, with how long it took (the
//! measurement `Kernels::tuned` makes at first use; nothing is read from or written to
//! the cache).
//!
//! ```text
//! cargo run --release -p adead-kernels --example tuning -- [--isa avx2] [--threads 2] [--times 3]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use adead_kernels::tuning::{CpuKey, MeasureBudget, measure};
use adead_kernels::{Isa, Tuning};

fn run() -> Result<(), String> {
    let mut isa = Isa::best();
    let mut threads = 1usize;
    let mut times = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--isa" => isa = Isa::resolve(Some(&value)).map_err(|e| e.to_string())?,
            "--threads" => threads = number()?.max(1),
            "--times" => times = number()?.max(1),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    println!(
        "cpu {}, path {isa}, {threads} thread(s)",
        CpuKey::this_cpu()
    );
    println!("default:  {}", Tuning::default().summary(isa));
    for _ in 0..times {
        let start = Instant::now();
        let tuning = measure(isa, threads, &MeasureBudget::default()).map_err(|e| e.to_string())?;
        println!(
            "measured: {} ({:.0} ms)",
            tuning.summary(isa),
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tuning: {message}");
            ExitCode::FAILURE
        }
    }
}
