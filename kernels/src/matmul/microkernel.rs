//! Register-tiled microkernels: one tile of `h` rows x `NR * panels` columns of C kept
//! in vector registers while the k loop runs.
//!
//! Per step `p` of the k loop the kernel loads one row of B for the tile's columns,
//! broadcasts `a[i][p]` for each of the `h` rows and does one fma per accumulator:
//! `acc[i][j] = fma(a[i][p], b[p][j], acc[i][j])`. So every output is ONE fma chain over
//! `p` in increasing order, exactly the reference chain. The first k-block starts the
//! chains from `+0.0`; later blocks start from the partial values the previous block
//! stored in C, which continues the same chain. After the last block the tile gets its
//! epilogue (bias, relu, canonical NaN) before the store.
//!
//! - AVX-512: `MR = 12` rows x `NR = 32` columns (two zmm per row): 24 accumulators
//!   plus 2 B registers and one broadcast.
//! - AVX2: `MR = 6` rows x `NR = 16` columns (two ymm per row): 12 accumulators plus 2 B
//!   registers, the classic 6x16 shape for 16 ymm registers.
//!
//! Each height `h` in `1..=MR` has its own instance (const generic), so short tiles in
//! m cost no wasted work. Tiles of 1 to 3 rows would leave the FMA units waiting on
//! their 4-cycle latency with only 2 chains per row, so they may span several panels
//! ([`wide_panels`]): 8 to 12 independent chains, as many as two FMA pipes need.
//!
//! A is read in place (row-major, `a_row_stride` apart); B either from a packed panel
//! or in place (`b_row_stride` apart); see `driver`.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

#[cfg(target_arch = "x86_64")]
use crate::isa::Isa;

/// What a tile does at the ends of its k loop, and where its operands are.
#[derive(Clone, Copy)]
pub(crate) struct TileJob {
    /// Steps of this k-block.
    pub kc: usize,
    /// Start the chains from `+0.0` (first k-block) instead of from C.
    pub first: bool,
    /// Last k-block: add the bias, apply relu, make NaN canonical, then store.
    pub last: bool,
    /// The bias values of this tile's `cols` columns, or null for none.
    pub bias: *const f32,
    /// Apply relu in the epilogue.
    pub relu: bool,
    /// Row stride of A: row `i` of the tile starts at `a + i * a_row_stride` and each
    /// step moves one element along the rows (A is read in place, row-major).
    pub a_row_stride: usize,
    /// Row stride of B: step `p` reads the tile's columns at `b + p * b_row_stride`
    /// (`NR` for a packed panel, `n` for B read in place).
    pub b_row_stride: usize,
    /// Vectors (of `NR / 2` columns) per row of the tile: 2 (one panel), 2 x
    /// [`wide_panels`]`(h)` (several panels of B read in place), or 1 (the first half of
    /// a panel: a last panel at most `NR / 2` wide, such as a 10-class output layer,
    /// does half the work).
    pub vectors: usize,
    /// Columns of the tile that exist: `vectors * NR / 2`, or fewer in the last panel
    /// of B when `n` is not a multiple of `NR`. Past them nothing is read or written
    /// (masked loads and stores), so a partial panel of B can be read in place and the
    /// tile is stored straight into C.
    pub cols: usize,
}

/// How many panels a tile of `h` rows should span to keep at least 8 independent fma
/// chains in flight (2 vectors per row and panel): 4 for one row, 2 for two or three.
pub(crate) fn wide_panels(h: usize) -> usize {
    match h {
        1 => 4,
        2 | 3 => 2,
        _ => 1,
    }
}

/// A microkernel for one instruction set, with its blocking parameters.
pub(crate) trait Microkernel: Copy + Send + Sync {
    /// Rows of a full tile.
    const MR: usize;
    /// Columns of a panel (two vectors).
    const NR: usize;
    /// Depth of a k-block (a packed B panel, `KC x NR` floats, stays in L1).
    const KC: usize;
    /// Rows of A walked against one B panel (`MC x KC` floats of A, meant to stay in L2).
    const MC: usize;
    /// Columns of a B block (`KC x NC` floats of packed B, meant to stay in L2/L3).
    const NC: usize;

    /// Runs one tile of `h` rows and `job.vectors * NR / 2` columns over the `job.kc`
    /// steps of a k-block.
    ///
    /// # Safety
    /// `1 <= h <= MR`, `job.vectors` is 1, 2 or 2 x [`wide_panels`]`(h)`, and
    /// `job.cols` is at most `job.vectors * NR / 2` and equal to it for wide tiles;
    /// with `kc = job.kc` and `w = job.cols`: `a` is valid for `kc` reads from each of the `h` rows
    /// `a + i * job.a_row_stride`, `b` for `w` reads at each `b + p * job.b_row_stride`
    /// (`p < kc`); `c` is valid for reading and writing `h` rows of `w` floats at row
    /// stride `ldc`; `job.bias` is null or valid for `w` reads.
    unsafe fn tile(
        self,
        h: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        job: TileJob,
    );
}

