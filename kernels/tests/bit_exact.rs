//! Every fast path equals the scalar reference bit for bit, for every op, on every
//! kernel path this machine has (or the one `ADEAD_KERNELS_ISA` names, which must then
//! run), on 1, 2 and 3 threads and with every tuning choice (every tile shape of the
//! path, small, default and large cache blocks, parallel thresholds of zero and of
//! never: `Tuning::all_choices`); plus the peers' exact matmul checksums and the MLP.

use std::sync::OnceLock;

use adead_kernels::{Isa, KernelError, Kernels, MatmulTuning, Tensor, Tile, Tuning, reference};
use proptest::prelude::*;

/// The paths under test: the one `ADEAD_KERNELS_ISA` asks for (its absence on this CPU
/// fails the test), or every path this machine can run.
fn isas_under_test() -> Vec<Isa> {
    match std::env::var(adead_kernels::ISA_ENV_VAR) {
        Ok(name) => {
            let isa = Isa::resolve(Some(&name))
                .unwrap_or_else(|e| panic!("requested path cannot run: {e}"));
            vec![isa]
        }
        Err(_) => Isa::available(),
    }
}

/// One `Kernels` per path under test with the default tuning on 1, 2 and 3 threads,
/// and with each other tuning choice of the path on 2 or 3 threads (its thresholds
/// decide what runs in parallel). Built once per test process: each holds a pool.
fn all_kernels() -> Vec<&'static Kernels> {
    static ALL: OnceLock<Vec<Kernels>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for isa in isas_under_test() {
            for (i, tuning) in Tuning::all_choices(isa).into_iter().enumerate() {
                let threads: &[usize] = match i {
                    0 => &[1, 2, 3],
                    _ if i % 2 == 0 => &[2],
                    _ => &[3],
                };
                for &threads in threads {
                    out.push(
                        Kernels::with_tuning(isa, threads, tuning)
                            .expect("path under test is available"),
                    );
                }
            }
        }
        out
    })
    .iter()
    .collect()
}

/// The same kernels, but only the SIMD paths (for sizes the libm-fma scalar path
/// would make slow; the scalar path is the reference loop anyway).
fn simd_kernels() -> Vec<&'static Kernels> {
    all_kernels()
        .into_iter()
        .filter(|k| k.isa() != Isa::Scalar)
        .collect()
}

/// How a failure names the kernels: path, threads and tuning.
fn describe(k: &Kernels) -> String {
    let t = k.tuning();
    let blocks = t.matmul(k.isa()).map_or(String::new(), |m| {
        format!(
            " tile {} kc {} mc {} nc {} pack {}",
            m.tile, m.kc, m.mc, m.nc, m.pack_min_bytes
        )
    });
    format!(
        "{} x{}{blocks} min_fmas {} min_elements {} spread {}",
        k.isa(),
        k.threads(),
        t.parallel_min_fmas,
        t.parallel_min_elements,
        t.batch_spread_max_fmas
    )
}

/// Deterministic pseudo-random values (xorshift), optionally with special values.
struct Values(u64);

impl Values {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    /// Mostly ordinary values of mixed magnitude; about 1 in `special_rate` special.
    fn value(&mut self, special_rate: u64) -> f32 {
        if special_rate > 0 && self.next_u64().is_multiple_of(special_rate) {
            const SPECIALS: [u32; 10] = [
                0x7FC0_0000, // NaN
                0xFFC1_2345, // negative NaN with payload
                0x7F80_0000, // +inf
                0xFF80_0000, // -inf
                0x8000_0000, // -0.0
                0x0000_0000, // +0.0
                0x0000_0001, // smallest subnormal
                0x8040_0000, // negative subnormal
                0x7F7F_FFFF, // f32::MAX
                0x0080_0000, // smallest normal
            ];
            return f32::from_bits(SPECIALS[(self.next_u64() % SPECIALS.len() as u64) as usize]);
        }
        let scale = [1.0f32, 4.0, 0.25, 30.0][(self.next_u64() % 4) as usize];
        self.unit() * scale
    }

    fn tensor(&mut self, shape: &[usize], special_rate: u64) -> Tensor {
        Tensor::from_fn(shape, |_| self.value(special_rate)).expect("test shape")
    }
}

#[track_caller]
fn assert_same(fast: &Tensor, reference: &Tensor, what: &str) {
    assert_eq!(fast.shape(), reference.shape(), "{what}: shape");
    if let Some(i) = fast
        .data()
        .iter()
        .zip(reference.data())
        .position(|(a, b)| a.to_bits() != b.to_bits())
    {
        panic!(
            "{what}: element {i} differs: fast {:?} ({:#010x}) vs reference {:?} ({:#010x})",
            fast.data()[i],
            fast.data()[i].to_bits(),
            reference.data()[i],
            reference.data()[i].to_bits()
        );
    }
}

