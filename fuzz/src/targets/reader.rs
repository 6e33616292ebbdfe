//! The `reader` target: `adead_isa::format::read` on mutated `.bib` files.
//!
//! Seeds are the examples and conformance cases, assembled and written. Inputs are
//! byte-level mutations of corpus entries (`crate::mutate`). For every input:
//!
//! - `read` returns, without panicking, and allocates at most [`alloc_bound`] of the
//!   input's length, both in its largest single allocation and in all its allocations
//!   together (measured by the counting global allocator, which must be installed);
//! - what it accepts writes back byte for byte (`format::write`), reads again to an
//!   equal module, and disassembles, in both listing styles, to a listing that
//!   assembles (unverified, as `adead_asm::disassemble` promises for every module
//!   `read` accepts) to the equal module.
//!
//! Features: the error's section and kind, or, for accepted inputs, the opcodes and the
//! sizes of the tables.

use adead_asm::{ListingStyle, Options as AsmOptions, assemble_with, disassemble};
use adead_isa::{Module, format};

use crate::alloc;
use crate::driver::{Exec, Target};
use crate::mutate::mutated_entry;
use crate::rng::Rng;
use crate::targets::excerpt;

/// The largest input the mutator makes.
pub const MAX_INPUT: usize = 256 * 1024;

/// The most `read` may allocate for an input of `len` bytes, in one allocation and in
/// all together: 64 bytes per input byte and 1 MiB. FORMAT.md's rule is that no count is
/// trusted for an allocation; decoded entries take a few times their encoded size.
pub fn alloc_bound(len: usize) -> usize {
    64 * len + (1 << 20)
}

/// The target; `read` is the function under test (`format::read`, or a planted bug in
/// the target's own tests).
pub struct Reader {
    read: fn(&[u8]) -> Result<Module, format::FormatError>,
}

impl Default for Reader {
    fn default() -> Reader {
        Reader::new()
    }
}

impl Reader {
    /// The target on `adead_isa::format::read`.
    pub fn new() -> Reader {
        Reader { read: format::read }
    }

    /// The target on another reader: the harness's own tests plant bugs with it.
    pub fn with_reader(read: fn(&[u8]) -> Result<Module, format::FormatError>) -> Reader {
        Reader { read }
    }
}

/// The name of an enum variant from its `Debug` text: `CountTooLarge { .. }` gives
/// `CountTooLarge`.
pub(crate) fn variant(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(debug.len());
    &debug[..end]
}

/// Where two byte strings first differ, in words.
pub(crate) fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(at) => format!(
            "first difference at byte {at}: {:#04x} vs {:#04x}",
            a[at], b[at]
        ),
        None => format!("lengths {} and {}", a.len(), b.len()),
    }
}

impl Target for Reader {
    type Input = Vec<u8>;

    fn name(&self) -> &'static str {
        "reader"
    }

    fn extension(&self) -> &'static str {
        "bib"
    }

    fn seeds(&mut self) -> Result<Vec<Vec<u8>>, String> {
        if !alloc::installed() {
            return Err("the reader target measures allocations: install \
                        `adead_fuzz::alloc::Counting` as the global allocator"
                .to_string());
        }
        Ok(crate::seeds::modules()?.iter().map(format::write).collect())
    }

    fn generate(&mut self, rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
        mutated_entry(rng, corpus, MAX_INPUT)
    }

    fn check(&mut self, input: &Vec<u8>, exec: &mut Exec) -> Result<(), String> {
        let read = self.read;
        let (result, usage) = alloc::measure(|| read(input));
        let bound = alloc_bound(input.len());
        if usage.largest > bound || usage.total > bound {
            return Err(format!(
                "read allocated {} bytes in one allocation and {} in all ({} requests) for \
                 an input of {} bytes; the bound is {bound} (64 x length + 1 MiB)",
                usage.largest,
                usage.total,
                usage.requests,
                input.len()
            ));
        }
        let module = match result {
            Err(error) => {
                exec.tally("rejected");
                exec.feature(&format!(
                    "rejected {} {}",
                    error.section,
                    variant(&format!("{:?}", error.kind))
                ));
                // The message must render (it is what users see).
                let _ = error.to_string();
                return Ok(());
            }
            Ok(module) => module,
        };
        exec.tally("accepted");
        exec.feature("accepted");
        for instr in &module.code {
            exec.feature_value("opcode", u64::from(instr.opcode().word()));
        }
        for (name, count) in [
            ("functions", module.functions.len()),
            ("imports", module.imports.len()),
            ("exports", module.exports.len()),
            ("data", module.data.len()),
            ("shaders", module.shaders.len()),
            ("lines", module.debug.lines.len()),
        ] {
            exec.feature_value(name, count.min(4) as u64);
        }

        let written = format::write(&module);
        if written != *input {
            return Err(format!(
                "read accepted {} bytes that write back as {} different ones ({})",
                input.len(),
                written.len(),
                first_difference(input, &written)
            ));
        }
        match format::read(&written) {
            Ok(again) if again == module => {}
            Ok(_) => return Err("the written module reads back as a different module".into()),
            Err(error) => return Err(format!("the written module does not read back: {error}")),
        }
        for style in [ListingStyle::Hex, ListingStyle::Mnemonic] {
            let listing = disassemble(&module, style);
            match assemble_with(&listing, "fuzz.bib", &AsmOptions { verify: false }) {
                Ok(again) if again == module => {}
                Ok(again) => {
                    return Err(format!(
                        "the {style:?} listing of an accepted module assembles to a different \
                         module ({})\n{}",
                        first_difference(&written, &format::write(&again)),
                        excerpt(&listing, 60)
                    ));
                }
                Err(diagnostics) => {
                    return Err(format!(
                        "the {style:?} listing of an accepted module does not assemble:\n{}\n{}",
                        excerpt(&diagnostics.render(&listing, "listing"), 30),
                        excerpt(&listing, 60)
                    ));
                }
            }
        }
        Ok(())
    }

    fn encode(&self, input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }
}
