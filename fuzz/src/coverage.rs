//! Optional coverage feedback on stable Rust, from LLVM's SanitizerCoverage.
//!
//! `rustc -C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=3
//! -C llvm-args=-sanitizer-coverage-inline-8bit-counters` (all stable flags) gives every
//! edge of the compiled code an 8-bit counter that the code itself increments, and
//! calls `__sanitizer_cov_8bit_counters_init(start, end)` once per object file at
//! start-up with that file's counters. The `adead-fuzz` binary defines that function
//! and hands each range to [`register`]; `fuzz/sancov-rustc.sh` (a `RUSTC_WRAPPER`)
//! instruments the crates under test, and only them. In such a build the driver clears
//! the counters before each check ([`reset`]) and turns those hit after it into
//! features ([`features`]: the edge and its hit count bucketed as AFL does), so an input
//! that reaches a new edge, or an edge a new number of times, joins the corpus. In a
//! normal build nothing registers, every function here is a no-op, and the behaviour
//! features the targets report are the only feedback.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most object files whose counters can be registered.
const MAX_REGIONS: usize = 4096;

static REGION_COUNT: AtomicUsize = AtomicUsize::new(0);
static REGIONS: [(AtomicUsize, AtomicUsize); MAX_REGIONS] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; MAX_REGIONS];

/// The bit that sets coverage features apart from the targets' behaviour features.
const COVERAGE_FEATURE: u64 = 1 << 63;

/// Edges ever hit, one flag per counter, made when first needed.
static EVER: Mutex<Vec<bool>> = Mutex::new(Vec::new());

/// Registers the counters `start..end` of one instrumented object file.
///
/// # Safety
///
/// `start..end` must be a range of bytes valid for reads and writes for the rest of the
/// process, as the sanitizer runtime's contract promises for its counter sections.
pub unsafe fn register(start: *mut u8, end: *mut u8) {
    let len = (end as usize).saturating_sub(start as usize);
    if start.is_null() || len == 0 {
        return;
    }
    let index = REGION_COUNT.fetch_add(1, Ordering::AcqRel);
    if index < MAX_REGIONS {
        REGIONS[index].0.store(start as usize, Ordering::Release);
        REGIONS[index].1.store(len, Ordering::Release);
    }
}

/// Every registered counter region: its start and length.
fn regions() -> impl Iterator<Item = (*mut u8, usize)> {
    let count = REGION_COUNT.load(Ordering::Acquire).min(MAX_REGIONS);
    REGIONS[..count].iter().filter_map(|(start, len)| {
        let start = start.load(Ordering::Acquire) as *mut u8;
        (!start.is_null()).then(|| (start, len.load(Ordering::Acquire)))
    })
}

/// True if any instrumented code registered counters.
pub fn instrumented() -> bool {
    REGION_COUNT.load(Ordering::Acquire) > 0
}

/// Clears every counter (before a check).
pub fn reset() {
    for (start, len) in regions() {
        // SAFETY: `register`'s contract: the range is valid for writes.
        unsafe { std::ptr::write_bytes(start, 0, len) };
    }
}

/// AFL's buckets of a hit count: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128-255.
fn bucket(count: u8) -> u64 {
    match count {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4..=7 => 4,
        8..=15 => 5,
        16..=31 => 6,
        32..=127 => 7,
        _ => 8,
    }
}

/// Appends a feature per counter hit since [`reset`] (its global index and bucket), and
/// remembers the edges ever hit.
pub fn features(out: &mut Vec<u64>) {
    if !instrumented() {
        return;
    }
    let mut ever = EVER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut base = 0usize;
    for (start, len) in regions() {
        // SAFETY: `register`'s contract: the range is valid for reads. Instrumented code
        // on other threads (kernel workers) may bump counters meanwhile, as under
        // libFuzzer; a count read mid-update only perturbs the feedback.
        let region = unsafe { std::slice::from_raw_parts(start as *const u8, len) };
        if ever.len() < base + region.len() {
            ever.resize(base + region.len(), false);
        }
        // Counters are mostly zero: skip eight at a time.
        let mut chunks = region.chunks_exact(8);
        let mut at = base;
        for chunk in &mut chunks {
            let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
            if word != 0 {
                for (i, &count) in chunk.iter().enumerate() {
                    if count != 0 {
                        out.push(COVERAGE_FEATURE | (((at + i) as u64) << 4) | bucket(count));
                        ever[at + i] = true;
                    }
                }
            }
            at += 8;
        }
        for (i, &count) in chunks.remainder().iter().enumerate() {
            if count != 0 {
                out.push(COVERAGE_FEATURE | (((at + i) as u64) << 4) | bucket(count));
                ever[at + i] = true;
            }
        }
        base += region.len();
    }
}

/// Edges ever hit and edges instrumented, in an instrumented build.
pub fn counters() -> Option<(usize, usize)> {
    if !instrumented() {
        return None;
    }
    let total = regions().map(|(_, len)| len).sum();
    let ever = EVER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Some((ever.iter().filter(|&&hit| hit).count(), total))
}
