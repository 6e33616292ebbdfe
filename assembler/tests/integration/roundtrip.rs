//! Property tests: arbitrary modules survive disassemble -> assemble byte for byte, in
//! both listing styles; and every instruction survives its mnemonic text.

use std::collections::HashSet;

use adead_asm::{ListingStyle, Options, assemble, assemble_with, disassemble};
use adead_isa::{
    DataSegment, DebugInfo, Export, Function, Import, Instruction, LineEntry, Module, Opcode,
    OperandKind, OperandValue, Shader, ShaderSource, format, verify,
};
use proptest::prelude::*;

/// Names that are plain identifiers most of the time, and sometimes text that must be
/// quoted (spaces, comment characters, register or number look-alikes, any Unicode).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z_][a-zA-Z0-9_.$]{0,8}",
        1 => any::<String>(),
        1 => prop::sample::select(vec![
            "r1", "r255", "inf", "nan", "as", "params=1", "L0", "a b", "semi;colon",
            "hash#", "quote\"d", "back\\slash", "@x", "1abc", ".end", "main", "tab\there",
            "new\nline", "é", "-5",
        ])
        .prop_map(String::from),
    ]
}

/// `count` names, made unique and non-empty (the first always survives).
fn unique(names: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let name = if name.is_empty() {
            format!("n{i}")
        } else {
            name
        };
        let name = if seen.contains(&name) {
            format!("{name}~{i}")
        } else {
            name
        };
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

fn data_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~\n\t\r]{0,100}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn shader_source() -> impl Strategy<Value = ShaderSource> {
    prop_oneof![
        any::<String>().prop_map(ShaderSource::Wgsl),
        Just(ShaderSource::Wgsl(
            "@compute @workgroup_size(64)\nfn main() {\n    // \"x\"; # not a comment\n}\n".into()
        )),
        prop::collection::vec(any::<u32>(), 0..12).prop_map(ShaderSource::SpirV),
    ]
}

type RawCode = Vec<(Opcode, [u32; 4])>;

#[derive(Clone, Debug)]
struct Raw {
    func_names: Vec<String>,
    funcs: Vec<(u32, u32, RawCode)>,
    imports: Vec<(String, u32)>,
    data_start: u32,
    data: Vec<(String, u32, Vec<u8>)>,
    extra_memory: u32,
    shaders: Vec<(String, ShaderSource)>,
    entry: Option<u32>,
    exports: Vec<(String, u32)>,
    source: String,
    rows: Vec<(u32, u32)>,
}

fn raw() -> impl Strategy<Value = Raw> {
    let code = prop::collection::vec(
        (prop::sample::select(Opcode::ALL), any::<[u32; 4]>()),
        1..10,
    );
    (
        (
            prop::collection::vec(name(), 1..5).prop_map(unique),
            prop::collection::vec((1u32..=256, any::<u32>(), code), 1..5),
            prop::collection::vec((name(), 0u32..6), 0..4),
            any::<u32>(),
            prop::collection::vec((name(), 0u32..40, data_bytes()), 0..4),
            any::<u32>(),
        ),
        (
            prop::collection::vec((name(), shader_source()), 0..3),
            proptest::option::of(any::<u32>()),
            prop::collection::vec((name(), any::<u32>()), 0..3),
            prop_oneof![
                Just(String::new()),
                any::<String>(),
                Just("prog.asm".to_string())
            ],
            prop::collection::vec((any::<u32>(), any::<u32>()), 0..8),
        ),
    )
        .prop_map(
            |(
                (func_names, funcs, imports, data_start, data, extra_memory),
                (shaders, entry, exports, source, rows),
            )| Raw {
                func_names,
                funcs,
                imports,
                data_start,
                data,
                extra_memory,
                shaders,
                entry,
                exports,
                source,
                rows,
            },
        )
}

