//! The per-opcode differential sweep: every scalar opcode that
//! [`adead_isa::semantics::apply`] models, applied to a deliberately nasty set of edge
//! values, on every tier (the interpreter, native code compiled at load, and native code
//! compiled at the first entry), each result checked bit for bit against `apply`.
//!
//! What it proves: for every such opcode and every input tuple below, the interpreter
//! and the Cranelift translation produce exactly the bits (or the branch direction, or
//! the trap kind, function and instruction) that the semantics function gives, with the
//! exact fuel the ISA prescribes. The seeded sweep of `adead-conformance` checks an
//! independent model on random operands; this one aims at the corners a translator
//! gets wrong: NaN payloads and signs, signalling NaNs, subnormals, ties, saturation
//! bounds, shift counts past 63, `MIN / -1`, f32 registers with garbage in their high
//! half, and destinations that alias sources.
//!
//! Each opcode runs through several code shapes, because the translator treats them
//! differently:
//!
//! - **constant inputs**: long straight-line functions that load the inputs with
//!   `movi` (every register a 64-bit integer in native code, f32 inputs with garbage
//!   in their high half) or with the immediate move of their type (`fmovi`,
//!   `fmovi.f32`: registers kept in float registers), apply the opcode, and store each
//!   result to linear memory, with the destination apart from the sources, equal to
//!   one of them, or all operands in one register, and registers above r200. Cranelift
//!   sees constants here and may fold them. To bound compile time this path takes
//!   every tuple of the first [`CORE`] values of each set and a spread of the rest;
//! - **unknown inputs**: helper functions that apply the opcode to their parameters
//!   (the first four arrive in machine registers, the rest in the frame), called by a
//!   loop that loads every tuple from memory, so nothing is known at compile time;
//! - **single instructions**: small functions that `ret` the destination register, and
//!   the helpers invoked from the host; every trapping tuple gets these (a trap ends
//!   the call), checked for the trap's kind, function, pc and fuel.
//!
//! The native tiers must compile every function and run every instruction natively, so
//! nothing passes by falling back to the interpreter. Every expected value comes from
//! `semantics::apply`, so nothing here restates an opcode's rules; a failure names the
//! opcode, the inputs, the path and registers, and what each tier gave. The families
//! run on threads of their own, and the test fails if an opcode `apply` models was not
//! swept, so a new opcode cannot be left out.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Instant;

use adead_isa::semantics::{self, Applied};
use adead_isa::{
    DataSegment, Family, Function, Instruction, Module as IsaModule, Opcode, OperandKind,
    OperandValue as V, ValueType,
};
use adead_vm::{
    CallError, Config, Engine, Finish, Imports, Instance, Module, Tier, TrapKind, Value,
};

// ------------------------------------------------------------------------ memory layout

/// Linear memory of every sweep module.
const MEM_SIZE: u32 = 1 << 20;
/// Where results are stored, 8 bytes per slot.
const RESULTS: u32 = 4096;
/// Where the loops of the unknown-inputs path read their tuples.
const INPUTS: u32 = 1 << 19;
/// The data segments (one byte each) whose addresses `movi rD, @data` loads.
const DATA: [u32; 4] = [0, 1, 2047, MEM_SIZE - 1];
/// Bytes written over the result slots before each run, so that a missing store shows.
const POISON: u8 = 0xA5;
/// Tuples per constant-inputs function (compile time grows with the function).
const CHUNK: usize = 512;
/// Non-trapping tuples per opcode that also get a function of their own ending in `ret`.
const SINGLES: usize = 12;
/// Values at the head of each full value set: the constant-inputs path takes every
/// tuple of two of them, and of the rest every [`CONSTANT_STRIDE`]th tuple (the
/// unknown-inputs path takes every tuple).
const CORE: usize = 10;
/// See [`CORE`].
const CONSTANT_STRIDE: usize = 7;
/// For three inputs (small value sets): every tuple of the first [`CORE3`] values, and
/// every [`CONSTANT_STRIDE3`]th of the rest.
const CORE3: usize = 4;
/// See [`CORE3`].
const CONSTANT_STRIDE3: usize = 11;
/// Every this many non-trapping tuples, one is also invoked from the host on a helper.
const INVOKE_STRIDE: usize = 16;

// ------------------------------------------------------------------------ edge values

fn f64b(x: f64) -> u64 {
    x.to_bits()
}

fn f32b(x: f32) -> u64 {
    u64::from(x.to_bits())
}

/// Integers: small values and shift counts around 64, byte and halfword bounds, the
/// i32 and u32 bounds and their neighbours, the i64 bounds, alternating bit patterns,
/// values with only high bits set, and integers that round when converted to floats.
/// The first [`CORE`] are the core of the constant-inputs path.
fn int_values() -> Vec<u64> {
    let i = |x: i64| x as u64;
    #[rustfmt::skip]
    let values = vec![
        // The core.
        0, 1, i(-1), 2, 63, 64, 65, i(i64::MIN), i(i64::MAX), i(i64::from(i32::MIN)),
        // The rest.
        0xFFFF_FFFF, 0x8000_0000, 7, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF,
        i(-2), i(-63), i(-64), i(-65), i(-128), i(-129),
        i(i64::from(i32::MAX)), i(i64::from(i32::MAX) - 1), 0x8000_0001,
        i(i64::from(i32::MIN) + 1), i(i64::from(i32::MIN) - 1),
        0x1_0000_0000, 0x1_0000_0001, i(i64::MIN + 1), i(i64::MAX - 1),
        0x5555_5555_5555_5555, 0xAAAA_AAAA_AAAA_AAAA, 0xDEAD_BEEF_0000_0000,
        0xFFFF_FFFF_0000_0001, 0x8000_0000_0000_0001, 0x0123_4567_89AB_CDEF,
        0xFEDC_BA98_7654_3210, 0x8080_8080_8080_8080,
        (1 << 24) + 1, (1 << 24) + 3, 1 << 53, (1 << 53) + 1, i(-(1 << 53) - 1),
        0x8000_0000_0000_0400, 0x8000_0000_0000_0401, i(-1024),
        0x7FFF_FFFF_FFFF_FE00, 0x7FFF_FFFF_FFFF_FDFF,
    ];
    values
}

