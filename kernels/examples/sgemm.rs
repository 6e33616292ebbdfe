//! sgemm throughput in the peers' format (`benches/peers/tensor/matmul.py`): C = A . B for
//! n = 64, 256, 1024 on 1 and 2 threads, median time per call after warm-up, GFLOP/s =
//! 2 n^3 / median.
//!
//! ```text
//! cargo run --release -p adead-kernels --example sgemm -- [--isa scalar|avx2|avx512]
//!                                                        [--threads 1,2] [--sizes 64,256,1024]
//! ```
//!
//! Inputs are the peers': `A[i][k] = ((7i + 3k) mod 13 - 6) / 8`,
//! `B[k][j] = ((5k + 11j) mod 17 - 8) / 8`, whose products are exact in f32, so the
//! checksum `sum(C)/sum(C^2)` (f64) must equal the peers' (printed, and checked against
//! the f64 product). Bit-exactness against the scalar reference is checked on inexact
//! inputs (quotients by 7 and 3) of the same size for n <= 256 (the reference's libm
//! fma makes n = 1024 take minutes); the kernels' own tests sweep many more shapes.
//!
//! ```text
//! RESULT peer=adead-kernels bench=matmul_256 checksum=1.281250/155075.812012 median_us=...
//!        min_us=... gflops_median=... gflops_best=... runs=400 threads=1 isa=avx512 bit_exact=yes
//!        tuning=12x32_kc_512_mc_144_nc_4096/parallel_from_.../default
//! ```
//!
//! The kernels take the process's tuning (`Kernels::tuned`: `ADEAD_KERNELS_TUNING`,
//! the cache of this CPU, or a measurement before the first timing).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use adead_kernels::{Isa, Kernels, Tensor, reference};

/// Timed calls per size, as the peers run them.
fn runs_for(n: usize) -> usize {
    match n {
        64 => 3000,
        256 => 400,
        1024 => 40,
        _ => 20,
    }
}

fn peer_inputs(n: usize) -> Result<(Tensor, Tensor), String> {
    let a = Tensor::from_fn(&[n, n], |idx| {
        let (i, k) = (idx / n, idx % n);
        ((7 * i + 3 * k) % 13) as f32 / 8.0 - 0.75
    });
    let b = Tensor::from_fn(&[n, n], |idx| {
        let (k, j) = (idx / n, idx % n);
        ((5 * k + 11 * j) % 17) as f32 / 8.0 - 1.0
    });
    Ok((a.map_err(|e| e.to_string())?, b.map_err(|e| e.to_string())?))
}

fn inexact_inputs(n: usize) -> Result<(Tensor, Tensor), String> {
    let a = Tensor::from_fn(&[n, n], |i| ((i * 37) % 101) as f32 / 7.0 - 7.0);
    let b = Tensor::from_fn(&[n, n], |i| ((i * 53) % 97) as f32 / 3.0 - 16.0);
    Ok((a.map_err(|e| e.to_string())?, b.map_err(|e| e.to_string())?))
}

/// `sum(C)/sum(C^2)` as the peers print it, after checking C against the f64 product.
fn checksum(a: &Tensor, b: &Tensor, c: &Tensor, n: usize) -> Result<String, String> {
    let (a, b, c) = (a.data(), b.data(), c.data());
    let (mut sum, mut squares) = (0.0f64, 0.0f64);
    for i in 0..n {
        for j in 0..n {
            let exact: f64 = (0..n)
                .map(|p| f64::from(a[i * n + p]) * f64::from(b[p * n + j]))
                .sum();
            let got = f64::from(c[i * n + j]);
            if got != exact {
                return Err(format!("C[{i}][{j}] = {got}, exact product {exact}"));
            }
            sum += got;
            squares += got * got;
        }
    }
    Ok(format!("{sum:.6}/{squares:.6}"))
}

fn parse_list(text: &str, flag: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{flag}: `{s}` is not a positive number"))
        })
        .collect()
}

struct Options {
    isa: Isa,
    threads: Vec<usize>,
    sizes: Vec<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        isa: Isa::startup().map_err(|e| e.to_string())?,
        threads: vec![1, 2],
        sizes: vec![64, 256, 1024],
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--isa" => options.isa = Isa::resolve(Some(&value)).map_err(|e| e.to_string())?,
            "--threads" => options.threads = parse_list(&value, &flag)?,
            "--sizes" => options.sizes = parse_list(&value, &flag)?,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (expected --isa NAME, --threads LIST, --sizes LIST)"
                ));
            }
        }
    }
    Ok(options)
}

fn run(options: &Options) -> Result<(), String> {
    for &threads in &options.threads {
        // The process's tuning (ADEAD_KERNELS_TUNING, the cache, or a measurement now).
        let kernels = Kernels::tuned(options.isa, threads).map_err(|e| e.to_string())?;
        let tuning = kernels.tuning();
        let tuning = format!(
            "{}/{}",
            tuning
                .summary(options.isa)
                .replace(", ", "/")
                .replace(' ', "_"),
            kernels.tuning_origin().name()
        );
        for &n in &options.sizes {
            let bit_exact = if n <= 256 {
                let (a, b) = inexact_inputs(n)?;
                let fast = kernels.matmul(&a, &b).map_err(|e| e.to_string())?;
                let slow = reference::matmul(&a, &b).map_err(|e| e.to_string())?;
                if !fast.bits_eq(&slow) {
                    return Err(format!("n = {n}: not bit-exact against the reference"));
                }
                "yes"
            } else {
                "exact-inputs-only"
            };
            let (a, b) = peer_inputs(n)?;
            let runs = runs_for(n);
            let mut c = kernels.matmul(&a, &b).map_err(|e| e.to_string())?;
            for _ in 0..(runs / 10).max(3) {
                c = kernels
                    .matmul(black_box(&a), black_box(&b))
                    .map_err(|e| e.to_string())?;
            }
            let mut seconds = Vec::with_capacity(runs);
            for _ in 0..runs {
                let start = Instant::now();
                let product = kernels
                    .matmul(black_box(&a), black_box(&b))
                    .map_err(|e| e.to_string())?;
                seconds.push(start.elapsed().as_secs_f64());
                c = black_box(product);
            }
            seconds.sort_by(f64::total_cmp);
            let (median, best) = (seconds[seconds.len() / 2], seconds[0]);
            let flop = 2.0 * (n as f64).powi(3);
            println!(
                "RESULT peer=adead-kernels bench=matmul_{n} checksum={} median_us={:.2} \
                 min_us={:.2} gflops_median={:.2} gflops_best={:.2} runs={runs} threads={threads} \
                 isa={} bit_exact={bit_exact} tuning={tuning}",
                checksum(&a, &b, &c, n)?,
                median * 1e6,
                best * 1e6,
                flop / median / 1e9,
                flop / best / 1e9,
                options.isa,
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sgemm: {message}");
            ExitCode::FAILURE
        }
    }
}
