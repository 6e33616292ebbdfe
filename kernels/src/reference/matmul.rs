//! Matrix product, the definition: every output is ONE fused-multiply-add chain over
//! `k` in increasing order starting from `+0.0`:
//! `acc = +0.0; for p in 0..k { acc = fma(a[i][p], b[p][j], acc) }; c[i][j] = acc`,
//! with a NaN result made canonical. `k = 0` gives `+0.0`.

use crate::error::KernelError;
use crate::math::{canonicalize, fma};
use crate::shapes;
use crate::tensor::Tensor;

/// One output of the product: the fma chain over `p`.
#[inline]
pub(crate) fn dot_chain(a_row: &[f32], b: &[f32], n: usize, j: usize) -> f32 {
    let mut acc = 0.0f32;
    for (p, &x) in a_row.iter().enumerate() {
        acc = fma(x, b[p * n + j], acc);
    }
    acc
}

/// `c[m x n] = a[m x k] . b[k x n]`, row-major slices, in the defining loop order.
pub(crate) fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    for i in 0..m {
        let a_row = &a[i * k..(i + 1) * k];
        for j in 0..n {
            c[i * n + j] = canonicalize(dot_chain(a_row, b, n, j));
        }
    }
}

/// `[m, k] . [k, n] -> [m, n]`, or batched `[b, m, k] . [b, k, n] -> [b, m, n]`.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    let d = shapes::matmul_dims("matmul", a, b)?;
    let mut out = vec![0.0; d.batch * d.m * d.n];
    let (a_size, b_size, c_size) = (d.m * d.k, d.k * d.n, d.m * d.n);
    for batch in 0..d.batch {
        gemm(
            d.m,
            d.k,
            d.n,
            &a.data()[batch * a_size..][..a_size],
            &b.data()[batch * b_size..][..b_size],
            &mut out[batch * c_size..][..c_size],
        );
    }
    Ok(Tensor::with_data(&d.out_shape(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two() {
        let a = Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let b = Tensor::from_vec(&[2, 2], vec![5.0, 6.0, 7.0, 8.0]).unwrap();
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 2]);
        assert_eq!(c.data(), &[19.0, 22.0, 43.0, 50.0]);
    }

    #[test]
    fn k_zero_gives_positive_zero() {
        let a = Tensor::zeros(&[2, 0]).unwrap();
        let b = Tensor::zeros(&[0, 3]).unwrap();
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 3]);
        assert!(c.data().iter().all(|v| v.to_bits() == 0));
    }

    #[test]
    fn chain_is_fused_and_in_increasing_k() {
        // u = 1 + 2^-23, u * u = 1 + 2^-22 + 2^-46 (not representable).
        let e = f32::EPSILON;
        let u = 1.0 + e;
        let a = Tensor::from_vec(&[1, 2], vec![-1.0 - 2.0 * e, u]).unwrap();
        let b = Tensor::from_vec(&[2, 1], vec![1.0, u]).unwrap();
        // p = 0: acc = -(1 + 2^-22); p = 1: fma(u, u, acc) = 2^-46 exactly.
        // Unfused, or in the other order, the result would be 0.
        assert_eq!(matmul(&a, &b).unwrap().data()[0], 2f32.powi(-46));
        let a = Tensor::from_vec(&[1, 2], vec![u, -1.0 - 2.0 * e]).unwrap();
        let b = Tensor::from_vec(&[2, 1], vec![u, 1.0]).unwrap();
        // p = 0: acc = round(u * u) = 1 + 2^-22; p = 1: acc - (1 + 2^-22) = 0.
        assert_eq!(matmul(&a, &b).unwrap().data()[0].to_bits(), 0);
    }

    #[test]
    fn batched_and_errors() {
        let a = Tensor::from_fn(&[2, 1, 2], |i| i as f32).unwrap();
        let b = Tensor::from_fn(&[2, 2, 1], |i| 1.0 + i as f32).unwrap();
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 1, 1]);
        assert_eq!(c.data(), &[2.0, 2.0 * 3.0 + 3.0 * 4.0]);
        let err = matmul(
            &Tensor::zeros(&[2, 3]).unwrap(),
            &Tensor::zeros(&[2, 3]).unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "matmul: shape mismatch between [2, 3] and [2, 3]"
        );
        assert!(matches!(
            matmul(
                &Tensor::zeros(&[3]).unwrap(),
                &Tensor::zeros(&[3, 1]).unwrap()
            ),
            Err(KernelError::BadRank { rank: 1, .. })
        ));
    }
}
