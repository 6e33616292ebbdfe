//! The symbol tables (functions and their labels, imports, data symbols, exports, the
//! entry) and name resolution: the implicit `main`, label definitions, imports declared
//! by their first use, and pass 2's lookup of every name a mnemonic instruction uses.

use std::collections::HashMap;

use adead_isa::{Instruction, Opcode, OperandKind, OperandValue};

use crate::lex;

use super::operands::Arg;
use super::report::{Span, nearest};
use super::{Asm, Slot};

#[derive(Debug)]
pub(super) struct FuncDef {
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) params: u32,
    pub(super) regs: Option<u32>,
    pub(super) slots: Vec<Slot>,
    pub(super) labels: HashMap<String, (u32, Span)>,
    /// Still waiting for `.end` (explicit functions only).
    pub(super) open: bool,
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
            slots: Vec::new(),
            labels: HashMap::new(),
            open: false,
        });
        self.func_index.insert("main".to_string(), 0);
        self.current = Some(0);
        Some(0)
    }

    pub(super) fn define_label(&mut self, name: &str, span: Span) {
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

    pub(super) fn import(&mut self, name: String) -> usize {
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

    pub(super) fn unknown_function(&mut self, name: &str, span: Span) {
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
    pub(super) fn resolve(
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
}
