//! A reusable, 64-byte aligned scratch buffer for packed B panels.
//!
//! Each thread keeps its buffer between calls (a fresh megabyte per call would cost
//! page faults on every product). A buffer already in use on this thread (a nested
//! call) is not shared: the caller gets a temporary one instead.

use std::cell::RefCell;
use std::thread::LocalKey;

/// One cache line of floats; the alignment makes packed panels start on a line.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([f32; 16]);

/// A growable buffer of f32 whose start is 64-byte aligned.
#[derive(Default)]
pub(crate) struct AlignedBuf {
    lines: Vec<Line>,
}

impl AlignedBuf {
    /// The first `len` floats, growing the buffer if needed (contents unspecified).
    pub fn slice_mut(&mut self, len: usize) -> &mut [f32] {
        let lines = len.div_ceil(16);
        if self.lines.len() < lines {
            self.lines.resize(lines, Line([0.0; 16]));
        }
        // SAFETY: `Line` is `repr(C)` around `[f32; 16]` (64 bytes, alignment 64, so no
        // padding): `lines` is a contiguous run of at least `len` initialised f32, and
        // the returned borrow keeps `self` mutably borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<f32>(), len) }
    }
}

thread_local! {
    /// Packed panels of B (per thread that drives a product).
    pub(crate) static PACK_B: RefCell<AlignedBuf> = RefCell::new(AlignedBuf::default());
}

/// Runs `f` with `len` aligned floats from this thread's buffer `slot`.
pub(crate) fn with_scratch<R>(
    slot: &'static LocalKey<RefCell<AlignedBuf>>,
    len: usize,
    f: impl FnOnce(&mut [f32]) -> R,
) -> R {
    slot.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => f(buf.slice_mut(len)),
        Err(_) => f(AlignedBuf::default().slice_mut(len)),
    })
}
