//! Integration tests of `adead-asm`: the examples, byte-exact round trips (property
//! tests over arbitrary modules), the benchmark's generated listings, diagnostics and
//! the command-line tool.

mod cli;
mod diagnostics;
mod examples;
mod generated;
mod roundtrip;

use std::path::PathBuf;

/// The repository's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Every `.asm` file under `examples/`, sorted.
pub fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "asm"))
        .collect();
    files.sort();
    files
}

/// How the exit-code list of `--help` (and of the crate docs) starts.
pub const EXIT_CODES_TITLE: &str = "Exit codes (sysexits.h";

/// The `(code, meaning)` lines of the exit-code list in `text`: the indented lines
/// after the line that starts with [`EXIT_CODES_TITLE`], up to the first other line.
pub fn exit_code_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip_while(|line| !line.starts_with(EXIT_CODES_TITLE))
        .skip(1)
        .map_while(|line| {
            let entry = line.strip_prefix("  ")?;
            let (code, meaning) = entry.split_once(' ')?;
            Some((code.to_string(), meaning.trim().to_string()))
        })
        .collect()
}

/// The codes the README's exit-code table (the one under `## Exit codes`) marks for
/// `tool`, in table order.
pub fn readme_exit_codes(readme: &str, tool: &str) -> Vec<String> {
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().to_string())
            .collect()
    };
    let mut rows = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("README has an `## Exit codes` section")
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'));
    let header = cells(rows.next().expect("a table header"));
    let column = header
        .iter()
        .position(|cell| cell.trim_matches('`') == tool)
        .unwrap_or_else(|| panic!("the exit-code table has no column for {tool}"));
    rows.skip(1)
        .map(cells)
        .filter(|row| row[column] == "yes")
        .map(|row| row[0].clone())
        .collect()
}
