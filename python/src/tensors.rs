//! Tensors between numpy and the VM. The VM owns its tensors (their buffers move and
//! are freed as programs run), so every crossing is a copy: one into the VM from a
//! float32 C-contiguous array, one more (numpy's conversion) from any other array, and
//! one out into a new array.

use numpy::{IxDyn, PyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use adead_kernels::Tensor;
use adead_vm::{TensorError, TrapKind};

use crate::errors;

static ASCONTIGUOUS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `array` as a float32 C-contiguous ndarray: itself when it is one, else numpy's
/// conversion (`numpy.ascontiguousarray(array, dtype=numpy.float32)`: the documented
/// extra copy, rounding other dtypes to float32).
pub(crate) fn float32_array<'py>(
    array: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    if let Ok(ready) = array.cast::<PyArrayDyn<f32>>()
        && ready.is_c_contiguous()
    {
        return Ok(ready.clone());
    }
    let py = array.py();
    let convert = ASCONTIGUOUS.import(py, "numpy", "ascontiguousarray")?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("dtype", "float32")?;
    Ok(convert
        .call((array,), Some(&kwargs))?
        .cast_into::<PyArrayDyn<f32>>()?)
}

/// Runs `f` on the shape and elements of `array` (converted as [`float32_array`]).
pub(crate) fn with_data<R>(
    array: &Bound<'_, PyAny>,
    f: impl FnOnce(&[usize], &[f32]) -> PyResult<R>,
) -> PyResult<R> {
    let array = float32_array(array)?;
    // SAFETY: the array is C-contiguous float32 (checked above), and `f` only copies
    // from the slice while this thread holds the GIL without running Python code, so
    // nothing can write the array meanwhile. (numpy's borrow tracking, `try_readonly`,
    // would say the same at the cost of a registry lookup per call: a tenth of what a
    // small tensor's crossing costs.)
    let data = unsafe { array.as_slice()? };
    f(array.shape(), data)
}

/// A new float32 ndarray holding a copy of `tensor`.
pub(crate) fn to_ndarray<'py>(
    py: Python<'py>,
    tensor: &Tensor,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    // SAFETY: `new` leaves the elements uninitialised; all of them are written below,
    // before the array is visible to Python (a tensor's shape has as many elements as
    // its data), and nothing else holds the new array.
    unsafe {
        let array = PyArray::<f32, _>::new(py, IxDyn(tensor.shape()), false);
        array.as_slice_mut()?.copy_from_slice(tensor.data());
        Ok(array)
    }
}

/// Copies `data` (shape `shape`) into `tensor`, which must have that shape.
pub(crate) fn write(
    py: Python<'_>,
    handle: u64,
    tensor: &mut Tensor,
    shape: &[usize],
    data: &[f32],
) -> PyResult<()> {
    if tensor.shape() != shape {
        return Err(errors::tensor_error(
            py,
            TrapKind::TensorShape,
            format!(
                "tensor {handle:#x} has shape {:?}, the array {:?}",
                tensor.shape(),
                shape
            ),
        ));
    }
    tensor.data_mut().copy_from_slice(data);
    Ok(())
}

/// The Python error of a failed tensor operation.
pub(crate) fn error(py: Python<'_>, error: TensorError) -> PyErr {
    errors::tensor_error(py, error.kind, error.message)
}
