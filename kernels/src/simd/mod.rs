//! SIMD kernels for the elementwise and row-wise ops, one module per instruction set.
//!
//! Both modules see 16 f32 lanes as one value `V` (one `__m512`, or two `__m256` for
//! AVX2) and provide the same small set of primitives (`add`, `fma`, `blend`, masked
//! tail loads, ...), each one IEEE operation per lane. The algorithms are written ONCE,
//! in [`simd_algorithms!`], over those primitives, in the same order of operations as
//! the scalar definitions in [`crate::math`] and [`crate::reference`]; so every lane
//! rounds exactly as the scalar code does and the results are equal bit for bit.
//!
//! 16 lanes is also the lane count of the row reductions: element `j` of a row lands in
//! lane `j mod 16` when rows are walked in steps of 16, and the lanes are combined by the
//! reference's scalar tree. Tails shorter than 16 are loaded masked, padded with the
//! identity of the operation (`-0.0` for sums, which is exact: `x + -0.0 = x` for every
//! `x`), and stored masked.

/// Generates the algorithms on top of the primitives of the module that invokes it.
/// `$feat` is the `target_feature` string of that module.
macro_rules! simd_algorithms {
    ($feat:literal) => {
        use crate::math::{
            CANONICAL_NAN, EXP_CLAMP_HI, EXP_CLAMP_LO, EXP_POLY, GELU_CUBIC, LN2_HI, LN2_LO,
            LOG2_E, ROUND_MAGIC, SQRT_2_OVER_PI, TANH_POLY, TANH_SMALL,
        };
        use crate::ops::{BinaryOp, UnaryOp};
        use crate::reference::rows;

        /// Lanes per step.
        const W: usize = 16;

        /// NaN lanes replaced by the canonical NaN.
        #[inline]
        #[target_feature(enable = $feat)]
        fn canon(v: V) -> V {
            blend(is_nan(v), splat(CANONICAL_NAN), v)
        }

        /// [`crate::math::exp`] on 16 lanes.
        #[inline]
        #[target_feature(enable = $feat)]
        fn exp_v(x: V) -> V {
            let nan = is_nan(x);
            let lo = splat(EXP_CLAMP_LO);
            let hi = splat(EXP_CLAMP_HI);
            let x = blend(lt(x, lo), lo, x);
            let x = blend(gt(x, hi), hi, x);
            let magic = splat(ROUND_MAGIC);
            let t = fma(x, splat(LOG2_E), magic);
            let kf = sub(t, magic);
            let r = fnma(kf, splat(LN2_HI), x);
            let r = fnma(kf, splat(LN2_LO), r);
            let mut p = splat(EXP_POLY[0]);
            for &c in &EXP_POLY[1..] {
                p = fma(p, r, splat(c));
            }
            let y = add(fma(p, mul(r, r), r), splat(1.0));
            blend(nan, splat(CANONICAL_NAN), scale_by_pow2(y, t))
        }

        /// [`crate::math::tanh`] on 16 lanes (both branches, then a select).
        #[inline]
        #[target_feature(enable = $feat)]
        fn tanh_v(x: V) -> V {
            let nan = is_nan(x);
            let a = abs(x);
            let s = mul(a, a);
            let mut p = splat(TANH_POLY[0]);
            for &c in &TANH_POLY[1..] {
                p = fma(p, s, splat(c));
            }
            let small = fma(mul(p, s), a, a);
            let one = splat(1.0);
            let e = exp_v(add(a, a));
            let large = sub(one, div(splat(2.0), add(e, one)));
            let r = blend(lt(a, splat(TANH_SMALL)), small, large);
            blend(nan, splat(CANONICAL_NAN), copy_sign(r, x))
        }

        /// [`crate::math::sigmoid`] on 16 lanes.
        #[inline]
        #[target_feature(enable = $feat)]
        fn sigmoid_v(x: V) -> V {
            let nan = is_nan(x);
            let one = splat(1.0);
            let e = exp_v(neg_abs(x));
            let d = add(one, e);
            let numerator = blend(ge(x, splat(0.0)), one, e);
            blend(nan, splat(CANONICAL_NAN), div(numerator, d))
        }

        /// [`crate::math::gelu`] on 16 lanes.
        #[inline]
        #[target_feature(enable = $feat)]
        fn gelu_v(x: V) -> V {
            let cube = mul(mul(x, x), x);
            let inner = fma(splat(GELU_CUBIC), cube, x);
            let t = tanh_v(mul(splat(SQRT_2_OVER_PI), inner));
            canon(mul(mul(splat(0.5), x), add(splat(1.0), t)))
        }

        /// [`crate::math::relu`] on 16 lanes.
        #[inline]
        #[target_feature(enable = $feat)]
        fn relu_v(x: V) -> V {
            let zero = splat(0.0);
            let r = blend(gt(x, zero), x, zero);
            blend(is_nan(x), splat(CANONICAL_NAN), r)
        }

        /// `out[i] = f(x[i])` over `min(len)` elements, 16 at a time, the tail masked.
        #[inline]
        #[target_feature(enable = $feat)]
        fn map(x: &[f32], out: &mut [f32], f: impl Fn(V) -> V) {
            let n = x.len().min(out.len());
            let (src, dst) = (x.as_ptr(), out.as_mut_ptr());
            let mut i = 0;
            while i + W <= n {
                // SAFETY: i + 16 <= n, and both slices hold n elements.
                unsafe { store(dst.add(i), f(load(src.add(i)))) };
                i += W;
            }
            if i < n {
                // SAFETY: the partial load and store touch only elements i..n.
                unsafe {
                    store_partial(dst.add(i), n - i, f(load_partial(src.add(i), n - i, 0.0)))
                };
            }
        }

        /// `out[i] = op(a[i], b[i])` over `min(len)` elements.
        #[inline]
        #[target_feature(enable = $feat)]
        fn zip_map(a: &[f32], b: &[f32], out: &mut [f32], f: impl Fn(V, V) -> V) {
            let n = a.len().min(b.len()).min(out.len());
            let (pa, pb, dst) = (a.as_ptr(), b.as_ptr(), out.as_mut_ptr());
            let mut i = 0;
            while i + W <= n {
                // SAFETY: i + 16 <= n, and all three slices hold n elements.
                unsafe { store(dst.add(i), f(load(pa.add(i)), load(pb.add(i)))) };
                i += W;
            }
            if i < n {
                let r = n - i;
                // SAFETY: the partial loads and store touch only elements i..n.
                unsafe {
                    let v = f(
                        load_partial(pa.add(i), r, 0.0),
                        load_partial(pb.add(i), r, 0.0),
                    );
                    store_partial(dst.add(i), r, v);
                }
            }
        }

        /// An elementwise unary op over a slice.
        #[target_feature(enable = $feat)]
        pub(crate) fn unary(op: UnaryOp, x: &[f32], out: &mut [f32]) {
            match op {
                UnaryOp::Relu => map(x, out, |v| relu_v(v)),
                UnaryOp::Gelu => map(x, out, |v| gelu_v(v)),
                UnaryOp::Sigmoid => map(x, out, |v| sigmoid_v(v)),
                UnaryOp::Tanh => map(x, out, |v| tanh_v(v)),
                UnaryOp::Exp => map(x, out, |v| exp_v(v)),
                UnaryOp::Scale(s) => {
                    let s = splat(s);
                    map(x, out, |v| canon(mul(v, s)))
                }
            }
        }

        /// An elementwise binary op; `b` is either as long as `a` or one row that
        /// repeats every `b.len()` elements.
        #[target_feature(enable = $feat)]
        pub(crate) fn binary(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) {
            if b.is_empty() {
                return;
            }
            for (out_row, a_row) in out.chunks_mut(b.len()).zip(a.chunks(b.len())) {
                match op {
                    BinaryOp::Add => zip_map(a_row, b, out_row, |x, y| canon(add(x, y))),
                    BinaryOp::Sub => zip_map(a_row, b, out_row, |x, y| canon(sub(x, y))),
                    BinaryOp::Mul => zip_map(a_row, b, out_row, |x, y| canon(mul(x, y))),
                }
            }
        }

        /// [`crate::reference::reduce::combine`] in registers: lane `i` meets lane `i + half` for half =
        /// 8, 4, 2, 1 (every lane meets its partner `i ^ half`; lane 0 then holds
        /// exactly the reference's tree).
        #[inline]
        #[target_feature(enable = $feat)]
        fn combine_v(v: V, op: impl Fn(V, V) -> V) -> f32 {
            let mut v = v;
            for half in [8, 4, 2, 1] {
                v = op(v, lane_partner(v, half));
            }
            first_lane(v)
        }

        /// The 16 partial sums of a row (lane `j mod 16` gets `x[j]`), from `+0.0`.
        #[inline]
        #[target_feature(enable = $feat)]
        fn sum_lanes(x: &[f32]) -> V {
            let n = x.len();
            let p = x.as_ptr();
            let mut acc = splat(0.0);
            let mut i = 0;
            while i + W <= n {
                // SAFETY: i + 16 <= n.
                acc = add(acc, unsafe { load(p.add(i)) });
                i += W;
            }
            if i < n {
                // SAFETY: only elements i..n are read; the other lanes get -0.0, which
                // adds exactly nothing.
                acc = add(acc, unsafe { load_partial(p.add(i), n - i, -0.0) });
            }
            acc
        }

        /// The sum of a row as [`crate::reference::reduce::sum`] computes it (NaN not yet canonical).
        #[inline]
        #[target_feature(enable = $feat)]
        fn sum_of(x: &[f32]) -> f32 {
            combine_v(sum_lanes(x), |a, b| add(a, b))
        }

        /// Row maximum, equal to [`crate::reference::reduce::max`]: per-lane maxima under the float order
        /// (`-0.0 < +0.0`), a NaN anywhere gives the canonical NaN.
        #[inline]
        #[target_feature(enable = $feat)]
        fn max_of(x: &[f32]) -> f32 {
            let n = x.len();
            let p = x.as_ptr();
            let mut acc = splat(f32::NEG_INFINITY);
            let mut nan = is_nan(acc);
            let mut i = 0;
            while i + W <= n {
                // SAFETY: i + 16 <= n.
                let v = unsafe { load(p.add(i)) };
                nan = mask_or(nan, is_nan(v));
                acc = max_ordered(acc, v);
                i += W;
            }
            if i < n {
                // SAFETY: only elements i..n are read; the other lanes get -inf.
                let v = unsafe { load_partial(p.add(i), n - i, f32::NEG_INFINITY) };
                nan = mask_or(nan, is_nan(v));
                acc = max_ordered(acc, v);
            }
            if mask_any(nan) {
                CANONICAL_NAN
            } else {
                combine_v(acc, |a, b| max_ordered(a, b))
            }
        }

        /// Row sums of `rows` consecutive rows of length `n` into `out[r]`.
        #[target_feature(enable = $feat)]
        pub(crate) fn row_sums(x: &[f32], n: usize, out: &mut [f32]) {
            for (r, o) in out.iter_mut().enumerate() {
                *o = crate::math::canonicalize(sum_of(&x[r * n..][..n]));
            }
        }

        /// Row means (`sum / n`).
        #[target_feature(enable = $feat)]
        pub(crate) fn row_means(x: &[f32], n: usize, out: &mut [f32]) {
            for (r, o) in out.iter_mut().enumerate() {
                *o = crate::math::canonicalize(rows::mean_of_sum(sum_of(&x[r * n..][..n]), n));
            }
        }

        /// Row maxima.
        #[target_feature(enable = $feat)]
        pub(crate) fn row_maxes(x: &[f32], n: usize, out: &mut [f32]) {
            for (r, o) in out.iter_mut().enumerate() {
                *o = max_of(&x[r * n..][..n]);
            }
        }

        /// Row argmax (first maximum, first NaN if any), as f32; rows are non-empty.
        #[target_feature(enable = $feat)]
        pub(crate) fn row_argmaxes(x: &[f32], n: usize, out: &mut [f32]) {
            for (r, o) in out.iter_mut().enumerate() {
                let row = &x[r * n..][..n];
                let m = max_of(row);
                let index = if m.is_nan() {
                    row.iter().position(|v| v.is_nan())
                } else {
                    row.iter().position(|v| v.to_bits() == m.to_bits())
                };
                *o = index.unwrap_or(0) as f32;
            }
        }

        /// Softmax of consecutive rows of length `n` (see [`rows::softmax_row`]).
        #[target_feature(enable = $feat)]
        pub(crate) fn softmax_rows(x: &[f32], n: usize, y: &mut [f32]) {
            if n == 0 {
                return;
            }
            if n <= W {
                return softmax_short_rows(x, n, y);
            }
            for (xr, yr) in x.chunks(n).zip(y.chunks_mut(n)) {
                let m = splat(max_of(xr));
                map(xr, yr, |v| exp_v(sub(v, m)));
                // y holds exactly the values the reference sums.
                let s = splat(sum_of(yr));
                let e = yr.as_ptr();
                let mut i = 0;
                while i + W <= n {
                    // SAFETY: i + 16 <= n; reads and writes the same 16 elements.
                    unsafe { store(yr.as_mut_ptr().add(i), canon(div(load(e.add(i)), s))) };
                    i += W;
                }
                if i < n {
                    // SAFETY: elements i..n only.
                    unsafe {
                        let v = load_partial(e.add(i), n - i, 1.0);
                        store_partial(yr.as_mut_ptr().add(i), n - i, canon(div(v, s)));
                    }
                }
            }
        }

        /// Softmax of rows of 1 to 16 elements, each row in one register: the same
        /// operations as [`rows::softmax_row`] lane for lane (lanes past the row are
        /// `-inf` for the max and `+0.0` in the sum, as in the reference's lanes).
        #[target_feature(enable = $feat)]
        fn softmax_short_rows(x: &[f32], n: usize, y: &mut [f32]) {
            // Eight rows at a time, their steps interleaved: one row's chain of
            // dependent steps (two lane trees, exp, a division) is long, and eight
            // independent ones keep the vector units busy.
            const GROUP: usize = 8;
            let mut xs = x.chunks_exact(n * GROUP);
            let mut ys = y.chunks_exact_mut(n * GROUP);
            for (xg, yg) in (&mut xs).zip(&mut ys) {
                softmax_short_group::<GROUP>(xg, n, yg);
            }
            for (xr, yr) in xs
                .remainder()
                .chunks_exact(n)
                .zip(ys.into_remainder().chunks_exact_mut(n))
            {
                softmax_short_group::<1>(xr, n, yr);
            }
        }

        /// [`softmax_short_rows`] on exactly `R` rows of `n <= 16` elements.
        #[inline]
        #[target_feature(enable = $feat)]
        fn softmax_short_group<const R: usize>(x: &[f32], n: usize, y: &mut [f32]) {
            let row = first_lanes(n);
            // SAFETY: row r has n elements at r * n (in x and in y); only its n lanes
            // are read, or written below.
            let v: [V; R] = std::array::from_fn(|r| unsafe {
                load_partial(x.as_ptr().add(r * n), n, f32::NEG_INFINITY)
            });
            let m: [V; R] = std::array::from_fn(|r| {
                splat(if mask_any(is_nan(v[r])) {
                    CANONICAL_NAN
                } else {
                    combine_v(v[r], |a, b| max_ordered(a, b))
                })
            });
            // Padding lanes take exp(0), not exp(-inf) (subnormal steps are slow).
            let e: [V; R] = std::array::from_fn(|r| {
                blend(row, exp_v(sub(blend(row, v[r], m[r]), m[r])), splat(-0.0))
            });
            let s: [V; R] =
                std::array::from_fn(|r| splat(combine_v(add(splat(0.0), e[r]), |a, b| add(a, b))));
            for r in 0..R {
                // SAFETY: as for the loads.
                unsafe { store_partial(y.as_mut_ptr().add(r * n), n, canon(div(e[r], s[r]))) };
            }
        }

        /// Layer normalisation of consecutive rows (see [`rows::layernorm_row`]).
        #[target_feature(enable = $feat)]
        pub(crate) fn layernorm_rows(
            x: &[f32],
            gamma: &[f32],
            beta: &[f32],
            eps: f32,
            y: &mut [f32],
        ) {
            let n = gamma.len();
            if n == 0 {
                return;
            }
            for (xr, yr) in x.chunks(n).zip(y.chunks_mut(n)) {
                let mean = rows::mean_of_sum(sum_of(xr), n);
                let mv = splat(mean);
                let p = xr.as_ptr();
                let mut acc = splat(0.0);
                let mut i = 0;
                while i + W <= n {
                    // SAFETY: i + 16 <= n.
                    let d = sub(unsafe { load(p.add(i)) }, mv);
                    acc = fma(d, d, acc);
                    i += W;
                }
                if i < n {
                    // SAFETY: elements i..n only; lanes past the row keep their sums.
                    let d = sub(unsafe { load_partial(p.add(i), n - i, 0.0) }, mv);
                    acc = blend(first_lanes(n - i), fma(d, d, acc), acc);
                }
                let inv = splat(rows::inv_std_of_sum(
                    combine_v(acc, |a, b| add(a, b)),
                    n,
                    eps,
                ));
                let (pg, pb, dst) = (gamma.as_ptr(), beta.as_ptr(), yr.as_mut_ptr());
                let mut i = 0;
                while i + W <= n {
                    // SAFETY: i + 16 <= n for x, gamma, beta and y (all n long).
                    unsafe {
                        let d = sub(load(p.add(i)), mv);
                        let v = fma(mul(d, inv), load(pg.add(i)), load(pb.add(i)));
                        store(dst.add(i), canon(v));
                    }
                    i += W;
                }
                if i < n {
                    let r = n - i;
                    // SAFETY: elements i..n only.
                    unsafe {
                        let d = sub(load_partial(p.add(i), r, 0.0), mv);
                        let v = fma(
                            mul(d, inv),
                            load_partial(pg.add(i), r, 0.0),
                            load_partial(pb.add(i), r, 0.0),
                        );
                        store_partial(dst.add(i), r, canon(v));
                    }
                }
            }
        }
    };
}

pub(crate) use simd_algorithms;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