/// f64 bit patterns: signed zeros and small values, ties for `fnearest`, infinities,
/// NaNs quiet and signalling with payloads and both signs, subnormals, the normal
/// bounds, the integers where f64 loses precision, the saturation bounds of the
/// integer conversions from either side, and values that round or overflow when
/// demoted to f32 (ties, double-rounding traps). The first [`CORE`] are the core.
fn f64_values() -> Vec<u64> {
    let p = |e: i32| 2f64.powi(e);
    #[rustfmt::skip]
    let values = vec![
        // The core.
        f64b(0.0), f64b(-0.0), f64b(1.0), f64b(-1.0), f64b(f64::INFINITY),
        f64b(f64::NEG_INFINITY), semantics::CANONICAL_NAN_F64, 0xFFF8_0000_DEAD_BEEF,
        0x7FF0_0000_0000_0001, 1,
        // The rest.
        f64b(0.5), f64b(-0.5), f64b(1.5), f64b(-1.5), f64b(2.5), f64b(-2.5), f64b(-3.5),
        f64b(0.499_999_999_999_999_94), f64b(0.1), f64b(-0.9), f64b(1.0 / 3.0),
        0xFFF8_0000_0000_0000, 0x7FF8_0000_DEAD_BEEF, 0xFFFF_FFFF_FFFF_FFFF,
        0xFFF4_0000_0000_0000, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF,
        f64b(f64::MIN_POSITIVE), f64b(f64::MAX), f64b(f64::MIN),
        f64b(p(52)), f64b(p(52) + 1.0), f64b(p(53)), f64b(p(53) + 2.0),
        f64b(p(51) + 0.5), f64b(-(p(51) + 1.5)),
        f64b(p(31)), f64b(-p(31) - 1.0), f64b(4_294_967_295.5),
        f64b(p(63)), f64b(-p(63)), f64b(p(63) - 1024.0), f64b(-p(63) - 2048.0),
        f64b(p(64)), f64b(p(64) - 2048.0), f64b(-p(64)),
        f64b(1e300), f64b(-1e300), f64b(1e-300),
        f64b(f64::from(f32::MAX)), f64b(f64::from(f32::MAX) + p(103)),
        f64b(f64::from(f32::MIN_POSITIVE)), f64b(p(-149)), f64b(p(-150)),
        f64b(1.0 + p(-24)), f64b(1.0 + 3.0 * p(-24)), f64b(1.0 + p(-24) + p(-50)),
        f64b(1.0 + p(-52)),
    ];
    values
}

/// f32 bit patterns (low 32 bits), the f32 counterparts of [`f64_values`], the core
/// first but one (see [`f32_registers`]).
fn f32_values() -> Vec<u32> {
    let p = |e: i32| 2f32.powi(e);
    let b = |x: f32| x.to_bits();
    #[rustfmt::skip]
    let values = vec![
        // The core, but for one value with garbage in the high half.
        b(0.0), b(-0.0), b(1.0), b(-1.0), b(f32::INFINITY), b(f32::NEG_INFINITY),
        semantics::CANONICAL_NAN_F32, 0xFFC0_BEEF, 0x7F80_0001,
        // The rest.
        1, b(0.5), b(-0.5), b(1.5), b(-1.5), b(2.5), b(-2.5), b(-3.5), 0x3EFF_FFFF,
        b(0.1), b(-0.9), b(1.0 / 3.0),
        0xFFC0_0000, 0x7FC0_BEEF, 0xFFFF_FFFF, 0xFFA0_0000, 0x8000_0001, 0x007F_FFFF,
        b(f32::MIN_POSITIVE), b(f32::MAX), b(f32::MIN),
        b(p(23)), b(p(23) + 1.0), b(p(24)), b(p(24) + 2.0),
        b(p(22) + 0.5), b(-(p(22) + 1.5)),
        b(p(31)), b(-p(31)), b(p(31) - 128.0), b(p(32)),
        b(p(63)), b(-p(63)), b(p(63) - p(39)), b(-p(63) - p(40)),
        b(p(64)), b(p(64) - p(40)), b(-p(64)),
        b(1e30), b(-1e30), b(1e-30), b(1.0 + p(-23)),
    ];
    values
}

/// f32 register values: the patterns with the high half zero, and some with garbage
/// there (f32 operations must ignore it); the first [`CORE`] are the core.
fn f32_registers() -> Vec<u64> {
    let patterns: Vec<u64> = f32_values().into_iter().map(u64::from).collect();
    let mut values = patterns[..CORE - 1].to_vec();
    values.push(0xDEAD_BEEF_3F80_0000);
    values.extend(&patterns[CORE - 1..]);
    values.extend([
        0xFFFF_FFFF_7FC0_0000,
        0x8000_0000_8000_0000,
        0x0000_0001_0000_0001,
        0x7FF0_0000_4B00_0001,
        0xFFFF_FFFF_BF80_0000,
        0x3FF0_0000_0000_0000,
    ]);
    values
}

/// Values for an operand of type `ty`; `small` for opcodes with three register inputs,
/// whose cross product of the full sets would be too large.
fn domain(ty: ValueType, small: bool) -> Vec<u64> {
    let i = |x: i64| x as u64;
    match (ty, small) {
        (ValueType::Int, false) => int_values(),
        (ValueType::F64, false) => f64_values(),
        (ValueType::F32, false) => f32_registers(),
        (ValueType::Any, false) => {
            let mut all: Vec<u64> = int_values();
            all.extend(f64_values());
            all.extend(f32_registers());
            let mut seen = BTreeSet::new();
            all.retain(|v| seen.insert(*v));
            all
        }
        (ValueType::Int, true) => vec![
            0,
            1,
            2,
            i(-1),
            0x100,
            0x8000_0000,
            0x1_0000_0000,
            i(i64::MIN),
        ],
        (ValueType::F64, true) => vec![
            f64b(0.0),
            f64b(-0.0),
            f64b(1.0),
            f64b(-1.5),
            f64b(0.1),
            f64b(1.0 + 2f64.powi(-52)),
            f64b(f64::INFINITY),
            f64b(f64::NEG_INFINITY),
            semantics::CANONICAL_NAN_F64,
            0xFFF8_0000_DEAD_BEEF,
            0x7FF0_0000_0000_0001,
            1,
            f64b(f64::MAX),
            f64b(2f64.powi(53)),
        ],
        (ValueType::F32, true) => vec![
            f32b(0.0),
            f32b(-0.0),
            f32b(1.0),
            f32b(-1.5),
            f32b(0.1),
            f32b(1.0 + 2f32.powi(-23)),
            f32b(f32::INFINITY),
            f32b(f32::NEG_INFINITY),
            u64::from(semantics::CANONICAL_NAN_F32),
            0xFFC0_BEEF,
            0x7F80_0001,
            1,
            f32b(f32::MAX),
            0xDEAD_BEEF_3F80_0000,
        ],
        (ValueType::Any, true) => vec![
            0,
            1,
            i(-1),
            i(i64::MIN),
            0x7FF8_0000_DEAD_BEEF,
            0xDEAD_BEEF_7FC0_0001,
            f64b(1.5),
            0x1234_5678_9ABC_DEF0,
        ],
    }
}

