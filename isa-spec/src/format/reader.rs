//! `read`: bytes to a [`Module`], checking every rule of FORMAT.md.
//!
//! Reading happens in three steps: the header and section table (every section must sit
//! exactly where the previous one ends, inside the file), the section bodies (each parsed
//! by a cursor bounded by its section), then the structural rules on the decoded values
//! (`structure::check`), whose findings are mapped back to byte offsets through the
//! [`Layout`] recorded while parsing.

use std::ops::Range;

use super::cursor::Cursor;
use super::error::{FormatError, FormatErrorKind, Section};
use super::{
    BODIES_OFFSET, FUNCTION_MIN_SIZE, IMPORT_OR_EXPORT_MIN_SIZE, MAGIC, NO_ENTRY, SECTION_COUNT,
    SEGMENT_OR_SHADER_MIN_SIZE, SHADER_SPIRV, SHADER_WGSL, TABLE_ENTRY_SIZE, TABLE_OFFSET, VERSION,
};
use crate::instr::Instruction;
use crate::module::{
    DataSegment, DebugInfo, Export, Function, Import, LineEntry, Module, Shader, ShaderSource,
};
use crate::structure::{self, DataField, ExportField, FunctionField, Place};

/// Parses a `.bib` file. Accepts exactly the files [`super::write`] produces, so
/// `write(&read(bytes)?) == bytes`; anything else is a [`FormatError`] naming the section
/// and byte offset. Never panics, and allocates no more than a small multiple of
/// `bytes.len()` whatever the counts in the file say.
///
/// ```
/// use adead_isa::{format, Function, Instruction, Module, Opcode};
/// let mut module = Module::new();
/// module.code.push(Instruction::from_words([Opcode::Halt.word(), 0, 0, 0, 0]).unwrap());
/// module.functions.push(Function { name: "main".into(), entry: 0, len: 1, regs: 1, params: 0 });
/// let bytes = format::write(&module);
/// assert_eq!(format::read(&bytes), Ok(module));
/// ```
pub fn read(bytes: &[u8]) -> Result<Module, FormatError> {
    let ranges = read_section_table(bytes)?;
    let body = |index: usize| {
        let range = ranges[index].clone();
        Cursor::new(bytes, Section::BODIES[index], range.start, range.end)
    };
    let mut layout = Layout {
        meta_entry: ranges[0].start + 4,
        functions_start: ranges[2].start,
        ..Layout::default()
    };
    let (memory_size, entry) = read_meta(body(0))?;
    let module = Module {
        memory_size,
        entry,
        code: read_code(body(1))?,
        functions: read_functions(body(2), &mut layout.functions)?,
        imports: read_imports(body(3), &mut layout.imports)?,
        exports: read_exports(body(4), &mut layout.exports)?,
        data: read_data(body(5), &mut layout.data)?,
        shaders: read_shaders(body(6), &mut layout.shaders)?,
        debug: read_debug(body(7), &mut layout.debug_rows)?,
    };
    match structure::check(&module) {
        Ok(()) => Ok(module),
        Err(violation) => Err(FormatError {
            section: violation.place.section(),
            offset: layout.offset_of(violation.place, &module),
            kind: violation.kind,
        }),
    }
}

