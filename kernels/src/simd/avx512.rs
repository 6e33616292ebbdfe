//! AVX-512F primitives: 16 lanes are one `__m512`, a lane mask one `__mmask16`.
//! Tails use masked loads and stores, which do not touch (or fault on) masked lanes.

use std::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(crate) struct V(__m512);

/// One bit per lane.
type M = __mmask16;

#[inline]
#[target_feature(enable = "avx512f")]
fn splat(x: f32) -> V {
    V(_mm512_set1_ps(x))
}

/// # Safety
/// `p` must be valid for reading 16 f32 (no alignment needed).
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load(p: *const f32) -> V {
    // SAFETY: guaranteed by the caller.
    V(unsafe { _mm512_loadu_ps(p) })
}

/// # Safety
/// `p` must be valid for writing 16 f32 (no alignment needed).
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store(p: *mut f32, v: V) {
    // SAFETY: guaranteed by the caller.
    unsafe { _mm512_storeu_ps(p, v.0) }
}

/// Lanes `0..len` set (`len <= 16`).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn first_lanes(len: usize) -> M {
    if len >= 16 {
        0xFFFF
    } else {
        ((1u32 << len) - 1) as M
    }
}

/// # Safety
/// `p` must be valid for reading `len` (< 16) f32. Lanes `len..` get `fill`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_partial(p: *const f32, len: usize, fill: f32) -> V {
    // SAFETY: masked-off lanes are not accessed; the caller vouches for the others.
    V(unsafe { _mm512_mask_loadu_ps(_mm512_set1_ps(fill), first_lanes(len), p) })
}

/// # Safety
/// `p` must be valid for writing `len` (< 16) f32; only those are written.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_partial(p: *mut f32, len: usize, v: V) {
    // SAFETY: masked-off lanes are not accessed; the caller vouches for the others.
    unsafe { _mm512_mask_storeu_ps(p, first_lanes(len), v.0) }
}

/// `v` with lane `i` holding lane `i ^ half` (`half` is 8, 4, 2 or 1).
#[inline]
#[target_feature(enable = "avx512f")]
fn lane_partner(v: V, half: usize) -> V {
    let half = half as i32;
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    V(_mm512_permutexvar_ps(
        _mm512_xor_si512(lanes, _mm512_set1_epi32(half)),
        v.0,
    ))
}

/// Lane 0.
#[inline]
#[target_feature(enable = "avx512f")]
fn first_lane(v: V) -> f32 {
    _mm512_cvtss_f32(v.0)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn add(a: V, b: V) -> V {
    V(_mm512_add_ps(a.0, b.0))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn sub(a: V, b: V) -> V {
    V(_mm512_sub_ps(a.0, b.0))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn mul(a: V, b: V) -> V {
    V(_mm512_mul_ps(a.0, b.0))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn div(a: V, b: V) -> V {
    V(_mm512_div_ps(a.0, b.0))
}

/// `a * b + c`, one rounding.
#[inline]
#[target_feature(enable = "avx512f")]
fn fma(a: V, b: V, c: V) -> V {
    V(_mm512_fmadd_ps(a.0, b.0, c.0))
}

/// `-(a * b) + c`, one rounding (equal to `fma(-a, b, c)`).
#[inline]
#[target_feature(enable = "avx512f")]
fn fnma(a: V, b: V, c: V) -> V {
    V(_mm512_fnmadd_ps(a.0, b.0, c.0))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn bits(v: V) -> __m512i {
    _mm512_castps_si512(v.0)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn from_bits(v: __m512i) -> V {
    V(_mm512_castsi512_ps(v))
}

/// Sign bit cleared.
#[inline]
#[target_feature(enable = "avx512f")]
fn abs(v: V) -> V {
    from_bits(_mm512_and_si512(bits(v), _mm512_set1_epi32(0x7FFF_FFFF)))
}

/// Sign bit set.
#[inline]
#[target_feature(enable = "avx512f")]
fn neg_abs(v: V) -> V {
    from_bits(_mm512_or_si512(bits(v), _mm512_set1_epi32(i32::MIN)))
}

/// `r` with the sign bit of `x` OR-ed in (`r` is non-negative).
#[inline]
#[target_feature(enable = "avx512f")]
fn copy_sign(r: V, x: V) -> V {
    let sign = _mm512_and_si512(bits(x), _mm512_set1_epi32(i32::MIN));
    from_bits(_mm512_or_si512(bits(r), sign))
}

/// `a < b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx512f")]
fn lt(a: V, b: V) -> M {
    _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a.0, b.0)
}

/// `a > b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx512f")]
fn gt(a: V, b: V) -> M {
    _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a.0, b.0)
}

/// `a >= b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx512f")]
fn ge(a: V, b: V) -> M {
    _mm512_cmp_ps_mask::<_CMP_GE_OQ>(a.0, b.0)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn is_nan(a: V) -> M {
    _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a.0, a.0)
}

/// `m ? if_set : if_clear` per lane.
#[inline]
#[target_feature(enable = "avx512f")]
fn blend(m: M, if_set: V, if_clear: V) -> V {
    V(_mm512_mask_blend_ps(m, if_clear.0, if_set.0))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn mask_or(a: M, b: M) -> M {
    a | b
}

#[inline]
#[target_feature(enable = "avx512f")]
fn mask_any(m: M) -> bool {
    m != 0
}

/// Per-lane maximum of non-NaN values under the float order with `-0.0 < +0.0`,
/// computed on the order keys of [`crate::math::order_key`] (NaN lanes: any value;
/// the callers track NaN separately).
#[inline]
#[target_feature(enable = "avx512f")]
fn max_ordered(a: V, b: V) -> V {
    let key = |x: __m512i| _mm512_xor_si512(x, _mm512_srli_epi32::<1>(_mm512_srai_epi32::<31>(x)));
    from_bits(key(_mm512_max_epi32(key(bits(a)), key(bits(b)))))
}

/// `y * 2^k1 * 2^k2` where `k = bits(t) - bits(ROUND_MAGIC)`, `k1 = k >> 1`, `k2 = k - k1`
/// (see [`crate::math::exp`]); the powers of two are built from exponent bits.
#[inline]
#[target_feature(enable = "avx512f")]
fn scale_by_pow2(y: V, t: V) -> V {
    let k = _mm512_sub_epi32(
        bits(t),
        _mm512_set1_epi32(crate::math::ROUND_MAGIC.to_bits() as i32),
    );
    let k1 = _mm512_srai_epi32::<1>(k);
    let k2 = _mm512_sub_epi32(k, k1);
    let bias = _mm512_set1_epi32(127);
    let pow2 = |e: __m512i| from_bits(_mm512_slli_epi32::<23>(_mm512_add_epi32(e, bias)));
    mul(mul(y, pow2(k1)), pow2(k2))
}

crate::simd::simd_algorithms!("avx512f");
