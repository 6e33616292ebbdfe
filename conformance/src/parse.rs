//! Case files to [`Case`]s.
//!
//! A case file is plain assembly in which comment lines starting with `;!` are
//! directives (the assembler ignores them like any comment). `;! case NAME` starts a
//! case; everything up to the next `;! case` is its assembly and its directives. Lines
//! before the first case may only be comments or blank (the file's header). The full
//! format is in `conformance/README.md`. Every error names the file and line, and all
//! errors of a file are reported, not only the first.

use std::collections::HashSet;
use std::fmt;

use adead_isa::TrapKind;

use crate::case::{Case, Expect, Expectation, ExpectedLine, ExpectedTrap, Limits};

/// A malformed case file, with the line at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses the text of a case file named `file` (used in errors and as each case's file).
pub fn parse_file(file: &str, text: &str) -> Result<Vec<Case>, Vec<ParseError>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut errors = Vec::new();
    let mut error = |line: usize, message: String| {
        errors.push(ParseError {
            file: file.to_string(),
            line,
            message,
        })
    };

    // Where each case starts (0-based line index) and its name.
    let mut starts: Vec<(usize, String)> = Vec::new();
    let mut names = HashSet::new();
    for (index, raw) in lines.iter().enumerate() {
        if misplaced_directive(raw) {
            error(
                index + 1,
                "`;!` after code on the same line would be an ignored comment; \
                 directives must start their line"
                    .to_string(),
            );
        }
        let Some((keyword, rest)) = directive(raw) else {
            continue;
        };
        if keyword != "case" {
            if starts.is_empty() {
                error(
                    index + 1,
                    format!("`;! {keyword}` before the first `;! case`"),
                );
            }
            continue;
        }
        let name = rest.trim();
        if !is_case_name(name) {
            error(
                index + 1,
                format!("`;! case` needs a name of letters, digits, `_`, `-` or `.`, got `{name}`"),
            );
        } else if !names.insert(name.to_string()) {
            error(index + 1, format!("duplicate case name `{name}`"));
        }
        starts.push((index, name.to_string()));
    }
    let header_end = starts.first().map_or(lines.len(), |&(start, _)| start);
    for (index, raw) in lines[..header_end].iter().enumerate() {
        let trimmed = raw.trim_start();
        if !(trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#')) {
            error(
                index + 1,
                "assembly before the first `;! case` (the file header may hold only comments)"
                    .to_string(),
            );
        }
    }
    if starts.is_empty() && lines.iter().all(|l| directive(l).is_none()) {
        error(1, "no `;! case` in the file".to_string());
    }

    let mut cases = Vec::new();
    for (n, (start, name)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(lines.len(), |&(next, _)| next);
        let body = &lines[*start..end];
        match parse_case(file, name, *start, body) {
            Ok(case) => cases.push(case),
            Err(mut case_errors) => errors.append(&mut case_errors),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Splits a `;!` directive line into its keyword and the rest (the rest keeps its
/// spacing: `stdout` text is verbatim).
fn directive(raw: &str) -> Option<(&str, &str)> {
    let after = raw.trim_start().strip_prefix(";!")?;
    let after = after.strip_suffix('\r').unwrap_or(after);
    let after = after.trim_start();
    match after.find(char::is_whitespace) {
        Some(space) => Some((&after[..space], &after[space + 1..])),
        None => Some((after, "")),
    }
}

/// A line whose comment is a directive but which starts with code (`halt ;! fuel 1`):
/// the assembler takes the directive for a comment and the expectation would silently
/// vanish. A `;!` inside a later comment or a string literal is fine. The comment is
/// found by the assembler's own rule, [`adead_asm::comment_start`].
fn misplaced_directive(raw: &str) -> bool {
    adead_asm::comment_start(raw)
        .is_some_and(|at| raw[at..].starts_with(";!") && !raw[..at].trim().is_empty())
}

fn is_case_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// One case: `body` is its lines, the first being `;! case NAME` at 0-based `start`.
fn parse_case(
    file: &str,
    name: &str,
    start: usize,
    body: &[&str],
) -> Result<Case, Vec<ParseError>> {
    let mut errors = Vec::new();
    let mut args: Option<Vec<i64>> = None;
    let mut limits = Limits::default();
    let mut expectations: Vec<Expectation> = Vec::new();
    let mut stdout: Option<(usize, Vec<ExpectedLine>)> = None;
    let mut stdout_none: Option<usize> = None;

    for (offset, raw) in body.iter().enumerate().skip(1) {
        let line = start + offset + 1;
        let Some((keyword, rest)) = directive(raw) else {
            continue;
        };
        let mut fail = |message: String| {
            errors.push(ParseError {
                file: file.to_string(),
                line,
                message,
            })
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut expect = |expect: Expect| expectations.push(Expectation { line, expect });
        match keyword {
            "args" => {
                if args.is_some() {
                    fail("`;! args` given twice".into());
                    continue;
                }
                match words.iter().map(|w| parse_i64(w)).collect() {
                    Ok(values) => args = Some(values),
                    Err(message) => fail(message),
                }
            }
            "result" | "halt" | "fuel" => match (words.as_slice(), keyword) {
                ([value], "fuel") => match parse_u64(value) {
                    Ok(n) => expect(Expect::Fuel(n)),
                    Err(message) => fail(message),
                },
                ([value], _) => match parse_bits(value) {
                    Ok(bits) if keyword == "result" => expect(Expect::Result(bits)),
                    Ok(bits) => expect(Expect::Halt(bits)),
                    Err(message) => fail(message),
                },
                _ => fail(format!("`;! {keyword}` takes one number")),
            },
            "trap" => match parse_trap(&words) {
                Ok(trap) => expect(Expect::Trap(trap)),
                Err(message) => fail(message),
            },
            "stdout" => {
                stdout
                    .get_or_insert((line, Vec::new()))
                    .1
                    .push(ExpectedLine {
                        line,
                        text: rest.to_string(),
                        context: None,
                    });
            }
            "stdout-none" => {
                if !words.is_empty() {
                    fail("`;! stdout-none` takes nothing".into());
                } else if stdout_none.replace(line).is_some() {
                    fail("`;! stdout-none` given twice".into());
                }
            }
            "mem" => match parse_mem(&words) {
                Ok((addr, bytes)) => expect(Expect::Memory { addr, bytes }),
                Err(message) => fail(message),
            },
            "memhash" => match parse_memhash(&words) {
                Ok((addr, len, hash)) => expect(Expect::MemoryHash { addr, len, hash }),
                Err(message) => fail(message),
            },
            "fuel-limit"
            | "max-memory"
            | "max-call-depth"
            | "max-stack-registers"
            | "max-tensor-bytes"
            | "max-tensors" => {
                let value = match words.as_slice() {
                    [value] => parse_u64(value),
                    _ => Err(format!("`;! {keyword}` takes one number")),
                };
                let already = match (keyword, value) {
                    (_, Err(message)) => {
                        fail(message);
                        continue;
                    }
                    ("fuel-limit", Ok(n)) => limits.fuel.replace(n).is_some(),
                    ("max-memory", Ok(n)) => limits.max_memory.replace(n).is_some(),
                    ("max-tensor-bytes", Ok(n)) => limits.max_tensor_bytes.replace(n).is_some(),
                    ("max-tensors", Ok(n)) => limits.max_tensors.replace(n).is_some(),
                    ("max-stack-registers", Ok(n)) => {
                        limits.max_stack_registers.replace(n).is_some()
                    }
                    (_, Ok(n)) => match u32::try_from(n) {
                        Ok(depth) => limits.max_call_depth.replace(depth).is_some(),
                        Err(_) => {
                            fail(format!("call depth {n} does not fit in 32 bits"));
                            continue;
                        }
                    },
                };
                if already {
                    fail(format!("`;! {keyword}` given twice"));
                }
            }
            "case" => unreachable!("a case ends before the next `;! case`"),
            other => fail(format!(
                "unknown directive `;! {other}` (expected case, args, result, halt, trap, \
                 stdout, stdout-none, fuel, mem, memhash, fuel-limit, max-memory, max-call-depth, \
                 max-stack-registers, max-tensor-bytes, max-tensors)"
            )),
        }
    }

    let case_line = start + 1;
    let mut fail = |line: usize, message: String| {
        errors.push(ParseError {
            file: file.to_string(),
            line,
            message,
        })
    };
    match (stdout, stdout_none) {
        (Some((first, _)), Some(none)) => fail(
            none,
            format!("`;! stdout-none` contradicts the `;! stdout` on line {first}"),
        ),
        (Some((first, lines)), None) => expectations.push(Expectation {
            line: first,
            expect: Expect::Stdout(lines),
        }),
        (None, Some(none)) => expectations.push(Expectation {
            line: none,
            expect: Expect::Stdout(Vec::new()),
        }),
        (None, None) => {}
    }
    let outcomes: Vec<usize> = expectations
        .iter()
        .filter(|e| e.expect.is_outcome())
        .map(|e| e.line)
        .collect();
    match outcomes.as_slice() {
        [_] => {}
        [] => fail(
            case_line,
            format!("case `{name}` states no outcome (`;! result`, `;! halt` or `;! trap`)"),
        ),
        [_, second, ..] => fail(*second, format!("case `{name}` states a second outcome")),
    }
    let fuels = expectations
        .iter()
        .filter(|e| matches!(e.expect, Expect::Fuel(_)))
        .count();
    if fuels > 1 {
        fail(case_line, format!("case `{name}` states `;! fuel` twice"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // File order, so that failures are reported in the order the case states them.
    expectations.sort_by_key(|e| e.line);

    // Blank lines in front keep the file's line numbers in diagnostics and debug info.
    let mut source = "\n".repeat(start);
    for line in body {
        source.push_str(line);
        source.push('\n');
    }
    Ok(Case {
        name: name.to_string(),
        file: file.to_string(),
        line: case_line,
        source,
        args: args.unwrap_or_default(),
        limits,
        expectations,
    })
}

/// A register value: signed decimal (i64), unsigned decimal up to `u64::MAX`, or `0x`
/// hex of the 64 bits.
pub fn parse_bits(text: &str) -> Result<u64, String> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(&hex.replace('_', ""), 16)
            .map_err(|_| format!("`{text}` is not 64 bits of hex"));
    }
    let value: i128 = text
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value < i128::from(i64::MIN) || value > i128::from(u64::MAX) {
        return Err(format!("`{text}` does not fit in 64 bits"));
    }
    Ok(value as u64)
}

fn parse_i64(text: &str) -> Result<i64, String> {
    parse_bits(text).map(|bits| bits as i64)
}

/// A count, size or address: decimal or `0x` hex, not negative.
fn parse_u64(text: &str) -> Result<u64, String> {
    if text.starts_with('-') {
        return Err(format!("`{text}` must not be negative"));
    }
    parse_bits(text)
}

/// `KIND at FUNC:PC`, KIND a trap id or `user(N)`.
fn parse_trap(words: &[&str]) -> Result<ExpectedTrap, String> {
    let usage = "expected `;! trap KIND at FUNC:PC`";
    let [kind, "at", location] = words else {
        return Err(usage.to_string());
    };
    let (kind, code) = match kind.strip_prefix("user(").and_then(|c| c.strip_suffix(')')) {
        Some(code) => {
            let code: i32 = code
                .parse()
                .map_err(|_| format!("`{kind}`: the user code must be a 32-bit integer"))?;
            ("user", Some(code))
        }
        None => (*kind, None),
    };
    if !TrapKind::ALL.iter().any(|k| k.id() == kind) {
        let known: Vec<&str> = TrapKind::ALL.iter().map(|k| k.id()).collect();
        return Err(format!(
            "unknown trap kind `{kind}` (known: {})",
            known.join(", ")
        ));
    }
    let (function, pc) = location
        .rsplit_once(':')
        .ok_or_else(|| format!("`{location}`: {usage}"))?;
    let pc = pc
        .parse()
        .map_err(|_| format!("`{pc}` is not an instruction index"))?;
    if function.is_empty() {
        return Err(usage.to_string());
    }
    Ok(ExpectedTrap {
        kind: kind.to_string(),
        code,
        function: function.to_string(),
        pc,
    })
}

/// `ADDR HEXBYTES...` (the hex may be split into groups by spaces).
fn parse_mem(words: &[&str]) -> Result<(u64, Vec<u8>), String> {
    let usage = "expected `;! mem ADDR HEXBYTES`";
    let [addr, hex @ ..] = words else {
        return Err(usage.to_string());
    };
    let addr = parse_u64(addr)?;
    let hex: String = hex.concat();
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return Err(format!("{usage}: `{hex}` is not a whole number of bytes"));
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| format!("`{hex}` is not hex"))?;
    Ok((addr, bytes))
}

/// `ADDR LEN fnv1a64 0xHASH`.
fn parse_memhash(words: &[&str]) -> Result<(u64, u64, u64), String> {
    let [addr, len, "fnv1a64", hash] = words else {
        return Err("expected `;! memhash ADDR LEN fnv1a64 0xHASH`".to_string());
    };
    Ok((parse_u64(addr)?, parse_u64(len)?, parse_bits(hash)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "; header comment
; more header

;! case first
;! args 1 -2 0x10
;! result -1
;! fuel 3
;! stdout hello
;! stdout  two spaces
.func main params=3 regs=3
    ret r1
.end

;! case second
;! trap user(7) at main:0
;! stdout-none
;! fuel-limit 100
;! max-memory 0x10000
;! max-call-depth 5
;! max-stack-registers 300
;! max-tensor-bytes 4096
;! max-tensors 9
;! mem 16 01 02ff
;! memhash 0 4 fnv1a64 0xcbf29ce484222325
.func main params=0 regs=1
    trap 7
.end
";

    #[test]
    fn a_file_splits_into_cases_with_their_directives() {
        let cases = parse_file("t.case", FILE).unwrap();
        assert_eq!(cases.len(), 2);
        let first = &cases[0];
        assert_eq!((first.name.as_str(), first.line), ("first", 4));
        assert_eq!(first.args, vec![1, -2, 16]);
        assert_eq!(first.expectations[0].expect, Expect::Result(u64::MAX));
        assert_eq!(first.expectations[1].expect, Expect::Fuel(3));
        let Expect::Stdout(lines) = &first.expectations[2].expect else {
            panic!("stdout expected last")
        };
        assert_eq!(lines[0].text, "hello");
        assert_eq!(lines[1].text, " two spaces");
        assert_eq!(first.assertions(), 4);
        // The case's source keeps the file's line numbers.
        assert_eq!(first.source.lines().nth(10), Some("    ret r1"));
        assert!(!first.source.contains("trap 7"));

        let second = &cases[1];
        assert_eq!(
            second.expectations[0].expect,
            Expect::Trap(ExpectedTrap {
                kind: "user".into(),
                code: Some(7),
                function: "main".into(),
                pc: 0
            })
        );
        assert_eq!(
            second.limits,
            Limits {
                fuel: Some(100),
                max_memory: Some(65536),
                max_call_depth: Some(5),
                max_stack_registers: Some(300),
                max_tensor_bytes: Some(4096),
                max_tensors: Some(9),
            }
        );
        assert!(second.expectations.iter().any(|e| e.expect
            == Expect::Memory {
                addr: 16,
                bytes: vec![1, 2, 0xff]
            }));
        assert!(
            second
                .expectations
                .iter()
                .any(|e| e.expect == Expect::Stdout(vec![]))
        );
        assert_eq!(second.assertions(), 4);
    }

    #[test]
    fn errors_name_the_line_and_all_are_reported() {
        let text = "movi r1, 2
;! case a
;! result
;! trap divide_by_zero at main
;! bogus 1
;! case a
;! halt 0
;! halt 1
;! case b
";
        let errors = parse_file("bad.case", text).unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            rendered,
            [
                "bad.case:1: assembly before the first `;! case` (the file header may hold only comments)",
                "bad.case:2: case `a` states no outcome (`;! result`, `;! halt` or `;! trap`)",
                "bad.case:3: `;! result` takes one number",
                "bad.case:4: `main`: expected `;! trap KIND at FUNC:PC`",
                "bad.case:5: unknown directive `;! bogus` (expected case, args, result, halt, trap, stdout, stdout-none, fuel, mem, memhash, fuel-limit, max-memory, max-call-depth, max-stack-registers, max-tensor-bytes, max-tensors)",
                "bad.case:6: duplicate case name `a`",
                "bad.case:8: case `a` states a second outcome",
                "bad.case:9: case `b` states no outcome (`;! result`, `;! halt` or `;! trap`)",
            ]
        );
    }

    #[test]
    fn a_directive_after_code_is_an_error() {
        let text = ";! case a\n;! halt 0\n.func main params=0 regs=1\n    halt ;! fuel 1\n.end\n";
        let errors = parse_file("m.case", text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        let fine = ";! case a\n;! halt 0\n; a comment about `;!` lines\n.data s\n    .ascii \"x;!\"\n.func main params=0 regs=1\n    halt ; not a ;! directive\n.end\n";
        assert!(parse_file("s.case", fine).is_ok());
    }

    #[test]
    fn a_directive_after_a_string_is_an_error() {
        let text = ";! case a\n;! halt 0\n.data s\n    .ascii \"x\" ;! fuel 999\n.func main params=0 regs=1\n    halt\n.end\n";
        let errors = parse_file("q.case", text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert!(
            errors[0]
                .message
                .contains("directives must start their line")
        );
    }

    #[test]
    fn trap_kinds_are_checked() {
        let text = ";! case a\n;! trap div_by_zero at main:0\n";
        let errors = parse_file("k.case", text).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.line == 2 && e.message.starts_with("unknown trap kind `div_by_zero`"))
        );
    }

    #[test]
    fn numbers_cover_the_64_bit_range() {
        assert_eq!(parse_bits("-1"), Ok(u64::MAX));
        assert_eq!(parse_bits("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_bits("-9223372036854775808"), Ok(1 << 63));
        assert_eq!(parse_bits("0x7ff8_0000_0000_0000"), Ok(0x7ff8 << 48));
        assert!(parse_bits("18446744073709551616").is_err());
        assert!(parse_bits("-9223372036854775809").is_err());
        assert!(parse_u64("-3").is_err());
    }
}
