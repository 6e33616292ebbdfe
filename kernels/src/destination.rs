//! [`Destination`]: where an op writes its result, asked for the buffer only once the
//! inputs are validated and the result's shape is known, before anything is allocated.
//!
//! This lets an embedder bound the memory an op may take before the op takes it (the
//! VM checks its tensor-bytes limit there: a 2^20 x 1 by 1 x 2^20 product asks for
//! 4 TiB, which must be a trap, not an allocation failure), and lets a result reuse
//! the allocation of the tensor it replaces (an inference loop then allocates nothing).

use crate::error::KernelError;
use crate::tensor::Tensor;

/// Receives the result of an op.
///
/// ```
/// use adead_kernels::{Destination, Isa, Kernels, Tensor};
/// let k = Kernels::new(Isa::best(), 1).unwrap();
/// let a = Tensor::from_fn(&[2, 3], |i| i as f32 - 2.0).unwrap();
/// let mut out = Tensor::zeros(&[1]).unwrap();
/// k.relu_into(&a, &mut out).unwrap(); // `out` takes the shape [2, 3]
/// assert_eq!(out.data(), &[0.0, 0.0, 0.0, 1.0, 2.0, 3.0]);
/// ```
pub trait Destination {
    /// The buffer for a result of shape `shape` (exactly its element count; the op
    /// overwrites every element, so the contents may be anything). `scratch_bytes` is
    /// what the op will allocate besides, for temporaries sized by its operands, while
    /// it runs (not counted: the matrix products' per-thread packing buffer, which has a
    /// fixed bound of `KC x NC` floats, at most 8 MiB, whatever the operands). An error is
    /// returned by the op as is, before it allocates or computes anything.
    fn buffer(&mut self, shape: &[usize], scratch_bytes: usize) -> Result<&mut [f32], KernelError>;
}

/// A tensor receives a result by taking its shape, reusing its allocation.
impl Destination for Tensor {
    fn buffer(
        &mut self,
        shape: &[usize],
        _scratch_bytes: usize,
    ) -> Result<&mut [f32], KernelError> {
        self.reset(shape)?;
        Ok(self.data_mut())
    }
}

/// A zeroed vector of `len` floats, or [`KernelError::TooLarge`] when it cannot be
/// allocated (op temporaries; never an abort).
pub(crate) fn scratch(len: usize) -> Result<Vec<f32>, KernelError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| KernelError::TooLarge { shape: vec![len] })?;
    v.resize(len, 0.0);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Isa, Kernels};

    /// Refuses every result, remembering what it was asked for.
    struct Refusing(Vec<(Vec<usize>, usize)>);

    impl Destination for Refusing {
        fn buffer(&mut self, shape: &[usize], scratch: usize) -> Result<&mut [f32], KernelError> {
            self.0.push((shape.to_vec(), scratch));
            Err(KernelError::Refused("no room".into()))
        }
    }

    #[test]
    fn ops_ask_once_with_the_result_shape_and_return_a_refusal() {
        let k = Kernels::new(Isa::Scalar, 1).unwrap();
        let a = Tensor::zeros(&[4, 3]).unwrap();
        let b = Tensor::zeros(&[3, 5]).unwrap();
        let mut refusing = Refusing(Vec::new());
        let err = k.matmul_into(&a, &b, &mut refusing).unwrap_err();
        assert!(matches!(err, KernelError::Refused(_)));
        let q = Tensor::zeros(&[2, 6, 4]).unwrap();
        k.attention_into(&q, &q, &q, false, 0.5, &mut refusing)
            .unwrap_err();
        // k^T (48 floats) and three 2 x 6 x 6 score tensors.
        let scratch = (48 + 3 * 72) * 4;
        assert_eq!(refusing.0, vec![(vec![4, 5], 0), (vec![2, 6, 4], scratch)]);
        // Invalid inputs are reported before the destination is asked.
        k.matmul_into(&a, &a, &mut refusing).unwrap_err();
        assert_eq!(refusing.0.len(), 2);
    }

    #[test]
    fn a_tensor_destination_reuses_its_allocation_but_never_holds_twice_its_size() {
        let k = Kernels::new(Isa::best(), 1).unwrap();
        let a = Tensor::from_fn(&[8, 8], |i| i as f32).unwrap();
        let mut out = Tensor::zeros(&[64]).unwrap();
        let before = out.data().as_ptr();
        k.relu_into(&a, &mut out).unwrap();
        assert_eq!(out.shape(), &[8, 8]);
        assert_eq!(out.data().as_ptr(), before);
        let half = Tensor::zeros(&[4, 8]).unwrap();
        k.relu_into(&half, &mut out).unwrap();
        assert_eq!(out.data().as_ptr(), before, "half the size: kept");
        k.row_sum_into(&a, &mut out).unwrap();
        assert_eq!(out.shape(), &[8, 1]);
        assert_eq!(out.data()[1], (8..16).sum::<i32>() as f32);
        assert!(
            out.into_data().capacity() <= 16,
            "an eighth of the size: shrunk"
        );
    }
}
