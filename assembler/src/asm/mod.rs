//! The assembler: listing text to a [`Module`], with every error as a [`Diagnostic`].
//!
//! This module is the driver. Pass 1 reads the file line by line. It parses directives,
//! labels and instructions, collects the symbol tables (functions, labels, imports, data,
//! shaders) and leaves only names unresolved. Pass 2 resolves names, checks what needs
//! the whole file, builds the module and runs the verifier. An erroneous line still
//! takes its instruction slot, so later labels and hex addresses stay right and one
//! mistake gives one error.
//!
//! The parts: [`report`] (spans, the diagnostics kept and counted), [`operands`] (a
//! line's tokens, argument lists, operand values), [`overloads`] (a mnemonic line to one
//! opcode), [`hex`] (raw hex instruction lines), [`directives`], [`symbols`] (the symbol
//! tables and name resolution) and [`verify_errors`] (verifier errors at the operand at
//! fault).

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
use crate::diag::{Diagnostic, Diagnostics};
use crate::lex::Piece;

use hex::{is_hex_start, operand_spans};
use operands::Arg;
pub use report::MAX_DIAGNOSTICS;
use report::Span;
use symbols::{DataDef, EntryDecl, ExportDecl, FuncDef, ImportDef};

/// What pass 1 makes of an instruction line.
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

/// An instruction slot of a function: the line's instruction span and what it holds.
#[derive(Debug)]
struct Slot {
    span: Span,
    body: Body,
}

/// The assembler's state across both passes: the listing, the diagnostics, what the
/// prescan found, the symbol tables and the code collected so far.
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

impl<'s> Asm<'s> {
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