/// Builds a module from raw material. `valid` keeps every operand in range, call
/// arities right and every function ending in a terminator, so the module verifies;
/// otherwise operands are anything the format accepts (out-of-range indices included).
fn build(raw: Raw, valid: bool) -> Module {
    let n = raw.func_names.len().min(raw.funcs.len());
    let mut module = Module::new();

    let names: Vec<String> = unique(raw.imports.iter().map(|(n, _)| n.clone()).collect());
    module.imports = names
        .into_iter()
        .zip(&raw.imports)
        .map(|(name, &(_, params))| Import { name, params })
        .collect();

    let names = unique(raw.data.iter().map(|(n, _, _)| n.clone()).collect());
    let mut at = u64::from(raw.data_start % 64);
    for (name, (_, gap, bytes)) in names.into_iter().zip(&raw.data) {
        at += u64::from(*gap);
        module.data.push(DataSegment {
            name,
            offset: at as u32,
            bytes: bytes.clone(),
        });
        at += bytes.len() as u64;
    }
    module.memory_size = if module.data.is_empty() {
        raw.extra_memory
    } else {
        (at + u64::from(raw.extra_memory % 5000)) as u32
    };

    let names = unique(raw.shaders.iter().map(|(n, _)| n.clone()).collect());
    module.shaders = names
        .into_iter()
        .zip(&raw.shaders)
        .map(|(name, (_, source))| Shader {
            name,
            source: source.clone(),
        })
        .collect();

    let frames: Vec<(u32, u32)> = raw.funcs[..n]
        .iter()
        .map(|&(regs, params, _)| (regs, params % (regs + 1)))
        .collect();
    for (fi, (name, (_, _, code))) in raw.func_names.iter().zip(&raw.funcs).take(n).enumerate() {
        let (regs, params) = frames[fi];
        let len = code.len() as u32;
        let entry = module.code.len() as u32;
        for (i, &(opcode, words)) in code.iter().enumerate() {
            let mut instr = instruction(&module, &frames, regs, len, opcode, words, valid);
            if valid && i + 1 == code.len() && !instr.opcode().flags().ends_block {
                instr = Instruction::from_operands(Opcode::Ret, &[OperandValue::Reg(0)]).unwrap();
            }
            module.code.push(instr);
        }
        module.functions.push(Function {
            name: name.clone(),
            entry,
            len,
            regs,
            params,
        });
    }

    module.entry = raw.entry.map(|e| e % n as u32);
    let names = unique(raw.exports.iter().map(|(n, _)| n.clone()).collect());
    module.exports = names
        .into_iter()
        .zip(&raw.exports)
        .map(|(name, &(_, func))| Export {
            name,
            func: func % n as u32,
        })
        .collect();

    let code_len = module.code.len() as u32;
    let mut rows: Vec<(u32, u32)> = raw
        .rows
        .iter()
        .map(|&(pc, line)| (pc % code_len, line))
        .collect();
    rows.sort_by_key(|&(pc, _)| pc);
    rows.dedup_by_key(|&mut (pc, _)| pc);
    module.debug = DebugInfo {
        source: raw.source,
        lines: rows
            .into_iter()
            .map(|(pc, line)| LineEntry { pc, line })
            .collect(),
    };
    module
}