/// Runs `op` on every kernel set and checks the bits. (A `Kernels` holds its path's
/// microkernel, made only where the CPU runs it, so an op cannot fall back to another
/// path; `requested_paths_run` checks that each path asked for is the one held.)
#[track_caller]
fn check_all(kernels: &[&Kernels], what: &str, expected: &Tensor, op: impl Fn(&Kernels) -> Tensor) {
    for k in kernels {
        let fast = op(k);
        assert_same(&fast, expected, &format!("{what} on {}", describe(k)));
    }
}

/// An op under test: its name, the reference result, and the fast call.
type Case<'a> = (&'static str, Tensor, &'a dyn Fn(&Kernels) -> Tensor);

const DIMS: [usize; 9] = [1, 3, 15, 16, 17, 31, 33, 127, 129];

#[test]
fn requested_paths_run() {
    let isas = isas_under_test();
    assert!(!isas.is_empty());
    for isa in isas {
        let k = Kernels::new(isa, 1).unwrap_or_else(|e| panic!("{isa} was asked for: {e}"));
        assert_eq!(k.isa(), isa);
    }
    // The start-up choice is either the request or the best path.
    let startup = Kernels::from_env(1).expect("start-up path");
    if std::env::var(adead_kernels::ISA_ENV_VAR).is_err() {
        assert_eq!(startup.isa(), Isa::best());
    }
    assert!(matches!(
        Kernels::new(Isa::Scalar, 0),
        Err(KernelError::Threads(_))
    ));
}

#[test]
fn this_machine_runs_its_simd_paths() {
    // On a CPU with AVX-512 (this project's machines), both SIMD paths must be there:
    // a detection bug would otherwise silently test only the scalar path.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        assert!(Isa::Avx512.is_available());
        assert!(Isa::Avx2Fma.is_available());
        assert_eq!(Isa::best(), Isa::Avx512);
    }
}

#[test]
fn matmul_every_dim_combination() {
    let kernels = all_kernels();
    let mut values = Values::new(1);
    for &m in &DIMS {
        for &k in &DIMS {
            for &n in &DIMS {
                let a = values.tensor(&[m, k], 0);
                let b = values.tensor(&[k, n], 0);
                let expected = reference::matmul(&a, &b).unwrap();
                check_all(&kernels, &format!("matmul {m}x{k}x{n}"), &expected, |kr| {
                    kr.matmul(&a, &b).unwrap()
                });
            }
        }
    }
}

#[test]
fn matmul_large_and_blocked_shapes() {
    // 1000 in each dimension, k beyond one k-block, m beyond one m-block, n beyond
    // one n-block, a last panel at most half full (half-width tiles) after several
    // k-blocks, and k = 0.
    let kernels = all_kernels();
    let simd = simd_kernels();
    let mut values = Values::new(2);
    let shapes = [
        (1000, 17, 33, true),
        (33, 1000, 17, true),
        (33, 1000, 10, true),
        (70, 1100, 40, true),
        (17, 33, 1000, true),
        (129, 1000, 127, true),
        (1000, 300, 129, false),
        (3, 300, 4200, false),
        (2, 600, 300, true),
        (1, 700, 200, true),
        (40, 300, 576, false),
        (20, 300, 4200, false),
        (40, 520, 2100, false),
        (5, 0, 7, true),
        (0, 5, 7, true),
        (7, 5, 0, true),
    ];
    for (m, k, n, with_scalar) in shapes {
        let a = values.tensor(&[m, k], 0);
        let b = values.tensor(&[k, n], 0);
        let expected = reference::matmul(&a, &b).unwrap();
        let set = if with_scalar { &kernels } else { &simd };
        check_all(set, &format!("matmul {m}x{k}x{n}"), &expected, |kr| {
            kr.matmul(&a, &b).unwrap()
        });
    }
}

/// A full 1000^3 product (10^9 reference fmas, a few seconds in release).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "release only: 10^9 libm fmas in the reference"
)]
fn matmul_1000_cubed() {
    let mut values = Values::new(11);
    let a = values.tensor(&[1000, 1000], 0);
    let b = values.tensor(&[1000, 1000], 0);
    let expected = reference::matmul(&a, &b).unwrap();
    check_all(&simd_kernels(), "matmul 1000^3", &expected, |kr| {
        kr.matmul(&a, &b).unwrap()
    });
}

