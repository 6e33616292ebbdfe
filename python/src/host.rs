//! Host functions as Python callables, and `adead.Caller`, the view of the instance a
//! host function gets during a call.

use std::cell::Cell;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyIndexError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use adead_vm::{HostError, HostFunc, Signature, ValType, Value};

use crate::instance::Memory;
use crate::tensors;
use crate::values::{self, HostResult};

/// Where a host callable's exception waits for the trap it causes, to become its
/// `__cause__`.
pub(crate) type PendingError = Arc<Mutex<Option<PyErr>>>;

/// Takes the exception a host callable left, if any.
pub(crate) fn take_pending(pending: &PendingError) -> Option<PyErr> {
    pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}

/// A host callable with its declared types (from `adead._host.prepare`).
pub(crate) struct HostSpec {
    pub(crate) func: Py<PyAny>,
    pub(crate) params: Vec<ValType>,
    pub(crate) result: HostResult,
    pub(crate) caller: bool,
}

/// The VM host function calling `spec`.
pub(crate) fn host_func(spec: HostSpec, pending: PendingError) -> HostFunc {
    let signature = Signature::new(&spec.params, spec.result.val_type());
    HostFunc::new(signature, move |caller, args| {
        // A Rust panic must not unwind through the VM's frames (native code among them).
        catch_unwind(AssertUnwindSafe(|| {
            Python::attach(|py| match call(py, &spec, caller, args) {
                Ok(value) => Ok(value),
                Err(error) => {
                    let message = error.to_string();
                    *pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                    Err(HostError(message))
                }
            })
        }))
        .unwrap_or_else(|_| {
            Err(HostError(
                "internal error: the host function's binding panicked".into(),
            ))
        })
    })
}

fn call(
    py: Python<'_>,
    spec: &HostSpec,
    caller: &mut adead_vm::Caller<'_>,
    args: &[Value],
) -> PyResult<Option<Value>> {
    let mut items = Vec::with_capacity(args.len() + 1);
    let view = if spec.caller {
        let view = Py::new(
            py,
            Caller {
                ptr: Cell::new(caller as *mut adead_vm::Caller<'_> as *mut c_void),
            },
        )?;
        items.push(view.clone_ref(py).into_any().into_bound(py));
        Some(view)
    } else {
        None
    };
    for &arg in args {
        items.push(values::to_python(py, arg)?);
    }
    let returned = spec.func.bind(py).call1(PyTuple::new(py, items)?);
    if let Some(view) = view {
        // The VM's Caller lives only for this call: later uses raise instead of
        // reaching freed memory.
        view.borrow(py).ptr.set(std::ptr::null_mut());
    }
    spec.result.convert(&returned?)
}

/// What a host function may touch while it runs: the instance's linear memory and its
/// tensors. A host callable declared with ``adead.host(caller=True)`` gets one as its
/// first argument; it is valid only during that call (afterwards its methods raise
/// RuntimeError), and only on the thread that made the call.
#[pyclass(module = "adead", unsendable)]
pub struct Caller {
    /// The VM's `Caller` of the running host call; null once it returned.
    ptr: Cell<*mut c_void>,
}

impl Caller {
    /// Runs `f` on the VM's caller, while its host call runs; RuntimeError after.
    /// `f` must not run Python code (which could reach this object again).
    pub(crate) fn with_vm<R>(
        &self,
        f: impl FnOnce(&mut adead_vm::Caller<'_>) -> PyResult<R>,
    ) -> PyResult<R> {
        let ptr = self.ptr.get() as *mut adead_vm::Caller<'static>;
        // SAFETY: non-null only while the host call that made this object runs (reset
        // before the call returns to the VM), when the VM's Caller is alive and nothing
        // else uses it: the VM waits for the host function, this object cannot leave
        // the thread (unsendable), and `f` runs no Python code that could come back
        // here, so the reference is unique while `f` holds it.
        match unsafe { ptr.as_mut() } {
            Some(caller) => f(caller),
            None => Err(PyRuntimeError::new_err(
                "this adead.Caller was used after its host call returned",
            )),
        }
    }
}

#[pymethods]
impl Caller {
    /// The instance's linear memory (see :class:`adead.Memory`).
    #[getter]
    fn memory(self_: Bound<'_, Self>) -> Memory {
        Memory::of_caller(self_.unbind())
    }

    /// A new float32 array holding a copy of the tensor behind ``handle``.
    ///
    /// Raises:
    ///     adead.TensorError: ``kind == "bad_tensor"`` for a stale or unknown handle.
    fn tensor<'py>(
        &self,
        py: Python<'py>,
        handle: u64,
    ) -> PyResult<Bound<'py, numpy::PyArrayDyn<f32>>> {
        self.with_vm(|caller| {
            let tensor = caller.tensor(handle).map_err(|e| tensors::error(py, e))?;
            tensors::to_ndarray(py, tensor)
        })
    }

    /// A new tensor of the instance holding a copy of ``array`` (as
    /// :meth:`Instance.new_tensor`); returns its handle, for the host function to
    /// return or store. The engine's tensor limits apply.
    fn new_tensor(&self, array: &Bound<'_, PyAny>) -> PyResult<u64> {
        let py = array.py();
        tensors::with_data(array, |shape, data| {
            self.with_vm(|caller| {
                caller
                    .new_tensor(shape, data)
                    .map_err(|e| tensors::error(py, e))
            })
        })
    }

    /// Copies ``array`` into the tensor behind ``handle``, which must have its shape.
    fn write_tensor(&self, handle: u64, array: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = array.py();
        tensors::with_data(array, |shape, data| {
            self.with_vm(|caller| {
                let tensor = caller
                    .tensor_mut(handle)
                    .map_err(|e| tensors::error(py, e))?;
                tensors::write(py, handle, tensor, shape, data)
            })
        })
    }

    /// Frees the tensor behind ``handle``; the handle is stale from then on.
    fn free_tensor(&self, py: Python<'_>, handle: u64) -> PyResult<()> {
        self.with_vm(|caller| {
            caller
                .free_tensor(handle)
                .map_err(|e| tensors::error(py, e))
        })
    }
}

/// The index range of `size` bytes at `addr` in a memory of `memory_len` bytes, or
/// IndexError.
pub(crate) fn range(memory_len: usize, addr: u64, size: u64) -> PyResult<std::ops::Range<usize>> {
    match addr.checked_add(size) {
        Some(end) if end <= memory_len as u64 => Ok(addr as usize..end as usize),
        _ => Err(PyIndexError::new_err(format!(
            "range {addr:#x}+{size} is outside linear memory ({memory_len} bytes)"
        ))),
    }
}
