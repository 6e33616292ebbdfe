//! The `Opcode` enum and its per-opcode facts, all expanded from the table in `table.rs`.

use std::sync::OnceLock;

use crate::operand::{OperandKind, ValueType};

/// An instruction family: the high 16 bits of an opcode word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Family {
    /// Branches, calls, returns, traps and halt.
    Control = 0x0000,
    /// Linear memory: loads, stores, the heap allocator.
    Memory = 0x0001,
    /// 64-bit integer arithmetic, bit operations and comparisons.
    Integer = 0x0002,
    /// Tensor operations on f32 tensors held by handle.
    Tensor = 0x0003,
    /// Register moves and immediates.
    Move = 0x0004,
    /// Binary64 floating point.
    Float64 = 0x0005,
    /// Binary32 floating point (low 32 bits of a register, high bits zero).
    Float32 = 0x0006,
    /// Conversions between integers and floats.
    Convert = 0x0007,
    /// `GPU_`: built-in tensor kernels on the GPU.
    Gpu = 0xC0DA,
    /// `VK_`: a module's own compute shaders.
    Vk = 0x564B,
}

impl Family {
    /// Every family, in the order of the reference document.
    pub const ALL: [Family; 10] = [
        Family::Control,
        Family::Memory,
        Family::Integer,
        Family::Tensor,
        Family::Move,
        Family::Float64,
        Family::Float32,
        Family::Convert,
        Family::Gpu,
        Family::Vk,
    ];

    /// The family of an opcode word, if the word's high half names one.
    pub const fn of_word(word: u32) -> Option<Family> {
        Some(match word >> 16 {
            0x0000 => Family::Control,
            0x0001 => Family::Memory,
            0x0002 => Family::Integer,
            0x0003 => Family::Tensor,
            0x0004 => Family::Move,
            0x0005 => Family::Float64,
            0x0006 => Family::Float32,
            0x0007 => Family::Convert,
            0xC0DA => Family::Gpu,
            0x564B => Family::Vk,
            _ => return None,
        })
    }

    /// The title used in the reference document.
    pub const fn title(self) -> &'static str {
        match self {
            Family::Control => "Control",
            Family::Memory => "Memory",
            Family::Integer => "Integer arithmetic",
            Family::Tensor => "Tensor",
            Family::Move => "Moves and immediates",
            Family::Float64 => "Float (f64)",
            Family::Float32 => "Float (f32)",
            Family::Convert => "Conversions",
            Family::Gpu => "GPU (GPU_)",
            Family::Vk => "Vulkan-style compute (VK_)",
        }
    }
}

/// Attributes of an opcode that tiers and tools need, declared in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OpFlags {
    /// Control never falls through to the next instruction.
    pub ends_block: bool,
    /// The instruction can trap for a reason other than running out of fuel.
    pub can_trap: bool,
    /// The result is a tensor that replaces the contents and shape of the live tensor
    /// named by operand 0 (which may also be an input).
    pub into_tensor: bool,
}

macro_rules! op_flags {
    ([$($flag:ident),*]) => {{
        #[allow(unused_mut)]
        let mut flags = OpFlags { ends_block: false, can_trap: false, into_tensor: false };
        $( op_flags!(@set flags $flag); )*
        flags
    }};
    (@set $f:ident end) => { $f.ends_block = true; };
    (@set $f:ident trap) => { $f.can_trap = true; };
    (@set $f:ident tensor) => { $f.into_tensor = true; };
}

macro_rules! value_type {
    () => {
        None
    };
    (int) => {
        Some(ValueType::Int)
    };
    (f32) => {
        Some(ValueType::F32)
    };
    (f64) => {
        Some(ValueType::F64)
    };
    (any) => {
        Some(ValueType::Any)
    };
}

