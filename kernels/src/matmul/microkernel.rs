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
//! Each instruction set has a few tile shapes (`MR` rows x `NR` columns, `NR` being one
//! to three vectors), chosen at run time per [`crate::Tuning`]; the driver is
//! monomorphized per shape, so the choice costs one `match` per product:
//! - AVX-512: 12 x 32 (the default: two zmm per row, 24 accumulators plus 2 B registers
//!   and one broadcast), 8 x 48, 16 x 16.
//! - AVX2: 6 x 16 (the default: two ymm per row, 12 accumulators plus 2 B registers,
//!   the classic shape for 16 ymm registers), 4 x 24, 8 x 8.
//!
//! The shape changes which registers hold an output, never its chain: every shape gives
//! the reference's bits.
//!
//! Each height `h` in `1..=MR` has its own instance (const generic), so short tiles in
//! m cost no wasted work. Tiles of 1 to 3 rows would leave the FMA units waiting on
//! their 4-cycle latency with only a few chains per row, so they may span several panels
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
    /// Vectors (of `LANES` columns) per row of the tile: `PV` (one panel), `PV` x
    /// [`wide_panels`]`(h, PV)` (several panels of B read in place), or fewer than `PV`
    /// (the vectors a partial last panel needs: a 10-class output layer on a 16-column
    /// panel does half the work).
    pub vectors: usize,
    /// Columns of the tile that exist: `vectors * LANES`, or fewer in the last panel
    /// of B when `n` is not a multiple of `NR`. Past them nothing is read or written
    /// (masked loads and stores), so a partial panel of B can be read in place and the
    /// tile is stored straight into C.
    pub cols: usize,
}

/// How many panels of `pv` vectors a tile of `h` rows should span to keep at least 8
/// independent fma chains in flight: with two vectors per panel, 4 for one row and 2
/// for two or three; with one, 8, 4 and 3; with three, 3 and 2 (and 1 for three rows,
/// which have 9 chains already). Tiles of 4 rows or more span one panel.
pub(crate) fn wide_panels(h: usize, pv: usize) -> usize {
    if h == 0 || h > 3 {
        1
    } else {
        8usize.div_ceil(h * pv)
    }
}

/// A microkernel for one instruction set and tile shape: `MR` rows x `NR` columns,
/// `NR = PV * LANES` (`PV` vectors of `LANES` floats per row). The blocking around it
/// (`kc`, `mc`, `nc`) is chosen at run time ([`crate::MatmulTuning`]).
pub(crate) trait Microkernel: Copy + Send + Sync {
    /// Rows of a full tile.
    const MR: usize;
    /// Columns of a panel (`PV` vectors).
    const NR: usize;
    /// Vectors per row of a full tile.
    const PV: usize;
    /// Floats per vector register.
    const LANES: usize;

