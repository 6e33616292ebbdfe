//! The standard host functions the `adead-vm` CLI provides, also usable by embedders:
//! printing integers, floats and strings into a buffered [`Output`].
//!
//! | name | parameters | prints |
//! | --- | --- | --- |
//! | `print_i64` | i64 | the integer in decimal, then a newline |
//! | `print_u64` | i64 | the bits as an unsigned decimal, then a newline |
//! | `print_f64` | f64 | the shortest text that reads back to the same f64 (`0.1`, `1e300`, `-0.0`, `inf`, `NaN`), then a newline |
//! | `print_f32` | f32 | likewise for f32 |
//! | `print_fixed` | f64, i64 digits | the f64 rounded to `digits` (0..=40) decimals, then a newline |
//! | `print_str` | i64 address, i64 length | the bytes of linear memory at that range, as they are |
//! | `print_char` | i64 code point | the character in UTF-8 |
//!
//! A range outside memory, an invalid code point, a bad digit count or a failed write
//! is a host error, which traps the run with a message.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::host::{HostError, HostFunc, Imports, Signature};
use crate::value::{ValType, Value};

/// A shared, buffered output sink for the print functions. Clones share one buffer.
#[derive(Clone)]
pub struct Output {
    sink: Arc<Mutex<Box<dyn Write + Send>>>,
}

/// The bytes written to an [`Output::capture`] sink.
#[derive(Clone, Default)]
pub struct Captured {
    bytes: Arc<Mutex<Vec<u8>>>,
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while printing cannot leave the buffer inconsistent: keep using it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Output {
    /// Standard output behind a 64 KiB buffer; call [`Output::flush`] at the end.
    pub fn stdout() -> Output {
        Output::new(BufWriter::with_capacity(64 * 1024, io::stdout()))
    }

    /// Any writer.
    pub fn new(writer: impl Write + Send + 'static) -> Output {
        Output {
            sink: Arc::new(Mutex::new(Box::new(writer))),
        }
    }

    /// An in-memory sink, and the handle that reads what was printed.
    pub fn capture() -> (Output, Captured) {
        let captured = Captured::default();
        (Output::new(CaptureWriter(captured.bytes.clone())), captured)
    }

    /// Writes out everything buffered.
    pub fn flush(&self) -> io::Result<()> {
        lock(&self.sink).flush()
    }

    fn write(&self, bytes: &[u8]) -> Result<Option<Value>, HostError> {
        lock(&self.sink)
            .write_all(bytes)
            .map_err(|e| HostError(format!("cannot write output: {e}")))?;
        Ok(None)
    }
}

impl Captured {
    /// Everything printed so far.
    pub fn bytes(&self) -> Vec<u8> {
        lock(&self.bytes).clone()
    }

    /// Everything printed so far, as (lossy) UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.bytes)).into_owned()
    }
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// The standard print functions, all writing to `output`.
pub fn imports(output: &Output) -> Imports {
    use ValType::{F32, F64, I64};
    let mut imports = Imports::new();
    let print = |params: &[ValType], render: fn(&[Value]) -> Result<String, HostError>| {
        let output = output.clone();
        HostFunc::new(Signature::new(params, None), move |_, args| {
            output.write(render(args)?.as_bytes())
        })
    };
    imports.define(
        "print_i64",
        print(&[I64], |args| Ok(format!("{}\n", int(&args[0])))),
    );
    imports.define(
        "print_u64",
        print(&[I64], |args| Ok(format!("{}\n", int(&args[0]) as u64))),
    );
    imports.define(
        "print_f64",
        print(&[F64], |args| match args[0] {
            Value::F64(x) => Ok(format!("{x:?}\n")),
            other => Err(HostError(format!("print_f64 got {other:?}"))),
        }),
    );
    imports.define(
        "print_f32",
        print(&[F32], |args| match args[0] {
            Value::F32(x) => Ok(format!("{x:?}\n")),
            other => Err(HostError(format!("print_f32 got {other:?}"))),
        }),
    );
    imports.define(
        "print_fixed",
        print(&[F64, I64], |args| {
            let digits = int(&args[1]);
            match (args[0], usize::try_from(digits)) {
                (Value::F64(x), Ok(digits @ 0..=40)) => {
                    let mut text = String::new();
                    let _ = writeln!(text, "{x:.digits$}");
                    Ok(text)
                }
                _ => Err(HostError(format!(
                    "print_fixed: digit count {digits} is outside 0..=40"
                ))),
            }
        }),
    );
    imports.define(
        "print_char",
        print(&[I64], |args| {
            let code = int(&args[0]);
            u32::try_from(code)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .ok_or_else(|| {
                    HostError(format!("print_char: {code} is not a Unicode scalar value"))
                })
        }),
    );
    let out = output.clone();
    imports.define(
        "print_str",
        HostFunc::new(Signature::new(&[I64, I64], None), move |caller, args| {
            let (addr, len) = (int(&args[0]), int(&args[1]));
            if addr < 0 || len < 0 {
                return Err(HostError(format!(
                    "print_str: negative address or length ({addr}, {len})"
                )));
            }
            let bytes = caller.read(addr as u64, len as u64)?;
            out.write(bytes)
        }),
    );
    imports
}
