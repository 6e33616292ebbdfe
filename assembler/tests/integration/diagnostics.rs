//! Diagnostics: message, position, help and the rendered block for each kind of error.

use adead_asm::{Diagnostic, Diagnostics, assemble};

fn errors(source: &str) -> Diagnostics {
    match assemble(source, "prog.asm") {
        Ok(module) => panic!("expected errors, got {module:?}"),
        Err(d) => d,
    }
}

/// The single error of `source`.
fn error(source: &str) -> Diagnostic {
    let d = errors(source);
    assert_eq!(
        d.len(),
        1,
        "expected one error:\n{}",
        d.render(source, "prog.asm")
    );
    d.iter().next().cloned().expect("one error")
}

/// `body` inside `.func main regs=16` (body lines start at line 2), ending in `halt`.
fn in_main(body: &str) -> String {
    format!(".func main regs=16\n{body}\n    halt\n.end\n")
}

fn at(d: &Diagnostic) -> (usize, usize, usize) {
    (d.line, d.column, d.len)
}

#[test]
fn unknown_mnemonic_suggests_the_nearest() {
    let source = "; a program\n.func main\n    ad r1, r2, r3\n    halt\n.end\n";
    let d = error(source);
    assert_eq!(d.message, "unknown mnemonic `ad`");
    assert_eq!(d.help.as_deref(), Some("did you mean `add`?"));
    assert_eq!(at(&d), (3, 5, 2));
    assert_eq!(
        errors(source).render(source, "prog.asm"),
        "prog.asm:3:5: error: unknown mnemonic `ad`\n\
         \x20   3 |     ad r1, r2, r3\n\
         \x20     |     ^^\n\
         \x20     = help: did you mean `add`?\n"
    );
    let d = error(&in_main("    fmovi.f23 r1, 1.0"));
    assert_eq!(d.help.as_deref(), Some("did you mean `fmovi.f32`?"));
    // Nothing near: no suggestion.
    assert_eq!(error(&in_main("    frobnicate_everything r1")).help, None);
}

#[test]
fn wrong_operand_count_points_where_the_operand_is_missing_or_extra() {
    let source = in_main("    add r1, r2");
    let d = error(&source);
    assert_eq!(d.message, "`add` takes 3 operands, found 2");
    assert_eq!(d.help.as_deref(), Some("expected `add rD, rA, rB`"));
    assert_eq!(at(&d), (2, 15, 1));
    assert_eq!(
        errors(&source).render(&source, "prog.asm"),
        "prog.asm:2:15: error: `add` takes 3 operands, found 2\n\
         \x20   2 |     add r1, r2\n\
         \x20     |               ^\n\
         \x20     = help: expected `add rD, rA, rB`\n"
    );
    let d = error(&in_main("    add r1, r2, r3, r4, r5"));
    assert_eq!(d.message, "`add` takes 3 operands, found 5");
    assert_eq!(
        at(&d),
        (2, symbol_column("    add r1, r2, r3, r4, r5", "r4"), 6)
    );
    // An overloaded mnemonic lists every form.
    let d = error(&in_main("    halt r1, r2"));
    assert_eq!(d.message, "`halt` takes 0 or 1 operands, found 2");
    assert_eq!(d.help.as_deref(), Some("expected `halt rA` or `halt`"));
}

fn symbol_column(line: &str, symbol: &str) -> usize {
    line.find(symbol).unwrap() + 1
}

#[test]
fn wrong_operand_kind_names_what_was_expected() {
    let d = error(&in_main("    add r1, r2, 5"));
    assert_eq!(
        d.message,
        "expected a register as operand 3 of `add`, found `5`"
    );
    assert_eq!(at(&d), (2, 17, 1));
    let d = error(&in_main("    movi r1, r2"));
    assert_eq!(
        d.message,
        "expected an integer or a data symbol `@name` as operand 2 of `movi`, found `r2`"
    );
    let d = error(&in_main("    jmp 3"));
    assert_eq!(
        d.message,
        "expected a label as operand 1 of `jmp`, found `3`"
    );
}

#[test]
fn bad_register() {
    let d = error(&in_main("    add r1, r2, r300"));
    assert_eq!(
        d.message,
        "register `r300` is out of range (registers are r0..r255)"
    );
    assert_eq!(at(&d), (2, 17, 4));
    let d = error(&in_main("    add r16, r1, r2"));
    assert_eq!(
        d.message,
        "register r16 is outside the frame of 16 registers"
    );
    assert_eq!(d.help.as_deref(), Some("`regs=16` gives r0..r15"));
    assert_eq!(at(&d), (2, 9, 3));
    // The call's range runs past the frame: reported at the count (the verifier reports
    // the first broken rule of each instruction).
    let d = errors(&in_main("    call r1, main, r14, 3"));
    let found: Vec<_> = d.iter().map(|d| (d.message.as_str(), d.column)).collect();
    assert_eq!(
        found,
        [(
            "registers r14.. (3 of them) run past the frame of 16 registers",
            25
        )]
    );
}

