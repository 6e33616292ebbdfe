//! The disassembler: a module to its canonical listing, which assembles back to the
//! identical module (and so the identical `.bib` bytes).
//!
//! Everything the module holds is written explicitly: memory size, entry, the debug
//! table (`.source` and `.line`), every import in order, data with `at=` addresses,
//! frame sizes. Jump targets get generated labels `L<index>`.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use adead_isa::{DataSegment, Function, Instruction, Module, OperandValue, ShaderSource};

use crate::lex::{format_f32, format_f64, name_text, quote};
use crate::{ListingLine, ListingStyle};

/// Column the `;` of a mnemonic line's hex comment starts at (after the indent).
const MNEMONIC_WIDTH: usize = 32;

/// Data bytes per `.i8` line.
const BYTES_PER_LINE: usize = 16;

/// Longest `.ascii` string per line.
const ASCII_PER_LINE: usize = 64;

/// See [`crate::disassemble`].
pub(crate) fn disassemble(module: &Module, style: ListingStyle) -> String {
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let w = &mut out;
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        w,
        "; ADead-BIB module: {}, {}",
        count(module.functions.len(), "function"),
        count(module.code.len(), "instruction")
    );
    let _ = writeln!(w, ".memory {}", module.memory_size);
    match module.entry.and_then(|e| module.functions.get(e as usize)) {
        Some(f) => {
            let _ = writeln!(w, ".entry {}", name_text(&f.name));
        }
        None => {
            let _ = writeln!(w, ".noentry");
        }
    }
    let _ = writeln!(w, ".source {}", quote(&module.debug.source));
    if !module.imports.is_empty() {
        let _ = writeln!(w);
        for import in &module.imports {
            let _ = writeln!(
                w,
                ".import {} params={}",
                name_text(&import.name),
                import.params
            );
        }
    }
    for segment in &module.data {
        let _ = writeln!(w);
        write_data(w, segment);
    }
    if !module.shaders.is_empty() {
        let _ = writeln!(w);
    }
    for shader in &module.shaders {
        let name = name_text(&shader.name);
        match &shader.source {
            ShaderSource::Wgsl(text) => {
                let _ = writeln!(w, ".shader {name} wgsl {}", quote(text));
            }
            ShaderSource::SpirV(words) => {
                let _ = write!(w, ".shader {name} spirv");
                for (i, word) in words.iter().enumerate() {
                    let _ = write!(w, "{} 0x{word:08X}", if i == 0 { "" } else { "," });
                }
                let _ = writeln!(w);
            }
        }
    }

    let lines = line_table(module);
    for function in &module.functions {
        let _ = writeln!(w);
        write_function(w, module, function, &lines, style);
    }

    if !module.exports.is_empty() {
        let _ = writeln!(w);
    }
    for export in &module.exports {
        match module.functions.get(export.func as usize) {
            Some(f) if f.name == export.name => {
                let _ = writeln!(w, ".export {}", name_text(&f.name));
            }
            Some(f) => {
                let _ = writeln!(
                    w,
                    ".export {} as {}",
                    name_text(&f.name),
                    name_text(&export.name)
                );
            }
            None => {
                let _ = writeln!(
                    w,
                    "; export {} names function {}, which does not exist",
                    quote(&export.name),
                    export.func
                );
            }
        }
    }
    out
}

