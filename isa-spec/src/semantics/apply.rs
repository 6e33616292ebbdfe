//! One dispatch from an opcode to its semantic function, for tools and tests (the
//! differential sweeps compare every tier with it). The tiers themselves call or
//! translate the functions directly.

use crate::opcode::Opcode;
use crate::trap::TrapKind;

use super::*;

/// What a scalar instruction does with its register inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The bits written to the destination register.
    Value(u64),
    /// A conditional branch: whether it is taken.
    Branch(bool),
    /// The instruction traps.
    Trap(TrapKind),
}

/// Applies scalar opcode `op` to `inputs`, the values of its source registers in operand
/// order, and `imm`, its immediate as decoded (an `imm32` sign-extended, a 64-bit or
/// float immediate's bits, a data symbol's address). `None` for the opcodes that are not
/// a function of registers alone: memory, calls, returns, traps, halts, tensors, GPU
/// and VK.
///
/// # Panics
/// If `inputs` is shorter than the opcode's source registers.
///
/// ```
/// use adead_isa::{Opcode, TrapKind};
/// use adead_isa::semantics::{Applied, apply, sext_imm};
/// assert_eq!(apply(Opcode::Addi, &[5], sext_imm(-6)), Some(Applied::Value(u64::MAX)));
/// assert_eq!(apply(Opcode::Bltu, &[u64::MAX, 0], 0), Some(Applied::Branch(false)));
/// assert_eq!(apply(Opcode::Rem, &[1, 0], 0), Some(Applied::Trap(TrapKind::DivideByZero)));
/// assert_eq!(apply(Opcode::Ld64, &[0], 0), None);
/// ```
pub fn apply(op: Opcode, inputs: &[u64], imm: u64) -> Option<Applied> {
    use Applied::{Branch, Value};
    use Opcode as O;
    let x = |i: usize| inputs[i];
    let trapping = |result: Result<u64, TrapKind>| match result {
        Ok(value) => Value(value),
        Err(kind) => Applied::Trap(kind),
    };
    Some(match op {
        O::Nop => return None,
        O::Jz => Branch(jz(x(0))),
        O::Jnz => Branch(jnz(x(0))),
        O::Beq => Branch(beq(x(0), x(1))),
        O::Bne => Branch(bne(x(0), x(1))),
        O::Blt => Branch(blt(x(0), x(1))),
        O::Bge => Branch(bge(x(0), x(1))),
        O::Bltu => Branch(bltu(x(0), x(1))),
        O::Bgeu => Branch(bgeu(x(0), x(1))),
        O::Add => Value(add(x(0), x(1))),
        O::Sub => Value(sub(x(0), x(1))),
        O::Mul => Value(mul(x(0), x(1))),
        O::Div => trapping(div(x(0), x(1))),
        O::Divu => trapping(divu(x(0), x(1))),
        O::Rem => trapping(rem(x(0), x(1))),
        O::Remu => trapping(remu(x(0), x(1))),
        O::And => Value(and(x(0), x(1))),
        O::Or => Value(or(x(0), x(1))),
        O::Xor => Value(xor(x(0), x(1))),
        O::Shl => Value(shl(x(0), x(1))),
        O::Shr => Value(shr(x(0), x(1))),
        O::Sar => Value(sar(x(0), x(1))),
        O::Rotl => Value(rotl(x(0), x(1))),
        O::Rotr => Value(rotr(x(0), x(1))),
        O::Addi => Value(addi(x(0), imm)),
        O::Muli => Value(muli(x(0), imm)),
        O::Andi => Value(andi(x(0), imm)),
        O::Ori => Value(ori(x(0), imm)),
        O::Xori => Value(xori(x(0), imm)),
        O::Shli => Value(shli(x(0), imm)),
        O::Shri => Value(shri(x(0), imm)),
        O::Sari => Value(sari(x(0), imm)),
        O::Neg => Value(neg(x(0))),
        O::Not => Value(not(x(0))),
        O::Clz => Value(clz(x(0))),
        O::Ctz => Value(ctz(x(0))),
        O::Popcnt => Value(popcnt(x(0))),
        O::Sext8 => Value(sext8(x(0))),
        O::Sext16 => Value(sext16(x(0))),
        O::Sext32 => Value(sext32(x(0))),
        O::Zext8 => Value(zext8(x(0))),
        O::Zext16 => Value(zext16(x(0))),
        O::Zext32 => Value(zext32(x(0))),
        O::Seq => Value(seq(x(0), x(1))),
        O::Sne => Value(sne(x(0), x(1))),
        O::Slt => Value(slt(x(0), x(1))),
        O::Sle => Value(sle(x(0), x(1))),
        O::Sltu => Value(sltu(x(0), x(1))),
        O::Sleu => Value(sleu(x(0), x(1))),
        O::Mov => Value(mov(x(0))),
        O::Movi | O::MoviData | O::Fmovi => Value(movi(imm)),
        O::FmoviF32 => Value(fmovi_f32(imm as u32)),
        O::Select => Value(select(x(0), x(1), x(2))),
        O::Fadd => Value(fadd(x(0), x(1))),
        O::Fsub => Value(fsub(x(0), x(1))),
        O::Fmul => Value(fmul(x(0), x(1))),
        O::Fdiv => Value(fdiv(x(0), x(1))),
        O::Fmin => Value(fmin(x(0), x(1))),
        O::Fmax => Value(fmax(x(0), x(1))),
        O::Fsqrt => Value(fsqrt(x(0))),
        O::Fneg => Value(fneg(x(0))),
        O::Fabs => Value(fabs(x(0))),
        O::Ffloor => Value(ffloor(x(0))),
        O::Fceil => Value(fceil(x(0))),
        O::Ftrunc => Value(ftrunc(x(0))),
        O::Fnearest => Value(fnearest(x(0))),
        O::Ffma => Value(ffma(x(0), x(1), x(2))),
        O::Fcopysign => Value(fcopysign(x(0), x(1))),
        O::Feq => Value(feq(x(0), x(1))),
        O::Flt => Value(flt(x(0), x(1))),
        O::Fle => Value(fle(x(0), x(1))),
        O::FaddF32 => Value(fadd_f32(x(0), x(1))),
        O::FsubF32 => Value(fsub_f32(x(0), x(1))),
        O::FmulF32 => Value(fmul_f32(x(0), x(1))),
        O::FdivF32 => Value(fdiv_f32(x(0), x(1))),
        O::FminF32 => Value(fmin_f32(x(0), x(1))),
        O::FmaxF32 => Value(fmax_f32(x(0), x(1))),
        O::FsqrtF32 => Value(fsqrt_f32(x(0))),
        O::FnegF32 => Value(fneg_f32(x(0))),
        O::FabsF32 => Value(fabs_f32(x(0))),
        O::FfloorF32 => Value(ffloor_f32(x(0))),
        O::FceilF32 => Value(fceil_f32(x(0))),
        O::FtruncF32 => Value(ftrunc_f32(x(0))),
        O::FnearestF32 => Value(fnearest_f32(x(0))),
        O::FfmaF32 => Value(ffma_f32(x(0), x(1), x(2))),
        O::FcopysignF32 => Value(fcopysign_f32(x(0), x(1))),
        O::FeqF32 => Value(feq_f32(x(0), x(1))),
        O::FltF32 => Value(flt_f32(x(0), x(1))),
        O::FleF32 => Value(fle_f32(x(0), x(1))),
        O::I2f => Value(i2f(x(0))),
        O::U2f => Value(u2f(x(0))),
        O::F2i => Value(f2i(x(0))),
        O::F2u => Value(f2u(x(0))),
        O::I2fF32 => Value(i2f_f32(x(0))),
        O::U2fF32 => Value(u2f_f32(x(0))),
        O::F2iF32 => Value(f2i_f32(x(0))),
        O::F2uF32 => Value(f2u_f32(x(0))),
        O::Fpromote => Value(fpromote(x(0))),
        O::Fdemote => Value(fdemote(x(0))),
        O::Jmp
        | O::Call
        | O::Ret
        | O::Hcall
        | O::Trap
        | O::HaltReg
        | O::Halt
        | O::Alloc
        | O::Free
        | O::MemSize
        | O::MemCopy
        | O::MemFill
        | O::Ld64
        | O::St64
        | O::Ld8u
        | O::Ld8s
        | O::Ld16u
        | O::Ld16s
        | O::Ld32u
        | O::Ld32s
        | O::Fld32
        | O::Fld64
        | O::St8
        | O::St16
        | O::St32
        | O::Fst32
        | O::Fst64
        | O::Matmul
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
        | O::LinearRelu
        | O::GpuInit
        | O::GpuAlloc
        | O::GpuMatmul
        | O::GpuSync
        | O::VkInit
        | O::VkCompute
        | O::VkSubmit
        | O::VkSync => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operand::OperandKind;

    /// Every opcode `apply` models takes only registers and at most one immediate, and
    /// every opcode it leaves out touches memory, control, the host or a tensor.
    #[test]
    fn apply_covers_exactly_the_register_operations() {
        for &op in Opcode::ALL {
            let sources = op
                .operands()
                .iter()
                .filter(|k| **k == OperandKind::Src)
                .count();
            let inputs = vec![1u64; sources];
            let modelled = apply(op, &inputs, 0).is_some();
            let pure = op.operands().iter().all(|k| {
                !matches!(
                    k,
                    OperandKind::RegRange
                        | OperandKind::Func
                        | OperandKind::Import
                        | OperandKind::Shader
                )
            }) && !matches!(
                op.family(),
                crate::Family::Memory
                    | crate::Family::Tensor
                    | crate::Family::Gpu
                    | crate::Family::Vk
            ) && !op.flags().ends_block
                && op != Opcode::Nop;
            assert_eq!(modelled, pure, "{op:?}");
        }
    }
}