/// Operands of three-input float opcodes where a fused multiply-add differs from a
/// multiply then an add: `c` is minus the rounded product, so the result is the
/// product's rounding error, which only a single rounding keeps.
fn fused_cases(ty: ValueType) -> Vec<Vec<u64>> {
    let factors = [
        1.0 + 2f64.powi(-52),
        0.1,
        1.0 / 3.0,
        3.0,
        1e308,
        f64::MIN_POSITIVE,
        -7.0 / 9.0,
    ];
    let mut out = Vec::new();
    for &a in &factors {
        for &b in &factors {
            match ty {
                ValueType::F64 => out.push(vec![f64b(a), f64b(b), f64b(-(a * b))]),
                ValueType::F32 => {
                    let (a, b) = (a as f32, b as f32);
                    out.push(vec![f32b(a), f32b(b), f32b(-(a * b))]);
                }
                _ => {}
            }
        }
    }
    out
}

// ------------------------------------------------------------------------ opcode shapes

/// The immediate operand an opcode takes, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImmKind {
    Imm32,
    Imm64,
    F64,
    F32,
    Data,
}

/// An immediate: the operand as encoded and the value `apply` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Imm {
    raw: u64,
    decoded: u64,
}

fn immediates(kind: ImmKind) -> Vec<Imm> {
    let same = |bits: u64| Imm {
        raw: bits,
        decoded: bits,
    };
    match kind {
        ImmKind::Imm32 => [
            0,
            1,
            -1,
            2,
            -2,
            7,
            31,
            32,
            63,
            64,
            65,
            127,
            -63,
            -64,
            -65,
            i32::MAX,
            i32::MIN,
            0x1234_5678,
        ]
        .into_iter()
        .map(|imm| Imm {
            raw: u64::from(imm as u32),
            decoded: semantics::sext_imm(imm),
        })
        .collect(),
        ImmKind::Imm64 => int_values().into_iter().map(same).collect(),
        ImmKind::F64 => f64_values().into_iter().map(same).collect(),
        ImmKind::F32 => f32_values().into_iter().map(u64::from).map(same).collect(),
        ImmKind::Data => (0..DATA.len())
            .map(|index| Imm {
                raw: index as u64,
                decoded: u64::from(DATA[index]),
            })
            .collect(),
    }
}

/// What an opcode's operands are, from the table: the destination's type, the sources'
/// types in order, the immediate, and whether it branches.
#[derive(Clone, Debug)]
struct Shape {
    op: Opcode,
    dst: Option<ValueType>,
    srcs: Vec<ValueType>,
    imm: Option<ImmKind>,
    branch: bool,
}

impl Shape {
    fn of(op: Opcode) -> Result<Shape, String> {
        let mut shape = Shape {
            op,
            dst: None,
            srcs: Vec::new(),
            imm: None,
            branch: false,
        };
        let kinds = op.operands();
        let types = op.value_types();
        if kinds.len() != types.len() {
            return Err(format!("{op:?}: operand kinds and value types differ"));
        }
        for (&kind, &ty) in kinds.iter().zip(types) {
            let unsupported = || format!("{op:?}: operand {kind:?} is not built by the sweep");
            let imm = match kind {
                OperandKind::Imm32 => Some(ImmKind::Imm32),
                OperandKind::Imm64 => Some(ImmKind::Imm64),
                OperandKind::F64 => Some(ImmKind::F64),
                OperandKind::F32 => Some(ImmKind::F32),
                OperandKind::Data => Some(ImmKind::Data),
                _ => None,
            };
            match (kind, ty) {
                (OperandKind::Dst, Some(ty)) if shape.dst.is_none() => shape.dst = Some(ty),
                (OperandKind::Src, Some(ty)) => shape.srcs.push(ty),
                (OperandKind::Label, _) if !shape.branch => shape.branch = true,
                _ if imm.is_some() && shape.imm.is_none() => shape.imm = imm,
                _ => return Err(unsupported()),
            }
        }
        if shape.branch == shape.dst.is_some() {
            return Err(format!("{op:?}: neither a value nor a branch"));
        }
        if shape.srcs.len() > 3 {
            return Err(format!("{op:?}: more than three sources"));
        }
        Ok(shape)
    }

    fn k(&self) -> usize {
        self.srcs.len()
    }

    /// True if loading the inputs with the immediate move of their type differs from
    /// loading their bits with `movi` (some register is not an integer).
    fn has_typed_path(&self) -> bool {
        self.srcs
            .iter()
            .chain(self.dst.iter())
            .any(|&ty| ty != ValueType::Int)
    }

    /// The instruction with destination `dst`, sources `srcs`, immediate `imm` and jump
    /// target `label`.
    fn instr(&self, dst: u8, srcs: &[u8], imm: Option<Imm>, label: u32) -> Instruction {
        let mut next = srcs.iter();
        let raw = imm.map_or(0, |imm| imm.raw);
        let values: Vec<V> = self
            .op
            .operands()
            .iter()
            .map(|kind| match kind {
                OperandKind::Dst => V::Reg(dst),
                OperandKind::Src => V::Reg(*next.next().expect("a register per source")),
                OperandKind::Imm32 => V::Imm32(raw as u32 as i32),
                OperandKind::Imm64 => V::Imm64(raw as i64),
                OperandKind::F64 => V::F64(raw),
                OperandKind::F32 => V::F32(raw as u32),
                OperandKind::Data => V::Data(raw as u32),
                OperandKind::Label => V::Label(label),
                other => unreachable!("{other:?} is refused by Shape::of"),
            })
            .collect();
        ins(self.op, &values)
    }
}

fn ins(op: Opcode, values: &[V]) -> Instruction {
    Instruction::from_operands(op, values).unwrap_or_else(|e| panic!("{op:?} {values:?}: {e}"))
}

/// True for the opcodes `apply` models: the ones this sweep must cover.
fn modelled(op: Opcode) -> bool {
    let sources = op
        .operands()
        .iter()
        .filter(|&&k| k == OperandKind::Src)
        .count();
    semantics::apply(op, &vec![0; sources], 0).is_some()
}

// ------------------------------------------------------------------------ cases