#[test]
fn unknown_label_function_symbol_and_shader() {
    let source = in_main("loop:\n    blt r1, r2, lop");
    let d = error(&source);
    assert_eq!(d.message, "unknown label `lop` in function `main`");
    assert_eq!(d.help.as_deref(), Some("did you mean `loop`?"));
    assert_eq!(at(&d), (3, 17, 3));
    assert_eq!(
        errors(&source).render(&source, "prog.asm"),
        "prog.asm:3:17: error: unknown label `lop` in function `main`\n\
         \x20   3 |     blt r1, r2, lop\n\
         \x20     |                 ^^^\n\
         \x20     = help: did you mean `loop`?\n"
    );
    let d = error(&in_main("    call r1, mian, r0, 0"));
    assert_eq!(d.message, "unknown function `mian`");
    assert_eq!(d.help.as_deref(), Some("did you mean `main`?"));
    let d = error(&in_main("    movi r1, @msg"));
    assert_eq!(d.message, "unknown data symbol `@msg`");
    assert_eq!(at(&d), (2, 14, 4));
    let d = error(&in_main("    vk.compute r1, k"));
    assert_eq!(d.message, "unknown shader `k`");
    // Labels are local to their function.
    let source = ".func a\nx:\n    ret r0\n.end\n.func main\n    jmp x\n.end\n";
    assert_eq!(
        error(source).message,
        "unknown label `x` in function `main`"
    );
}

#[test]
fn bad_hex_word() {
    let line = "    00020000 00000003 0000000G 00000002 00000000";
    let source = in_main(line);
    let d = error(&source);
    assert_eq!(
        d.message,
        "invalid hex word `0000000G`: expected 8 hex digits"
    );
    assert_eq!(at(&d), (2, 23, 8));
    let d = error(&in_main("    00020000 00000003 0001 00000002 00000000"));
    assert_eq!(d.message, "invalid hex word `0001`: expected 8 hex digits");
    let d = error(&in_main("    00020000 00000003 00000001 00000002"));
    assert_eq!(
        d.message,
        "a hex instruction has 5 words (op a b c d), found 4"
    );
}

#[test]
fn hex_lines_that_do_not_decode() {
    let d = error(&in_main("    DEADBEEF 00000000 00000000 00000000 00000000"));
    assert_eq!(
        d.message,
        "invalid instruction: unknown opcode word 0xdeadbeef"
    );
    assert_eq!(at(&d), (2, 5, 8));
    let source = in_main("    000000FF 00000000 00000007 00000000 00000000");
    let d = error(&source);
    assert_eq!(
        d.message,
        "invalid instruction: `halt` does not use operand word 1, which must be 0 but is 0x00000007"
    );
    assert_eq!(at(&d), (2, 23, 8));
    assert_eq!(
        errors(&source).render(&source, "prog.asm"),
        "prog.asm:2:23: error: invalid instruction: `halt` does not use operand word 1, which must be 0 but is 0x00000007\n\
         \x20   2 |     000000FF 00000000 00000007 00000000 00000000\n\
         \x20     |                       ^^^^^^^^\n"
    );
    let d = error(&in_main("    00020000 00000100 00000001 00000002 00000000"));
    assert!(d.message.contains("register 256"), "{}", d.message);
    assert_eq!(at(&d), (2, 14, 8));
}

#[test]
fn hex_address_must_match_the_index() {
    let source = in_main(
        "    0000: 00020000 00000003 00000001 00000002 00000000\n    0002: 00020000 00000003 00000001 00000002 00000000",
    );
    let d = error(&source);
    assert_eq!(
        d.message,
        "address 0002 does not match this instruction's index 0001 in function `main`"
    );
    assert_eq!(at(&d), (3, 5, 4));
    // Hex operand indices must name what the listing declares.
    let d = error(&in_main("    00000020 00000001 00000005 00000000 00000000"));
    assert_eq!(
        d.message,
        "function index 5 does not exist (the module has 1 functions)"
    );
    assert_eq!(at(&d), (2, 23, 8));
}

#[test]
fn immediate_out_of_range() {
    let d = error(&in_main("    addi r1, r1, 5000000000"));
    assert_eq!(
        d.message,
        "32-bit immediate 5000000000 is out of range (expected -2147483648..=4294967295)"
    );
    assert_eq!(at(&d), (2, 18, 10));
    let d = error(&in_main("    movi r1, -9223372036854775809"));
    assert!(
        d.message
            .starts_with("64-bit immediate -9223372036854775809 is out of range")
    );
    let d = error(&in_main("    movi r1, 0x10000000000000000"));
    assert_eq!(
        d.message,
        "integer `0x10000000000000000` does not fit in 64 bits"
    );
    let d = error(&in_main("    fmovi r1, 1.5.5"));
    assert_eq!(d.message, "invalid float literal `1.5.5`");
}

