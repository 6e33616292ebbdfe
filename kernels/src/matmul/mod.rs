//! The fast matrix product: a BLIS-style loop nest (cache blocking in k, m and n, B
//! packed into panels when that pays) around register-tiled AVX-512 (12 x 32, 8 x 48,
//! 16 x 16) and AVX2 (6 x 16, 4 x 24, 8 x 8) microkernels, threads splitting only output
//! tiles; the shape and the blocking come from the kernels' [`crate::Tuning`]. Its results equal
//! [`crate::reference::matmul()`] bit for bit: each output stays ONE fma chain in
//! increasing k across k-blocks (see `microkernel` and `driver`).

pub(crate) mod buffer;
pub(crate) mod driver;
pub(crate) mod microkernel;
pub(crate) mod pack;