/// One input tuple of one opcode.
#[derive(Clone, Debug)]
struct Case {
    inputs: Vec<u64>,
    imm: Option<Imm>,
    /// Batched on the constant-inputs path too (every tuple is on the unknown-inputs
    /// path).
    constant: bool,
}

impl Case {
    fn apply(&self, op: Opcode) -> Applied {
        semantics::apply(op, &self.inputs, self.imm.map_or(0, |imm| imm.decoded))
            .unwrap_or_else(|| panic!("{op:?} is modelled"))
    }

    fn describe(&self) -> String {
        let mut text = String::from("inputs [");
        for (i, v) in self.inputs.iter().enumerate() {
            let _ = write!(text, "{}{v:#018x}", if i > 0 { ", " } else { "" });
        }
        text.push(']');
        if let Some(imm) = self.imm {
            let _ = write!(text, " imm {:#x} (decoded {:#018x})", imm.raw, imm.decoded);
        }
        text
    }
}

/// Every input tuple of an opcode: the cross product of its operands' value sets and
/// its immediates, plus the fused-rounding tuples for three float inputs; each marked
/// for the constant-inputs batches or not (see [`CORE`]).
fn cases_of(shape: &Shape) -> Vec<Case> {
    let imms: Vec<Option<Imm>> = match shape.imm {
        None => vec![None],
        Some(kind) => immediates(kind).into_iter().map(Some).collect(),
    };
    let small = shape.k() >= 3;
    let (core, stride) = if small {
        (CORE3, CONSTANT_STRIDE3)
    } else {
        (CORE, CONSTANT_STRIDE)
    };
    // (inputs, every input in the core)
    let mut tuples: Vec<(Vec<u64>, bool)> = vec![(Vec::new(), true)];
    for &ty in &shape.srcs {
        let values = domain(ty, small);
        tuples = tuples
            .iter()
            .flat_map(|(t, in_core)| {
                values.iter().enumerate().map(move |(j, &v)| {
                    let mut t = t.clone();
                    t.push(v);
                    (t, *in_core && j < core)
                })
            })
            .collect();
    }
    let mut marked: Vec<(Vec<u64>, bool)> = tuples
        .into_iter()
        .enumerate()
        .map(|(n, (t, in_core))| (t, shape.k() < 2 || in_core || n % stride == 0))
        .collect();
    if shape.k() == 3 && shape.srcs.iter().all(|&t| t == shape.srcs[0]) {
        marked.extend(fused_cases(shape.srcs[0]).into_iter().map(|t| (t, true)));
    }
    let mut cases = Vec::new();
    for imm in &imms {
        for (inputs, constant) in &marked {
            cases.push(Case {
                inputs: inputs.clone(),
                imm: *imm,
                constant: *constant,
            });
        }
    }
    cases
}

/// Tuples with every input equal, for the helper that reads one register for all.
fn same_cases(shape: &Shape, imm: Option<Imm>) -> Vec<Case> {
    domain(shape.srcs[0], false)
        .into_iter()
        .map(|v| Case {
            inputs: vec![v; shape.k()],
            imm,
            constant: false,
        })
        .collect()
}

// ------------------------------------------------------------------------ register layouts

/// Which registers a constant-inputs instruction uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Sources r1.., destination the next register.
    Apart,
    /// The destination is the first source.
    DstFirst,
    /// The destination is the last source.
    DstLast,
    /// Sources r200.., destination r250.
    High,
    /// Every operand in r7 (tuples with equal inputs).
    Same,
}

impl Layout {
    fn choose(index: usize, case: &Case) -> Layout {
        let k = case.inputs.len();
        if k >= 2 && case.inputs.iter().all(|&v| v == case.inputs[0]) {
            return Layout::Same;
        }
        [
            Layout::Apart,
            Layout::DstFirst,
            Layout::DstLast,
            Layout::High,
        ][index % 4]
    }

    /// (destination, sources) for `k` sources.
    fn regs(self, k: usize) -> (u8, Vec<u8>) {
        let low: Vec<u8> = (1..=k as u8).collect();
        match self {
            Layout::Apart => (k as u8 + 1, low),
            Layout::DstFirst => (1, low),
            Layout::DstLast => (k.max(1) as u8, low),
            Layout::High => (250, (200..200 + k as u8).collect()),
            Layout::Same => (7, vec![7; k]),
        }
    }
}

/// Where a branch's outcome goes in the constant-inputs functions.
const BRANCH_RESULT: u8 = 252;

/// How the constant inputs are loaded and the result stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loads {
    /// `movi` of all 64 bits, `st64` of the result: every register an integer.
    Bits,
    /// The immediate move and the store of each operand's type.
    Typed,
}

/// The value an input has once loaded (`fmovi.f32` carries 32 bits).
fn loaded(bits: u64, ty: ValueType, loads: Loads) -> u64 {
    match (loads, ty) {
        (Loads::Typed, ValueType::F32) => bits & 0xFFFF_FFFF,
        _ => bits,
    }
}

fn load(reg: u8, bits: u64, ty: ValueType, loads: Loads) -> Instruction {
    match (loads, ty) {
        (Loads::Bits, _) | (Loads::Typed, ValueType::Int) => {
            ins(Opcode::Movi, &[V::Reg(reg), V::Imm64(bits as i64)])
        }
        (Loads::Typed, ValueType::F64 | ValueType::Any) => {
            ins(Opcode::Fmovi, &[V::Reg(reg), V::F64(bits)])
        }
        (Loads::Typed, ValueType::F32) => {
            ins(Opcode::FmoviF32, &[V::Reg(reg), V::F32(bits as u32)])
        }
    }
}

/// The store of register `reg` to `address`, and the bytes it writes.
fn store(reg: u8, address: u32, ty: ValueType, loads: Loads) -> (Instruction, u8) {
    let operands = [V::Reg(0), V::Imm32(address as i32), V::Reg(reg)];
    match (loads, ty) {
        (Loads::Bits, _) | (Loads::Typed, ValueType::Int) => (ins(Opcode::St64, &operands), 8),
        (Loads::Typed, ValueType::F64 | ValueType::Any) => (ins(Opcode::Fst64, &operands), 8),
        (Loads::Typed, ValueType::F32) => (ins(Opcode::Fst32, &operands), 4),
    }
}

// ------------------------------------------------------------------------ runs

/// How a call ended, as the host sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Finished {
        finish: Finish,
        fuel: Option<u64>,
    },
    Trapped {
        kind: TrapKind,
        function: String,
        pc: u32,
        fuel: Option<u64>,
    },
    Failed(String),
}

