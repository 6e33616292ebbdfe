//! The assembler: listing text to a [`Module`], with every error as a
//! [`Diagnostic`](crate::Diagnostic).
//!
//! This module is the driver. A prescan finds what the main pass must know first. Pass 1
//! then reads the file line by line: it parses directives, labels and instructions,
//! collects the symbol tables (functions, labels, imports, data, shaders) and encodes
//! every instruction into the module's code at once, leaving only names it cannot
//! resolve yet (see [`symbols`]). Pass 2 resolves those names, checks what needs the
//! whole file, builds the module and runs the verifier: `adead_isa::verify` alone when
//! nothing else is wrong, and only if that fails, the listing is assembled again to
//! report every instruction's verifier error at its operand. An erroneous line still
//! takes its instruction slot (a `nop` marked broken), so later labels and hex
//! addresses stay right and one mistake gives one error.
//!
//! Memory is what the module needs and little more: the code, one line-table row per
//! instruction, the current function's labels, and the names waiting for pass 2. The
//! listing is never split into a table of lines, and no instruction keeps its tokens or
//! spans: an error in pass 2 names an instruction's line, and [`report`] finds the
//! operand's token again in that line once every error is found.
//!
//! The parts: [`report`] (where errors are, the diagnostics kept and counted),
//! [`operands`] (a line's tokens, argument lists, operand values), [`overloads`] (a
//! mnemonic line to one opcode), [`hex`] (raw hex instruction lines), [`directives`],
//! [`symbols`] (the symbol tables and name resolution) and [`verify_errors`] (verifier
//! errors at the operand at fault).

mod directives;
mod hex;
mod operands;
mod overloads;
mod report;
mod symbols;
mod verify_errors;

use std::collections::HashMap;

use adead_isa::{
    DataSegment, DebugInfo, Export, Function, Import, Instruction, LineEntry, MAX_REGISTERS,
    Module, Opcode, OperandKind, OperandValue, Shader, ShaderSource,
};

use crate::Options;
use crate::diag::Diagnostics;
use crate::lex::{self, Piece, Token};

use hex::is_hex_start;
pub use report::MAX_DIAGNOSTICS;
use report::{Pending, Span};

use symbols::{Broken, DataDef, EntryDecl, ExportDecl, Fixup, FuncDef, ImportDef};

/// Buffers reused from line to line, so that reading an instruction allocates nothing.
#[derive(Default)]
struct Buffers<'s> {
    /// An instruction's operand tokens, or a hex line's words.
    tokens: Vec<Token<'s>>,
    /// The overloads of a mnemonic whose operands fit the line so far, with their kinds.
    survivors: Vec<(Opcode, &'static [OperandKind])>,
}

/// The assembler's state across both passes: the listing, the errors, what the prescan
/// found, the symbol tables and the code.
struct Asm<'s> {
    /// The listing, without a byte order mark.
    text: &'s str,
    file_name: &'s str,
    options: Options,
    verification: Verification,
    /// The errors kept, located once all are found.
    diags: Vec<Pending>,
    /// Errors found past [`MAX_DIAGNOSTICS`], counted but not kept.
    omitted: usize,

    has_func: bool,
    source_mode: bool,
    memory: Option<(u64, Span)>,
    source: Option<(String, Span)>,
    entry: Option<EntryDecl>,

    functions: Vec<FuncDef<'s>>,
    func_index: HashMap<String, usize>,
    current: Option<usize>,
    /// The current function's labels: instruction index and definition.
    labels: HashMap<&'s str, (u32, Span)>,
    /// The names in the current function's instructions.
    function_fixups: Vec<Fixup<'s>>,
    /// The names pass 2 resolves, in code order.
    fixups: Vec<Fixup<'s>>,

    imports: Vec<ImportDef>,
    import_index: HashMap<String, usize>,
    exports: Vec<ExportDecl>,
    data: Vec<DataDef>,
    data_index: HashMap<String, usize>,
    current_data: Option<usize>,
    shaders: Vec<(String, Span, ShaderSource)>,
    shader_index: HashMap<String, usize>,

    /// Every instruction so far, names not yet resolved holding 0, broken ones `nop`.
    code: Vec<Instruction>,
    /// The instructions that did not assemble (each has its error).
    broken: Broken,
    /// Stands in for a broken instruction; its error keeps the module from being
    /// returned.
    nop: Instruction,
    /// The listing line (1-based) of the instructions: a row where the line changes,
    /// so one per instruction. Without `.source` it is the module's line table.
    lines: Vec<LineEntry>,
    pending_line: Option<(u32, Span)>,
    /// The line table `.line` directives make (with `.source`).
    rows: Vec<LineEntry>,
}

