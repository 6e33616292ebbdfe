//! Seed inputs: the repository's example programs and conformance cases, as listings
//! and as assembled modules.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use adead_isa::{Module, format};

/// Modules whose `.bib` encoding is larger than this are left out of the seeds: each
/// execution reads and writes its whole input, and one large seed (`examples/mlp.asm`
/// reserves 600 KB of data) would take most of a run's time for one kind of input.
pub const MAX_SEED_BYTES: usize = 64 * 1024;

/// The repository's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// A listing and the name of the file it came from.
#[derive(Clone, Debug)]
pub struct Listing {
    /// `examples/fib.asm`, or a case file's path and the case's name.
    pub name: String,
    /// The text.
    pub text: String,
}

/// Every `examples/*.asm` and every conformance case's source, in path order, without
/// duplicates. An error names what could not be read.
pub fn listings() -> Result<Vec<Listing>, String> {
    let dir = examples_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "asm"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.push(Listing {
            name: format!(
                "examples/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            text,
        });
    }
    let cases = adead_conformance::runner::load_corpus(&adead_conformance::runner::corpus_dir())
        .map_err(|errors| {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            format!("the conformance corpus does not parse: {first}")
        })?;
    for case in cases {
        out.push(Listing {
            name: format!("{} ({})", case.file, case.name),
            text: case.source,
        });
    }
    let mut seen = HashSet::new();
    out.retain(|listing| seen.insert(listing.text.clone()));
    Ok(out)
}

/// The listings that assemble, as modules of at most [`MAX_SEED_BYTES`] encoded, each
/// once, in listing order.
pub fn modules() -> Result<Vec<Module>, String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for listing in listings()? {
        let Ok(module) = adead_asm::assemble(&listing.text, &listing.name) else {
            continue;
        };
        let bytes = format::write(&module);
        if bytes.len() <= MAX_SEED_BYTES && seen.insert(bytes) {
            out.push(module);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_are_the_examples_and_the_cases() {
        let listings = listings().expect("seeds");
        assert!(listings.iter().any(|l| l.name == "examples/fib.asm"));
        assert!(listings.iter().any(|l| l.name.contains(".case")));
        let modules = modules().expect("modules");
        // Most listings assemble (a few cases are about assembly errors).
        assert!(
            modules.len() * 2 > listings.len(),
            "{} of {}",
            modules.len(),
            listings.len()
        );
    }
}
