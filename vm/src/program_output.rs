//! Where `adead-vm run` sends the program's output (used by the binary, `main.rs`):
//! standard output behind the same 64 KiB buffer as [`stdio::Output::stdout`], which
//! remembers the first write that failed.
//!
//! A failed write (a closed pipe, a full disk) makes the print function that wrote trap
//! with a host error, or the final flush fail. Either way the output is incomplete, and
//! the exit code must say so (74), whatever the program did; the record below is how
//! the binary knows, since the trap alone does not say that a write caused it.

use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex, PoisonError};

use adead_vm::stdio;

/// The program's output and the first error writing it.
pub struct ProgramOutput {
    output: stdio::Output,
    error: Arc<Mutex<Option<String>>>,
}

/// A writer that records its first error in `error` (and still returns every error).
struct Recording<W> {
    inner: W,
    error: Arc<Mutex<Option<String>>>,
}

impl<W> Recording<W> {
    fn record<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(error) = &result {
            let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
            first.get_or_insert_with(|| error.to_string());
        }
        result
    }
}

impl<W: Write> Write for Recording<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.record(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.record(result)
    }
}

impl ProgramOutput {
    /// Standard output, buffered.
    pub fn stdout() -> ProgramOutput {
        ProgramOutput::to(io::stdout())
    }

    /// Standard error, buffered the same way (`analyze --json` keeps standard output
    /// for the report).
    pub fn stderr() -> ProgramOutput {
        ProgramOutput::to(io::stderr())
    }

    fn to(inner: impl Write + Send + 'static) -> ProgramOutput {
        let error = Arc::default();
        let writer = Recording {
            inner,
            error: Arc::clone(&error),
        };
        ProgramOutput {
            output: stdio::Output::new(BufWriter::with_capacity(64 * 1024, writer)),
            error,
        }
    }

    /// The sink the print functions write to.
    pub fn output(&self) -> &stdio::Output {
        &self.output
    }

    /// Writes out what is buffered; the first write that failed, during the run or now,
    /// if one did.
    pub fn finish(&self) -> Option<String> {
        let flushed = self.output.flush();
        let recorded = self
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        recorded.or_else(|| flushed.err().map(|e| e.to_string()))
    }
}
