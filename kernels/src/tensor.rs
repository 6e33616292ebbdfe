//! [`Tensor`]: an owned, contiguous, row-major array of f32 with rank 1..=4.
//!
//! The last dimension is the row: row-wise ops (softmax, layernorm, sums) work on runs of
//! `shape[rank - 1]` consecutive elements. Dimensions may be zero (a `[3, 0]` tensor has
//! three empty rows, a `[0, 5]` tensor no rows). Every constructor checks the element
//! count and the byte size with checked multiplication, so an absurd shape is a
//! [`KernelError::TooLarge`], never an overflow or an allocation abort.

use std::fmt;

use crate::error::KernelError;

/// The highest rank a tensor may have.
pub const MAX_RANK: usize = 4;

/// An owned f32 tensor, row-major and contiguous.
#[derive(Clone)]
pub struct Tensor {
    dims: [usize; MAX_RANK],
    rank: usize,
    data: Vec<f32>,
}

impl Tensor {
    /// Element count of `shape`, checked: rank 1..=4, no overflow of the count or of the
    /// byte size, and at most `isize::MAX` bytes (the most one allocation may hold).
    pub fn element_count(shape: &[usize]) -> Result<usize, KernelError> {
        if shape.is_empty() || shape.len() > MAX_RANK {
            return Err(KernelError::BadRank {
                op: "tensor",
                rank: shape.len(),
                shape: shape.to_vec(),
                expected: "rank 1 to 4",
            });
        }
        let too_large = || KernelError::TooLarge {
            shape: shape.to_vec(),
        };
        let count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(too_large)?;
        let bytes = count
            .checked_mul(std::mem::size_of::<f32>())
            .ok_or_else(too_large)?;
        if bytes > isize::MAX as usize {
            return Err(too_large());
        }
        Ok(count)
    }

    /// A tensor of `+0.0`.
    pub fn zeros(shape: &[usize]) -> Result<Self, KernelError> {
        Self::full(shape, 0.0)
    }

    /// A tensor with every element equal to `value` (bits kept as given).
    pub fn full(shape: &[usize], value: f32) -> Result<Self, KernelError> {
        let count = Self::element_count(shape)?;
        Ok(Self::with_data(shape, vec![value; count]))
    }

    /// A tensor owning `data`, which must hold exactly the shape's element count.
    pub fn from_vec(shape: &[usize], data: Vec<f32>) -> Result<Self, KernelError> {
        let count = Self::element_count(shape)?;
        if data.len() != count {
            return Err(KernelError::DataLength {
                len: data.len(),
                shape: shape.to_vec(),
                expected: count,
            });
        }
        Ok(Self::with_data(shape, data))
    }

    /// A tensor whose element at flat (row-major) index `i` is `f(i)`.
    pub fn from_fn(shape: &[usize], f: impl FnMut(usize) -> f32) -> Result<Self, KernelError> {
        let count = Self::element_count(shape)?;
        Ok(Self::with_data(shape, (0..count).map(f).collect()))
    }

    /// A tensor of shape `[0]`: the starting point of a result (see
    /// [`Destination`](crate::Destination)), allocating nothing.
    pub(crate) fn empty() -> Self {
        Self::with_data(&[0], Vec::new())
    }

    /// Builds from a shape already checked by [`Tensor::element_count`] and data of that
    /// length (crate-internal: outputs of ops whose shapes derive from valid inputs).
    pub(crate) fn with_data(shape: &[usize], data: Vec<f32>) -> Self {
        debug_assert!(!shape.is_empty() && shape.len() <= MAX_RANK);
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        let mut dims = [0; MAX_RANK];
        dims[..shape.len()].copy_from_slice(shape);
        Self {
            dims,
            rank: shape.len(),
            data,
        }
    }

    /// Gives this tensor the shape `shape` (checked as [`Tensor::element_count`]) and
    /// that many elements, reusing its allocation: elements kept from before keep their
    /// values, new ones are `+0.0`. Memory that cannot be had is [`KernelError::TooLarge`].
    /// An allocation more than twice the new size is shrunk, so that a tensor never
    /// holds much more memory than its elements (an embedder's limit on element bytes
    /// then bounds the memory too).
    pub(crate) fn reset(&mut self, shape: &[usize]) -> Result<(), KernelError> {
        let count = Self::element_count(shape)?;
        let more = count.saturating_sub(self.data.len());
        self.data
            .try_reserve_exact(more)
            .map_err(|_| KernelError::TooLarge {
                shape: shape.to_vec(),
            })?;
        self.data.resize(count, 0.0);
        if self.data.capacity() / 2 > count {
            self.data.shrink_to(count);
        }
        self.dims = [0; MAX_RANK];
        self.dims[..shape.len()].copy_from_slice(shape);
        self.rank = shape.len();
        Ok(())
    }

