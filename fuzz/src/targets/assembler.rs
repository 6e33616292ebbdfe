//! The `assembler` target: `adead_asm::assemble` on mutated listings.
//!
//! Seeds are the examples and the conformance cases; their lines and tokens are the
//! mutator's material. Mutations: lines deleted, duplicated, repeated (up to thousands
//! of times), swapped, replaced or inserted from other listings; tokens replaced (by
//! other listings' tokens and by boundary spellings: `r255`, `r256`, huge numbers,
//! `1e309`, `nan`, quotes, directives), deleted, duplicated, swapped and repeated into
//! very long lines; random characters (ASCII, control characters, non-ASCII)
//! inserted. For every listing:
//!
//! - `assemble` returns without panicking; its errors are at most
//!   `adead_asm::MAX_DIAGNOSTICS` kept (never none), each at a line and column of the
//!   listing, and they render to text of at most [`render_bound`] of the listing's size;
//! - a module it accepts passes `adead_isa::verify`, survives `format::write` and
//!   `format::read`, and its listings in both styles assemble to the same module;
//! - the same holds for `assemble_with` with `verify: false` (which must accept
//!   whatever `assemble` accepts), whose modules must pass `format::read` after
//!   `format::write` (the assembler promises the format's rules even unverified).
//!
//! Features: the kinds of error messages (the message with its quoted parts removed)
//! and their count, or the opcodes of an accepted module.

use adead_asm::{
    Diagnostics, ListingStyle, MAX_DIAGNOSTICS, Options as AsmOptions, assemble_with, disassemble,
};
use adead_isa::{Module, format, verify};

use crate::driver::{Exec, Target};
use crate::rng::Rng;
use crate::targets::excerpt;

/// The largest listing the mutator makes, in bytes.
pub const MAX_INPUT: usize = 512 * 1024;

/// The most text the diagnostics of a listing of `len` bytes may render to: 16 bytes
/// per listing byte and 64 KiB (each of the at most 100 errors quotes at most 120
/// characters of its line, plus its message and help, which quote tokens of the line).
pub fn render_bound(len: usize) -> usize {
    16 * len + 64 * 1024
}

/// Spellings worth trying wherever a token goes.
const TOKENS: &[&str] = &[
    "r0",
    "r1",
    "r255",
    "r256",
    "r4294967296",
    "r-1",
    "R1",
    "0",
    "-1",
    "1",
    "0x7fffffff",
    "0x80000000",
    "0xffffffff",
    "0x100000000",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e309",
    "-0.0",
    "nan",
    "inf",
    "-inf",
    "0x7ff8000000000001",
    "1.5f32",
    "@",
    "@x",
    "\"",
    "\"\\\"",
    "\"a\\x\"",
    ";",
    ";!",
    ",",
    ",,",
    ":",
    "x:",
    ".func",
    ".end",
    ".data",
    ".zero 4294967295",
    ".zero 65536",
    ".memory 4294967296",
    ".memory 0",
    ".align 0",
    ".align 3",
    ".entry",
    ".noentry",
    ".export",
    ".import",
    ".shader",
    ".source",
    ".line 0",
    "params=300",
    "params=0",
    "regs=0",
    "regs=256",
    "regs=257",
    "main",
    "\t",
    "\u{FEFF}",
    "é",
    "\u{0}",
    "\u{7F}",
];

/// Characters worth inserting.
const CHARS: &[char] = &[
    ' ',
    '\t',
    '\r',
    '\n',
    ',',
    ';',
    ':',
    '.',
    '@',
    '"',
    '\\',
    '=',
    '-',
    '+',
    '#',
    '0',
    '9',
    'r',
    'x',
    '_',
    '$',
    '\u{0}',
    '\u{7F}',
    'é',
    '\u{FEFF}',
    '\u{10FFFF}',
    '\u{2028}',
];

/// The target: the lines and tokens of its seeds are the mutator's material.
#[derive(Default)]
pub struct Assembler {
    lines: Vec<String>,
    tokens: Vec<String>,
}

impl Assembler {
    /// The target.
    pub fn new() -> Assembler {
        Assembler::default()
    }
}

/// The byte ranges of the tokens of `line`: runs of characters other than whitespace
/// and commas.
fn token_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        let separator = c.is_whitespace() || c == ',';
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

impl Assembler {
    fn token(&self, rng: &mut Rng) -> String {
        if self.tokens.is_empty() || rng.one_in(3) {
            rng.pick(TOKENS).to_string()
        } else {
            self.tokens[rng.index(self.tokens.len())].clone()
        }
    }

    fn line(&self, rng: &mut Rng, other: &[&str]) -> String {
        if !other.is_empty() && rng.one_in(2) {
            other[rng.index(other.len())].to_string()
        } else if !self.lines.is_empty() {
            self.lines[rng.index(self.lines.len())].clone()
        } else {
            String::new()
        }
    }