/// How [`Asm::finish`] runs the verifier on a listing without other errors.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verification {
    /// `adead_isa::verify` alone: the usual, valid module passes at the cost of one
    /// pass, and one that fails is assembled again with [`Verification::Every`].
    First,
    /// Every instruction's verifier error, each at its operand, then the whole verifier.
    Every,
}

/// Assembles `source`; see [`crate::assemble`].
pub(crate) fn assemble(
    source: &str,
    file_name: &str,
    options: &Options,
) -> Result<Module, Diagnostics> {
    // A byte order mark is not part of the first line.
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let mut verification = Verification::First;
    loop {
        if let Some(result) = run(source, file_name, options, verification) {
            return result;
        }
        // The module failed `verify`: assembled again (to the same module, since
        // assembling is a function of the text) to report each verifier error at its
        // operand. `Verification::Every` always finishes.
        verification = Verification::Every;
    }
}

/// Both passes over `source`; `None` when `Verification::First` found the module
/// invalid.
fn run(
    source: &str,
    file_name: &str,
    options: &Options,
    verification: Verification,
) -> Option<Result<Module, Diagnostics>> {
    let mut asm = Asm {
        text: source,
        file_name,
        options: *options,
        verification,
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
        labels: HashMap::new(),
        function_fixups: Vec::new(),
        fixups: Vec::new(),
        imports: Vec::new(),
        import_index: HashMap::new(),
        exports: Vec::new(),
        data: Vec::new(),
        data_index: HashMap::new(),
        current_data: None,
        shaders: Vec::new(),
        shader_index: HashMap::new(),
        code: Vec::new(),
        broken: Broken::default(),
        nop: Instruction::from_words([Opcode::Nop.word(), 0, 0, 0, 0]).expect("nop decodes"),
        lines: Vec::new(),
        pending_line: None,
        rows: Vec::new(),
    };
    asm.prescan();
    let mut lines = lex::LineTokens::new(source);
    let mut pieces = Vec::new();
    let mut buffers = Buffers::default();
    let mut index = 0;
    while let Some(tokenized) = lines.next_into(&mut pieces) {
        match tokenized {
            Ok(()) => asm.line(index, &pieces, &mut buffers),
            Err((at, end)) => asm.error(
                Span {
                    line: index,
                    start: at,
                    end,
                },
                "unterminated string (add the closing `\"`)",
            ),
        }
        index += 1;
    }
    asm.finish()
}

/// True if the line might hold an instruction: something other than a comment, a
/// directive or a label alone. Only an estimate, to size the code once.
fn may_hold_instruction(line: &str) -> bool {
    let code = line.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let Some(first) = code.bytes().next() else {
        return false;
    };
    if matches!(first, b';' | b'#' | b'.') {
        return false;
    }
    let end = code
        .bytes()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'#' | b'"'))
        .unwrap_or(code.len());
    let after = code[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
    !(code[..end].ends_with(':') && (after.is_empty() || after.starts_with([';', '#'])))
}

