//! An independent model of the scalar register operations, for the random sweep.
//!
//! Written from the ISA reference, not from the VM or `adead_isa::semantics`: integer
//! results are computed exactly in `i128`/`u128` and then truncated to 64 bits, so
//! wrapping and overflow are facts of arithmetic rather than of `wrapping_*` calls;
//! shift counts are reduced with `rem_euclid`; bit counts are loops; integer-to-float
//! rounding is done by hand (ties to even) and only exact values go through `as`;
//! float-to-integer saturation is explicit; min/max and round-to-nearest-even are
//! written out. IEEE arithmetic itself (add, sub, mul, div, sqrt, fma, floor, ceil,
//! trunc, f64-to-f32 narrowing) is Rust's `std`, which is correctly rounded; every NaN
//! they produce is replaced by the canonical NaN, as the ISA demands.

use adead_isa::Opcode;

/// f64 canonical NaN bits.
pub const NAN64: u64 = 0x7ff8_0000_0000_0000;
/// f32 canonical NaN bits.
pub const NAN32: u32 = 0x7fc0_0000;

/// How an operation reads a register input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// All 64 bits as an integer.
    Int,
    /// All 64 bits as a binary64.
    F64,
    /// The low 32 bits as a binary32 (the high bits are ignored).
    F32,
}

/// The register inputs an operation reads, in operand order, and whether it also takes
/// a 32-bit immediate (its last operand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// One domain per source register.
    pub inputs: &'static [Domain],
    /// The operation takes an `imm` operand.
    pub imm: bool,
}

/// What an operation does to its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The destination register's bits.
    Value(u64),
    /// The operation traps with this kind id.
    Trap(&'static str),
}

/// The operations the oracle models: the pure register-to-register ones. `None` for
/// control flow, memory, immediate loads, tensors and the families that cannot run yet.
/// A test requires a signature for every opcode shaped like a register operation except
/// a short list of exemptions, each with its reason (`NOT_MODELLED` in the tests).
pub fn signature(op: Opcode) -> Option<Signature> {
    use Domain::{F32, F64, Int};
    use Opcode as O;
    const fn regs(inputs: &'static [Domain]) -> Option<Signature> {
        Some(Signature { inputs, imm: false })
    }
    match op {
        O::Add
        | O::Sub
        | O::Mul
        | O::Div
        | O::Divu
        | O::Rem
        | O::Remu
        | O::And
        | O::Or
        | O::Xor
        | O::Shl
        | O::Shr
        | O::Sar
        | O::Rotl
        | O::Rotr
        | O::Seq
        | O::Sne
        | O::Slt
        | O::Sle
        | O::Sltu
        | O::Sleu => regs(&[Int, Int]),
        O::Addi | O::Muli | O::Andi | O::Ori | O::Xori | O::Shli | O::Shri | O::Sari => {
            Some(Signature {
                inputs: &[Int],
                imm: true,
            })
        }
        O::Neg
        | O::Not
        | O::Clz
        | O::Ctz
        | O::Popcnt
        | O::Sext8
        | O::Sext16
        | O::Sext32
        | O::Zext8
        | O::Zext16
        | O::Zext32
        | O::Mov => regs(&[Int]),
        O::Select => regs(&[Int, Int, Int]),
        O::Fadd
        | O::Fsub
        | O::Fmul
        | O::Fdiv
        | O::Fmin
        | O::Fmax
        | O::Fcopysign
        | O::Feq
        | O::Flt
        | O::Fle => regs(&[F64, F64]),
        O::Fsqrt | O::Fneg | O::Fabs | O::Ffloor | O::Fceil | O::Ftrunc | O::Fnearest => {
            regs(&[F64])
        }
        O::Ffma => regs(&[F64, F64, F64]),
        O::FaddF32
        | O::FsubF32
        | O::FmulF32
        | O::FdivF32
        | O::FminF32
        | O::FmaxF32
        | O::FcopysignF32
        | O::FeqF32
        | O::FltF32
        | O::FleF32 => regs(&[F32, F32]),
        O::FsqrtF32
        | O::FnegF32
        | O::FabsF32
        | O::FfloorF32
        | O::FceilF32
        | O::FtruncF32
        | O::FnearestF32 => regs(&[F32]),
        O::FfmaF32 => regs(&[F32, F32, F32]),
        O::I2f | O::U2f | O::I2fF32 | O::U2fF32 => regs(&[Int]),
        O::F2i | O::F2u | O::Fdemote => regs(&[F64]),
        O::F2iF32 | O::F2uF32 | O::Fpromote => regs(&[F32]),
        // Control flow, memory, immediates and tensors are checked by the case files.
        _ => None,
    }
}

