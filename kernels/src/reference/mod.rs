//! The scalar reference: the definition of every tensor op, bit for bit.
//!
//! Every fast path must return exactly these bits (the tests compare `to_bits`). The
//! rules, op by op:
//! - **matmul** (`[m, k] . [k, n]`, and batched `[b, m, k] . [b, k, n]`): each output is
//!   one fused-multiply-add chain over `k` in increasing order starting from `+0.0`:
//!   `acc = fma(a[i][p], b[p][j], acc)` for `p = 0, 1, ..., k - 1` ([`matmul()`]).
//!   `k = 0` gives `+0.0`.
//! - **linear** `y = x . W + b`, optionally followed by ReLU: the matmul chain, then ONE
//!   addition of `b[j]`, then [`crate::math::relu`] ([`linear()`]).
//! - **elementwise** add, sub, mul (the second operand has the first's shape, or is one
//!   row `[n]`, `[1, n]`, ... broadcast over every row), scale by a scalar, relu, gelu,
//!   sigmoid, tanh, exp: one scalar definition per element ([`crate::math`]).
//! - **row reductions** (a row is the last dimension; outputs keep the rank with the
//!   last dimension 1): sum, mean (`sum / n`, `n` rounded to f32), max, and the sums
//!   inside softmax and layernorm use 16 interleaved partial accumulators: element `j`
//!   goes to lane `j mod 16`, in increasing `j`, lanes starting at `+0.0` (sums) or
//!   `-inf` (max). The lanes are then combined pairwise in a fixed tree:
//!   `lane[i] = lane[i] op lane[i + 8]` for `i < 8`, then `lane[i] op= lane[i + 4]` for
//!   `i < 4`, then `i < 2`, then `i < 1`; the result is `lane[0]`. In other words
//!   `((l0+l8) + (l4+l12)) + ((l2+l10) + (l6+l14))` plus the same for the odd lanes,
//!   added last. Max uses [`crate::math::max`]: any NaN in the row gives NaN, and
//!   `-0.0 < +0.0`. An empty row sums to `+0.0`, has mean NaN and max `-inf`.
//! - **argmax**: index (as f32) of the first maximum under the same order, a NaN
//!   counting as larger than everything (the first NaN wins); empty rows are an error.
//! - **softmax** per row: `m = max(x)`, `e[j] = exp(x[j] - m)`, `s = sum(e)` (16 lanes),
//!   `y[j] = e[j] / s`.
//! - **layernorm** per row with `gamma`, `beta` (one row each) and `eps`:
//!   `mean = sum(x) / n`; `d[j] = x[j] - mean`; `var = sum16(fma(d, d, lane)) / n` (the
//!   lanes accumulate with fma); `inv = 1 / sqrt(var + eps)` (IEEE sqrt and division);
//!   `y[j] = fma(d[j] * inv, gamma[j], beta[j])`.
//! - **attention** (`q [h, sq, d]`, `k [h, sk, d]`, `v [h, sk, dv]`, or rank 2 for one
//!   head): per head `s = matmul(q, transpose(k))`, `s = scale(s, scale)`, causal mask
//!   `s[i][j] = -inf` for `j > i`, `p = softmax(s)`, `out = matmul(p, v)`
//!   ([`attention()`]).
//! - **transpose** (2-D): a move; every bit kept, NaN payloads included.
//!
//! Every NaN an arithmetic op produces is the canonical NaN `0x7FC00000`
//! ([`crate::math::CANONICAL_NAN`]).

mod attention;
mod elementwise;
mod layout;
mod linear;
pub(crate) mod matmul;
pub(crate) mod reduce;
pub(crate) mod rows;
mod rowwise;

pub use attention::{attention, default_attention_scale};
pub use elementwise::{add, exp, gelu, mul, relu, scale, sigmoid, sub, tanh};
pub use layout::transpose;
pub use linear::linear;
pub use matmul::matmul;
pub use reduce::LANES;
pub use rowwise::{layernorm, row_argmax, row_max, row_mean, row_sum, softmax};