impl<'s> Asm<'s> {
    /// Finds what the main pass must know before it starts: whether the file has any
    /// `.func` (else top-level code forms `main`), whether it uses `.source` (then the
    /// line table comes from `.line`), and `.memory` (data must fit in it). Only lines
    /// whose first token is a directive are tokenized. It also counts the lines that
    /// may hold an instruction, to size the code and its line table once.
    fn prescan(&mut self) {
        let text = self.text;
        let mut pieces = Vec::new();
        let mut instructions = 0;
        for (index, line) in lex::lines(text).enumerate() {
            if may_hold_instruction(line) {
                instructions += 1;
                continue;
            }
            let code = lex::strip_comment(line);
            pieces.clear();
            if !code
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .starts_with('.')
                || lex::tokenize_into(code, &mut pieces).is_err()
            {
                continue;
            }
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
        self.code.reserve_exact(instructions);
        self.lines.reserve_exact(instructions);
    }

    /// Pass 1 on line `index`, given its pieces.
    fn line(&mut self, index: usize, pieces: &[Piece<'s>], buffers: &mut Buffers<'s>) {
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
        let mut rest = pieces;
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
        let instr = if is_hex_start(head.text) {
            self.hex_instruction(index, rest, addr, func, &mut buffers.tokens)
        } else {
            if let Some((_, addr_span)) = addr {
                self.error(
                    addr_span,
                    "an address must be followed by a hex instruction",
                );
            }
            self.text_instruction(index, head, &rest[1..], func, buffers)
        };
        let pc = self.code.len() as u32;
        if let Some((line, _)) = self.pending_line.take() {
            self.rows.push(LineEntry { pc, line });
        }
        let line = index as u32 + 1;
        if self.lines.last().is_none_or(|row| row.line != line) {
            self.lines.push(LineEntry { pc, line });
        }
        match instr {
            Some(instr) => self.code.push(instr),
            None => {
                self.code.push(self.nop);
                self.broken.insert(pc);
            }
        }
        self.functions[func].len += 1;
    }

    /// Pass 2. `None` when [`Verification::First`] found the module invalid.
    fn finish(mut self) -> Option<Result<Module, Diagnostics>> {
        if let Some(f) = self.current.take() {
            if self.functions[f].open {
                let name = self.functions[f].name.clone();
                let span = self.functions[f].span;
                self.error_help(
                    span,
                    format!("function `{name}` has no `.end`"),
                    "add `.end` after its last instruction",
                );
            }
            self.close_function(f);
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
            if self.functions[f].len == 0 {
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

        // Resolve every name left; an instruction with an unknown one becomes `nop`.
        self.resolve_names();

        let mut functions = Vec::with_capacity(self.functions.len());
        for f in &self.functions {
            // Without `regs=`, the frame covers every register the code names (a broken
            // instruction is `nop`, which names none).
            let regs = f.regs.unwrap_or_else(|| {
                let code = &self.code[f.entry as usize..][..f.len as usize];
                let needed = code
                    .iter()
                    .map(frame_needed)
                    .fold(f.params.max(1), u32::max);
                needed.min(MAX_REGISTERS)
            });
            functions.push(Function {
                name: f.name.clone(),
                entry: f.entry,
                len: f.len,
                regs,
                params: f.params,
            });
        }

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

        // Without `.source`, the listing's own lines are the module's line table.
        let (debug, listing_lines) = match self.source.take() {
            Some((source, _)) => (
                DebugInfo {
                    source,
                    lines: std::mem::take(&mut self.rows),
                },
                Some(std::mem::take(&mut self.lines)),
            ),
            None => (
                DebugInfo {
                    source: self.file_name.to_string(),
                    lines: std::mem::take(&mut self.lines),
                },
                None,
            ),
        };

        let module = Module {
            memory_size: self.memory_size() as u32,
            entry,
            code: std::mem::take(&mut self.code),
            functions,
            imports,
            exports,
            data: std::mem::take(&mut self.data)
                .into_iter()
                .map(|d| DataSegment {
                    name: d.name,
                    offset: d.offset as u32,
                    bytes: d.bytes,
                })
                .collect(),
            shaders: std::mem::take(&mut self.shaders)
                .into_iter()
                .map(|(name, _, source)| Shader { name, source })
                .collect(),
            debug,
        };

        // The verifier's rules, reported for every instruction at the operand at fault
        // (broken instructions already have their diagnostic); then the whole verifier,
        // whose structural rules have the last word. `verify` consumes the module and
        // hands it back on success, so it is never copied.
        let module = if !self.options.verify {
            Some(module)
        } else if self.verification == Verification::First && self.diags.is_empty() {
            // A module `verify` accepts has no instruction errors either.
            return adead_isa::verify(module)
                .ok()
                .map(|verified| Ok(verified.into_inner()));
        } else {
            let lines = listing_lines.as_deref().unwrap_or(&module.debug.lines);
            for error in adead_isa::instruction_errors(&module) {
                self.verify_error(&module.code, lines, error);
            }
            if !self.diags.is_empty() {
                None
            } else {
                match adead_isa::verify(module) {
                    Ok(verified) => Some(verified.into_inner()),
                    Err(e) => {
                        // `instruction_errors` found nothing, so this is a structural
                        // error, about no instruction.
                        self.error(Span::at(0, 0), e.to_string());
                        None
                    }
                }
            }
        };
        Some(match module {
            Some(module) if self.diags.is_empty() => Ok(module),
            _ => {
                let mut diags = report::locate(self.text, self.diags);
                diags.sort_by_key(|d| (d.line, d.column));
                Err(Diagnostics::new(diags, self.omitted))
            }
        })
    }
}

/// The 0-based listing line of instruction `pc`, by a line table with a row per
/// instruction.
fn listing_line(lines: &[LineEntry], pc: u32) -> usize {
    let after = lines.partition_point(|row| row.pc <= pc);
    after
        .checked_sub(1)
        .map_or(0, |i| (lines[i].line as usize).saturating_sub(1))
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