    /// One mutation of the listing's `lines`.
    fn mutate_once(&self, rng: &mut Rng, lines: &mut Vec<String>, other: &[&str]) {
        if lines.is_empty() {
            lines.push(self.line(rng, other));
            return;
        }
        let at = rng.index(lines.len());
        match rng.below(14) {
            0 => {
                lines.remove(at);
            }
            1 => {
                let line = lines[at].clone();
                lines.insert(at, line);
            }
            // A line repeated many times.
            2 => {
                let n = rng.small(4000) as usize;
                let line = lines[at].clone();
                lines.splice(at..at, std::iter::repeat_n(line, n));
            }
            3 => {
                let b = rng.index(lines.len());
                lines.swap(at, b);
            }
            4 => {
                let line = self.line(rng, other);
                lines.insert(at, line);
            }
            5 => lines[at] = self.line(rng, other),
            // A token replaced, deleted, duplicated or swapped.
            6..=9 => {
                let line = &lines[at];
                let spans = token_spans(line);
                if spans.is_empty() {
                    lines[at] = self.token(rng);
                    return;
                }
                let (s, e) = rng.pick(&spans);
                let mut text = line.clone();
                match rng.below(4) {
                    0 | 1 => text.replace_range(s..e, &self.token(rng)),
                    2 => text.replace_range(s..e, ""),
                    _ => {
                        let (s2, e2) = rng.pick(&spans);
                        if (s2, e2) != (s, e) {
                            let (first, second) = if s < s2 {
                                ((s, e), (s2, e2))
                            } else {
                                ((s2, e2), (s, e))
                            };
                            let a = line[first.0..first.1].to_string();
                            let b = line[second.0..second.1].to_string();
                            text.replace_range(second.0..second.1, &a);
                            text.replace_range(first.0..first.1, &b);
                        } else {
                            let token = line[s..e].to_string();
                            text.insert_str(e, &format!(" {token}"));
                        }
                    }
                }
                lines[at] = text;
            }
            // A very long line: a token repeated.
            10 => {
                let token = self.token(rng);
                let n = rng.small(20_000) as usize;
                let separator = rng.pick(&[" ", ", ", "", ","]);
                let long = vec![token; n].join(separator);
                lines[at].push_str(&long);
            }
            // Random characters inserted.
            11 | 12 => {
                let line = &mut lines[at];
                let boundaries: Vec<usize> = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([line.len()])
                    .collect();
                let pos = rng.pick(&boundaries);
                let n = rng.small(8) as usize;
                let text: String = (0..n)
                    .map(|_| {
                        if rng.one_in(2) {
                            rng.pick(CHARS)
                        } else {
                            char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('?')
                        }
                    })
                    .collect();
                line.insert_str(pos, &text);
            }
            // A block of lines moved.
            _ => {
                let n = rng.small(16) as usize;
                let end = (at + n).min(lines.len());
                let block: Vec<String> = lines.drain(at..end).collect();
                let to = rng.index(lines.len() + 1);
                lines.splice(to..to, block);
            }
        }
    }
}

/// The kind of a diagnostic: its message with every quoted part removed.
fn message_kind(message: &str) -> String {
    let mut kind = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            quoted = !quoted;
            kind.push(c);
        } else if !quoted && !c.is_ascii_digit() {
            kind.push(c);
        }
    }
    kind
}

/// The properties of a failed assembly.
fn check_diagnostics(source: &str, diagnostics: &Diagnostics, what: &str) -> Result<(), String> {
    if diagnostics.is_empty() {
        return Err(format!("{what} failed without a diagnostic"));
    }
    if diagnostics.len() > MAX_DIAGNOSTICS {
        return Err(format!(
            "{what} kept {} diagnostics, more than MAX_DIAGNOSTICS ({MAX_DIAGNOSTICS})",
            diagnostics.len()
        ));
    }
    if diagnostics.total() != diagnostics.len() + diagnostics.omitted() {
        return Err(format!("{what}: total() is not len() + omitted()"));
    }
    let lines = source.lines().count().max(1);
    for d in diagnostics {
        if d.line == 0 || d.line > lines + 1 || d.column == 0 || d.len == 0 {
            return Err(format!(
                "{what}: a diagnostic at line {}, column {}, length {} in a listing of {lines} \
                 lines: {}",
                d.line, d.column, d.len, d.message
            ));
        }
    }
    let rendered = diagnostics.render(source, "fuzz.asm");
    let bound = render_bound(source.len());
    if rendered.len() > bound {
        return Err(format!(
            "{what}: {} diagnostics of a {}-byte listing render to {} bytes (bound {bound})",
            diagnostics.len(),
            source.len(),
            rendered.len()
        ));
    }
    Ok(())
}

