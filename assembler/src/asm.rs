//! The assembler: listing text to a [`Module`], with every error as a [`Diagnostic`].
//!
//! Pass 1 reads the file line by line. It parses directives, labels and instructions,
//! collects the symbol tables (functions, labels, imports, data, shaders) and leaves
//! only names unresolved. Pass 2 resolves names, checks what needs the whole file, builds
//! the module and runs the verifier. An erroneous line still takes its instruction slot,
//! so later labels and hex addresses stay right and one mistake gives one error.

use std::collections::HashMap;

use adead_isa::{
    DEFAULT_MEMORY_SIZE, DataSegment, DebugInfo, DecodeError, Export, Function, Import,
    Instruction, LineEntry, MAX_REGISTERS, Module, Opcode, OperandKind, OperandValue, Shader,
    ShaderSource, SyntaxClass, VerifyError, VerifyErrorKind, reference::assembly_form,
};

use crate::Options;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lex::{self, LexError, Piece, Token};

/// Every directive the assembler knows (for "did you mean" help).
const DIRECTIVES: &[&str] = &[
    ".memory", ".data", ".ascii", ".i8", ".i16", ".i32", ".i64", ".f32", ".f64", ".zero", ".align",
    ".func", ".end", ".entry", ".noentry", ".export", ".import", ".shader", ".source", ".line",
];

/// Address of the first automatically placed data symbol; 0..16 is never a symbol.
const FIRST_DATA_ADDRESS: u64 = 16;

/// A byte range in one line (0-based line index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    line: usize,
    start: usize,
    end: usize,
}

impl Span {
    fn of(line: usize, token: &Token<'_>) -> Span {
        Span {
            line,
            start: token.start,
            end: token.end(),
        }
    }

    fn at(line: usize, offset: usize) -> Span {
        Span {
            line,
            start: offset,
            end: offset,
        }
    }

    fn to(self, other: Span) -> Span {
        Span {
            end: other.end,
            ..self
        }
    }

    fn sub(self, start: usize, end: usize) -> Span {
        Span {
            line: self.line,
            start: self.start + start,
            end: self.start + end.max(start),
        }
    }
}

/// An operand as pass 1 leaves it: a value, or a name pass 2 resolves by the kind.
#[derive(Clone, Debug)]
enum Arg {
    Value(OperandValue),
    Name(String),
}

#[derive(Debug)]
enum Body {
    /// A raw hex line: the decoded instruction and the spans of its five words.
    Hex {
        instr: Instruction,
        words: [Span; 5],
    },
    /// A mnemonic line.
    Text {
        opcode: Opcode,
        operands: Vec<(Span, Arg)>,
    },
    /// A line with an error already reported.
    Broken,
}

/// A built instruction with the spans of the whole instruction and of each operand.
#[derive(Debug)]
struct Resolved {
    instr: Instruction,
    span: Span,
    operands: Vec<Span>,
}

#[derive(Debug)]
struct Slot {
    span: Span,
    body: Body,
}

#[derive(Debug)]
struct FuncDef {
    name: String,
    span: Span,
    params: u32,
    regs: Option<u32>,
    slots: Vec<Slot>,
    labels: HashMap<String, (u32, Span)>,
    /// Still waiting for `.end` (explicit functions only).
    open: bool,
}

#[derive(Debug)]
struct ImportDef {
    name: String,
    declared: Option<(u32, Span)>,
    first_use: Option<(u32, Span)>,
}

#[derive(Debug)]
struct DataDef {
    name: String,
    span: Span,
    offset: u64,
    bytes: Vec<u8>,
    overflowed: bool,
}

#[derive(Debug)]
struct ExportDecl {
    func: String,
    func_span: Span,
    name: String,
    name_span: Span,
}

#[derive(Debug)]
enum EntryDecl {
    Named(String, Span),
    None,
}

/// The most errors one listing reports; the rest are only counted (as compilers cap
/// theirs: clang stops at 20, gcc with `-fmax-errors`).
pub const MAX_DIAGNOSTICS: usize = 100;

struct Asm<'s> {
    lines: Vec<&'s str>,
    file_name: &'s str,
    options: Options,
    diags: Vec<Diagnostic>,
    /// Errors found past [`MAX_DIAGNOSTICS`], counted but not kept.
    omitted: usize,

    has_func: bool,
    source_mode: bool,
    memory: Option<(u64, Span)>,
    source: Option<(String, Span)>,
    entry: Option<EntryDecl>,

    functions: Vec<FuncDef>,
    func_index: HashMap<String, usize>,
    current: Option<usize>,

    imports: Vec<ImportDef>,
    import_index: HashMap<String, usize>,
    exports: Vec<ExportDecl>,
    data: Vec<DataDef>,
    data_index: HashMap<String, usize>,
    current_data: Option<usize>,
    shaders: Vec<(String, Span, ShaderSource)>,
    shader_index: HashMap<String, usize>,

    code_len: u32,
    pending_line: Option<(u32, Span)>,
    rows: Vec<LineEntry>,
}

/// Assembles `source`; see [`crate::assemble`].
pub(crate) fn assemble(
    source: &str,
    file_name: &str,
    options: &Options,
) -> Result<Module, Diagnostics> {
    // A byte order mark is not part of the first line.
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let mut asm = Asm {
        lines: source.lines().collect(),
        file_name,
        options: *options,
        diags: Vec::new(),
        omitted: 0,
        has_func: false,
        source_mode: false,
        memory: None,
        source: None,
        entry: None,
        functions: Vec::new(),
        func_index: HashMap::new(),
        current: None,
        imports: Vec::new(),
        import_index: HashMap::new(),
        exports: Vec::new(),
        data: Vec::new(),
        data_index: HashMap::new(),
        current_data: None,
        shaders: Vec::new(),
        shader_index: HashMap::new(),
        code_len: 0,
        pending_line: None,
        rows: Vec::new(),
    };
    asm.prescan();
    for index in 0..asm.lines.len() {
        asm.line(index);
    }
    asm.finish()
}

/// The nearest candidate by edit distance, if it is near enough to be a likely typo.
fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let (best, distance) = candidates
        .into_iter()
        .map(|c| (c, strsim::damerau_levenshtein(word, c)))
        .min_by_key(|&(c, d)| (d, c))?;
    (distance <= (word.chars().count() / 2).max(2)).then_some(best)
}

/// What an operand of this kind looks like, for "expected ..." messages.
fn describe(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::Dst => "a destination register",
        OperandKind::Src => "a register",
        OperandKind::RegRange => "the first register of a range",
        OperandKind::Count => "a register count",
        OperandKind::Imm32 => "a 32-bit integer",
        OperandKind::Imm64 => "an integer",
        OperandKind::F64 => "an f64 literal",
        OperandKind::F32 => "an f32 literal",
        OperandKind::Label => "a label",
        OperandKind::Func => "a function name",
        OperandKind::Import => "an import name",
        OperandKind::Data => "a data symbol `@name`",
        OperandKind::Shader => "a shader name",
    }
}

