//! [`Kernels`]: the fast ops, on one kernel path and a fixed number of threads.
//!
//! Each method has the signature of the reference function of the same name and
//! returns the same bits (the tests compare them for every path and thread count).
//! Threads only ever split independent outputs: rows of row-wise ops, ranges of
//! elements of elementwise ops, tiles of matrix products; a row's reduction is always
//! done by one thread in the reference order.

use crate::destination::{Destination, scratch};
use crate::error::KernelError;
use crate::isa::Isa;
use crate::matmul::driver::{self, Gemm, Threads};
#[cfg(target_arch = "x86_64")]
use crate::matmul::microkernel::{
    Avx2Tile4x24, Avx2Tile6x16, Avx2Tile8x8, Avx512Tile8x48, Avx512Tile12x32, Avx512Tile16x16,
};
use crate::ops::{BinaryOp, UnaryOp};
use crate::parallel::Pool;
use crate::reference::{self, rows};
use crate::shapes::{self, MatmulDims};
use crate::tensor::Tensor;
use crate::tuning::{Tile, Tuning, TuningOrigin};

/// Runs `$simd` with `$m` bound to the SIMD module of the path, or `$scalar`.
macro_rules! by_isa {
    ($kernels:expr, scalar => $scalar:expr, simd($m:ident) => $simd:expr $(,)?) => {{
        match $kernels.isa {
            Isa::Scalar => $scalar,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => {
                use crate::simd::avx2 as $m;
                // SAFETY: a `Kernels` holds `Avx2Fma` only after `Isa::check_available`
                // found AVX2 and FMA on this CPU (see `Kernels::new`).
                unsafe { $simd }
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                use crate::simd::avx512 as $m;
                // SAFETY: a `Kernels` holds `Avx512` only after `Isa::check_available`
                // found AVX-512F on this CPU (see `Kernels::new`).
                unsafe { $simd }
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => $scalar,
        }
    }};
}

/// The fast tensor ops on one kernel path with a fixed number of threads and a
/// [`Tuning`] (tile shape, cache blocking, parallel thresholds: speed only, never bits).
///
/// ```
/// use adead_kernels::{Isa, Kernels, Tensor, reference};
/// let k = Kernels::new(Isa::best(), 2).unwrap();
/// let a = Tensor::from_fn(&[3, 4], |i| i as f32).unwrap();
/// let b = Tensor::from_fn(&[4, 2], |i| 1.0 / (1.0 + i as f32)).unwrap();
/// let fast = k.matmul(&a, &b).unwrap();
/// assert!(fast.bits_eq(&reference::matmul(&a, &b).unwrap()));
/// ```
pub struct Kernels {
    isa: Isa,
    /// The matrix-product microkernel of `isa` in the tuning's tile shape: holding one
    /// proves the CPU runs it.
    path: Path,
    threads: usize,
    pool: Option<Pool>,
    tuning: Tuning,
    origin: TuningOrigin,
}

/// The microkernel of each path and tile shape, made once in [`Kernels::with_tuning`]:
/// a product dispatches on it once, then runs code monomorphized for the shape.
#[derive(Clone, Copy)]
enum Path {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2x6x16(Avx2Tile6x16),
    #[cfg(target_arch = "x86_64")]
    Avx2x4x24(Avx2Tile4x24),
    #[cfg(target_arch = "x86_64")]
    Avx2x8x8(Avx2Tile8x8),
    #[cfg(target_arch = "x86_64")]
    Avx512x12x32(Avx512Tile12x32),
    #[cfg(target_arch = "x86_64")]
    Avx512x8x48(Avx512Tile8x48),
    #[cfg(target_arch = "x86_64")]
    Avx512x16x16(Avx512Tile16x16),
}

impl Path {
    /// The microkernel of `isa` in the tile shape `tuning` names for it.
    fn of(isa: Isa, tuning: &Tuning) -> Result<Path, KernelError> {
        isa.check_available()?;
        tuning.check()?;
        let unavailable = || KernelError::IsaUnavailable {
            requested: isa,
            reason: "the CPU lacks its features",
        };
        let Some(blocks) = tuning.matmul(isa) else {
            return Ok(Path::Scalar);
        };
        #[cfg(target_arch = "x86_64")]
        {
            let tile = blocks.tile;
            let path = if tile == Tile::AVX2[0] {
                Avx2Tile6x16::new().map(Path::Avx2x6x16)
            } else if tile == Tile::AVX2[1] {
                Avx2Tile4x24::new().map(Path::Avx2x4x24)
            } else if tile == Tile::AVX2[2] {
                Avx2Tile8x8::new().map(Path::Avx2x8x8)
            } else if tile == Tile::AVX512[0] {
                Avx512Tile12x32::new().map(Path::Avx512x12x32)
            } else if tile == Tile::AVX512[1] {
                Avx512Tile8x48::new().map(Path::Avx512x8x48)
            } else if tile == Tile::AVX512[2] {
                Avx512Tile16x16::new().map(Path::Avx512x16x16)
            } else {
                None
            };
            path.ok_or_else(unavailable)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = blocks;
            Err(unavailable())
        }
    }
}

impl std::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernels")
            .field("isa", &self.isa)
            .field("threads", &self.threads)
            .field("tuning", &self.tuning)
            .field("origin", &self.origin)
            .finish()
    }
}

