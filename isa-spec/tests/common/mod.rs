//! Modules for the integration tests: a hand-built rich module and a proptest strategy
//! for arbitrary valid modules. "Valid" means valid for both `format::read` and `verify`,
//! so the same generator drives the round-trip tests and the verifier tests.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use adead_isa::{
    DataSegment, DebugInfo, Export, Function, Import, Instruction, LineEntry, Module, Opcode,
    OperandKind, OperandValue, Shader, ShaderSource,
};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;

/// Builds an instruction from typed operands; panics on a mismatch (test data only).
pub fn ins(opcode: Opcode, operands: &[OperandValue]) -> Instruction {
    Instruction::from_operands(opcode, operands)
        .unwrap_or_else(|e| panic!("bad test instruction {opcode:?}: {e}"))
}

/// Shorthand for a register operand.
pub fn r(index: u8) -> OperandValue {
    OperandValue::Reg(index)
}

/// A module with several functions, imports, exports, data, a WGSL and a SPIR-V shader,
/// debug rows, non-ASCII names and an instruction from every family. It verifies.
pub fn rich_module() -> Module {
    use OperandValue::{
        Count, Data, F32, F64, Func, Imm32, Imm64, Import as Imp, Label, Shader as Sh,
    };
    let main = vec![
        ins(Opcode::Movi, &[r(0), Imm64(-7)]),
        ins(Opcode::MoviData, &[r(1), Data(1)]),
        ins(Opcode::Ld64, &[r(2), r(1), Imm32(8)]),
        ins(Opcode::Add, &[r(3), r(0), r(2)]),
        ins(Opcode::Call, &[r(4), Func(1), r(3), Count(2)]),
        ins(Opcode::Hcall, &[r(5), Imp(0), r(4), Count(1)]),
        ins(Opcode::Fmovi, &[r(6), F64(1.5f64.to_bits())]),
        ins(Opcode::I2f, &[r(7), r(0)]),
        ins(Opcode::Fadd, &[r(7), r(7), r(6)]),
        ins(Opcode::FmoviF32, &[r(8), F32(0.25f32.to_bits())]),
        ins(Opcode::FaddF32, &[r(8), r(8), r(8)]),
        ins(Opcode::Matmul, &[r(9), r(10), r(11)]),
        ins(Opcode::GpuInit, &[]),
        ins(Opcode::GpuMatmul, &[r(12), r(9), r(10)]),
        ins(Opcode::VkInit, &[]),
        ins(Opcode::VkCompute, &[r(13), Sh(1)]),
        ins(Opcode::VkSubmit, &[r(13), r(0), r(9), Count(3)]),
        ins(Opcode::St64, &[r(1), Imm32(0), r(5)]),
        ins(Opcode::Bne, &[r(0), r(5), Label(21)]),
        ins(Opcode::Jmp, &[Label(20)]),
        ins(Opcode::Trap, &[Imm32(-3)]),
        ins(Opcode::HaltReg, &[r(5)]),
    ];
    let helper = vec![
        ins(Opcode::Blt, &[r(0), r(1), Label(3)]),
        ins(Opcode::Sub, &[r(2), r(0), r(1)]),
        ins(Opcode::Ret, &[r(2)]),
        ins(Opcode::Mul, &[r(2), r(0), r(1)]),
        ins(Opcode::Ret, &[r(2)]),
    ];
    let tiny = vec![ins(Opcode::Halt, &[])];
    let lens = [main.len(), helper.len(), tiny.len()].map(|n| n as u32);
    let function = |name: &str, entry: u32, len: u32, regs: u32, params: u32| Function {
        name: name.into(),
        entry,
        len,
        regs,
        params,
    };
    Module {
        memory_size: 4096,
        entry: Some(0),
        code: [main, helper, tiny].concat(),
        functions: vec![
            function("main", 0, lens[0], 16, 0),
            function("pick·λ", lens[0], lens[1], 3, 2),
            function("tiny", lens[0] + lens[1], lens[2], 256, 256),
        ],
        imports: vec![
            Import {
                name: "print_i64".into(),
                params: 1,
            },
            Import {
                name: "clock".into(),
                params: 0,
            },
        ],
        exports: vec![
            Export {
                name: "main".into(),
                func: 0,
            },
            Export {
                name: "pick".into(),
                func: 1,
            },
        ],
        data: vec![
            DataSegment {
                name: "greeting".into(),
                offset: 0,
                bytes: b"hello, world\n".to_vec(),
            },
            DataSegment {
                name: "table".into(),
                offset: 16,
                bytes: (0u8..32).collect(),
            },
            DataSegment {
                name: "end".into(),
                offset: 4000,
                bytes: vec![0xFF; 96],
            },
        ],
        shaders: vec![
            Shader {
                name: "double".into(),
                source: ShaderSource::Wgsl(
                    "@compute @workgroup_size(64)\nfn main() { /* ünïcode */ }\n".into(),
                ),
            },
            Shader {
                name: "spirv".into(),
                source: ShaderSource::SpirV(vec![0x0723_0203, 0x0001_0000, 0, 7, 0]),
            },
        ],
        debug: DebugInfo {
            source: "examples/rich.asm".into(),
            lines: vec![
                LineEntry { pc: 0, line: 3 },
                LineEntry { pc: 4, line: 7 },
                LineEntry { pc: 22, line: 30 },
                LineEntry { pc: 27, line: 40 },
            ],
        },
    }
}

