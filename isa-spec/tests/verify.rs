//! The verifier: one test per rule (exact kind, function and pc), a table-driven test
//! that breaks every operand of every opcode, and properties over generated modules.

mod common;

use OperandValue::{Count, Data, Func, Imm32, Label, Shader as ShaderIndex};
use adead_isa::format::{FormatErrorKind, Section};
use adead_isa::{
    DataSegment, Function, Import, Instruction, Module, Opcode, OperandKind, OperandValue, Shader,
    ShaderSource, VerifyError, VerifyErrorKind, verify,
};
use common::{ins, r, rich_module, valid_module};
use proptest::prelude::*;

/// A module whose functions are `(name, regs, params, code)`, tiled in order, with one
/// import `print` (1 parameter), one data segment and one shader.
fn module(functions: Vec<(&str, u32, u32, Vec<Instruction>)>) -> Module {
    let mut module = Module::new();
    for (name, regs, params, code) in functions {
        module.functions.push(Function {
            name: name.into(),
            entry: module.code.len() as u32,
            len: code.len() as u32,
            regs,
            params,
        });
        module.code.extend(code);
    }
    module.imports.push(Import {
        name: "print".into(),
        params: 1,
    });
    module.data.push(DataSegment {
        name: "buf".into(),
        offset: 0,
        bytes: vec![1, 2, 3],
    });
    module.shaders.push(Shader {
        name: "k".into(),
        source: ShaderSource::Wgsl("@compute @workgroup_size(1) fn main() {}".into()),
    });
    module
}

fn halt() -> Instruction {
    ins(Opcode::Halt, &[])
}

/// `main` (16 registers) runs `body` then halts.
fn main_with(body: Vec<Instruction>) -> Module {
    let mut code = body;
    code.push(halt());
    module(vec![("main", 16, 0, code)])
}

/// The instruction error `verify` must give: (function index, pc, mnemonic, kind).
fn instruction_error(module: Module) -> (u32, u32, &'static str, VerifyErrorKind) {
    match verify(module) {
        Err(VerifyError::Instruction {
            function_index,
            pc,
            mnemonic,
            kind,
            ..
        }) => (function_index, pc, mnemonic, kind),
        other => panic!("expected an instruction error, got {other:?}"),
    }
}

#[test]
fn valid_modules_pass_and_the_proof_type_gives_the_module_back() {
    let verified = verify(rich_module()).expect("the rich module verifies");
    assert_eq!(verified.functions.len(), 3, "derefs to the module");
    assert_eq!(verified.into_inner(), rich_module());
    assert!(verify(main_with(vec![])).is_ok());
}

#[test]
fn destination_registers_must_be_in_the_frame() {
    let m = main_with(vec![ins(Opcode::Add, &[r(16), r(0), r(1)])]);
    assert_eq!(
        instruction_error(m),
        (
            0,
            0,
            "add",
            VerifyErrorKind::RegisterOutsideFrame { reg: 16, regs: 16 }
        )
    );
}

#[test]
fn source_registers_must_be_in_the_frame() {
    let nop = ins(Opcode::Nop, &[]);
    let m = main_with(vec![nop, nop, nop, ins(Opcode::Add, &[r(0), r(0), r(20)])]);
    let err = verify(m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "verify error in function `main` at instruction 3 (`add`): register r20 is outside the frame of 16 registers"
    );
    assert_eq!(
        err,
        VerifyError::Instruction {
            function: "main".into(),
            function_index: 0,
            pc: 3,
            mnemonic: "add",
            kind: VerifyErrorKind::RegisterOutsideFrame { reg: 20, regs: 16 },
        }
    );
}

#[test]
fn register_ranges_must_fit_the_frame() {
    let callee = ("three", 4, 3, vec![ins(Opcode::Ret, &[r(0)])]);
    let call = |first: u8| ins(Opcode::Call, &[r(0), Func(1), r(first), Count(3)]);
    // r13..r15 fits 16 registers; r14..r16 does not.
    let ok = module(vec![
        ("main", 16, 0, vec![call(13), halt()]),
        callee.clone(),
    ]);
    assert!(verify(ok).is_ok());
    let bad = module(vec![("main", 16, 0, vec![call(14), halt()]), callee]);
    assert_eq!(
        instruction_error(bad),
        (
            0,
            0,
            "call",
            VerifyErrorKind::RegisterRangeOutsideFrame {
                first: 14,
                count: 3,
                regs: 16
            }
        )
    );
}