#[test]
fn matmul_special_values_and_batches() {
    let kernels = all_kernels();
    let mut values = Values::new(3);
    for (m, k, n) in [(3, 17, 33), (17, 129, 16), (33, 300, 31)] {
        let a = values.tensor(&[m, k], 7);
        let b = values.tensor(&[k, n], 7);
        let expected = reference::matmul(&a, &b).unwrap();
        check_all(&kernels, "matmul with specials", &expected, |kr| {
            kr.matmul(&a, &b).unwrap()
        });
    }
    for (batch, m, k, n) in [
        (3, 17, 33, 15),
        (1, 1, 1, 1),
        (4, 31, 16, 129),
        (2, 0, 3, 4),
    ] {
        let a = values.tensor(&[batch, m, k], 50);
        let b = values.tensor(&[batch, k, n], 50);
        let expected = reference::matmul(&a, &b).unwrap();
        check_all(
            &kernels,
            &format!("batched {batch}x{m}x{k}x{n}"),
            &expected,
            |kr| kr.matmul(&a, &b).unwrap(),
        );
    }
}

#[test]
fn matmul_shape_errors_match_reference() {
    let k = Kernels::new(Isa::best(), 2).unwrap();
    let cases = [
        (vec![2, 3], vec![4, 2]),
        (vec![3], vec![3, 1]),
        (vec![2, 2, 2], vec![3, 2, 2]),
        (vec![2, 2, 2], vec![2, 2]),
        (vec![1, 1, 1, 1], vec![1, 1]),
    ];
    for (sa, sb) in cases {
        let a = Tensor::zeros(&sa).unwrap();
        let b = Tensor::zeros(&sb).unwrap();
        let fast = k.matmul(&a, &b).unwrap_err();
        assert_eq!(fast, reference::matmul(&a, &b).unwrap_err());
    }
}

#[test]
fn linear_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(4);
    for &(m, k, n) in &[
        (1, 1, 1),
        (3, 15, 17),
        (16, 33, 31),
        (17, 129, 33),
        (129, 31, 127),
        (1, 784, 128),
        (64, 300, 10),
        (64, 600, 10),
        (13, 700, 40),
    ] {
        let x = values.tensor(&[m, k], 60);
        let w = values.tensor(&[k, n], 60);
        let b = values.tensor(&[n], 20);
        for relu in [false, true] {
            let expected = reference::linear(&x, &w, &b, relu).unwrap();
            check_all(
                &kernels,
                &format!("linear {m}x{k}x{n} relu={relu}"),
                &expected,
                |kr| kr.linear(&x, &w, &b, relu).unwrap(),
            );
        }
    }
    let x = values.tensor(&[4, 0], 0);
    let w = values.tensor(&[0, 5], 0);
    let b = values.tensor(&[1, 5], 3);
    let expected = reference::linear(&x, &w, &b, true).unwrap();
    check_all(&kernels, "linear k=0", &expected, |kr| {
        kr.linear(&x, &w, &b, true).unwrap()
    });
}

/// Shapes for elementwise and row-wise ops: rows x row length from DIMS, plus ranks 1,
/// 3 and 4 and a row of 1000.
fn row_shapes() -> Vec<Vec<usize>> {
    let mut shapes = Vec::new();
    for &rows in &[1usize, 3, 16, 17, 33] {
        for &n in &DIMS {
            shapes.push(vec![rows, n]);
        }
    }
    shapes.extend([
        vec![129, 127],
        vec![7],
        vec![1000],
        vec![3, 1000],
        vec![2, 3, 17],
        vec![2, 2, 3, 33],
        vec![4, 0],
        vec![300, 129],
    ]);
    shapes
}

#[test]
fn elementwise_unary_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(5);
    for shape in row_shapes() {
        let a = values.tensor(&shape, 9);
        let cases: [Case<'_>; 6] = [
            ("relu", reference::relu(&a), &|k| k.relu(&a).unwrap()),
            ("gelu", reference::gelu(&a), &|k| k.gelu(&a).unwrap()),
            ("sigmoid", reference::sigmoid(&a), &|k| {
                k.sigmoid(&a).unwrap()
            }),
            ("tanh", reference::tanh(&a), &|k| k.tanh(&a).unwrap()),
            ("exp", reference::exp(&a), &|k| k.exp(&a).unwrap()),
            ("scale", reference::scale(&a, -0.37), &|k| {
                k.scale(&a, -0.37).unwrap()
            }),
        ];
        for (name, expected, op) in cases {
            check_all(&kernels, &format!("{name} {shape:?}"), &expected, op);
        }
    }
}

