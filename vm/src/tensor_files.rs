//! Tensors in and out of `adead-vm run` as `.npy` files (numpy's array format, read and
//! written with the `npyz` crate): an argument that names a `.npy` file passes the handle
//! of a new tensor holding its array; `--save-result FILE.npy` writes the tensor whose
//! handle the function returns, and `--print-result` prints it.
//!
//! Arrays must be float32 (either byte order), C order, rank 1 to 4: anything else is
//! refused with a message saying what the file holds (exit 65), and a file that cannot
//! be read exits 66. A file is read whole first and its header's element count is
//! checked against the bytes actually there, so a header cannot make the VM allocate
//! more than the file's size.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use adead_vm::{Instance, Value};
use npyz::WriterBuilder as _;

/// Bad data (`EX_DATAERR`).
const EXIT_DATA: u8 = 65;
/// Unreadable input (`EX_NOINPUT`).
const EXIT_NO_INPUT: u8 = 66;
/// A write failed (`EX_IOERR`).
const EXIT_IO: u8 = 74;

/// An error with the exit code it ends the run with.
#[derive(Debug)]
pub struct TensorFileError {
    /// 65 (bad data), 66 (unreadable file) or 74 (a write failed).
    pub code: u8,
    /// One line saying what went wrong, naming the file.
    pub message: String,
}

impl std::fmt::Display for TensorFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn error(code: u8, message: String) -> TensorFileError {
    TensorFileError { code, message }
}

/// A command-line argument before the instance exists: a register value, or a `.npy`
/// file to make a tensor of.
pub enum Argument {
    /// A value parsed from the text.
    Value(Value),
    /// A `.npy` file.
    Npy(PathBuf),
}

/// Whether `text` names a `.npy` file (by its extension, case-insensitive).
pub fn is_npy(text: &str) -> bool {
    Path::new(text)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// A float32 array read from a `.npy` file: its shape and its elements in C order.
#[derive(Debug, PartialEq)]
pub struct Array {
    /// The dimensions.
    pub shape: Vec<usize>,
    /// The elements, row-major.
    pub data: Vec<f32>,
}

/// Reads an `.npy` header, advancing `payload` to the data. npyz 0.8 multiplies the
/// header's dimensions without checking for overflow, which panics in a debug build
/// (`(10**12, 10**9)`); such a panic is caught (silently: the hook is swapped while the
/// header is read) and reported as a malformed header.
fn read_header(payload: &mut &[u8]) -> io::Result<npyz::NpyHeader> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        npyz::NpyHeader::from_reader(&mut *payload)
    }));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|_| {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "its shape's element count overflows",
        ))
    })
}

/// Reads the float32 array in `bytes` (the contents of `name`).
pub fn parse_npy(bytes: &[u8], name: &str) -> Result<Array, TensorFileError> {
    let bad = |what: String| error(EXIT_DATA, format!("`{name}`: {what}"));
    let mut payload = bytes;
    let header =
        read_header(&mut payload).map_err(|e| bad(format!("not a readable .npy file: {e}")))?;
    // What is left after the header is the data: the element count is checked against it.
    let payload_len = payload.len();
    let npy = npyz::NpyFile::with_header(header, payload);
    let dtype = npy.dtype();
    let type_str = match &dtype {
        npyz::DType::Plain(t) => t.to_string(),
        other => format!("{other:?}"),
    };
    if !matches!(type_str.as_str(), "<f4" | ">f4") {
        return Err(bad(format!(
            "holds {type_str} elements; tensors are float32 (`<f4`): convert with \
             array.astype(numpy.float32)"
        )));
    }
    if npy.order() != npyz::Order::C {
        return Err(bad(
            "is in Fortran order; tensors are row-major: save numpy.ascontiguousarray(array)"
                .into(),
        ));
    }
    let shape: Vec<usize> = npy
        .shape()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<_, _>>()
        .map_err(|_| bad("a dimension does not fit in memory".into()))?;
    if !(1..=4).contains(&shape.len()) {
        return Err(bad(format!(
            "has rank {} (shape {shape:?}); tensors have rank 1 to 4",
            shape.len()
        )));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n.checked_mul(4).is_some_and(|b| b <= payload_len))
        .ok_or_else(|| {
            bad(format!(
                "its header promises {shape:?} float32 elements but the file has only {payload_len} \
                 bytes of data"
            ))
        })?;
    let data: Vec<f32> = npy
        .into_vec()
        .map_err(|e| bad(format!("cannot read its data: {e}")))?;
    if data.len() != count {
        return Err(bad(format!(
            "holds {} elements, not the {count} of its shape {shape:?}",
            data.len()
        )));
    }
    Ok(Array { shape, data })
}

