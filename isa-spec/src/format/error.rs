//! What can be wrong with a `.bib` file, and where.

use std::fmt;

use crate::instr::DecodeError;

/// A part of a `.bib` file: the fixed header, the section table, or one section body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Magic, format version and section count (bytes 0..16).
    Header,
    /// The eight `id, offset, length` entries (bytes 16..112).
    SectionTable,
    /// Memory size and entry function (section id 1).
    Meta,
    /// Instructions (section id 2).
    Code,
    /// Function table (section id 3).
    Functions,
    /// Host imports (section id 4).
    Imports,
    /// Exported functions (section id 5).
    Exports,
    /// Initial linear memory (section id 6).
    Data,
    /// Compute shaders (section id 7).
    Shaders,
    /// Line table (section id 8).
    Debug,
}

impl Section {
    /// The sections that have a body, in file (and id) order.
    pub const BODIES: [Section; 8] = [
        Section::Meta,
        Section::Code,
        Section::Functions,
        Section::Imports,
        Section::Exports,
        Section::Data,
        Section::Shaders,
        Section::Debug,
    ];

    /// The id of a body section in the section table; `None` for the header and the
    /// table itself.
    pub const fn id(self) -> Option<u32> {
        match self {
            Section::Header | Section::SectionTable => None,
            Section::Meta => Some(1),
            Section::Code => Some(2),
            Section::Functions => Some(3),
            Section::Imports => Some(4),
            Section::Exports => Some(5),
            Section::Data => Some(6),
            Section::Shaders => Some(7),
            Section::Debug => Some(8),
        }
    }