#[test]
fn elementwise_binary_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(6);
    for shape in row_shapes() {
        let a = values.tensor(&shape, 9);
        let same = values.tensor(&shape, 9);
        let n = *shape.last().unwrap();
        let row = values.tensor(&[1, n], 9);
        for b in [&same, &row] {
            let cases: [Case<'_>; 3] = [
                ("add", reference::add(&a, b).unwrap(), &|k| {
                    k.add(&a, b).unwrap()
                }),
                ("sub", reference::sub(&a, b).unwrap(), &|k| {
                    k.sub(&a, b).unwrap()
                }),
                ("mul", reference::mul(&a, b).unwrap(), &|k| {
                    k.mul(&a, b).unwrap()
                }),
            ];
            for (name, expected, op) in cases {
                check_all(
                    &kernels,
                    &format!("{name} {shape:?} . {:?}", b.shape()),
                    &expected,
                    op,
                );
            }
        }
    }
}

#[test]
fn elementwise_math_on_a_dense_sweep() {
    // Every 4099th f32 bit pattern (about a million inputs, all classes of values).
    let inputs: Vec<f32> = (0..=u32::MAX).step_by(4099).map(f32::from_bits).collect();
    let a = Tensor::from_vec(&[inputs.len()], inputs).unwrap();
    let kernels = simd_kernels();
    for (name, expected, op) in [
        (
            "exp",
            reference::exp(&a),
            &(|k: &Kernels| k.exp(&a).unwrap()) as &dyn Fn(&Kernels) -> Tensor,
        ),
        ("tanh", reference::tanh(&a), &|k: &Kernels| {
            k.tanh(&a).unwrap()
        }),
        ("sigmoid", reference::sigmoid(&a), &|k: &Kernels| {
            k.sigmoid(&a).unwrap()
        }),
        ("gelu", reference::gelu(&a), &|k: &Kernels| {
            k.gelu(&a).unwrap()
        }),
        ("relu", reference::relu(&a), &|k: &Kernels| {
            k.relu(&a).unwrap()
        }),
    ] {
        check_all(&kernels, name, &expected, op);
        // Every NaN produced is canonical.
        assert!(
            expected
                .data()
                .iter()
                .filter(|v| v.is_nan())
                .all(|v| v.to_bits() == 0x7FC0_0000),
            "{name}"
        );
    }
}

/// Rows made only of special values, for every short-row length (one register per row)
/// and a few longer ones: all -inf, +inf among finite values, NaN, zeros of both signs,
/// huge values whose differences overflow, subnormals.
#[test]
fn row_ops_on_special_rows() {
    let kernels = all_kernels();
    let specials = [
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NAN,
        -0.0,
        0.0,
        f32::MAX,
        -f32::MAX,
        f32::from_bits(1),
        -88.0,
        1.5,
    ];
    for n in (1..=17).chain([31, 33]) {
        // Row r repeats a pattern of specials chosen by r, so every pair meets.
        let rows = specials.len() * specials.len() + 1;
        let a = Tensor::from_fn(&[rows, n], |i| {
            let (r, j) = (i / n, i % n);
            if r == rows - 1 {
                f32::NEG_INFINITY
            } else {
                let (x, y) = (specials[r % specials.len()], specials[r / specials.len()]);
                if j % 3 == 1 { y } else { x }
            }
        })
        .unwrap();
        let what = |op: &str| format!("{op} special rows of {n}");
        check_all(&kernels, &what("softmax"), &reference::softmax(&a), |k| {
            k.softmax(&a).unwrap()
        });
        check_all(&kernels, &what("row_sum"), &reference::row_sum(&a), |k| {
            k.row_sum(&a).unwrap()
        });
        check_all(&kernels, &what("row_max"), &reference::row_max(&a), |k| {
            k.row_max(&a).unwrap()
        });
    }
}

