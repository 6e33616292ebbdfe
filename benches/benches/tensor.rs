//! Criterion benchmarks of issue 5's tensor figures through the embedding API
//! (`cargo bench -p adead-benches --bench tensor`):
//!
//! - `mlp/<isa>-<threads>t/<batch>`: one `infer(batch)` of `examples/mlp.asm` (the peers'
//!   784 -> 128 ReLU -> 10 softmax network): `tload` of the input rows, `linear.relu`,
//!   `linear`, `softmax`, `tstore`, and the host-to-VM call. The throughput is in samples,
//!   so criterion also reports inferences per second. The checksum is checked first.
//! - `tensor_op/tadd-1x1`: a loop of 10,000 `tadd` on 1x1 tensors in the interpreter;
//!   the throughput is in ops, so the time per element is the per-op overhead.
//!
//! The side-by-side comparison with numpy and onnxruntime is
//! `benches/peers/tensor/run.sh`, not this.

use std::hint::black_box;

use adead_vm::{Config, Engine, Imports, Instance, Module, Value, stdio};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const MLP: &str = include_str!("../../examples/mlp.asm");

/// The peers' checksums of the probabilities (`mlp_params.py`).
const CHECKSUMS: [(i64, &str); 2] = [(1, "5.8044"), (64, "368.8797")];

fn mlp(c: &mut Criterion) {
    let mut group = c.benchmark_group("mlp");
    for threads in [1usize, 2] {
        let engine = Engine::new(Config {
            kernel_threads: threads,
            ..Config::default()
        });
        let isa = engine.kernels().expect("kernel path available").isa();
        let module = Module::from_asm(&engine, MLP, "examples/mlp.asm").expect("mlp.asm loads");
        let (output, _printed) = stdio::Output::capture();
        let mut instance =
            Instance::new(&module, &stdio::imports(&output)).expect("instantiate mlp.asm");
        instance.call("setup", &[]).expect("setup");
        for (batch, expected) in CHECKSUMS {
            let args = [Value::I64(batch)];
            instance.call("infer", &args).expect("infer");
            let result = instance.call("checksum", &args).expect("checksum");
            let [Value::I64(bits)] = result[..] else {
                panic!("checksum returned {result:?}");
            };
            assert_eq!(format!("{:.4}", f64::from_bits(bits as u64)), expected);
            group.throughput(Throughput::Elements(batch as u64));
            let id = BenchmarkId::new(format!("{isa}-{threads}t"), batch);
            group.bench_with_input(id, &args, |b, args| {
                b.iter(|| instance.call("infer", black_box(args)).expect("infer"));
            });
        }
    }
    group.finish();
}

/// `run(n)`: n times `c = a + b` on 1x1 tensors.
const TADD_LOOP: &str = "
.func run params=1 regs=12
    movi r1, 1
    movi r2, 1
    tnew r3, r1, 2
    tnew r4, r1, 2
    tnew r5, r1, 2
    movi r7, 0
top:
    tadd r5, r3, r4
    addi r7, r7, 1
    blt r7, r0, top
    ret r7
.end
.export run
";

fn tensor_op(c: &mut Criterion) {
    const OPS: i64 = 10_000;
    let engine = Engine::new(Config {
        kernel_threads: 1,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, TADD_LOOP, "tadd.asm").expect("tadd loop loads");
    let mut instance = Instance::new(&module, &Imports::new()).expect("instantiate");
    let args = [Value::I64(OPS)];
    let mut group = c.benchmark_group("tensor_op");
    group.throughput(Throughput::Elements(OPS as u64));
    group.bench_function("tadd-1x1", |b| {
        b.iter(|| instance.call("run", black_box(&args)).expect("run"));
    });
    group.finish();
}

criterion_group!(benches, mlp, tensor_op);
criterion_main!(benches);