#[test]
fn hcall_counts_must_match_the_import() {
    let source =
        ".import print_i64 params=1\n.func main\n    hcall r0, print_i64, r1, 2\n    halt\n.end\n";
    let d = error(source);
    assert_eq!(
        d.message,
        "passes 2 arguments, but import `print_i64` takes 1"
    );
    assert_eq!(d.help.as_deref(), Some("declared with params=1 on line 1"));
    assert_eq!(at(&d), (3, 30, 1));
    let d = error(&in_main("    hcall r0, p, r1, 1\n    hcall r0, p, r1, 0"));
    assert_eq!(d.message, "passes 0 arguments, but import `p` takes 1");
    assert_eq!(
        d.help.as_deref(),
        Some("its first `hcall` (line 2) passes 1")
    );
}

#[test]
fn structure_errors() {
    let d = error(".memory 64\n.data big\n    .zero 100\n.func main\n    halt\n.end\n");
    assert_eq!(
        d.message,
        "data `big` would end at 116, beyond the memory size 64"
    );
    assert_eq!(at(&d), (3, 11, 3));
    let d = error(".func main\n    halt\n.end\n.func main\n    halt\n.end\n");
    assert_eq!(d.message, "duplicate function `main`");
    assert_eq!(
        d.help.as_deref(),
        Some("`main` is already defined on line 1")
    );
    assert_eq!(at(&d), (4, 7, 4));
    let d = error(&in_main("x:\nx:"));
    assert_eq!(d.message, "duplicate label `x`");
    assert_eq!(at(&d), (3, 1, 1));
    let d = error(".func main\n    movi r1, 1\n.end\n");
    assert_eq!(
        d.message,
        "the last instruction of the function can fall through past its end (end it with `ret`, `jmp`, `halt` or `trap`)"
    );
    assert_eq!(at(&d), (2, 5, 10));
    let d = error(".func main\n    halt\n");
    assert_eq!(d.message, "function `main` has no `.end`");
    let d = error(".func main\n    halt\n.end\n    nop\n");
    assert_eq!(d.message, "code outside a function");
    let d = error(".func main\n    halt\n.end\n.entry mian\n");
    assert_eq!(d.message, "unknown function `mian`");
    let d = error(".func main\n    halt\n.end\n.frob\n");
    assert_eq!(d.message, "unknown directive `.frob`");
    let d = error(".func main\n    halt\n.end\n.data s\n    .ascii \"abc\n");
    assert_eq!(d.message, "unterminated string (add the closing `\"`)");
    assert_eq!(at(&d), (5, 12, 4));
    assert_eq!(
        error("").message,
        "the listing has no code: a module needs at least one function"
    );
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let source = "\
.func main regs=8
    ad r1, r2, r3
    add r1, r2
    movi r1, 10
    add r1, r2, r300
    addi r1, r1, 5000000000
    blt r1, r2, nowhere
    00020000 00000003 0000000G 00000002 00000000
    0009: 00020000 00000003 00000001 00000002 00000000
    halt
.end
";
    let d = errors(source);
    let found: Vec<(usize, usize, &str)> = d
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (2, 5, "unknown mnemonic `ad`"),
            (3, 15, "`add` takes 3 operands, found 2"),
            (
                5,
                17,
                "register `r300` is out of range (registers are r0..r255)"
            ),
            (
                6,
                18,
                "32-bit immediate 5000000000 is out of range (expected -2147483648..=4294967295)"
            ),
            (7, 17, "unknown label `nowhere` in function `main`"),
            (8, 23, "invalid hex word `0000000G`: expected 8 hex digits"),
            (
                9,
                5,
                "address 0009 does not match this instruction's index 0007 in function `main`"
            ),
        ]
    );
    let rendered = d.render(source, "prog.asm");
    assert_eq!(rendered.matches("prog.asm:").count(), 7);
    assert!(rendered.contains("prog.asm:9:5: error: address 0009"));
    // Display without the source: one line per error.
    assert_eq!(d.to_string().lines().count(), 7);
}

mod never_panics {
    use adead_asm::{Options, assemble_with};
    use proptest::prelude::*;

