//! AVX2 + FMA primitives: 16 lanes are two `__m256` (lanes 0..8 and 8..16), a lane mask
//! two all-ones/all-zeros `__m256`. Tails go through a 16-float stack buffer.

use std::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(crate) struct V(pub(crate) __m256, pub(crate) __m256);

/// All-ones lanes where set.
type M = V;

#[inline]
#[target_feature(enable = "avx2,fma")]
fn splat(x: f32) -> V {
    V(_mm256_set1_ps(x), _mm256_set1_ps(x))
}

/// # Safety
/// `p` must be valid for reading 16 f32 (no alignment needed).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load(p: *const f32) -> V {
    // SAFETY: guaranteed by the caller.
    unsafe { V(_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))) }
}

/// # Safety
/// `p` must be valid for writing 16 f32 (no alignment needed).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store(p: *mut f32, v: V) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        _mm256_storeu_ps(p, v.0);
        _mm256_storeu_ps(p.add(8), v.1);
    }
}

/// Lanes `0..len` set (`len <= 16`).
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn first_lanes(len: usize) -> M {
    let index_lo = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let index_hi = _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15);
    let limit = _mm256_set1_epi32(len.min(16) as i32);
    V(
        _mm256_castsi256_ps(_mm256_cmpgt_epi32(limit, index_lo)),
        _mm256_castsi256_ps(_mm256_cmpgt_epi32(limit, index_hi)),
    )
}

/// # Safety
/// `p` must be valid for reading `len` (< 16) f32. Lanes `len..` get `fill`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_partial(p: *const f32, len: usize, fill: f32) -> V {
    let mut buf = [fill; 16];
    let len = len.min(16);
    // SAFETY: the caller vouches for `len` readable elements at `p`; `buf` holds 16.
    unsafe {
        std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), len);
        load(buf.as_ptr())
    }
}

/// # Safety
/// `p` must be valid for writing `len` (< 16) f32; only those are written.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_partial(p: *mut f32, len: usize, v: V) {
    let buf = to_array(v);
    // SAFETY: the caller vouches for `len` writable elements at `p`.
    unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), p, len.min(16)) };
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn to_array(v: V) -> [f32; 16] {
    let mut out = [0.0f32; 16];
    // SAFETY: `out` holds 16 f32.
    unsafe { store(out.as_mut_ptr(), v) };
    out
}

/// `v` with lane `i` holding lane `i ^ half` (`half` is 8, 4, 2 or 1).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn lane_partner(v: V, half: usize) -> V {
    let swap_pairs = |x: __m256| _mm256_permute2f128_ps::<1>(x, x);
    match half {
        8 => V(v.1, v.0),
        4 => V(swap_pairs(v.0), swap_pairs(v.1)),
        2 => V(
            _mm256_permute_ps::<0b01_00_11_10>(v.0),
            _mm256_permute_ps::<0b01_00_11_10>(v.1),
        ),
        _ => V(
            _mm256_permute_ps::<0b10_11_00_01>(v.0),
            _mm256_permute_ps::<0b10_11_00_01>(v.1),
        ),
    }
}

/// Lane 0.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn first_lane(v: V) -> f32 {
    _mm256_cvtss_f32(v.0)
}

