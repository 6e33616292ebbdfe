//! `write`: a [`Module`] to its one canonical `.bib` encoding.

use super::error::Section;
use super::{BODIES_OFFSET, MAGIC, NO_ENTRY, SECTION_COUNT, SHADER_SPIRV, SHADER_WGSL, VERSION};
use crate::module::{Module, ShaderSource};

/// Encodes `module` exactly as FORMAT.md lays it out. The result is the only encoding of
/// the module, so `read(&write(m)) == Ok(m)` for every module `read` would accept.
/// `write` does not check the module: an invalid one gives bytes `read` rejects.
///
/// # Panics
///
/// If a section offset, count or length exceeds `u32::MAX`: such a module has no `.bib`
/// encoding (the format stores them as `u32`).
pub fn write(module: &Module) -> Vec<u8> {
    let bodies: [Vec<u8>; 8] = [
        meta(module),
        code(module),
        functions(module),
        imports(module),
        exports(module),
        data(module),
        shaders(module),
        debug(module),
    ];
    let total = BODIES_OFFSET + bodies.iter().map(Vec::len).sum::<usize>();
    let mut out = Out(Vec::with_capacity(total));
    out.0.extend_from_slice(&MAGIC);
    out.u32(VERSION);
    out.u32(SECTION_COUNT);
    let mut start = BODIES_OFFSET;
    for (section, body) in Section::BODIES.into_iter().zip(&bodies) {
        // `Section::BODIES` holds only sections with an id.
        out.u32(section.id().unwrap_or(0));
        out.len(start);
        out.len(body.len());
        start += body.len();
    }
    for body in &bodies {
        out.0.extend_from_slice(body);
    }
    out.0
}

/// A growing little-endian buffer.
struct Out(Vec<u8>);

impl Out {
    fn u32(&mut self, value: u32) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    /// A count, length or offset, which the format stores as `u32`.
    fn len(&mut self, value: usize) {
        let value = u32::try_from(value).expect(
            "a .bib count, length or offset exceeds u32::MAX; the module is too large to encode",
        );
        self.u32(value);
    }

    fn string(&mut self, text: &str) {
        self.blob(text.as_bytes());
    }

    fn blob(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.0.extend_from_slice(bytes);
    }
}

fn meta(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::with_capacity(8));
    out.u32(module.memory_size);
    out.u32(module.entry.unwrap_or(NO_ENTRY));
    out.0
}

fn code(module: &Module) -> Vec<u8> {
    let mut out = Vec::with_capacity(module.code.len() * crate::Instruction::SIZE);
    for instr in &module.code {
        out.extend_from_slice(&instr.encode());
    }
    out
}

fn functions(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.len(module.functions.len());
    for f in &module.functions {
        out.string(&f.name);
        out.u32(f.entry);
        out.u32(f.len);
        out.u32(f.regs);
        out.u32(f.params);
    }
    out.0
}

fn imports(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.len(module.imports.len());
    for import in &module.imports {
        out.string(&import.name);
        out.u32(import.params);
    }
    out.0
}

fn exports(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.len(module.exports.len());
    for export in &module.exports {
        out.string(&export.name);
        out.u32(export.func);
    }
    out.0
}

fn data(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.len(module.data.len());
    for segment in &module.data {
        out.string(&segment.name);
        out.u32(segment.offset);
        out.blob(&segment.bytes);
    }
    out.0
}

fn shaders(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.len(module.shaders.len());
    for shader in &module.shaders {
        out.string(&shader.name);
        match &shader.source {
            ShaderSource::Wgsl(text) => {
                out.u32(SHADER_WGSL);
                out.string(text);
            }
            ShaderSource::SpirV(words) => {
                out.u32(SHADER_SPIRV);
                out.len(words.len());
                for &word in words {
                    out.u32(word);
                }
            }
        }
    }
    out.0
}

fn debug(module: &Module) -> Vec<u8> {
    let mut out = Out(Vec::new());
    out.string(&module.debug.source);
    out.len(module.debug.lines.len());
    for row in &module.debug.lines {
        out.u32(row.pc);
        out.u32(row.line);
    }
    out.0
}