impl Kernels {
    /// Kernels on path `isa` with `threads` threads (1 runs on the calling thread; more
    /// builds a private rayon pool of that size) and the default [`Tuning`]. Errors
    /// when the CPU cannot run `isa` or when `threads` is 0.
    pub fn new(isa: Isa, threads: usize) -> Result<Self, KernelError> {
        Self::build(isa, threads, Tuning::default(), TuningOrigin::Default)
    }

    /// Kernels on path `isa` with `threads` threads and `tuning` (checked: an unknown
    /// tile shape or blocking out of range is [`KernelError::BadTuning`]). Every tuning
    /// gives the same bits.
    pub fn with_tuning(isa: Isa, threads: usize, tuning: Tuning) -> Result<Self, KernelError> {
        Self::build(isa, threads, tuning, TuningOrigin::Given)
    }

    /// Kernels on path `isa` with `threads` threads and the process's tuning for them
    /// ([`Tuning::startup`]: `ADEAD_KERNELS_TUNING`, the cache of this CPU, or a short
    /// measurement on first use).
    pub fn tuned(isa: Isa, threads: usize) -> Result<Self, KernelError> {
        isa.check_available()?;
        let (tuning, origin) = Tuning::startup(isa, threads)?;
        Self::build(isa, threads, tuning, origin)
    }

    fn build(
        isa: Isa,
        threads: usize,
        tuning: Tuning,
        origin: TuningOrigin,
    ) -> Result<Self, KernelError> {
        let path = Path::of(isa, &tuning)?;
        if threads == 0 {
            return Err(KernelError::Threads(
                "thread count must be at least 1".into(),
            ));
        }
        let pool = if threads > 1 {
            Some(Pool::new(threads)?)
        } else {
            None
        };
        Ok(Self {
            isa,
            path,
            threads,
            pool,
            tuning,
            origin,
        })
    }

    /// Kernels on the start-up path ([`Isa::startup`]: `ADEAD_KERNELS_ISA` or the best)
    /// with the process's tuning (see [`Kernels::tuned`]).
    pub fn from_env(threads: usize) -> Result<Self, KernelError> {
        Self::tuned(Isa::startup()?, threads)
    }

    /// The kernel path.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The tuning these kernels run with.
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// Where the tuning came from.
    pub fn tuning_origin(&self) -> TuningOrigin {
        self.origin
    }

    /// The thread count.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f(first_row, out_chunk)` over chunks of whole output rows (`out_row`
    /// floats each), in parallel when there is enough work.
    fn for_rows(
        &self,
        out: &mut [f32],
        out_row: usize,
        work: usize,
        f: impl Fn(usize, &mut [f32]) + Sync,
    ) {
        if out.is_empty() || out_row == 0 {
            return;
        }
        let rows = out.len() / out_row;
        match self
            .pool
            .as_ref()
            .filter(|_| work >= self.tuning.parallel_min_elements && rows > 1)
        {
            Some(pool) => pool.for_each_chunk(out, out_row, f),
            None => f(0, out),
        }
    }

    // ----- matrix products -----