#[test]
fn row_ops_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(7);
    for shape in row_shapes() {
        for special_rate in [0, 40] {
            let a = values.tensor(&shape, special_rate);
            let n = *shape.last().unwrap();
            let gamma = values.tensor(&[n], 0);
            let beta = values.tensor(&[1, n], 0);
            let what = |op: &str| format!("{op} {shape:?} specials={special_rate}");
            check_all(&kernels, &what("softmax"), &reference::softmax(&a), |k| {
                k.softmax(&a).unwrap()
            });
            check_all(
                &kernels,
                &what("layernorm"),
                &reference::layernorm(&a, &gamma, &beta, 1e-5).unwrap(),
                |k| k.layernorm(&a, &gamma, &beta, 1e-5).unwrap(),
            );
            check_all(&kernels, &what("row_sum"), &reference::row_sum(&a), |k| {
                k.row_sum(&a).unwrap()
            });
            check_all(&kernels, &what("row_mean"), &reference::row_mean(&a), |k| {
                k.row_mean(&a).unwrap()
            });
            check_all(&kernels, &what("row_max"), &reference::row_max(&a), |k| {
                k.row_max(&a).unwrap()
            });
            if n > 0 {
                check_all(
                    &kernels,
                    &what("row_argmax"),
                    &reference::row_argmax(&a).unwrap(),
                    |k| k.row_argmax(&a).unwrap(),
                );
            }
        }
    }
    // Ties and signed zeros in argmax, NaN in max.
    let a = Tensor::from_vec(
        &[2, 20],
        (0..40)
            .map(|i| {
                if i % 7 == 0 {
                    -0.0
                } else if i % 5 == 0 {
                    0.0
                } else {
                    -1.0
                }
            })
            .collect(),
    )
    .unwrap();
    check_all(
        &kernels,
        "argmax zeros",
        &reference::row_argmax(&a).unwrap(),
        |k| k.row_argmax(&a).unwrap(),
    );
    check_all(&kernels, "max zeros", &reference::row_max(&a), |k| {
        k.row_max(&a).unwrap()
    });
}

#[test]
fn transpose_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(8);
    for &r in &DIMS {
        for &c in &[1usize, 3, 16, 33, 129, 1000] {
            let a = values.tensor(&[r, c], 5);
            check_all(
                &kernels,
                &format!("transpose {r}x{c}"),
                &reference::transpose(&a).unwrap(),
                |k| k.transpose(&a).unwrap(),
            );
        }
    }
}

#[test]
fn attention_every_path() {
    let kernels = all_kernels();
    let mut values = Values::new(9);
    for &heads in &[1usize, 3] {
        for &(sq, sk) in &[(1, 1), (3, 3), (17, 17), (33, 33), (16, 31), (5, 129)] {
            for &d in &[1usize, 16, 17] {
                let q = values.tensor(&[heads, sq, d], 0);
                let k = values.tensor(&[heads, sk, d], 0);
                let v = values.tensor(&[heads, sk, 15], 0);
                let scale = reference::default_attention_scale(d);
                for causal in [false, true] {
                    let expected = reference::attention(&q, &k, &v, causal, scale).unwrap();
                    check_all(
                        &kernels,
                        &format!("attention h{heads} {sq}x{sk} d{d} causal={causal}"),
                        &expected,
                        |kr| kr.attention(&q, &k, &v, causal, scale).unwrap(),
                    );
                }
            }
        }
    }
    // Rank 2 (one head).
    let q = values.tensor(&[33, 16], 0);
    let k = values.tensor(&[33, 16], 0);
    let v = values.tensor(&[33, 17], 0);
    let expected = reference::attention(&q, &k, &v, true, 0.25).unwrap();
    check_all(&kernels, "attention rank 2", &expected, |kr| {
        kr.attention(&q, &k, &v, true, 0.25).unwrap()
    });
}

/// The peers' matmul inputs: every product is exact in f32, so `sum(C)` and `sum(C^2)`
/// in f64 are exact and independent of any summation order.
fn peer_inputs(n: usize) -> (Tensor, Tensor) {
    let a = Tensor::from_fn(&[n, n], |idx| {
        ((7 * (idx / n) + 3 * (idx % n)) % 13) as f32 / 8.0 - 0.75
    })
    .unwrap();
    let b = Tensor::from_fn(&[n, n], |idx| {
        ((5 * (idx / n) + 11 * (idx % n)) % 17) as f32 / 8.0 - 1.0
    })
    .unwrap();
    (a, b)
}

fn checksum(c: &Tensor) -> String {
    let sum: f64 = c.data().iter().map(|&v| v as f64).sum();
    let sumsq: f64 = c.data().iter().map(|&v| (v as f64) * (v as f64)).sum();
    format!("{sum:.6}/{sumsq:.6}")
}

#[test]
fn peer_matmul_checksums() {
    // The peers' values (the workplace's shared/peers/RESULTS.md, where numpy, OpenBLAS
    // and naive C agree; numpy prints them again in benches/peers/tensor/results/raw.txt).
    let expected = [
        (64, "-2.000000/10956.384766"),
        (256, "1.281250/155075.812012"),
        (1024, "3.515625/3400852.674561"),
    ];
    for (n, sums) in expected {
        let (a, b) = peer_inputs(n);
        // The reference and the scalar path use a libm fma: skip them for n = 1024.
        if n <= 256 {
            assert_eq!(
                checksum(&reference::matmul(&a, &b).unwrap()),
                sums,
                "reference n={n}"
            );
        }
        let set = if n <= 256 {
            all_kernels()
        } else {
            simd_kernels()
        };
        for k in &set {
            assert_eq!(
                checksum(&k.matmul(&a, &b).unwrap()),
                sums,
                "{} x{} n={n}",
                k.isa(),
                k.threads()
            );
        }
    }
}

