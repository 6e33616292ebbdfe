//! Mnemonic instruction lines: the mnemonic to its overload set, the one overload the
//! operand count and spelling select, its operands parsed, and the errors that say which
//! forms were expected.

use adead_isa::{Opcode, OperandKind, OperandValue, SyntaxClass, reference::assembly_form};

use crate::lex::{self, Piece, Token};

use super::operands::{Arg, parse_operand};
use super::report::{Span, nearest};
use super::{Asm, Body};

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

impl<'s> Asm<'s> {
    pub(super) fn text_instruction(
        &mut self,
        line: usize,
        head: Token<'_>,
        rest: &[Piece<'_>],
    ) -> Body {
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
}