#[test]
fn vk_submit_checks_only_its_register_range() {
    let submit = |first: u8, n: u32| ins(Opcode::VkSubmit, &[r(0), r(1), r(first), Count(n)]);
    // An empty range may start at the frame's end; any count is fine if it fits.
    assert!(verify(main_with(vec![submit(16, 0), submit(0, 16)])).is_ok());
    assert_eq!(
        instruction_error(main_with(vec![submit(16, 0), submit(10, 7)])),
        (
            0,
            1,
            "vk.submit",
            VerifyErrorKind::RegisterRangeOutsideFrame {
                first: 10,
                count: 7,
                regs: 16
            }
        )
    );
}

#[test]
fn jump_targets_must_be_inside_the_function() {
    let jz = |target| ins(Opcode::Jz, &[r(0), Label(target)]);
    // main is 3 instructions long: targets 0..=2.
    assert!(verify(main_with(vec![jz(2), jz(0)])).is_ok());
    assert_eq!(
        instruction_error(main_with(vec![jz(2), jz(3)])),
        (
            0,
            1,
            "jz",
            VerifyErrorKind::LabelOutOfRange { target: 3, len: 3 }
        )
    );
}

#[test]
fn function_indices_must_exist() {
    let m = main_with(vec![ins(Opcode::Call, &[r(0), Func(1), r(0), Count(0)])]);
    assert_eq!(
        instruction_error(m),
        (
            0,
            0,
            "call",
            VerifyErrorKind::FunctionIndexOutOfRange {
                index: 1,
                functions: 1
            }
        )
    );
}

#[test]
fn calls_pass_exactly_the_callee_parameters() {
    let callee = ("add2", 2, 2, vec![ins(Opcode::Ret, &[r(0)])]);
    let call = |n| ins(Opcode::Call, &[r(0), Func(1), r(4), Count(n)]);
    assert!(
        verify(module(vec![
            ("main", 8, 0, vec![call(2), halt()]),
            callee.clone()
        ]))
        .is_ok()
    );
    let bad = module(vec![("main", 8, 0, vec![call(1), halt()]), callee]);
    let err = verify(bad.clone()).unwrap_err();
    assert_eq!(
        instruction_error(bad),
        (
            0,
            0,
            "call",
            VerifyErrorKind::FunctionArityMismatch {
                callee: "add2".into(),
                params: 2,
                args: 1
            }
        )
    );
    assert!(
        err.to_string()
            .ends_with("passes 1 arguments, but function `add2` takes 2")
    );
}

#[test]
fn import_indices_must_exist() {
    let m = main_with(vec![ins(
        Opcode::Hcall,
        &[r(0), OperandValue::Import(1), r(0), Count(1)],
    )]);
    assert_eq!(
        instruction_error(m),
        (
            0,
            0,
            "hcall",
            VerifyErrorKind::ImportIndexOutOfRange {
                index: 1,
                imports: 1
            }
        )
    );
}

#[test]
fn host_calls_pass_exactly_the_import_parameters() {
    let hcall = |n| {
        ins(
            Opcode::Hcall,
            &[r(0), OperandValue::Import(0), r(1), Count(n)],
        )
    };
    assert!(verify(main_with(vec![hcall(1)])).is_ok());
    assert_eq!(
        instruction_error(main_with(vec![hcall(1), hcall(2)])),
        (
            0,
            1,
            "hcall",
            VerifyErrorKind::ImportArityMismatch {
                import: "print".into(),
                params: 1,
                args: 2
            }
        )
    );
}

#[test]
fn data_indices_must_exist() {
    let m = main_with(vec![ins(Opcode::MoviData, &[r(0), Data(1)])]);
    assert_eq!(
        instruction_error(m),
        (
            0,
            0,
            "movi",
            VerifyErrorKind::DataIndexOutOfRange { index: 1, data: 1 }
        )
    );
}

#[test]
fn shader_indices_must_exist() {
    let m = main_with(vec![ins(Opcode::VkCompute, &[r(0), ShaderIndex(1)])]);
    assert_eq!(
        instruction_error(m),
        (
            0,
            0,
            "vk.compute",
            VerifyErrorKind::ShaderIndexOutOfRange {
                index: 1,
                shaders: 1
            }
        )
    );
}

