//! # adead-kernels: tensor storage and every tensor operation of ADead-BIB
//!
//! [`Tensor`] holds f32 data of rank 1..=4, row-major; every constructor checks its
//! shape and size and reports a [`KernelError`] instead of panicking. [`reference`](mod@reference) is
//! the scalar definition of each op, bit for bit: a matmul output is one fma chain over
//! `k` in increasing order from `+0.0`; row reductions use 16 interleaved lanes
//! combined in a fixed tree; `exp`, `tanh`, `sigmoid` and `gelu` are our own
//! polynomials from correctly rounded f32 operations ([`math`], with their measured
//! ULP bounds); every NaN produced is `0x7FC00000`. [`Kernels`] runs the same ops fast,
//! on one [`Isa`] path (portable scalar, AVX2+FMA or AVX-512, detected once from CPUID
//! and forceable by `ADEAD_KERNELS_ISA` or [`Kernels::new`]) and a fixed number of
//! threads, and returns exactly the reference's bits on every path and thread count:
//! SIMD lanes repeat the scalar operations, the BLIS-style matmul keeps one chain per
//! output across k-blocks, and threads only split independent outputs. Each op also has
//! an `_into` form that writes into a [`Destination`], which is asked for the result's
//! buffer once the inputs are valid and before anything is allocated (the VM checks its
//! tensor limits there and reuses the replaced tensor's memory). What depends on the
//! CPU (tile shape, cache blocking, parallel thresholds) is a [`Tuning`], chosen by a
//! short measurement and cached per CPU ([`tuning`]); every tuning gives the same bits.
//! GPU kernels and the VM's dispatcher are not part of this crate yet.

// The blocked matmul driver, its microkernels and the SIMD constants serve the x86-64
// paths only; elsewhere the scalar path runs and they are built but unused.
#![cfg_attr(
    not(target_arch = "x86_64"),
    allow(dead_code, unused_imports, unused_macros)
)]

mod destination;
mod error;
mod isa;
mod kernels;
pub mod math;
mod matmul;
mod ops;
mod parallel;
pub mod reference;
mod shapes;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(not(target_arch = "x86_64"))]
mod simd {}
mod tensor;
#[cfg(test)]
mod testutil;
pub mod tuning;

pub use destination::Destination;
pub use error::KernelError;
pub use isa::{ISA_ENV_VAR, Isa};
pub use kernels::Kernels;
pub use tensor::{MAX_RANK, Tensor};
pub use tuning::{MatmulTuning, TUNING_ENV_VAR, Tile, Tuning, TuningMode, TuningOrigin};