/// The result of `op` on register inputs `x` (per [`signature`]) and immediate `imm`.
///
/// # Panics
/// If `op` has no [`signature`] or `x` is shorter than its inputs.
pub fn evaluate(op: Opcode, x: &[u64], imm: i32) -> Answer {
    use Opcode as O;
    let s = |i: usize| i128::from(x[i] as i64);
    let u = |i: usize| u128::from(x[i]);
    let f = |i: usize| f64::from_bits(x[i]);
    let g = |i: usize| f32::from_bits(x[i] as u32);
    let k = i128::from(imm);
    let low64 = |v: i128| v as u64;
    let flag = |b: bool| Answer::Value(u64::from(b));
    let value = |v: u64| Answer::Value(v);
    match op {
        O::Add => value(low64(s(0) + s(1))),
        O::Sub => value(low64(s(0) - s(1))),
        O::Mul => value(low64(s(0) * s(1))),
        O::Div | O::Rem => {
            if s(1) == 0 {
                return Answer::Trap("divide_by_zero");
            }
            let quotient = s(0) / s(1);
            if quotient > i128::from(i64::MAX) {
                // Only MIN / -1 overflows; the ISA makes its remainder trap too.
                return Answer::Trap("integer_overflow");
            }
            value(low64(if op == O::Div { quotient } else { s(0) % s(1) }))
        }
        O::Divu | O::Remu => {
            if u(1) == 0 {
                return Answer::Trap("divide_by_zero");
            }
            value(
                (if op == O::Divu {
                    u(0) / u(1)
                } else {
                    u(0) % u(1)
                }) as u64,
            )
        }
        O::And => value(x[0] & x[1]),
        O::Or => value(x[0] | x[1]),
        O::Xor => value(x[0] ^ x[1]),
        O::Shl => value(shift_left(x[0], s(1))),
        O::Shr => value(shift_right_logical(x[0], s(1))),
        O::Sar => value(shift_right_arithmetic(x[0], s(1))),
        O::Rotl => value(rotate_left(x[0], s(1))),
        O::Rotr => value(rotate_left(x[0], -s(1))),
        O::Seq => flag(x[0] == x[1]),
        O::Sne => flag(x[0] != x[1]),
        O::Slt => flag(s(0) < s(1)),
        O::Sle => flag(s(0) <= s(1)),
        O::Sltu => flag(u(0) < u(1)),
        O::Sleu => flag(u(0) <= u(1)),
        O::Addi => value(low64(s(0) + k)),
        O::Muli => value(low64(s(0) * k)),
        O::Andi => value(x[0] & low64(k)),
        O::Ori => value(x[0] | low64(k)),
        O::Xori => value(x[0] ^ low64(k)),
        O::Shli => value(shift_left(x[0], k)),
        O::Shri => value(shift_right_logical(x[0], k)),
        O::Sari => value(shift_right_arithmetic(x[0], k)),
        O::Neg => value(low64(-s(0))),
        O::Not => value(low64(-1 - s(0))),
        O::Clz => value((0..64).rev().take_while(|&b| x[0] >> b & 1 == 0).count() as u64),
        O::Ctz => value((0..64).take_while(|&b| x[0] >> b & 1 == 0).count() as u64),
        O::Popcnt => value((0..64).filter(|&b| x[0] >> b & 1 == 1).count() as u64),
        O::Sext8 => value(sign_extend(x[0], 8)),
        O::Sext16 => value(sign_extend(x[0], 16)),
        O::Sext32 => value(sign_extend(x[0], 32)),
        O::Zext8 => value(x[0] % (1 << 8)),
        O::Zext16 => value(x[0] % (1 << 16)),
        O::Zext32 => value(x[0] % (1 << 32)),
        O::Mov => value(x[0]),
        O::Select => value(if x[0] != 0 { x[1] } else { x[2] }),

        O::Fadd => value(canon64(f(0) + f(1))),
        O::Fsub => value(canon64(f(0) - f(1))),
        O::Fmul => value(canon64(f(0) * f(1))),
        O::Fdiv => value(canon64(f(0) / f(1))),
        O::Fmin => value(min_max64(f(0), f(1), true)),
        O::Fmax => value(min_max64(f(0), f(1), false)),
        O::Fcopysign => value(x[0] % (1 << 63) + (x[1] >> 63 << 63)),
        O::Feq => flag(f(0) == f(1)),
        O::Flt => flag(f(0) < f(1)),
        O::Fle => flag(f(0) <= f(1)),
        O::Fsqrt => value(canon64(f(0).sqrt())),
        O::Fneg => value(x[0] ^ 1 << 63),
        O::Fabs => value(x[0] % (1 << 63)),
        O::Ffloor => value(canon64(f(0).floor())),
        O::Fceil => value(canon64(f(0).ceil())),
        O::Ftrunc => value(canon64(f(0).trunc())),
        O::Fnearest => value(canon64(nearest_even64(f(0)))),
        O::Ffma => value(canon64(f(0).mul_add(f(1), f(2)))),

        O::FaddF32 => value(canon32(g(0) + g(1))),
        O::FsubF32 => value(canon32(g(0) - g(1))),
        O::FmulF32 => value(canon32(g(0) * g(1))),
        O::FdivF32 => value(canon32(g(0) / g(1))),
        O::FminF32 => value(min_max32(g(0), g(1), true)),
        O::FmaxF32 => value(min_max32(g(0), g(1), false)),
        O::FcopysignF32 => value(x[0] % (1 << 31) + ((x[1] >> 31) & 1) * (1 << 31)),
        O::FeqF32 => flag(g(0) == g(1)),
        O::FltF32 => flag(g(0) < g(1)),
        O::FleF32 => flag(g(0) <= g(1)),
        O::FsqrtF32 => value(canon32(g(0).sqrt())),
        O::FnegF32 => value((x[0] as u32 ^ 1 << 31).into()),
        O::FabsF32 => value(x[0] % (1 << 31)),
        O::FfloorF32 => value(canon32(g(0).floor())),
        O::FceilF32 => value(canon32(g(0).ceil())),
        O::FtruncF32 => value(canon32(g(0).trunc())),
        O::FnearestF32 => value(canon32(nearest_even32(g(0)))),
        O::FfmaF32 => value(canon32(g(0).mul_add(g(1), g(2)))),

        O::I2f => value(int_to_f64(s(0))),
        O::U2f => value(int_to_f64(u(0) as i128)),
        O::I2fF32 => value(int_to_f32(s(0))),
        O::U2fF32 => value(int_to_f32(u(0) as i128)),
        O::F2i => value(to_signed(f(0))),
        O::F2u => value(to_unsigned(f(0))),
        // Widening f32 to f64 is exact, so the f64 rules apply unchanged.
        O::F2iF32 => value(to_signed(f64::from(g(0)))),
        O::F2uF32 => value(to_unsigned(f64::from(g(0)))),
        O::Fpromote => value(canon64(f64::from(g(0)))),
        O::Fdemote => value(canon32(f(0) as f32)),
        other => panic!("the oracle does not model `{}`", other.mnemonic()),
    }
}

