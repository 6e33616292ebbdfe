//! The peers' MLP (784 -> 128 ReLU -> 10 softmax, `examples/mlp.asm`) run through the
//! embedding API, timed per inference the way the numpy and onnxruntime peers are
//! (`benches/peers/tensor/mlp.py`): warm-up calls, then N timed calls, median, p10 and
//! p90 of the per-call wall time, including the host-to-VM call overhead.
//!
//! ```text
//! cargo run --release -p adead-vm --example mlp -- [--threads N] [--isa scalar|avx2|avx512]
//!                                                  [--runs-b1 N] [--runs-b64 N]
//! ```
//!
//! The module's exported `setup` runs once (it draws the weights and inputs from the
//! LCG and creates the tensors); each timed call is one `infer(batch)`, which loads the
//! input rows into the input tensor, runs `linear.relu`, `linear` and `softmax` and
//! stores the probabilities in linear memory. After timing, the exported `checksum`
//! must give the peers' value (5.8044 for batch 1, 368.8797 for batch 64), or the
//! example exits with an error. One line per batch:
//!
//! ```text
//! RESULT peer=adead-vm bench=mlp_b1 checksum=5.8044 median_us=... p10_us=... p90_us=...
//!        gflops_median=... runs=5000 threads=1 isa=avx512
//! ```

use std::process::ExitCode;
use std::time::Instant;

use adead_kernels::Isa;
use adead_vm::{Config, Engine, Instance, Module, Value, stdio};

/// Batch sizes, timed runs (the peers' counts) and the checksums they must print.
const BENCHES: [(i64, usize, &str); 2] = [(1, 5000, "5.8044"), (64, 2000, "368.8797")];

/// Floating-point operations of one sample: 2 * (784 * 128 + 128 * 10).
const FLOP_PER_SAMPLE: f64 = 203_264.0;

struct Options {
    threads: usize,
    isa: Option<Isa>,
    runs: [usize; 2],
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        threads: 1,
        isa: None,
        runs: [BENCHES[0].1, BENCHES[1].1],
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let count = |text: String| {
            text.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{flag}: `{text}` is not a positive count"))
        };
        match flag.as_str() {
            "--threads" => options.threads = count(value()?)?,
            "--isa" => options.isa = Some(Isa::parse(&value()?).map_err(|e| e.to_string())?),
            "--runs-b1" => options.runs[0] = count(value()?)?,
            "--runs-b64" => options.runs[1] = count(value()?)?,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (expected --threads N, --isa NAME, --runs-b1 N, --runs-b64 N)"
                ));
            }
        }
    }
    Ok(options)
}

/// The value at `fraction` of the sorted samples, indexed as the peers do
/// (`ts[len * q]`), in microseconds.
fn quantile_us(sorted_seconds: &[f64], numerator: usize, denominator: usize) -> f64 {
    sorted_seconds[sorted_seconds.len() * numerator / denominator] * 1e6
}

fn run(options: &Options) -> Result<(), String> {
    let engine = Engine::new(Config {
        kernel_threads: options.threads,
        kernel_isa: options.isa,
        ..Config::default()
    });
    let kernels = engine.kernels().map_err(|e| e.to_string())?;
    let isa = kernels.isa();
    let tuning = format!(
        "{} ({})",
        kernels.tuning().summary(isa),
        kernels.tuning_origin().name()
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/mlp.asm");
    let source = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let module =
        Module::from_asm(&engine, &source, "examples/mlp.asm").map_err(|e| e.to_string())?;
    // The timed functions print nothing; main (not called here) would.
    let (output, _printed) = stdio::Output::capture();
    let mut instance =
        Instance::new(&module, &stdio::imports(&output)).map_err(|e| e.to_string())?;

    let started = Instant::now();
    instance.call("setup", &[]).map_err(|e| e.to_string())?;
    eprintln!(
        "setup (LCG weights and inputs, tensors): {:.1} ms; kernel path {isa}, {} thread(s), \
         tuning {tuning}",
        started.elapsed().as_secs_f64() * 1e3,
        options.threads
    );

    for (&(batch, _, expected), &runs) in BENCHES.iter().zip(&options.runs) {
        let args = [Value::I64(batch)];
        for _ in 0..(runs / 10).max(50) {
            instance.call("infer", &args).map_err(|e| e.to_string())?;
        }
        let mut seconds = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            instance.call("infer", &args).map_err(|e| e.to_string())?;
            seconds.push(start.elapsed().as_secs_f64());
        }
        seconds.sort_by(f64::total_cmp);
        let result = instance
            .call("checksum", &args)
            .map_err(|e| e.to_string())?;
        let [Value::I64(bits)] = result[..] else {
            return Err(format!("checksum returned {result:?}"));
        };
        let checksum = format!("{:.4}", f64::from_bits(bits as u64));
        if checksum != expected {
            return Err(format!(
                "batch {batch}: checksum {checksum}, expected {expected}"
            ));
        }
        let median = quantile_us(&seconds, 1, 2);
        println!(
            "RESULT peer=adead-vm bench=mlp_b{batch} checksum={checksum} median_us={median:.2} \
             p10_us={:.2} p90_us={:.2} gflops_median={:.2} runs={runs} threads={} isa={isa}",
            quantile_us(&seconds, 1, 10),
            quantile_us(&seconds, 9, 10),
            FLOP_PER_SAMPLE * batch as f64 / median / 1e3,
            options.threads,
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_options().and_then(|options| run(&options));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mlp: {message}");
            ExitCode::FAILURE
        }
    }
}
