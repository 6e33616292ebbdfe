//! One instruction: five little-endian 32-bit words, `op a b c d`.

use crate::opcode::Opcode;
use crate::operand::{OperandKind, OperandValue, ValueType};

/// One register an instruction reads or writes, with the type it reads or writes it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterAccess {
    /// The register.
    pub reg: u8,
    /// True for the destination (`Dst`), false for a register read (`Src`, or one of a
    /// `RegRange`).
    pub write: bool,
    /// Its value type from the table.
    pub ty: ValueType,
}

/// Why five words are not an instruction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The opcode word is not in the table.
    #[error("unknown opcode word {0:#010x}")]
    UnknownOpcode(u32),
    /// An operand word the opcode does not use is not zero (the encoding is canonical).
    #[error("`{mnemonic}` does not use operand word {index}, which must be 0 but is {value:#010x}")]
    UnusedWordNotZero {
        /// Mnemonic of the decoded opcode.
        mnemonic: &'static str,
        /// Operand word index, 0..4 (`a`..`d`).
        index: usize,
        /// The offending value.
        value: u32,
    },
    /// A register operand word is 256 or more.
    #[error("`{mnemonic}` operand word {index} is register {value}, but registers are r0..r255")]
    RegisterOutOfRange {
        /// Mnemonic of the decoded opcode.
        mnemonic: &'static str,
        /// Operand word index, 0..4.
        index: usize,
        /// The offending value.
        value: u32,
    },
    /// Operand values given to [`Instruction::from_operands`] do not match the opcode's kinds.
    #[error("`{mnemonic}` takes operands {expected:?}")]
    OperandMismatch {
        /// Mnemonic of the opcode.
        mnemonic: &'static str,
        /// The kinds the table expects.
        expected: &'static [OperandKind],
    },
}

/// A decoded, canonical instruction: a known opcode, register words below 256 and unused
/// operand words zero. Construct it with [`Instruction::from_words`] or
/// [`Instruction::from_operands`]; the fields are read-only so that the invariant holds.
///
/// ```
/// use adead_isa::{Instruction, Opcode, OperandValue};
/// let add = Instruction::from_operands(
///     Opcode::Add,
///     &[OperandValue::Reg(3), OperandValue::Reg(1), OperandValue::Reg(2)],
/// ).unwrap();
/// assert_eq!(add.words(), [0x0002_0000, 3, 1, 2, 0]);
/// assert_eq!(Instruction::decode(&add.encode()), Ok(add));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instruction {
    opcode: Opcode,
    words: [u32; 4],
}

impl Instruction {
    /// Encoded size in bytes.
    pub const SIZE: usize = 20;

    /// Checks five words (`op a b c d`) and builds the instruction.
    pub fn from_words(words: [u32; 5]) -> Result<Instruction, DecodeError> {
        let opcode = Opcode::from_word(words[0]).ok_or(DecodeError::UnknownOpcode(words[0]))?;
        let operands = [words[1], words[2], words[3], words[4]];
        let mut index = 0;
        for kind in opcode.operands() {
            if kind.is_register() && operands[index] > 255 {
                return Err(DecodeError::RegisterOutOfRange {
                    mnemonic: opcode.mnemonic(),
                    index,
                    value: operands[index],
                });
            }
            index += kind.words();
        }
        if let Some((unused, &value)) = operands
            .iter()
            .enumerate()
            .skip(index)
            .find(|(_, w)| **w != 0)
        {
            return Err(DecodeError::UnusedWordNotZero {
                mnemonic: opcode.mnemonic(),
                index: unused,
                value,
            });
        }
        Ok(Instruction {
            opcode,
            words: operands,
        })
    }

    /// Builds an instruction from typed operand values, one per operand kind.
    pub fn from_operands(
        opcode: Opcode,
        values: &[OperandValue],
    ) -> Result<Instruction, DecodeError> {
        let kinds = opcode.operands();
        let mismatch = || DecodeError::OperandMismatch {
            mnemonic: opcode.mnemonic(),
            expected: kinds,
        };
        if kinds.len() != values.len() {
            return Err(mismatch());
        }
        let mut words = [opcode.word(), 0, 0, 0, 0];
        let mut index = 1;
        for (&kind, &value) in kinds.iter().zip(values) {
            if !value.fits(kind) {
                return Err(mismatch());
            }
            let (low, high) = value.to_words();
            words[index] = low;
            if let Some(high) = high {
                words[index + 1] = high;
            }
            index += kind.words();
        }
        Instruction::from_words(words)
    }

