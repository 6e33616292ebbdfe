//! Mnemonic instruction lines: the mnemonic to its overload set, the one overload the
//! operand count and spelling select, its operands parsed, and the errors that say which
//! forms were expected.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use adead_isa::{
    Instruction, Opcode, OperandKind, OperandValue, SyntaxClass, reference::assembly_form,
};

use crate::lex::{self, Piece, Token};

use super::operands::{Arg, parse_operand};
use super::report::{Span, nearest};
use super::symbols::Fixup;
use super::{Asm, Buffers};

/// The most operands an instruction has (each takes at least one of the four operand
/// words).
const MAX_OPERANDS: usize = 4;

/// FxHash's rule (a rotate, a xor and a multiply per eight bytes), for the mnemonic
/// index: its keys are the opcode table's, so no listing can make them collide.
#[derive(Default)]
struct MnemonicHasher(u64);

impl MnemonicHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for MnemonicHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let word = rest
                .iter()
                .rev()
                .fold(0u64, |word, &b| word << 8 | u64::from(b));
            self.add(word);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The opcodes a mnemonic names (more than one for an overload set), in table order,
/// as `Opcode::by_mnemonic` gives them, from an index built once: every instruction
/// line looks its mnemonic up, and a hash is cheaper than `by_mnemonic`'s binary
/// search of string comparisons.
fn overloads(mnemonic: &str) -> &'static [Opcode] {
    type Index = HashMap<&'static str, Vec<Opcode>, BuildHasherDefault<MnemonicHasher>>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = Index::default();
        for &op in Opcode::ALL {
            index.entry(op.mnemonic()).or_default().push(op);
        }
        index
    });
    index.get(mnemonic).map_or(&[], Vec::as_slice)
}