/// The peers' MLP (784 -> 128 ReLU -> 10 softmax) with LCG weights; its checksums
/// are 5.8044 (batch 1) and 368.8797 (batch 64) in numpy and onnxruntime.
#[test]
fn peer_mlp_checksums() {
    let mut state: u64 = 12345;
    let mut draw = |count: usize, f: &dyn Fn(f64) -> f64| -> Vec<f32> {
        (0..count)
            .map(|_| {
                state = (state * 1_664_525 + 1_013_904_223) % (1 << 32);
                f(state as f64 / 4_294_967_296.0) as f32
            })
            .collect()
    };
    let w1 = draw(784 * 128, &|u| (2.0 * u - 1.0) / 784f64.sqrt());
    let b1 = draw(128, &|u| (2.0 * u - 1.0) * 0.1);
    let w2 = draw(128 * 10, &|u| (2.0 * u - 1.0) / 128f64.sqrt());
    let b2 = draw(10, &|u| (2.0 * u - 1.0) * 0.1);
    let x = draw(64 * 784, &|u| u);
    let w1 = Tensor::from_vec(&[784, 128], w1).unwrap();
    let b1 = Tensor::from_vec(&[128], b1).unwrap();
    let w2 = Tensor::from_vec(&[128, 10], w2).unwrap();
    let b2 = Tensor::from_vec(&[10], b2).unwrap();
    for (batch, expected) in [(1usize, "5.8044"), (64, "368.8797")] {
        let xb = Tensor::from_vec(&[batch, 784], x.data_slice(batch * 784)).unwrap();
        let h = reference::linear(&xb, &w1, &b1, true).unwrap();
        let p = reference::softmax(&reference::linear(&h, &w2, &b2, false).unwrap());
        let sum: f64 = p
            .data()
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f64 * ((i % 10) + 1) as f64)
            .sum();
        assert_eq!(format!("{sum:.4}"), expected, "batch {batch}");
        for k in all_kernels() {
            let h = k.linear(&xb, &w1, &b1, true).unwrap();
            let fast = k.softmax(&k.linear(&h, &w2, &b2, false).unwrap()).unwrap();
            assert_same(
                &fast,
                &p,
                &format!("mlp batch {batch} on {} x{}", k.isa(), k.threads()),
            );
        }
    }
}

trait DataSlice {
    fn data_slice(&self, len: usize) -> Vec<f32>;
}

impl DataSlice for Vec<f32> {
    fn data_slice(&self, len: usize) -> Vec<f32> {
        self[..len].to_vec()
    }
}

/// A float drawn from every class: ordinary, tiny, huge, zeros, infinities, NaNs.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -4.0f32..4.0,
        1 => prop::num::f32::ANY,
        1 => Just(f32::NAN),
        1 => Just(f32::from_bits(0xFFC0_0001)),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(-0.0f32),
        1 => Just(0.0f32),
        1 => (1u32..0x0080_0000).prop_map(f32::from_bits),
        1 => (0x8000_0001u32..0x8080_0000).prop_map(f32::from_bits),
    ]
}

fn tensor_of(shape: Vec<usize>) -> impl Strategy<Value = Tensor> {
    let len: usize = shape.iter().product();
    prop::collection::vec(any_f32(), len)
        .prop_map(move |data| Tensor::from_vec(&shape, data).unwrap())
}

fn matmul_operands() -> impl Strategy<Value = (Tensor, Tensor)> {
    (1usize..40, 0usize..300, 1usize..70)
        .prop_flat_map(|(m, k, n)| (tensor_of(vec![m, k]), tensor_of(vec![k, n])))
}

