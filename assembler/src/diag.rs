//! Diagnostics: errors with a source position, rendered the way compilers show them.

use std::fmt;

/// One error in a listing, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based source line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Number of characters the caret underlines (at least 1).
    pub len: usize,
    /// What is wrong, and what was expected.
    pub message: String,
    /// A suggestion, shown as `= help: ...`.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Renders this diagnostic as one block:
    ///
    /// ```text
    /// prog.asm:3:5: error: unknown mnemonic `ad`
    ///     3 |     ad r1, r2, r3
    ///       |     ^^
    ///       = help: did you mean `add`?
    /// ```
    ///
    /// `source` is the whole file the diagnostic refers to.
    pub fn render(&self, source: &str, file_name: &str) -> String {
        let line = self.line.checked_sub(1).and_then(|i| source.lines().nth(i));
        self.render_line(line, file_name)
    }

    /// [`Diagnostic::render`] with the diagnostic's source line already found.
    fn render_line(&self, text: Option<&str>, file_name: &str) -> String {
        let mut out = format!(
            "{file_name}:{}:{}: error: {}\n",
            self.line, self.column, self.message
        );
        let gutter = self.line.to_string().len().max(5);
        if let Some(text) = text {
            let text = text.strip_suffix('\r').unwrap_or(text);
            let (shown, column) = window(text, self.column);
            out.push_str(&format!("{:>gutter$} | {shown}\n", self.line));
            // Reproduce tabs before the caret so it lines up however tabs are shown.
            let pad: String = shown
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let missing = column
                .saturating_sub(1)
                .saturating_sub(shown.chars().count());
            let len = self.len.clamp(1, QUOTED_CHARS);
            out.push_str(&format!(
                "{:>gutter$} | {pad}{}{}\n",
                "",
                " ".repeat(missing),
                "^".repeat(len)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{:>gutter$} = help: {help}\n", ""));
        }
        out
    }
}

/// The most characters of a source line a diagnostic quotes.
const QUOTED_CHARS: usize = 120;

/// The part of `text` a diagnostic at 1-based character `column` quotes: the whole line
/// when it is short, else [`QUOTED_CHARS`] characters around the column with `...`
/// where it was cut; and the column within what is quoted.
fn window(text: &str, column: usize) -> (String, usize) {
    let count = text.chars().count();
    if count <= QUOTED_CHARS {
        return (text.to_string(), column);
    }
    let at = column.saturating_sub(1).min(count);
    let start = at
        .saturating_sub(QUOTED_CHARS / 2)
        .min(count - QUOTED_CHARS);
    let end = start + QUOTED_CHARS;
    let mut shown = String::new();
    if start > 0 {
        shown.push_str("...");
    }
    shown.extend(text.chars().skip(start).take(QUOTED_CHARS));
    if end < count {
        shown.push_str("...");
    }
    let prefix = if start > 0 { 3 } else { 0 };
    (shown, column - start + prefix)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: error: {}", self.line, self.column, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The errors found in one listing, in source order: the first
/// [`crate::MAX_DIAGNOSTICS`] found, and how many more there were. Never empty when
/// returned as an error by [`crate::assemble`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Diagnostics {
    kept: Vec<Diagnostic>,
    omitted: usize,
}

impl Diagnostics {
    /// `kept` errors and a count of `omitted` ones not kept.
    pub fn new(kept: Vec<Diagnostic>, omitted: usize) -> Diagnostics {
        Diagnostics { kept, omitted }
    }

    /// Renders every diagnostic as a block (see [`Diagnostic::render`]), blocks separated
    /// by an empty line, then a line counting the errors not kept. Each line of
    /// `source` is found once, and long lines are quoted around the error only, so the
    /// text grows with the number of errors, not with their product with the lines.
    pub fn render(&self, source: &str, file_name: &str) -> String {
        let lines: Vec<&str> = source.lines().collect();
        let mut blocks: Vec<String> = self
            .kept
            .iter()
            .map(|d| {
                let line = d.line.checked_sub(1).and_then(|i| lines.get(i).copied());
                d.render_line(line, file_name)
            })
            .collect();
        if self.omitted > 0 {
            blocks.push(format!(
                "{file_name}: error: {} more error(s) not shown\n",
                self.omitted
            ));
        }
        blocks.join("\n")
    }

    /// Number of errors kept (at most [`crate::MAX_DIAGNOSTICS`]).
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Errors found past the kept ones.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Every error found: kept and omitted.
    pub fn total(&self) -> usize {
        self.kept.len() + self.omitted
    }

    /// True if there are no errors.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The kept diagnostics.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.kept.iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.kept.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.kept.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n{} more error(s) not shown", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(line: usize, column: usize, len: usize) -> Diagnostic {
        Diagnostic {
            line,
            column,
            len,
            message: "unknown mnemonic `ad`".into(),
            help: Some("did you mean `add`?".into()),
        }
    }

    #[test]
    fn renders_like_a_compiler() {
        let src = "; x\n\n    ad r1, r2, r3\n";
        assert_eq!(
            diag(3, 5, 2).render(src, "prog.asm"),
            "prog.asm:3:5: error: unknown mnemonic `ad`\n\
             \x20   3 |     ad r1, r2, r3\n\
             \x20     |     ^^\n\
             \x20     = help: did you mean `add`?\n"
        );
    }

    #[test]
    fn tabs_are_kept_before_the_caret_and_missing_lines_are_fine() {
        let src = "\tad r1\n";
        let out = diag(1, 2, 2).render(src, "t.asm");
        assert!(out.contains("      | \t^^\n"), "{out}");
        let out = diag(9, 1, 1).render(src, "t.asm");
        assert_eq!(
            out,
            "t.asm:9:1: error: unknown mnemonic `ad`\n      = help: did you mean `add`?\n"
        );
    }

    #[test]
    fn caret_past_the_end_of_the_line() {
        let out = diag(1, 8, 1).render("add r1", "t.asm");
        assert!(out.contains("      |        ^\n"), "{out}");
    }

    #[test]
    fn display_lists_every_error() {
        let d = Diagnostics::new(vec![diag(1, 1, 1), diag(2, 3, 1)], 0);
        assert_eq!(
            d.to_string(),
            "1:1: error: unknown mnemonic `ad` (help: did you mean `add`?)\n\
             2:3: error: unknown mnemonic `ad` (help: did you mean `add`?)"
        );
        assert_eq!(d.len(), 2);
    }
}