    /// Decodes 20 little-endian bytes.
    pub fn decode(bytes: &[u8; Self::SIZE]) -> Result<Instruction, DecodeError> {
        let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap());
        Instruction::from_words([word(0), word(1), word(2), word(3), word(4)])
    }

    /// The 20 little-endian bytes.
    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0u8; Self::SIZE];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(self.words()) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        bytes
    }

    /// The opcode.
    pub const fn opcode(&self) -> Opcode {
        self.opcode
    }

    /// The five words `op a b c d`.
    pub const fn words(&self) -> [u32; 5] {
        [
            self.opcode.word(),
            self.words[0],
            self.words[1],
            self.words[2],
            self.words[3],
        ]
    }

    /// Operand word `index` (0..4 for `a`..`d`).
    pub const fn word(&self, index: usize) -> u32 {
        self.words[index]
    }

    /// Operand word `index` as a register index; only meaningful for register operands.
    pub const fn reg(&self, index: usize) -> u8 {
        self.words[index] as u8
    }

    /// Operand words `index` and `index + 1` as a 64-bit value (low word first).
    pub const fn wide(&self, index: usize) -> u64 {
        self.words[index] as u64 | (self.words[index + 1] as u64) << 32
    }

    /// Every register the instruction reads or writes, in operand order, a register
    /// range expanded to its `Count` registers.
    ///
    /// ```
    /// use adead_isa::{Instruction, Opcode, OperandValue as V, ValueType};
    /// let call = Instruction::from_operands(
    ///     Opcode::Call,
    ///     &[V::Reg(0), V::Func(1), V::Reg(4), V::Count(2)],
    /// ).unwrap();
    /// let regs: Vec<(u8, bool)> = call.registers().map(|r| (r.reg, r.write)).collect();
    /// assert_eq!(regs, [(0, true), (4, false), (5, false)]);
    /// assert!(call.registers().all(|r| r.ty == ValueType::Any));
    /// ```
    pub fn registers(&self) -> impl Iterator<Item = RegisterAccess> + '_ {
        // Lazily, operand by operand: the compilers ask this of every instruction, and
        // a list built first would cost an allocation each time.
        let kinds = self.opcode.operands();
        let types = self.opcode.value_types();
        let mut index = 0;
        kinds
            .iter()
            .zip(types)
            .enumerate()
            .flat_map(move |(position, (&kind, &ty))| {
                let w = self.words[index];
                let (count, write) = match kind {
                    OperandKind::Dst => (1, true),
                    OperandKind::Src => (1, false),
                    // The verifier proves a range's Count follows it and fits the frame.
                    OperandKind::RegRange => match kinds.get(position + 1) {
                        Some(OperandKind::Count) => (self.words[index + 1], false),
                        _ => (0, false),
                    },
                    _ => (0, false),
                };
                index += kind.words();
                let count = if ty.is_some() { count } else { 0 };
                (0..count).map(move |i| RegisterAccess {
                    reg: w.wrapping_add(i) as u8,
                    write,
                    ty: ty.expect("counted only with a type"),
                })
            })
    }

    /// True if the instruction writes register `reg` (a destination operand, as
    /// [`Instruction::registers`] marks `write`), without building the access list:
    /// compilers ask it of every instruction.
    pub fn writes_register(&self, reg: u8) -> bool {
        let mut index = 0;
        for &kind in self.opcode.operands() {
            if kind == OperandKind::Dst && self.words[index] as u8 == reg {
                return true;
            }
            index += kind.words();
        }
        false
    }

    /// The typed operands with their kinds, in encoding order.
    pub fn operands(&self) -> impl Iterator<Item = (OperandKind, OperandValue)> + '_ {
        let mut index = 0;
        self.opcode.operands().iter().map(move |&kind| {
            let w = self.words[index];
            let value = match kind {
                OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => {
                    OperandValue::Reg(w as u8)
                }
                OperandKind::Count => OperandValue::Count(w),
                OperandKind::Imm32 => OperandValue::Imm32(w as i32),
                OperandKind::Imm64 => OperandValue::Imm64(self.wide(index) as i64),
                OperandKind::F64 => OperandValue::F64(self.wide(index)),
                OperandKind::F32 => OperandValue::F32(w),
                OperandKind::Label => OperandValue::Label(w),
                OperandKind::Func => OperandValue::Func(w),
                OperandKind::Import => OperandValue::Import(w),
                OperandKind::Data => OperandValue::Data(w),
                OperandKind::Shader => OperandValue::Shader(w),
            };
            index += kind.words();
            (kind, value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_instruction() -> impl Strategy<Value = Instruction> {
        (
            proptest::sample::select(Opcode::ALL),
            any::<[u32; 4]>(),
            any::<[u8; 4]>(),
        )
            .prop_map(|(opcode, raw, regs)| {
                let mut words = [opcode.word(), 0, 0, 0, 0];
                let mut index = 0;
                for kind in opcode.operands() {
                    words[1 + index] = if kind.is_register() {
                        u32::from(regs[index])
                    } else {
                        raw[index]
                    };
                    if kind.words() == 2 {
                        words[2 + index] = raw[index + 1];
                    }
                    index += kind.words();
                }
                Instruction::from_words(words).expect("generated canonical words")
            })
    }

    proptest! {
        #[test]
        fn encode_decode_round_trips(instr in any_instruction()) {
            prop_assert_eq!(Instruction::decode(&instr.encode()), Ok(instr));
        }

        #[test]
        fn operands_rebuild_the_instruction(instr in any_instruction()) {
            let values: Vec<_> = instr.operands().map(|(_, v)| v).collect();
            prop_assert_eq!(Instruction::from_operands(instr.opcode(), &values), Ok(instr));
        }

        #[test]
        fn writes_register_agrees_with_the_access_list(instr in any_instruction(), reg in any::<u8>()) {
            // Ranges of at most 15 registers, so that the access list stays small.
            let mut words = instr.words();
            let mut index = 1;
            for kind in instr.opcode().operands() {
                if *kind == OperandKind::Count {
                    words[index] %= 16;
                }
                index += kind.words();
            }
            let instr = Instruction::from_words(words).expect("still canonical");
            let written = instr.registers().any(|a| a.write && a.reg == reg);
            prop_assert_eq!(instr.writes_register(reg), written);
            for access in instr.registers().filter(|a| a.write) {
                prop_assert!(instr.writes_register(access.reg));
            }
        }

        #[test]
        fn arbitrary_words_decode_or_fail_cleanly(words in any::<[u32; 5]>()) {
            if let Ok(instr) = Instruction::from_words(words) {
                prop_assert_eq!(instr.words(), words);
            }
        }
    }

    #[test]
    fn unused_words_must_be_zero() {
        let err = Instruction::from_words([Opcode::Halt.word(), 0, 0, 7, 0]).unwrap_err();
        assert_eq!(
            err,
            DecodeError::UnusedWordNotZero {
                mnemonic: "halt",
                index: 2,
                value: 7
            }
        );
    }

    #[test]
    fn registers_above_255_are_rejected() {
        let err = Instruction::from_words([Opcode::Add.word(), 1, 256, 2, 0]).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::RegisterOutOfRange {
                index: 1,
                value: 256,
                ..
            }
        ));
    }

    #[test]
    fn wide_immediates_are_low_word_first() {
        let movi = Instruction::from_operands(
            Opcode::Movi,
            &[OperandValue::Reg(1), OperandValue::Imm64(-2)],
        )
        .unwrap();
        assert_eq!(movi.words(), [0x0004_0001, 1, 0xFFFF_FFFE, 0xFFFF_FFFF, 0]);
        assert_eq!(movi.wide(1) as i64, -2);
    }
}