fn rows_tensor() -> impl Strategy<Value = Tensor> {
    prop::collection::vec(1usize..6, 0..3)
        .prop_flat_map(|lead| (Just(lead), 0usize..300))
        .prop_flat_map(|(mut lead, n)| {
            lead.push(n);
            tensor_of(lead)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn prop_matmul_bit_exact((a, b) in matmul_operands()) {
        let expected = reference::matmul(&a, &b).unwrap();
        for k in all_kernels() {
            prop_assert!(k.matmul(&a, &b).unwrap().bits_eq(&expected), "{} x{}", k.isa(), k.threads());
        }
    }

    #[test]
    fn prop_linear_bit_exact((x, w) in matmul_operands(), relu: bool, seed: u64) {
        let n = w.shape()[1];
        let b = Values::new(seed).tensor(&[n], 5);
        let expected = reference::linear(&x, &w, &b, relu).unwrap();
        for k in all_kernels() {
            prop_assert!(k.linear(&x, &w, &b, relu).unwrap().bits_eq(&expected), "{} x{}", k.isa(), k.threads());
        }
    }

    #[test]
    fn prop_row_ops_bit_exact(a in rows_tensor(), eps in 0.0f32..1.0) {
        let n = a.row_len();
        let gamma = Values::new(n as u64).tensor(&[n], 9);
        let beta = Values::new(n as u64 + 1).tensor(&[n], 9);
        let softmax = reference::softmax(&a);
        let norm = reference::layernorm(&a, &gamma, &beta, eps).unwrap();
        let (sum, max, mean) = (reference::row_sum(&a), reference::row_max(&a), reference::row_mean(&a));
        for k in all_kernels() {
            prop_assert!(k.softmax(&a).unwrap().bits_eq(&softmax));
            prop_assert!(k.layernorm(&a, &gamma, &beta, eps).unwrap().bits_eq(&norm));
            prop_assert!(k.row_sum(&a).unwrap().bits_eq(&sum));
            prop_assert!(k.row_max(&a).unwrap().bits_eq(&max));
            prop_assert!(k.row_mean(&a).unwrap().bits_eq(&mean));
            if n > 0 {
                prop_assert!(k.row_argmax(&a).unwrap().bits_eq(&reference::row_argmax(&a).unwrap()));
            }
        }
    }

    #[test]
    fn prop_elementwise_bit_exact(a in rows_tensor(), s in any_f32(), seed: u64) {
        let b_same = Values::new(seed).tensor(a.shape(), 4);
        let b_row = Values::new(seed ^ 1).tensor(&[a.row_len()], 4);
        for k in all_kernels() {
            prop_assert!(k.exp(&a).unwrap().bits_eq(&reference::exp(&a)));
            prop_assert!(k.tanh(&a).unwrap().bits_eq(&reference::tanh(&a)));
            prop_assert!(k.sigmoid(&a).unwrap().bits_eq(&reference::sigmoid(&a)));
            prop_assert!(k.gelu(&a).unwrap().bits_eq(&reference::gelu(&a)));
            prop_assert!(k.relu(&a).unwrap().bits_eq(&reference::relu(&a)));
            prop_assert!(k.scale(&a, s).unwrap().bits_eq(&reference::scale(&a, s)));
            for b in [&b_same, &b_row] {
                prop_assert!(k.add(&a, b).unwrap().bits_eq(&reference::add(&a, b).unwrap()));
                prop_assert!(k.sub(&a, b).unwrap().bits_eq(&reference::sub(&a, b).unwrap()));
                prop_assert!(k.mul(&a, b).unwrap().bits_eq(&reference::mul(&a, b).unwrap()));
            }
        }
    }
}

#[test]
fn every_tile_and_threshold_extreme_is_under_test() {
    for isa in isas_under_test() {
        let choices = Tuning::all_choices(isa);
        assert_eq!(choices[0], Tuning::default());
        for &tile in Tile::choices(isa) {
            let blocks: Vec<&MatmulTuning> = choices
                .iter()
                .filter_map(|t| t.matmul(isa))
                .filter(|m| m.tile == tile)
                .collect();
            assert!(blocks.len() >= 4, "{isa} {tile}");
            assert!(
                blocks
                    .iter()
                    .any(|m| m.kc < 16 && m.mc <= tile.mr && m.nc <= tile.nr)
            );
        }
        assert!(choices.iter().any(|t| t.parallel_min_fmas == 0
            && t.parallel_min_elements == 0
            && t.batch_spread_max_fmas == usize::MAX));
        assert!(choices.iter().any(|t| t.parallel_min_fmas == usize::MAX
            && t.parallel_min_elements == usize::MAX
            && t.batch_spread_max_fmas == 0));
        // And each one is what the kernels run with.
        let k = Kernels::with_tuning(isa, 2, choices[choices.len() - 1]).unwrap();
        assert_eq!(*k.tuning(), choices[choices.len() - 1]);
    }
}

#[test]
fn tunings_a_path_cannot_run_are_refused() {
    let mut wrong_tile = Tuning::default();
    wrong_tile.avx2.tile = Tile::new(12, 32);
    let mut zero_kc = Tuning::default();
    zero_kc.avx512.kc = 0;
    let mut huge_nc = Tuning::default();
    huge_nc.avx2.nc = MatmulTuning::MAX_NC + 1;
    for bad in [wrong_tile, zero_kc, huge_nc] {
        assert!(matches!(
            Kernels::with_tuning(Isa::Scalar, 1, bad),
            Err(KernelError::BadTuning(_))
        ));
    }
    // The default is today's choice.
    let d = Tuning::default();
    assert_eq!(
        (d.avx2.tile, d.avx2.kc, d.avx2.mc, d.avx2.nc),
        (Tile::new(6, 16), 256, 144, 4096)
    );
    assert_eq!(
        (d.avx2.pack_min_bytes, d.avx512.pack_min_bytes),
        (512 << 10, 512 << 10)
    );
    assert_eq!(
        (d.avx512.tile, d.avx512.kc, d.avx512.mc, d.avx512.nc),
        (Tile::new(12, 32), 512, 144, 4096)
    );
    assert_eq!(
        (
            d.parallel_min_fmas,
            d.parallel_min_elements,
            d.batch_spread_max_fmas
        ),
        (1 << 19, 1 << 15, 1 << 21)
    );
    assert_eq!(*Kernels::new(Isa::Scalar, 1).unwrap().tuning(), d);
}

/// Any valid tuning of `isa`: a tile of the path, blocks from 1 to a few hundred,
/// thresholds from 0 to never.
fn any_tuning(isa: Isa) -> impl Strategy<Value = Tuning> {
    let tiles = Tile::choices(isa).to_vec();
    let threshold = prop_oneof![Just(0usize), 1usize..(1 << 22), Just(usize::MAX)];
    (
        proptest::sample::select(if tiles.is_empty() {
            vec![Tile::new(6, 16)]
        } else {
            tiles
        }),
        1usize..600,
        1usize..200,
        1usize..400,
        prop_oneof![
            Just(0usize),
            Just(1usize << 16),
            Just(512usize << 10),
            Just(usize::MAX)
        ],
        threshold.clone(),
        threshold.clone(),
        threshold,
    )
        .prop_map(
            move |(tile, kc, mc, nc, pack_min_bytes, fmas, elements, spread)| {
                let mut t = Tuning {
                    parallel_min_fmas: fmas,
                    parallel_min_elements: elements,
                    batch_spread_max_fmas: spread,
                    ..Tuning::default()
                };
                if let Some(m) = t.matmul_mut(isa) {
                    *m = MatmulTuning {
                        tile,
                        kc,
                        mc,
                        nc,
                        pack_min_bytes,
                    };
                }
                t
            },
        )
}

/// One SIMD path under test (the best), for the random-tuning properties.
fn simd_isa() -> Option<Isa> {
    isas_under_test()
        .into_iter()
        .rev()
        .find(|&i| i != Isa::Scalar)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn prop_matmul_and_linear_bit_exact_with_any_tuning(
        (a, b) in matmul_operands(),
        tuning in any_tuning(simd_isa().unwrap_or(Isa::Scalar)),
        threads in 1usize..4,
        relu: bool,
        batch in 1usize..4,
    ) {
        let isa = simd_isa().unwrap_or(Isa::Scalar);
        let k = Kernels::with_tuning(isa, threads, tuning).unwrap();
        let expected = reference::matmul(&a, &b).unwrap();
        prop_assert!(k.matmul(&a, &b).unwrap().bits_eq(&expected), "{}", describe(&k));
        let n = b.shape()[1];
        let bias = Values::new(n as u64).tensor(&[n], 5);
        let expected = reference::linear(&a, &b, &bias, relu).unwrap();
        prop_assert!(k.linear(&a, &b, &bias, relu).unwrap().bits_eq(&expected), "{}", describe(&k));
        // Batched: the whole-problem spread and the tiled split.
        let (m, kk) = (a.shape()[0], a.shape()[1]);
        let stack = |t: &Tensor, rows, cols| {
            let data: Vec<f32> = (0..batch).flat_map(|i| t.data().iter().map(move |x| x * (i + 1) as f32)).collect();
            Tensor::from_vec(&[batch, rows, cols], data).unwrap()
        };
        let (a3, b3) = (stack(&a, m, kk), stack(&b, kk, n));
        let expected = reference::matmul(&a3, &b3).unwrap();
        prop_assert!(k.matmul(&a3, &b3).unwrap().bits_eq(&expected), "{}", describe(&k));
    }
}
