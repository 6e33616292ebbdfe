//! Integration tests of `adead-asm`: the examples, byte-exact round trips (property
//! tests over arbitrary modules), diagnostics and the command-line tool.

mod cli;
mod diagnostics;
mod examples;
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