/// The smallest valid module: one function, one `halt`.
pub fn smallest_module() -> Module {
    Module {
        code: vec![ins(Opcode::Halt, &[])],
        functions: vec![Function {
            name: "f".into(),
            entry: 0,
            len: 1,
            regs: 1,
            params: 0,
        }],
        ..Module::new()
    }
}

/// What instructions of one function may refer to.
struct Frame<'a> {
    regs: u32,
    len: u32,
    function_params: &'a [u32],
    import_params: &'a [u32],
    data: usize,
    shaders: usize,
}

/// Shapes random operand words into a verifiable instruction of `opcode`, or `None` when
/// the module offers nothing it could refer to (an `hcall` without imports, say).
fn fit(opcode: Opcode, raw: [u32; 4], frame: &Frame<'_>) -> Option<Instruction> {
    let pick = |word: u32, len: usize| (len > 0).then(|| word % len as u32);
    let mut values = Vec::new();
    let mut arity: Option<u32> = None;
    let mut range_count = 0;
    let mut index = 0;
    for &kind in opcode.operands() {
        let word = raw[index];
        let next = raw.get(index + 1).copied().unwrap_or(0);
        let wide = u64::from(word) | u64::from(next) << 32;
        values.push(match kind {
            OperandKind::Dst | OperandKind::Src => OperandValue::Reg((word % frame.regs) as u8),
            OperandKind::RegRange => {
                range_count = arity.unwrap_or(next % (frame.regs + 1));
                let room = frame.regs.checked_sub(range_count)?;
                OperandValue::Reg((word % (room.min(255) + 1)) as u8)
            }
            OperandKind::Count => OperandValue::Count(range_count),
            OperandKind::Imm32 => OperandValue::Imm32(word as i32),
            OperandKind::Imm64 => OperandValue::Imm64(wide as i64),
            OperandKind::F64 => OperandValue::F64(wide),
            OperandKind::F32 => OperandValue::F32(word),
            OperandKind::Label => OperandValue::Label(word % frame.len),
            OperandKind::Func => {
                let callee = pick(word, frame.function_params.len())?;
                arity = Some(frame.function_params[callee as usize]);
                OperandValue::Func(callee)
            }
            OperandKind::Import => {
                let import = pick(word, frame.import_params.len())?;
                arity = Some(frame.import_params[import as usize]);
                OperandValue::Import(import)
            }
            OperandKind::Data => OperandValue::Data(pick(word, frame.data)?),
            OperandKind::Shader => OperandValue::Shader(pick(word, frame.shaders)?),
        });
        index += kind.words();
    }
    Instruction::from_operands(opcode, &values).ok()
}

/// A unique name: `prefix`, the index, `_`, then any text (the index ends at the `_`).
fn unique_name(prefix: &str, index: usize, suffix: &str) -> String {
    format!("{prefix}{index}_{suffix}")
}

fn name_suffix() -> impl Strategy<Value = String> {
    "\\PC{0,6}"
}

fn frame_shape() -> impl Strategy<Value = (u32, u32, u32)> {
    // (len, regs, params), params <= regs; small frames often, the full 256 sometimes.
    (1u32..10, prop_oneof![1u32..8, 1u32..=256, Just(256)])
        .prop_flat_map(|(len, regs)| (Just(len), Just(regs), 0..=regs.min(6)))
}

fn shader_source() -> impl Strategy<Value = ShaderSource> {
    prop_oneof![
        "\\PC{0,40}".prop_map(ShaderSource::Wgsl),
        vec(any::<u32>(), 0..12).prop_map(ShaderSource::SpirV),
    ]
}

/// Everything but the code, chosen first because the code refers to it.
#[derive(Clone, Debug)]
struct Skeleton {
    frames: Vec<((u32, u32, u32), String)>,
    imports: Vec<(u32, String)>,
    exports: Vec<(u32, String)>,
    data: Vec<(u32, Vec<u8>, String)>,
    shaders: Vec<(ShaderSource, String)>,
    memory_slack: u32,
    entry: Option<u32>,
    debug_source: String,
}