fn returned(value: u64, fuel: u64) -> Outcome {
    Outcome::Finished {
        finish: Finish::Returned(value),
        fuel: Some(fuel),
    }
}

/// One expected result slot in linear memory.
struct Slot {
    case: usize,
    layout: Option<Layout>,
    expected: u64,
    width: u8,
}

/// One call from the host and what it must give.
struct Run {
    path: String,
    func: u32,
    args: Vec<u64>,
    /// Words written at [`INPUTS`] before the call.
    inputs: Vec<u64>,
    expect: Outcome,
    /// The case of a single-tuple run.
    case: Option<usize>,
    /// Result slots at [`RESULTS`], 8 bytes apart.
    slots: Vec<Slot>,
}

/// A module under construction for one opcode, with its runs.
struct Build<'s> {
    shape: &'s Shape,
    isa: IsaModule,
    cases: Vec<Case>,
    runs: Vec<Run>,
}

impl<'s> Build<'s> {
    fn new(shape: &'s Shape) -> Build<'s> {
        let mut isa = IsaModule::new();
        isa.memory_size = MEM_SIZE;
        isa.data = DATA
            .iter()
            .enumerate()
            .map(|(i, &offset)| DataSegment {
                name: format!("d{i}"),
                offset,
                bytes: vec![0x5A],
            })
            .collect();
        Build {
            shape,
            isa,
            cases: Vec::new(),
            runs: Vec::new(),
        }
    }

    fn function(&mut self, name: String, params: u32, regs: u32, code: Vec<Instruction>) -> u32 {
        let index = self.isa.functions.len() as u32;
        self.isa.functions.push(Function {
            name,
            entry: self.isa.code.len() as u32,
            len: code.len() as u32,
            regs,
            params,
        });
        self.isa.code.extend(code);
        index
    }

    fn name(&self, what: &str) -> String {
        format!("{:?}_{what}_{}", self.shape.op, self.isa.functions.len())
    }

    fn case(&mut self, case: Case) -> usize {
        self.cases.push(case);
        self.cases.len() - 1
    }

    /// Appends the loads of `case`'s inputs into `srcs` (a register once) to `code`;
    /// the case as loaded.
    fn emit_loads(
        &self,
        code: &mut Vec<Instruction>,
        case: &Case,
        srcs: &[u8],
        loads: Loads,
    ) -> Case {
        let mut inputs = Vec::with_capacity(srcs.len());
        let mut done: Vec<(u8, u64)> = Vec::new();
        for (j, &reg) in srcs.iter().enumerate() {
            if let Some(&(_, value)) = done.iter().find(|(r, _)| *r == reg) {
                inputs.push(value);
                continue;
            }
            let ty = self.shape.srcs[j];
            let value = loaded(case.inputs[j], ty, loads);
            code.push(load(reg, value, ty, loads));
            done.push((reg, value));
            inputs.push(value);
        }
        Case {
            inputs,
            imm: case.imm,
            constant: case.constant,
        }
    }

    /// Long straight-line functions over `cases` (none of them trapping), results to
    /// memory.
    fn constant_batches(&mut self, cases: &[usize], loads: Loads) {
        let shape = self.shape;
        for chunk in cases.chunks(CHUNK) {
            let mut code = Vec::new();
            let mut slots = Vec::new();
            let mut fuel = 1; // the final `ret`
            for (i, &index) in chunk.iter().enumerate() {
                let case = self.cases[index].clone();
                let layout = Layout::choose(i, &case);
                let (dst, srcs) = layout.regs(shape.k());
                let before = code.len();
                let case = self.emit_loads(&mut code, &case, &srcs, loads);
                fuel += (code.len() - before) as u64;
                let applied = case.apply(shape.op);
                let index = self.case(case);
                let address = RESULTS + 8 * i as u32;
                let (expected, width) = if shape.branch {
                    // b T; movi 0; jmp J; T: movi 1; J: st64
                    let pc = code.len() as u32;
                    code.push(shape.instr(0, &srcs, self.cases[index].imm, pc + 3));
                    code.push(ins(Opcode::Movi, &[V::Reg(BRANCH_RESULT), V::Imm64(0)]));
                    code.push(ins(Opcode::Jmp, &[V::Label(pc + 4)]));
                    code.push(ins(Opcode::Movi, &[V::Reg(BRANCH_RESULT), V::Imm64(1)]));
                    code.push(store(BRANCH_RESULT, address, ValueType::Int, Loads::Bits).0);
                    let Applied::Branch(taken) = applied else {
                        panic!("{:?}: a branch gave {applied:?}", shape.op)
                    };
                    fuel += if taken { 3 } else { 4 };
                    (u64::from(taken), 8)
                } else {
                    code.push(shape.instr(dst, &srcs, self.cases[index].imm, 0));
                    let ty = shape.dst.expect("a value has a destination");
                    let (instr, width) = store(dst, address, ty, loads);
                    code.push(instr);
                    fuel += 2;
                    let Applied::Value(value) = applied else {
                        panic!("{:?}: batched {applied:?}", shape.op)
                    };
                    (value, width)
                };
                let expected = if width == 4 {
                    expected & 0xFFFF_FFFF
                } else {
                    expected
                };
                slots.push(Slot {
                    case: index,
                    layout: Some(layout),
                    expected,
                    width,
                });
            }
            code.push(ins(Opcode::Ret, &[V::Reg(0)]));
            let func = self.function(self.name("const"), 0, 256, code);
            self.runs.push(Run {
                path: format!("constant inputs, {loads:?} loads, stored to memory"),
                func,
                args: Vec::new(),
                inputs: Vec::new(),
                expect: returned(0, fuel),
                case: None,
                slots,
            });
        }
    }

    /// A function of its own for one case: its loads, the instruction, `ret` of the
    /// destination (or of the branch's outcome).
    fn constant_single(&mut self, index: usize, n: usize) {
        let shape = self.shape;
        let loads = if shape.has_typed_path() && n % 2 == 1 {
            Loads::Typed
        } else {
            Loads::Bits
        };
        let case = self.cases[index].clone();
        let layout = Layout::choose(n, &case);
        let (dst, srcs) = layout.regs(shape.k());
        let mut code = Vec::new();
        let case = self.emit_loads(&mut code, &case, &srcs, loads);
        let pc = code.len() as u32;
        let applied = case.apply(shape.op);
        let index = self.case(case);
        let imm = self.cases[index].imm;
        if shape.branch {
            code.push(shape.instr(0, &srcs, imm, pc + 3));
            code.push(ins(Opcode::Movi, &[V::Reg(BRANCH_RESULT), V::Imm64(0)]));
            code.push(ins(Opcode::Ret, &[V::Reg(BRANCH_RESULT)]));
            code.push(ins(Opcode::Movi, &[V::Reg(BRANCH_RESULT), V::Imm64(1)]));
            code.push(ins(Opcode::Ret, &[V::Reg(BRANCH_RESULT)]));
        } else {
            code.push(shape.instr(dst, &srcs, imm, 0));
            code.push(ins(Opcode::Ret, &[V::Reg(dst)]));
        }
        let name = self.name("single");
        let func = self.function(name.clone(), 0, 256, code);
        let expect = match applied {
            Applied::Value(value) => returned(value, u64::from(pc) + 2),
            Applied::Branch(taken) => returned(u64::from(taken), u64::from(pc) + 3),
            Applied::Trap(kind) => Outcome::Trapped {
                kind,
                function: name,
                pc,
                fuel: Some(u64::from(pc) + 1),
            },
        };
        self.runs.push(Run {
            path: format!("constant inputs, {loads:?} loads, {layout:?} registers, ret"),
            func,
            args: Vec::new(),
            inputs: Vec::new(),
            expect,
            case: Some(index),
            slots: Vec::new(),
        });
    }

    /// A helper applying the opcode to its parameters: (function, name, parameters,
    /// instructions it runs).
    fn helper(&mut self, kind: Helper, imm: Option<Imm>) -> (u32, String, u32, u64) {
        let shape = self.shape;
        let k = shape.k() as u8;
        let (params, regs, srcs, dst): (u8, u32, Vec<u8>, u8) = match kind {
            Helper::Low => (k, u32::from(k) + 1, (0..k).collect(), k),
            Helper::Alias => (k, u32::from(k), (0..k).collect(), 0),
            Helper::High => (8, 240, HIGH_SOURCES[k as usize - 1].to_vec(), 239),
            Helper::Same => (1, 1, vec![0; k.into()], 0),
        };
        let code = if shape.branch {
            vec![
                shape.instr(0, &srcs, imm, 3),
                ins(Opcode::Movi, &[V::Reg(dst), V::Imm64(0)]),
                ins(Opcode::Ret, &[V::Reg(dst)]),
                ins(Opcode::Movi, &[V::Reg(dst), V::Imm64(1)]),
                ins(Opcode::Ret, &[V::Reg(dst)]),
            ]
        } else {
            vec![
                shape.instr(dst, &srcs, imm, 0),
                ins(Opcode::Ret, &[V::Reg(dst)]),
            ]
        };
        let name = self.name(&format!("{kind:?}"));
        let func = self.function(name.clone(), u32::from(params), regs, code);
        let cost = if shape.branch { 3 } else { 2 };
        (func, name, u32::from(params), cost)
    }

    /// The helper's arguments for `case`.
    fn helper_args(kind: Helper, case: &Case) -> Vec<u64> {
        match kind {
            Helper::Low | Helper::Alias => case.inputs.clone(),
            Helper::High => {
                let mut args = vec![0; 8];
                let sources = HIGH_SOURCES[case.inputs.len() - 1];
                for (&reg, &value) in sources.iter().zip(&case.inputs) {
                    args[usize::from(reg)] = value;
                }
                args
            }
            Helper::Same => vec![case.inputs[0]],
        }
    }

    /// The unknown-inputs path for one helper kind and its cases: a loop that loads
    /// each tuple from memory, calls the helper and stores the result; the trapping
    /// tuples through the host's call of the helper and of a caller of it.
    fn unknown(&mut self, kind: Helper, imm: Option<Imm>, cases: &[Case]) {
        let shape = self.shape;
        let (helper, helper_name, params, cost) = self.helper(kind, imm);
        let loaded = if kind == Helper::Same { 1 } else { shape.k() };
        let mut good = 0;
        let mut inputs = Vec::new();
        let mut slots = Vec::new();
        let mut caller = None;
        for case in cases {
            let applied = case.apply(shape.op);
            let index = self.case(case.clone());
            let args = Build::helper_args(kind, case);
            let expected = match applied {
                Applied::Value(value) => value,
                Applied::Branch(taken) => u64::from(taken),
                Applied::Trap(trap_kind) => {
                    let trap = |fuel| Outcome::Trapped {
                        kind: trap_kind,
                        function: helper_name.clone(),
                        pc: 0,
                        fuel: Some(fuel),
                    };
                    self.runs.push(Run {
                        path: format!("parameters, {kind:?} helper called by the host"),
                        func: helper,
                        args: args.clone(),
                        inputs: Vec::new(),
                        expect: trap(1),
                        case: Some(index),
                        slots: Vec::new(),
                    });
                    let caller = *caller.get_or_insert_with(|| {
                        let code = vec![
                            ins(
                                Opcode::Call,
                                &[
                                    V::Reg(params as u8),
                                    V::Func(helper),
                                    V::Reg(0),
                                    V::Count(params),
                                ],
                            ),
                            ins(Opcode::Ret, &[V::Reg(params as u8)]),
                        ];
                        let name = self.name("caller");
                        self.function(name, params, params + 1, code)
                    });
                    self.runs.push(Run {
                        path: format!("parameters, {kind:?} helper called by a function"),
                        func: caller,
                        args,
                        inputs: Vec::new(),
                        expect: trap(2),
                        case: Some(index),
                        slots: Vec::new(),
                    });
                    continue;
                }
            };
            if good % INVOKE_STRIDE == 0 {
                self.runs.push(Run {
                    path: format!("parameters, {kind:?} helper called by the host"),
                    func: helper,
                    args: args.clone(),
                    inputs: Vec::new(),
                    expect: returned(expected, cost),
                    case: Some(index),
                    slots: Vec::new(),
                });
            }
            inputs.extend(&case.inputs[..loaded]);
            slots.push(Slot {
                case: index,
                layout: None,
                expected,
                width: 8,
            });
            good += 1;
        }
        if good == 0 {
            return;
        }
        assert!(
            (RESULTS + 8 * slots.len() as u32) <= INPUTS
                && INPUTS as usize + 8 * inputs.len() < DATA[3] as usize,
            "the sweep's memory layout is too small for {} tuples",
            slots.len()
        );
        // 0 movi r1, INPUTS | 1 movi r2, end | 2 movi r3, RESULTS
        // L: ld64 (the helper's inputs) | call r4, helper | st64 r3, 0, r4
        //    addi r1, r1, 8k | addi r3, r3, 8 | bltu r1, r2, L | ret r0
        const ARGS: u8 = 16;
        let end = INPUTS + 8 * inputs.len() as u32;
        let mut code = vec![
            ins(Opcode::Movi, &[V::Reg(1), V::Imm64(INPUTS.into())]),
            ins(Opcode::Movi, &[V::Reg(2), V::Imm64(end.into())]),
            ins(Opcode::Movi, &[V::Reg(3), V::Imm64(RESULTS.into())]),
        ];
        let targets: Vec<u8> = match kind {
            Helper::High => HIGH_SOURCES[shape.k() - 1]
                .iter()
                .map(|r| ARGS + r)
                .collect(),
            _ => (0..loaded as u8).map(|j| ARGS + j).collect(),
        };
        for (j, &reg) in targets.iter().enumerate() {
            code.push(ins(
                Opcode::Ld64,
                &[V::Reg(reg), V::Reg(1), V::Imm32(8 * j as i32)],
            ));
        }
        code.extend([
            ins(
                Opcode::Call,
                &[V::Reg(4), V::Func(helper), V::Reg(ARGS), V::Count(params)],
            ),
            ins(Opcode::St64, &[V::Reg(3), V::Imm32(0), V::Reg(4)]),
            ins(
                Opcode::Addi,
                &[V::Reg(1), V::Reg(1), V::Imm32(8 * loaded as i32)],
            ),
            ins(Opcode::Addi, &[V::Reg(3), V::Reg(3), V::Imm32(8)]),
            ins(Opcode::Bltu, &[V::Reg(1), V::Reg(2), V::Label(3)]),
            ins(Opcode::Ret, &[V::Reg(0)]),
        ]);
        let n = good as u64;
        let fuel = 3 + n * (loaded as u64 + 5) + n * cost + 1;
        let name = self.name("loop");
        let func = self.function(name, 0, u32::from(ARGS) + params, code);
        self.runs.push(Run {
            path: format!("unknown inputs, {kind:?} helper called in a loop"),
            func,
            args: Vec::new(),
            inputs,
            expect: returned(0, fuel),
            case: None,
            slots,
        });
    }
}

/// The sources of the [`Helper::High`] helper, by number of sources: past the four
/// parameters passed in machine registers, or some on either side.
const HIGH_SOURCES: [&[u8]; 3] = [&[5], &[3, 6], &[3, 4, 7]];

/// The helper shapes of the unknown-inputs path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Helper {
    /// Sources r0.., destination the next register.
    Low,
    /// The destination is the first source, r0.
    Alias,
    /// Eight parameters (the first four arrive in machine registers, the rest in the
    /// frame), sources among them from [`HIGH_SOURCES`], destination r239.
    High,
    /// One parameter read as every source, also the destination.
    Same,
}

