//! `adead-vm run` with `.npy` tensor arguments, `--save-result` and `--print-result`:
//! arrays in and out by file, and every bad file refused with its exit code (65 for
//! bad data, 66 for an unreadable file, 74 for a failed write), never a panic.
//!
//! The `.npy` files here are written and read by hand (the format's version 1.0
//! header, little-endian float32), independently of the `npyz` crate the VM uses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `scale2(t)`: the tensor 2 * t (a new tensor); `sum2(a, b)`: a + b; `seven()`: 7.
const PROGRAM: &str = "
.func scale2 params=1 regs=4
    movi r1, 1
    tnew r2, r1, 1
    fmovi.f32 r3, 2.0
    tscale r2, r0, r3
    ret r2
.end
.func sum2 params=2 regs=4
    movi r2, 1
    tnew r3, r2, 1
    tadd r3, r0, r1
    ret r3
.end
.func seven params=0 regs=1
    movi r0, 7
    ret r0
.end
.export scale2
.export sum2
.export seven
";

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("adead-npy-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prog.asm"), PROGRAM).unwrap();
        Dir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A version 1.0 `.npy` file: magic, version, header length, the header padded to 64
/// bytes with a newline, then the payload.
fn npy(descr: &str, shape: &str, payload: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(payload);
    bytes
}

fn f32_npy(shape: &str, values: &[f32]) -> Vec<u8> {
    npy(
        "<f4",
        shape,
        &values
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<_>>(),
    )
}

/// Reads a float32 `.npy` file: (the header's text, the elements).
fn read_npy(path: &Path) -> (String, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
    };
    let header = String::from_utf8(bytes[start..start + len].to_vec()).unwrap();
    let data = bytes[start + len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    (header, data)
}

fn run(dir: &Dir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adead-vm"))
        .arg("run")
        .arg(dir.path("prog.asm"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_npy_argument_goes_in_and_the_result_comes_out_as_npy() {
    let dir = Dir::new("roundtrip");
    let input = dir.path("x.npy");
    std::fs::write(
        &input,
        f32_npy("(2, 3)", &[1.0, -2.5, 0.25, 3.0, 1e-3, -0.0]),
    )
    .unwrap();
    let output = dir.path("y.npy");
    let out = run(
        &dir,
        &[
            "--invoke",
            "scale2",
            input.to_str().unwrap(),
            "--save-result",
            output.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (header, data) = read_npy(&output);
    assert!(
        header.contains("'<f4'") && header.contains("(2, 3"),
        "{header}"
    );
    // 2x is exact in f32.
    assert_eq!(data, vec![2.0, -5.0, 0.5, 6.0, 2e-3, -0.0]);
}

#[test]
fn two_npy_arguments_and_a_printed_result() {
    let dir = Dir::new("print");
    let (a, b) = (dir.path("a.npy"), dir.path("b.npy"));
    std::fs::write(&a, f32_npy("(2, 2)", &[1.0, 2.0, 3.0, 4.0])).unwrap();
    std::fs::write(&b, f32_npy("(2,)", &[0.5, -1.0])).unwrap();
    let out = run(
        &dir,
        &[
            "--invoke",
            "sum2",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--print-result",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "shape [2, 2]\n1.5 1.0\n3.5 3.0\n"
    );
}

#[test]
fn bad_files_are_refused_with_their_exit_codes() {
    let dir = Dir::new("bad");
    let cases: [(&str, Vec<u8>, i32, &str); 6] = [
        (
            "f64.npy",
            npy("<f8", "(2,)", &[0; 16]),
            65,
            "holds <f8 elements",
        ),
        (
            "int.npy",
            npy("<i8", "(2,)", &[0; 16]),
            65,
            "holds <i8 elements",
        ),
        ("short.npy", f32_npy("(4, 4)", &[1.0; 3]), 65, "promises"),
        (
            "huge.npy",
            f32_npy("(1000000000000, 1000000000)", &[1.0; 3]),
            65,
            "huge.npy",
        ),
        (
            "rank5.npy",
            f32_npy("(1, 1, 1, 1, 2)", &[1.0; 2]),
            65,
            "rank 5",
        ),
        (
            "text.npy",
            b"not numpy at all".to_vec(),
            65,
            "not a readable .npy file",
        ),
    ];
    for (name, bytes, code, message) in cases {
        let path = dir.path(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(&dir, &["--invoke", "scale2", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{name}: {err}");
        assert!(
            err.starts_with("adead-vm: ") && err.contains(message) && err.contains(name),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let missing = dir.path("missing.npy");
    let out = run(&dir, &["--invoke", "scale2", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot read"));
}

#[test]
fn a_result_that_is_not_a_tensor_or_cannot_be_written_is_an_error() {
    let dir = Dir::new("result");
    let out = run(&dir, &["--invoke", "seven", "--print-result"]);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a tensor handle"),
        "{}",
        stderr(&out)
    );
    let input = dir.path("x.npy");
    std::fs::write(&input, f32_npy("(1,)", &[1.0])).unwrap();
    let unwritable = dir.path("no/such/dir/y.npy");
    let out = run(
        &dir,
        &[
            "--invoke",
            "scale2",
            input.to_str().unwrap(),
            "--save-result",
            unwritable.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(74), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
}
