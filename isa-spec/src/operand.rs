//! Operand kinds: what each operand word of an instruction means.

/// The meaning of one operand of an instruction. Most take one word; the 64-bit
/// immediates take two (low word first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// A register the instruction writes (`r0`..`r255`).
    Dst,
    /// A register the instruction reads.
    Src,
    /// The first register of a run of `Count` registers (call arguments, bound tensors,
    /// the dimension list of `tnew` and `treshape`).
    RegRange,
    /// The length of the preceding `RegRange`.
    Count,
    /// A 32-bit two's-complement immediate.
    Imm32,
    /// A 64-bit integer immediate over two words, low word first.
    Imm64,
    /// A binary64 immediate over two words (its bits), low word first.
    F64,
    /// A binary32 immediate (its bits).
    F32,
    /// A jump target: an instruction index in the current function.
    Label,
    /// A function index.
    Func,
    /// A host import index.
    Import,
    /// A data symbol (data segment) index.
    Data,
    /// A shader index.
    Shader,
}

/// What a register operand holds, as the instruction reads or writes it. Registers are
/// untyped 64-bit words; the type says how this instruction interprets the bits, so a
/// translator can keep a register in a machine register of the right class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A 64-bit integer (also addresses, tensor handles, booleans).
    Int,
    /// A binary32 in the low 32 bits; written with the high 32 bits zero.
    F32,
    /// A binary64 in all 64 bits.
    F64,
    /// Any bits, moved unchanged (`mov`, `select`, call arguments and results).
    Any,
}

impl ValueType {
    /// The name the table and the reference document use.
    pub const fn name(self) -> &'static str {
        match self {
            ValueType::Int => "int",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
            ValueType::Any => "any",
        }
    }
}

/// How an operand is written in assembly; overloads of one mnemonic must differ in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxClass {
    /// `r12`
    Register,
    /// `-5`, `0x10`
    Integer,
    /// `1.5`, `-inf`, `nan`, or raw bits `0x7ff8000000000001`
    Float,
    /// a label, function, import or shader name
    Name,
    /// `@symbol`
    DataRef,
}

impl OperandKind {
    /// Number of 32-bit words the operand occupies.
    pub const fn words(self) -> usize {
        match self {
            OperandKind::Imm64 | OperandKind::F64 => 2,
            _ => 1,
        }
    }

    /// True for the kinds whose word is a register index: those written as a register.
    pub const fn is_register(self) -> bool {
        matches!(self.syntax_class(), SyntaxClass::Register)
    }

    /// How the operand is spelled in assembly.
    pub const fn syntax_class(self) -> SyntaxClass {
        match self {
            OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => SyntaxClass::Register,
            OperandKind::Count | OperandKind::Imm32 | OperandKind::Imm64 => SyntaxClass::Integer,
            OperandKind::F64 | OperandKind::F32 => SyntaxClass::Float,
            OperandKind::Label | OperandKind::Func | OperandKind::Import | OperandKind::Shader => {
                SyntaxClass::Name
            }
            OperandKind::Data => SyntaxClass::DataRef,
        }
    }

    /// The names the reference document uses for a list of operands: the destination is
    /// `rD`, source registers `rA`, `rB`, `rC`, `rE` in order, and so on.
    pub fn syntax_names(kinds: &[OperandKind]) -> Vec<&'static str> {
        const SOURCES: [&str; 4] = ["rA", "rB", "rC", "rE"];
        let mut next_source = 0;
        kinds
            .iter()
            .map(|kind| match kind {
                OperandKind::Dst => "rD",
                OperandKind::Src => {
                    next_source += 1;
                    SOURCES[next_source - 1]
                }
                OperandKind::RegRange => "rFirst",
                OperandKind::Count => "n",
                OperandKind::Imm32 => "imm",
                OperandKind::Imm64 => "imm64",
                OperandKind::F64 => "f64",
                OperandKind::F32 => "f32",
                OperandKind::Label => "label",
                OperandKind::Func => "func",
                OperandKind::Import => "import",
                OperandKind::Data => "@data",
                OperandKind::Shader => "shader",
            })
            .collect()
    }
}

/// A decoded operand value, paired with its kind by [`crate::Instruction::operands`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OperandValue {
    /// A register index (`Dst`, `Src`, `RegRange`).
    Reg(u8),
    /// An unsigned count.
    Count(u32),
    /// A 32-bit immediate.
    Imm32(i32),
    /// A 64-bit integer immediate.
    Imm64(i64),
    /// The bits of an f64 immediate.
    F64(u64),
    /// The bits of an f32 immediate.
    F32(u32),
    /// A jump target (instruction index in the function).
    Label(u32),
    /// A function index.
    Func(u32),
    /// An import index.
    Import(u32),
    /// A data segment index.
    Data(u32),
    /// A shader index.
    Shader(u32),
}

impl OperandValue {
    /// The operand's encoding: one or two words (the second is only used for 64-bit kinds).
    pub fn to_words(self) -> (u32, Option<u32>) {
        match self {
            OperandValue::Reg(r) => (u32::from(r), None),
            OperandValue::Imm32(v) => (v as u32, None),
            OperandValue::Imm64(v) => (v as u32, Some((v as u64 >> 32) as u32)),
            OperandValue::F64(bits) => (bits as u32, Some((bits >> 32) as u32)),
            OperandValue::F32(bits) => (bits, None),
            OperandValue::Count(v)
            | OperandValue::Label(v)
            | OperandValue::Func(v)
            | OperandValue::Import(v)
            | OperandValue::Data(v)
            | OperandValue::Shader(v) => (v, None),
        }
    }

    /// True if this value may stand for an operand of `kind`.
    pub fn fits(self, kind: OperandKind) -> bool {
        match self {
            OperandValue::Reg(_) => kind.is_register(),
            OperandValue::Count(_) => kind == OperandKind::Count,
            OperandValue::Imm32(_) => kind == OperandKind::Imm32,
            OperandValue::Imm64(_) => kind == OperandKind::Imm64,
            OperandValue::F64(_) => kind == OperandKind::F64,
            OperandValue::F32(_) => kind == OperandKind::F32,
            OperandValue::Label(_) => kind == OperandKind::Label,
            OperandValue::Func(_) => kind == OperandKind::Func,
            OperandValue::Import(_) => kind == OperandKind::Import,
            OperandValue::Data(_) => kind == OperandKind::Data,
            OperandValue::Shader(_) => kind == OperandKind::Shader,
        }
    }
}
