//! The interpreter's compact internal form of verified code.
//!
//! Each instruction becomes one 16-byte [`Inst`] with a dense one-byte [`Op`], so the
//! dispatch `match` compiles to a single jump table. Work the verifier or the loader
//! can do once is done once: register indices are trusted, data symbols are resolved
//! to addresses, float and integer immediates become raw bits, loads and stores of
//! floats share the integer handlers of the same width, branch targets are global code
//! indices, and every branch carries the fuel cost of the code it enters (see
//! `predecode.rs`). Backward branches have their own ops so that only they touch the
//! loop counters (a fused float compare looks at the branch it carries in the next
//! slot).

/// Internal operation codes; their order is irrelevant to the ISA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub(crate) enum Op {
    Nop,
    Jmp,
    JmpBack,
    Jz,
    JzBack,
    Jnz,
    JnzBack,
    Beq,
    BeqBack,
    Bne,
    BneBack,
    Blt,
    BltBack,
    Bge,
    BgeBack,
    Bltu,
    BltuBack,
    Bgeu,
    BgeuBack,
    Call,
    Ret,
    Hcall,
    Trap,
    HaltReg,
    Halt,
    Alloc,
    Free,
    MemSize,
    MemCopy,
    MemFill,
    Ld64,
    Ld8u,
    Ld8s,
    Ld16u,
    Ld16s,
    Ld32u,
    Ld32s,
    St64,
    St8,
    St16,
    St32,
    Add,
    Sub,
    Mul,
    Div,
    Divu,
    Rem,
    Remu,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Sar,
    Rotl,
    Rotr,
    Addi,
    Muli,
    Andi,
    Ori,
    Xori,
    Shli,
    Shri,
    Sari,
    Neg,
    Not,
    Clz,
    Ctz,
    Popcnt,
    Sext8,
    Sext16,
    Sext32,
    Zext8,
    Zext16,
    Zext32,
    Seq,
    Sne,
    Slt,
    Sle,
    Sltu,
    Sleu,
    Mov,
    Movi,
    Select,
    Fadd,
    Fsub,
    Fmul,
    Fdiv,
    Fmin,
    Fmax,
    Fsqrt,
    Fneg,
    Fabs,
    Ffloor,
    Fceil,
    Ftrunc,
    Fnearest,
    Ffma,
    Fcopysign,
    Feq,
    Flt,
    Fle,
    FaddF32,
    FsubF32,
    FmulF32,
    FdivF32,
    FminF32,
    FmaxF32,
    FsqrtF32,
    FnegF32,
    FabsF32,
    FfloorF32,
    FceilF32,
    FtruncF32,
    FnearestF32,
    FfmaF32,
    FcopysignF32,
    FeqF32,
    FltF32,
    FleF32,
    I2f,
    U2f,
    F2i,
    F2u,
    I2fF32,
    U2fF32,
    F2iF32,
    F2uF32,
    Fpromote,
    Fdemote,
    /// A tensor instruction: `k` indexes `Code::tensor_ops`.
    Tensor,
    // Superinstructions (see `predecode::fuse`): the add, then the backward branch in
    // the next slot.
    AddBltBack,
    AddBgeBack,
    AddBneBack,
    AddBltuBack,
    AddiBltBack,
    AddiBgeBack,
    AddiBneBack,
    AddiBltuBack,
    // A float compare whose result a `jz`/`jnz` in the next slot tests.
    FeqJz,
    FeqJnz,
    FltJz,
    FltJnz,
    FleJz,
    FleJnz,
}

/// One predecoded instruction. Field use per op:
/// - three-register ops: `a` = rD, `b` = rA, `c` = rB (a fourth register in `k`);
/// - immediates: `imm` holds the value (imm32 sign-extended, imm64, float bits);
/// - loads `a` = rD, `b` = base, `k` = offset; stores `a` = base, `b` = value, `k` = offset;
/// - branches: `a`, `b` = compared registers, `k` = global target, `imm` = fuel cost
///   of the code entered when taken (low 32 bits) and when not taken (high 32 bits);
/// - `call`/`hcall`: `a` = rD, `b` = first argument register, `k` = callee or import,
///   `imm` = argument count (high 32 bits) and fuel cost of the code after the call;
/// - `Tensor`: `k` indexes `Code::tensor_ops` (the instruction kept whole);
/// - superinstructions: the first instruction's fields, its partner (the branch) in the
///   next slot, which they execute too.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
pub(crate) struct Inst {
    pub op: Op,
    pub a: u8,
    pub b: u8,
    pub c: u8,
    pub k: u32,
    pub imm: u64,
}

impl Inst {
    pub(crate) const fn new(op: Op) -> Inst {
        Inst {
            op,
            a: 0,
            b: 0,
            c: 0,
            k: 0,
            imm: 0,
        }
    }

    /// Low half of `imm`.
    #[inline(always)]
    pub(crate) const fn lo(&self) -> u32 {
        self.imm as u32
    }

    /// High half of `imm`.
    #[inline(always)]
    pub(crate) const fn hi(&self) -> u32 {
        (self.imm >> 32) as u32
    }
}

/// What the interpreter needs to know about a function.
#[derive(Clone, Debug)]
pub(crate) struct FuncInfo {
    /// Global index of the first instruction.
    pub entry: u32,
    /// Frame size in registers.
    pub regs: u32,
    /// Fuel charged on entry (the straight-line code from the entry on).
    pub entry_cost: u32,
}

/// A whole module in interpreter form.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub insts: Vec<Inst>,
    pub funcs: Vec<FuncInfo>,
    /// Per global pc: instructions already charged for but not yet run when the
    /// instruction at that pc traps (fuel is charged per straight-line run).
    pub refund: Vec<u32>,
    /// Per global pc: what a transfer into it charges (meaningful at leaders; native
    /// code exits to the interpreter at a leader with its run not yet charged).
    pub charge: Vec<u32>,
    /// Per global pc: the function it belongs to.
    pub func_of: Vec<u32>,
    /// The tensor instructions, executed from their verified form, each with its
    /// global pc (for the tensor record of `Config::record_tensor_ops`).
    pub tensor_ops: Vec<(u32, adead_isa::Instruction)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_are_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Inst>(), 16);
    }
}
