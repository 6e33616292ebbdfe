//! A line's tokens, the argument lists of directives and instructions, and operand
//! values: registers, integers, floats, names and quoted text.

use std::borrow::Cow;

use adead_isa::{MAX_REGISTERS, OperandKind, OperandValue};

use crate::lex::{self, LexError, Piece, Token};

use super::Asm;
use super::report::Span;

/// An operand as read from its token: a value, or a name to resolve by the kind (a
/// plain name borrowed from the listing, a quoted one decoded).
#[derive(Clone, Debug)]
pub(super) enum Arg<'a> {
    Value(OperandValue),
    Name(Cow<'a, str>),
}

/// Reads one operand token of a known kind.
pub(super) fn parse_operand(kind: OperandKind, text: &str) -> Result<Arg<'_>, LexError> {
    let whole = |message: String| LexError {
        start: 0,
        end: text.len(),
        message,
    };
    let value = match kind {
        OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => {
            // `r` and one to three digits, the usual register, read without `parse`.
            if let [b'r', digits @ ..] = text.as_bytes()
                && (1..=3).contains(&digits.len())
                && digits.iter().all(u8::is_ascii_digit)
            {
                let r = digits
                    .iter()
                    .fold(0u32, |r, d| r * 10 + u32::from(d - b'0'));
                if r < MAX_REGISTERS {
                    return Ok(Arg::Value(OperandValue::Reg(r as u8)));
                }
            }
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

/// The tokens of the instruction on an instruction line, commas left out: its mnemonic
/// or first hex word, then its operands or other words, after any `label:` or `ADDR:`
/// prefix. Pass 1 reads the line the same way; this finds an operand's token again for
/// an error pass 2 reports.
pub(super) fn instruction_tokens(line: &str) -> Vec<Token<'_>> {
    let mut pieces = Vec::new();
    if lex::tokenize_into(lex::strip_comment(line), &mut pieces).is_err() {
        return Vec::new();
    }
    let prefix = matches!(pieces.first(), Some(Piece::Token(t)) if t.text.ends_with(':'));
    pieces[usize::from(prefix)..]
        .iter()
        .filter_map(|piece| match *piece {
            Piece::Token(t) => Some(t),
            Piece::Comma(_) => None,
        })
        .collect()
}

impl<'s> Asm<'s> {
    /// Arguments with no commas.
    pub(super) fn plain_args<'t>(
        &mut self,
        line: usize,
        pieces: &[Piece<'t>],
    ) -> Option<Vec<Token<'t>>> {
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
    pub(super) fn list_args<'t>(
        &mut self,
        line: usize,
        pieces: &[Piece<'t>],
        what: &str,
    ) -> Option<Vec<Token<'t>>> {
        let mut out = Vec::new();
        self.list_args_into(line, pieces, what, &mut out)
            .then_some(out)
    }

    /// [`Asm::list_args`] into `out` (cleared first), a buffer reused from line to line;
    /// false after reporting an error.
    pub(super) fn list_args_into<'t>(
        &mut self,
        line: usize,
        pieces: &[Piece<'t>],
        what: &str,
        out: &mut Vec<Token<'t>>,
    ) -> bool {
        out.clear();
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
                        return false;
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
                        return false;
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
            return false;
        }
        true
    }

    /// Splits `key=value`, returning the value as a token of its own.
    pub(super) fn key_value<'t>(token: &Token<'t>) -> Option<(&'t str, Token<'t>)> {
        let eq = token.text.find('=')?;
        Some((&token.text[..eq], token.suffix(eq + 1)))
    }

    pub(super) fn int_arg(
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

    pub(super) fn name_arg(&mut self, line: usize, token: &Token<'_>) -> Option<String> {
        match lex::parse_name(token.text) {
            Ok(name) => Some(name.into_owned()),
            Err(e) => {
                self.lex_error(Span::of(line, token), e);
                None
            }
        }
    }

    pub(super) fn text_arg(&mut self, line: usize, token: &Token<'_>) -> Option<String> {
        match lex::decode_text(token.text) {
            Ok(text) => Some(text),
            Err(e) => {
                self.lex_error(Span::of(line, token), e);
                None
            }
        }
    }
}