    /// Runs one product on this path, on `pool` when it is worth it.
    fn gemm(&self, pool: Option<&Pool>, g: &Gemm<'_>, c: &mut [f32]) {
        let threads = Threads {
            pool,
            min_fmas: self.tuning.parallel_min_fmas,
        };
        #[cfg(target_arch = "x86_64")]
        let (avx2, avx512) = (&self.tuning.avx2, &self.tuning.avx512);
        match self.path {
            Path::Scalar => driver::gemm_scalar(threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx2x6x16(kernel) => driver::gemm(kernel, avx2, threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx2x4x24(kernel) => driver::gemm(kernel, avx2, threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx2x8x8(kernel) => driver::gemm(kernel, avx2, threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512x12x32(kernel) => driver::gemm(kernel, avx512, threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512x8x48(kernel) => driver::gemm(kernel, avx512, threads, g, c),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512x16x16(kernel) => driver::gemm(kernel, avx512, threads, g, c),
        }
    }

    /// Batched products of `d.batch` stacked `m x k . k x n` problems into `out`.
    fn gemm_batched(&self, d: &MatmulDims, a: &[f32], b: &[f32], out: &mut [f32]) {
        let (batch, m, k, n) = (d.batch, d.m, d.k, d.n);
        let (sa, sb, sc) = (m * k, k * n, m * n);
        // Problem i of the batch.
        let problem = |i: usize| Gemm {
            m,
            k,
            n,
            a: &a[i * sa..][..sa],
            b: &b[i * sb..][..sb],
            bias: None,
            relu: false,
        };
        if sc == 0 {
            return;
        }
        let per_problem = m.saturating_mul(n).saturating_mul(k);
        // Many small problems: one whole problem per thread at a time (each computed
        // serially). Otherwise one problem after the other, each split into tiles.
        let spread = self.pool.as_ref().filter(|_| {
            batch >= self.threads
                && per_problem < self.tuning.batch_spread_max_fmas
                && per_problem.saturating_mul(batch) >= self.tuning.parallel_min_fmas
        });
        match spread {
            Some(pool) => pool.for_each_chunk(out, sc, |first, problems| {
                for (j, c) in problems.chunks_mut(sc).enumerate() {
                    self.gemm(None, &problem(first + j), c);
                }
            }),
            None => {
                for (i, c) in out.chunks_mut(sc).enumerate() {
                    self.gemm(self.pool.as_ref(), &problem(i), c);
                }
            }
        }
    }

    /// Matrix product, 2-D or batched 3-D (see [`reference::matmul()`]), into `out`.
    pub fn matmul_into(
        &self,
        a: &Tensor,
        b: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let d = shapes::matmul_dims("matmul", a, b)?;
        let out = out.buffer(&d.out_shape(), 0)?;
        self.gemm_batched(&d, a.data(), b.data(), out);
        Ok(())
    }

    /// `x . w + b`, then relu if asked (see [`reference::linear`]), into `out`.
    pub fn linear_into(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        apply_relu: bool,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let d = shapes::linear_dims(x, w, b)?;
        let out = out.buffer(&[d.m, d.n], 0)?;
        let g = Gemm {
            m: d.m,
            k: d.k,
            n: d.n,
            a: x.data(),
            b: w.data(),
            bias: Some(b.data()),
            relu: apply_relu,
        };
        self.gemm(self.pool.as_ref(), &g, out);
        Ok(())
    }

    /// Transpose of a 2-D tensor (a move: bits kept), in cache-sized blocks, into `out`.
    pub fn transpose_into(
        &self,
        a: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let (rows, cols) = shapes::matrix_dims("transpose", a)?;
        let out = out.buffer(&[cols, rows], 0)?;
        transpose_block(self, a.data(), rows, cols, out);
        Ok(())
    }

    // ----- elementwise -----

    fn unary_into(
        &self,
        op: UnaryOp,
        a: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let out = out.buffer(a.shape(), 0)?;
        self.unary_slices(op, a.data(), out);
        Ok(())
    }

    /// `out[i] = op(x[i])` on this path, split between threads when it is worth it.
    fn unary_slices(&self, op: UnaryOp, x: &[f32], out: &mut [f32]) {
        // Any split of an elementwise op gives the same bits; cut into 64-element rows.
        let cost = if matches!(op, UnaryOp::Scale(_) | UnaryOp::Relu) {
            1
        } else {
            16
        };
        self.for_rows(out, 64, x.len() * cost, |row, chunk| {
            let src = &x[row * 64..][..chunk.len()];
            by_isa!(self,
                scalar => reference::unary_slices(op, src, chunk),
                simd(m) => m::unary(op, src, chunk),
            )
        });
    }

    fn binary_into(
        &self,
        op: BinaryOp,
        a: &Tensor,
        b: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let mode = shapes::broadcast(op.name(), a, b)?;
        let out = out.buffer(a.shape(), 0)?;
        // Split on whole rows so that a broadcast row lines up with every chunk.
        let row = match mode {
            shapes::Broadcast::Same => 64,
            shapes::Broadcast::Row => a.row_len(),
        };
        let (x, y) = (a.data(), b.data());
        self.for_rows(out, row, x.len(), |first, chunk| {
            let src = &x[first * row..][..chunk.len()];
            let other = match mode {
                shapes::Broadcast::Same => &y[first * row..][..chunk.len()],
                shapes::Broadcast::Row => y,
            };
            by_isa!(self,
                scalar => reference::binary_slices(op, src, other, chunk),
                simd(m) => m::binary(op, src, other, chunk),
            )
        });
        Ok(())
    }

    /// `a + b` (see [`reference::add`]) into `out`.
    pub fn add_into(
        &self,
        a: &Tensor,
        b: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        self.binary_into(BinaryOp::Add, a, b, out)
    }

    /// `a - b` (see [`reference::sub`]) into `out`.
    pub fn sub_into(
        &self,
        a: &Tensor,
        b: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        self.binary_into(BinaryOp::Sub, a, b, out)
    }

    /// `a * b` elementwise (see [`reference::mul`]) into `out`.
    pub fn mul_into(
        &self,
        a: &Tensor,
        b: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        self.binary_into(BinaryOp::Mul, a, b, out)
    }

    /// `a * s` (see [`reference::scale`]) into `out`.
    pub fn scale_into(
        &self,
        a: &Tensor,
        s: f32,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Scale(s), a, out)
    }

    /// relu (see [`reference::relu`]) into `out`.
    pub fn relu_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Relu, a, out)
    }

    /// gelu, tanh form (see [`reference::gelu`]) into `out`.
    pub fn gelu_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Gelu, a, out)
    }

