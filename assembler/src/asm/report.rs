//! Where errors are and how they are reported: byte spans in a line, their conversion
//! to line and column, the cap on kept diagnostics ([`MAX_DIAGNOSTICS`]) and "did you
//! mean" suggestions.

use crate::diag::Diagnostic;
use crate::lex::{LexError, Token};

use super::Asm;

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

impl<'s> Asm<'s> {
    pub(super) fn diagnostic(
        &self,
        span: Span,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let text = self.lines.get(span.line).copied().unwrap_or("");
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

    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.report(span, message.into(), None);
    }

    pub(super) fn error_help(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.report(span, message.into(), Some(help.into()));
    }

    /// True once [`MAX_DIAGNOSTICS`] errors are kept: later ones are only counted, and
    /// their "did you mean" searches skipped.
    pub(super) fn full(&self) -> bool {
        self.diags.len() >= MAX_DIAGNOSTICS
    }

    /// Keeps the first [`MAX_DIAGNOSTICS`] errors and counts the rest: a listing of junk
    /// must not make a diagnostic per token.
    fn report(&mut self, span: Span, message: String, help: Option<String>) {
        if !self.full() {
            let d = self.diagnostic(span, message, help);
            self.diags.push(d);
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
        span: Span,
        message: String,
        near: Option<&str>,
        fallback: &str,
    ) {
        match near {
            Some(near) => self.error_help(span, message, format!("did you mean `{near}`?")),
            None if fallback.is_empty() => self.error(span, message),
            None => self.error_help(span, message, fallback),
        }
    }
}
