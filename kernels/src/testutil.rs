//! Helpers for the unit tests: ULP error against f64 and sweeps over f32 inputs.

use crate::math::order_key;

/// Inverse of [`order_key`].
fn from_order_key(k: i32) -> f32 {
    f32::from_bits((k ^ (((k >> 31) as u32) >> 1) as i32) as u32)
}

/// About `count` f32 values from `lo` to `hi`, evenly spaced in bit order (so as dense
/// among the tiny values and subnormals as among the large ones).
pub(crate) fn f32_sweep(lo: f32, hi: f32, count: u64) -> impl Iterator<Item = f32> {
    let (a, b) = (order_key(lo) as i64, order_key(hi) as i64);
    let step = ((b - a) as u64 / count.max(1)).max(1) as i64;
    (0..)
        .map(move |i: i64| a + i * step)
        .take_while(move |&k| k <= b)
        .map(|k| from_order_key(k as i32))
}

/// |y - truth| in units in the last place of f32 at `truth` (subnormal ulp below
/// the normal range). Infinite results must match exactly, else the error is infinite.
pub(crate) fn ulp_error(y: f32, truth: f64) -> f64 {
    let rounded = truth as f32;
    if y.is_infinite() || rounded.is_infinite() {
        return if y == rounded { 0.0 } else { f64::INFINITY };
    }
    if y.is_nan() {
        return f64::INFINITY;
    }
    let magnitude = truth.abs();
    let ulp = if magnitude < f32::MIN_POSITIVE as f64 {
        2f64.powi(-149)
    } else {
        2f64.powi(magnitude.log2().floor() as i32 - 23)
    };
    ((y as f64) - truth).abs() / ulp
}

/// Worst ULP error (and where) of `f` against `truth` over every non-NaN f32 that
/// `keep` accepts, on two threads.
pub(crate) fn exhaustive_worst(
    keep: impl Fn(f32) -> bool + Sync,
    f: impl Fn(f32) -> f32 + Sync,
    truth: impl Fn(f64) -> f64 + Sync,
) -> (f64, f32) {
    let halves = [(0u64, 1u64 << 31), (1u64 << 31, 1u64 << 32)];
    std::thread::scope(|s| {
        let handles: Vec<_> = halves
            .iter()
            .map(|&(lo, hi)| {
                let (keep, f, truth) = (&keep, &f, &truth);
                s.spawn(move || {
                    let mut worst = (0.0f64, 0.0f32);
                    for bits in lo..hi {
                        let x = f32::from_bits(bits as u32);
                        if x.is_nan() || !keep(x) {
                            continue;
                        }
                        let e = ulp_error(f(x), truth(x as f64));
                        if e > worst.0 {
                            worst = (e, x);
                        }
                    }
                    worst
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sweep thread"))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
    })
}