    /// sigmoid (see [`reference::sigmoid`]) into `out`.
    pub fn sigmoid_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Sigmoid, a, out)
    }

    /// tanh (see [`reference::tanh`]) into `out`.
    pub fn tanh_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Tanh, a, out)
    }

    /// exp (see [`reference::exp`]) into `out`.
    pub fn exp_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.unary_into(UnaryOp::Exp, a, out)
    }

    // ----- row-wise -----

    /// Row-wise softmax (see [`reference::softmax`]) into `out`.
    pub fn softmax_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        let out = out.buffer(a.shape(), 0)?;
        softmax_rows(self, a.data(), a.row_len(), out);
        Ok(())
    }

    /// Row-wise layer normalisation (see [`reference::layernorm`]) into `out`.
    pub fn layernorm_into(
        &self,
        a: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
        eps: f32,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let n = a.row_len();
        shapes::row_vector("layernorm", a, gamma, n)?;
        shapes::row_vector("layernorm", a, beta, n)?;
        let out = out.buffer(a.shape(), 0)?;
        let (x, g, b) = (a.data(), gamma.data(), beta.data());
        self.for_rows(out, n, x.len() * 4, |row, chunk| {
            let src = &x[row * n..][..chunk.len()];
            by_isa!(self,
                scalar => {
                    for (xr, yr) in src.chunks(n).zip(chunk.chunks_mut(n)) {
                        rows::layernorm_row(xr, g, b, eps, yr);
                    }
                },
                simd(m) => m::layernorm_rows(src, g, b, eps, chunk),
            )
        });
        Ok(())
    }

    fn reduce_into(
        &self,
        a: &Tensor,
        which: Reduction,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let n = a.row_len();
        let out = out.buffer(&shapes::reduced_shape(a), 0)?;
        let x = a.data();
        self.for_rows(out, 1, x.len(), |row, chunk| {
            let src = &x[row * n..][..chunk.len() * n];
            by_isa!(self,
                scalar => {
                    let f = match which {
                        Reduction::Sum => rows::row_sum,
                        Reduction::Mean => rows::row_mean,
                        Reduction::Max => rows::row_max,
                        Reduction::Argmax => rows::row_argmax,
                    };
                    for (r, o) in chunk.iter_mut().enumerate() {
                        *o = f(&src[r * n..][..n]);
                    }
                },
                simd(m) => match which {
                    Reduction::Sum => m::row_sums(src, n, chunk),
                    Reduction::Mean => m::row_means(src, n, chunk),
                    Reduction::Max => m::row_maxes(src, n, chunk),
                    Reduction::Argmax => m::row_argmaxes(src, n, chunk),
                },
            )
        });
        Ok(())
    }

    /// Row sums (see [`reference::row_sum`]) into `out`.
    pub fn row_sum_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.reduce_into(a, Reduction::Sum, out)
    }

    /// Row means (see [`reference::row_mean`]) into `out`.
    pub fn row_mean_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.reduce_into(a, Reduction::Mean, out)
    }

    /// Row maxima (see [`reference::row_max`]) into `out`.
    pub fn row_max_into(&self, a: &Tensor, out: &mut impl Destination) -> Result<(), KernelError> {
        self.reduce_into(a, Reduction::Max, out)
    }

    /// Row argmax (see [`reference::row_argmax`]) into `out`.
    pub fn row_argmax_into(
        &self,
        a: &Tensor,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        reference::check_argmax(a)?;
        self.reduce_into(a, Reduction::Argmax, out)
    }

    // ----- attention -----

    /// Scaled dot-product attention (see [`reference::attention`]) into `out`: the
    /// same steps, each on this path. Its temporaries (keys transposed, scores, scaled
    /// scores, probabilities) are announced to `out` as scratch bytes.
    pub fn attention_into(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        causal: bool,
        scale: f32,
        out: &mut impl Destination,
    ) -> Result<(), KernelError> {
        let d = shapes::attention_dims(q, k, v)?;
        let (h, sq, sk, dk, dv) = (d.heads, d.seq_q, d.seq_k, d.d, d.dv);
        let too_large = || KernelError::TooLarge {
            shape: d.out_shape().to_vec(),
        };
        let score_len = h
            .checked_mul(sq)
            .and_then(|x| x.checked_mul(sk))
            .ok_or_else(too_large)?;
        let scratch_bytes = score_len
            .checked_mul(3)
            .and_then(|x| x.checked_add(k.len()))
            .and_then(|x| x.checked_mul(std::mem::size_of::<f32>()))
            .ok_or_else(too_large)?;
        let out = out.buffer(&d.out_shape(), scratch_bytes)?;
        // k^T per head.
        let mut kt = scratch(k.len())?;
        if sk * dk > 0 {
            for (src, dst) in k.data().chunks(sk * dk).zip(kt.chunks_mut(sk * dk)) {
                transpose_block(self, src, sk, dk, dst);
            }
        }
        let mut scores = scratch(score_len)?;
        let scores_dims = MatmulDims {
            batch: h,
            m: sq,
            k: dk,
            n: sk,
            rank: 3,
        };
        self.gemm_batched(&scores_dims, q.data(), &kt, &mut scores);
        let mut scaled = scratch(score_len)?;
        self.unary_slices(UnaryOp::Scale(scale), &scores, &mut scaled);
        if causal && sq * sk > 0 {
            for head in scaled.chunks_mut(sq * sk) {
                reference::apply_causal_mask(head, sk);
            }
        }
        let mut p = scratch(score_len)?;
        softmax_rows(self, &scaled, sk, &mut p);
        let out_dims = MatmulDims {
            batch: h,
            m: sq,
            k: sk,
            n: dv,
            rank: 3,
        };
        self.gemm_batched(&out_dims, &p, v.data(), out);
        Ok(())
    }
}

