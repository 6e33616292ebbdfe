//! Executable memory for the baseline tier: large mappings filled page by page.
//!
//! One `mmap` per chunk (64 KiB first, doubling to 4 MiB), never one per function: new code goes to
//! pages after the last ones used, which are still writable and which nothing executes
//! yet; once the code is copied there, those pages (and only they) become read+execute.
//! No page is ever writable and executable at once, and no page that may be running on
//! another thread is ever made writable again. The price is the rest of a function's
//! last page, which the next function does not share.

use std::io;
use std::ptr::NonNull;

/// Bytes of the first mapping: small, since it is populated at once and a module
/// may compile one small function only.
const FIRST_CHUNK: usize = 64 << 10;
/// Each further mapping is twice the last (more when one install needs more), up to
/// this.
const CHUNK: usize = 4 << 20;

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(4096)
}

struct Chunk {
    base: NonNull<u8>,
    len: usize,
    /// Bytes from `base` already holding code (a multiple of the page size).
    used: usize,
}

/// Owns every page of code it handed out; they stay mapped until it is dropped.
pub(crate) struct CodeMemory {
    chunks: Vec<Chunk>,
    page: usize,
}

// SAFETY: the chunks are plain memory owned by this value; nothing in them is tied to a
// thread.
unsafe impl Send for CodeMemory {}

impl CodeMemory {
    pub(crate) fn new() -> CodeMemory {
        CodeMemory {
            chunks: Vec::new(),
            page: page_size(),
        }
    }

    /// Copies `code` to fresh pages, makes them executable and returns where it starts.
    pub(crate) fn install(&mut self, code: &[u8]) -> io::Result<*const u8> {
        let len = code.len().max(1).next_multiple_of(self.page);
        let fits = |chunk: &Chunk| chunk.len - chunk.used >= len;
        if !self.chunks.last().is_some_and(fits) {
            let next = self
                .chunks
                .last()
                .map_or(FIRST_CHUNK, |last| (last.len * 2).min(CHUNK));
            self.chunks.push(Self::map(len.max(next))?);
        }
        let chunk = self.chunks.last_mut().expect("pushed above");
        // SAFETY: `used + len <= chunk.len`, inside the mapping; these pages are still
        // read+write and not yet part of any installed code.
        let start = unsafe { chunk.base.as_ptr().add(chunk.used) };
        // SAFETY: `start` has room for `len >= code.len()` bytes (see above).
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), start, code.len()) };
        // SAFETY: page-aligned range inside the mapping.
        let protected =
            unsafe { libc::mprotect(start.cast(), len, libc::PROT_READ | libc::PROT_EXEC) };
        if protected != 0 {
            return Err(io::Error::last_os_error());
        }
        chunk.used += len;
        Ok(start)
    }

    /// Bytes of code pages handed out.
    pub(crate) fn used(&self) -> usize {
        self.chunks.iter().map(|c| c.used).sum()
    }

    fn map(len: usize) -> io::Result<Chunk> {
        // SAFETY: an anonymous private mapping; the kernel picks the address.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                // Populated at once: one kernel call instead of a page fault for each
                // page the first code written there touches.
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(base.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        Ok(Chunk { base, len, used: 0 })
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        for chunk in &self.chunks {
            // SAFETY: the mapping was made by `map` with this length; its owner (the
            // VM's module) drops the code only when nothing can run it any more.
            unsafe { libc::munmap(chunk.base.as_ptr().cast(), chunk.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_code_runs_and_pages_are_not_shared() {
        let mut memory = CodeMemory::new();
        // mov eax, 42; ret
        let answer = [0xB8, 42, 0, 0, 0, 0xC3];
        let first = memory.install(&answer).unwrap();
        let second = memory.install(&answer).unwrap();
        assert_eq!((second as usize - first as usize) % memory.page, 0);
        assert_ne!(first, second);
        // SAFETY: the bytes are a complete function of this signature.
        let f: extern "sysv64" fn() -> u32 = unsafe { std::mem::transmute(second) };
        assert_eq!(f(), 42);
        assert_eq!(memory.used(), 2 * memory.page);
    }

    #[test]
    fn a_large_install_gets_its_own_chunk() {
        let mut memory = CodeMemory::new();
        let big = vec![0xC3u8; CHUNK + 1];
        memory.install(&[0xC3]).unwrap();
        let at = memory.install(&big).unwrap();
        assert!(!at.is_null());
        assert!(memory.used() > CHUNK);
    }
}