#[test]
fn no_function_may_fall_off_its_end() {
    // A conditional branch and a call both fall through.
    for last in [
        ins(Opcode::Add, &[r(0), r(0), r(0)]),
        ins(Opcode::Jz, &[r(0), Label(0)]),
        ins(Opcode::Call, &[r(0), Func(0), r(0), Count(0)]),
    ] {
        let mnemonic = last.opcode().mnemonic();
        let m = module(vec![
            ("main", 4, 0, vec![halt()]),
            ("tail", 4, 0, vec![ins(Opcode::Nop, &[]), last]),
        ]);
        assert_eq!(
            instruction_error(m),
            (1, 1, mnemonic, VerifyErrorKind::FallsOffEnd)
        );
    }
    for last in [
        ins(Opcode::Jmp, &[Label(0)]),
        ins(Opcode::Ret, &[r(0)]),
        ins(Opcode::Trap, &[Imm32(1)]),
        ins(Opcode::HaltReg, &[r(0)]),
        halt(),
    ] {
        assert!(verify(module(vec![("main", 4, 0, vec![last])])).is_ok());
    }
}

#[test]
fn the_first_broken_rule_in_code_order_wins() {
    let m = module(vec![
        (
            "a",
            4,
            0,
            vec![
                ins(Opcode::Nop, &[]),
                ins(Opcode::Mov, &[r(9), r(0)]),
                ins(Opcode::Jmp, &[Label(7)]),
            ],
        ),
        ("b", 4, 0, vec![ins(Opcode::Mov, &[r(0), r(9)])]),
    ]);
    let (function, pc, _, kind) = instruction_error(m);
    assert_eq!((function, pc), (0, 1));
    assert_eq!(
        kind,
        VerifyErrorKind::RegisterOutsideFrame { reg: 9, regs: 4 }
    );
}

#[test]
fn structural_rules_are_checked_for_modules_built_in_memory() {
    // A function past the end of the code would make slicing its code panic.
    let mut m = main_with(vec![]);
    m.functions[0].len = 5;
    assert_eq!(
        verify(m).unwrap_err(),
        VerifyError::Structure {
            section: Section::Functions,
            kind: FormatErrorKind::FunctionPastCodeEnd {
                name: "main".into(),
                end: 5,
                code_len: 1
            }
        }
    );
    let mut m = main_with(vec![]);
    m.functions[0].regs = 0;
    let err = verify(m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "verify error in section `functions`: function `main` has 0 registers (must be 1..=256)"
    );
    assert!(matches!(
        verify(Module::new()).unwrap_err(),
        VerifyError::Structure {
            kind: FormatErrorKind::NoFunctions,
            ..
        }
    ));
    let mut m = main_with(vec![]);
    m.data[0].offset = m.memory_size;
    assert!(matches!(
        verify(m).unwrap_err(),
        VerifyError::Structure {
            section: Section::Data,
            kind: FormatErrorKind::DataOutsideMemory { .. }
        }
    ));
}

/// A valid operand of `kind` in the test frame below, and a broken one with its error.
fn operand(
    kind: OperandKind,
    has_callee: bool,
    has_import: bool,
) -> (OperandValue, Option<(OperandValue, VerifyErrorKind)>) {
    const REGS: u32 = 8;
    match kind {
        OperandKind::Dst | OperandKind::Src => (
            r(1),
            Some((
                r(REGS as u8),
                VerifyErrorKind::RegisterOutsideFrame {
                    reg: REGS,
                    regs: REGS,
                },
            )),
        ),
        OperandKind::RegRange => (
            r(2),
            Some((
                r(7),
                VerifyErrorKind::RegisterRangeOutsideFrame {
                    first: 7,
                    count: 2,
                    regs: REGS,
                },
            )),
        ),
        OperandKind::Count if has_callee => (
            Count(2),
            Some((
                Count(3),
                VerifyErrorKind::FunctionArityMismatch {
                    callee: "main".into(),
                    params: 2,
                    args: 3,
                },
            )),
        ),
        OperandKind::Count if has_import => (
            Count(2),
            Some((
                Count(3),
                VerifyErrorKind::ImportArityMismatch {
                    import: "two".into(),
                    params: 2,
                    args: 3,
                },
            )),
        ),
        OperandKind::Count => (
            Count(2),
            Some((
                Count(7),
                VerifyErrorKind::RegisterRangeOutsideFrame {
                    first: 2,
                    count: 7,
                    regs: REGS,
                },
            )),
        ),
        OperandKind::Label => (
            Label(1),
            Some((
                Label(2),
                VerifyErrorKind::LabelOutOfRange { target: 2, len: 2 },
            )),
        ),
        OperandKind::Func => (
            Func(0),
            Some((
                Func(1),
                VerifyErrorKind::FunctionIndexOutOfRange {
                    index: 1,
                    functions: 1,
                },
            )),
        ),
        OperandKind::Import => (
            OperandValue::Import(0),
            Some((
                OperandValue::Import(1),
                VerifyErrorKind::ImportIndexOutOfRange {
                    index: 1,
                    imports: 1,
                },
            )),
        ),
        OperandKind::Data => (
            Data(0),
            Some((
                Data(1),
                VerifyErrorKind::DataIndexOutOfRange { index: 1, data: 1 },
            )),
        ),
        OperandKind::Shader => (
            ShaderIndex(0),
            Some((
                ShaderIndex(1),
                VerifyErrorKind::ShaderIndexOutOfRange {
                    index: 1,
                    shaders: 1,
                },
            )),
        ),
        // Every bit pattern of an immediate is valid.
        OperandKind::Imm32 => (Imm32(-1), None),
        OperandKind::Imm64 => (OperandValue::Imm64(i64::MIN), None),
        OperandKind::F64 => (OperandValue::F64(0x7FF0_0000_0000_0001), None),
        OperandKind::F32 => (OperandValue::F32(0xFFC0_0001), None),
    }
}

