//! Choosing a [`Tuning`] by measurement: a handful of candidates timed on products of
//! the sizes programs use, interleaved, the best of several rounds each; a fraction of
//! a second in all.
//!
//! 1. The matrix product on the thread count asked for: every tile shape of the path
//!    with the default blocking, then the best shape with `kc` and `mc` halved and
//!    doubled, and with B packed whenever it may be or never. Each is timed on a
//!    one-row layer (1 x 784 x 128, the MLP at batch 1), a small cube (64^3), a 64-row
//!    layer (64 x 784 x 128), a cube (256^3) and a wide product whose B is packed
//!    (96 x 512 x 512). A candidate replaces the current choice only if the geometric
//!    mean of its times, relative to the current choice's, is below
//!    [`MeasureBudget::margin`], and again when the two are timed once more: noise
//!    must not move the choice away from the default.
//! 2. With several threads, the thresholds: the smallest product size (from 2^16 to
//!    2^21 multiply-adds) from which the pool is faster than one thread for it and every
//!    larger size, and likewise for elementwise work (2^12 to 2^17 elements of `add`);
//!    measured twice, the larger result kept.
//!
//! Every candidate gives the same bits (see [`Tuning`]), so what is measured can only
//! change the speed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::{MatmulTuning, Tuning};
use crate::error::KernelError;
use crate::isa::Isa;
use crate::kernels::Kernels;
use crate::tensor::Tensor;

/// How long and how carefully [`measure`] measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureBudget {
    /// Rounds over all candidates; each candidate's time is its best round.
    pub rounds: usize,
    /// Least time of one timing (calls are repeated until it is reached).
    pub min_sample: Duration,
    /// A candidate must take at most this fraction of the current choice's time
    /// (geometric mean over the sizes) to replace it.
    pub margin: f64,
}

impl Default for MeasureBudget {
    /// 5 rounds, samples of at least 200 us, a 4% margin: about 0.2 to 0.5 s on two
    /// threads.
    fn default() -> MeasureBudget {
        MeasureBudget {
            rounds: 5,
            min_sample: Duration::from_micros(200),
            margin: 0.96,
        }
    }
}

/// Deterministic operands of shape `shape`.
fn operand(shape: &[usize], seed: usize) -> Result<Tensor, KernelError> {
    Tensor::from_fn(shape, |i| ((i * 37 + seed * 11) % 101) as f32 / 64.0 - 0.75)
}

/// Seconds per call of `f`, repeated until one sample lasts `min_sample`.
fn time_per_call(min_sample: Duration, mut f: impl FnMut()) -> f64 {
    f();
    let mut calls = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            f();
        }
        let elapsed = start.elapsed();
        if elapsed >= min_sample || calls >= 1 << 20 {
            return elapsed.as_secs_f64() / calls as f64;
        }
        calls *= 2;
    }
}

