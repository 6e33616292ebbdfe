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
        let mut out = format!(
            "{file_name}:{}:{}: error: {}\n",
            self.line, self.column, self.message
        );
        let gutter = self.line.to_string().len().max(5);
        if let Some(text) = self.line.checked_sub(1).and_then(|i| source.lines().nth(i)) {
            let text = text.strip_suffix('\r').unwrap_or(text);
            out.push_str(&format!("{:>gutter$} | {text}\n", self.line));
            // Reproduce tabs before the caret so it lines up however tabs are shown.
            let pad: String = text
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let missing = self
                .column
                .saturating_sub(1)
                .saturating_sub(text.chars().count());
            out.push_str(&format!(
                "{:>gutter$} | {pad}{}{}\n",
                "",
                " ".repeat(missing),
                "^".repeat(self.len.max(1))
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{:>gutter$} = help: {help}\n", ""));
        }
        out
    }
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

/// Every error found in one listing, in source order. Never empty when returned as an
/// error by [`crate::assemble`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Renders every diagnostic as a block (see [`Diagnostic::render`]), blocks separated
    /// by an empty line.
    pub fn render(&self, source: &str, file_name: &str) -> String {
        self.0
            .iter()
            .map(|d| d.render(source, file_name))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are no errors.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diagnostics.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
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
        let d = Diagnostics(vec![diag(1, 1, 1), diag(2, 3, 1)]);
        assert_eq!(
            d.to_string(),
            "1:1: error: unknown mnemonic `ad` (help: did you mean `add`?)\n\
             2:3: error: unknown mnemonic `ad` (help: did you mean `add`?)"
        );
        assert_eq!(d.len(), 2);
    }
}
