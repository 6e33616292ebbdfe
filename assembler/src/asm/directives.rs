//! Directives: `.memory` (read by the prescan), data symbols and their bytes, functions,
//! the entry, exports, imports, shaders and the debug line table (`.source`, `.line`).

use adead_isa::{DEFAULT_MEMORY_SIZE, MAX_REGISTERS, ShaderSource};

use crate::lex::{self, Piece, Token};

use super::Asm;
use super::report::{Span, nearest};
use super::symbols::{DataDef, EntryDecl, ExportDecl, FuncDef};

/// Every directive the assembler knows (for "did you mean" help).
const DIRECTIVES: &[&str] = &[
    ".memory", ".data", ".ascii", ".i8", ".i16", ".i32", ".i64", ".f32", ".f64", ".zero", ".align",
    ".func", ".end", ".entry", ".noentry", ".export", ".import", ".shader", ".source", ".line",
];

/// Address of the first automatically placed data symbol; 0..16 is never a symbol.
const FIRST_DATA_ADDRESS: u64 = 16;

fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

impl<'s> Asm<'s> {
    pub(super) fn memory_size(&self) -> u64 {
        self.memory
            .map_or(u64::from(DEFAULT_MEMORY_SIZE), |(size, _)| size)
    }

    pub(super) fn directive(&mut self, line: usize, head: Token<'_>, rest: &[Piece<'_>]) {
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
            self.close_function(f);
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
            entry: self.code.len() as u32,
            len: 0,
            open: true,
            labels: Vec::new(),
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
                self.close_function(f);
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
        let index = self.import(&name);
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
}