    /// The lower-case name used in messages and in `FORMAT.md`.
    pub const fn name(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::SectionTable => "section table",
            Section::Meta => "meta",
            Section::Code => "code",
            Section::Functions => "functions",
            Section::Imports => "imports",
            Section::Exports => "exports",
            Section::Data => "data",
            Section::Shaders => "shaders",
            Section::Debug => "debug",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `.bib` file `read` rejects: which part, the byte offset in the file of the field or
/// entry at fault, and what is wrong.
///
/// ```
/// let err = adead_isa::format::read(b"ADEADBIB\x02\0\0\0").unwrap_err();
/// assert_eq!(err.to_string(), ".bib error in section `header` at byte 8: format version 2 is not supported (this reader knows version 1)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(".bib error in section `{section}` at byte {offset}: {kind}")]
pub struct FormatError {
    /// The part of the file the offending bytes belong to.
    pub section: Section,
    /// Byte offset in the file of the offending field (for a length or count that is too
    /// large: the length or count itself).
    pub offset: usize,
    /// What is wrong.
    pub kind: FormatErrorKind,
}

/// Every way a `.bib` file can break `FORMAT.md`. Names quoted in messages are escaped, so
/// a message is always one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatErrorKind {
    // ------------------------------------------------------------------ header and table
    /// The file does not start with `ADEADBIB`.
    #[error("bad magic: a .bib file starts with the bytes `ADEADBIB`")]
    BadMagic,
    /// A format version this reader does not know.
    #[error("format version {0} is not supported (this reader knows version 1)")]
    UnsupportedVersion(u32),
    /// The header's section count is not 8.
    #[error("the header lists {0} sections, but version 1 has exactly 8")]
    BadSectionCount(u32),
    /// A section table entry has the wrong id (sections are listed once each, by id).
    #[error("section table entry holds id {found}, expected {} (section `{expected}`)", expected.id().unwrap_or(0))]
    UnexpectedSectionId {
        /// The section that belongs at this entry.
        expected: Section,
        /// The id found.
        found: u32,
    },
    /// A section does not start where the previous one ends (or at 112 for the first).
    #[error(
        "section starts at byte {found}, but must start at byte {expected}, right after the previous one"
    )]
    SectionOutOfPlace {
        /// Where it must start.
        expected: usize,
        /// Where the table says it starts.
        found: u32,
    },

    // ------------------------------------------------------------------ any section
    /// A field, string, blob or section needs more bytes than are left.
    #[error("needs {needed} bytes, but only {available} are left")]
    Truncated {
        /// Bytes the field or section needs from its offset on.
        needed: usize,
        /// Bytes actually present (within the section, or the file for a section body).
        available: usize,
    },
    /// A count promises more entries than the rest of the section could hold even if every
    /// entry had the smallest possible size; rejected before anything is allocated.
    #[error(
        "count {count} needs at least {count} x {entry_size} bytes, but only {remaining} are left in the section"
    )]
    CountTooLarge {
        /// The count read.
        count: u32,
        /// The smallest encoded size of one entry.
        entry_size: usize,
        /// Bytes left in the section after the count.
        remaining: usize,
    },
    /// Bytes left over after a section body, or after the last section.
    #[error("{count} unexpected bytes after the end of the data")]
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// A string is not valid UTF-8; the offset is that of the first invalid byte.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A name in a name table is empty.
    #[error("a name is empty (names must be non-empty)")]
    EmptyName,
    /// A name appears twice in one name table.
    #[error("name `{}` is used twice", .0.escape_debug())]
    DuplicateName(String),

    // ------------------------------------------------------------------ code
    /// The code section length is not a multiple of 20 bytes.
    #[error("code is {len} bytes long, which is not a whole number of 20-byte instructions")]
    CodeLengthNotMultiple {
        /// The section length.
        len: usize,
    },
    /// An instruction does not decode.
    #[error("instruction {index}: {error}")]
    BadInstruction {
        /// Instruction index in the code.
        index: usize,
        /// Why it does not decode.
        error: DecodeError,
    },

    // ------------------------------------------------------------------ functions
    /// The function table is empty.
    #[error("the module has no functions (it needs at least one)")]
    NoFunctions,
    /// A function has no instructions.
    #[error("function `{}` has no instructions (len must be at least 1)", .name.escape_debug())]
    EmptyFunction {
        /// The function.
        name: String,
    },
    /// A function does not start where the previous one ends (or at 0 for the first).
    #[error("function `{}` starts at instruction {entry}, but must start at {expected} (functions tile the code in order)", .name.escape_debug())]
    FunctionsDoNotTileCode {
        /// The function.
        name: String,
        /// Its entry.
        entry: u32,
        /// Where the previous function ends.
        expected: u64,
    },
    /// A function runs past the end of the code.
    #[error("function `{}` ends at instruction {end}, past the end of the code ({code_len} instructions)", .name.escape_debug())]
    FunctionPastCodeEnd {
        /// The function.
        name: String,
        /// Its `entry + len`.
        end: u64,
        /// Instructions in the code section.
        code_len: usize,
    },
    /// The functions end before the code does.
    #[error(
        "the functions cover {covered} of the {code_len} instructions; every instruction must belong to a function"
    )]
    CodeNotCovered {
        /// Where the last function ends.
        covered: u64,
        /// Instructions in the code section.
        code_len: usize,
    },
    /// A frame size outside 1..=256.
    #[error("function `{}` has {regs} registers (must be 1..=256)", .name.escape_debug())]
    BadRegisterCount {
        /// The function.
        name: String,
        /// Its `regs`.
        regs: u32,
    },
    /// More parameters than registers.
    #[error("function `{}` has {params} parameters but only {regs} registers", .name.escape_debug())]
    TooManyParams {
        /// The function.
        name: String,
        /// Its `params`.
        params: u32,
        /// Its `regs`.
        regs: u32,
    },

    // ------------------------------------------------------------------ meta, exports
    /// The entry function index is neither `0xFFFF_FFFF` nor a function.
    #[error("entry {entry} is not a function index (the module has {functions} functions)")]
    EntryNotAFunction {
        /// The entry index.
        entry: u32,
        /// Functions in the module.
        functions: usize,
    },
    /// An export names a function index that does not exist.
    #[error("export `{}` names function {func}, but the module has {functions} functions", .name.escape_debug())]
    ExportOfMissingFunction {
        /// The export.
        name: String,
        /// Its function index.
        func: u32,
        /// Functions in the module.
        functions: usize,
    },

    // ------------------------------------------------------------------ data
    /// A data segment starts before the previous one ends.
    #[error("data segment `{}` starts at address {offset}, before the previous segment ends at {previous_end} (segments are in address order and do not overlap)", .name.escape_debug())]
    DataOverlaps {
        /// The segment.
        name: String,
        /// Its address.
        offset: u32,
        /// End address of the previous segment.
        previous_end: u64,
    },
    /// A data segment ends past the end of linear memory.
    #[error("data segment `{}` at address {offset} with {len} bytes ends past the memory size {memory_size}", .name.escape_debug())]
    DataOutsideMemory {
        /// The segment.
        name: String,
        /// Its address.
        offset: u32,
        /// Its length in bytes.
        len: usize,
        /// The module's memory size.
        memory_size: u32,
    },

    // ------------------------------------------------------------------ shaders, debug
    /// A shader kind other than 0 (WGSL) or 1 (SPIR-V).
    #[error("shader kind {0} is unknown (0 = WGSL, 1 = SPIR-V)")]
    UnknownShaderKind(u32),
    /// Line-table rows not in strictly increasing `pc` order.
    #[error(
        "debug row for pc {pc} follows the row for pc {previous} (rows are in strictly increasing pc order)"
    )]
    DebugRowsOutOfOrder {
        /// This row's pc.
        pc: u32,
        /// The previous row's pc.
        previous: u32,
    },
    /// A line-table row for an instruction that does not exist.
    #[error("debug row for pc {pc} is past the end of the code ({code_len} instructions)")]
    DebugPcOutOfRange {
        /// The row's pc.
        pc: u32,
        /// Instructions in the code section.
        code_len: usize,
    },
}
