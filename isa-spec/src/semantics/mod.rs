//! The scalar semantics of the ISA, written once as pure functions on register bits.
//!
//! Every scalar opcode of the table has one function here, named after its `Opcode`
//! variant in snake case (`Opcode::FaddF32` is [`fadd_f32`], `Opcode::Bltu` is
//! [`bltu`]), the way wasmi names its rows after `wasm::i64_div_s`. The interpreter's
//! handlers are one-line calls into them, the native tiers translate each into machine
//! code rule for rule (and the per-opcode differential sweep holds them to it), and
//! [`apply`] dispatches on an opcode for tools and tests.
//!
//! Registers are untyped 64-bit words: f64 uses all 64 bits, f32 the low 32 bits with
//! the high bits zero, and f32 operations read only the low 32 bits of their inputs.
//! Immediates reach these functions as the instruction decodes them: `imm32` sign-extended
//! to 64 bits ([`sext_imm`]), 64-bit immediates as they are.
//!
//! - [`int`]: integer arithmetic, bit operations and comparisons, moves;
//! - [`float`]: binary64 and binary32 arithmetic and comparisons;
//! - [`convert`]: conversions between integers and floats;
//! - [`control`]: the conditions of the conditional branches;
//! - [`memory`]: addresses, and how loads widen and stores narrow their bits.
//!
//! ```
//! use adead_isa::semantics;
//! use adead_isa::TrapKind;
//! assert_eq!(semantics::add(u64::MAX, 1), 0);
//! assert_eq!(semantics::div(7, 0), Err(TrapKind::DivideByZero));
//! let nan = semantics::fadd(f64::INFINITY.to_bits(), f64::NEG_INFINITY.to_bits());
//! assert_eq!(nan, semantics::CANONICAL_NAN_F64);
//! assert!(semantics::blt((-1i64) as u64, 0));
//! ```

mod apply;
pub mod control;
pub mod convert;
pub mod float;
pub mod int;
pub mod memory;

pub use apply::{Applied, apply};
pub use control::*;
pub use convert::*;
pub use float::*;
pub use int::*;
pub use memory::*;

/// The one NaN every f64 arithmetic operation produces.
pub const CANONICAL_NAN_F64: u64 = 0x7FF8_0000_0000_0000;
/// The one NaN every f32 arithmetic operation produces.
pub const CANONICAL_NAN_F32: u32 = 0x7FC0_0000;

/// An `imm32` operand as the operations take it: sign-extended to 64 bits.
#[inline(always)]
pub const fn sext_imm(imm: i32) -> u64 {
    imm as i64 as u64
}

/// f64 register bits with any NaN replaced by the canonical NaN.
#[inline(always)]
pub fn canon_f64(x: f64) -> u64 {
    if x.is_nan() {
        CANONICAL_NAN_F64
    } else {
        x.to_bits()
    }
}

/// f32 register bits (zero-extended) with any NaN replaced by the canonical NaN.
#[inline(always)]
pub fn canon_f32(x: f32) -> u64 {
    u64::from(if x.is_nan() {
        CANONICAL_NAN_F32
    } else {
        x.to_bits()
    })
}

/// The f64 in a register.
#[inline(always)]
pub fn f64_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// The f32 in the low 32 bits of a register.
#[inline(always)]
pub fn f32_of(bits: u64) -> f32 {
    f32::from_bits(bits as u32)
}

/// An f32 as register bits: the low 32 bits, the high 32 bits zero (no NaN is changed).
#[inline(always)]
pub fn f32_bits(x: f32) -> u64 {
    u64::from(x.to_bits())
}