/// True if the token is spelled like an operand of this syntax class (its value may
/// still be wrong: that is a different error).
fn fits(text: &str, class: SyntaxClass) -> bool {
    match class {
        SyntaxClass::Register => lex::is_register_like(text),
        SyntaxClass::Integer => lex::is_integer_like(text),
        SyntaxClass::Float => lex::is_float_like(text),
        SyntaxClass::Name => {
            text.starts_with('"')
                || (text
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                    && !lex::is_register_like(text))
        }
        SyntaxClass::DataRef => text.starts_with('@'),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Reads one operand token of a known kind.
fn parse_operand(kind: OperandKind, text: &str) -> Result<Arg, LexError> {
    let whole = |message: String| LexError {
        start: 0,
        end: text.len(),
        message,
    };
    let value = match kind {
        OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => {
            match text[1..].parse::<u32>() {
                Ok(r) if r < MAX_REGISTERS => OperandValue::Reg(r as u8),
                _ => {
                    return Err(whole(format!(
                        "register `{text}` is out of range (registers are r0..r255)"
                    )));
                }
            }
        }
        OperandKind::Count => OperandValue::Count(
            lex::parse_int_in(text, 0, u32::MAX.into(), "count").map_err(whole)? as u32,
        ),
        OperandKind::Imm32 => {
            let v = lex::parse_int_in(text, i32::MIN.into(), u32::MAX.into(), "32-bit immediate")
                .map_err(whole)?;
            OperandValue::Imm32(v as u32 as i32)
        }
        OperandKind::Imm64 => {
            let v = lex::parse_int_in(text, i64::MIN.into(), u64::MAX.into(), "64-bit immediate")
                .map_err(whole)?;
            OperandValue::Imm64(v as u64 as i64)
        }
        OperandKind::F64 => OperandValue::F64(lex::parse_f64_bits(text).map_err(whole)?),
        OperandKind::F32 => OperandValue::F32(lex::parse_f32_bits(text).map_err(whole)?),
        OperandKind::Label | OperandKind::Func | OperandKind::Import | OperandKind::Shader => {
            return lex::parse_name(text).map(Arg::Name);
        }
        OperandKind::Data => {
            let name = text.strip_prefix('@').unwrap_or(text);
            return lex::parse_name(name).map(Arg::Name).map_err(|e| LexError {
                start: e.start + 1,
                end: e.end + 1,
                ..e
            });
        }
    };
    Ok(Arg::Value(value))
}

/// True if a token starts a raw hex instruction rather than a mnemonic: it starts with a
/// digit, or it is exactly eight hex digits (`C0DA0001`).
fn is_hex_start(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_digit())
        || (text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

impl<'s> Asm<'s> {
    // ------------------------------------------------------------------ diagnostics

    fn diagnostic(&self, span: Span, message: String, help: Option<String>) -> Diagnostic {
        let text = self.lines.get(span.line).copied().unwrap_or("");
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let column = text.get(..start).map_or(start, |s| s.chars().count()) + 1;
        let len = text.get(start..end).map_or(1, |s| s.chars().count()).max(1);
        Diagnostic {
            line: span.line + 1,
            column,
            len,
            message,
            help,
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.report(span, message.into(), None);
    }

    fn error_help(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.report(span, message.into(), Some(help.into()));
    }

    /// True once [`MAX_DIAGNOSTICS`] errors are kept: later ones are only counted, and
    /// their "did you mean" searches skipped.
    fn full(&self) -> bool {
        self.diags.len() >= MAX_DIAGNOSTICS
    }

    /// Keeps the first [`MAX_DIAGNOSTICS`] errors and counts the rest: a listing of junk
    /// must not make a diagnostic per token.
    fn report(&mut self, span: Span, message: String, help: Option<String>) {
        if !self.full() {
            let d = self.diagnostic(span, message, help);
            self.diags.push(d);
        } else {
            self.omitted += 1;
        }
    }

    fn lex_error(&mut self, span: Span, e: LexError) {
        self.error(span.sub(e.start, e.end), e.message);
    }

    /// Tokens of a line's code, or `None` after reporting an unterminated string.
    fn pieces(&mut self, index: usize, report: bool) -> Option<Vec<Piece<'s>>> {
        let line = self.lines[index];
        let code = lex::strip_comment(line);
        match lex::tokenize(code) {
            Ok(pieces) => Some(pieces),
            Err(at) => {
                if report {
                    self.error(
                        Span {
                            line: index,
                            start: at,
                            end: code.len(),
                        },
                        "unterminated string (add the closing `\"`)",
                    );
                }
                None
            }
        }
    }

    /// Arguments with no commas.
    fn plain_args<'t>(&mut self, line: usize, pieces: &[Piece<'t>]) -> Option<Vec<Token<'t>>> {
        let mut out = Vec::new();
        for piece in pieces {
            match *piece {
                Piece::Token(t) => out.push(t),
                Piece::Comma(at) => {
                    self.error(Span::at(line, at).sub(0, 1), "unexpected `,`");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A comma-separated list of single tokens (possibly empty).
    fn list_args<'t>(
        &mut self,
        line: usize,
        pieces: &[Piece<'t>],
        what: &str,
    ) -> Option<Vec<Token<'t>>> {
        let mut out = Vec::new();
        let mut want_item = true;
        let mut last_comma = None;
        for piece in pieces {
            match *piece {
                Piece::Token(t) => {
                    if !want_item {
                        self.error(
                            Span::of(line, &t),
                            format!("expected `,` before `{}`", t.text),
                        );
                        return None;
                    }
                    out.push(t);
                    want_item = false;
                }
                Piece::Comma(at) => {
                    if want_item {
                        self.error(
                            Span::at(line, at).sub(0, 1),
                            format!("expected {what} before `,`"),
                        );
                        return None;
                    }
                    want_item = true;
                    last_comma = Some(at);
                }
            }
        }
        if want_item && let Some(at) = last_comma {
            self.error(
                Span::at(line, at).sub(0, 1),
                format!("expected {what} after `,`"),
            );
            return None;
        }
        Some(out)
    }

    /// Splits `key=value`, returning the value as a token of its own.
    fn key_value<'t>(token: &Token<'t>) -> Option<(&'t str, Token<'t>)> {
        let eq = token.text.find('=')?;
        Some((&token.text[..eq], token.suffix(eq + 1)))
    }

    fn int_arg(
        &mut self,
        line: usize,
        token: &Token<'_>,
        min: i128,
        max: i128,
        what: &str,
    ) -> Option<i128> {
        match lex::parse_int_in(token.text, min, max, what) {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(Span::of(line, token), message);
                None
            }
        }
    }

    fn name_arg(&mut self, line: usize, token: &Token<'_>) -> Option<String> {
        match lex::parse_name(token.text) {
            Ok(name) => Some(name),
            Err(e) => {
                self.lex_error(Span::of(line, token), e);
                None
            }
        }
    }

    fn text_arg(&mut self, line: usize, token: &Token<'_>) -> Option<String> {
        match lex::decode_text(token.text) {
            Ok(text) => Some(text),
            Err(e) => {
                self.lex_error(Span::of(line, token), e);
                None
            }
        }
    }

    // ------------------------------------------------------------------ pass 1

    /// Finds what the main pass must know before it starts: whether the file has any
    /// `.func` (else top-level code forms `main`), whether it uses `.source` (then the
    /// line table comes from `.line`), and `.memory` (data must fit in it).
    fn prescan(&mut self) {
        for index in 0..self.lines.len() {
            let Some(pieces) = self.pieces(index, false) else {
                continue;
            };
            let Some(Piece::Token(first)) = pieces.first() else {
                continue;
            };
            match first.text {
                ".func" => self.has_func = true,
                ".source" => self.source_mode = true,
                ".memory" => {
                    let span = Span::of(index, first);
                    let Some(args) = self.plain_args(index, &pieces[1..]) else {
                        continue;
                    };
                    if args.len() != 1 {
                        self.error(span, "expected `.memory BYTES`");
                        continue;
                    }
                    if let Some((_, previous)) = self.memory {
                        self.error_help(
                            span,
                            "duplicate `.memory`",
                            format!("memory size already set on line {}", previous.line + 1),
                        );
                        continue;
                    }
                    if let Some(size) =
                        self.int_arg(index, &args[0], 0, u32::MAX.into(), "memory size")
                    {
                        self.memory = Some((size as u64, Span::of(index, &args[0])));
                    }
                }
                _ => {}
            }
        }
    }

    fn memory_size(&self) -> u64 {
        self.memory
            .map_or(u64::from(DEFAULT_MEMORY_SIZE), |(size, _)| size)
    }

    fn line(&mut self, index: usize) {
        let Some(pieces) = self.pieces(index, true) else {
            return;
        };
        let first = match pieces.first() {
            None => return,
            Some(Piece::Comma(at)) => {
                self.error(Span::at(index, *at).sub(0, 1), "unexpected `,`");
                return;
            }
            Some(Piece::Token(t)) => *t,
        };
        if first.text.starts_with('.') && !first.text.ends_with(':') {
            self.directive(index, first, &pieces[1..]);
            return;
        }
        let mut rest = &pieces[..];
        let mut addr = None;
        if let Some(prefix) = first.text.strip_suffix(':') {
            rest = &pieces[1..];
            let prefix_span = Span::of(index, &first).sub(0, prefix.len());
            let next_is_hex = matches!(rest.first(), Some(Piece::Token(t)) if is_hex_start(t.text));
            let looks_like_addr = prefix.bytes().next().is_some_and(|b| b.is_ascii_digit())
                || (!prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_hexdigit())
                    && next_is_hex);
            if looks_like_addr {
                match u32::from_str_radix(prefix, 16) {
                    Ok(value) => addr = Some((value, prefix_span)),
                    Err(_) => {
                        self.error(
                            prefix_span,
                            format!("invalid address `{prefix}` (expected hex digits)"),
                        );
                        return;
                    }
                }
            } else {
                self.define_label(prefix, prefix_span);
            }
        }
        let Some(Piece::Token(head)) = rest.first().copied() else {
            if let Some(Piece::Comma(at)) = rest.first() {
                self.error(Span::at(index, *at).sub(0, 1), "unexpected `,`");
            } else if let Some((_, span)) = addr {
                self.error(span, "an address must be followed by a hex instruction");
            }
            return;
        };
        let span = Span::of(index, &head).to(match rest.last() {
            Some(Piece::Token(t)) => Span::of(index, t),
            Some(Piece::Comma(at)) => Span::at(index, *at + 1),
            None => Span::of(index, &head),
        });
        let Some(func) = self.function_for_code(span) else {
            return;
        };
        let body = if is_hex_start(head.text) {
            self.hex_instruction(index, rest, addr, func)
        } else {
            if let Some((_, addr_span)) = addr {
                self.error(
                    addr_span,
                    "an address must be followed by a hex instruction",
                );
            }
            self.text_instruction(index, head, &rest[1..])
        };
        if let Some((line, _)) = self.pending_line.take() {
            self.rows.push(LineEntry {
                pc: self.code_len,
                line,
            });
        }
        self.code_len += 1;
        self.functions[func].slots.push(Slot { span, body });
    }

    /// The function code on this line belongs to, creating the implicit `main` of a
    /// file without `.func`.
    fn function_for_code(&mut self, span: Span) -> Option<usize> {
        if let Some(current) = self.current {
            return Some(current);
        }
        if self.has_func {
            self.error_help(
                span,
                "code outside a function",
                "put instructions and labels between `.func NAME` and `.end`",
            );
            return None;
        }
        self.functions.push(FuncDef {
            name: "main".to_string(),
            span,
            params: 0,
            regs: None,
            slots: Vec::new(),
            labels: HashMap::new(),
            open: false,
        });
        self.func_index.insert("main".to_string(), 0);
        self.current = Some(0);
        Some(0)
    }

    fn define_label(&mut self, name: &str, span: Span) {
        if !lex::is_plain_name(name) {
            self.error(span, format!("invalid label name `{name}`"));
            return;
        }
        let Some(func) = self.function_for_code(span) else {
            return;
        };
        let f = &mut self.functions[func];
        let index = f.slots.len() as u32;
        if let Some(&(_, previous)) = f.labels.get(name) {
            self.error_help(
                span,
                format!("duplicate label `{name}`"),
                format!("`{name}` is already defined on line {}", previous.line + 1),
            );
        } else {
            f.labels.insert(name.to_string(), (index, span));
        }
    }

    fn hex_instruction(
        &mut self,
        line: usize,
        pieces: &[Piece<'_>],
        addr: Option<(u32, Span)>,
        func: usize,
    ) -> Body {
        let mut tokens = Vec::new();
        for piece in pieces {
            match *piece {
                Piece::Token(t) => tokens.push(t),
                Piece::Comma(at) => {
                    self.error(
                        Span::at(line, at).sub(0, 1),
                        "hex words are separated by spaces, not commas",
                    );
                    return Body::Broken;
                }
            }
        }
        if tokens.len() != 5 {
            let span = if tokens.len() > 5 {
                Span::of(line, &tokens[5]).to(Span::of(line, tokens.last().unwrap_or(&tokens[5])))
            } else {
                Span::at(line, tokens.last().map_or(0, |t| t.end() + 1))
            };
            self.error_help(
                span,
                format!(
                    "a hex instruction has 5 words (op a b c d), found {}",
                    tokens.len()
                ),
                "write `[ADDR:] OOOOOOOO AAAAAAAA BBBBBBBB CCCCCCCC DDDDDDDD`",
            );
            return Body::Broken;
        }
        let mut words = [0u32; 5];
        let mut spans = [Span::at(line, 0); 5];
        let mut ok = true;
        for (i, token) in tokens.iter().enumerate() {
            spans[i] = Span::of(line, token);
            let valid = token.text.len() == 8 && token.text.bytes().all(|b| b.is_ascii_hexdigit());
            match u32::from_str_radix(token.text, 16) {
                Ok(word) if valid => words[i] = word,
                _ => {
                    self.error(
                        spans[i],
                        format!("invalid hex word `{}`: expected 8 hex digits", token.text),
                    );
                    ok = false;
                }
            }
        }
        if let Some((value, span)) = addr {
            let index = self.functions[func].slots.len();
            if value as usize != index {
                let name = self.functions[func].name.clone();
                self.error_help(
                    span,
                    format!(
                        "address {value:04X} does not match this instruction's index {index:04X} in function `{name}`"
                    ),
                    "a hex address is the instruction's index in its function, counted from 0",
                );
            }
        }
        if !ok {
            return Body::Broken;
        }
        match Instruction::from_words(words) {
            Ok(instr) => Body::Hex {
                instr,
                words: spans,
            },
            Err(e) => {
                let word = match e {
                    DecodeError::UnknownOpcode(_) => 0,
                    DecodeError::UnusedWordNotZero { index, .. }
                    | DecodeError::RegisterOutOfRange { index, .. } => index + 1,
                    DecodeError::OperandMismatch { .. } => 0,
                };
                self.error(spans[word], format!("invalid instruction: {e}"));
                Body::Broken
            }
        }
    }

    fn text_instruction(&mut self, line: usize, head: Token<'_>, rest: &[Piece<'_>]) -> Body {
        let mnemonic = head.text.to_ascii_lowercase();
        let head_span = Span::of(line, &head);
        let candidates: Vec<Opcode> = Opcode::by_mnemonic(&mnemonic).collect();
        if candidates.is_empty() {
            if self.full() {
                self.omitted += 1;
                return Body::Broken;
            }
            match nearest(&mnemonic, Opcode::mnemonics()) {
                Some(near) => self.error_help(
                    head_span,
                    format!("unknown mnemonic `{}`", head.text),
                    format!("did you mean `{near}`?"),
                ),
                None => self.error(head_span, format!("unknown mnemonic `{}`", head.text)),
            }
            return Body::Broken;
        }
        let forms = || {
            candidates
                .iter()
                .map(|&op| format!("`{}`", assembly_form(op)))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let Some(args) = self.list_args(line, rest, "an operand") else {
            return Body::Broken;
        };
        let mut survivors: Vec<Opcode> = candidates
            .iter()
            .copied()
            .filter(|op| op.operands().len() == args.len())
            .collect();
        if survivors.is_empty() {
            let mut counts: Vec<usize> = candidates.iter().map(|op| op.operands().len()).collect();
            counts.sort_unstable();
            counts.dedup();
            let max = *counts.last().unwrap_or(&0);
            let expected = match counts.as_slice() {
                [one] => plural(*one, "operand"),
                many => format!(
                    "{} operands",
                    many.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
            let span = if args.len() > max {
                Span::of(line, &args[max]).to(Span::of(line, &args[args.len() - 1]))
            } else {
                Span::at(line, args.last().unwrap_or(&head).end() + 1)
            };
            self.error_help(
                span,
                format!("`{mnemonic}` takes {expected}, found {}", args.len()),
                format!("expected {}", forms()),
            );
            return Body::Broken;
        }
        for (i, token) in args.iter().enumerate() {
            let next: Vec<Opcode> = survivors
                .iter()
                .copied()
                .filter(|op| fits(token.text, op.operands()[i].syntax_class()))
                .collect();
            if next.is_empty() {
                let mut expected: Vec<&str> = Vec::new();
                for op in &survivors {
                    let d = describe(op.operands()[i]);
                    if !expected.contains(&d) {
                        expected.push(d);
                    }
                }
                self.error_help(
                    Span::of(line, token),
                    format!(
                        "expected {} as operand {} of `{mnemonic}`, found `{}`",
                        expected.join(" or "),
                        i + 1,
                        token.text
                    ),
                    format!("expected {}", forms()),
                );
                return Body::Broken;
            }
            survivors = next;
        }
        let opcode = survivors[0];
        let mut operands = Vec::with_capacity(args.len());
        let mut ok = true;
        for (token, &kind) in args.iter().zip(opcode.operands()) {
            let span = Span::of(line, token);
            match parse_operand(kind, token.text) {
                Ok(arg) => operands.push((span, arg)),
                Err(e) => {
                    self.lex_error(span, e);
                    ok = false;
                }
            }
        }
        if !ok {
            return Body::Broken;
        }
        // The first use of an import declares it, with this instruction's argument count
        // unless an `.import` says otherwise.
        let kinds = opcode.operands();
        let position = |wanted| kinds.iter().position(|&k| k == wanted);
        if let Some(i) = position(OperandKind::Import)
            && let Some((_, Arg::Name(name))) = operands.get(i)
        {
            let name = name.clone();
            let count = position(OperandKind::Count).and_then(|c| match operands.get(c) {
                Some((span, Arg::Value(OperandValue::Count(n)))) => Some((*n, *span)),
                _ => None,
            });
            let index = self.import(name);
            if let Some(count) = count {
                self.imports[index].first_use.get_or_insert(count);
            }
        }
        Body::Text { opcode, operands }
    }

    fn import(&mut self, name: String) -> usize {
        if let Some(&index) = self.import_index.get(&name) {
            return index;
        }
        self.imports.push(ImportDef {
            name: name.clone(),
            declared: None,
            first_use: None,
        });
        self.import_index.insert(name, self.imports.len() - 1);
        self.imports.len() - 1
    }

    // ------------------------------------------------------------------ directives

    fn directive(&mut self, line: usize, head: Token<'_>, rest: &[Piece<'_>]) {
        let span = Span::of(line, &head);
        match head.text {
            ".memory" => {} // read by the prescan
            ".data" => self.dir_data(line, span, rest),
            ".ascii" | ".i8" | ".i16" | ".i32" | ".i64" | ".f32" | ".f64" | ".zero" | ".align" => {
                self.dir_bytes(line, head.text, span, rest)
            }
            ".func" => self.dir_func(line, span, rest),
            ".end" => self.dir_end(line, span, rest),
            ".entry" | ".noentry" => self.dir_entry(line, head.text, span, rest),
            ".export" => self.dir_export(line, span, rest),
            ".import" => self.dir_import(line, span, rest),
            ".shader" => self.dir_shader(line, span, rest),
            ".source" => self.dir_source(line, span, rest),
            ".line" => self.dir_line(line, span, rest),
            _ if self.full() => self.omitted += 1,
            other => match nearest(other, DIRECTIVES.iter().copied()) {
                Some(near) => self.error_help(
                    span,
                    format!("unknown directive `{other}`"),
                    format!("did you mean `{near}`?"),
                ),
                None => self.error(span, format!("unknown directive `{other}`")),
            },
        }
    }

    /// Reports a directive used inside an explicit function body; true if so.
    fn inside_function(&mut self, span: Span, directive: &str) -> bool {
        match self.current {
            Some(f) if self.functions[f].open => {
                let name = self.functions[f].name.clone();
                self.error_help(
                    span,
                    format!("`{directive}` inside function `{name}`"),
                    "close the function with `.end` first",
                );
                true
            }
            _ => false,
        }
    }

    fn dir_data(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        self.current_data = None;
        if self.inside_function(span, ".data") {
            return;
        }
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let usage = "expected `.data NAME` or `.data NAME at=ADDRESS`";
        let Some(name_token) = args.first() else {
            self.error(span, usage);
            return;
        };
        let Some(name) = self.name_arg(line, name_token) else {
            return;
        };
        let previous_end = self.data.last().map(|d| d.offset + d.bytes.len() as u64);
        let mut offset = align_up(previous_end.unwrap_or(0).max(FIRST_DATA_ADDRESS), 8);
        match &args[1..] {
            [] => {}
            [at] if at.text.starts_with("at=") => {
                let value = at.suffix(3);
                let Some(v) = self.int_arg(line, &value, 0, u32::MAX.into(), "address") else {
                    return;
                };
                offset = v as u64;
                if let Some(end) = previous_end
                    && offset < end
                {
                    let previous = self.data.last().map(|d| d.name.clone()).unwrap_or_default();
                    self.error_help(
                        Span::of(line, &value),
                        format!(
                            "data `{name}` at {offset} overlaps or precedes `{previous}`, which ends at {end}"
                        ),
                        "data symbols must be in increasing address order without overlap",
                    );
                    return;
                }
            }
            [other, ..] => {
                self.error(Span::of(line, other), usage);
                return;
            }
        }
        let name_span = Span::of(line, name_token);
        if offset > self.memory_size() {
            let memory = self.memory_size();
            self.error_help(
                name_span,
                format!("data `{name}` starts at {offset}, beyond the memory size {memory}"),
                "raise `.memory` or move the data",
            );
            return;
        }
        if let Some(&previous) = self.data_index.get(&name) {
            let first = self.data[previous].span;
            self.error_help(
                name_span,
                format!("duplicate data symbol `{name}`"),
                format!("`{name}` is already defined on line {}", first.line + 1),
            );
            return;
        }
        self.data.push(DataDef {
            name: name.clone(),
            span: name_span,
            offset,
            bytes: Vec::new(),
            overflowed: false,
        });
        self.data_index.insert(name, self.data.len() - 1);
        self.current_data = Some(self.data.len() - 1);
    }

    /// Appends bytes to the current data symbol if they fit in memory.
    fn extend_data(&mut self, span: Span, bytes: impl FnOnce() -> Vec<u8>, count: u64) {
        let Some(index) = self.current_data else {
            return;
        };
        let memory = self.memory_size();
        let seg = &mut self.data[index];
        if seg.overflowed {
            return;
        }
        let end = seg.offset + seg.bytes.len() as u64 + count;
        if end > memory {
            seg.overflowed = true;
            let name = seg.name.clone();
            self.error_help(
                span,
                format!("data `{name}` would end at {end}, beyond the memory size {memory}"),
                "raise `.memory` or shrink the data",
            );
            return;
        }
        let new = bytes();
        self.data[index].bytes.extend_from_slice(&new);
    }

    fn dir_bytes(&mut self, line: usize, directive: &str, span: Span, rest: &[Piece<'_>]) {
        if self.current_data.is_none() {
            self.error_help(
                span,
                format!("`{directive}` outside a data symbol"),
                "start one with `.data NAME`",
            );
            return;
        }
        let what = match directive {
            ".ascii" => "a string",
            ".zero" | ".align" => "a size",
            ".f32" | ".f64" => "a float",
            _ => "an integer",
        };
        let Some(args) = self.list_args(line, rest, what) else {
            return;
        };
        if args.is_empty() {
            self.error(span, format!("`{directive}` needs {what}"));
            return;
        }
        let whole = Span::of(line, &args[0]).to(Span::of(line, &args[args.len() - 1]));
        match directive {
            ".zero" | ".align" => {
                if args.len() != 1 {
                    self.error(
                        Span::of(line, &args[1]),
                        format!("`{directive}` takes one size"),
                    );
                    return;
                }
                let min = if directive == ".align" { 1 } else { 0 };
                let Some(n) = self.int_arg(line, &args[0], min, u32::MAX.into(), "size") else {
                    return;
                };
                let count = if directive == ".zero" {
                    n as u64
                } else {
                    let seg = &self.data[self.current_data.unwrap_or(0)];
                    let at = seg.offset + seg.bytes.len() as u64;
                    align_up(at, n as u64) - at
                };
                self.extend_data(whole, || vec![0; count as usize], count);
            }
            ".ascii" => {
                let mut bytes = Vec::new();
                for token in &args {
                    match lex::decode_string(token.text) {
                        Ok(b) => bytes.extend(b),
                        Err(e) => {
                            self.lex_error(Span::of(line, token), e);
                            return;
                        }
                    }
                }
                let count = bytes.len() as u64;
                self.extend_data(whole, || bytes, count);
            }
            _ => {
                let mut bytes = Vec::new();
                for token in &args {
                    let tspan = Span::of(line, token);
                    let result = match directive {
                        ".f32" => lex::parse_f32_bits(token.text).map(|b| b.to_le_bytes().to_vec()),
                        ".f64" => lex::parse_f64_bits(token.text).map(|b| b.to_le_bytes().to_vec()),
                        _ => {
                            let width: u32 = directive[2..].parse().unwrap_or(64);
                            let min = -(1i128 << (width - 1));
                            let max = (1i128 << width) - 1;
                            lex::parse_int_in(token.text, min, max, &format!("{width}-bit value"))
                                .map(|v| (v as u64).to_le_bytes()[..width as usize / 8].to_vec())
                        }
                    };
                    match result {
                        Ok(b) => bytes.extend(b),
                        Err(message) => {
                            self.error(tspan, message);
                            return;
                        }
                    }
                }
                let count = bytes.len() as u64;
                self.extend_data(whole, || bytes, count);
            }
        }
    }

    fn dir_func(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        self.current_data = None;
        if let Some(f) = self.current.take() {
            let name = self.functions[f].name.clone();
            let fspan = self.functions[f].span;
            self.functions[f].open = false;
            self.error_help(
                fspan,
                format!("function `{name}` has no `.end`"),
                format!("the next `.func` starts on line {}", line + 1),
            );
        }
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let usage = "expected `.func NAME [params=N] [regs=N]`";
        let Some(name_token) = args.first() else {
            self.error(span, usage);
            return;
        };
        let name = self.name_arg(line, name_token).unwrap_or_default();
        let name_span = Span::of(line, name_token);
        let mut params = None;
        let mut regs = None;
        for token in &args[1..] {
            let tspan = Span::of(line, token);
            let option =
                Self::key_value(token).filter(|(key, _)| matches!(*key, "params" | "regs"));
            let Some((key, value)) = option else {
                self.error_help(tspan, format!("unexpected `{}`", token.text), usage);
                continue;
            };
            let (slot, min) = if key == "params" {
                (&mut params, 0)
            } else {
                (&mut regs, 1)
            };
            if slot.is_some() {
                self.error(tspan, format!("duplicate `{key}`"));
                continue;
            }
            *slot = self
                .int_arg(line, &value, min, MAX_REGISTERS.into(), key)
                .map(|v| (v as u32, Span::of(line, &value)));
        }
        if let (Some((p, pspan)), Some((r, _))) = (params, regs)
            && p > r
        {
            self.error(
                pspan,
                format!("{p} parameters do not fit in a frame of {r} registers"),
            );
        }
        if !name.is_empty()
            && let Some(&previous) = self.func_index.get(&name)
        {
            let first = self.functions[previous].span;
            self.error_help(
                name_span,
                format!("duplicate function `{name}`"),
                format!("`{name}` is already defined on line {}", first.line + 1),
            );
        } else if !name.is_empty() {
            self.func_index.insert(name.clone(), self.functions.len());
        }
        self.functions.push(FuncDef {
            name,
            span: name_span,
            params: params.map_or(0, |(p, _)| p),
            regs: regs.map(|(r, _)| r),
            slots: Vec::new(),
            labels: HashMap::new(),
            open: true,
        });
        self.current = Some(self.functions.len() - 1);
    }

    fn dir_end(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        if let Some(Piece::Token(t)) = rest.first() {
            self.error(Span::of(line, t), "`.end` takes no arguments");
        }
        match self.current.take() {
            Some(f) if self.functions[f].open => {
                self.functions[f].open = false;
            }
            other => {
                self.current = other;
                self.error(span, "`.end` without `.func`");
            }
        }
    }

    fn dir_entry(&mut self, line: usize, directive: &str, span: Span, rest: &[Piece<'_>]) {
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        if self.entry.is_some() {
            self.error(
                span,
                "the entry is already set (`.entry` or `.noentry` may appear once)",
            );
            return;
        }
        if directive == ".noentry" {
            if let Some(t) = args.first() {
                self.error(Span::of(line, t), "`.noentry` takes no arguments");
            }
            self.entry = Some(EntryDecl::None);
            return;
        }
        if args.len() != 1 {
            self.error(span, "expected `.entry FUNCTION`");
            return;
        }
        if let Some(name) = self.name_arg(line, &args[0]) {
            self.entry = Some(EntryDecl::Named(name, Span::of(line, &args[0])));
        }
    }

    fn dir_export(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let (func_token, name_token) = match args.as_slice() {
            [f] => (f, f),
            [f, as_, n] if as_.text == "as" => (f, n),
            _ => {
                self.error(
                    span,
                    "expected `.export FUNCTION` or `.export FUNCTION as NAME`",
                );
                return;
            }
        };
        let (Some(func), Some(name)) = (
            self.name_arg(line, func_token),
            self.name_arg(line, name_token),
        ) else {
            return;
        };
        self.exports.push(ExportDecl {
            func,
            func_span: Span::of(line, func_token),
            name,
            name_span: Span::of(line, name_token),
        });
    }

    fn dir_import(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let usage = "expected `.import NAME params=N`";
        let [name_token, params_token] = args.as_slice() else {
            self.error(span, usage);
            return;
        };
        let Some(("params", value)) = Self::key_value(params_token) else {
            self.error(Span::of(line, params_token), usage);
            return;
        };
        let (Some(name), Some(params)) = (
            self.name_arg(line, name_token),
            self.int_arg(line, &value, 0, u32::MAX.into(), "params"),
        ) else {
            return;
        };
        let name_span = Span::of(line, name_token);
        let index = self.import(name.clone());
        if let Some((_, previous)) = self.imports[index].declared {
            self.error_help(
                name_span,
                format!("duplicate import `{name}`"),
                format!("`{name}` is already declared on line {}", previous.line + 1),
            );
            return;
        }
        self.imports[index].declared = Some((params as u32, Span::of(line, &value)));
    }

    fn dir_shader(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        let usage =
            "expected `.shader NAME wgsl \"SOURCE\"` or `.shader NAME spirv WORD, WORD, ...`";
        let (Some(Piece::Token(name_token)), Some(Piece::Token(kind))) =
            (rest.first(), rest.get(1))
        else {
            self.error(span, usage);
            return;
        };
        let Some(name) = self.name_arg(line, name_token) else {
            return;
        };
        let source = match kind.text {
            "wgsl" => {
                let Some(args) = self.plain_args(line, &rest[2..]) else {
                    return;
                };
                let [text] = args.as_slice() else {
                    self.error(
                        Span::of(line, kind),
                        "expected one WGSL string after `wgsl`",
                    );
                    return;
                };
                let Some(text) = self.text_arg(line, text) else {
                    return;
                };
                ShaderSource::Wgsl(text)
            }
            "spirv" => {
                let Some(args) = self.list_args(line, &rest[2..], "a word") else {
                    return;
                };
                let mut words = Vec::with_capacity(args.len());
                for token in &args {
                    let Some(w) = self.int_arg(line, token, 0, u32::MAX.into(), "SPIR-V word")
                    else {
                        return;
                    };
                    words.push(w as u32);
                }
                ShaderSource::SpirV(words)
            }
            _ => {
                self.error_help(
                    Span::of(line, kind),
                    format!("unknown shader kind `{}`", kind.text),
                    "expected `wgsl` or `spirv`",
                );
                return;
            }
        };
        let name_span = Span::of(line, name_token);
        if let Some(&previous) = self.shader_index.get(&name) {
            let first = self.shaders[previous].1;
            self.error_help(
                name_span,
                format!("duplicate shader `{name}`"),
                format!("`{name}` is already defined on line {}", first.line + 1),
            );
            return;
        }
        self.shader_index.insert(name.clone(), self.shaders.len());
        self.shaders.push((name, name_span, source));
    }

    fn dir_source(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let [token] = args.as_slice() else {
            self.error(span, "expected `.source \"FILE\"`");
            return;
        };
        if let Some((_, previous)) = &self.source {
            let previous = previous.line + 1;
            self.error(
                span,
                format!("duplicate `.source` (first on line {previous})"),
            );
            return;
        }
        if let Some(text) = self.text_arg(line, token) {
            self.source = Some((text, span));
        }
    }

    fn dir_line(&mut self, line: usize, span: Span, rest: &[Piece<'_>]) {
        let Some(args) = self.plain_args(line, rest) else {
            return;
        };
        let [token] = args.as_slice() else {
            self.error(span, "expected `.line N`");
            return;
        };
        if !self.source_mode {
            self.error_help(
                span,
                "`.line` needs a `.source` directive",
                "without `.source` the assembler records each instruction's own line",
            );
            return;
        }
        let Some(n) = self.int_arg(line, token, 0, u32::MAX.into(), "line number") else {
            return;
        };
        if let Some((_, previous)) = self.pending_line {
            self.error(
                span,
                format!(
                    "two `.line` directives before one instruction (the other is on line {})",
                    previous.line + 1
                ),
            );
            return;
        }
        self.pending_line = Some((n as u32, span));
    }

    // ------------------------------------------------------------------ pass 2

    fn finish(mut self) -> Result<Module, Diagnostics> {
        if let Some(f) = self.current.take()
            && self.functions[f].open
        {
            let name = self.functions[f].name.clone();
            let span = self.functions[f].span;
            self.error_help(
                span,
                format!("function `{name}` has no `.end`"),
                "add `.end` after its last instruction",
            );
        }
        if let Some((_, span)) = self.pending_line {
            self.error(span, "`.line` with no instruction after it");
        }
        if self.functions.is_empty() {
            self.error(
                Span::at(0, 0),
                "the listing has no code: a module needs at least one function",
            );
        }
        for f in 0..self.functions.len() {
            if self.functions[f].slots.is_empty() {
                let name = self.functions[f].name.clone();
                let span = self.functions[f].span;
                self.error(span, format!("function `{name}` has no instructions"));
            }
        }

        let imports: Vec<Import> = self
            .imports
            .iter()
            .map(|i| Import {
                name: i.name.clone(),
                params: i.declared.or(i.first_use).map_or(0, |(p, _)| p),
            })
            .collect();

        // Resolve every instruction; a broken one becomes `None` (its error is reported).
        let funcs = std::mem::take(&mut self.functions);
        let mut resolved: Vec<Vec<Option<Resolved>>> = Vec::with_capacity(funcs.len());
        for f in &funcs {
            let mut instrs = Vec::with_capacity(f.slots.len());
            for slot in &f.slots {
                instrs.push(match &slot.body {
                    Body::Broken => None,
                    Body::Hex { instr, words } => Some(Resolved {
                        instr: *instr,
                        span: slot.span,
                        operands: operand_spans(instr.opcode(), |w| words[1 + w]),
                    }),
                    Body::Text { opcode, operands } => {
                        self.resolve(f, *opcode, operands)
                            .map(|(instr, operands)| Resolved {
                                instr,
                                span: slot.span,
                                operands,
                            })
                    }
                });
            }
            resolved.push(instrs);
        }

        // Stands in for a broken instruction; its error keeps the module from being returned.
        let nop = Instruction::from_words([Opcode::Nop.word(), 0, 0, 0, 0]).expect("nop decodes");
        let mut code = Vec::with_capacity(self.code_len as usize);
        let mut functions = Vec::with_capacity(funcs.len());
        for (f, instrs) in funcs.iter().zip(&resolved) {
            let entry = code.len() as u32;
            let needed = instrs
                .iter()
                .flatten()
                .map(|r| frame_needed(&r.instr))
                .fold(f.params.max(1), u32::max);
            for r in instrs {
                code.push(r.as_ref().map_or(nop, |r| r.instr));
            }
            functions.push(Function {
                name: f.name.clone(),
                entry,
                len: f.slots.len() as u32,
                regs: f.regs.unwrap_or(needed.min(MAX_REGISTERS)),
                params: f.params,
            });
        }
        self.functions = funcs;

        let entry = match self.entry.take() {
            Some(EntryDecl::None) => None,
            Some(EntryDecl::Named(name, span)) => match self.func_index.get(&name) {
                Some(&i) => Some(i as u32),
                None => {
                    self.unknown_function(&name, span);
                    None
                }
            },
            None => self.func_index.get("main").map(|&i| i as u32),
        };

        let mut exports = Vec::with_capacity(self.exports.len());
        let mut export_names: HashMap<String, Span> = HashMap::new();
        for e in std::mem::take(&mut self.exports) {
            let Some(&func) = self.func_index.get(&e.func) else {
                self.unknown_function(&e.func, e.func_span);
                continue;
            };
            if let Some(previous) = export_names.get(&e.name) {
                let message = format!(
                    "duplicate export `{}` (first on line {})",
                    e.name,
                    previous.line + 1
                );
                self.error(e.name_span, message);
                continue;
            }
            export_names.insert(e.name.clone(), e.name_span);
            exports.push(Export {
                name: e.name,
                func: func as u32,
            });
        }

        let debug = match self.source.take() {
            Some((source, _)) => DebugInfo {
                source,
                lines: std::mem::take(&mut self.rows),
            },
            None => {
                let mut lines: Vec<LineEntry> = Vec::new();
                let slots = self.functions.iter().flat_map(|f| &f.slots);
                for (pc, slot) in slots.enumerate() {
                    let line = slot.span.line as u32 + 1;
                    if lines.last().is_none_or(|row| row.line != line) {
                        lines.push(LineEntry {
                            pc: pc as u32,
                            line,
                        });
                    }
                }
                DebugInfo {
                    source: self.file_name.to_string(),
                    lines,
                }
            }
        };

        let module = Module {
            memory_size: self.memory_size() as u32,
            entry,
            code,
            functions,
            imports,
            exports,
            data: self
                .data
                .iter()
                .map(|d| DataSegment {
                    name: d.name.clone(),
                    offset: d.offset as u32,
                    bytes: d.bytes.clone(),
                })
                .collect(),
            shaders: self
                .shaders
                .iter()
                .map(|(name, _, source)| Shader {
                    name: name.clone(),
                    source: source.clone(),
                })
                .collect(),
            debug,
        };

        // The verifier's rules, reported for every instruction at the operand at fault
        // (instructions that did not resolve already have their diagnostic); then the
        // whole verifier, whose structural rules have the last word. `verify` consumes
        // the module and hands it back on success, so it is never copied.
        let module = if !self.options.verify {
            Some(module)
        } else {
            for error in adead_isa::instruction_errors(&module) {
                self.verify_error(&resolved, error);
            }
            if !self.diags.is_empty() {
                None
            } else {
                match adead_isa::verify(module) {
                    Ok(verified) => Some(verified.into_inner()),
                    Err(e) => {
                        self.verify_error(&resolved, e);
                        None
                    }
                }
            }
        };
        match module {
            Some(module) if self.diags.is_empty() => Ok(module),
            _ => {
                let mut diags = self.diags;
                diags.sort_by_key(|d| (d.line, d.column));
                Err(Diagnostics::new(diags, self.omitted))
            }
        }
    }

    /// Reports a verifier error at the operand it is about.
    fn verify_error(&mut self, resolved: &[Vec<Option<Resolved>>], error: VerifyError) {
        let VerifyError::Instruction {
            function_index,
            pc,
            kind,
            ..
        } = error
        else {
            self.error(Span::at(0, 0), error.to_string());
            return;
        };
        // An instruction that did not resolve already has its diagnostic.
        let Some(r) = resolved
            .get(function_index as usize)
            .and_then(|f| f.get(pc as usize))
            .and_then(Option::as_ref)
        else {
            return;
        };
        let operands: Vec<_> = r.instr.operands().collect();
        let wanted = |k: OperandKind| operands.iter().position(|&(kind, _)| kind == k);
        let index = match &kind {
            VerifyErrorKind::RegisterOutsideFrame { reg, .. } => {
                operands.iter().position(|&(k, v)| {
                    matches!(k, OperandKind::Dst | OperandKind::Src)
                        && v == OperandValue::Reg(*reg as u8)
                })
            }
            VerifyErrorKind::RegisterRangeOutsideFrame { .. }
            | VerifyErrorKind::FunctionArityMismatch { .. }
            | VerifyErrorKind::ImportArityMismatch { .. } => wanted(OperandKind::Count),
            VerifyErrorKind::LabelOutOfRange { .. } => wanted(OperandKind::Label),
            VerifyErrorKind::FunctionIndexOutOfRange { .. } => wanted(OperandKind::Func),
            VerifyErrorKind::ImportIndexOutOfRange { .. } => wanted(OperandKind::Import),
            VerifyErrorKind::DataIndexOutOfRange { .. } => wanted(OperandKind::Data),
            VerifyErrorKind::ShaderIndexOutOfRange { .. } => wanted(OperandKind::Shader),
            _ => None,
        };
        let span = index
            .and_then(|i| r.operands.get(i))
            .copied()
            .unwrap_or(r.span);
        let explicit_regs = self
            .functions
            .get(function_index as usize)
            .is_some_and(|f| f.regs.is_some());
        let help = match &kind {
            VerifyErrorKind::RegisterOutsideFrame { regs, .. }
            | VerifyErrorKind::RegisterRangeOutsideFrame { regs, .. } => Some(if explicit_regs {
                format!("`regs={regs}` gives r0..r{}", regs.saturating_sub(1))
            } else {
                format!("the frame has r0..r{}", regs.saturating_sub(1))
            }),
            VerifyErrorKind::FunctionArityMismatch { callee, params, .. } => {
                Some(format!("`{callee}` is declared with params={params}"))
            }
            VerifyErrorKind::ImportArityMismatch { import, .. } => self
                .imports
                .iter()
                .find(|def| &def.name == import)
                .and_then(|def| match (def.declared, def.first_use) {
                    (Some((p, s)), _) => {
                        Some(format!("declared with params={p} on line {}", s.line + 1))
                    }
                    (None, Some((p, s))) => Some(format!(
                        "its first `hcall` (line {}) passes {p}",
                        s.line + 1
                    )),
                    (None, None) => None,
                }),
            _ => None,
        };
        match help {
            Some(help) => self.error_help(span, kind.to_string(), help),
            None => self.error(span, kind.to_string()),
        }
    }

    fn unknown_function(&mut self, name: &str, span: Span) {
        if self.full() {
            self.omitted += 1;
            return;
        }
        let message = format!("unknown function `{name}`");
        match nearest(name, self.func_index.keys().map(String::as_str)) {
            Some(near) => self.error_help(span, message, format!("did you mean `{near}`?")),
            None => self.error(span, message),
        }
    }

    /// Resolves the names of a mnemonic instruction and builds it, with a span per
    /// operand.
    fn resolve(
        &mut self,
        f: &FuncDef,
        opcode: Opcode,
        operands: &[(Span, Arg)],
    ) -> Option<(Instruction, Vec<Span>)> {
        let mut values = Vec::with_capacity(operands.len());
        for (&kind, (span, arg)) in opcode.operands().iter().zip(operands) {
            let span = *span;
            let name = match arg {
                Arg::Value(v) => {
                    values.push(Some(*v));
                    continue;
                }
                Arg::Name(name) => name,
            };
            let value = match kind {
                OperandKind::Label => {
                    let found = f.labels.get(name).map(|&(i, _)| OperandValue::Label(i));
                    if found.is_none() {
                        let message = format!("unknown label `{name}` in function `{}`", f.name);
                        let near = nearest(name, f.labels.keys().map(String::as_str));
                        self.error_near(span, message, near, "");
                    }
                    found
                }
                OperandKind::Func => {
                    let found = self
                        .func_index
                        .get(name)
                        .map(|&i| OperandValue::Func(i as u32));
                    if found.is_none() {
                        self.unknown_function(name, span);
                    }
                    found
                }
                OperandKind::Import => self
                    .import_index
                    .get(name)
                    .map(|&i| OperandValue::Import(i as u32)),
                OperandKind::Data => {
                    let found = self
                        .data_index
                        .get(name)
                        .map(|&i| OperandValue::Data(i as u32));
                    if found.is_none() {
                        let message = format!("unknown data symbol `@{name}`");
                        let near = nearest(name, self.data_index.keys().map(String::as_str))
                            .map(|n| format!("@{n}"));
                        self.error_near(
                            span,
                            message,
                            near.as_deref(),
                            "define it with `.data NAME`",
                        );
                    }
                    found
                }
                OperandKind::Shader => {
                    let found = self
                        .shader_index
                        .get(name)
                        .map(|&i| OperandValue::Shader(i as u32));
                    if found.is_none() {
                        let message = format!("unknown shader `{name}`");
                        let near = nearest(name, self.shader_index.keys().map(String::as_str))
                            .map(str::to_owned);
                        let help = "define it with `.shader NAME wgsl \"...\"`";
                        self.error_near(span, message, near.as_deref(), help);
                    }
                    found
                }
                _ => None,
            };
            values.push(value);
        }
        let values: Vec<OperandValue> = values.into_iter().collect::<Option<_>>()?;
        match Instruction::from_operands(opcode, &values) {
            Ok(instr) => Some((instr, operands.iter().map(|(s, _)| *s).collect())),
            Err(e) => {
                let span = operands.first().map_or(Span::at(0, 0), |(s, _)| *s);
                self.error(span, format!("internal error: {e}"));
                None
            }
        }
    }

    /// An error with a "did you mean" help when a near name exists, else `fallback` help
    /// (none if empty).
    fn error_near(&mut self, span: Span, message: String, near: Option<&str>, fallback: &str) {
        match near {
            Some(near) => self.error_help(span, message, format!("did you mean `{near}`?")),
            None if fallback.is_empty() => self.error(span, message),
            None => self.error_help(span, message, fallback),
        }
    }
}

/// The span of each operand, given the span of each operand word.
fn operand_spans(opcode: Opcode, word_span: impl Fn(usize) -> Span) -> Vec<Span> {
    let mut index = 0;
    opcode
        .operands()
        .iter()
        .map(|kind| {
            let span = word_span(index);
            index += kind.words();
            span
        })
        .collect()
}

/// The smallest frame covering every register an instruction names.
fn frame_needed(instr: &Instruction) -> u32 {
    let mut needed = 0;
    let mut first = None;
    for (kind, value) in instr.operands() {
        match (kind, value) {
            (_, OperandValue::Reg(r)) => {
                needed = needed.max(u32::from(r) + 1);
                if kind == OperandKind::RegRange {
                    first = Some(u32::from(r));
                }
            }
            (OperandKind::Count, OperandValue::Count(n)) if n > 0 => {
                let end = u64::from(first.unwrap_or(0)) + u64::from(n);
                needed = needed.max(end.min(u64::from(MAX_REGISTERS)) as u32);
            }
            _ => {}
        }
    }
    needed
}