/// Checks the header and the section table; returns each body's byte range, in
/// [`Section::BODIES`] order, each inside the file.
fn read_section_table(file: &[u8]) -> Result<[Range<usize>; 8], FormatError> {
    let mut header = Cursor::new(file, Section::Header, 0, file.len());
    // A file that is not a .bib at all says so even when shorter than the magic; a
    // prefix of the magic is a truncated .bib.
    if file
        .iter()
        .zip(MAGIC)
        .any(|(byte, expected)| *byte != expected)
    {
        return Err(header.error_at(0, FormatErrorKind::BadMagic));
    }
    header.bytes(MAGIC.len())?;
    let at = header.offset();
    let version = header.u32()?;
    if version != VERSION {
        return Err(header.error_at(at, FormatErrorKind::UnsupportedVersion(version)));
    }
    let at = header.offset();
    let count = header.u32()?;
    if count != SECTION_COUNT {
        return Err(header.error_at(at, FormatErrorKind::BadSectionCount(count)));
    }

    // Read the whole table before judging any entry, so that a file cut inside the table
    // is reported as a truncated table rather than as a truncated body.
    let mut table = Cursor::new(file, Section::SectionTable, TABLE_OFFSET, file.len());
    let mut entries = [[0u32; 3]; 8];
    for entry in &mut entries {
        *entry = [table.u32()?, table.u32()?, table.u32()?];
    }

    let mut ranges: [Range<usize>; 8] = Default::default();
    let mut next_start = BODIES_OFFSET;
    let entry_offsets = (TABLE_OFFSET..).step_by(TABLE_ENTRY_SIZE);
    for (((range, section), [id, start, length]), at) in ranges
        .iter_mut()
        .zip(Section::BODIES)
        .zip(entries)
        .zip(entry_offsets)
    {
        if Some(id) != section.id() {
            return Err(table.error_at(
                at,
                FormatErrorKind::UnexpectedSectionId {
                    expected: section,
                    found: id,
                },
            ));
        }
        if start as usize != next_start {
            return Err(table.error_at(
                at + 4,
                FormatErrorKind::SectionOutOfPlace {
                    expected: next_start,
                    found: start,
                },
            ));
        }
        let length = length as usize;
        let available = file.len().saturating_sub(next_start);
        if length > available {
            // The table is whole but the body is cut short: blame the section, at its start.
            return Err(FormatError {
                section,
                offset: next_start,
                kind: FormatErrorKind::Truncated {
                    needed: length,
                    available,
                },
            });
        }
        *range = next_start..next_start + length;
        next_start += length;
    }
    if next_start != file.len() {
        return Err(table.error_at(
            next_start,
            FormatErrorKind::TrailingBytes {
                count: file.len() - next_start,
            },
        ));
    }
    Ok(ranges)
}

fn read_meta(mut c: Cursor<'_>) -> Result<(u32, Option<u32>), FormatError> {
    let memory_size = c.u32()?;
    let entry = c.u32()?;
    c.finish()?;
    Ok((memory_size, (entry != NO_ENTRY).then_some(entry)))
}

fn read_code(mut c: Cursor<'_>) -> Result<Vec<Instruction>, FormatError> {
    let len = c.remaining();
    if !len.is_multiple_of(Instruction::SIZE) {
        return Err(c.error_at(c.offset(), FormatErrorKind::CodeLengthNotMultiple { len }));
    }
    // Bounded by the section length, which lies inside the file.
    let mut code = Vec::with_capacity(len / Instruction::SIZE);
    for index in 0..len / Instruction::SIZE {
        let at = c.offset();
        let words = [c.u32()?, c.u32()?, c.u32()?, c.u32()?, c.u32()?];
        let instr = Instruction::from_words(words)
            .map_err(|error| c.error_at(at, FormatErrorKind::BadInstruction { index, error }))?;
        code.push(instr);
    }
    c.finish()?;
    Ok(code)
}

fn read_functions(
    mut c: Cursor<'_>,
    starts: &mut Vec<usize>,
) -> Result<Vec<Function>, FormatError> {
    let count = c.count(FUNCTION_MIN_SIZE)?;
    let mut functions = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        functions.push(Function {
            name: c.string()?,
            entry: c.u32()?,
            len: c.u32()?,
            regs: c.u32()?,
            params: c.u32()?,
        });
    }
    c.finish()?;
    Ok(functions)
}

fn read_imports(mut c: Cursor<'_>, starts: &mut Vec<usize>) -> Result<Vec<Import>, FormatError> {
    let count = c.count(IMPORT_OR_EXPORT_MIN_SIZE)?;
    let mut imports = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        imports.push(Import {
            name: c.string()?,
            params: c.u32()?,
        });
    }
    c.finish()?;
    Ok(imports)
}

fn read_exports(mut c: Cursor<'_>, starts: &mut Vec<usize>) -> Result<Vec<Export>, FormatError> {
    let count = c.count(IMPORT_OR_EXPORT_MIN_SIZE)?;
    let mut exports = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        exports.push(Export {
            name: c.string()?,
            func: c.u32()?,
        });
    }
    c.finish()?;
    Ok(exports)
}

