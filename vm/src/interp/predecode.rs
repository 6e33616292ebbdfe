//! Verified module -> interpreter form ([`Code`]).
//!
//! Fuel is charged per straight-line run rather than per instruction, by the rules of
//! [`adead_isa::fuel`] that every tier shares: each branch carries the charge of the
//! run it enters taken and not taken, each call the charge of the run after it, each
//! function its entry charge, and each pc the refund of a trap there. The result is
//! exact fuel at the cost of one subtraction per branch.

use adead_isa::fuel::Runs;
use adead_isa::{Module, Opcode, VerifiedModule};

use super::code::{Code, FuncInfo, Inst, Op};
use crate::error::LoadError;

/// Builds the interpreter form, or says which instruction this build cannot execute.
pub(crate) fn predecode(module: &VerifiedModule) -> Result<Code, LoadError> {
    let mut code = Code {
        insts: Vec::with_capacity(module.code.len()),
        funcs: Vec::with_capacity(module.functions.len()),
        refund: vec![0; module.code.len()],
        charge: vec![0; module.code.len()],
        func_of: vec![0; module.code.len()],
        tensor_ops: Vec::new(),
    };
    let costs: Vec<Runs> = module
        .functions
        .iter()
        .map(|f| Runs::of(f.code(module)))
        .collect();
    for (index, (function, costs)) in module.functions.iter().zip(&costs).enumerate() {
        code.funcs.push(FuncInfo {
            entry: function.entry,
            regs: function.regs,
            entry_cost: costs.charge(0),
        });
        for (pc, instr) in function.code(module).iter().enumerate() {
            let global = function.entry as usize + pc;
            code.refund[global] = costs.refund(pc);
            code.charge[global] = costs.charge(pc);
            code.func_of[global] = index as u32;
            let lowered = lower(
                module,
                function.entry,
                pc,
                instr,
                costs,
                &mut code.tensor_ops,
            );
            let inst = lowered.ok_or_else(|| LoadError::Unsupported {
                function: function.name.clone(),
                pc: pc as u32,
                mnemonic: instr.opcode().mnemonic(),
                family: instr.opcode().family().title(),
            })?;
            code.insts.push(inst);
        }
        let start = function.entry as usize;
        fuse(&mut code.insts[start..], costs);
    }
    Ok(code)
}

/// Superinstructions: an `add`/`addi` directly followed by the backward branch that
/// closes a loop, or a float compare directly followed by the `jz`/`jnz` that tests
/// its result, becomes one op that does both, saving a dispatch. The
/// branch keeps its slot (the fused op reads its operands from there), so pcs, trap
/// locations and fuel charges are unchanged; the metered loop runs fused ops as their
/// first half and then the branch on its own, keeping per-instruction fuel exact.
fn fuse(insts: &mut [Inst], runs: &Runs) {
    for pc in 0..insts.len().saturating_sub(1) {
        if runs.is_leader(pc + 1) {
            continue;
        }
        let fused = match (insts[pc].op, insts[pc + 1].op) {
            (Op::Add, Op::BltBack) => Op::AddBltBack,
            (Op::Add, Op::BgeBack) => Op::AddBgeBack,
            (Op::Add, Op::BneBack) => Op::AddBneBack,
            (Op::Add, Op::BltuBack) => Op::AddBltuBack,
            (Op::Addi, Op::BltBack) => Op::AddiBltBack,
            (Op::Addi, Op::BgeBack) => Op::AddiBgeBack,
            (Op::Addi, Op::BneBack) => Op::AddiBneBack,
            (Op::Addi, Op::BltuBack) => Op::AddiBltuBack,
            (
                compare @ (Op::Feq | Op::Flt | Op::Fle),
                test @ (Op::Jz | Op::JzBack | Op::Jnz | Op::JnzBack),
            ) if insts[pc].a == insts[pc + 1].a => {
                let on_nonzero = matches!(test, Op::Jnz | Op::JnzBack);
                match (compare, on_nonzero) {
                    (Op::Feq, false) => Op::FeqJz,
                    (Op::Feq, true) => Op::FeqJnz,
                    (Op::Flt, false) => Op::FltJz,
                    (Op::Flt, true) => Op::FltJnz,
                    (Op::Fle, false) => Op::FleJz,
                    _ => Op::FleJnz,
                }
            }
            _ => continue,
        };
        insts[pc].op = fused;
    }
}

