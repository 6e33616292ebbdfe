//! The scalar instructions the baseline tier does not restate in assembly: their
//! templates call the semantics module's own function through a `sysv64` shim, so the
//! rule (rounding, saturation, NaN handling) is written once, in `adead_isa::semantics`.
//! Only the common, simple operations have inline templates; these are the rest.

use adead_isa::Opcode;
use adead_isa::semantics as s;

macro_rules! shims {
    ($($op:ident => $name:ident($($arg:ident),*) = $f:path;)*) => {
        $(
            extern "sysv64" fn $name($($arg: u64),*) -> u64 {
                $f($($arg),*)
            }
        )*

        /// The address of the shim computing `op`'s value from its source registers (in
        /// operand order, as the first integer arguments), and how many it takes.
        pub(crate) fn shim(op: Opcode) -> Option<(usize, usize)> {
            Some(match op {
                $(Opcode::$op => ($name as *const () as usize, [$(stringify!($arg)),*].len()),)*
                _ => return None,
            })
        }
    };
}

shims! {
    Clz => clz(a) = s::clz;
    Ctz => ctz(a) = s::ctz;
    Popcnt => popcnt(a) = s::popcnt;
    Fmin => fmin(a, b) = s::fmin;
    Fmax => fmax(a, b) = s::fmax;
    FminF32 => fmin_f32(a, b) = s::fmin_f32;
    FmaxF32 => fmax_f32(a, b) = s::fmax_f32;
    Ffloor => ffloor(a) = s::ffloor;
    Fceil => fceil(a) = s::fceil;
    Ftrunc => ftrunc(a) = s::ftrunc;
    Fnearest => fnearest(a) = s::fnearest;
    FfloorF32 => ffloor_f32(a) = s::ffloor_f32;
    FceilF32 => fceil_f32(a) = s::fceil_f32;
    FtruncF32 => ftrunc_f32(a) = s::ftrunc_f32;
    FnearestF32 => fnearest_f32(a) = s::fnearest_f32;
    FsqrtF32 => fsqrt_f32(a) = s::fsqrt_f32;
    FdivF32 => fdiv_f32(a, b) = s::fdiv_f32;
    Ffma => ffma(a, b, c) = s::ffma;
    FfmaF32 => ffma_f32(a, b, c) = s::ffma_f32;
    Fcopysign => fcopysign(a, b) = s::fcopysign;
    FcopysignF32 => fcopysign_f32(a, b) = s::fcopysign_f32;
    FnegF32 => fneg_f32(a) = s::fneg_f32;
    FabsF32 => fabs_f32(a) = s::fabs_f32;
    FeqF32 => feq_f32(a, b) = s::feq_f32;
    FltF32 => flt_f32(a, b) = s::flt_f32;
    FleF32 => fle_f32(a, b) = s::fle_f32;
    U2f => u2f(a) = s::u2f;
    F2i => f2i(a) = s::f2i;
    F2u => f2u(a) = s::f2u;
    I2fF32 => i2f_f32(a) = s::i2f_f32;
    U2fF32 => u2f_f32(a) = s::u2f_f32;
    F2iF32 => f2i_f32(a) = s::f2i_f32;
    F2uF32 => f2u_f32(a) = s::f2u_f32;
    Fpromote => fpromote(a) = s::fpromote;
    Fdemote => fdemote(a) = s::fdemote;
}

#[cfg(test)]
mod tests {
    use super::*;
    use adead_isa::semantics::{Applied, apply};

    #[test]
    fn every_shim_computes_what_the_semantics_say() {
        let samples = [
            0u64,
            1,
            u64::MAX,
            0x7FF8_0000_0000_0001,
            0xC000_0000,
            1 << 63,
        ];
        for &op in Opcode::ALL {
            let Some((address, args)) = shim(op) else {
                continue;
            };
            // SAFETY: every shim is an `extern "sysv64"` function of `args` u64s; extra
            // integer arguments in registers are ignored by the callee.
            let f: extern "sysv64" fn(u64, u64, u64) -> u64 =
                unsafe { std::mem::transmute(address) };
            assert!((1..=3).contains(&args));
            for &a in &samples {
                for &b in &samples {
                    let inputs = [a, b, a ^ b];
                    assert_eq!(
                        apply(op, &inputs[..args], 0),
                        Some(Applied::Value(f(a, b, a ^ b))),
                        "{op:?}({a:#x}, {b:#x})"
                    );
                }
            }
        }
    }
}