fn read_data(mut c: Cursor<'_>, starts: &mut Vec<usize>) -> Result<Vec<DataSegment>, FormatError> {
    let count = c.count(SEGMENT_OR_SHADER_MIN_SIZE)?;
    let mut data = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        data.push(DataSegment {
            name: c.string()?,
            offset: c.u32()?,
            bytes: c.blob()?.to_vec(),
        });
    }
    c.finish()?;
    Ok(data)
}

fn read_shaders(mut c: Cursor<'_>, starts: &mut Vec<usize>) -> Result<Vec<Shader>, FormatError> {
    let count = c.count(SEGMENT_OR_SHADER_MIN_SIZE)?;
    let mut shaders = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        let name = c.string()?;
        let at = c.offset();
        let source = match c.u32()? {
            SHADER_WGSL => ShaderSource::Wgsl(c.string()?),
            SHADER_SPIRV => {
                let words = c.count(4)?;
                let mut spirv = Vec::with_capacity(words);
                for _ in 0..words {
                    spirv.push(c.u32()?);
                }
                ShaderSource::SpirV(spirv)
            }
            kind => return Err(c.error_at(at, FormatErrorKind::UnknownShaderKind(kind))),
        };
        shaders.push(Shader { name, source });
    }
    c.finish()?;
    Ok(shaders)
}

fn read_debug(mut c: Cursor<'_>, starts: &mut Vec<usize>) -> Result<DebugInfo, FormatError> {
    let source = c.string()?;
    let count = c.count(8)?;
    let mut lines = Vec::with_capacity(count);
    starts.reserve_exact(count);
    for _ in 0..count {
        starts.push(c.offset());
        lines.push(LineEntry {
            pc: c.u32()?,
            line: c.u32()?,
        });
    }
    c.finish()?;
    Ok(DebugInfo { source, lines })
}

/// Where parsed entries started, so a structural violation found on decoded values can be
/// reported at its byte offset.
#[derive(Default)]
struct Layout {
    meta_entry: usize,
    functions_start: usize,
    functions: Vec<usize>,
    imports: Vec<usize>,
    exports: Vec<usize>,
    data: Vec<usize>,
    shaders: Vec<usize>,
    debug_rows: Vec<usize>,
}

impl Layout {
    fn offset_of(&self, place: Place, module: &Module) -> usize {
        // An entry is `name: string` then u32 fields: field k sits 4 + name + 4k bytes in.
        // Every place names an entry that was parsed, so the `0` fallback is never used.
        let field = |starts: &[usize], index: usize, name: Option<&str>, k: usize| {
            let start = starts.get(index).copied().unwrap_or(0);
            match name {
                None => start,
                Some(name) => start + 4 + name.len() + 4 * k,
            }
        };
        let function_name = |i: usize| module.functions.get(i).map_or("", |f| f.name.as_str());
        let export_name = |i: usize| module.exports.get(i).map_or("", |e| e.name.as_str());
        let data_name = |i: usize| module.data.get(i).map_or("", |d| d.name.as_str());
        match place {
            Place::MetaEntry => self.meta_entry,
            Place::FunctionCount => self.functions_start,
            Place::Function(i, FunctionField::Name) => field(&self.functions, i, None, 0),
            Place::Function(i, FunctionField::Entry) => {
                field(&self.functions, i, Some(function_name(i)), 0)
            }
            Place::Function(i, FunctionField::Len) => {
                field(&self.functions, i, Some(function_name(i)), 1)
            }
            Place::Function(i, FunctionField::Regs) => {
                field(&self.functions, i, Some(function_name(i)), 2)
            }
            Place::Function(i, FunctionField::Params) => {
                field(&self.functions, i, Some(function_name(i)), 3)
            }
            Place::ImportName(i) => field(&self.imports, i, None, 0),
            Place::Export(i, ExportField::Name) => field(&self.exports, i, None, 0),
            Place::Export(i, ExportField::Func) => field(&self.exports, i, Some(export_name(i)), 0),
            Place::Data(i, DataField::Name) => field(&self.data, i, None, 0),
            Place::Data(i, DataField::Offset) => field(&self.data, i, Some(data_name(i)), 0),
            Place::ShaderName(i) => field(&self.shaders, i, None, 0),
            Place::DebugRow(i) => field(&self.debug_rows, i, None, 0),
        }
    }
}