pub(crate) use attention::apply_causal_mask;
pub(crate) use elementwise::{binary_slices, unary_slices};
pub(crate) use rowwise::check_argmax;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelError;
    use crate::math::CANONICAL_NAN_BITS;
    use crate::tensor::Tensor;

    fn t(shape: &[usize], data: &[f32]) -> Tensor {
        Tensor::from_vec(shape, data.to_vec()).unwrap()
    }

    #[test]
    fn softmax_of_equal_values_is_one_over_n() {
        for n in [1usize, 2, 3, 4, 5, 16, 17, 100] {
            let s = softmax(&Tensor::full(&[2, n], 3.25).unwrap());
            let expected = 1.0 / n as f32;
            assert!(s.data().iter().all(|&v| v == expected), "n = {n}");
        }
    }

    #[test]
    fn softmax_is_shift_invariant_and_handles_infinities() {
        let a = softmax(&t(&[3], &[1.0, 2.0, 3.0]));
        let b = softmax(&t(&[3], &[101.0, 102.0, 103.0]));
        assert!(a.bits_eq(&b));
        let sum: f32 = a.data().iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        // -inf entries get exactly 0.
        let c = softmax(&t(&[3], &[f32::NEG_INFINITY, 0.0, 0.0]));
        assert_eq!(c.data(), &[0.0, 0.5, 0.5]);
        // NaN poisons its row only, canonically.
        let d = softmax(&t(&[2, 2], &[f32::NAN, 1.0, 1.0, 1.0]));
        assert_eq!(d.data()[0].to_bits(), CANONICAL_NAN_BITS);
        assert_eq!(d.data()[1].to_bits(), CANONICAL_NAN_BITS);
        assert_eq!(&d.data()[2..], &[0.5, 0.5]);
    }

    #[test]
    fn layernorm_of_a_constant_row_is_beta() {
        let x = Tensor::full(&[2, 5], 7.5).unwrap();
        let gamma = t(&[5], &[1.0, 2.0, 3.0, 4.0, 5.0]);
        let beta = t(&[1, 5], &[0.5, -0.5, 0.0, 1.0, 2.0]);
        let y = layernorm(&x, &gamma, &beta, 1e-5).unwrap();
        assert_eq!(
            y.data(),
            &[0.5, -0.5, 0.0, 1.0, 2.0, 0.5, -0.5, 0.0, 1.0, 2.0]
        );
    }

    #[test]
    fn layernorm_by_hand() {
        // Row [1, 3]: mean 2, var 1, inv = 1/sqrt(1 + 0) = 1: y = [-1, 1] * gamma + beta.
        let y = layernorm(
            &t(&[2], &[1.0, 3.0]),
            &t(&[2], &[2.0, 3.0]),
            &t(&[2], &[0.0, 1.0]),
            0.0,
        )
        .unwrap();
        assert_eq!(y.data(), &[-2.0, 4.0]);
        let err = layernorm(
            &t(&[2], &[1.0, 3.0]),
            &t(&[3], &[1.0; 3]),
            &t(&[2], &[0.0; 2]),
            0.0,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "layernorm: shape mismatch between [2] and [3]"
        );
    }

    #[test]
    fn reductions_keep_the_rank() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, -1.0, -0.0, -5.0]);
        let s = row_sum(&a);
        assert_eq!(s.shape(), &[2, 1]);
        assert_eq!(s.data(), &[6.0, -6.0]);
        assert_eq!(row_mean(&a).data(), &[2.0, -2.0]);
        assert_eq!(row_max(&a).data(), &[3.0, -0.0]);
        assert_eq!(row_argmax(&a).unwrap().data(), &[2.0, 1.0]);
        let v = row_sum(&t(&[4], &[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(v.shape(), &[1]);
        assert_eq!(v.data(), &[10.0]);
    }

    #[test]
    fn argmax_ties_pick_the_first_index() {
        let a = t(&[1, 6], &[0.0, 4.0, 2.0, 4.0, 4.0, -1.0]);
        assert_eq!(row_argmax(&a).unwrap().data(), &[1.0]);
        let e = row_argmax(&Tensor::zeros(&[2, 0]).unwrap()).unwrap_err();
        assert!(matches!(e, KernelError::EmptyRows { .. }));
    }

    #[test]
    fn empty_rows() {
        let a = Tensor::zeros(&[3, 0]).unwrap();
        assert_eq!(row_sum(&a).data(), &[0.0; 3]);
        assert_eq!(row_max(&a).data(), &[f32::NEG_INFINITY; 3]);
        assert!(
            row_mean(&a)
                .data()
                .iter()
                .all(|v| v.to_bits() == CANONICAL_NAN_BITS)
        );
        assert_eq!(softmax(&a).shape(), &[3, 0]);
    }

    #[test]
    fn broadcasting_rules() {
        let a = t(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            add(&a, &t(&[2], &[10.0, 20.0])).unwrap().data(),
            &[11.0, 22.0, 13.0, 24.0]
        );
        assert_eq!(
            sub(&a, &t(&[1, 2], &[1.0, 1.0])).unwrap().data(),
            &[0.0, 1.0, 2.0, 3.0]
        );
        assert_eq!(mul(&a, &a).unwrap().data(), &[1.0, 4.0, 9.0, 16.0]);
        let err = add(&a, &t(&[2, 1], &[1.0, 1.0])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "add: shape mismatch between [2, 2] and [2, 1]"
        );
        // inf - inf is the canonical NaN.
        let inf = t(&[1], &[f32::INFINITY]);
        assert_eq!(
            sub(&inf, &inf).unwrap().data()[0].to_bits(),
            CANONICAL_NAN_BITS
        );
    }

    #[test]
    fn transpose_moves_bits() {
        let payload = f32::from_bits(0x7FC0_1234);
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, payload]);
        let b = transpose(&a).unwrap();
        assert_eq!(b.shape(), &[3, 2]);
        assert_eq!(&b.data()[..5], &[1.0, 4.0, 2.0, 5.0, 3.0]);
        assert_eq!(b.data()[5].to_bits(), 0x7FC0_1234);
    }

    #[test]
    fn linear_adds_bias_once_and_relus() {
        let x = t(&[1, 2], &[1.0, 2.0]);
        let w = t(&[2, 2], &[1.0, -1.0, 1.0, -1.0]);
        let b = t(&[2], &[0.5, 0.5]);
        assert_eq!(linear(&x, &w, &b, false).unwrap().data(), &[3.5, -2.5]);
        assert_eq!(linear(&x, &w, &b, true).unwrap().data(), &[3.5, 0.0]);
        // Equal to matmul then add.
        let m = add(&matmul(&x, &w).unwrap(), &b).unwrap();
        assert!(m.bits_eq(&linear(&x, &w, &b, false).unwrap()));
    }

    #[test]
    fn attention_by_hand() {
        // One query equal to two keys: uniform weights, the mean of the values.
        let q = t(&[1, 2], &[1.0, 0.0]);
        let k = t(&[2, 2], &[1.0, 0.0, 1.0, 0.0]);
        let v = t(&[2, 2], &[2.0, 4.0, 6.0, 8.0]);
        let out = attention(&q, &k, &v, false, 1.0).unwrap();
        assert_eq!(out.data(), &[4.0, 6.0]);
        // Causal: query 0 sees only key 0.
        let q2 = t(&[2, 2], &[1.0, 0.0, 1.0, 0.0]);
        let out = attention(&q2, &k, &v, true, 1.0).unwrap();
        assert_eq!(out.data(), &[2.0, 4.0, 4.0, 6.0]);
        assert_eq!(default_attention_scale(4), 0.5);
        let err = attention(&q, &t(&[2, 3], &[0.0; 6]), &v, false, 1.0).unwrap_err();
        assert!(matches!(
            err,
            KernelError::ShapeMismatch {
                op: "attention",
                ..
            }
        ));
    }
}