#[test]
fn every_operand_of_every_opcode_is_checked() {
    // main: 8 registers, 2 parameters, 2 instructions (the opcode under test, then halt);
    // import `two` takes 2 parameters; one data segment and one shader.
    let frame = |instr: Instruction| {
        let mut m = module(vec![("main", 8, 2, vec![instr, halt()])]);
        m.imports[0] = Import {
            name: "two".into(),
            params: 2,
        };
        m
    };
    let mut broken_operands = 0;
    for &op in Opcode::ALL {
        let kinds = op.operands();
        let has_callee = kinds.contains(&OperandKind::Func);
        let has_import = kinds.contains(&OperandKind::Import);
        let plan: Vec<_> = kinds
            .iter()
            .map(|&k| operand(k, has_callee, has_import))
            .collect();
        let valid: Vec<OperandValue> = plan.iter().map(|(v, _)| *v).collect();
        let instr = Instruction::from_operands(op, &valid).expect("valid operands encode");
        assert!(verify(frame(instr)).is_ok(), "{op:?} with valid operands");
        for (index, (_, broken)) in plan.iter().enumerate() {
            let Some((value, expected)) = broken else {
                continue;
            };
            let mut values = valid.clone();
            values[index] = *value;
            let instr = Instruction::from_operands(op, &values).expect("encodes");
            assert_eq!(
                instruction_error(frame(instr)),
                (0, 0, op.mnemonic(), expected.clone()),
                "{op:?} operand {index}"
            );
            broken_operands += 1;
        }
    }
    assert!(broken_operands > Opcode::ALL.len(), "{broken_operands}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_valid_modules_verify(module in valid_module()) {
        let verified = verify(module.clone());
        prop_assert!(verified.is_ok(), "{}", verified.unwrap_err());
    }

    #[test]
    fn arbitrary_instructions_are_judged_without_panicking(
        module in valid_module(),
        replacements in proptest::collection::vec(
            (any::<proptest::sample::Index>(), 0..Opcode::ALL.len(), any::<[u32; 4]>()),
            1..8,
        ),
    ) {
        let mut module = module;
        for (at, op, mut words) in replacements {
            let op = Opcode::ALL[op];
            // Keep register words encodable; everything else stays arbitrary.
            let mut word = 0;
            for kind in op.operands() {
                if kind.is_register() {
                    words[word] %= 256;
                }
                word += kind.words();
            }
            words[word..].fill(0);
            let instr = Instruction::from_words([op.word(), words[0], words[1], words[2], words[3]])
                .expect("canonical words");
            let at = at.index(module.code.len());
            module.code[at] = instr;
        }
        match verify(module.clone()) {
            Ok(_) => {}
            Err(VerifyError::Instruction { function_index, pc, mnemonic, .. }) => {
                let function = &module.functions[function_index as usize];
                prop_assert!(pc < function.len);
                let instr = module.code[(function.entry + pc) as usize];
                prop_assert_eq!(instr.opcode().mnemonic(), mnemonic);
            }
            Err(structure) => prop_assert!(false, "structure was valid: {}", structure),
        }
    }
}