/// The same ops returning a new tensor, each through its `_into` form.
macro_rules! returning_tensor {
    ($( $(#[$doc:meta])* $name:ident => $into:ident ( $($arg:ident : $ty:ty),* ); )*) => {
        impl Kernels {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<Tensor, KernelError> {
                    let mut out = Tensor::empty();
                    self.$into($($arg,)* &mut out)?;
                    Ok(out)
                }
            )*
        }
    };
}

returning_tensor! {
    /// Matrix product, 2-D or batched 3-D (see [`reference::matmul()`]).
    matmul => matmul_into(a: &Tensor, b: &Tensor);
    /// `x . w + b`, then relu if asked (see [`reference::linear`]).
    linear => linear_into(x: &Tensor, w: &Tensor, b: &Tensor, apply_relu: bool);
    /// Transpose of a 2-D tensor (see [`reference::transpose`]).
    transpose => transpose_into(a: &Tensor);
    /// `a + b` (see [`reference::add`]).
    add => add_into(a: &Tensor, b: &Tensor);
    /// `a - b` (see [`reference::sub`]).
    sub => sub_into(a: &Tensor, b: &Tensor);
    /// `a * b` elementwise (see [`reference::mul`]).
    mul => mul_into(a: &Tensor, b: &Tensor);
    /// `a * s` (see [`reference::scale`]).
    scale => scale_into(a: &Tensor, s: f32);
    /// relu (see [`reference::relu`]).
    relu => relu_into(a: &Tensor);
    /// gelu, tanh form (see [`reference::gelu`]).
    gelu => gelu_into(a: &Tensor);
    /// sigmoid (see [`reference::sigmoid`]).
    sigmoid => sigmoid_into(a: &Tensor);
    /// tanh (see [`reference::tanh`]).
    tanh => tanh_into(a: &Tensor);
    /// exp (see [`reference::exp`]).
    exp => exp_into(a: &Tensor);
    /// Row-wise softmax (see [`reference::softmax`]).
    softmax => softmax_into(a: &Tensor);
    /// Row-wise layer normalisation (see [`reference::layernorm`]).
    layernorm => layernorm_into(a: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f32);
    /// Row sums (see [`reference::row_sum`]).
    row_sum => row_sum_into(a: &Tensor);
    /// Row means (see [`reference::row_mean`]).
    row_mean => row_mean_into(a: &Tensor);
    /// Row maxima (see [`reference::row_max`]).
    row_max => row_max_into(a: &Tensor);
    /// Row argmax (see [`reference::row_argmax`]).
    row_argmax => row_argmax_into(a: &Tensor);
    /// Scaled dot-product attention (see [`reference::attention`]).
    attention => attention_into(q: &Tensor, k: &Tensor, v: &Tensor, causal: bool, scale: f32);
}

#[derive(Debug, Clone, Copy)]
enum Reduction {
    Sum,
    Mean,
    Max,
    Argmax,
}

/// Softmax of rows of length `n` of `x` into `y`, on `kernels`' path and threads.
fn softmax_rows(kernels: &Kernels, x: &[f32], n: usize, y: &mut [f32]) {
    kernels.for_rows(y, n, x.len() * 16, |row, chunk| {
        let src = &x[row * n..][..chunk.len()];
        by_isa!(kernels,
            scalar => {
                for (xr, yr) in src.chunks(n).zip(chunk.chunks_mut(n)) {
                    rows::softmax_row(xr, yr);
                }
            },
            simd(m) => m::softmax_rows(src, n, chunk),
        )
    });
}

/// `out[j][i] = x[i][j]` for a `rows x cols` matrix, in 32 x 32 blocks (output rows
/// split between threads).
fn transpose_block(kernels: &Kernels, x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    const BLOCK: usize = 32;
    kernels.for_rows(out, rows, x.len(), |first_col, chunk| {
        let cols_here = chunk.len() / rows.max(1);
        for j0 in (0..cols_here).step_by(BLOCK) {
            for i0 in (0..rows).step_by(BLOCK) {
                for j in j0..(j0 + BLOCK).min(cols_here) {
                    for i in i0..(i0 + BLOCK).min(rows) {
                        chunk[j * rows + i] = x[i * cols + first_col + j];
                    }
                }
            }
        }
    });
}