/// Turns the arguments into register values: `.npy` files become new tensors of
/// `instance`, passed by handle.
pub fn resolve(
    arguments: Vec<Argument>,
    instance: &mut Instance,
) -> Result<Vec<Value>, TensorFileError> {
    arguments
        .into_iter()
        .map(|argument| match argument {
            Argument::Value(v) => Ok(v),
            Argument::Npy(path) => {
                let name = path.display().to_string();
                let bytes = std::fs::read(&path)
                    .map_err(|e| error(EXIT_NO_INPUT, format!("cannot read `{name}`: {e}")))?;
                let array = parse_npy(&bytes, &name)?;
                let handle = instance
                    .new_tensor(&array.shape, &array.data)
                    .map_err(|e| error(EXIT_DATA, format!("`{name}`: {e}")))?;
                Ok(Value::I64(handle as i64))
            }
        })
        .collect()
}

/// Writes and prints the tensor whose handle the function returned, as `--save-result`
/// and `--print-result` ask.
pub fn report_result(
    instance: &Instance,
    returned: u64,
    save: Option<&Path>,
    print: bool,
) -> Result<(), TensorFileError> {
    let tensor = instance.tensor(returned).map_err(|e| {
        error(
            EXIT_DATA,
            format!("the function's result is not a tensor handle ({e})"),
        )
    })?;
    if let Some(path) = save {
        write_npy(path, tensor.shape(), tensor.data())?;
    }
    if print {
        let text = render(tensor.shape(), tensor.data());
        io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .and_then(|()| io::stdout().flush())
            .map_err(|e| error(EXIT_IO, format!("cannot print the result: {e}")))?;
    }
    Ok(())
}

/// Writes a float32 `.npy` file.
pub fn write_npy(path: &Path, shape: &[usize], data: &[f32]) -> Result<(), TensorFileError> {
    let name = path.display();
    let failed = |e: io::Error| error(EXIT_IO, format!("cannot write `{name}`: {e}"));
    let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let file = std::fs::File::create(path).map_err(failed)?;
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&dims)
        .writer(io::BufWriter::new(file))
        .begin_nd()
        .map_err(failed)?;
    writer.extend(data.iter().copied()).map_err(failed)?;
    writer.finish().map_err(failed)
}

/// The tensor as text: `shape [2, 3]`, then one line per row of the last dimension,
/// each element as the shortest decimal that reads back to the same f32.
pub fn render(shape: &[usize], data: &[f32]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let mut out = format!("shape [{}]\n", dims.join(", "));
    let row = shape.last().copied().unwrap_or(1).max(1);
    for chunk in data.chunks(row) {
        let values: Vec<String> = chunk.iter().map(|v| format!("{v:?}")).collect();
        let _ = writeln!(out, "{}", values.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, payload: &[u8]) -> Vec<u8> {
        let mut h = header.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((h.len() as u16).to_le_bytes());
        bytes.extend(h.as_bytes());
        bytes.extend(payload);
        bytes
    }

    fn floats(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn reads_what_it_writes() {
        let dir = std::env::temp_dir().join(format!("adead-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.npy");
        write_npy(
            &path,
            &[2, 3],
            &[1.0, -2.5, 3.0, 0.0, f32::MIN_POSITIVE, 7.0],
        )
        .unwrap();
        let array = parse_npy(&std::fs::read(&path).unwrap(), "t.npy").unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(
            array.data,
            vec![1.0, -2.5, 3.0, 0.0, f32::MIN_POSITIVE, 7.0]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_numpy_headers() {
        let bytes = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
            &floats(&[0.5, 2.0]),
        );
        assert_eq!(parse_npy(&bytes, "a").unwrap().data, vec![0.5, 2.0]);
        let big_endian: Vec<u8> = [0.5f32, 2.0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let bytes = npy(
            "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
            &big_endian,
        );
        assert_eq!(parse_npy(&bytes, "a").unwrap().data, vec![0.5, 2.0]);
    }

    #[test]
    fn refuses_what_is_not_a_float32_tensor() {
        let cases = [
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                16,
                "<f8",
            ),
            (
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                8,
                "<i4",
            ),
            (
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                16,
                "Fortran",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                4,
                "rank 0",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 2), }",
                8,
                "rank 5",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000), }",
                8,
                "promises",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                8,
                "promises",
            ),
        ];
        for (header, len, expected) in cases {
            let e = parse_npy(&npy(header, &vec![0; len]), "x.npy").unwrap_err();
            assert_eq!(e.code, 65, "{header}");
            assert!(
                e.message.contains(expected) && e.message.contains("x.npy"),
                "{e}"
            );
        }
        let e = parse_npy(b"\x93NUMPY\x01", "x.npy").unwrap_err();
        assert_eq!(e.code, 65);
        let e = parse_npy(b"hello", "x.npy").unwrap_err();
        assert!(e.message.contains("not a readable .npy file"), "{e}");
    }

    #[test]
    fn renders_rows() {
        assert_eq!(
            render(&[2, 2], &[1.0, 0.5, -3.0, 0.1]),
            "shape [2, 2]\n1.0 0.5\n-3.0 0.1\n"
        );
    }
}
