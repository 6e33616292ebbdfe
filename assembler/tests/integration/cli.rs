//! The `adead-asm` binary: assemble, disassemble, exit codes, and never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("adead-asm-cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_adead-asm"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn copy_example(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(crate::examples_dir().join(name), &to).expect("copy example");
    to
}

#[test]
fn assembles_to_the_default_output_and_to_dash_o() {
    let dir = temp_dir("assemble");
    copy_example(&dir, "hello.asm");
    let out = run(&dir, &["hello.asm"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty() && out.stdout.is_empty());
    let bytes = std::fs::read(dir.join("hello.bib")).expect("hello.bib written");
    let module = adead_isa::format::read(&bytes).expect("a valid module");
    assert_eq!(module.debug.source, "hello.asm");

    let out = run(&dir, &["hello.asm", "-o", "other.bib"]);
    assert!(out.status.success());
    assert_eq!(std::fs::read(dir.join("other.bib")).unwrap(), bytes);
}

#[test]
fn disassembles_in_both_styles_and_round_trips() {
    let dir = temp_dir("disasm");
    copy_example(&dir, "fib.asm");
    assert!(run(&dir, &["fib.asm"]).status.success());
    let original = std::fs::read(dir.join("fib.bib")).unwrap();

    let hex = run(&dir, &["--disasm", "fib.bib"]);
    assert!(hex.status.success());
    let hex = text(&hex.stdout);
    assert!(hex.contains(".func fib params=1 regs=4"), "{hex}");
    assert!(
        hex.contains("    0006: 00020000 00000000 00000002 00000003 00000000  ; add r0, r2, r3"),
        "{hex}"
    );

    let mnemonic = run(&dir, &["dis", "fib.bib", "--mnemonic"]);
    assert!(mnemonic.status.success());
    let mnemonic = text(&mnemonic.stdout);
    assert!(mnemonic.contains("    add r0, r2, r3"), "{mnemonic}");
    assert!(mnemonic.contains("; 0006: 00020000 00000000 00000002 00000003 00000000"));

    for (style, listing) in [("hex", &hex), ("mnemonic", &mnemonic)] {
        let asm = format!("{style}.asm");
        std::fs::write(dir.join(&asm), listing).unwrap();
        let out = run(&dir, &[&asm, "-o", &format!("{style}.bib")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read(dir.join(format!("{style}.bib"))).unwrap(),
            original,
            "{style}"
        );
    }

    // -o writes the listing to a file; the `disasm` alias works too.
    let out = run(&dir, &["disasm", "fib.bib", "-o", "out.asm"]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(dir.join("out.asm")).unwrap(), hex);
}

#[test]
fn assembly_errors_go_to_stderr_with_exit_code_1() {
    let dir = temp_dir("errors");
    std::fs::write(
        dir.join("bad.asm"),
        ".func main\n    ad r1, r2, r3\n    add r1, r2\n    halt\n.end\n",
    )
    .unwrap();
    let out = run(&dir, &["bad.asm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "bad.asm:2:5: error: unknown mnemonic `ad`\n\
         \x20   2 |     ad r1, r2, r3\n\
         \x20     |     ^^\n\
         \x20     = help: did you mean `add`?\n\
         \n\
         bad.asm:3:15: error: `add` takes 3 operands, found 2\n\
         \x20   3 |     add r1, r2\n\
         \x20     |               ^\n\
         \x20     = help: expected `add rD, rA, rB`\n\
         \n\
         error: could not assemble `bad.asm` (2 errors)\n"
    );
    assert!(!dir.join("bad.bib").exists(), "no output on error");
}

#[test]
fn unreadable_or_malformed_input_is_one_error_line() {
    let dir = temp_dir("malformed");
    let one_line = |out: &Output| {
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.lines().count() == 1,
            "{stderr}"
        );
        stderr
    };
    let stderr = one_line(&run(&dir, &["missing.asm"]));
    assert!(stderr.contains("cannot read `missing.asm`"), "{stderr}");
    one_line(&run(&dir, &["--disasm", "missing.bib"]));

    std::fs::write(dir.join("junk.bib"), b"not a module at all").unwrap();
    let stderr = one_line(&run(&dir, &["--disasm", "junk.bib"]));
    assert!(stderr.contains("junk.bib"), "{stderr}");

    // A truncated module.
    copy_example(&dir, "hello.asm");
    assert!(run(&dir, &["hello.asm"]).status.success());
    let bytes = std::fs::read(dir.join("hello.bib")).unwrap();
    std::fs::write(dir.join("cut.bib"), &bytes[..bytes.len() - 3]).unwrap();
    one_line(&run(&dir, &["dis", "cut.bib"]));

    // A module given to the assembler by mistake, and a binary file.
    let stderr = one_line(&run(&dir, &["hello.bib", "-o", "x.bib"]));
    assert!(stderr.contains("use --disasm"), "{stderr}");
    std::fs::write(dir.join("bin.asm"), [0xFF, 0xFE, 0x00]).unwrap();
    let stderr = one_line(&run(&dir, &["bin.asm"]));
    assert!(stderr.contains("not UTF-8"), "{stderr}");

    // Never overwrite the input (a listing that happens to end in .bib).
    std::fs::copy(dir.join("hello.asm"), dir.join("listing.bib")).unwrap();
    let stderr = one_line(&run(&dir, &["listing.bib"]));
    assert!(stderr.contains("overwrite"), "{stderr}");
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = temp_dir("usage");
    for args in [
        &[][..],
        &["--bogus", "x.asm"][..],
        &["x.asm", "--mnemonic"][..],
        &["dis"][..],
    ] {
        let out = run(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = run(&dir, &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--disasm"));
}

#[test]
fn no_verify_assembles_a_module_the_verifier_rejects() {
    let dir = temp_dir("no-verify");
    std::fs::write(dir.join("fall.asm"), ".func main\n    nop\n.end\n").unwrap();
    assert_eq!(run(&dir, &["fall.asm"]).status.code(), Some(1));
    let out = run(&dir, &["--no-verify", "fall.asm"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let module = adead_isa::format::read(&std::fs::read(dir.join("fall.bib")).unwrap()).unwrap();
    assert!(adead_isa::verify(module).is_err());
}
