//! Transpose: a move of elements, so it keeps every bit (NaN payloads included), like
//! the VM's moves, loads and stores.

use crate::error::KernelError;
use crate::shapes;
use crate::tensor::Tensor;

/// `[rows, cols] -> [cols, rows]` with `out[j][i] = a[i][j]`.
pub fn transpose(a: &Tensor) -> Result<Tensor, KernelError> {
    let (rows, cols) = shapes::matrix_dims("transpose", a)?;
    let mut out = vec![0.0; a.len()];
    for i in 0..rows {
        for j in 0..cols {
            out[j * rows + i] = a.data()[i * cols + j];
        }
    }
    Ok(Tensor::with_data(&[cols, rows], out))
}
