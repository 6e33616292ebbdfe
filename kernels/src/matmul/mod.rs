//! The fast matrix product: a BLIS-style loop nest (cache blocking in k, m and n, B
//! packed into panels when that pays) around register-tiled AVX-512 (12 x 32) and AVX2
//! (6 x 16) microkernels, threads splitting only output tiles. Its results equal
//! [`crate::reference::matmul()`] bit for bit: each output stays ONE fma chain in
//! increasing k across k-blocks (see `microkernel` and `driver`).

pub(crate) mod buffer;
pub(crate) mod driver;
pub(crate) mod microkernel;
pub(crate) mod pack;
