//! Executable memory for the baseline tier: large mappings, filled function after
//! function, never writable and executable through the same address.
//!
//! One mapping per chunk (64 KiB first, doubling to 4 MiB), never one per function. On
//! Linux a chunk is a memory file mapped twice: read+write where the compiler copies new
//! code, read+execute where it runs. Installing a function is then a copy, with no
//! system call: code is packed (each function on its own cache lines, so that no line
//! that may already have been fetched for running changes), and no mapping is ever
//! writable and executable. Elsewhere (other Unix hosts) a chunk is one anonymous
//! mapping filled page by page: new code goes to pages after the last ones used, which
//! nothing executes yet, and those pages alone become read+execute after the copy (one
//! `mprotect` per install; the rest of a function's last page goes unused).

use std::io;
use std::ptr::NonNull;

/// Bytes of the first mapping: small, since it is populated at once and a module
/// may compile one small function only.
const FIRST_CHUNK: usize = 64 << 10;
/// Each further mapping is twice the last (more when one install needs more), up to
/// this.
const CHUNK: usize = 4 << 20;
/// Where each function starts, with a dual mapping: a cache line of its own.
const LINE: usize = 64;

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(4096)
}

struct Chunk {
    /// Where the code runs.
    exec: NonNull<u8>,
    /// Where the code is written: the same memory through a second, writable mapping;
    /// `None` for a single mapping whose pages change protection.
    write: Option<NonNull<u8>>,
    len: usize,
    /// Bytes from the start already holding code.
    used: usize,
}

/// Owns every byte of code it handed out; they stay mapped until it is dropped.
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

    /// Copies `code` to memory no code ran from, makes it executable and returns where
    /// it starts.
    pub(crate) fn install(&mut self, code: &[u8]) -> io::Result<*const u8> {
        let dual = self.chunks.last().is_none_or(|c| c.write.is_some());
        let grain = if dual { LINE } else { self.page };
        let len = code.len().max(1).next_multiple_of(grain);
        let fits = |chunk: &Chunk| chunk.len - chunk.used >= len;
        if !self.chunks.last().is_some_and(fits) {
            let next = self
                .chunks
                .last()
                .map_or(FIRST_CHUNK, |last| (last.len * 2).min(CHUNK));
            let size = len.next_multiple_of(self.page).max(next);
            let chunk = match dual_map(size) {
                Ok(chunk) => chunk,
                Err(_) => single_map(size)?,
            };
            self.chunks.push(chunk);
            if self.chunks.last().is_some_and(|c| c.write.is_none()) && dual {
                // The dual mapping failed: page-sized pieces from now on.
                return self.install(code);
            }
        }
        let chunk = self.chunks.last_mut().expect("pushed above");
        // SAFETY: `used + len <= chunk.len`, inside the mapping; these bytes hold no
        // installed code yet.
        let exec = unsafe { chunk.exec.as_ptr().add(chunk.used) };
        match chunk.write {
            Some(write) => {
                // SAFETY: the writable view of the same bytes, with room for `code`.
                let target = unsafe { write.as_ptr().add(chunk.used) };
                // SAFETY: see above; the executable view sees the copy (one memory).
                unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), target, code.len()) };
            }
            None => {
                // SAFETY: these pages are still read+write, with room for `code`.
                unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), exec, code.len()) };
                // SAFETY: a page-aligned range inside the mapping.
                let protected =
                    unsafe { libc::mprotect(exec.cast(), len, libc::PROT_READ | libc::PROT_EXEC) };
                if protected != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        chunk.used += len;
        Ok(exec)
    }

    /// Bytes of code memory handed out.
    #[cfg(test)]
    fn used(&self) -> usize {
        self.chunks.iter().map(|c| c.used).sum()
    }
}

