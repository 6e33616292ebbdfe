//! The kernels define their float max and canonical NaN themselves (the crate does not
//! depend on the ISA crate); they must be the VM's scalar `fmax.f32` and NaN, bit for
//! bit, as `adead_isa::semantics` defines them.

use adead_isa::semantics::{CANONICAL_NAN_F32, fmax_f32};
use adead_kernels::math::{self, CANONICAL_NAN_BITS};

#[test]
fn tensor_max_and_nan_are_the_vm_s_scalar_ones() {
    assert_eq!(CANONICAL_NAN_BITS, CANONICAL_NAN_F32);
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        1.5,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::from_bits(0xFFC0_0001),
        f32::from_bits(0x7F80_0001),
    ];
    for &a in &values {
        for &b in &values {
            let vm = fmax_f32(u64::from(a.to_bits()), u64::from(b.to_bits())) as u32;
            assert_eq!(math::max(a, b).to_bits(), vm, "max({a:?}, {b:?})");
        }
    }
}