macro_rules! define_opcodes {
    ($( $(#[doc = $doc:literal])* $word:literal $name:ident $mnemonic:literal [$($kind:ident $(: $ty:ident)?),*] [$($flag:ident),*]; )*) => {
        /// Every instruction of the ISA. The discriminant is the opcode word.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u32)]
        pub enum Opcode {
            $( $(#[doc = $doc])* $name = $word, )*
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name),*];

            /// Decodes an opcode word; `None` for a word the table does not define.
            pub const fn from_word(word: u32) -> Option<Opcode> {
                match word {
                    $( $word => Some(Opcode::$name), )*
                    _ => None,
                }
            }

            /// The assembler mnemonic (shared by overloads such as `halt` and `movi`).
            pub const fn mnemonic(self) -> &'static str {
                match self { $( Opcode::$name => $mnemonic, )* }
            }

            /// The operand kinds, in encoding order.
            pub const fn operands(self) -> &'static [OperandKind] {
                match self { $( Opcode::$name => &[$(OperandKind::$kind),*], )* }
            }

            /// The value type of each operand, in encoding order: `Some` for the register
            /// operands (what the instruction reads or writes there), `None` for the others.
            pub const fn value_types(self) -> &'static [Option<ValueType>] {
                match self { $( Opcode::$name => &[$(value_type!($($ty)?)),*], )* }
            }

            /// Table attributes.
            pub const fn flags(self) -> OpFlags {
                match self { $( Opcode::$name => op_flags!([$($flag),*]), )* }
            }

            /// The one-line semantics from the table.
            pub fn semantics(self) -> &'static str {
                match self { $( Opcode::$name => concat!($($doc),*).trim_ascii(), )* }
            }

            /// The Rust name of the variant (for diagnostics and documents).
            pub const fn name(self) -> &'static str {
                match self { $( Opcode::$name => stringify!($name), )* }
            }

            /// The opcode's position in [`Opcode::ALL`] (a dense index for per-opcode
            /// tables).
            pub const fn index(self) -> usize {
                // Numbered in table order by a field-less enum of the same names.
                #[allow(clippy::upper_case_acronyms, non_camel_case_types, dead_code)]
                enum Position { $($name),* }
                match self { $( Opcode::$name => Position::$name as usize, )* }
            }
        }
    };
}

crate::for_each_opcode!(define_opcodes);

impl Opcode {
    /// The 32-bit opcode word.
    pub const fn word(self) -> u32 {
        self as u32
    }

    /// The family (high 16 bits of the word).
    pub const fn family(self) -> Family {
        match Family::of_word(self.word()) {
            Some(family) => family,
            // A unit test proves every row's word is in a known family.
            None => panic!("opcode outside every family"),
        }
    }

    /// The number of operand words used; the remaining words of the 4 must be zero.
    pub fn operand_words(self) -> usize {
        self.operands().iter().map(|k| k.words()).sum()
    }

    /// True if the instruction has a jump target operand.
    pub fn is_branch(self) -> bool {
        self.operands().contains(&OperandKind::Label)
    }