/// The properties of an assembled module: its listings assemble back to it (with
/// `options`), and its encoding reads back.
fn check_module(module: &Module, options: &AsmOptions, what: &str) -> Result<(), String> {
    let bytes = format::write(module);
    match format::read(&bytes) {
        Ok(again) if again == *module => {}
        Ok(_) => {
            return Err(format!(
                "{what}: the module reads back as a different module"
            ));
        }
        Err(error) => {
            return Err(format!(
                "{what}: the module's encoding does not read: {error}"
            ));
        }
    }
    for style in [ListingStyle::Hex, ListingStyle::Mnemonic] {
        let listing = disassemble(module, style);
        match assemble_with(&listing, "fuzz.asm", options) {
            Ok(again) if again == *module => {}
            Ok(_) => {
                return Err(format!(
                    "{what}: the {style:?} listing of the module assembles to a different \
                     module:\n{}",
                    excerpt(&listing, 60)
                ));
            }
            Err(diagnostics) => {
                return Err(format!(
                    "{what}: the {style:?} listing of the module does not assemble:\n{}\n{}",
                    excerpt(&diagnostics.render(&listing, "listing"), 30),
                    excerpt(&listing, 60)
                ));
            }
        }
    }
    Ok(())
}

impl Target for Assembler {
    type Input = String;

    fn name(&self) -> &'static str {
        "assembler"
    }

    fn extension(&self) -> &'static str {
        "asm"
    }

    fn seeds(&mut self) -> Result<Vec<String>, String> {
        let listings = crate::seeds::listings()?;
        let mut lines = std::collections::BTreeSet::new();
        let mut tokens = std::collections::BTreeSet::new();
        for listing in &listings {
            for line in listing.text.lines() {
                if line.trim().is_empty() {
                    continue;
                }
                for (s, e) in token_spans(line) {
                    tokens.insert(line[s..e].to_string());
                }
                lines.insert(line.to_string());
            }
        }
        self.lines = lines.into_iter().collect();
        self.tokens = tokens.into_iter().collect();
        Ok(listings.into_iter().map(|listing| listing.text).collect())
    }

    fn generate(&mut self, rng: &mut Rng, corpus: &[String]) -> String {
        let parent = &corpus[rng.index(corpus.len())];
        let other: Vec<&str> = corpus[rng.index(corpus.len())].lines().collect();
        let mut lines: Vec<String> = parent.lines().map(str::to_string).collect();
        for _ in 0..rng.small(6) {
            self.mutate_once(rng, &mut lines, &other);
        }
        let mut text = lines.join(if rng.one_in(8) { "\r\n" } else { "\n" });
        if !rng.one_in(8) {
            text.push('\n');
        }
        if text.len() > MAX_INPUT {
            let mut cut = MAX_INPUT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        text
    }

    fn check(&mut self, input: &String, exec: &mut Exec) -> Result<(), String> {
        let verified = assemble_with(input, "fuzz.asm", &AsmOptions { verify: true });
        let unverified = assemble_with(input, "fuzz.asm", &AsmOptions { verify: false });
        match (&verified, &unverified) {
            (Ok(module), Ok(unchecked)) => {
                if module != unchecked {
                    return Err(
                        "assemble and assemble_with(verify: false) accept the listing as \
                         different modules"
                            .to_string(),
                    );
                }
                if let Err(error) = verify(module.clone()) {
                    return Err(format!(
                        "assemble accepted a module that does not verify: {error}"
                    ));
                }
                exec.tally("accepted");
                exec.feature("accepted");
                for instr in &module.code {
                    exec.feature_value("opcode", u64::from(instr.opcode().word()));
                }
                check_module(module, &AsmOptions { verify: true }, "assemble")?;
            }
            (Ok(_), Err(_)) => {
                return Err(
                    "assemble accepts the listing but assemble_with(verify: false) rejects it"
                        .to_string(),
                );
            }
            (Err(diagnostics), unchecked) => {
                check_diagnostics(input, diagnostics, "assemble")?;
                exec.tally("rejected");
                for d in diagnostics.iter().take(4) {
                    exec.feature(&message_kind(&d.message));
                }
                exec.feature_value(
                    "diagnostics",
                    diagnostics.total().min(MAX_DIAGNOSTICS + 1) as u64,
                );
                match unchecked {
                    Ok(module) => {
                        exec.tally("accepted unverified");
                        exec.feature("accepted unverified");
                        check_module(
                            module,
                            &AsmOptions { verify: false },
                            "assemble_with(verify: false)",
                        )?;
                    }
                    Err(diagnostics) => {
                        check_diagnostics(input, diagnostics, "assemble_with(verify: false)")?;
                    }
                }
            }
        }
        Ok(())
    }

    fn encode(&self, input: &String) -> Vec<u8> {
        input.as_bytes().to_vec()
    }

    fn decode(&self, bytes: &[u8]) -> Result<String, String> {
        String::from_utf8(bytes.to_vec()).map_err(|e| format!("not UTF-8: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_split_at_whitespace_and_commas() {
        let line = "  add r1, r2,r3 ; c";
        let tokens: Vec<&str> = token_spans(line)
            .iter()
            .map(|&(s, e)| &line[s..e])
            .collect();
        assert_eq!(tokens, ["add", "r1", "r2", "r3", ";", "c"]);
    }

    #[test]
    fn message_kinds_drop_quoted_text_and_numbers() {
        assert_eq!(
            message_kind("unknown mnemonic `ad` on line 3"),
            "unknown mnemonic `` on line "
        );
    }
}
