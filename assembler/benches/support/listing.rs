//! A deterministic generator of large, realistic listings, shared by the assembler's
//! benchmark (`benches/assemble.rs`) and the test that checks what they assemble to
//! (`tests/integration/generated.rs`).
//!
//! One run writes one program twice: as a mnemonic listing (functions with and without
//! `regs=`, labels, forward and backward branches, calls between functions, host calls,
//! immediates in decimal, hex and float notation, data symbols and data directives,
//! quoted names, full-line and trailing comments, blank lines) and as a raw hex listing
//! (the same declarations, each instruction as five hex words, some with their address).
//! Beside the text it builds the module both listings must assemble to, from its own
//! choices and the opcode table's encoding (`Instruction::from_operands`), never through
//! the assembler, so that a test can compare the assembler with an independent route.

use std::fmt::Write as _;

use adead_isa::{
    DataSegment, DebugInfo, Export, Function, Import, Instruction, LineEntry, Module, Opcode,
    OperandValue,
};

/// Linear memory the listings declare (`.memory`); the data fits in it.
const MEMORY: u32 = 4 << 20;

/// A data symbol is defined before every this many functions.
const FUNCTIONS_PER_DATA: usize = 16;

/// The generated listings and the module they assemble to.
pub struct Generated {
    /// The mnemonic listing.
    pub mnemonic: String,
    /// The same program as a raw hex listing.
    pub hex: String,
    /// Instructions in the program (in either listing).
    pub instructions: usize,
    /// What both listings assemble to, with the mnemonic listing's line table and an
    /// empty source name (the assembler records the file name it is given there).
    pub module: Module,
    /// The line table of the hex listing.
    pub hex_lines: Vec<LineEntry>,
}

/// splitmix64: a small, fixed pseudo-random sequence, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// A text being written line by line, knowing the 1-based number of the next line.
struct Text {
    text: String,
    next_line: u32,
}

impl Text {
    fn new() -> Text {
        Text {
            text: String::new(),
            next_line: 1,
        }
    }

    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.next_line += 1;
    }

    /// Both listings share this line.
    fn both(mnemonic: &mut Text, hex: &mut Text, line: &str) {
        mnemonic.line(line);
        hex.line(line);
    }
}

/// One function's shape, decided before any code is written so that calls know every
/// callee's parameters and branches know every label's index.
struct Shape {
    name: String,
    /// The name as the listing writes it (quoted when it is not a plain name).
    written: String,
    params: u32,
    /// `Some` when the listing says `regs=`; otherwise the assembler sizes the frame.
    regs: Option<u32>,
    /// Instructions per block; a label starts every block, the last block ends in `ret`.
    blocks: Vec<u32>,
}

impl Shape {
    fn len(&self) -> u32 {
        self.blocks.iter().sum()
    }
}

/// A register operand's text and value.
fn reg(r: u32) -> (String, OperandValue) {
    (format!("r{r}"), OperandValue::Reg(r as u8))
}

fn label_name(block: usize) -> String {
    match block % 3 {
        0 => format!("b{block}"),
        1 => format!("loop_{block}"),
        _ => format!("next{block}"),
    }
}

/// A 32-bit immediate in one of the notations the assembler reads.
fn imm32(rng: &mut Rng) -> (String, i32) {
    match rng.below(4) {
        0 => {
            let v = rng.below(100) as i32;
            (v.to_string(), v)
        }
        1 => {
            let v = -(rng.range(1, 5000) as i32);
            (v.to_string(), v)
        }
        2 => {
            let v = rng.below(0x1_0000) as u32;
            (format!("0x{v:x}"), v as i32)
        }
        _ => {
            let v = rng.next() as u32;
            (v.to_string(), v as i32)
        }
    }
}

/// A 64-bit immediate in one of the notations the assembler reads.
fn imm64(rng: &mut Rng) -> (String, i64) {
    match rng.below(4) {
        0 => {
            let v = rng.below(1000) as i64;
            (v.to_string(), v)
        }
        1 => {
            let v = rng.next();
            (format!("0x{v:X}"), v as i64)
        }
        2 => {
            let v = rng.next() as i64;
            (v.to_string(), v)
        }
        _ => {
            let v = rng.range(1, 1 << 40) as i64;
            (format!("-{v}"), -v)
        }
    }
}