fn canon64(x: f64) -> u64 {
    if x.is_nan() { NAN64 } else { x.to_bits() }
}

fn canon32(x: f32) -> u64 {
    u64::from(if x.is_nan() { NAN32 } else { x.to_bits() })
}

fn shift_left(a: u64, count: i128) -> u64 {
    (u128::from(a) << count.rem_euclid(64)) as u64
}

fn shift_right_logical(a: u64, count: i128) -> u64 {
    (u128::from(a) >> count.rem_euclid(64)) as u64
}

fn shift_right_arithmetic(a: u64, count: i128) -> u64 {
    (i128::from(a as i64) >> count.rem_euclid(64)) as u64
}

/// Rotation as two shifts of a 128-bit value: the bits pushed past bit 63 come back in
/// at bit 0. A right rotation is a left rotation by the negated count.
fn rotate_left(a: u64, count: i128) -> u64 {
    let wide = u128::from(a) << count.rem_euclid(64);
    (wide as u64) | (wide >> 64) as u64
}

fn sign_extend(a: u64, bits: u32) -> u64 {
    let low = i128::from(a % (1 << bits));
    let signed = if low >= 1 << (bits - 1) {
        low - (1 << bits)
    } else {
        low
    };
    signed as u64
}

/// min (`min == true`) or max: NaN if either is NaN, -0 below +0.
fn min_max64(a: f64, b: f64, min: bool) -> u64 {
    if a.is_nan() || b.is_nan() {
        return NAN64;
    }
    if a == 0.0 && b == 0.0 {
        let negative = a.is_sign_negative() || b.is_sign_negative();
        let positive = a.is_sign_positive() || b.is_sign_positive();
        let pick_negative = if min { negative } else { !positive };
        return if pick_negative {
            (-0.0f64).to_bits()
        } else {
            0
        };
    }
    let pick_a = if min { a < b } else { a > b };
    if pick_a { a.to_bits() } else { b.to_bits() }
}

