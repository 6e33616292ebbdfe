//! sgemm throughput: `C = A . B` for n = 64, 256, 1024 on 1 and 2 threads, with the
//! peers' inputs (`A[i][k] = ((7i + 3k) mod 13 - 6) / 8`, `B[k][j] = ((5k + 11j) mod 17 - 8) / 8`).
//! Throughput is counted in FLOP (`2 n^3` per product), so criterion's "elem/s" reads
//! as FLOP/s. The path is the start-up one (`ADEAD_KERNELS_ISA` or the best).

use std::hint::black_box;

use adead_kernels::{Kernels, Tensor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn peer_inputs(n: usize) -> (Tensor, Tensor) {
    let a = Tensor::from_fn(&[n, n], |idx| {
        let (i, k) = (idx / n, idx % n);
        ((7 * i + 3 * k) % 13) as f32 / 8.0 - 0.75
    })
    .expect("valid shape");
    let b = Tensor::from_fn(&[n, n], |idx| {
        let (k, j) = (idx / n, idx % n);
        ((5 * k + 11 * j) % 17) as f32 / 8.0 - 1.0
    })
    .expect("valid shape");
    (a, b)
}

fn sgemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sgemm");
    for threads in [1usize, 2] {
        let kernels = Kernels::from_env(threads).expect("kernel path available");
        for n in [64usize, 256, 1024] {
            let (a, b) = peer_inputs(n);
            group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
            if n == 1024 {
                group.sample_size(20);
            } else {
                group.sample_size(100);
            }
            let id = BenchmarkId::new(format!("{}-{}t", kernels.isa(), threads), n);
            group.bench_with_input(id, &n, |bench, _| {
                bench.iter(|| {
                    kernels
                        .matmul(black_box(&a), black_box(&b))
                        .expect("square shapes")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, sgemm);
criterion_main!(benches);