fn write_data(w: &mut String, segment: &DataSegment) {
    let _ = writeln!(
        w,
        ".data {} at={}",
        name_text(&segment.name),
        segment.offset
    );
    let bytes = &segment.bytes;
    let printable = bytes
        .iter()
        .all(|&b| (0x20..0x7F).contains(&b) || matches!(b, b'\n' | b'\t' | b'\r'));
    if printable {
        // Printable ASCII, one byte per char, so `quote` escapes it exactly as bytes.
        let mut chunk = String::new();
        for &b in bytes {
            chunk.push(char::from(b));
            if b == b'\n' || chunk.len() == ASCII_PER_LINE {
                let _ = writeln!(w, "    .ascii {}", quote(&chunk));
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            let _ = writeln!(w, "    .ascii {}", quote(&chunk));
        }
    } else {
        for line in bytes.chunks(BYTES_PER_LINE) {
            let list: Vec<String> = line.iter().map(|b| format!("0x{b:02X}")).collect();
            let _ = writeln!(w, "    .i8 {}", list.join(", "));
        }
    }
}

fn write_function(
    w: &mut String,
    module: &Module,
    function: &Function,
    lines: &HashMap<u32, u32>,
    style: ListingStyle,
) {
    for line in function_lines(module, function, lines, style) {
        let _ = writeln!(w, "{}", line.text);
    }
}

/// See [`crate::function_listing`].
pub(crate) fn function_listing(
    module: &Module,
    function: &Function,
    style: ListingStyle,
) -> Vec<ListingLine> {
    function_lines(module, function, &line_table(module), style)
}

/// Global pc -> source line, from the module's debug table.
fn line_table(module: &Module) -> HashMap<u32, u32> {
    module
        .debug
        .lines
        .iter()
        .map(|row| (row.pc, row.line))
        .collect()
}

fn function_lines(
    module: &Module,
    function: &Function,
    lines: &HashMap<u32, u32>,
    style: ListingStyle,
) -> Vec<ListingLine> {
    let mut out = Vec::with_capacity(function.len as usize + 2);
    let mut other = |text: String| out.push(ListingLine { pc: None, text });
    other(format!(
        ".func {} params={} regs={}",
        name_text(&function.name),
        function.params,
        function.regs
    ));
    let Some(code) = function.try_code(module) else {
        other("    ; the function's code lies outside the module's code".into());
        other(".end".into());
        return out;
    };
    let targets: BTreeSet<u32> = code
        .iter()
        .flat_map(|instr| instr.operands())
        .filter_map(|(_, value)| match value {
            OperandValue::Label(t) if t < function.len => Some(t),
            _ => None,
        })
        .collect();
    for (index, instr) in code.iter().enumerate() {
        let index = index as u32;
        if targets.contains(&index) {
            out.push(ListingLine {
                pc: None,
                text: format!("L{index}:"),
            });
        }
        if let Some(line) = lines.get(&(function.entry + index)) {
            out.push(ListingLine {
                pc: None,
                text: format!(".line {line}"),
            });
        }
        let (text, exact) = instruction_text(module, function, instr);
        let hex = hex_text(index, instr);
        let text = if style == ListingStyle::Mnemonic && exact {
            format!("    {text:<MNEMONIC_WIDTH$} ; {hex}")
        } else {
            format!("    {hex}  ; {text}")
        };
        out.push(ListingLine {
            pc: Some(function.entry + index),
            text,
        });
    }
    out.push(ListingLine {
        pc: None,
        text: ".end".into(),
    });
    out
}

/// `0003: 00020000 00000003 00000001 00000002 00000000`
fn hex_text(index: u32, instr: &Instruction) -> String {
    let [op, a, b, c, d] = instr.words();
    format!("{index:04X}: {op:08X} {a:08X} {b:08X} {c:08X} {d:08X}")
}

/// The mnemonic form of an instruction, and whether it assembles back to the same
/// words. It does not when an operand refers to something the module lacks (a jump past
/// the function's end, a missing function, import, data symbol or shader); the text then
/// shows the raw index, and the listing keeps the hex form.
pub(crate) fn instruction_text(
    module: &Module,
    function: &Function,
    instr: &Instruction,
) -> (String, bool) {
    let mut exact = true;
    let mut operands = Vec::new();
    for (_, value) in instr.operands() {
        let named = |name: Option<&String>, what: &str, index: u32| match name {
            Some(name) => Ok(name_text(name).into_owned()),
            None => Err(format!("<{what} {index}>")),
        };
        let text = match value {
            OperandValue::Reg(r) => Ok(format!("r{r}")),
            OperandValue::Count(n) => Ok(n.to_string()),
            OperandValue::Imm32(v) => Ok(v.to_string()),
            OperandValue::Imm64(v) => Ok(v.to_string()),
            OperandValue::F64(bits) => Ok(format_f64(bits)),
            OperandValue::F32(bits) => Ok(format_f32(bits)),
            OperandValue::Label(t) if t < function.len => Ok(format!("L{t}")),
            OperandValue::Label(t) => Err(format!("<label {t}>")),
            OperandValue::Func(i) => named(
                module.functions.get(i as usize).map(|f| &f.name),
                "function",
                i,
            ),
            OperandValue::Import(i) => {
                named(module.imports.get(i as usize).map(|x| &x.name), "import", i)
            }
            OperandValue::Data(i) => named(module.data.get(i as usize).map(|x| &x.name), "data", i)
                .map(|n| format!("@{n}")),
            OperandValue::Shader(i) => {
                named(module.shaders.get(i as usize).map(|x| &x.name), "shader", i)
            }
        };
        operands.push(text.unwrap_or_else(|placeholder| {
            exact = false;
            placeholder
        }));
    }
    let mnemonic = instr.opcode().mnemonic();
    let text = if operands.is_empty() {
        mnemonic.to_string()
    } else {
        format!("{mnemonic} {}", operands.join(", "))
    };
    (text, exact)
}
