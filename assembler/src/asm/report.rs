//! Where errors are and how they are reported: byte spans in a line, the cap on kept
//! diagnostics ([`MAX_DIAGNOSTICS`]), "did you mean" suggestions, and the conversion of
//! the kept errors to lines and columns.
//!
//! The assembler keeps no table of the listing's lines. An error is kept with where it
//! is ([`At`]): a byte span, or an operand or the whole of the instruction on a line,
//! which pass 2 knows only by the instruction's line. Once every error is found,
//! [`locate`] reads the listing once more, only up to the last line an error names, and
//! turns each into a [`Diagnostic`] with its line and column.

use adead_isa::Opcode;

use crate::diag::Diagnostic;
use crate::lex::{LexError, Token};

use super::Asm;
use super::hex::is_hex_start;
use super::operands::instruction_tokens;

/// A byte range in one line (0-based line index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) line: usize,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Span {
    pub(super) fn of(line: usize, token: &Token<'_>) -> Span {
        Span {
            line,
            start: token.start,
            end: token.end(),
        }
    }

    pub(super) fn at(line: usize, offset: usize) -> Span {
        Span {
            line,
            start: offset,
            end: offset,
        }
    }

    pub(super) fn to(self, other: Span) -> Span {
        Span {
            end: other.end,
            ..self
        }
    }

    pub(super) fn sub(self, start: usize, end: usize) -> Span {
        Span {
            line: self.line,
            start: self.start + start,
            end: self.start + end.max(start),
        }
    }
}

/// The most errors one listing reports; the rest are only counted (as compilers cap
/// theirs: clang stops at 20, gcc with `-fmax-errors`).
pub const MAX_DIAGNOSTICS: usize = 100;

/// The nearest candidate by edit distance, if it is near enough to be a likely typo.
pub(super) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let (best, distance) = candidates
        .into_iter()
        .map(|c| (c, strsim::damerau_levenshtein(word, c)))
        .min_by_key(|&(c, d)| (d, c))?;
    (distance <= (word.chars().count() / 2).max(2)).then_some(best)
}

/// Where a kept error is.
#[derive(Clone, Copy, Debug)]
pub(super) enum At {
    /// A byte span.
    Span(Span),
    /// Operand `index` of the instruction of `opcode` on line `line`: its token, or for
    /// a raw hex line the word the operand starts at.
    Operand {
        line: usize,
        opcode: Opcode,
        index: usize,
    },
    /// The instruction on line `line`, from its first token to its last.
    Instruction { line: usize },
}

impl At {
    fn line(self) -> usize {
        match self {
            At::Span(span) => span.line,
            At::Operand { line, .. } | At::Instruction { line } => line,
        }
    }

    /// The span, given the text of the line.
    fn span(self, text: &str) -> Span {
        let (line, operand) = match self {
            At::Span(span) => return span,
            At::Operand {
                line,
                opcode,
                index,
            } => (line, Some((opcode, index))),
            At::Instruction { line } => (line, None),
        };
        // Pass 2 names only instructions pass 1 built, so the line tokenizes.
        let tokens = instruction_tokens(text);
        let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
            return Span::at(line, 0);
        };
        let whole = Span::of(line, first).to(Span::of(line, last));
        let token = operand.and_then(|(opcode, index)| {
            let kinds = opcode.operands();
            if is_hex_start(first.text) {
                // A hex operand is at the word it starts: words 1.. follow the opcode word.
                let word: usize = kinds.get(..index)?.iter().map(|k| k.words()).sum();
                kinds.get(index)?;
                tokens.get(1 + word)
            } else {
                tokens.get(1 + index)
            }
        });
        token.map_or(whole, |t| Span::of(line, t))
    }
}

impl From<Span> for At {
    fn from(span: Span) -> At {
        At::Span(span)
    }
}

/// An error kept until every error is found.
#[derive(Debug)]
pub(super) struct Pending {
    at: At,
    message: String,
    help: Option<String>,
}

/// The line and column of each kept error, in the order they were found, reading
/// `source` up to the last line one of them names.
pub(super) fn locate(source: &str, pending: Vec<Pending>) -> Vec<Diagnostic> {
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by_key(|&i| pending[i].at.line());
    let mut lines = source.lines().enumerate();
    let mut current: Option<(usize, &str)> = None;
    let mut texts = vec![""; pending.len()];
    for i in order {
        let wanted = pending[i].at.line();
        while current.is_none_or(|(index, _)| index < wanted) {
            match lines.next() {
                Some(line) => current = Some(line),
                None => break,
            }
        }
        if let Some((index, text)) = current
            && index == wanted
        {
            texts[i] = text;
        }
    }
    pending
        .into_iter()
        .zip(texts)
        .map(|(p, text)| diagnostic(text, p.at.span(text), p.message, p.help))
        .collect()
}

/// A diagnostic at `span` of the line whose text is `text` (empty for a line past the
/// end of the listing).
fn diagnostic(text: &str, span: Span, message: String, help: Option<String>) -> Diagnostic {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let column = text.get(..start).map_or(start, |s| s.chars().count()) + 1;
    let len = text.get(start..end).map_or(1, |s| s.chars().count()).max(1);
    Diagnostic {
        line: span.line + 1,
        column,
        len,
        message,
        help,
    }
}

impl<'s> Asm<'s> {
    pub(super) fn error(&mut self, at: impl Into<At>, message: impl Into<String>) {
        self.report(at.into(), message.into(), None);
    }

    pub(super) fn error_help(
        &mut self,
        at: impl Into<At>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.report(at.into(), message.into(), Some(help.into()));
    }

    /// True once [`MAX_DIAGNOSTICS`] errors are kept: later ones are only counted, and
    /// their "did you mean" searches skipped.
    pub(super) fn full(&self) -> bool {
        self.diags.len() >= MAX_DIAGNOSTICS
    }

    /// Keeps the first [`MAX_DIAGNOSTICS`] errors and counts the rest: a listing of junk
    /// must not make a diagnostic per token.
    fn report(&mut self, at: At, message: String, help: Option<String>) {
        if !self.full() {
            self.diags.push(Pending { at, message, help });
        } else {
            self.omitted += 1;
        }
    }

    pub(super) fn lex_error(&mut self, span: Span, e: LexError) {
        self.error(span.sub(e.start, e.end), e.message);
    }

    /// An error with a "did you mean" help when a near name exists, else `fallback` help
    /// (none if empty).
    pub(super) fn error_near(
        &mut self,
        at: At,
        message: String,
        near: Option<&str>,
        fallback: &str,
    ) {
        match near {
            Some(near) => self.error_help(at, message, format!("did you mean `{near}`?")),
            None if fallback.is_empty() => self.error(at, message),
            None => self.error_help(at, message, fallback),
        }
    }
}