/// An f64 literal and its bits (the canonical NaN for `nan`).
fn float(rng: &mut Rng) -> (String, u64) {
    const LITERALS: [(&str, f64); 8] = [
        ("1.25e-3", 1.25e-3),
        ("-0.5", -0.5),
        ("3.0", 3.0),
        ("1e10", 1e10),
        ("0.1", 0.1),
        ("-inf", f64::NEG_INFINITY),
        ("2.718281828459045", std::f64::consts::E),
        ("-0.0", -0.0),
    ];
    if rng.one_in(16) {
        return ("nan".to_string(), 0x7FF8_0000_0000_0000);
    }
    let (text, value) = LITERALS[rng.below(LITERALS.len() as u64) as usize];
    (text.to_string(), value.to_bits())
}

/// One data symbol's directives (their text lines) and bytes.
fn data_body(rng: &mut Rng, k: usize) -> (Vec<String>, Vec<u8>) {
    let mut lines = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..rng.range(1, 3) {
        match rng.below(6) {
            0 => {
                let text = format!("entry {k}: \"ok\"\n");
                let escaped = text.replace('"', "\\\"").replace('\n', "\\n");
                lines.push(format!("    .ascii \"{escaped}\""));
                bytes.extend_from_slice(text.as_bytes());
            }
            1 => {
                let values: Vec<i32> = (0..rng.range(1, 6))
                    .map(|_| rng.next() as i32 >> rng.below(31))
                    .collect();
                let list: Vec<String> = values.iter().map(i32::to_string).collect();
                lines.push(format!("    .i32 {}", list.join(", ")));
                for v in values {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
            2 => {
                let v = rng.next();
                lines.push(format!("    .i64 0x{v:016X}"));
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            3 => {
                let (a, b) = (0.5 * k as f64, -1.0 / (k as f64 + 3.0));
                lines.push(format!("    .f64 {a:?}, {b:?}"));
                bytes.extend_from_slice(&a.to_bits().to_le_bytes());
                bytes.extend_from_slice(&b.to_bits().to_le_bytes());
            }
            4 => {
                let n = rng.range(1, 24) as usize;
                lines.push(format!("    .zero {n}"));
                bytes.resize(bytes.len() + n, 0);
            }
            _ => {
                let v = rng.below(0x1_0000) as u16;
                let w = rng.below(256) as u8;
                lines.push(format!("    .i16 {v}\n    .i8 0x{w:02x}"));
                bytes.extend_from_slice(&v.to_le_bytes());
                bytes.push(w);
            }
        }
    }
    (lines, bytes)
}

/// Generates a program of exactly `instructions` instructions (at least 2).
pub fn generate(instructions: usize) -> Generated {
    let instructions = instructions.max(2);
    let mut rng = Rng(0x00AD_EADB_1B5E_ED00);

    // Shapes first: names, parameters, frames and block sizes.
    let mut shapes: Vec<Shape> = Vec::new();
    let mut total = 0usize;
    while total < instructions {
        let i = shapes.len();
        let len = (rng.range(12, 64) as usize).min(instructions - total) as u32;
        let mut blocks = Vec::new();
        let mut left = len;
        while left > 0 {
            let size = (rng.range(3, 12) as u32).min(left);
            blocks.push(size);
            left -= size;
        }
        let (name, written) = match i {
            0 => ("main".to_string(), "main".to_string()),
            _ if i.is_multiple_of(97) => {
                let name = format!("fn {i}");
                let written = format!("\"{name}\"");
                (name, written)
            }
            _ => (format!("f{i}"), format!("f{i}")),
        };
        shapes.push(Shape {
            name,
            written,
            params: if i == 0 { 0 } else { rng.below(4) as u32 },
            regs: (!rng.one_in(4)).then(|| rng.range(16, 32) as u32),
            blocks,
        });
        total += len as usize;
    }
    let data_count = shapes.len().div_ceil(FUNCTIONS_PER_DATA);

    let mut mnemonic = Text::new();
    let mut hex = Text::new();
    let mut module = Module::new();
    module.memory_size = MEMORY;
    module.entry = Some(0);
    let mut hex_lines = Vec::new();

    Text::both(
        &mut mnemonic,
        &mut hex,
        &format!(
            "; generated listing: {} functions, {instructions} instructions",
            shapes.len()
        ),
    );
    Text::both(&mut mnemonic, &mut hex, &format!(".memory {MEMORY}"));
    Text::both(
        &mut mnemonic,
        &mut hex,
        ".import print_i64 params=1      ; the standard printer",
    );
    // The mnemonic listing declares "host clock" by its first `hcall`; a hex operand
    // is only an index, so the hex listing declares it.
    hex.line(".import \"host clock\" params=0");
    module.imports = vec![
        Import {
            name: "print_i64".into(),
            params: 1,
        },
        Import {
            name: "host clock".into(),
            params: 0,
        },
    ];

    let mut data_end = 0u64;
    for (fi, shape) in shapes.iter().enumerate() {
        if fi.is_multiple_of(FUNCTIONS_PER_DATA) {
            let k = fi / FUNCTIONS_PER_DATA;
            let name = format!("d{k}");
            let explicit = rng.one_in(5);
            let start = data_end.max(16).div_ceil(8) * 8;
            let offset = if explicit { start + 64 } else { start };
            let header = if explicit {
                format!("\n.data {name} at={offset}")
            } else {
                format!("\n.data {name}")
            };
            let (lines, bytes) = data_body(&mut rng, k);
            for line in header.lines().chain(lines.iter().flat_map(|l| l.lines())) {
                Text::both(&mut mnemonic, &mut hex, line);
            }
            data_end = offset + bytes.len() as u64;
            module.data.push(DataSegment {
                name,
                offset: offset as u32,
                bytes,
            });
        }

        Text::both(&mut mnemonic, &mut hex, "");
        Text::both(
            &mut mnemonic,
            &mut hex,
            &format!(
                "; {}: {} parameters, {} instructions",
                shape.name,
                shape.params,
                shape.len()
            ),
        );
        let header = match shape.regs {
            Some(regs) => format!(
                ".func {} params={} regs={regs}",
                shape.written, shape.params
            ),
            None => format!(".func {} params={}", shape.written, shape.params),
        };
        Text::both(&mut mnemonic, &mut hex, &header);

        // Registers the code may use: the declared frame, or 24 for a sized one.
        let frame = shape.regs.unwrap_or(24);
        let mut needed = shape.params.max(1);
        let mut label_pcs = Vec::with_capacity(shape.blocks.len());
        let mut pc = 0u32;
        for &size in &shape.blocks {
            label_pcs.push(pc);
            pc += size;
        }
        let entry = module.code.len() as u32;
        let len = shape.len();
        let mut index = 0u32;
        for (block, &size) in shape.blocks.iter().enumerate() {
            let label = label_name(block);
            let label_on_its_line = !rng.one_in(4);
            if label_on_its_line {
                mnemonic.line(&format!("{label}:"));
            }
            for i in 0..size {
                let last = index + 1 == len;
                let (text, instr) = if last {
                    let (r, v) = reg(rng.below(u64::from(frame)) as u32);
                    (
                        format!("ret {r}"),
                        Instruction::from_operands(Opcode::Ret, &[v]),
                    )
                } else if fi == 0 && index == 0 {
                    // Declares "host clock" by its first use, whatever the size.
                    clock(&mut rng, frame)
                } else {
                    instruction(&mut rng, &shapes, frame, &label_pcs, data_count)
                };
                let instr = instr.expect("the generator's operands fit their kinds");
                needed = needed.max(frame_needed(&instr));

                let mut line = String::from("    ");
                if i == 0 && !label_on_its_line {
                    line = format!("{label}: ");
                }
                if rng.one_in(40) {
                    // Mnemonics are case-insensitive.
                    let (mnemonic_text, operands) = text.split_once(' ').unwrap_or((&text, ""));
                    let _ = write!(line, "{} {operands}", mnemonic_text.to_ascii_uppercase());
                } else {
                    line.push_str(&text);
                }
                if rng.one_in(6) {
                    let _ = write!(line, "    ; step {index} of {}", shape.name);
                } else if rng.one_in(50) {
                    line.push_str("  # note");
                }
                module.debug.lines.push(LineEntry {
                    pc: entry + index,
                    line: mnemonic.next_line,
                });
                mnemonic.line(&line);

                let [op, a, b, c, d] = instr.words();
                let mut hex_line = if rng.one_in(2) {
                    format!("    {index:04X}: ")
                } else {
                    "    ".to_string()
                };
                if rng.one_in(8) {
                    let _ = write!(hex_line, "{op:08x} {a:08x} {b:08x} {c:08x} {d:08x}");
                } else {
                    let _ = write!(hex_line, "{op:08X} {a:08X} {b:08X} {c:08X} {d:08X}");
                }
                if rng.one_in(6) {
                    let _ = write!(hex_line, "  ; {text}");
                }
                hex_lines.push(LineEntry {
                    pc: entry + index,
                    line: hex.next_line,
                });
                hex.line(&hex_line);

                module.code.push(instr);
                index += 1;
            }
        }
        Text::both(&mut mnemonic, &mut hex, ".end");
        module.functions.push(Function {
            name: shape.name.clone(),
            entry,
            len,
            regs: shape.regs.unwrap_or(needed),
            params: shape.params,
        });
    }

    // Exports: a function under its own name and one under another, quoted.
    Text::both(&mut mnemonic, &mut hex, "");
    let last = shapes.len() - 1;
    Text::both(
        &mut mnemonic,
        &mut hex,
        &format!(".export {}", shapes[last].written),
    );
    module.exports.push(Export {
        name: shapes[last].name.clone(),
        func: last as u32,
    });
    Text::both(&mut mnemonic, &mut hex, ".export main as \"run all\"");
    module.exports.push(Export {
        name: "run all".into(),
        func: 0,
    });

    module.debug = DebugInfo {
        source: String::new(),
        lines: module.debug.lines,
    };
    Generated {
        mnemonic: mnemonic.text,
        hex: hex.text,
        instructions,
        module,
        hex_lines,
    }
}

/// The smallest frame covering every register `instr` names (the rule the assembler
/// documents for a function without `regs=`).
fn frame_needed(instr: &Instruction) -> u32 {
    let mut needed = 0;
    let mut range_first = 0;
    for (_, value) in instr.operands() {
        match value {
            // A `Count` follows its range's first register.
            OperandValue::Reg(r) => {
                needed = needed.max(u32::from(r) + 1);
                range_first = u32::from(r);
            }
            OperandValue::Count(n) if n > 0 => needed = needed.max(range_first + n),
            _ => {}
        }
    }
    needed
}

/// One instruction that is not the function's last: its text and its encoding.
fn instruction(
    rng: &mut Rng,
    shapes: &[Shape],
    frame: u32,
    label_pcs: &[u32],
    data_count: usize,
) -> (String, Result<Instruction, adead_isa::DecodeError>) {
    use OperandValue::{Count, Data, F64, Func, Imm32, Imm64, Import, Label};
    let mut r = || reg(rng.below(u64::from(frame)) as u32);
    let (d, dv) = r();
    let (a, av) = r();
    let (b, bv) = r();
    let build = |op: Opcode, values: &[OperandValue]| Instruction::from_operands(op, values);
    let pick = rng.below(100);
    match pick {
        0..=23 => {
            let (op, name) = [
                (Opcode::Add, "add"),
                (Opcode::Sub, "sub"),
                (Opcode::Mul, "mul"),
                (Opcode::And, "and"),
                (Opcode::Xor, "xor"),
                (Opcode::Seq, "seq"),
            ][rng.below(6) as usize];
            (format!("{name} {d}, {a}, {b}"), build(op, &[dv, av, bv]))
        }
        24..=35 => {
            let (text, v) = imm32(rng);
            (
                format!("addi {d}, {a}, {text}"),
                build(Opcode::Addi, &[dv, av, Imm32(v)]),
            )
        }
        36..=39 => {
            let s = rng.below(64) as i32;
            (
                format!("shli {d}, {a}, {s}"),
                build(Opcode::Shli, &[dv, av, Imm32(s)]),
            )
        }
        40..=47 => {
            let (text, v) = imm64(rng);
            (
                format!("movi {d}, {text}"),
                build(Opcode::Movi, &[dv, Imm64(v)]),
            )
        }
        48..=50 => {
            let k = rng.below(data_count as u64) as u32;
            (
                format!("movi {d}, @d{k}"),
                build(Opcode::MoviData, &[dv, Data(k)]),
            )
        }
        51..=55 => {
            let (text, bits) = float(rng);
            (
                format!("fmovi {d}, {text}"),
                build(Opcode::Fmovi, &[dv, F64(bits)]),
            )
        }
        56..=60 => {
            let (op, name) =
                [(Opcode::Fadd, "fadd"), (Opcode::Fmul, "fmul")][rng.below(2) as usize];
            (format!("{name} {d}, {a}, {b}"), build(op, &[dv, av, bv]))
        }
        61..=62 => (format!("i2f {d}, {a}"), build(Opcode::I2f, &[dv, av])),
        63..=65 => (format!("mov {d}, {a}"), build(Opcode::Mov, &[dv, av])),
        66..=69 => {
            let off = 8 * rng.below(64) as i32;
            (
                format!("ld64 {d}, {a}, {off}"),
                build(Opcode::Ld64, &[dv, av, Imm32(off)]),
            )
        }
        70..=72 => {
            let off = 8 * rng.below(64) as i32;
            (
                format!("st64 {a}, {off}, {b}"),
                build(Opcode::St64, &[av, Imm32(off), bv]),
            )
        }
        73..=84 => {
            let block = rng.below(label_pcs.len() as u64) as usize;
            let target = Label(label_pcs[block]);
            let label = label_name(block);
            match rng.below(8) {
                0 => (format!("jmp {label}"), build(Opcode::Jmp, &[target])),
                1 => (
                    format!("jnz {a}, {label}"),
                    build(Opcode::Jnz, &[av, target]),
                ),
                k => {
                    let (op, name) = [
                        (Opcode::Blt, "blt"),
                        (Opcode::Bge, "bge"),
                        (Opcode::Bne, "bne"),
                        (Opcode::Beq, "beq"),
                    ][(k % 4) as usize];
                    (
                        format!("{name} {a}, {b}, {label}"),
                        build(op, &[av, bv, target]),
                    )
                }
            }
        }
        85..=94 => {
            let callee = rng.below(shapes.len() as u64) as usize;
            let params = shapes[callee].params;
            let first = rng.below(u64::from(frame - params + 1)) as u32;
            (
                format!("call {d}, {}, r{first}, {params}", shapes[callee].written),
                build(
                    Opcode::Call,
                    &[
                        dv,
                        Func(callee as u32),
                        OperandValue::Reg(first as u8),
                        Count(params),
                    ],
                ),
            )
        }
        95..=98 => (
            format!("hcall {d}, print_i64, {a}, 1"),
            build(Opcode::Hcall, &[dv, Import(0), av, Count(1)]),
        ),
        _ => clock(rng, frame),
    }
}

/// `hcall rD, "host clock", r0, 0`: the import with a quoted name and no `.import`.
fn clock(rng: &mut Rng, frame: u32) -> (String, Result<Instruction, adead_isa::DecodeError>) {
    let (d, dv) = reg(rng.below(u64::from(frame)) as u32);
    let values = [
        dv,
        OperandValue::Import(1),
        OperandValue::Reg(0),
        OperandValue::Count(0),
    ];
    (
        format!("hcall {d}, \"host clock\", r0, 0"),
        Instruction::from_operands(Opcode::Hcall, &values),
    )
}
