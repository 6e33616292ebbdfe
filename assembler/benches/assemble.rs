//! The assembler's throughput and peak memory
//! (`cargo bench -p adead-asm --bench assemble`).
//!
//! Two generated listings of [`INSTRUCTIONS`] instructions each
//! (`benches/support/listing.rs`): `assemble/mnemonic`, functions of mnemonic
//! instructions with labels, branches, calls, immediates, data directives and
//! comments; and `assemble/hex`, the same program as raw hex instruction lines.
//! Criterion reports each in MB/s of listing text (`Throughput::BytesDecimal`).
//!
//! Before timing, each listing is assembled once under a counting global allocator
//! and checked against the module the generator built independently; the bench
//! prints the peak of live heap bytes during `assemble` above what was live before it
//! (the listing itself is allocated before), per instruction:
//!
//! ```text
//! assemble/mnemonic: 1000000 instructions, 29.3 MB of listing:
//!     peak heap 39.5 MB = 39.5 bytes/instruction
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use adead_isa::Module;
use criterion::{Criterion, SamplingMode, Throughput};

#[path = "support/listing.rs"]
mod listing;

/// Instructions in each generated listing.
const INSTRUCTIONS: usize = 1_000_000;

/// The file name the listings are assembled under (it goes into the line table).
const FILE_NAME: &str = "generated.asm";

/// The system allocator, counting the bytes live now and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the same arguments; the counters
// only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller's contract holds.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Count the new block before freeing the old one: a moving `realloc`
            // holds both for a moment.
            grew(new_size);
            shrank(layout.size());
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of live heap bytes while `f` runs, above those live when it starts.
fn peak_above_start<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let result = f();
    (result, PEAK.load(Ordering::Relaxed) - start)
}

/// The listings by name, and the module each must assemble to.
fn listings() -> Vec<(&'static str, String, Module)> {
    let generated = listing::generate(INSTRUCTIONS);
    assert_eq!(generated.instructions, INSTRUCTIONS);
    let mut expected = generated.module;
    expected.debug.source = FILE_NAME.to_string();
    let mut expected_hex = expected.clone();
    expected_hex.debug.lines = generated.hex_lines;
    vec![
        ("mnemonic", generated.mnemonic, expected),
        ("hex", generated.hex, expected_hex),
    ]
}

/// Assembles each listing once, checks the module, and prints the peak heap per
/// instruction.
fn report_memory(listings: &[(&'static str, String, Module)]) {
    for (name, text, expected) in listings {
        let (module, peak) = peak_above_start(|| adead_asm::assemble(text, FILE_NAME));
        let module = module.unwrap_or_else(|d| panic!("{}", d.render(text, FILE_NAME)));
        assert!(module == *expected, "{name}: not the generated module");
        drop(module);
        println!(
            "assemble/{name}: {INSTRUCTIONS} instructions, {:.1} MB of listing:\n    \
             peak heap {:.1} MB = {:.1} bytes/instruction",
            text.len() as f64 / 1e6,
            peak as f64 / 1e6,
            peak as f64 / INSTRUCTIONS as f64,
        );
    }
}

fn throughput(c: &mut Criterion, listings: &[(&'static str, String, Module)]) {
    let mut group = c.benchmark_group("assemble");
    // An iteration takes about a second: a few flat samples are enough.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    for (name, text, _) in listings {
        group.throughput(Throughput::BytesDecimal(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter_with_large_drop(|| {
                adead_asm::assemble(black_box(text), FILE_NAME).expect("assembles")
            });
        });
    }
    group.finish();
}

fn main() {
    let listings = listings();
    report_memory(&listings);
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion, &listings);
    criterion.final_summary();
}