// ------------------------------------------------------------------------ running

/// Every tier, each counting instructions, `Tier::Auto` compiling at the first entry
/// (and waiting for the compilation, so that everything runs natively).
fn engines() -> Vec<(Tier, Engine)> {
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let config = Config {
                tier,
                jit_threshold: 0,
                background_compile: false,
                count_instructions: true,
                ..Config::default()
            };
            (tier, Engine::new(config))
        })
        .collect()
}

/// What one tier gave for one run: the outcome and the result slots.
struct Observed {
    outcome: Outcome,
    slots: Vec<u64>,
}

fn observe(instance: &mut Instance, run: &Run) -> Observed {
    let memory = instance.memory_mut();
    let start = RESULTS as usize;
    memory[start..start + 8 * run.slots.len()].fill(POISON);
    for (i, word) in run.inputs.iter().enumerate() {
        let at = INPUTS as usize + 8 * i;
        memory[at..at + 8].copy_from_slice(&word.to_le_bytes());
    }
    let args: Vec<Value> = run.args.iter().map(|&a| Value::I64(a as i64)).collect();
    let outcome = match instance.invoke(run.func, &args) {
        Ok(completion) => Outcome::Finished {
            finish: completion.finish,
            fuel: completion.fuel_used,
        },
        Err(CallError::Trap(trap)) => Outcome::Trapped {
            kind: trap.kind,
            function: trap.function,
            pc: trap.pc,
            fuel: trap.fuel_used,
        },
        Err(other) => Outcome::Failed(other.to_string()),
    };
    let memory = instance.memory();
    let slots = run
        .slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let at = start + 8 * i;
            let word = u64::from_le_bytes(memory[at..at + 8].try_into().unwrap());
            if slot.width == 4 {
                word & 0xFFFF_FFFF
            } else {
                word
            }
        })
        .collect();
    Observed { outcome, slots }
}

