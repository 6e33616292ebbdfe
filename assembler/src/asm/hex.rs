//! Raw hex instruction lines: five 8-digit words, optionally after the instruction's
//! address in its function, decoded and checked by the ISA's decoder.

use adead_isa::{DecodeError, Instruction};

use crate::lex::{Piece, Token};

use super::Asm;
use super::report::Span;

/// True if a token starts a raw hex instruction rather than a mnemonic: it starts with a
/// digit, or it is exactly eight hex digits (`C0DA0001`).
pub(super) fn is_hex_start(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_digit())
        || (text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl<'s> Asm<'s> {
    /// The instruction of a raw hex line (`pieces` after any address), or `None` after
    /// reporting why there is none. `tokens` is a buffer reused from line to line.
    pub(super) fn hex_instruction<'t>(
        &mut self,
        line: usize,
        pieces: &[Piece<'t>],
        addr: Option<(u32, Span)>,
        func: usize,
        tokens: &mut Vec<Token<'t>>,
    ) -> Option<Instruction> {
        tokens.clear();
        for piece in pieces {
            match *piece {
                Piece::Token(t) => tokens.push(t),
                Piece::Comma(at) => {
                    self.error(
                        Span::at(line, at).sub(0, 1),
                        "hex words are separated by spaces, not commas",
                    );
                    return None;
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
            return None;
        }
        let mut words = [0u32; 5];
        let mut spans = [Span::at(line, 0); 5];
        let mut ok = true;
        for (i, token) in tokens.iter().enumerate() {
            spans[i] = Span::of(line, token);
            // Eight hex digits: what `u32::from_str_radix(_, 16)` reads, without its
            // generic loop.
            let digits = token.text.as_bytes();
            let value = (digits.len() == 8)
                .then(|| {
                    digits.iter().try_fold(0u32, |word, &d| {
                        Some(word << 4 | char::from(d).to_digit(16)?)
                    })
                })
                .flatten();
            match value {
                Some(word) => words[i] = word,
                None => {
                    self.error(
                        spans[i],
                        format!("invalid hex word `{}`: expected 8 hex digits", token.text),
                    );
                    ok = false;
                }
            }
        }
        if let Some((value, span)) = addr {
            let index = self.functions[func].len as usize;
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
            return None;
        }
        match Instruction::from_words(words) {
            Ok(instr) => Some(instr),
            Err(e) => {
                let word = match e {
                    DecodeError::UnknownOpcode(_) => 0,
                    DecodeError::UnusedWordNotZero { index, .. }
                    | DecodeError::RegisterOutOfRange { index, .. } => index + 1,
                    DecodeError::OperandMismatch { .. } => 0,
                };
                self.error(spans[word], format!("invalid instruction: {e}"));
                None
            }
        }
    }
}