/// The value an operand holds until the name it gives resolves.
fn placeholder(kind: OperandKind) -> OperandValue {
    match kind {
        OperandKind::Label => OperandValue::Label(0),
        OperandKind::Func => OperandValue::Func(0),
        OperandKind::Import => OperandValue::Import(0),
        OperandKind::Data => OperandValue::Data(0),
        _ => OperandValue::Shader(0),
    }
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

impl<'s> Asm<'s> {
    /// The instruction of a mnemonic line (`head` the mnemonic, `rest` its operands),
    /// encoded with its names recorded as fixups of function `func`, or `None` after
    /// reporting why there is none.
    pub(super) fn text_instruction(
        &mut self,
        line: usize,
        head: Token<'s>,
        rest: &[Piece<'s>],
        func: usize,
        buffers: &mut Buffers<'s>,
    ) -> Option<Instruction> {
        // Mnemonics are lower case in the table; most listings write them so.
        let mnemonic = if head.text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(head.text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(head.text)
        };
        let mnemonic = mnemonic.as_ref();
        let candidates = overloads(mnemonic);
        if candidates.is_empty() {
            if self.full() {
                self.omitted += 1;
                return None;
            }
            let head_span = Span::of(line, &head);
            match nearest(mnemonic, Opcode::mnemonics()) {
                Some(near) => self.error_help(
                    head_span,
                    format!("unknown mnemonic `{}`", head.text),
                    format!("did you mean `{near}`?"),
                ),
                None => self.error(head_span, format!("unknown mnemonic `{}`", head.text)),
            }
            return None;
        }
        let Buffers {
            tokens: args,
            survivors,
        } = buffers;
        if !self.list_args_into(line, rest, "an operand", args) {
            return None;
        }
        // Most mnemonics name one opcode, and most lines fit it.
        let only = match candidates {
            [op] => {
                let kinds = op.operands();
                let fit = kinds.len() == args.len()
                    && args
                        .iter()
                        .zip(kinds)
                        .all(|(token, kind)| fits(token.text, kind.syntax_class()));
                fit.then_some((*op, kinds))
            }
            _ => None,
        };
        let (opcode, kinds) = match only {
            Some(found) => found,
            None => self.select(line, head, mnemonic, candidates, args, survivors)?,
        };
        let mut values = [OperandValue::Count(0); MAX_OPERANDS];
        let mut names: [Option<Cow<'s, str>>; MAX_OPERANDS] = Default::default();
        let mut ok = true;
        for (i, (token, &kind)) in args.iter().zip(kinds).enumerate() {
            match parse_operand(kind, token.text) {
                Ok(Arg::Value(value)) => values[i] = value,
                Ok(Arg::Name(name)) => {
                    values[i] = placeholder(kind);
                    names[i] = Some(name);
                }
                Err(e) => {
                    self.lex_error(Span::of(line, token), e);
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        // The first use of an import declares it, with this instruction's argument count
        // unless an `.import` says otherwise.
        let position = |wanted| kinds.iter().position(|&k| k == wanted);
        if let Some(i) = position(OperandKind::Import)
            && let Some(name) = names[i].take()
        {
            let count = position(OperandKind::Count).and_then(|c| match values[c] {
                OperandValue::Count(n) => Some((n, Span::of(line, &args[c]))),
                _ => None,
            });
            let index = self.import(&name);
            values[i] = OperandValue::Import(index as u32);
            if let Some(count) = count {
                self.imports[index].first_use.get_or_insert(count);
            }
        }
        // Every value fits its kind, so the words are those of the instruction.
        let mut words = [opcode.word(), 0, 0, 0, 0];
        let mut first_word = [0u8; MAX_OPERANDS];
        let mut at = 0;
        for (i, (&kind, value)) in kinds.iter().zip(values).enumerate() {
            let (low, high) = value.to_words();
            words[1 + at] = low;
            if let Some(high) = high {
                words[2 + at] = high;
            }
            first_word[i] = at as u8;
            at += kind.words();
        }
        let instr = match Instruction::from_words(words) {
            Ok(instr) => instr,
            Err(e) => {
                let span = args.first().map_or(Span::at(0, 0), |t| Span::of(line, t));
                self.error(span, format!("internal error: {e}"));
                return None;
            }
        };
        let pc = self.code.len() as u32;
        for (i, (&kind, name)) in kinds.iter().zip(names).enumerate() {
            if let Some(name) = name {
                self.function_fixups.push(Fixup {
                    pc,
                    func: func as u32,
                    operand: i as u8,
                    word: first_word[i],
                    kind,
                    name,
                });
            }
        }
        Some(instr)
    }

    /// The one opcode among `candidates` that takes `args`, selected by operand count and
    /// then operand by operand by spelling; `None` after reporting the forms expected.
    fn select(
        &mut self,
        line: usize,
        head: Token<'s>,
        mnemonic: &str,
        candidates: &[Opcode],
        args: &[Token<'s>],
        survivors: &mut Vec<(Opcode, &'static [OperandKind])>,
    ) -> Option<(Opcode, &'static [OperandKind])> {
        let forms = || {
            candidates
                .iter()
                .map(|&op| format!("`{}`", assembly_form(op)))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        survivors.clear();
        survivors.extend(
            candidates
                .iter()
                .map(|&op| (op, op.operands()))
                .filter(|(_, kinds)| kinds.len() == args.len()),
        );
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
            return None;
        }
        for (i, token) in args.iter().enumerate() {
            let fits_here =
                |(_, kinds): &(Opcode, &[OperandKind])| fits(token.text, kinds[i].syntax_class());
            if !survivors.iter().any(fits_here) {
                let mut expected: Vec<&str> = Vec::new();
                for (_, kinds) in survivors.iter() {
                    let d = describe(kinds[i]);
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
                return None;
            }
            survivors.retain(fits_here);
        }
        survivors.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mnemonic_index_gives_what_by_mnemonic_gives() {
        for &op in Opcode::ALL {
            let expected: Vec<Opcode> = Opcode::by_mnemonic(op.mnemonic()).collect();
            assert_eq!(overloads(op.mnemonic()), expected, "{op:?}");
        }
        assert_eq!(overloads("halt"), [Opcode::HaltReg, Opcode::Halt]);
        for unknown in ["", "ad", "ADD", "halt ", "add\0"] {
            assert!(overloads(unknown).is_empty(), "{unknown:?}");
        }
    }
}
