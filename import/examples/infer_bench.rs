//! Times `infer` of an imported model through the embedding API, in process: the
//! shortest real use of an imported module, and what `benches/import_mlp.sh` measures.
//!
//! ```text
//! cargo run --release -p adead-import --example infer_bench -- MODEL.bib INPUT.f32 \
//!     FEATURES BATCH THREADS ITERATIONS
//! ```
//!
//! INPUT.f32 holds at least BATCH rows of FEATURES little-endian f32 values. Each
//! iteration writes the batch into the input tensor (as a host refilling its input
//! would) and calls `infer`; the output is read after the last call. Prints the median,
//! 10th and 90th percentile latency in µs and a checksum of the output (the sum of
//! `y[i][k] * (k + 1)`).

use std::time::Instant;

use adead_vm::{Config, Engine, Imports, Instance, Module, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, input, features, batch, threads, iterations] = args.as_slice() else {
        return Err(
            "usage: infer_bench MODEL.bib INPUT.f32 FEATURES BATCH THREADS ITERATIONS".into(),
        );
    };
    let (features, batch): (usize, usize) = (features.parse()?, batch.parse()?);
    let (threads, iterations): (usize, usize) = (threads.parse()?, iterations.parse()?);
    let bytes = std::fs::read(input)?;
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let rows = values
        .get(..batch * features)
        .ok_or("the input has fewer rows than the batch")?;
    let engine = Engine::new(Config {
        kernel_threads: threads,
        ..Config::default()
    });
    let module = Module::from_bytes(&engine, &std::fs::read(model)?)?;
    let mut instance = Instance::new(&module, &Imports::new())?;
    let x = instance.new_tensor(&[batch, features], rows)?;
    let arg = [Value::I64(x as i64)];
    let mut times = Vec::with_capacity(iterations);
    let mut out = 0;
    for _ in 0..iterations.max(1) {
        let start = Instant::now();
        instance.tensor_mut(x)?.data_mut().copy_from_slice(rows);
        out = instance.call("infer", &arg)?[0]
            .as_i64()
            .ok_or("no handle")? as u64;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    // Sum over rows i and columns k of y[i][k] * (k + 1): a probability row sums to 1
    // whatever its values, this does not.
    let y = instance.tensor(out)?;
    let row = y.shape().last().copied().unwrap_or(1).max(1);
    let checksum: f64 = y
        .data()
        .iter()
        .enumerate()
        .map(|(j, &v)| f64::from(v) * ((j % row) + 1) as f64)
        .sum();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("{:.2} {:.2} {:.2} {checksum:.6}", at(0.5), at(0.1), at(0.9));
    Ok(())
}
