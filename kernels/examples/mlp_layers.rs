//! Where the time of the peers' MLP goes, step by step, through the kernels API alone
//! (no VM): the first layer (`linear.relu`, batch x 784 x 128), the second (`linear`,
//! batch x 128 x 10), the row-wise softmax, and a plain copy of the input rows (what
//! the VM's `tload` does), each timed on its own, then the three ops together. Each op
//! writes into a tensor it reuses, as the VM's destinations do.
//!
//! ```text
//! cargo run --release -p adead-kernels --example mlp_layers -- [threads] [batch]
//! threads 1 batch 64: layer1 49.18 us (261 GFLOP/s), layer2 1.45 us, softmax 1.02 us,
//!                     input copy 1.53 us, three ops 52.08 us
//! ```
//!
//! The weights are arbitrary (not the peers' LCG): only the times matter here. Medians
//! of 5000 calls after 1000 warm-up calls.

use std::process::ExitCode;
use std::time::Instant;

use adead_kernels::{Isa, KernelError, Kernels, Tensor};

const RUNS: usize = 5000;

/// Median wall time of `f` in microseconds.
fn median_us(mut f: impl FnMut() -> Result<(), KernelError>) -> Result<f64, KernelError> {
    for _ in 0..RUNS / 5 {
        f()?;
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[RUNS / 2])
}

fn count(arg: Option<String>, default: usize) -> Result<usize, String> {
    match arg {
        None => Ok(default),
        Some(text) => text
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("`{text}` is not a positive count")),
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let threads = count(args.next(), 1)?;
    let batch = count(args.next(), 64)?;
    let k = Kernels::new(Isa::startup().map_err(|e| e.to_string())?, threads)
        .map_err(|e| e.to_string())?;
    let tensor = |shape: &[usize], f: fn(usize) -> f32| Tensor::from_fn(shape, f);
    let build = || -> Result<_, KernelError> {
        Ok((
            tensor(&[batch, 784], |i| ((i * 7) % 13) as f32 / 13.0)?,
            tensor(&[784, 128], |i| ((i * 5) % 17) as f32 / 17.0 - 0.5)?,
            tensor(&[128], |i| i as f32 / 128.0)?,
            tensor(&[128, 10], |i| ((i * 3) % 11) as f32 / 11.0 - 0.5)?,
            tensor(&[10], |i| i as f32)?,
        ))
    };
    let timed = || -> Result<[f64; 5], KernelError> {
        let (x, w1, b1, w2, b2) = build()?;
        let mut h = k.linear(&x, &w1, &b1, true)?;
        let mut z = k.linear(&h, &w2, &b2, false)?;
        let mut p = k.softmax(&z)?;
        let mut copy = vec![0f32; x.len()];
        Ok([
            median_us(|| k.linear_into(&x, &w1, &b1, true, &mut h))?,
            median_us(|| k.linear_into(&h, &w2, &b2, false, &mut z))?,
            median_us(|| k.softmax_into(&z, &mut p))?,
            median_us(|| {
                copy.copy_from_slice(x.data());
                std::hint::black_box(&copy);
                Ok(())
            })?,
            median_us(|| {
                k.linear_into(&x, &w1, &b1, true, &mut h)?;
                k.linear_into(&h, &w2, &b2, false, &mut z)?;
                k.softmax_into(&z, &mut p)
            })?,
        ])
    };
    let [layer1, layer2, softmax, copy, all] = timed().map_err(|e| e.to_string())?;
    let gflops = 2.0 * (batch * 784 * 128) as f64 / layer1 / 1e3;
    println!(
        "threads {threads} batch {batch} ({}): layer1 {layer1:.2} us ({gflops:.0} GFLOP/s), \
         layer2 {layer2:.2} us, softmax {softmax:.2} us, input copy {copy:.2} us, \
         three ops {all:.2} us",
        k.isa()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mlp_layers: {message}");
            ExitCode::FAILURE
        }
    }
}
