//! The `.bib` module format, version 1, exactly as `isa-spec/FORMAT.md` specifies it.
//!
//! [`write()`] produces the one canonical encoding of a [`Module`](crate::Module); [`read`]
//! accepts exactly those encodings and reports anything else as a [`FormatError`] that
//! names the [`Section`] and the byte offset. `read` checks structure only; what needs the
//! code's meaning is [`verify`](crate::verify)'s job.
//!
//! ```
//! use adead_isa::format::{self, FormatErrorKind, Section};
//! let err = format::read(b"not a module").unwrap_err();
//! assert_eq!((err.section, err.offset, err.kind), (Section::Header, 0, FormatErrorKind::BadMagic));
//! ```

mod cursor;
mod error;
mod reader;
mod writer;

pub use error::{FormatError, FormatErrorKind, Section};
pub use reader::read;
pub use writer::write;

/// The eight bytes every `.bib` file starts with.
pub const MAGIC: [u8; 8] = *b"ADEADBIB";

/// The format version this crate reads and writes.
pub const VERSION: u32 = 1;

/// Sections in a version 1 file (the header's section count).
const SECTION_COUNT: u32 = 8;

/// Where the section table starts: after magic, version and section count.
const TABLE_OFFSET: usize = 16;

/// Bytes per section table entry: `id`, `offset`, `length`.
const TABLE_ENTRY_SIZE: usize = 12;

/// Where the first section body starts: after the eight table entries.
const BODIES_OFFSET: usize = TABLE_OFFSET + SECTION_COUNT as usize * TABLE_ENTRY_SIZE;

/// The meta section's `entry` when the module has no entry function.
const NO_ENTRY: u32 = u32::MAX;

/// Shader kind of WGSL source.
const SHADER_WGSL: u32 = 0;

/// Shader kind of SPIR-V words.
const SHADER_SPIRV: u32 = 1;

// The smallest encoding of one entry of each table, which bounds what a count may claim:
// an empty name is 4 bytes (its length) plus the entry's fixed fields.

/// name + entry + len + regs + params.
const FUNCTION_MIN_SIZE: usize = 4 + 4 * 4;
/// name + params (import) or name + func (export).
const IMPORT_OR_EXPORT_MIN_SIZE: usize = 4 + 4;
/// name + offset + byte length (data segment), or name + kind + source length (shader).
const SEGMENT_OR_SHADER_MIN_SIZE: usize = 4 + 4 + 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::{Function, Module};
    use crate::{Instruction, Opcode};

    fn smallest_module() -> Module {
        let mut module = Module::new();
        module.code.push(
            Instruction::from_words([Opcode::Halt.word(), 0, 0, 0, 0]).expect("halt decodes"),
        );
        module.functions.push(Function {
            name: "f".into(),
            entry: 0,
            len: 1,
            regs: 1,
            params: 0,
        });
        module
    }

    #[test]
    fn the_smallest_module_is_laid_out_byte_for_byte() {
        let bytes = write(&smallest_module());
        let mut expected: Vec<u8> = b"ADEADBIB".to_vec();
        let u32s = |expected: &mut Vec<u8>, words: &[u32]| {
            for w in words {
                expected.extend_from_slice(&w.to_le_bytes());
            }
        };
        u32s(&mut expected, &[1, 8]);
        // id, offset, length per section: meta 8, code 20, functions 4 + (4+1) + 16,
        // imports 4, exports 4, data 4, shaders 4, debug 4 + 4.
        let lengths = [8, 20, 25, 4, 4, 4, 4, 8];
        let mut offset = 112;
        for (id, len) in (1..=8).zip(lengths) {
            u32s(&mut expected, &[id, offset, len]);
            offset += len;
        }
        u32s(&mut expected, &[65536, 0xFFFF_FFFF]);
        u32s(&mut expected, &[0xFF, 0, 0, 0, 0]);
        u32s(&mut expected, &[1, 1]);
        expected.push(b'f');
        u32s(&mut expected, &[0, 1, 1, 0]);
        u32s(&mut expected, &[0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes, expected);
        assert_eq!(bytes.len(), offset as usize);
        assert_eq!(read(&bytes), Ok(smallest_module()));
    }

    #[test]
    fn minimal_entry_sizes_match_the_layout() {
        assert_eq!(BODIES_OFFSET, 112);
        assert_eq!(FUNCTION_MIN_SIZE, 20);
        assert_eq!(IMPORT_OR_EXPORT_MIN_SIZE, 8);
        assert_eq!(SEGMENT_OR_SHADER_MIN_SIZE, 12);
    }

    #[test]
    fn structural_errors_point_at_the_field() {
        let mut module = smallest_module();
        module.functions[0].regs = 0;
        let err = read(&write(&module)).unwrap_err();
        // Function entry at 112 + 8 + 20 + 4 = 144; name is 4 + 1 bytes; regs is the third u32.
        assert_eq!(err.offset, 144 + 5 + 8);
        assert_eq!(
            err.to_string(),
            ".bib error in section `functions` at byte 157: function `f` has 0 registers (must be 1..=256)"
        );
    }
}