/// Totals and disagreements of a sweep.
#[derive(Default)]
struct Report {
    /// The opcodes swept.
    swept: Vec<Opcode>,
    /// (opcode, tuple, path) comparisons, each made on every tier.
    checks: usize,
    functions: usize,
    failures: Vec<String>,
    failing_checks: usize,
    /// Opcodes with a disagreement, with how many checks disagree.
    failing_opcodes: Vec<(&'static str, usize)>,
}

/// Most messages kept per opcode (all failures are counted).
const MESSAGES_PER_OPCODE: usize = 12;

fn sweep_opcode(op: Opcode, engines: &[(Tier, Engine)], report: &mut Report) {
    let shape = Shape::of(op).unwrap_or_else(|e| panic!("{e}"));
    let mut build = Build::new(&shape);
    let cases = cases_of(&shape);
    assert!(!cases.is_empty(), "{op:?} has no tuples");

    // Constant inputs: batches of the non-trapping tuples, single functions for the
    // trapping ones and a few others (every one when there is no source).
    let mut good = Vec::new();
    let mut singles = Vec::new();
    for case in &cases {
        let trapping = matches!(case.apply(op), Applied::Trap(_));
        let index = build.case(case.clone());
        if trapping {
            singles.push(index);
        } else if case.constant {
            good.push(index);
        }
    }
    assert!(
        !good.is_empty(),
        "{op:?}: no tuple for the constant-inputs batches"
    );
    let (stride, take) = match shape.k() {
        0 => (1, good.len()),
        _ => ((good.len() / SINGLES).max(1), SINGLES),
    };
    singles.extend(good.iter().step_by(stride).take(take));
    build.constant_batches(&good, Loads::Bits);
    if shape.has_typed_path() {
        build.constant_batches(&good, Loads::Typed);
    }
    for (n, &index) in singles.iter().enumerate() {
        build.constant_single(index, n);
    }

    // Unknown inputs: helpers called in a loop (and by the host for traps).
    if shape.k() > 0 {
        let mut groups: Vec<(Option<Imm>, Vec<Case>)> = Vec::new();
        for case in &cases {
            match groups.iter_mut().find(|(imm, _)| *imm == case.imm) {
                Some((_, group)) => group.push(case.clone()),
                None => groups.push((case.imm, vec![case.clone()])),
            }
        }
        for (imm, group) in &groups {
            build.unknown(Helper::Low, *imm, group);
            if !shape.branch {
                build.unknown(Helper::Alias, *imm, group);
            }
            build.unknown(Helper::High, *imm, group);
            if shape.k() >= 2 {
                build.unknown(Helper::Same, *imm, &same_cases(&shape, *imm));
            }
        }
    }

    let Build {
        isa,
        cases,
        runs,
        shape: _,
    } = build;
    report.swept.push(op);
    report.functions += isa.functions.len();
    report.checks += runs
        .iter()
        .map(|run| run.slots.len().max(usize::from(run.case.is_some())))
        .sum::<usize>();

    // Every tier runs every run.
    let mut observed: Vec<Vec<Observed>> = Vec::new();
    for (tier, engine) in engines {
        let module = Module::from_isa(engine, isa.clone())
            .unwrap_or_else(|e| panic!("{op:?}: the sweep module does not load: {e}"));
        let mut instance = Instance::new(&module, &Imports::new()).unwrap();
        observed.push(runs.iter().map(|run| observe(&mut instance, run)).collect());
        // The native tiers compiled every function and ran every instruction natively:
        // nothing passed here by falling back to the interpreter.
        let profile = instance.profile();
        if let Some(native) = &profile.native {
            assert!(
                native.refused.is_empty(),
                "{op:?} on {tier}: native code refused {:?}",
                native.refused
            );
            assert_eq!(
                profile.native_instructions, profile.instructions,
                "{op:?} on {tier}: instructions run natively, of all"
            );
        }
    }

    let mut messages = 0;
    let mut fail = |report: &mut Report, text: String| {
        report.failing_checks += 1;
        if messages < MESSAGES_PER_OPCODE {
            report.failures.push(text);
        }
        messages += 1;
    };
    let tiers = |each: &dyn Fn(&[Observed]) -> String| {
        engines
            .iter()
            .zip(&observed)
            .map(|((tier, _), seen)| format!("{tier} {}", each(seen)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (r, run) in runs.iter().enumerate() {
        let case = run
            .case
            .map(|c| cases[c].describe())
            .unwrap_or_else(|| format!("{} tuples", run.slots.len()));
        let function = &isa.functions[run.func as usize].name;
        let outcomes_agree = observed.iter().all(|o| o[r].outcome == run.expect);
        if !outcomes_agree {
            let got = tiers(&|o: &[Observed]| format!("{:?}", o[r].outcome));
            fail(
                report,
                format!(
                    "{} ({op:?}) {case}, {} (function `{function}`): expected {:?}; got {got}",
                    op.mnemonic(),
                    run.path,
                    run.expect
                ),
            );
        }
        for (s, slot) in run.slots.iter().enumerate() {
            let agree = observed
                .iter()
                .all(|o| o[r].outcome != run.expect || o[r].slots[s] == slot.expected);
            if agree {
                continue;
            }
            let registers = slot.layout.map_or(String::new(), |layout| {
                let (dst, srcs) = layout.regs(shape.k());
                if shape.branch {
                    format!(", sources {srcs:?}")
                } else {
                    format!(", destination r{dst} sources {srcs:?}")
                }
            });
            let got = tiers(&|o: &[Observed]| format!("{:#018x}", o[r].slots[s]));
            fail(
                report,
                format!(
                    "{} ({op:?}) {}, {}{registers} (function `{function}`, result {s}): \
                     expected {:#018x}; got {got}",
                    op.mnemonic(),
                    cases[slot.case].describe(),
                    run.path,
                    slot.expected
                ),
            );
        }
    }
    if messages > 0 {
        report.failing_opcodes.push((op.mnemonic(), messages));
    }
}

/// Opcodes swept side by side, one thread each, by family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Integer,
    Float64,
    Float32,
    Rest,
}

fn group(op: Opcode) -> Group {
    match op.family() {
        Family::Integer => Group::Integer,
        Family::Float64 => Group::Float64,
        Family::Float32 => Group::Float32,
        _ => Group::Rest,
    }
}

fn sweep(which: Group) -> Report {
    let engines = engines();
    let mut report = Report::default();
    for &op in Opcode::ALL {
        if modelled(op) && group(op) == which {
            sweep_opcode(op, &engines, &mut report);
        }
    }
    report
}

/// The sweep, with its coverage: every opcode of the table that `apply` models was
/// swept (the ISA's own test, `apply_covers_exactly_the_register_operations`, keeps
/// `apply` modelling every register operation and branch condition).
#[test]
fn every_modelled_opcode_agrees_with_the_semantics_on_every_tier() {
    let started = Instant::now();
    let groups = [Group::Integer, Group::Float64, Group::Float32, Group::Rest];
    let reports: Vec<Report> = std::thread::scope(|scope| {
        let threads: Vec<_> = groups
            .iter()
            .map(|&which| scope.spawn(move || sweep(which)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a sweep thread panicked"))
            .collect()
    });
    let mut total = Report::default();
    for report in reports {
        total.swept.extend(report.swept);
        total.checks += report.checks;
        total.functions += report.functions;
        total.failures.extend(report.failures);
        total.failing_checks += report.failing_checks;
        total.failing_opcodes.extend(report.failing_opcodes);
    }
    eprintln!(
        "opcode sweep: {} opcodes, {} (opcode, input, path) checks on {} tiers ({:?}), \
         {} functions per tier, {:.1} s",
        total.swept.len(),
        total.checks,
        Tier::ALL.len(),
        Tier::ALL,
        total.functions,
        started.elapsed().as_secs_f64()
    );

    let missing: Vec<Opcode> = Opcode::ALL
        .iter()
        .copied()
        .filter(|&op| modelled(op) && !total.swept.contains(&op))
        .collect();
    assert!(missing.is_empty(), "opcodes not swept: {missing:?}");
    assert!(
        total.failures.is_empty(),
        "{} of {} checks disagree, by opcode {:?}; the first {MESSAGES_PER_OPCODE} of each \
         opcode:\n{}",
        total.failing_checks,
        total.checks,
        total.failing_opcodes,
        total.failures.join("\n")
    );
}