fn min_max32(a: f32, b: f32, min: bool) -> u64 {
    // Every f32 is exactly an f64, and the result is one of the inputs.
    let wide = min_max64(f64::from(a), f64::from(b), min);
    if wide == NAN64 {
        u64::from(NAN32)
    } else {
        u64::from((f64::from_bits(wide) as f32).to_bits())
    }
}

/// Round half to even, from the magnitude: `m - floor(m)` is exact for every finite
/// f64 (Sterbenz for m >= 1, trivially for m < 1).
fn nearest_even64(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let m = x.abs();
    let floor = m.floor();
    let fraction = m - floor;
    let rounded = if fraction < 0.5 || (fraction == 0.5 && floor % 2.0 == 0.0) {
        floor
    } else {
        floor + 1.0
    };
    rounded.copysign(x)
}

fn nearest_even32(x: f32) -> f32 {
    // Exact in f64, and the nearest integer of an f32 is again an f32.
    nearest_even64(f64::from(x)) as f32
}

/// Rounds `|v|` to `precision` significant bits, ties to even; the result is exactly
/// representable in any float format with that precision.
fn round_significand(v: u128, precision: u32) -> u128 {
    let bits = 128 - v.leading_zeros();
    if bits <= precision {
        return v;
    }
    let dropped = bits - precision;
    let kept = v >> dropped;
    let rest = v & ((1 << dropped) - 1);
    let half = 1 << (dropped - 1);
    let up = rest > half || (rest == half && kept & 1 == 1);
    (kept + u128::from(up)) << dropped
}

fn int_to_f64(v: i128) -> u64 {
    let magnitude = round_significand(v.unsigned_abs(), 53) as f64; // exact conversion
    (if v < 0 { -magnitude } else { magnitude }).to_bits()
}