/// Lowers one instruction; `None` for families this build does not execute. Tensor
/// instructions go to `tensor_ops` whole, and their `Op::Tensor` names them there.
fn lower(
    module: &Module,
    entry: u32,
    pc: usize,
    instr: &adead_isa::Instruction,
    costs: &Runs,
    tensor_ops: &mut Vec<(u32, adead_isa::Instruction)>,
) -> Option<Inst> {
    let opcode = instr.opcode();
    let w = |i: usize| instr.word(i);
    let reg = |i: usize| instr.reg(i);
    // Three-register shape: rD, rA, rB (and a fourth register in k).
    let rrr = |op: Op| Inst {
        op,
        a: reg(0),
        b: reg(1),
        c: reg(2),
        k: w(3),
        imm: 0,
    };
    // rD, rA, imm32 sign-extended.
    let rri = |op: Op| Inst {
        op,
        a: reg(0),
        b: reg(1),
        c: 0,
        k: 0,
        imm: adead_isa::semantics::sext_imm(w(2) as i32),
    };
    let branch = |forward: Op, backward: Op, regs: &[u8], target: u32| {
        let taken = costs.charge(target as usize);
        let fall = costs.charge(pc + 1);
        Inst {
            op: if target as usize <= pc {
                backward
            } else {
                forward
            },
            a: regs.first().copied().unwrap_or(0),
            b: regs.get(1).copied().unwrap_or(0),
            c: 0,
            k: entry + target,
            imm: u64::from(taken) | u64::from(fall) << 32,
        }
    };
    use Opcode as O;
    Some(match opcode {
        O::Nop => Inst::new(Op::Nop),
        O::Jmp => {
            let mut jmp = branch(Op::Jmp, Op::JmpBack, &[], w(0));
            jmp.imm &= u64::from(u32::MAX);
            jmp
        }
        O::Jz => branch(Op::Jz, Op::JzBack, &[reg(0)], w(1)),
        O::Jnz => branch(Op::Jnz, Op::JnzBack, &[reg(0)], w(1)),
        O::Beq => branch(Op::Beq, Op::BeqBack, &[reg(0), reg(1)], w(2)),
        O::Bne => branch(Op::Bne, Op::BneBack, &[reg(0), reg(1)], w(2)),
        O::Blt => branch(Op::Blt, Op::BltBack, &[reg(0), reg(1)], w(2)),
        O::Bge => branch(Op::Bge, Op::BgeBack, &[reg(0), reg(1)], w(2)),
        O::Bltu => branch(Op::Bltu, Op::BltuBack, &[reg(0), reg(1)], w(2)),
        O::Bgeu => branch(Op::Bgeu, Op::BgeuBack, &[reg(0), reg(1)], w(2)),
        O::Call | O::Hcall => Inst {
            op: if opcode == O::Call {
                Op::Call
            } else {
                Op::Hcall
            },
            a: reg(0),
            b: reg(2),
            c: 0,
            k: w(1),
            imm: u64::from(w(3)) << 32
                | u64::from(if opcode == O::Call {
                    costs.charge(pc + 1)
                } else {
                    0
                }),
        },
        O::Ret => Inst {
            a: reg(0),
            ..Inst::new(Op::Ret)
        },
        O::Trap => Inst {
            imm: u64::from(w(0)),
            ..Inst::new(Op::Trap)
        },
        O::HaltReg => Inst {
            a: reg(0),
            ..Inst::new(Op::HaltReg)
        },
        O::Halt => Inst::new(Op::Halt),
        O::Alloc => rrr(Op::Alloc),
        O::Free => Inst {
            a: reg(0),
            ..Inst::new(Op::Free)
        },
        O::MemSize => Inst {
            a: reg(0),
            ..Inst::new(Op::MemSize)
        },
        O::MemCopy => rrr(Op::MemCopy),
        O::MemFill => rrr(Op::MemFill),
        O::Ld64 | O::Fld64 => load(Op::Ld64, instr),
        O::Ld8u => load(Op::Ld8u, instr),
        O::Ld8s => load(Op::Ld8s, instr),
        O::Ld16u => load(Op::Ld16u, instr),
        O::Ld16s => load(Op::Ld16s, instr),
        O::Ld32u | O::Fld32 => load(Op::Ld32u, instr),
        O::Ld32s => load(Op::Ld32s, instr),
        O::St64 | O::Fst64 => store(Op::St64, instr),
        O::St8 => store(Op::St8, instr),
        O::St16 => store(Op::St16, instr),
        O::St32 | O::Fst32 => store(Op::St32, instr),
        O::Add => rrr(Op::Add),
        O::Sub => rrr(Op::Sub),
        O::Mul => rrr(Op::Mul),
        O::Div => rrr(Op::Div),
        O::Divu => rrr(Op::Divu),
        O::Rem => rrr(Op::Rem),
        O::Remu => rrr(Op::Remu),
        O::And => rrr(Op::And),
        O::Or => rrr(Op::Or),
        O::Xor => rrr(Op::Xor),
        O::Shl => rrr(Op::Shl),
        O::Shr => rrr(Op::Shr),
        O::Sar => rrr(Op::Sar),
        O::Rotl => rrr(Op::Rotl),
        O::Rotr => rrr(Op::Rotr),
        O::Addi => rri(Op::Addi),
        O::Muli => rri(Op::Muli),
        O::Andi => rri(Op::Andi),
        O::Ori => rri(Op::Ori),
        O::Xori => rri(Op::Xori),
        O::Shli => rri(Op::Shli),
        O::Shri => rri(Op::Shri),
        O::Sari => rri(Op::Sari),
        O::Neg => rrr(Op::Neg),
        O::Not => rrr(Op::Not),
        O::Clz => rrr(Op::Clz),
        O::Ctz => rrr(Op::Ctz),
        O::Popcnt => rrr(Op::Popcnt),
        O::Sext8 => rrr(Op::Sext8),
        O::Sext16 => rrr(Op::Sext16),
        O::Sext32 => rrr(Op::Sext32),
        O::Zext8 => rrr(Op::Zext8),
        O::Zext16 => rrr(Op::Zext16),
        O::Zext32 => rrr(Op::Zext32),
        O::Seq => rrr(Op::Seq),
        O::Sne => rrr(Op::Sne),
        O::Slt => rrr(Op::Slt),
        O::Sle => rrr(Op::Sle),
        O::Sltu => rrr(Op::Sltu),
        O::Sleu => rrr(Op::Sleu),
        O::Mov => rrr(Op::Mov),
        O::Movi | O::Fmovi => Inst {
            a: reg(0),
            imm: instr.wide(1),
            ..Inst::new(Op::Movi)
        },
        O::FmoviF32 => Inst {
            a: reg(0),
            imm: u64::from(w(1)),
            ..Inst::new(Op::Movi)
        },
        O::MoviData => Inst {
            a: reg(0),
            imm: u64::from(module.data[w(1) as usize].offset),
            ..Inst::new(Op::Movi)
        },
        O::Select => rrr(Op::Select),
        O::Fadd => rrr(Op::Fadd),
        O::Fsub => rrr(Op::Fsub),
        O::Fmul => rrr(Op::Fmul),
        O::Fdiv => rrr(Op::Fdiv),
        O::Fmin => rrr(Op::Fmin),
        O::Fmax => rrr(Op::Fmax),
        O::Fsqrt => rrr(Op::Fsqrt),
        O::Fneg => rrr(Op::Fneg),
        O::Fabs => rrr(Op::Fabs),
        O::Ffloor => rrr(Op::Ffloor),
        O::Fceil => rrr(Op::Fceil),
        O::Ftrunc => rrr(Op::Ftrunc),
        O::Fnearest => rrr(Op::Fnearest),
        O::Ffma => rrr(Op::Ffma),
        O::Fcopysign => rrr(Op::Fcopysign),
        O::Feq => rrr(Op::Feq),
        O::Flt => rrr(Op::Flt),
        O::Fle => rrr(Op::Fle),
        O::FaddF32 => rrr(Op::FaddF32),
        O::FsubF32 => rrr(Op::FsubF32),
        O::FmulF32 => rrr(Op::FmulF32),
        O::FdivF32 => rrr(Op::FdivF32),
        O::FminF32 => rrr(Op::FminF32),
        O::FmaxF32 => rrr(Op::FmaxF32),
        O::FsqrtF32 => rrr(Op::FsqrtF32),
        O::FnegF32 => rrr(Op::FnegF32),
        O::FabsF32 => rrr(Op::FabsF32),
        O::FfloorF32 => rrr(Op::FfloorF32),
        O::FceilF32 => rrr(Op::FceilF32),
        O::FtruncF32 => rrr(Op::FtruncF32),
        O::FnearestF32 => rrr(Op::FnearestF32),
        O::FfmaF32 => rrr(Op::FfmaF32),
        O::FcopysignF32 => rrr(Op::FcopysignF32),
        O::FeqF32 => rrr(Op::FeqF32),
        O::FltF32 => rrr(Op::FltF32),
        O::FleF32 => rrr(Op::FleF32),
        O::I2f => rrr(Op::I2f),
        O::U2f => rrr(Op::U2f),
        O::F2i => rrr(Op::F2i),
        O::F2u => rrr(Op::F2u),
        O::I2fF32 => rrr(Op::I2fF32),
        O::U2fF32 => rrr(Op::U2fF32),
        O::F2iF32 => rrr(Op::F2iF32),
        O::F2uF32 => rrr(Op::F2uF32),
        O::Fpromote => rrr(Op::Fpromote),
        O::Fdemote => rrr(Op::Fdemote),
        O::Matmul
        | O::Transpose
        | O::Softmax
        | O::Relu
        | O::TensorNew
        | O::TensorFree
        | O::TensorFill
        | O::TensorLoad
        | O::TensorStore
        | O::TensorRank
        | O::TensorDim
        | O::TensorReshape
        | O::TensorGet
        | O::TensorSet
        | O::TensorAdd
        | O::TensorSub
        | O::TensorMul
        | O::TensorScale
        | O::Gelu
        | O::Sigmoid
        | O::Tanh
        | O::Exp
        | O::LayerNorm
        | O::RowSum
        | O::RowMax
        | O::ArgMax
        | O::Attention
        | O::AttentionCausal
        | O::Linear
        | O::LinearRelu => {
            tensor_ops.push((entry + pc as u32, *instr));
            Inst {
                k: tensor_ops.len() as u32 - 1,
                ..Inst::new(Op::Tensor)
            }
        }
        // GPU and VK semantics arrive with their issue; until then loading fails.
        O::GpuInit
        | O::GpuAlloc
        | O::GpuMatmul
        | O::GpuSync
        | O::VkInit
        | O::VkCompute
        | O::VkSubmit
        | O::VkSync => return None,
    })
}

fn load(op: Op, instr: &adead_isa::Instruction) -> Inst {
    Inst {
        op,
        a: instr.reg(0),
        b: instr.reg(1),
        c: 0,
        k: instr.word(2),
        imm: 0,
    }
}

fn store(op: Op, instr: &adead_isa::Instruction) -> Inst {
    Inst {
        op,
        a: instr.reg(0),
        b: instr.reg(2),
        c: 0,
        k: instr.word(1),
        imm: 0,
    }
}