/// One instruction of `opcode` from raw words, in range when `valid`. A valid
/// instruction that cannot be formed (no data to point at, a callee whose arguments do
/// not fit the frame) becomes `nop`.
fn instruction(
    module: &Module,
    frames: &[(u32, u32)],
    regs: u32,
    len: u32,
    opcode: Opcode,
    raw: [u32; 4],
    valid: bool,
) -> Instruction {
    let nop = Instruction::from_operands(Opcode::Nop, &[]).unwrap();
    let kinds = opcode.operands();
    let mut values = Vec::new();
    let mut word = 0;
    let mut arity: Option<u32> = None;
    let mut count = 0;
    let index = |raw: u32, n: usize| -> Option<u32> {
        if valid {
            (n > 0).then(|| raw % n as u32)
        } else {
            Some(raw % (n as u32 + 2))
        }
    };
    for &kind in kinds {
        let r = raw[word];
        let value = match kind {
            OperandKind::Dst | OperandKind::Src => {
                OperandValue::Reg(if valid { (r % regs) as u8 } else { r as u8 })
            }
            OperandKind::RegRange => {
                if valid {
                    count = arity.unwrap_or(raw[word + 1] % (regs + 1));
                    if count > regs {
                        return nop;
                    }
                    OperandValue::Reg((r % (regs - count + 1)) as u8)
                } else {
                    count = raw[word + 1];
                    OperandValue::Reg(r as u8)
                }
            }
            OperandKind::Count => OperandValue::Count(count),
            OperandKind::Imm32 => OperandValue::Imm32(r as i32),
            OperandKind::Imm64 => {
                OperandValue::Imm64((u64::from(r) | u64::from(raw[word + 1]) << 32) as i64)
            }
            OperandKind::F64 => OperandValue::F64(u64::from(r) | u64::from(raw[word + 1]) << 32),
            OperandKind::F32 => OperandValue::F32(r),
            OperandKind::Label => OperandValue::Label(if valid { r % len } else { r % (len + 2) }),
            OperandKind::Func => match index(r, frames.len()) {
                Some(i) => {
                    arity = frames.get(i as usize).map(|&(_, params)| params);
                    OperandValue::Func(i)
                }
                None => return nop,
            },
            OperandKind::Import => match index(r, module.imports.len()) {
                Some(i) => {
                    arity = module.imports.get(i as usize).map(|imp| imp.params);
                    OperandValue::Import(i)
                }
                None => return nop,
            },
            OperandKind::Data => match index(r, module.data.len()) {
                Some(i) => OperandValue::Data(i),
                None => return nop,
            },
            OperandKind::Shader => match index(r, module.shaders.len()) {
                Some(i) => OperandValue::Shader(i),
                None => return nop,
            },
        };
        values.push(value);
        word += kind.words();
    }
    Instruction::from_operands(opcode, &values).expect("operands match the kinds")
}