    /// The dimensions, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// Number of dimensions (1..=4).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when some dimension is zero.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Size of the element data in bytes (what a tensor-bytes limit counts).
    pub fn byte_size(&self) -> usize {
        // Cannot overflow: checked against isize::MAX at construction.
        self.data.len() * std::mem::size_of::<f32>()
    }

    /// The elements in row-major order.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The elements in row-major order, writable.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Gives up the tensor and returns its elements.
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }

    /// The same elements under another shape with the same element count.
    pub fn reshape(mut self, shape: &[usize]) -> Result<Self, KernelError> {
        self.set_shape(shape)?;
        Ok(self)
    }

    /// Gives the elements another shape with the same element count, in place.
    pub fn set_shape(&mut self, shape: &[usize]) -> Result<(), KernelError> {
        let count = Self::element_count(shape)?;
        if count != self.data.len() {
            return Err(KernelError::ShapeMismatch {
                op: "reshape",
                left: self.shape().to_vec(),
                right: shape.to_vec(),
            });
        }
        self.reset(shape)
    }

    /// Length of a row (the last dimension).
    pub fn row_len(&self) -> usize {
        self.dims[self.rank - 1]
    }

    /// Number of rows: the product of all dimensions but the last (1 for rank 1).
    pub fn row_count(&self) -> usize {
        self.shape()[..self.rank - 1].iter().product()
    }

    /// True when both tensors have the same shape and the same element bits
    /// (so NaN payloads and the sign of zero count, unlike `==` on floats).
    pub fn bits_eq(&self, other: &Tensor) -> bool {
        self.shape() == other.shape()
            && self
                .data
                .iter()
                .zip(&other.data)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        write!(f, "Tensor{:?} [", self.shape())?;
        for (i, x) in self.data.iter().take(SHOWN).enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{x:?}")?;
        }
        if self.data.len() > SHOWN {
            write!(f, ", ... {} more", self.data.len() - SHOWN)?;
        }
        write!(f, "]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_sizes() {
        let t = Tensor::zeros(&[2, 3, 4]).unwrap();
        assert_eq!(t.shape(), &[2, 3, 4]);
        assert_eq!(t.len(), 24);
        assert_eq!(t.byte_size(), 96);
        assert_eq!(t.row_len(), 4);
        assert_eq!(t.row_count(), 6);
        assert!(t.data().iter().all(|x| x.to_bits() == 0));
    }

    #[test]
    fn bad_rank_is_an_error() {
        assert!(matches!(
            Tensor::zeros(&[]),
            Err(KernelError::BadRank { rank: 0, .. })
        ));
        assert!(matches!(
            Tensor::zeros(&[1, 1, 1, 1, 1]),
            Err(KernelError::BadRank { rank: 5, .. })
        ));
    }

    #[test]
    fn overflowing_shapes_are_too_large_not_a_panic() {
        let big = usize::MAX / 2;
        assert!(matches!(
            Tensor::zeros(&[big, 3]),
            Err(KernelError::TooLarge { .. })
        ));
        // The count fits but the byte size does not.
        assert!(matches!(
            Tensor::zeros(&[usize::MAX / 4 + 1]),
            Err(KernelError::TooLarge { .. })
        ));
        assert!(matches!(
            Tensor::element_count(&[1 << 40, 1 << 40]),
            Err(KernelError::TooLarge { .. })
        ));
        // A zero dimension makes any shape small.
        assert_eq!(Tensor::element_count(&[0, usize::MAX]).unwrap(), 0);
    }

    #[test]
    fn from_vec_checks_length_and_messages_show_shapes() {
        let err = Tensor::from_vec(&[2, 2], vec![1.0; 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "data of 3 elements does not fill shape [2, 2] (4 elements)"
        );
        let t = Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let err = t.clone().reshape(&[3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "reshape: shape mismatch between [2, 2] and [3]"
        );
        let r = t.reshape(&[4, 1]).unwrap();
        assert_eq!(r.shape(), &[4, 1]);
        assert_eq!(r.data(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn bits_eq_sees_signed_zero_and_nan_payloads() {
        let a = Tensor::from_vec(&[2], vec![0.0, f32::from_bits(0x7FC0_0000)]).unwrap();
        let b = Tensor::from_vec(&[2], vec![-0.0, f32::from_bits(0x7FC0_0000)]).unwrap();
        let c = Tensor::from_vec(&[2], vec![0.0, f32::from_bits(0x7FC0_0001)]).unwrap();
        assert!(a.bits_eq(&a.clone()));
        assert!(!a.bits_eq(&b));
        assert!(!a.bits_eq(&c));
    }
}
