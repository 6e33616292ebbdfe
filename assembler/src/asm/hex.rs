//! Raw hex instruction lines: five 8-digit words, optionally after the instruction's
//! address in its function, decoded and checked by the ISA's decoder.

use adead_isa::{DecodeError, Instruction, Opcode};

use crate::lex::Piece;

use super::report::Span;
use super::{Asm, Body};

/// True if a token starts a raw hex instruction rather than a mnemonic: it starts with a
/// digit, or it is exactly eight hex digits (`C0DA0001`).
pub(super) fn is_hex_start(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_digit())
        || (text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl<'s> Asm<'s> {
    pub(super) fn hex_instruction(
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
}

/// The span of each operand, given the span of each operand word.
pub(super) fn operand_spans(opcode: Opcode, word_span: impl Fn(usize) -> Span) -> Vec<Span> {
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