/// Calls `$f::<H, V, MASKED>` for the runtime height `$h`, vectors per row `$vectors`
/// and masking `$masked`: one panel (V = 2) or half of one (V = 1) for every height,
/// masked or not, and the wide (never masked) instances for heights 1 to 3.
macro_rules! dispatch_tile {
    ($h:expr, $vectors:expr, $masked:expr, [$($n:literal),*], $f:ident, $args:tt) => {
        match ($h, $vectors, $masked) {
            (1, 8, false) => $f::<1, 8, false> $args,
            (2, 4, false) => $f::<2, 4, false> $args,
            (3, 4, false) => $f::<3, 4, false> $args,
            $( ($n, 2, false) => $f::<$n, 2, false> $args, )*
            $( ($n, 1, false) => $f::<$n, 1, false> $args, )*
            $( ($n, 2, true) => $f::<$n, 2, true> $args, )*
            $( ($n, 1, true) => $f::<$n, 1, true> $args, )*
            (h, vectors, masked) => debug_assert!(
                false,
                "no tile of height {h} with {vectors} vectors (masked: {masked})"
            ),
        }
    };
}

/// A microkernel type for one instruction set: a token that only `new` makes, and only
/// where the CPU runs that set, with its blocking parameters and tile heights.
macro_rules! microkernel {
    (
        $(#[$doc:meta])*
        $name:ident, $isa:expr, MR = $mr:literal, NR = $nr:literal, KC = $kc:literal,
        heights $heights:tt, $tile:ident
    ) => {
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        #[derive(Clone, Copy)]
        pub(crate) struct $name {
            _checked: (),
        }

        #[cfg(target_arch = "x86_64")]
        impl $name {
            /// Some when this CPU runs the instruction set.
            pub fn new() -> Option<Self> {
                $isa.is_available().then_some(Self { _checked: () })
            }
        }

        #[cfg(target_arch = "x86_64")]
        impl Microkernel for $name {
            const MR: usize = $mr;
            const NR: usize = $nr;
            const KC: usize = $kc;
            const MC: usize = 144;
            const NC: usize = 4096;

            unsafe fn tile(
                self,
                h: usize,
                a: *const f32,
                b: *const f32,
                c: *mut f32,
                ldc: usize,
                job: TileJob,
            ) {
                // SAFETY: `self` exists only where the instruction set was detected (see
                // `new`); the pointer contract is the caller's (see the trait).
                unsafe {
                    dispatch_tile!(
                        h,
                        job.vectors,
                        job.cols < job.vectors * Self::NR / 2,
                        $heights,
                        $tile,
                        (a, b, c, ldc, job)
                    )
                }
            }
        }
    };
}

microkernel!(
    /// The AVX-512 microkernel (12 x 32).
    Avx512Tile, Isa::Avx512, MR = 12, NR = 32, KC = 512,
    heights [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], tile_avx512
);

microkernel!(
    /// The AVX2 + FMA microkernel (6 x 16).
    Avx2Tile, Isa::Avx2Fma, MR = 6, NR = 16, KC = 256,
    heights [1, 2, 3, 4, 5, 6], tile_avx2
);

/// The microkernel body, written once and instantiated per ISA with its intrinsics:
/// one fma chain per output over the kc steps, started from the partial C values
/// after the first k-block, with the epilogue after the last. With `MASKED`, every
/// access to B, C and the bias is limited to the tile's `job.cols` columns.
macro_rules! simd_tile {
    (
        $(#[$doc:meta])*
        $name:ident, $feature:literal, $lanes:literal, $zero:ident, $load:ident, $splat:ident,
        $fmadd:ident, $store:ident, $finish:ident,
        $mask_of:ident, $load_masked:ident, $store_masked:ident
    ) => {
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        unsafe fn $name<const H: usize, const V: usize, const MASKED: bool>(
            a: *const f32,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            job: TileJob,
        ) {
            // Lanes of vector v that exist (all of them unless MASKED).
            let masks: [_; V] = std::array::from_fn(|v| $mask_of(job.cols.saturating_sub($lanes * v)));
            // SAFETY (both): the caller vouches for the columns of each vector, all of
            // them unless MASKED, the first job.cols otherwise.
            let load = |p: *const f32, v: usize| unsafe {
                if MASKED { $load_masked(p, masks[v]) } else { $load(p) }
            };
            let store = |p: *mut f32, v: usize, x| unsafe {
                if MASKED { $store_masked(p, masks[v], x) } else { $store(p, x) }
            };
            let mut acc = [[$zero(); V]; H];
            if !job.first {
                for (i, row) in acc.iter_mut().enumerate() {
                    for (v, x) in row.iter_mut().enumerate() {
                        // SAFETY: row i of the tile is valid for its columns.
                        *x = load(unsafe { c.add(i * ldc + $lanes * v) }, v);
                    }
                }
            }
            let (lda, ldb) = (job.a_row_stride, job.b_row_stride);
            let (mut pa, mut pb) = (a, b);
            for _ in 0..job.kc {
                // SAFETY: the caller vouches for kc steps of H rows of A and the tile's
                // columns of B.
                unsafe {
                    let mut bv = [$zero(); V];
                    for (v, x) in bv.iter_mut().enumerate() {
                        *x = load(pb.add($lanes * v), v);
                    }
                    for (i, row) in acc.iter_mut().enumerate() {
                        let ai = $splat(*pa.add(i * lda));
                        for (x, &bx) in row.iter_mut().zip(&bv) {
                            *x = $fmadd(ai, bx, *x);
                        }
                    }
                    pa = pa.add(1);
                    pb = pb.add(ldb);
                }
            }
            if job.last {
                for row in acc.iter_mut() {
                    for (v, x) in row.iter_mut().enumerate() {
                        let bias = if job.bias.is_null() {
                            None
                        } else {
                            // SAFETY: a non-null bias holds the tile's columns.
                            Some(load(unsafe { job.bias.add($lanes * v) }, v))
                        };
                        *x = $finish(*x, bias, job.relu);
                    }
                }
            }
            for (i, row) in acc.iter().enumerate() {
                for (v, x) in row.iter().enumerate() {
                    // SAFETY: row i of the tile is valid for its columns.
                    store(unsafe { c.add(i * ldc + $lanes * v) }, v, *x);
                }
            }
        }
    };
}

/// The first `min(len, 16)` lanes of a zmm.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
fn lanes_avx512(len: usize) -> __mmask16 {
    crate::simd::avx512::first_lanes(len)
}

/// # Safety
/// The lanes of `mask` must be readable at `p`.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_masked_avx512(p: *const f32, mask: __mmask16) -> __m512 {
    // SAFETY: masked-off lanes are not accessed (no fault); the caller vouches for
    // the others.
    unsafe { _mm512_maskz_loadu_ps(mask, p) }
}

/// # Safety
/// The lanes of `mask` must be writable at `p`.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_masked_avx512(p: *mut f32, mask: __mmask16, v: __m512) {
    // SAFETY: as for the load.
    unsafe { _mm512_mask_storeu_ps(p, mask, v) }
}