fn int_to_f32(v: i128) -> u64 {
    let magnitude = round_significand(v.unsigned_abs(), 24) as f32; // exact conversion
    u64::from((if v < 0 { -magnitude } else { magnitude }).to_bits())
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

fn to_signed(x: f64) -> u64 {
    if x.is_nan() {
        return 0;
    }
    let t = x.trunc();
    if t >= TWO_POW_63 {
        i64::MAX as u64
    } else if t < -TWO_POW_63 {
        i64::MIN as u64
    } else {
        t as i64 as u64 // in range and integral: exact
    }
}

fn to_unsigned(x: f64) -> u64 {
    if x.is_nan() {
        return 0;
    }
    let t = x.trunc();
    if t <= 0.0 {
        0
    } else if t >= TWO_POW_64 {
        u64::MAX
    } else {
        t as u64 // in range and integral: exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(op: Opcode, x: &[u64]) -> u64 {
        match evaluate(op, x, 0) {
            Answer::Value(v) => v,
            Answer::Trap(t) => panic!("{t}"),
        }
    }

    #[test]
    fn integer_facts() {
        let min = i64::MIN as u64;
        assert_eq!(
            evaluate(Opcode::Div, &[min, u64::MAX], 0),
            Answer::Trap("integer_overflow")
        );
        assert_eq!(
            evaluate(Opcode::Rem, &[min, u64::MAX], 0),
            Answer::Trap("integer_overflow")
        );
        assert_eq!(
            evaluate(Opcode::Remu, &[5, 0], 0),
            Answer::Trap("divide_by_zero")
        );
        assert_eq!(v(Opcode::Divu, &[min, u64::MAX]), 0);
        assert_eq!(v(Opcode::Rem, &[-7i64 as u64, 2]), -1i64 as u64);
        assert_eq!(v(Opcode::Shl, &[1, 65]), 2);
        assert_eq!(v(Opcode::Shl, &[1, -1i64 as u64]), 1 << 63);
        assert_eq!(v(Opcode::Rotr, &[1, 1]), 1 << 63);
        assert_eq!(v(Opcode::Rotl, &[1 << 63, 1]), 1);
        assert_eq!(v(Opcode::Sar, &[min, 63]), u64::MAX);
        assert_eq!(v(Opcode::Clz, &[0]), 64);
        assert_eq!(v(Opcode::Ctz, &[min]), 63);
        assert_eq!(v(Opcode::Sext8, &[0x80]), -128i64 as u64);
        assert_eq!(v(Opcode::Not, &[0]), u64::MAX);
        assert_eq!(evaluate(Opcode::Shri, &[u64::MAX], -1), Answer::Value(1));
    }

    #[test]
    fn float_facts() {
        let neg_zero = (-0.0f64).to_bits();
        assert_eq!(v(Opcode::Fmin, &[0, neg_zero]), neg_zero);
        assert_eq!(v(Opcode::Fmax, &[neg_zero, 0]), 0);
        assert_eq!(v(Opcode::Fmax, &[neg_zero, neg_zero]), neg_zero);
        assert_eq!(v(Opcode::Fadd, &[0x7ff0_0000_0000_0001, 0]), NAN64);
        assert_eq!(
            v(Opcode::Fneg, &[0x7ff0_0000_0000_0001]),
            0xfff0_0000_0000_0001
        );
        assert_eq!(v(Opcode::Fnearest, &[2.5f64.to_bits()]), 2.0f64.to_bits());
        assert_eq!(v(Opcode::Fnearest, &[(-0.5f64).to_bits()]), neg_zero);
        assert_eq!(v(Opcode::Fnearest, &[3.5f64.to_bits()]), 4.0f64.to_bits());
        assert_eq!(
            v(Opcode::Fnearest, &[0.499_999_999_999_999_94f64.to_bits()]),
            0
        );
        assert_eq!(
            v(Opcode::I2f, &[(1 << 53) + 1]),
            (9_007_199_254_740_992.0f64).to_bits()
        );
        assert_eq!(
            v(Opcode::I2f, &[(1 << 53) + 3]),
            (9_007_199_254_740_996.0f64).to_bits()
        );
        assert_eq!(v(Opcode::U2f, &[u64::MAX]), TWO_POW_64.to_bits());
        assert_eq!(v(Opcode::F2i, &[f64::NAN.to_bits()]), 0);
        assert_eq!(v(Opcode::F2i, &[(-TWO_POW_63).to_bits()]), i64::MIN as u64);
        assert_eq!(v(Opcode::F2u, &[(-0.9f64).to_bits()]), 0);
        assert_eq!(v(Opcode::F2u, &[f64::INFINITY.to_bits()]), u64::MAX);
        assert_eq!(v(Opcode::FnegF32, &[0x7fc0_0001]), 0xffc0_0001);
        assert_eq!(
            v(Opcode::FcopysignF32, &[0x3f80_0000, 0x8000_0000]),
            0xbf80_0000
        );
        assert_eq!(
            v(Opcode::FcopysignF32, &[0xbf80_0000, 0x0000_0000]),
            0x3f80_0000
        );
        assert_eq!(v(Opcode::Fpromote, &[0x7f80_0001]), NAN64);
        assert_eq!(v(Opcode::FabsF32, &[0xdead_beef_8000_0001]), 1);
    }

    /// Opcodes shaped like a register operation (a destination, source registers, at
    /// most one immediate) that the oracle deliberately does not model, and why. Every
    /// other opcode of that shape must have a [`signature`], so that the sweep checks it.
    const NOT_MODELLED: &[(&[Opcode], &str)] = &[
        (
            &[Opcode::Alloc, Opcode::MemSize],
            "the result depends on the instance's linear memory, not only on the operands",
        ),
        (
            &[
                Opcode::Ld64,
                Opcode::Ld8u,
                Opcode::Ld8s,
                Opcode::Ld16u,
                Opcode::Ld16s,
                Opcode::Ld32u,
                Opcode::Ld32s,
                Opcode::Fld32,
                Opcode::Fld64,
            ],
            "loads read linear memory; the source is an address",
        ),
        (
            &[Opcode::TensorRank, Opcode::TensorDim, Opcode::TensorGet],
            "the source is a tensor handle; the result depends on the tensor table",
        ),
        (
            &[Opcode::GpuAlloc, Opcode::GpuMatmul],
            "the GPU family cannot run yet (the VM rejects it at load)",
        ),
    ];

    fn register_shaped(op: Opcode) -> bool {
        use adead_isa::OperandKind::{Dst, Imm32, Src};
        let operands = op.operands();
        operands.first() == Some(&Dst)
            && operands[1..].iter().all(|k| matches!(k, Src | Imm32))
            && operands.iter().filter(|k| **k == Imm32).count() <= 1
    }

    #[test]
    fn every_register_operation_is_modelled_unless_exempt_with_a_reason() {
        let exempt = |op: Opcode| NOT_MODELLED.iter().any(|(ops, _)| ops.contains(&op));
        let missing: Vec<&str> = Opcode::ALL
            .iter()
            .filter(|&&op| register_shaped(op) && signature(op).is_none() && !exempt(op))
            .map(|op| op.mnemonic())
            .collect();
        assert!(
            missing.is_empty(),
            "register operations with no oracle signature (model them in `signature` and \
             `evaluate`, or add them with the reason to NOT_MODELLED): {missing:?}"
        );
        for (ops, reason) in NOT_MODELLED {
            for &op in *ops {
                assert!(
                    register_shaped(op) && signature(op).is_none(),
                    "`{}` is exempt ({reason}) but is modelled or not register-shaped",
                    op.mnemonic()
                );
            }
        }
    }

    #[test]
    fn signatures_match_the_operands_of_the_table() {
        for &op in Opcode::ALL {
            if let Some(signature) = signature(op) {
                assert!(register_shaped(op), "{}", op.mnemonic());
                let regs = op
                    .operands()
                    .iter()
                    .filter(|k| **k == adead_isa::OperandKind::Src)
                    .count();
                assert_eq!(regs, signature.inputs.len(), "{}", op.mnemonic());
                let imm = op.operands().contains(&adead_isa::OperandKind::Imm32);
                assert_eq!(imm, signature.imm, "{}", op.mnemonic());
            }
        }
    }

    /// The oracle's domains were written from the reference text; the table's value
    /// types were written separately. Where both speak, they must agree (`any` in the
    /// table, bits moved unchanged, is read by the oracle as an integer).
    #[test]
    fn domains_agree_with_the_table_value_types() {
        use adead_isa::{OperandKind, ValueType};
        for &op in Opcode::ALL {
            let Some(signature) = signature(op) else {
                continue;
            };
            let table: Vec<ValueType> = op
                .operands()
                .iter()
                .zip(op.value_types())
                .filter(|(kind, _)| **kind == OperandKind::Src)
                .filter_map(|(_, ty)| *ty)
                .collect();
            let oracle: Vec<ValueType> = signature
                .inputs
                .iter()
                .map(|domain| match domain {
                    Domain::Int => ValueType::Int,
                    Domain::F32 => ValueType::F32,
                    Domain::F64 => ValueType::F64,
                })
                .collect();
            let table: Vec<ValueType> = table
                .into_iter()
                .map(|ty| {
                    if ty == ValueType::Any {
                        ValueType::Int
                    } else {
                        ty
                    }
                })
                .collect();
            assert_eq!(table, oracle, "{}", op.mnemonic());
        }
    }
}