/// A memory file of `len` bytes mapped read+write and read+execute.
#[cfg(target_os = "linux")]
fn dual_map(len: usize) -> io::Result<Chunk> {
    // SAFETY: a fresh anonymous memory file; the name is a NUL-terminated literal.
    let fd = unsafe { libc::memfd_create(c"adead-baseline".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let map = |protection| {
        // SAFETY: a shared mapping of the whole file, which has `len` bytes.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                protection,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                0,
            )
        };
        if at == libc::MAP_FAILED {
            Err(io::Error::last_os_error())
        } else {
            NonNull::new(at.cast::<u8>()).ok_or_else(io::Error::last_os_error)
        }
    };
    let sized = i64::try_from(len)
        .map_err(io::Error::other)
        // SAFETY: the descriptor is the file made above.
        .and_then(|len| match unsafe { libc::ftruncate(fd, len) } {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        });
    let mapped = sized.and_then(|()| {
        let write = map(libc::PROT_READ | libc::PROT_WRITE)?;
        match map(libc::PROT_READ | libc::PROT_EXEC) {
            Ok(exec) => Ok((write, exec)),
            Err(error) => {
                // SAFETY: the mapping just made, of `len` bytes.
                unsafe { libc::munmap(write.as_ptr().cast(), len) };
                Err(error)
            }
        }
    });
    // The mappings keep the file alive.
    // SAFETY: the descriptor is the file made above, closed once.
    unsafe { libc::close(fd) };
    let (write, exec) = mapped?;
    Ok(Chunk {
        exec,
        write: Some(write),
        len,
        used: 0,
    })
}

#[cfg(not(target_os = "linux"))]
fn dual_map(_len: usize) -> io::Result<Chunk> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// An anonymous read+write mapping of `len` bytes whose pages become read+execute as
/// code is installed.
fn single_map(len: usize) -> io::Result<Chunk> {
    // SAFETY: an anonymous private mapping; the kernel picks the address.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let exec = NonNull::new(base.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
    Ok(Chunk {
        exec,
        write: None,
        len,
        used: 0,
    })
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        for chunk in &self.chunks {
            // SAFETY: the mappings were made by `dual_map` or `single_map` with this
            // length; their owner (the VM's module) drops the code only when nothing
            // can run it any more.
            unsafe {
                libc::munmap(chunk.exec.as_ptr().cast(), chunk.len);
                if let Some(write) = chunk.write {
                    libc::munmap(write.as_ptr().cast(), chunk.len);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // mov eax, 42; ret
    const ANSWER: [u8; 6] = [0xB8, 42, 0, 0, 0, 0xC3];

    fn call(code: *const u8) -> u32 {
        // SAFETY: the bytes are a complete function of this signature.
        let f: extern "sysv64" fn() -> u32 = unsafe { std::mem::transmute(code) };
        f()
    }

    #[test]
    fn installed_code_runs_each_function_on_its_own_lines() {
        let mut memory = CodeMemory::new();
        let first = memory.install(&ANSWER).unwrap();
        let second = memory.install(&ANSWER).unwrap();
        assert_eq!(call(first), 42);
        assert_eq!(call(second), 42);
        let apart = second as usize - first as usize;
        assert!(apart == LINE || apart == memory.page, "{apart}");
    }

    #[test]
    fn no_mapping_is_writable_and_executable() {
        let mut memory = CodeMemory::new();
        let code = memory.install(&ANSWER).unwrap();
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                continue;
            };
            let (lo, hi) = range.split_once('-').unwrap();
            let (lo, hi) = (
                usize::from_str_radix(lo, 16).unwrap(),
                usize::from_str_radix(hi, 16).unwrap(),
            );
            if (lo..hi).contains(&(code as usize)) {
                assert!(perms.starts_with("r-x"), "{line}");
            }
            assert!(!perms.starts_with("rwx"), "{line}");
        }
    }

    #[test]
    fn a_large_install_gets_its_own_chunk() {
        let mut memory = CodeMemory::new();
        memory.install(&[0xC3]).unwrap();
        let big = vec![0xC3u8; CHUNK + 1];
        let at = memory.install(&big).unwrap();
        assert!(!at.is_null());
        assert!(memory.used() > CHUNK);
    }

    #[test]
    fn pages_that_change_protection_work_too() {
        let mut memory = CodeMemory {
            chunks: vec![single_map(FIRST_CHUNK).unwrap()],
            page: page_size(),
        };
        let first = memory.install(&ANSWER).unwrap();
        let second = memory.install(&ANSWER).unwrap();
        assert_eq!((call(first), call(second)), (42, 42));
        assert_eq!(second as usize - first as usize, memory.page);
    }
}
