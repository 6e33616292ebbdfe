//! [`Kernels`]: the fast ops, on one kernel path and a fixed number of threads.
//!
//! Each method has the signature of the reference function of the same name and
//! returns the same bits (the tests compare them for every path and thread count).
//! Threads only ever split independent outputs: rows of row-wise ops, ranges of
//! elements of elementwise ops, tiles of matrix products; a row's reduction is always
//! done by one thread in the reference order.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::KernelError;
use crate::isa::Isa;
use crate::matmul::driver::{self, Gemm, Threads};
use crate::ops::{BinaryOp, UnaryOp};
use crate::parallel::Pool;
use crate::reference::{self, rows};
use crate::shapes::{self, MatmulDims};
use crate::tensor::Tensor;

/// Elementwise and row-wise work below this many elements stays on one thread.
const PARALLEL_MIN_ELEMENTS: usize = 1 << 15;

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

/// The fast tensor ops on one kernel path with a fixed number of threads.
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
    threads: usize,
    pool: Option<Pool>,
    runs: [AtomicU64; 3],
}

impl std::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernels")
            .field("isa", &self.isa)
            .field("threads", &self.threads)
            .finish()
    }
}

impl Kernels {
    /// Kernels on path `isa` with `threads` threads (1 runs on the calling thread; more
    /// builds a private rayon pool of that size). Errors when the CPU cannot run `isa`
    /// or when `threads` is 0.
    pub fn new(isa: Isa, threads: usize) -> Result<Self, KernelError> {
        isa.check_available()?;
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
            threads,
            pool,
            runs: Default::default(),
        })
    }

    /// Kernels on the start-up path ([`Isa::startup`]: `ADEAD_KERNELS_ISA` or the best).
    pub fn from_env(threads: usize) -> Result<Self, KernelError> {
        Self::new(Isa::startup()?, threads)
    }

    /// The kernel path.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The thread count.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// How many op calls ran their kernels on path `isa` (only ever this value's own
    /// path: tests use it to prove which code ran).
    pub fn runs_on(&self, isa: Isa) -> u64 {
        self.runs[isa as usize].load(Ordering::Relaxed)
    }

    /// Notes that an op is about to run on this value's path.
    fn record(&self) {
        self.runs[self.isa as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn threads_for(&self) -> Threads<'_> {
        Threads {
            pool: self.pool.as_ref(),
            count: self.threads,
        }
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
            .filter(|_| work >= PARALLEL_MIN_ELEMENTS && rows > 1)
        {
            Some(pool) => pool.for_each_chunk(out, out_row, f),
            None => f(0, out),
        }
    }

    // ----- matrix products -----

    /// Runs one product on this path.
    fn gemm(&self, g: &Gemm<'_>, c: &mut [f32]) {
        let threads = self.threads_for();
        #[cfg(target_arch = "x86_64")]
        {
            use crate::matmul::microkernel::{Avx2Tile, Avx512Tile};
            // `new()` is Some whenever this value holds the path (checked in
            // `Kernels::new`); the scalar fallback is unreachable in practice.
            match self.isa {
                Isa::Avx512 => match Avx512Tile::new() {
                    Some(kernel) => driver::gemm(kernel, threads, g, c),
                    None => driver::gemm_scalar(threads, g, c),
                },
                Isa::Avx2Fma => match Avx2Tile::new() {
                    Some(kernel) => driver::gemm(kernel, threads, g, c),
                    None => driver::gemm_scalar(threads, g, c),
                },
                Isa::Scalar => driver::gemm_scalar(threads, g, c),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        driver::gemm_scalar(threads, g, c)
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
                && per_problem < driver::PARALLEL_MIN_FMAS * 4
                && per_problem * batch >= driver::PARALLEL_MIN_FMAS
        });
        match spread {
            Some(pool) => {
                let serial = Kernels {
                    isa: self.isa,
                    threads: 1,
                    pool: None,
                    runs: Default::default(),
                };
                pool.for_each_chunk(out, sc, |first, problems| {
                    for (j, c) in problems.chunks_mut(sc).enumerate() {
                        serial.gemm(&problem(first + j), c);
                    }
                });
            }
            None => {
                for (i, c) in out.chunks_mut(sc).enumerate() {
                    self.gemm(&problem(i), c);
                }
            }
        }
    }

    /// Matrix product, 2-D or batched 3-D (see [`reference::matmul()`]).
    pub fn matmul(&self, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
        let d = shapes::matmul_dims("matmul", a, b)?;
        let mut out = vec![0.0; d.batch * d.m * d.n];
        self.record();
        self.gemm_batched(&d, a.data(), b.data(), &mut out);
        Ok(Tensor::with_data(&d.out_shape(), out))
    }

    /// `x . w + b`, then relu if asked (see [`reference::linear`]).
    pub fn linear(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        apply_relu: bool,
    ) -> Result<Tensor, KernelError> {
        let d = shapes::linear_dims(x, w, b)?;
        let mut out = vec![0.0; d.m * d.n];
        self.record();
        let g = Gemm {
            m: d.m,
            k: d.k,
            n: d.n,
            a: x.data(),
            b: w.data(),
            bias: Some(b.data()),
            relu: apply_relu,
        };
        self.gemm(&g, &mut out);
        Ok(Tensor::with_data(&[d.m, d.n], out))
    }

    /// Transpose of a 2-D tensor (a move: bits kept), in cache-sized blocks.
    pub fn transpose(&self, a: &Tensor) -> Result<Tensor, KernelError> {
        let (rows, cols) = shapes::matrix_dims("transpose", a)?;
        let mut out = vec![0.0; a.len()];
        self.record();
        transpose_into(self, a.data(), rows, cols, &mut out);
        Ok(Tensor::with_data(&[cols, rows], out))
    }

    // ----- elementwise -----

    fn unary(&self, op: UnaryOp, a: &Tensor) -> Tensor {
        let mut out = vec![0.0; a.len()];
        self.record();
        let x = a.data();
        // Any split of an elementwise op gives the same bits; cut into 64-element rows.
        let cost = if matches!(op, UnaryOp::Scale(_) | UnaryOp::Relu) {
            1
        } else {
            16
        };
        self.for_rows(&mut out, 64, x.len() * cost, |row, chunk| {
            let src = &x[row * 64..][..chunk.len()];
            by_isa!(self,
                scalar => reference::unary_slices(op, src, chunk),
                simd(m) => m::unary(op, src, chunk),
            )
        });
        Tensor::with_data(a.shape(), out)
    }

    fn binary(&self, op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
        let mode = shapes::broadcast(op.name(), a, b)?;
        let mut out = vec![0.0; a.len()];
        self.record();
        // Split on whole rows so that a broadcast row lines up with every chunk.
        let row = match mode {
            shapes::Broadcast::Same => 64,
            shapes::Broadcast::Row => a.row_len(),
        };
        let (x, y) = (a.data(), b.data());
        self.for_rows(&mut out, row, x.len(), |first, chunk| {
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
        Ok(Tensor::with_data(a.shape(), out))
    }

    /// `a + b` (see [`reference::add`]).
    pub fn add(&self, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
        self.binary(BinaryOp::Add, a, b)
    }

    /// `a - b` (see [`reference::sub`]).
    pub fn sub(&self, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
        self.binary(BinaryOp::Sub, a, b)
    }

    /// `a * b` elementwise (see [`reference::mul`]).
    pub fn mul(&self, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
        self.binary(BinaryOp::Mul, a, b)
    }

    /// `a * s` (see [`reference::scale`]).
    pub fn scale(&self, a: &Tensor, s: f32) -> Tensor {
        self.unary(UnaryOp::Scale(s), a)
    }

    /// relu (see [`reference::relu`]).
    pub fn relu(&self, a: &Tensor) -> Tensor {
        self.unary(UnaryOp::Relu, a)
    }

    /// gelu, tanh form (see [`reference::gelu`]).
    pub fn gelu(&self, a: &Tensor) -> Tensor {
        self.unary(UnaryOp::Gelu, a)
    }

    /// sigmoid (see [`reference::sigmoid`]).
    pub fn sigmoid(&self, a: &Tensor) -> Tensor {
        self.unary(UnaryOp::Sigmoid, a)
    }

    /// tanh (see [`reference::tanh`]).
    pub fn tanh(&self, a: &Tensor) -> Tensor {
        self.unary(UnaryOp::Tanh, a)
    }

    /// exp (see [`reference::exp`]).
    pub fn exp(&self, a: &Tensor) -> Tensor {
        self.unary(UnaryOp::Exp, a)
    }

    // ----- row-wise -----

    /// Row-wise softmax (see [`reference::softmax`]).
    pub fn softmax(&self, a: &Tensor) -> Tensor {
        let mut out = vec![0.0; a.len()];
        self.record();
        softmax_into(self, a.data(), a.row_len(), &mut out);
        Tensor::with_data(a.shape(), out)
    }

    /// Row-wise layer normalisation (see [`reference::layernorm`]).
    pub fn layernorm(
        &self,
        a: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
        eps: f32,
    ) -> Result<Tensor, KernelError> {
        let n = a.row_len();
        shapes::row_vector("layernorm", a, gamma, n)?;
        shapes::row_vector("layernorm", a, beta, n)?;
        let mut out = vec![0.0; a.len()];
        self.record();
        let (x, g, b) = (a.data(), gamma.data(), beta.data());
        self.for_rows(&mut out, n, x.len() * 4, |row, chunk| {
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
        Ok(Tensor::with_data(a.shape(), out))
    }

    fn reduce(&self, a: &Tensor, which: Reduction) -> Tensor {
        let n = a.row_len();
        let mut out = vec![0.0; a.row_count()];
        self.record();
        let x = a.data();
        self.for_rows(&mut out, 1, x.len(), |row, chunk| {
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
        Tensor::with_data(&shapes::reduced_shape(a), out)
    }

    /// Row sums (see [`reference::row_sum`]).
    pub fn row_sum(&self, a: &Tensor) -> Tensor {
        self.reduce(a, Reduction::Sum)
    }

    /// Row means (see [`reference::row_mean`]).
    pub fn row_mean(&self, a: &Tensor) -> Tensor {
        self.reduce(a, Reduction::Mean)
    }

    /// Row maxima (see [`reference::row_max`]).
    pub fn row_max(&self, a: &Tensor) -> Tensor {
        self.reduce(a, Reduction::Max)
    }

    /// Row argmax (see [`reference::row_argmax`]).
    pub fn row_argmax(&self, a: &Tensor) -> Result<Tensor, KernelError> {
        reference::check_argmax(a)?;
        Ok(self.reduce(a, Reduction::Argmax))
    }

    // ----- attention -----

    /// Scaled dot-product attention (see [`reference::attention`]): the same steps,
    /// each on this path.
    pub fn attention(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        causal: bool,
        scale: f32,
    ) -> Result<Tensor, KernelError> {
        let d = shapes::attention_dims(q, k, v)?;
        self.record();
        let (h, sq, sk, dk, dv) = (d.heads, d.seq_q, d.seq_k, d.d, d.dv);
        // k^T per head.
        let mut kt = vec![0.0; k.len()];
        if sk * dk > 0 {
            for (src, dst) in k.data().chunks(sk * dk).zip(kt.chunks_mut(sk * dk)) {
                transpose_into(self, src, sk, dk, dst);
            }
        }
        let mut scores = vec![0.0; h * sq * sk];
        let scores_dims = MatmulDims {
            batch: h,
            m: sq,
            k: dk,
            n: sk,
            rank: 3,
        };
        self.gemm_batched(&scores_dims, q.data(), &kt, &mut scores);
        let mut scaled = vec![0.0; scores.len()];
        self.for_rows(&mut scaled, 64, scores.len(), |row, chunk| {
            let src = &scores[row * 64..][..chunk.len()];
            let op = UnaryOp::Scale(scale);
            by_isa!(self,
                scalar => reference::unary_slices(op, src, chunk),
                simd(m) => m::unary(op, src, chunk),
            )
        });
        if causal && sq * sk > 0 {
            for head in scaled.chunks_mut(sq * sk) {
                reference::apply_causal_mask(head, sk);
            }
        }
        let mut p = vec![0.0; scaled.len()];
        softmax_into(self, &scaled, sk, &mut p);
        let mut out = vec![0.0; h * sq * dv];
        let out_dims = MatmulDims {
            batch: h,
            m: sq,
            k: sk,
            n: dv,
            rank: 3,
        };
        self.gemm_batched(&out_dims, &p, v.data(), &mut out);
        Ok(Tensor::with_data(&d.out_shape(), out))
    }
}

#[derive(Debug, Clone, Copy)]
enum Reduction {
    Sum,
    Mean,
    Max,
    Argmax,
}

/// Softmax of rows of length `n` of `x` into `y`, on `kernels`' path and threads.
fn softmax_into(kernels: &Kernels, x: &[f32], n: usize, y: &mut [f32]) {
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
fn transpose_into(kernels: &Kernels, x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
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
