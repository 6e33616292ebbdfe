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
fn assembly_errors_exit_65_with_a_summary_line_then_the_diagnostics() {
    let dir = temp_dir("errors");
    std::fs::write(
        dir.join("bad.asm"),
        ".func main\n    ad r1, r2, r3\n    add r1, r2\n    halt\n.end\n",
    )
    .unwrap();
    let out = run(&dir, &["bad.asm"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "adead-asm: could not assemble `bad.asm` (2 errors)\n\
         bad.asm:2:5: error: unknown mnemonic `ad`\n\
         \x20   2 |     ad r1, r2, r3\n\
         \x20     |     ^^\n\
         \x20     = help: did you mean `add`?\n\
         \n\
         bad.asm:3:15: error: `add` takes 3 operands, found 2\n\
         \x20   3 |     add r1, r2\n\
         \x20     |               ^\n\
         \x20     = help: expected `add rD, rA, rB`\n"
    );
    assert!(!dir.join("bad.bib").exists(), "no output on error");
}

/// Asserts that `out` exited with `code` and reported one line starting `adead-asm: `;
/// returns that line.
fn one_error_line(out: &Output, code: i32) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.starts_with("adead-asm: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
    stderr
}

#[test]
fn unreadable_input_exits_66_and_malformed_input_65_with_one_error_line() {
    let dir = temp_dir("malformed");
    let stderr = one_error_line(&run(&dir, &["missing.asm"]), 66);
    assert!(stderr.contains("cannot read `missing.asm`"), "{stderr}");
    one_error_line(&run(&dir, &["--disasm", "missing.bib"]), 66);

    std::fs::write(dir.join("junk.bib"), b"not a module\0 at all").unwrap();
    let stderr = one_error_line(&run(&dir, &["--disasm", "junk.bib"]), 65);
    assert!(
        stderr.contains("junk.bib") && !stderr.contains("assembly text"),
        "{stderr}"
    );

    // A truncated module.
    copy_example(&dir, "hello.asm");
    assert!(run(&dir, &["hello.asm"]).status.success());
    let bytes = std::fs::read(dir.join("hello.bib")).unwrap();
    std::fs::write(dir.join("cut.bib"), &bytes[..bytes.len() - 3]).unwrap();
    one_error_line(&run(&dir, &["dis", "cut.bib"]), 65);

    // A module given to the assembler by mistake, and a binary file: the first invalid
    // byte's line and column (in bytes) are named.
    let stderr = one_error_line(&run(&dir, &["hello.bib", "-o", "x.bib"]), 65);
    assert!(stderr.contains("use --disasm"), "{stderr}");
    std::fs::write(dir.join("bin.asm"), b".func main\n  \xFF\xFE\x00").unwrap();
    let stderr = one_error_line(&run(&dir, &["bin.asm"]), 65);
    assert_eq!(
        stderr,
        "adead-asm: `bin.asm` is not UTF-8 text: invalid byte 0xff at line 2, column 3\n"
    );

    // A listing named .bib given to the disassembler: bad magic, and what it looks like.
    std::fs::copy(dir.join("hello.asm"), dir.join("listing.bib")).unwrap();
    let stderr = one_error_line(&run(&dir, &["--disasm", "listing.bib"]), 65);
    assert!(
        stderr.contains("bad magic")
            && stderr.contains("it looks like assembly text")
            && stderr.contains("adead-asm listing.bib -o OUT.bib"),
        "{stderr}"
    );

    // Never overwrite the input (a listing that happens to end in .bib): a usage error.
    let stderr = one_error_line(&run(&dir, &["listing.bib"]), 64);
    assert!(stderr.contains("overwrite"), "{stderr}");
}

#[test]
fn usage_errors_exit_64_and_start_like_every_other_error() {
    let dir = temp_dir("usage");
    for args in [
        &[][..],
        &["--bogus", "x.asm"][..],
        &["x.asm", "--mnemonic"][..],
        &["dis"][..],
    ] {
        let out = run(&dir, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(stderr.starts_with("adead-asm: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("error: "), "{args:?}: {stderr}");
    }
    let out = run(&dir, &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--disasm"));
}

#[test]
fn an_output_that_cannot_be_created_exits_73() {
    let dir = temp_dir("cant-create");
    copy_example(&dir, "hello.asm");
    let stderr = one_error_line(&run(&dir, &["hello.asm", "-o", "no/such/dir.bib"]), 73);
    assert!(
        stderr.contains("cannot create `no/such/dir.bib`"),
        "{stderr}"
    );
    assert!(run(&dir, &["hello.asm"]).status.success());
    let stderr = one_error_line(&run(&dir, &["dis", "hello.bib", "-o", "no/dir.asm"]), 73);
    assert!(stderr.contains("cannot create `no/dir.asm`"), "{stderr}");
}

#[test]
#[cfg(target_os = "linux")]
fn a_failed_write_exits_74() {
    // /dev/full opens, and every write to it fails with "no space left on device".
    let dir = temp_dir("write-error");
    copy_example(&dir, "hello.asm");
    let stderr = one_error_line(&run(&dir, &["hello.asm", "-o", "/dev/full"]), 74);
    assert!(stderr.contains("cannot write `/dev/full`"), "{stderr}");
    assert!(run(&dir, &["hello.asm"]).status.success());
    one_error_line(&run(&dir, &["dis", "hello.bib", "-o", "/dev/full"]), 74);
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_adead-asm"))
        .args(["dis", "hello.bib"])
        .current_dir(&dir)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = one_error_line(&out, 74);
    assert!(stderr.contains("cannot write the listing"), "{stderr}");
}

#[test]
fn a_listing_written_to_a_closed_pipe_exits_74() {
    let dir = temp_dir("broken-pipe");
    copy_example(&dir, "fib.asm");
    assert!(run(&dir, &["fib.asm"]).status.success());
    // The pipe's only reader is gone before the process starts: its first write fails
    // with a broken pipe, whatever the timing.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_adead-asm"))
        .args(["--disasm", "fib.bib"])
        .current_dir(&dir)
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = one_error_line(&out, 74);
    assert!(
        stderr.contains("cannot write the listing") && stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// The exit codes `--help` lists are the crate docs' and the README's.
#[test]
fn exit_codes_are_documented_alike_in_help_docs_and_readme() {
    let dir = temp_dir("help");
    let help = text(&run(&dir, &["--help"]).stdout);
    let listed = crate::exit_code_lines(&help);
    let codes: Vec<String> = listed.iter().map(|(code, _)| code.clone()).collect();
    assert_eq!(codes, ["0", "64", "65", "66", "73", "74"], "{help}");
    let docs = include_str!("../../src/main.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(crate::exit_code_lines(&docs), listed, "{docs}");
    let readme = include_str!("../../../README.md");
    assert_eq!(crate::readme_exit_codes(readme, "adead-asm"), codes);
    // `dis --help` lists them too.
    let dis_help = text(&run(&dir, &["dis", "--help"]).stdout);
    assert_eq!(crate::exit_code_lines(&dis_help), listed, "{dis_help}");
}
