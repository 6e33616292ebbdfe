//! The symbol tables (functions and their labels, imports, data symbols, exports, the
//! entry) and name resolution: the implicit `main`, label definitions, imports declared
//! by their first use, and every other name a mnemonic instruction uses.
//!
//! Pass 1 encodes an instruction at once, with 0 for each name it cannot resolve yet,
//! and records the name as a [`Fixup`]. A label is known once its function ends: the
//! function's labels (the only table that grows with the code) resolve its label
//! fixups then and are dropped. What is left, functions, data symbols and shaders that
//! may be defined further down, and labels that were never defined, waits for pass 2,
//! which resolves it in code order, so errors come in the order of the instructions.

use std::borrow::Cow;

use adead_isa::{Instruction, OperandKind};

use crate::lex;

use super::report::{At, Span, nearest};
use super::{Asm, listing_line};

#[derive(Debug)]
pub(super) struct FuncDef<'s> {
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) params: u32,
    pub(super) regs: Option<u32>,
    /// Index of its first instruction in the code.
    pub(super) entry: u32,
    /// Its instructions so far.
    pub(super) len: u32,
    /// Still waiting for `.end` (explicit functions only).
    pub(super) open: bool,
    /// Its label names, kept past its end only when it uses a label it does not define
    /// (for the "did you mean" of that error).
    pub(super) labels: Vec<&'s str>,
}

#[derive(Debug)]
pub(super) struct ImportDef {
    pub(super) name: String,
    pub(super) declared: Option<(u32, Span)>,
    pub(super) first_use: Option<(u32, Span)>,
}

#[derive(Debug)]
pub(super) struct DataDef {
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) offset: u64,
    pub(super) bytes: Vec<u8>,
    pub(super) overflowed: bool,
}

#[derive(Debug)]
pub(super) struct ExportDecl {
    pub(super) func: String,
    pub(super) func_span: Span,
    pub(super) name: String,
    pub(super) name_span: Span,
}

#[derive(Debug)]
pub(super) enum EntryDecl {
    Named(String, Span),
    None,
}

/// A name in an encoded instruction, waiting for what it names.
#[derive(Debug)]
pub(super) struct Fixup<'s> {
    /// The instruction's index in the code.
    pub(super) pc: u32,
    /// The function it belongs to.
    pub(super) func: u32,
    /// The operand's index in the instruction.
    pub(super) operand: u8,
    /// The operand word (0..4, after the opcode word) the resolved index goes to.
    pub(super) word: u8,
    /// Label, function, data symbol or shader.
    pub(super) kind: OperandKind,
    /// The name: borrowed from the listing unless it was quoted.
    pub(super) name: Cow<'s, str>,
}

/// Instructions whose operands did not resolve, by index in the code: one bit each.
#[derive(Debug, Default)]
pub(super) struct Broken(Vec<u64>);

