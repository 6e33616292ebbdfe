//! A counting global allocator: how much one call allocates, on its own thread.
//!
//! The reader target must prove that `format::read` allocates no more than a bound
//! proportional to its input, whatever counts and lengths the file claims. A binary
//! (or test) installs [`Counting`] as its global allocator; [`measure`] then runs a
//! closure and returns, besides its result, the largest single allocation and the total
//! bytes requested on the calling thread while it ran. Only the measuring thread's
//! requests count (thread-local counters), so other threads do not disturb a
//! measurement, and the counters are plain `Cell`s with constant initialisers: they
//! never allocate and need no destructor, which a global allocator requires.
//!
//! ```
//! // In a binary: #[global_allocator] static ALLOC: adead_fuzz::alloc::Counting = adead_fuzz::alloc::Counting;
//! let (value, usage) = adead_fuzz::alloc::measure(|| vec![0u8; 1000].len());
//! assert_eq!(value, 1000);
//! // Without the counting allocator installed (as in this doc test) nothing is counted.
//! assert_eq!(usage.installed, adead_fuzz::alloc::installed());
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;

/// The system allocator, counting each request of a thread inside [`measure`].
pub struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static REQUESTS: Cell<u64> = const { Cell::new(0) };
}

fn record(size: usize) {
    // `try_with`: during thread teardown the counters may be gone; nothing is measured then.
    let active = ACTIVE.try_with(Cell::get).unwrap_or(false);
    if active {
        let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
        let _ = TOTAL.try_with(|total| total.set(total.get().saturating_add(size)));
        let _ = REQUESTS.try_with(|requests| requests.set(requests.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// bookkeeping touches only thread-local `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A grown block counts as a new allocation of its new size.
        record(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which is System's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, which is System's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// What one [`measure`]d call allocated on its thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// The largest single request, in bytes (a `realloc` counts with its new size).
    pub largest: usize,
    /// Every request's size, summed.
    pub total: usize,
    /// Requests made.
    pub requests: u64,
    /// Whether [`Counting`] is the global allocator (else everything is zero).
    pub installed: bool,
}

/// Runs `f` and returns its result with what it allocated on this thread. Nested
/// measurements are not supported: the inner one resets the counters.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    // Stops counting even if `f` panics, so a caught panic leaves no thread counting.
    struct Stop;
    impl Drop for Stop {
        fn drop(&mut self) {
            ACTIVE.with(|active| active.set(false));
        }
    }
    LARGEST.with(|largest| largest.set(0));
    TOTAL.with(|total| total.set(0));
    REQUESTS.with(|requests| requests.set(0));
    ACTIVE.with(|active| active.set(true));
    let stop = Stop;
    let value = f();
    drop(stop);
    let usage = Usage {
        largest: LARGEST.with(Cell::get),
        total: TOTAL.with(Cell::get),
        requests: REQUESTS.with(Cell::get),
        installed: installed(),
    };
    (value, usage)
}

/// True if [`Counting`] is this process's global allocator: a measured allocation of a
/// known size was seen (probed once, on the first call).
pub fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        LARGEST.with(|largest| largest.set(0));
        ACTIVE.with(|active| active.set(true));
        let block = std::hint::black_box(Vec::<u8>::with_capacity(4097));
        ACTIVE.with(|active| active.set(false));
        drop(block);
        LARGEST.with(Cell::get) >= 4097
    })
}