    /// Lines made of pieces of real syntax in random order.
    fn soup_line() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            prop::sample::select(vec![
                "add",
                "movi",
                "fmovi.f32",
                "call",
                "hcall",
                "halt",
                "jmp",
                "blt",
                "vk.submit",
                ".func",
                ".end",
                ".data",
                ".ascii",
                ".i8",
                ".i64",
                ".f32",
                ".zero",
                ".align",
                ".entry",
                ".noentry",
                ".export",
                ".import",
                ".shader",
                ".source",
                ".line",
                ".memory",
                "main",
                "f",
                "x:",
                "L0:",
                "0003:",
                "params=1",
                "regs=300",
                "regs=2",
                "at=16",
                "at=",
                "as",
                "wgsl",
                "spirv",
                "r0",
                "r1",
                "r255",
                "r256",
                "r",
                "@",
                "@x",
                "@\"",
                "\"",
                "\"a\\u{",
                "\"\\x4\"",
                "\"ok\"",
                ",",
                ",,",
                ";",
                "#",
                ":",
                "=",
                "-",
                "0x",
                "0xFFFFFFFFFFFFFFFFF",
                "-9223372036854775809",
                "1.5",
                "nan",
                "-inf",
                "00020000",
                "000000FF",
                "00000000",
                "DEADBEEF",
                "0000000G",
                "4294967296",
                "0",
                "99999999999999999999999999999999999999999",
                "é",
                "\t",
                "\u{FEFF}",
            ])
            .prop_map(String::from),
            "[ -~]{0,6}",
        ];
        prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn assembling_any_text_never_panics(
            lines in prop::collection::vec(soup_line(), 0..12),
            verify in any::<bool>(),
        ) {
            let source = lines.join("\n");
            if let Err(d) = assemble_with(&source, "soup.asm", &Options { verify }) {
                prop_assert!(!d.is_empty());
                let rendered = d.render(&source, "soup.asm");
                prop_assert_eq!(rendered.matches("soup.asm:").count(), d.len());
                for diag in &d {
                    prop_assert!(diag.line >= 1 && diag.column >= 1 && diag.len >= 1);
                }
            }
        }

        #[test]
        fn assembling_arbitrary_unicode_never_panics(source in any::<String>()) {
            let _ = assemble_with(&source, "any.asm", &Options::default());
        }
    }
}

#[test]
fn errors_past_the_cap_are_counted_not_kept() {
    // One unknown mnemonic per line, 1000 lines: the first MAX_DIAGNOSTICS are kept
    // (in source order), the rest counted, and the rendering says how many.
    let source: String = (0..1000).map(|i| format!("bogus{i} r1\n")).collect();
    let d = errors(&source);
    assert_eq!(d.len(), adead_asm::MAX_DIAGNOSTICS);
    assert_eq!(d.omitted(), 1000 - adead_asm::MAX_DIAGNOSTICS);
    assert_eq!(d.total(), 1000);
    assert_eq!(
        d.iter().last().map(|e| e.line),
        Some(adead_asm::MAX_DIAGNOSTICS)
    );
    let text = d.render(&source, "many.asm");
    assert!(
        text.ends_with("many.asm: error: 900 more error(s) not shown\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("error:").count(),
        adead_asm::MAX_DIAGNOSTICS + 1
    );
}

#[test]
fn a_very_long_line_is_quoted_around_the_error_only() {
    // 16,000 operands on one line (about 64 KB): the block quotes at most 120
    // characters of it, cut with `...`, and the caret still points at the error.
    let operands = vec!["zz"; 16_000].join(", ");
    let source = in_main(&format!("    add r1, {operands}"));
    let d = errors(&source);
    let text = d.render(&source, "long.asm");
    assert!(text.len() < 1_000, "{} bytes:\n{text}", text.len());
    let quoted = text.lines().nth(1).expect("the quoted line");
    assert!(quoted.ends_with("..."), "{quoted}");
    // The error is at the first operand too many (the third `zz`), near the start:
    // the quote starts where the line does, and the caret is under that operand.
    let caret = text.lines().nth(2).expect("the caret line");
    let third = quoted.match_indices("zz").nth(2).map(|(i, _)| i);
    assert_eq!(caret.find('^'), third, "{text}");
}

#[test]
fn an_error_far_along_a_long_line_keeps_its_caret_on_the_token() {
    let padding = "x".repeat(5_000);
    let source = format!(
        "    .data d\n    .ascii \"{padding}\" junk\n{}",
        in_main("")
    );
    let d = error(&source);
    assert_eq!((d.line, d.column), (2, 5015));
    let text = Diagnostics::new(vec![d], 0).render(&source, "far.asm");
    let lines: Vec<&str> = text.lines().collect();
    let (quoted, caret) = (lines[1], lines[2]);
    assert!(
        quoted.contains("| ...") && quoted.chars().count() < 140,
        "{quoted}"
    );
    assert_eq!(caret.find('^'), quoted.find("junk"), "{text}");
}
