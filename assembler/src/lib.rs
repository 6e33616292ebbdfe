//! # adead-asm: listings to modules and back
//!
//! This crate's one concern is the text form of ADead-BIB programs. [`assemble`] turns a
//! listing (mnemonic instructions, raw hex instructions, directives and labels) into a
//! [`Module`], reporting every error of the file as a [`Diagnostic`] with line, column
//! and a caret, the way compilers do. [`disassemble`] turns any module back into its
//! canonical listing, which assembles to the identical module and so to the identical
//! `.bib` bytes. Mnemonics, operand kinds and operand counts come only from the opcode
//! table of `adead-isa`; the byte format and the verifier live there too.
//!
//! ```
//! use adead_asm::{assemble, disassemble, ListingStyle};
//! let source = "
//! .func main params=0 regs=4
//!     movi r1, 40
//!     addi r1, r1, 2
//!     halt r1
//! .end
//! ";
//! let module = assemble(source, "answer.asm").unwrap();
//! assert_eq!(module.code.len(), 3);
//! let listing = disassemble(&module, ListingStyle::Mnemonic);
//! assert_eq!(assemble(&listing, "answer.asm").unwrap(), module);
//!
//! let err = assemble("    ad r1, r2, r3\n", "prog.asm").unwrap_err();
//! assert_eq!(err.iter().next().unwrap().message, "unknown mnemonic `ad`");
//! ```
//!
//! The listing syntax is a contract other tools rely on; `examples/` at the repository
//! root shows it, and the `adead-asm` binary wraps this library.

mod asm;
mod diag;
mod disasm;
mod input;
mod lex;

use adead_isa::Module;

pub use asm::MAX_DIAGNOSTICS;
pub use diag::{Diagnostic, Diagnostics};
pub use input::{looks_like_listing, not_utf8};
pub use lex::comment_start;

/// How [`disassemble`] writes each instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingStyle {
    /// The raw hex line is the instruction and the mnemonic form a comment:
    /// `0003: 00020000 00000003 00000001 00000002 00000000  ; add r3, r1, r2`.
    Hex,
    /// The mnemonic form is the instruction and the hex line a comment:
    /// `add r3, r1, r2  ; 0003: 00020000 ...`. An instruction whose operands name
    /// something the module lacks (possible only in a module that fails verification)
    /// is written in hex form.
    Mnemonic,
}

/// One line of a function's listing ([`function_listing`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingLine {
    /// The instruction the line shows (its global pc); `None` for the function's
    /// header and end, labels and `.line` directives.
    pub pc: Option<u32>,
    /// The line as [`disassemble`] writes it.
    pub text: String,
}

/// Options for [`assemble_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Run the verifier's rules (registers within the frame, jump targets, indices,
    /// call arities, no falling off a function's end) and `adead_isa::verify`. On by
    /// default. Off, the assembler checks only what the `.bib` format itself requires,
    /// so listings of deliberately invalid modules (verifier tests) still assemble.
    pub verify: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { verify: true }
    }
}

/// Assembles a listing into a verified module. `file_name` is used for the debug line
/// table (unless the listing has `.source`) and nowhere else; diagnostics render with
/// whatever name the caller passes to [`Diagnostics::render`].
///
/// All errors of the file are reported, in source order. The module has passed
/// `adead_isa::verify`; it is returned unwrapped so the caller can write or verify it.
pub fn assemble(source: &str, file_name: &str) -> Result<Module, Diagnostics> {
    assemble_with(source, file_name, &Options::default())
}

/// [`assemble`] with options.
pub fn assemble_with(
    source: &str,
    file_name: &str,
    options: &Options,
) -> Result<Module, Diagnostics> {
    asm::assemble(source, file_name, options)
}

/// The canonical listing of a module. Assembling it (with [`assemble_with`] and
/// `verify: false` for a module that does not verify) gives back the identical module,
/// for every module `adead_isa::format::read` accepts.
pub fn disassemble(module: &Module, style: ListingStyle) -> String {
    disasm::disassemble(module, style)
}

/// The lines [`disassemble`] writes for function number `func` (from `.func` to
/// `.end`), each instruction's line with its global pc, for tools that annotate a
/// listing (`adead-vm analyze`). `None` when the module has no such function.
///
/// ```
/// use adead_asm::{ListingStyle, assemble, function_listing};
/// let module = assemble(".func main params=0 regs=1\n movi r0, 7\n ret r0\n.end\n", "f.asm")
///     .unwrap();
/// let lines = function_listing(&module, 0, ListingStyle::Hex).unwrap();
/// assert_eq!(lines[0].text, ".func main params=0 regs=1");
/// let pcs: Vec<_> = lines.iter().filter_map(|line| line.pc).collect();
/// assert_eq!(pcs, [0, 1]);
/// let movi = lines.iter().find(|line| line.pc == Some(0)).unwrap();
/// assert!(movi.text.ends_with("; movi r0, 7"), "{}", movi.text);
/// ```
pub fn function_listing(
    module: &Module,
    func: u32,
    style: ListingStyle,
) -> Option<Vec<ListingLine>> {
    let function = module.functions.get(func as usize)?;
    Some(disasm::function_listing(module, function, style))
}