fn skeleton() -> impl Strategy<Value = Skeleton> {
    (
        vec((frame_shape(), name_suffix()), 1..5),
        vec((0u32..6, name_suffix()), 0..4),
        vec((any::<u32>(), name_suffix()), 0..4),
        vec((0u32..24, vec(any::<u8>(), 0..24), name_suffix()), 0..4),
        vec((shader_source(), name_suffix()), 0..3),
        prop_oneof![Just(0u32), 0u32..100_000],
        proptest::option::of(any::<u32>()),
        "\\PC{0,12}",
    )
        .prop_map(
            |(frames, imports, exports, data, shaders, memory_slack, entry, debug_source)| {
                Skeleton {
                    frames,
                    imports,
                    exports,
                    data,
                    shaders,
                    memory_slack,
                    entry,
                    debug_source,
                }
            },
        )
}

/// Arbitrary modules that `format::read` round-trips and `verify` accepts: random
/// functions tiling random verifiable instructions of every opcode, each ending in a
/// random terminator, with random names, data, shaders and debug rows.
pub fn valid_module() -> impl Strategy<Value = Module> {
    skeleton()
        .prop_flat_map(|skeleton| {
            let total: u32 = skeleton.frames.iter().map(|((len, _, _), _)| len).sum();
            let instruction = (0..Opcode::ALL.len(), any::<[u32; 4]>());
            (
                Just(skeleton),
                vec(instruction, total as usize),
                btree_set(0..total, 0..6),
                vec(any::<u32>(), 6),
            )
        })
        .prop_map(|(skeleton, seeds, debug_pcs, lines)| build(skeleton, seeds, debug_pcs, lines))
}

fn build(
    skeleton: Skeleton,
    seeds: Vec<(usize, [u32; 4])>,
    debug_pcs: std::collections::BTreeSet<u32>,
    lines: Vec<u32>,
) -> Module {
    let function_params: Vec<u32> = skeleton.frames.iter().map(|((_, _, p), _)| *p).collect();
    let import_params: Vec<u32> = skeleton.imports.iter().map(|(p, _)| *p).collect();
    let terminators: Vec<Opcode> = Opcode::ALL
        .iter()
        .copied()
        .filter(|op| op.flags().ends_block)
        .collect();

    let mut module = Module::new();
    let mut seeds = seeds.into_iter();
    for (index, ((len, regs, params), suffix)) in skeleton.frames.iter().enumerate() {
        let frame = Frame {
            regs: *regs,
            len: *len,
            function_params: &function_params,
            import_params: &import_params,
            data: skeleton.data.len(),
            shaders: skeleton.shaders.len(),
        };
        let nop = ins(Opcode::Nop, &[]);
        for pc in 0..*len {
            let (choice, raw) = seeds.next().unwrap_or((0, [0; 4]));
            let instr = if pc + 1 == *len {
                let op = terminators[choice % terminators.len()];
                fit(op, raw, &frame).unwrap_or_else(|| ins(Opcode::Halt, &[]))
            } else {
                fit(Opcode::ALL[choice], raw, &frame).unwrap_or(nop)
            };
            module.code.push(instr);
        }
        module.functions.push(Function {
            name: unique_name("f", index, suffix),
            entry: module.code.len() as u32 - len,
            len: *len,
            regs: *regs,
            params: *params,
        });
    }
    for (index, (params, suffix)) in skeleton.imports.iter().enumerate() {
        module.imports.push(Import {
            name: unique_name("i", index, suffix),
            params: *params,
        });
    }
    let functions = module.functions.len() as u32;
    for (index, (func, suffix)) in skeleton.exports.iter().enumerate() {
        module.exports.push(Export {
            name: unique_name("e", index, suffix),
            func: func % functions,
        });
    }
    let mut address = 0u32;
    for (index, (gap, bytes, suffix)) in skeleton.data.into_iter().enumerate() {
        module.data.push(DataSegment {
            name: unique_name("d", index, &suffix),
            offset: address + gap,
            bytes: bytes.clone(),
        });
        address += gap + bytes.len() as u32;
    }
    module.memory_size = address + skeleton.memory_slack;
    for (index, (source, suffix)) in skeleton.shaders.into_iter().enumerate() {
        module.shaders.push(Shader {
            name: unique_name("s", index, &suffix),
            source,
        });
    }
    module.entry = skeleton.entry.map(|e| e % functions);
    module.debug = DebugInfo {
        source: skeleton.debug_source,
        lines: debug_pcs
            .into_iter()
            .zip(lines)
            .map(|(pc, line)| LineEntry { pc, line })
            .collect(),
    };
    module
}