fn round_trip(module: &Module, options: &Options) -> Result<(), TestCaseError> {
    let bytes = format::write(module);
    let read = format::read(&bytes)
        .map_err(|e| TestCaseError::fail(format!("generated module does not read: {e}")))?;
    prop_assert_eq!(&read, module);
    for style in [ListingStyle::Hex, ListingStyle::Mnemonic] {
        let listing = disassemble(&read, style);
        let again = match assemble_with(&listing, "listing.asm", options) {
            Ok(m) => m,
            Err(d) => {
                return Err(TestCaseError::fail(format!(
                    "{style:?} listing does not assemble:\n{}\n--- listing ---\n{listing}",
                    d.render(&listing, "listing.asm")
                )));
            }
        };
        prop_assert!(
            format::write(&again) == bytes,
            "{:?} listing changed the bytes:\n{}",
            style,
            listing
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any module the format accepts, verified or not, round-trips (assembled with the
    /// verifier's rules off, since such a module may break them).
    #[test]
    fn every_readable_module_round_trips(raw in raw()) {
        let module = build(raw, false);
        round_trip(&module, &Options { verify: false })?;
    }

    /// Modules that pass the verifier round-trip through plain `assemble`.
    #[test]
    fn verified_modules_round_trip_through_assemble(raw in raw()) {
        let module = build(raw, true);
        prop_assert!(verify(module.clone()).is_ok(), "{:?}", verify(module.clone()).err());
        round_trip(&module, &Options::default())?;
    }

    /// Every opcode with arbitrary in-range operand values is written in mnemonic form and
    /// read back to the same instruction.
    #[test]
    fn every_instruction_survives_its_mnemonic_text(
        opcode in prop::sample::select(Opcode::ALL),
        words in any::<[u32; 4]>(),
        regs in any::<[u8; 4]>(),
    ) {
        let context = "
            .import host params=3
            .import \"other host\" params=0
            .data a at=16
                .i8 1
            .data \"b c\" at=32
            .shader s wgsl \"\"
            .shader \"r9\" spirv 0x07230203
            .func f params=0 regs=256
                nop
                nop
                nop
                ret r0
            .end
            .func \"g h\" params=2 regs=8
                ret r0
            .end
        ";
        let base = assemble_with(context, "ctx.asm", &Options { verify: false }).unwrap();
        let mut values = Vec::new();
        let mut index = 0;
        for &kind in opcode.operands() {
            let w = words[index];
            values.push(match kind {
                OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => OperandValue::Reg(regs[index]),
                OperandKind::Count => OperandValue::Count(w),
                OperandKind::Imm32 => OperandValue::Imm32(w as i32),
                OperandKind::Imm64 => OperandValue::Imm64((u64::from(w) | u64::from(words[index + 1]) << 32) as i64),
                OperandKind::F64 => OperandValue::F64(u64::from(w) | u64::from(words[index + 1]) << 32),
                OperandKind::F32 => OperandValue::F32(w),
                OperandKind::Label => OperandValue::Label(w % 4),
                OperandKind::Func => OperandValue::Func(w % 2),
                OperandKind::Import => OperandValue::Import(w % 2),
                OperandKind::Data => OperandValue::Data(w % 2),
                OperandKind::Shader => OperandValue::Shader(w % 2),
            });
            index += kind.words();
        }
        let instr = Instruction::from_operands(opcode, &values).unwrap();
        let mut module = base.clone();
        module.code[1] = instr;
        let listing = disassemble(&module, ListingStyle::Mnemonic);
        // The instruction is written as mnemonic text, with its hex form as a comment.
        let line = listing.lines().find(|l| l.contains("; 0001:")).unwrap();
        prop_assert!(line.trim_start().starts_with(opcode.mnemonic()), "{}", line);
        let again = assemble_with(&listing, "x.asm", &Options { verify: false })
            .map_err(|d| TestCaseError::fail(format!("{}\n{listing}", d.render(&listing, "x.asm"))))?;
        prop_assert_eq!(again.code[1], instr);
        prop_assert_eq!(again, module);
    }
}

#[test]
fn special_floats_print_and_read_back() {
    let cases: [(u64, &str); 6] = [
        (1.5f64.to_bits(), "1.5"),
        (f64::INFINITY.to_bits(), "inf"),
        (f64::NEG_INFINITY.to_bits(), "-inf"),
        ((-0.0f64).to_bits(), "-0.0"),
        (0x7FF8_0000_0000_0000, "nan"),
        (0x7FF0_0000_0000_0001, "0x7FF0000000000001"),
    ];
    for (bits, text) in cases {
        let source = format!(".func main\n    fmovi r1, {text}\n    halt\n.end\n");
        let module = assemble(&source, "f.asm").unwrap();
        assert_eq!(module.code[0].wide(1), bits, "{text}");
        let listing = disassemble(&module, ListingStyle::Mnemonic);
        assert!(listing.contains(&format!("fmovi r1, {text} ")), "{listing}");
    }
    let module = assemble(
        ".func main\n    fmovi.f32 r1, 0.1\n    fmovi.f32 r2, 0x7FC00001\n    halt\n.end\n",
        "f.asm",
    )
    .unwrap();
    assert_eq!(module.code[0].word(1), 0.1f32.to_bits());
    assert_eq!(module.code[1].word(1), 0x7FC0_0001);
}

#[test]
fn integer_literals_cover_the_full_range() {
    let source = "
.func main
    movi r1, 0xFFFFFFFFFFFFFFFF
    movi r2, -9223372036854775808
    movi r3, 18446744073709551615
    addi r4, r4, 0xFFFFFFFF
    addi r5, r5, -2147483648
    halt
.end
";
    let module = assemble(source, "i.asm").unwrap();
    assert_eq!(module.code[0].wide(1), u64::MAX);
    assert_eq!(module.code[1].wide(1), i64::MIN as u64);
    assert_eq!(module.code[2].wide(1), u64::MAX);
    assert_eq!(module.code[3].word(2), u32::MAX);
    assert_eq!(module.code[4].word(2), 0x8000_0000);
    assert!(disassemble(&module, ListingStyle::Mnemonic).contains("movi r1, -1 "));
}