/// Applies a 256-bit operation to both halves.
macro_rules! halves {
    ($f:ident, $a:expr) => {
        V($f($a.0), $f($a.1))
    };
    ($f:ident, $a:expr, $b:expr) => {
        V($f($a.0, $b.0), $f($a.1, $b.1))
    };
    ($f:ident, $a:expr, $b:expr, $c:expr) => {
        V($f($a.0, $b.0, $c.0), $f($a.1, $b.1, $c.1))
    };
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn add(a: V, b: V) -> V {
    halves!(_mm256_add_ps, a, b)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn sub(a: V, b: V) -> V {
    halves!(_mm256_sub_ps, a, b)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn mul(a: V, b: V) -> V {
    halves!(_mm256_mul_ps, a, b)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn div(a: V, b: V) -> V {
    halves!(_mm256_div_ps, a, b)
}

/// `a * b + c`, one rounding.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fma(a: V, b: V, c: V) -> V {
    halves!(_mm256_fmadd_ps, a, b, c)
}

/// `-(a * b) + c`, one rounding (equal to `fma(-a, b, c)`).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fnma(a: V, b: V, c: V) -> V {
    halves!(_mm256_fnmadd_ps, a, b, c)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn and_bits(a: V, mask: i32) -> V {
    let m = _mm256_castsi256_ps(_mm256_set1_epi32(mask));
    V(_mm256_and_ps(a.0, m), _mm256_and_ps(a.1, m))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn or(a: V, b: V) -> V {
    halves!(_mm256_or_ps, a, b)
}

/// Sign bit cleared.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn abs(v: V) -> V {
    and_bits(v, 0x7FFF_FFFF)
}

/// Sign bit set.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn neg_abs(v: V) -> V {
    or(v, splat(-0.0))
}

/// `r` with the sign bit of `x` OR-ed in (`r` is non-negative).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn copy_sign(r: V, x: V) -> V {
    or(r, and_bits(x, i32::MIN))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn cmp<const P: i32>(a: V, b: V) -> M {
    V(_mm256_cmp_ps::<P>(a.0, b.0), _mm256_cmp_ps::<P>(a.1, b.1))
}

/// `a < b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn lt(a: V, b: V) -> M {
    cmp::<_CMP_LT_OQ>(a, b)
}

/// `a > b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn gt(a: V, b: V) -> M {
    cmp::<_CMP_GT_OQ>(a, b)
}

/// `a >= b`, false when either is NaN.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn ge(a: V, b: V) -> M {
    cmp::<_CMP_GE_OQ>(a, b)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn is_nan(a: V) -> M {
    cmp::<_CMP_UNORD_Q>(a, a)
}

/// `m ? if_set : if_clear` per lane.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn blend(m: M, if_set: V, if_clear: V) -> V {
    halves!(_mm256_blendv_ps, if_clear, if_set, m)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn mask_or(a: M, b: M) -> M {
    or(a, b)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn mask_any(m: M) -> bool {
    _mm256_movemask_ps(_mm256_or_ps(m.0, m.1)) != 0
}

/// Per-lane maximum of non-NaN values under the float order with `-0.0 < +0.0`,
/// computed on the order keys of [`crate::math::order_key`] (NaN lanes: any value;
/// the callers track NaN separately).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn max_ordered(a: V, b: V) -> V {
    let key = |x: __m256| {
        let i = _mm256_castps_si256(x);
        _mm256_xor_si256(i, _mm256_srli_epi32::<1>(_mm256_srai_epi32::<31>(i)))
    };
    let back = |k: __m256i| {
        _mm256_castsi256_ps(_mm256_xor_si256(
            k,
            _mm256_srli_epi32::<1>(_mm256_srai_epi32::<31>(k)),
        ))
    };
    V(
        back(_mm256_max_epi32(key(a.0), key(b.0))),
        back(_mm256_max_epi32(key(a.1), key(b.1))),
    )
}

/// `y * 2^k1 * 2^k2` where `k = bits(t) - bits(ROUND_MAGIC)`, `k1 = k >> 1`, `k2 = k - k1`
/// (see [`crate::math::exp`]); the powers of two are built from exponent bits.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn scale_by_pow2(y: V, t: V) -> V {
    let half = |y: __m256, t: __m256| {
        let magic = _mm256_set1_epi32(crate::math::ROUND_MAGIC.to_bits() as i32);
        let k = _mm256_sub_epi32(_mm256_castps_si256(t), magic);
        let k1 = _mm256_srai_epi32::<1>(k);
        let k2 = _mm256_sub_epi32(k, k1);
        let bias = _mm256_set1_epi32(127);
        let pow2 =
            |e: __m256i| _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(e, bias)));
        _mm256_mul_ps(_mm256_mul_ps(y, pow2(k1)), pow2(k2))
    };
    V(half(y.0, t.0), half(y.1, t.1))
}

crate::simd::simd_algorithms!("avx2,fma");