impl Broken {
    pub(super) fn insert(&mut self, pc: u32) {
        let (word, bit) = (pc as usize / 64, pc % 64);
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub(super) fn contains(&self, pc: u32) -> bool {
        self.0
            .get(pc as usize / 64)
            .is_some_and(|w| w & (1 << (pc % 64)) != 0)
    }
}

/// `instr` with operand word `word` (0..4) set to `value`.
pub(super) fn with_word(instr: Instruction, word: u8, value: u32) -> Instruction {
    let mut words = instr.words();
    words[1 + usize::from(word)] = value;
    // The word is a label, function, data or shader operand, which may hold any value;
    // the opcode and every other word are those of a valid instruction.
    Instruction::from_words(words).expect("a name's operand word takes any index")
}

impl<'s> Asm<'s> {
    /// The function code on this line belongs to, creating the implicit `main` of a
    /// file without `.func`.
    pub(super) fn function_for_code(&mut self, span: Span) -> Option<usize> {
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
            entry: self.code.len() as u32,
            len: 0,
            open: false,
            labels: Vec::new(),
        });
        self.func_index.insert("main".to_string(), 0);
        self.current = Some(0);
        Some(0)
    }

    pub(super) fn define_label(&mut self, name: &'s str, span: Span) {
        if !lex::is_plain_name(name) {
            self.error(span, format!("invalid label name `{name}`"));
            return;
        }
        let Some(func) = self.function_for_code(span) else {
            return;
        };
        let index = self.functions[func].len;
        if let Some(&(_, previous)) = self.labels.get(name) {
            self.error_help(
                span,
                format!("duplicate label `{name}`"),
                format!("`{name}` is already defined on line {}", previous.line + 1),
            );
        } else {
            self.labels.insert(name, (index, span));
        }
    }

    /// Ends the current function `func`: its labels resolve its label fixups, and its
    /// other fixups join those pass 2 resolves.
    pub(super) fn close_function(&mut self, func: usize) {
        let mut undefined = false;
        let mut fixups = std::mem::take(&mut self.function_fixups);
        for fixup in fixups.drain(..) {
            if fixup.kind == OperandKind::Label {
                if let Some(&(index, _)) = self.labels.get(fixup.name.as_ref()) {
                    let pc = fixup.pc as usize;
                    self.code[pc] = with_word(self.code[pc], fixup.word, index);
                    continue;
                }
                undefined = true;
            }
            self.fixups.push(fixup);
        }
        self.function_fixups = fixups;
        if undefined {
            self.functions[func].labels = self.labels.keys().copied().collect();
        }
        self.labels.clear();
    }

    pub(super) fn import(&mut self, name: &str) -> usize {
        if let Some(&index) = self.import_index.get(name) {
            return index;
        }
        self.imports.push(ImportDef {
            name: name.to_string(),
            declared: None,
            first_use: None,
        });
        self.import_index
            .insert(name.to_string(), self.imports.len() - 1);
        self.imports.len() - 1
    }

    pub(super) fn unknown_function(&mut self, name: &str, at: impl Into<At>) {
        if self.full() {
            self.omitted += 1;
            return;
        }
        let message = format!("unknown function `{name}`");
        match nearest(name, self.func_index.keys().map(String::as_str)) {
            Some(near) => self.error_help(at, message, format!("did you mean `{near}`?")),
            None => self.error(at, message),
        }
    }

    /// Pass 2: resolves every name left, in code order, reporting those that name
    /// nothing; an instruction with such a name becomes `nop` and is marked broken.
    pub(super) fn resolve_names(&mut self) {
        let fixups = std::mem::take(&mut self.fixups);
        for fixup in &fixups {
            let pc = fixup.pc;
            let at = At::Operand {
                line: listing_line(&self.lines, pc),
                opcode: self.code[pc as usize].opcode(),
                index: usize::from(fixup.operand),
            };
            let name = fixup.name.as_ref();
            let value = match fixup.kind {
                OperandKind::Func => {
                    let found = self.func_index.get(name).map(|&i| i as u32);
                    if found.is_none() {
                        self.unknown_function(name, at);
                    }
                    found
                }
                OperandKind::Import => self.import_index.get(name).map(|&i| i as u32),
                OperandKind::Data => {
                    let found = self.data_index.get(name).map(|&i| i as u32);
                    if found.is_none() {
                        self.unknown_data(name, at);
                    }
                    found
                }
                OperandKind::Shader => {
                    let found = self.shader_index.get(name).map(|&i| i as u32);
                    if found.is_none() {
                        self.unknown_shader(name, at);
                    }
                    found
                }
                // Labels still here are not defined in their function.
                _ => {
                    self.unknown_label(fixup.func as usize, name, at);
                    None
                }
            };
            match value {
                Some(value) if !self.broken.contains(pc) => {
                    let instr = &mut self.code[pc as usize];
                    *instr = with_word(*instr, fixup.word, value);
                }
                Some(_) => {}
                None => {
                    self.broken.insert(pc);
                    self.code[pc as usize] = self.nop;
                }
            }
        }
    }

    fn unknown_label(&mut self, func: usize, name: &str, at: At) {
        if self.full() {
            self.omitted += 1;
            return;
        }
        let f = &self.functions[func];
        let message = format!("unknown label `{name}` in function `{}`", f.name);
        let near = nearest(name, f.labels.iter().copied()).map(str::to_owned);
        self.error_near(at, message, near.as_deref(), "");
    }

    fn unknown_data(&mut self, name: &str, at: At) {
        if self.full() {
            self.omitted += 1;
            return;
        }
        let message = format!("unknown data symbol `@{name}`");
        let near =
            nearest(name, self.data_index.keys().map(String::as_str)).map(|n| format!("@{n}"));
        self.error_near(at, message, near.as_deref(), "define it with `.data NAME`");
    }

    fn unknown_shader(&mut self, name: &str, at: At) {
        if self.full() {
            self.omitted += 1;
            return;
        }
        let message = format!("unknown shader `{name}`");
        let near = nearest(name, self.shader_index.keys().map(String::as_str)).map(str::to_owned);
        let help = "define it with `.shader NAME wgsl \"...\"`";
        self.error_near(at, message, near.as_deref(), help);
    }
}