    /// Runs one tile of `h` rows and `job.vectors * LANES` columns over the `job.kc`
    /// steps of a k-block.
    ///
    /// # Safety
    /// `1 <= h <= MR`, `job.vectors` is at most `PV`, or `PV` x
    /// [`wide_panels`]`(h, PV)` for a wide tile; `job.cols` is at most
    /// `job.vectors * LANES`, more than `(job.vectors - 1) * LANES`, and equal to
    /// `job.vectors * LANES` for wide tiles; with `kc = job.kc` and `w = job.cols`: `a`
    /// is valid for `kc` reads from each of the `h` rows `a + i * job.a_row_stride`, `b`
    /// for `w` reads at each `b + p * job.b_row_stride` (`p < kc`); `c` is valid for
    /// reading and writing `h` rows of `w` floats at row stride `ldc`; `job.bias` is null
    /// or valid for `w` reads.
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
/// and masking `$masked`: the wide (never masked) instances listed, then for every
/// height each vector count of one panel (1 to `PV`), masked or not.
macro_rules! dispatch_tile {
    (
        $h:expr, $vectors:expr, $masked:expr, [$($n:literal),*], $vs:tt,
        [$(($wh:literal, $wv:literal)),*], $f:ident, $args:tt
    ) => {
        match ($h, $vectors, $masked) {
            $( ($wh, $wv, false) => $f::<$wh, $wv, false> $args, )*
            $( ($n, vectors, masked) => dispatch_vectors!($n, vectors, masked, $vs, $f, $args), )*
            (h, vectors, masked) => debug_assert!(
                false,
                "no tile of height {h} with {vectors} vectors (masked: {masked})"
            ),
        }
    };
}

/// The vector counts of one height (see `dispatch_tile`).
macro_rules! dispatch_vectors {
    ($n:literal, $vectors:expr, $masked:expr, [$($v:literal),*], $f:ident, $args:tt) => {
        match ($vectors, $masked) {
            $( ($v, false) => $f::<$n, $v, false> $args, )*
            $( ($v, true) => $f::<$n, $v, true> $args, )*
            (vectors, masked) => debug_assert!(
                false,
                "no tile of height {} with {vectors} vectors (masked: {masked})",
                $n
            ),
        }
    };
}

/// A microkernel type for one instruction set and tile shape: a token that only `new`
/// makes, and only where the CPU runs that set, with its shape, tile heights, vector
/// counts and wide instances.
macro_rules! microkernel {
    (
        $(#[$doc:meta])*
        $name:ident, $isa:expr, MR = $mr:literal, PV = $pv:literal, LANES = $lanes:literal,
        heights $heights:tt, vectors $vectors:tt, wide $wide:tt, $tile:ident
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
            const NR: usize = $pv * $lanes;
            const PV: usize = $pv;
            const LANES: usize = $lanes;

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
                        job.cols < job.vectors * Self::LANES,
                        $heights,
                        $vectors,
                        $wide,
                        $tile,
                        (a, b, c, ldc, job)
                    )
                }
            }
        }
    };
}

microkernel!(
    /// AVX-512, 12 x 32 (two zmm per row: 24 accumulators, 2 B registers, a broadcast).
    Avx512Tile12x32, Isa::Avx512, MR = 12, PV = 2, LANES = 16,
    heights [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], vectors [1, 2],
    wide [(1, 8), (2, 4), (3, 4)], tile_avx512
);

microkernel!(
    /// AVX-512, 8 x 48 (three zmm per row: 24 accumulators, fewer broadcasts per fma).
    Avx512Tile8x48, Isa::Avx512, MR = 8, PV = 3, LANES = 16,
    heights [1, 2, 3, 4, 5, 6, 7, 8], vectors [1, 2, 3],
    wide [(1, 9), (2, 6)], tile_avx512
);

microkernel!(
    /// AVX-512, 16 x 16 (one zmm per row: 16 accumulators, 16 streams of A).
    Avx512Tile16x16, Isa::Avx512, MR = 16, PV = 1, LANES = 16,
    heights [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], vectors [1],
    wide [(1, 8), (2, 4), (3, 3)], tile_avx512
);

microkernel!(
    /// AVX2 + FMA, 6 x 16 (two ymm per row: 12 accumulators plus 2 B registers, the
    /// classic shape for 16 ymm registers).
    Avx2Tile6x16, Isa::Avx2Fma, MR = 6, PV = 2, LANES = 8,
    heights [1, 2, 3, 4, 5, 6], vectors [1, 2],
    wide [(1, 8), (2, 4), (3, 4)], tile_avx2
);

microkernel!(
    /// AVX2 + FMA, 4 x 24 (three ymm per row: 12 accumulators, 4 broadcasts and 3 B
    /// loads per step instead of 6 and 2).
    Avx2Tile4x24, Isa::Avx2Fma, MR = 4, PV = 3, LANES = 8,
    heights [1, 2, 3, 4], vectors [1, 2, 3],
    wide [(1, 9), (2, 6)], tile_avx2
);

microkernel!(
    /// AVX2 + FMA, 8 x 8 (one ymm per row: 8 accumulators, 8 streams of A, for narrow
    /// outputs).
    Avx2Tile8x8, Isa::Avx2Fma, MR = 8, PV = 1, LANES = 8,
    heights [1, 2, 3, 4, 5, 6, 7, 8], vectors [1],
    wide [(1, 8), (2, 4), (3, 3)], tile_avx2
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