/// Best time of each (kernels, problem) pair over `rounds` interleaved rounds.
fn best_times(
    kernels: &[Kernels],
    problems: &[(Tensor, Tensor)],
    budget: &MeasureBudget,
) -> Result<Vec<Vec<f64>>, KernelError> {
    let mut best = vec![vec![f64::INFINITY; problems.len()]; kernels.len()];
    let mut out = Tensor::empty();
    for round in 0..budget.rounds.max(1) {
        for c in 0..kernels.len() {
            // Rotate the order so that no candidate always runs first.
            let c = (c + round) % kernels.len();
            for (p, (a, b)) in problems.iter().enumerate() {
                let mut failed = None;
                let t = time_per_call(budget.min_sample, || {
                    if let Err(e) = kernels[c].matmul_into(black_box(a), black_box(b), &mut out) {
                        failed = Some(e);
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                best[c][p] = best[c][p].min(t);
            }
        }
    }
    Ok(best)
}

/// Geometric mean of `times[i] / reference[i]`.
fn relative(times: &[f64], reference: &[f64]) -> f64 {
    let logs: f64 = times.iter().zip(reference).map(|(t, r)| (t / r).ln()).sum();
    (logs / times.len().max(1) as f64).exp()
}

/// Index of the candidate to keep: the fastest by [`relative`] time against candidate
/// `current`, if it beats `margin`; else `current`.
fn pick(times: &[Vec<f64>], current: usize, margin: f64) -> usize {
    let mut best = (current, 1.0);
    for (i, t) in times.iter().enumerate() {
        let r = relative(t, &times[current]);
        if r < best.1 {
            best = (i, r);
        }
    }
    if best.1 <= margin { best.0 } else { current }
}

/// Index of the candidate to keep (see [`pick`]), confirmed: a candidate that beat
/// candidate `current` is timed against it once more, and kept only if it wins again
/// (a burst of noise during one candidate's turn must not change the choice).
fn pick_confirmed(
    kernels: &[Kernels],
    problems: &[(Tensor, Tensor)],
    budget: &MeasureBudget,
    current: usize,
) -> Result<usize, KernelError> {
    let times = best_times(kernels, problems, budget)?;
    let winner = pick(&times, current, budget.margin);
    if winner == current {
        return Ok(current);
    }
    let pair = [&kernels[current], &kernels[winner]];
    let mut again = vec![vec![f64::INFINITY; problems.len()]; 2];
    let mut out = Tensor::empty();
    for round in 0..budget.rounds.max(1) {
        for i in 0..2 {
            let i = (i + round) % 2;
            for (p, (a, b)) in problems.iter().enumerate() {
                let mut failed = None;
                let t = time_per_call(budget.min_sample, || {
                    if let Err(e) = pair[i].matmul_into(black_box(a), black_box(b), &mut out) {
                        failed = Some(e);
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                again[i][p] = again[i][p].min(t);
            }
        }
    }
    Ok(if pick(&again, 0, budget.margin) == 1 {
        winner
    } else {
        current
    })
}

/// The matrix product's parameters of path `isa`, measured on `threads` threads with
/// the default thresholds (what suits one thread may not suit two: packing B on Zen 3
/// was neutral on one thread and made the 64-row layer twice as slow on two, each
/// k-block then forking twice).
fn measure_matmul(
    isa: Isa,
    threads: usize,
    budget: &MeasureBudget,
) -> Result<MatmulTuning, KernelError> {
    let base = Tuning::default();
    let default = *base.matmul(isa).expect("a SIMD path");
    let problems = [
        (1, 784, 128),
        (64, 64, 64),
        (64, 784, 128),
        (256, 256, 256),
        (96, 512, 512),
    ]
    .iter()
    .enumerate()
    .map(|(i, &(m, k, n))| Ok((operand(&[m, k], i)?, operand(&[k, n], i + 7)?)))
    .collect::<Result<Vec<_>, KernelError>>()?;
    let kernels_for = |candidates: &[MatmulTuning]| {
        candidates
            .iter()
            .map(|&m| {
                let mut t = base;
                *t.matmul_mut(isa).expect("a SIMD path") = m;
                Kernels::with_tuning(isa, threads, t)
            })
            .collect::<Result<Vec<_>, KernelError>>()
    };
    // Stage 1: the tile shapes.
    let shapes: Vec<MatmulTuning> = super::Tile::choices(isa)
        .iter()
        .map(|&tile| MatmulTuning { tile, ..default })
        .collect();
    let chosen = shapes[pick_confirmed(&kernels_for(&shapes)?, &problems, budget, 0)?];
    // Stage 2: the blocking around it.
    let mut blockings = vec![chosen];
    for kc in [chosen.kc / 2, chosen.kc * 2] {
        blockings.push(MatmulTuning { kc, ..chosen });
    }
    for mc in [chosen.mc / 2, chosen.mc * 2] {
        blockings.push(MatmulTuning { mc, ..chosen });
    }
    for pack_min_bytes in [0, usize::MAX] {
        blockings.push(MatmulTuning {
            pack_min_bytes,
            ..chosen
        });
    }
    Ok(blockings[pick_confirmed(&kernels_for(&blockings)?, &problems, budget, 0)?])
}

/// The larger of two [`crossover_once`] measurements: a size counts only if the pool
/// won there twice (a quiet moment must not make small work parallel for good).
fn crossover(
    sizes: &[usize],
    budget: &MeasureBudget,
    fallback: usize,
    mut serial: impl FnMut(usize),
    mut parallel: impl FnMut(usize),
) -> usize {
    let first = crossover_once(sizes, budget, fallback, &mut serial, &mut parallel);
    let second = crossover_once(sizes, budget, fallback, &mut serial, &mut parallel);
    first.max(second)
}

/// The smallest of `sizes` (increasing) from which `parallel` is faster than `serial`
/// by the margin for it and every larger size; `fallback` when it never is.
fn crossover_once(
    sizes: &[usize],
    budget: &MeasureBudget,
    fallback: usize,
    mut serial: impl FnMut(usize),
    mut parallel: impl FnMut(usize),
) -> usize {
    let mut best = vec![(f64::INFINITY, f64::INFINITY); sizes.len()];
    for _ in 0..budget.rounds.max(1) {
        for (i, &size) in sizes.iter().enumerate() {
            let s = time_per_call(budget.min_sample / 4, || serial(size));
            let p = time_per_call(budget.min_sample / 4, || parallel(size));
            best[i] = (best[i].0.min(s), best[i].1.min(p));
        }
    }
    threshold(sizes, &best, budget.margin, fallback)
}

/// The decision of [`crossover_once`] from its best (serial, parallel) times per size:
/// the smallest size from which parallel beats serial by `margin` at it and every
/// larger size, else `fallback`.
fn threshold(sizes: &[usize], best: &[(f64, f64)], margin: f64, fallback: usize) -> usize {
    let mut threshold = fallback;
    for (&size, &(serial, parallel)) in sizes.iter().zip(best).rev() {
        if parallel <= serial * margin {
            threshold = size;
        } else {
            break;
        }
    }
    threshold
}

/// Measures the tuning of path `isa` on `threads` threads (see the module docs). The
/// scalar path has nothing to tune: it gets [`Tuning::default`].
pub fn measure(isa: Isa, threads: usize, budget: &MeasureBudget) -> Result<Tuning, KernelError> {
    isa.check_available()?;
    let mut tuning = Tuning::default();
    if isa == Isa::Scalar {
        return Ok(tuning);
    }
    let blocks = measure_matmul(isa, threads, budget)?;
    *tuning.matmul_mut(isa).expect("a SIMD path") = blocks;
    if threads > 1 {
        let serial = Kernels::with_tuning(isa, 1, tuning)?;
        let parallel = Kernels::with_tuning(
            isa,
            threads,
            Tuning {
                parallel_min_fmas: 0,
                parallel_min_elements: 0,
                ..tuning
            },
        )?;
        // Products of 64 x k x 64 with k from 16 to 512: 2^16 to 2^21 multiply-adds.
        let ks = [16usize, 32, 64, 128, 256, 512];
        let products = ks
            .iter()
            .map(|&k| Ok((operand(&[64, k], 1)?, operand(&[k, 64], 2)?)))
            .collect::<Result<Vec<_>, KernelError>>()?;
        let sizes: Vec<usize> = ks.iter().map(|k| 64 * 64 * k).collect();
        let index = |size: usize| sizes.iter().position(|&s| s == size).unwrap_or(0);
        let mut out = Tensor::empty();
        let mut out2 = Tensor::empty();
        tuning.parallel_min_fmas = crossover(
            &sizes,
            budget,
            sizes[sizes.len() - 1] * 2,
            |size| {
                let (a, b) = &products[index(size)];
                let _ = serial.matmul_into(black_box(a), black_box(b), &mut out);
            },
            |size| {
                let (a, b) = &products[index(size)];
                let _ = parallel.matmul_into(black_box(a), black_box(b), &mut out2);
            },
        );
        let lengths: Vec<usize> = (12..=17).map(|e| 1usize << e).collect();
        let vectors = lengths
            .iter()
            .map(|&len| operand(&[len / 64, 64], 3))
            .collect::<Result<Vec<_>, KernelError>>()?;
        let at = |len: usize| &vectors[lengths.iter().position(|&l| l == len).unwrap_or(0)];
        tuning.parallel_min_elements = crossover(
            &lengths,
            budget,
            lengths[lengths.len() - 1] * 2,
            |len| {
                let x = at(len);
                let _ = serial.add_into(black_box(x), black_box(x), &mut out);
            },
            |len| {
                let x = at(len);
                let _ = parallel.add_into(black_box(x), black_box(x), &mut out2);
            },
        );
    }
    tuning.check()?;
    Ok(tuning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_keeps_the_current_choice_unless_clearly_beaten() {
        let times = vec![vec![1.0, 1.0], vec![0.99, 0.99], vec![1.2, 0.5]];
        // Candidate 2: sqrt(1.2 * 0.5) = 0.77 of candidate 0.
        assert_eq!(pick(&times, 0, 0.97), 2);
        // Candidate 1 alone is within the margin.
        assert_eq!(pick(&times[..2], 0, 0.97), 0);
        assert!((relative(&times[2], &times[0]) - (0.6f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_threshold_is_the_first_size_from_which_parallel_always_wins() {
        let sizes = [1, 2, 3, 4];
        // Parallel costs a fixed 50 plus half the work: it wins from size 3 on.
        let times: Vec<(f64, f64)> = sizes
            .iter()
            .map(|&s| (40.0 * s as f64, 50.0 + 20.0 * s as f64))
            .collect();
        assert_eq!(threshold(&sizes, &times, 0.97, 99), 3);
        // A win at 2 that does not hold at 3 does not count: 4 is the first from which
        // parallel always wins.
        let noisy = [(40.0, 90.0), (80.0, 60.0), (120.0, 119.0), (160.0, 100.0)];
        assert_eq!(threshold(&sizes, &noisy, 0.97, 99), 4);
        // Never faster by the margin: the fallback.
        let never = [(1.0, 1.0), (2.0, 1.99), (3.0, 3.5), (4.0, 3.99)];
        assert_eq!(threshold(&sizes, &never, 0.97, 99), 99);
    }

    #[test]
    fn a_measured_tuning_is_valid() {
        for isa in Isa::available() {
            let budget = MeasureBudget {
                rounds: 2,
                ..MeasureBudget::default()
            };
            let t = measure(isa, 2, &budget).unwrap();
            t.check().unwrap();
            if isa == Isa::Scalar {
                assert_eq!(t, Tuning::default());
            }
        }
    }
}