/// Epilogue on one zmm of finished outputs: `+ bias`, relu, canonical NaN.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
fn finish_avx512(v: __m512, bias: Option<__m512>, relu: bool) -> __m512 {
    let v = match bias {
        Some(b) => _mm512_add_ps(v, b),
        None => v,
    };
    let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
    let v = if relu {
        let zero = _mm512_setzero_ps();
        _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, zero), zero, v)
    } else {
        v
    };
    _mm512_mask_blend_ps(nan, v, _mm512_set1_ps(crate::math::CANONICAL_NAN))
}

simd_tile!(
    /// One tile of `H` rows x `V` zmm (16 columns each).
    ///
    /// # Safety
    /// See [`Microkernel::tile`], with `h = H` and `w = 16 * V`; AVX-512F must be available.
    tile_avx512, "avx512f", 16, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_set1_ps,
    _mm512_fmadd_ps, _mm512_storeu_ps, finish_avx512,
    lanes_avx512, load_masked_avx512, store_masked_avx512
);

/// Epilogue on one ymm of finished outputs: `+ bias`, relu, canonical NaN.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2,fma")]
fn finish_avx2(v: __m256, bias: Option<__m256>, relu: bool) -> __m256 {
    let v = match bias {
        Some(b) => _mm256_add_ps(v, b),
        None => v,
    };
    let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v);
    let v = if relu {
        let zero = _mm256_setzero_ps();
        _mm256_blendv_ps(zero, v, _mm256_cmp_ps::<_CMP_GT_OQ>(v, zero))
    } else {
        v
    };
    _mm256_blendv_ps(v, _mm256_set1_ps(crate::math::CANONICAL_NAN), nan)
}

simd_tile!(
    /// One tile of `H` rows x `V` ymm (8 columns each).
    ///
    /// # Safety
    /// See [`Microkernel::tile`], with `h = H` and `w = 8 * V`; AVX2 and FMA must be
    /// available.
    tile_avx2, "avx2,fma", 8, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_set1_ps,
    _mm256_fmadd_ps, _mm256_storeu_ps, finish_avx2,
    lanes_avx2, load_masked_avx2, store_masked_avx2
);

/// The first `min(len, 8)` lanes of a ymm, as a `vmaskmov` mask (the low half of the
/// 16-lane mask of the SIMD kernels).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2,fma")]
fn lanes_avx2(len: usize) -> __m256i {
    _mm256_castps_si256(crate::simd::avx2::first_lanes(len).0)
}

/// # Safety
/// The lanes of `mask` must be readable at `p`.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_masked_avx2(p: *const f32, mask: __m256i) -> __m256 {
    // SAFETY: masked-off lanes are not accessed (no fault); the caller vouches for
    // the others.
    unsafe { _mm256_maskload_ps(p, mask) }
}

/// # Safety
/// The lanes of `mask` must be writable at `p`.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_masked_avx2(p: *mut f32, mask: __m256i, v: __m256) {
    // SAFETY: as for the load.
    unsafe { _mm256_maskstore_ps(p, mask, v) }
}