    /// All opcodes spelled `mnemonic` (more than one for an overload set), in table
    /// order.
    pub fn by_mnemonic(mnemonic: &str) -> impl Iterator<Item = Opcode> + '_ {
        let sorted = Opcode::mnemonic_index();
        let start = sorted.partition_point(|&(m, _)| m < mnemonic);
        sorted[start..]
            .iter()
            .take_while(move |&&(m, _)| m == mnemonic)
            .map(|&(_, op)| op)
    }

    /// The distinct mnemonics, in byte-wise sorted order.
    pub fn mnemonics() -> Vec<&'static str> {
        let mut names: Vec<_> = Opcode::mnemonic_index().iter().map(|&(m, _)| m).collect();
        names.dedup();
        names
    }

    /// The table sorted by mnemonic (stable: table order within a mnemonic), built once:
    /// the assembler looks up every line, and a scan of the whole table per line was a
    /// fifth of its time.
    fn mnemonic_index() -> &'static [(&'static str, Opcode)] {
        static SORTED: OnceLock<Vec<(&'static str, Opcode)>> = OnceLock::new();
        SORTED.get_or_init(|| {
            let mut v: Vec<_> = Opcode::ALL.iter().map(|&op| (op.mnemonic(), op)).collect();
            v.sort_by_key(|&(m, _)| m);
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn index_is_the_position_in_the_table() {
        for (position, op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(op.index(), position, "{op:?}");
        }
    }

    #[test]
    fn seed_words_keep_their_values() {
        let seeds = [
            (Opcode::Nop, 0x0000_0000),
            (Opcode::Halt, 0x0000_00FF),
            (Opcode::Alloc, 0x0001_0000),
            (Opcode::Free, 0x0001_0001),
            (Opcode::Ld64, 0x0001_0010),
            (Opcode::St64, 0x0001_0011),
            (Opcode::Add, 0x0002_0000),
            (Opcode::Sub, 0x0002_0001),
            (Opcode::Mul, 0x0002_0002),
            (Opcode::Div, 0x0002_0003),
            (Opcode::Matmul, 0x0003_0000),
            (Opcode::Transpose, 0x0003_0001),
            (Opcode::Softmax, 0x0003_0002),
            (Opcode::Relu, 0x0003_0003),
            (Opcode::GpuInit, 0xC0DA_0001),
            (Opcode::GpuAlloc, 0xC0DA_0010),
            (Opcode::GpuMatmul, 0xC0DA_0020),
            (Opcode::GpuSync, 0xC0DA_00F0),
            (Opcode::VkInit, 0x564B_0001),
            (Opcode::VkCompute, 0x564B_0010),
            (Opcode::VkSubmit, 0x564B_0020),
            (Opcode::VkSync, 0x564B_00F0),
        ];
        for (op, word) in seeds {
            assert_eq!(op.word(), word, "{op:?}");
        }
    }

    #[test]
    fn words_are_unique_and_decode_to_themselves() {
        let mut words = HashSet::new();
        for &op in Opcode::ALL {
            assert!(
                words.insert(op.word()),
                "duplicate word {:#010x}",
                op.word()
            );
            assert_eq!(Opcode::from_word(op.word()), Some(op));
            assert_eq!(Family::of_word(op.word()), Some(op.family()));
        }
        assert_eq!(Opcode::from_word(0x0000_0099), None);
        assert_eq!(Opcode::from_word(0xDEAD_BEEF), None);
    }

    #[test]
    fn every_row_fits_four_words_and_has_one_line_of_semantics() {
        for &op in Opcode::ALL {
            assert!(op.operand_words() <= 4, "{op:?}");
            let text = op.semantics();
            assert!(!text.is_empty() && !text.contains('\n'), "{op:?}: {text:?}");
            assert!(
                text.ends_with('.'),
                "{op:?}: semantics should be a sentence"
            );
        }
    }

    #[test]
    fn lookup_by_mnemonic_finds_every_overload_in_table_order() {
        for &op in Opcode::ALL {
            let found: Vec<Opcode> = Opcode::by_mnemonic(op.mnemonic()).collect();
            let scan: Vec<Opcode> = Opcode::ALL
                .iter()
                .copied()
                .filter(|o| o.mnemonic() == op.mnemonic())
                .collect();
            assert_eq!(found, scan, "{op:?}");
        }
        assert_eq!(Opcode::by_mnemonic("nope").count(), 0);
        assert_eq!(Opcode::by_mnemonic("").count(), 0);
        assert_eq!(Opcode::by_mnemonic("halt").count(), 2);
    }

    #[test]
    fn mnemonics_are_each_table_mnemonic_once_sorted() {
        let names = Opcode::mnemonics();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        let table: HashSet<&str> = Opcode::ALL.iter().map(|op| op.mnemonic()).collect();
        assert_eq!(names.iter().copied().collect::<HashSet<_>>(), table);
    }

    #[test]
    fn overloads_are_distinguishable_by_operand_syntax() {
        for &a in Opcode::ALL {
            for &b in Opcode::ALL {
                if a != b && a.mnemonic() == b.mnemonic() {
                    let sig = |op: Opcode| {
                        op.operands()
                            .iter()
                            .map(|k| k.syntax_class())
                            .collect::<Vec<_>>()
                    };
                    assert_ne!(sig(a), sig(b), "{a:?} and {b:?} cannot be told apart");
                }
            }
        }
    }

    #[test]
    fn terminators_and_branches_are_consistent() {
        for &op in Opcode::ALL {
            // A jump target on a terminator only makes sense for `jmp`.
            if op.flags().ends_block && op.is_branch() {
                assert_eq!(op, Opcode::Jmp);
            }
        }
        assert!(Opcode::Ret.flags().ends_block);
        assert!(Opcode::Div.flags().can_trap);
        assert!(!Opcode::Add.flags().can_trap);
    }

    #[test]
    fn register_operands_and_only_they_have_a_value_type() {
        for &op in Opcode::ALL {
            assert_eq!(op.value_types().len(), op.operands().len(), "{op:?}");
            for (kind, ty) in op.operands().iter().zip(op.value_types()) {
                assert_eq!(kind.is_register(), ty.is_some(), "{op:?} {kind:?}");
            }
        }
        use ValueType::{F32, F64, Int};
        assert_eq!(
            Opcode::Fadd.value_types(),
            &[Some(F64), Some(F64), Some(F64)]
        );
        assert_eq!(
            Opcode::FltF32.value_types(),
            &[Some(Int), Some(F32), Some(F32)]
        );
        assert_eq!(Opcode::Fst32.value_types(), &[Some(Int), None, Some(F32)]);
    }

    #[test]
    fn tensor_results_go_to_a_register_of_a_tensor_op_that_can_trap() {
        for &op in Opcode::ALL {
            if op.flags().into_tensor {
                assert_eq!(op.family(), Family::Tensor, "{op:?}");
                // The destination is read (it must be a live handle), so it is a Src.
                assert_eq!(op.operands().first(), Some(&OperandKind::Src), "{op:?}");
                assert!(op.flags().can_trap, "{op:?}: a bad handle traps");
            }
        }
        assert!(Opcode::Matmul.flags().into_tensor);
        assert!(Opcode::LinearRelu.flags().into_tensor);
        assert!(!Opcode::TensorNew.flags().into_tensor);
        assert!(!Opcode::TensorLoad.flags().into_tensor);
    }
}
