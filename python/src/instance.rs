//! `adead.Instance` (calls, tensors, profile) and `adead.Memory`.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyException, PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PySlice, PyTuple};

use adead_vm::{Entry, Finish, Imports, Profile, Value};

use crate::engine::Module;
use crate::errors;
use crate::host::{self, Caller, HostSpec, PendingError};
use crate::tensors;
use crate::values::{self, HostResult, ResultType};

static PREPARE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Builds the instance of `module` with `imports` (see `Module.instantiate`).
pub(crate) fn instantiate(
    module: Bound<'_, Module>,
    imports: Option<&Bound<'_, PyDict>>,
) -> PyResult<Instance> {
    let py = module.py();
    let vm_module = &module.get().inner;
    let pending: PendingError = Arc::new(Mutex::new(None));
    let prepare = PREPARE.import(py, "adead._host", "prepare")?;
    let mut vm_imports = Imports::new();
    for import in &vm_module.isa().imports {
        let Some(value) = imports
            .map(|d| d.get_item(&import.name))
            .transpose()?
            .flatten()
        else {
            // The VM reports the missing import, with its wording.
            continue;
        };
        let (func, params, result, caller): (Py<PyAny>, Vec<String>, Option<String>, bool) =
            prepare
                .call1((&import.name, value, import.params))?
                .extract()?;
        let params = params
            .iter()
            .map(|name| values::val_type(name))
            .collect::<PyResult<Vec<_>>>()?;
        let result = match result.as_deref() {
            None => HostResult::Nothing,
            Some("auto") => HostResult::Auto,
            Some(name) => HostResult::Typed(values::val_type(name)?),
        };
        let spec = HostSpec {
            func,
            params,
            result,
            caller,
        };
        vm_imports.define(&import.name, host::host_func(spec, pending.clone()));
    }
    let inner = adead_vm::Instance::new(vm_module, &vm_imports)
        .map_err(|error| errors::instantiate_error(py, &error))?;
    Ok(Instance {
        inner,
        module: module.unbind(),
        pending,
        fuel_used: None,
    })
}

/// A running copy of a module: its own linear memory, tensors, host functions and
/// counters. A trap ends the call, not the instance: memory keeps what was written
/// before it, and the instance can be called again.
///
/// Calls release the GIL while VM code runs (host callables take it back), so other
/// Python threads go on meanwhile; an instance runs one call at a time (a second call,
/// from another thread or from inside a host callable, raises RuntimeError: host
/// callables reach the instance through their :class:`adead.Caller`).
#[pyclass(module = "adead")]
pub struct Instance {
    inner: adead_vm::Instance,
    module: Py<Module>,
    pending: PendingError,
    fuel_used: Option<u64>,
}

#[pymethods]
impl Instance {
    /// Calls the exported function ``name``.
    ///
    /// Arguments: an ``int`` (or anything with ``__index__``: bool, numpy integers)
    /// passes its 64 bits (-2**63 to 2**64 - 1), a ``float`` (numpy.float64 included)
    /// its binary64 bits, a ``numpy.float32`` its binary32 bits; a tensor passes as its
    /// handle (an int, from :meth:`new_tensor`).
    ///
    /// The result is the 64 bits the function returned (``ret``), or the exit code of
    /// a ``halt``, read as ``result`` says: ``"i64"`` (the default) a signed int,
    /// ``"u64"`` an unsigned int, ``"f64"`` a float of the 64 bits, ``"f32"`` a float
    /// of the low 32 bits, ``None`` returns None (for functions called for their
    /// effect). A function that returns a tensor returns its handle: pass it to
    /// :meth:`tensor`.
    ///
    /// Raises:
    ///     adead.Trap: the run trapped (``kind``, ``function``, ``pc``, ``message``,
    ///         ``fuel_used``).
    ///     adead.CallError: no export of that name.
    ///     TypeError: a wrong number of arguments, or an argument of another type.
    ///     OverflowError: an int outside 64 bits.
    ///     ValueError: an unknown ``result``.
    #[pyo3(
        signature = (name, *args, result = Some("i64")),
        text_signature = "(self, name, /, *args, result='i64')"
    )]
    fn call(
        &mut self,
        py: Python<'_>,
        name: &str,
        args: &Bound<'_, PyTuple>,
        result: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let read = ResultType::parse(result)?;
        let Some(func) = self.inner.module().isa().export(name) else {
            return Err(errors::call_message(
                py,
                format!("no exported function `{name}`"),
            ));
        };
        let values = args
            .iter()
            .enumerate()
            .map(|(i, arg)| values::argument(&arg, i))
            .collect::<PyResult<Vec<Value>>>()?;
        let inner = &mut self.inner;
        let outcome = py.detach(|| inner.invoke(func, &values));
        match outcome {
            Ok(completion) => {
                self.fuel_used = completion.fuel_used;
                let (Finish::Returned(bits) | Finish::Halted(bits)) = completion.finish;
                read.read(py, bits)
            }
            Err(error) => {
                if let adead_vm::CallError::Trap(trap) = &error {
                    self.fuel_used = trap.fuel_used;
                }
                let cause = host::take_pending(&self.pending);
                if let Some(cause) = &cause
                    && !cause.is_instance_of::<PyException>(py)
                {
                    // KeyboardInterrupt, SystemExit: the user's, not the program's.
                    return Err(cause.clone_ref(py));
                }
                Err(errors::call_error(py, error, cause))
            }
        }
    }

    /// A new tensor holding a copy of ``array``; returns its handle, to pass as a call
    /// argument. A float32 C-contiguous array is copied once into the VM (which owns
    /// its tensors); any other array (another dtype, a strided view, a list) is first
    /// converted by ``numpy.ascontiguousarray(array, dtype=numpy.float32)``: one
    /// more copy, rounding to float32. Rank 1 to 4.
    ///
    /// Raises:
    ///     adead.TensorError: ``"tensor_shape"`` (rank), ``"tensor_limit"``
    ///         (``max_tensors``, ``max_tensor_bytes``).
    fn new_tensor(&mut self, array: &Bound<'_, PyAny>) -> PyResult<u64> {
        let py = array.py();
        let inner = &mut self.inner;
        tensors::with_data(array, |shape, data| {
            inner
                .new_tensor(shape, data)
                .map_err(|e| tensors::error(py, e))
        })
    }

    /// A new float32 array holding a copy of the tensor behind ``handle``. A copy, not
    /// a view: the VM may resize or free its tensor in the next call.
    ///
    /// Raises:
    ///     adead.TensorError: ``"bad_tensor"`` for a stale or unknown handle.
    fn tensor<'py>(
        &self,
        py: Python<'py>,
        handle: u64,
    ) -> PyResult<Bound<'py, numpy::PyArrayDyn<f32>>> {
        let tensor = self
            .inner
            .tensor(handle)
            .map_err(|e| tensors::error(py, e))?;
        tensors::to_ndarray(py, tensor)
    }

    /// Copies ``array`` into the tensor behind ``handle`` (no new handle: for inference
    /// loops). The shapes must be equal.
    ///
    /// Raises:
    ///     adead.TensorError: ``"bad_tensor"``, or ``"tensor_shape"`` when the shapes
    ///         differ.
    fn write_tensor(&mut self, handle: u64, array: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = array.py();
        let inner = &mut self.inner;
        tensors::with_data(array, |shape, data| {
            let tensor = inner
                .tensor_mut(handle)
                .map_err(|e| tensors::error(py, e))?;
            tensors::write(py, handle, tensor, shape, data)
        })
    }

    /// Frees the tensor behind ``handle``; the handle is stale from then on (using it
    /// raises, or traps with ``bad_tensor`` in a program).
    fn free_tensor(&mut self, py: Python<'_>, handle: u64) -> PyResult<()> {
        self.inner
            .free_tensor(handle)
            .map_err(|e| tensors::error(py, e))
    }

    /// The handles of every live tensor, in table order.
    #[getter]
    fn tensor_handles(&self) -> Vec<u64> {
        self.inner.tensors().map(|(handle, _)| handle).collect()
    }

    /// Bytes the live tensors count toward ``max_tensor_bytes``.
    #[getter]
    fn tensor_bytes(&self) -> u64 {
        self.inner.tensor_bytes()
    }

    /// Fuel the last call used (its instructions plus the work of memory and tensor
    /// instructions), when counted (``fuel`` or ``count_instructions``); else None.
    #[getter]
    fn fuel_used(&self) -> Option<u64> {
        self.fuel_used
    }

    /// The instance's linear memory, read and written as bytes (see
    /// :class:`adead.Memory`).
    #[getter]
    fn memory(self_: Bound<'_, Self>) -> Memory {
        Memory {
            owner: Owner::Instance(self_.unbind()),
        }
    }

    /// The module this is an instance of.
    #[getter]
    fn module(&self, py: Python<'_>) -> Py<Module> {
        self.module.clone_ref(py)
    }

    /// The counters accumulated over every call so far: ``instructions`` and
    /// ``native_instructions`` (None unless counted), ``functions`` (per function:
    /// ``name``, ``calls``, ``hot``), ``loops`` (per loop header that ran: ``function``,
    /// ``header``, ``iterations``, ``hot``) and ``native`` (None under
    /// ``tier="interp"``; else ``compiled``: ``function``, ``entry``, ``level``,
    /// ``seconds``, ``size``, and ``refused``: ``function``, ``entry``, ``reason``).
    fn profile<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        profile_dict(py, &self.inner.profile(), self.inner.module().isa())
    }

    fn __repr__(&self) -> String {
        format!(
            "<adead.Instance: {} bytes of memory, {} live tensor(s)>",
            self.inner.memory().len(),
            self.inner.tensors().count()
        )
    }
}

fn entry_name(entry: Entry) -> String {
    match entry {
        Entry::Start => "start".to_string(),
        Entry::LoopHeader(header) => format!("loop {header}"),
    }
}

fn profile_dict<'py>(
    py: Python<'py>,
    profile: &Profile,
    isa: &adead_isa::Module,
) -> PyResult<Bound<'py, PyDict>> {
    let name_of = |func: u32| {
        isa.functions
            .get(func as usize)
            .map_or_else(String::new, |f| f.name.clone())
    };
    let dict = PyDict::new(py);
    dict.set_item("instructions", profile.instructions)?;
    dict.set_item("native_instructions", profile.native_instructions)?;
    let functions = PyList::empty(py);
    for f in &profile.functions {
        let item = PyDict::new(py);
        item.set_item("name", &f.name)?;
        item.set_item("calls", f.calls)?;
        item.set_item("hot", f.hot)?;
        functions.append(item)?;
    }
    dict.set_item("functions", functions)?;
    let loops = PyList::empty(py);
    for l in &profile.loops {
        let item = PyDict::new(py);
        item.set_item("function", &l.function)?;
        item.set_item("header", l.header)?;
        item.set_item("iterations", l.iterations)?;
        item.set_item("hot", l.hot)?;
        loops.append(item)?;
    }
    dict.set_item("loops", loops)?;
    match &profile.native {
        None => dict.set_item("native", py.None())?,
        Some(native) => {
            let compiled = PyList::empty(py);
            for record in &native.compiled {
                let item = PyDict::new(py);
                item.set_item("function", name_of(record.func))?;
                item.set_item("entry", entry_name(record.entry))?;
                item.set_item("level", record.level.name())?;
                item.set_item("seconds", record.time.as_secs_f64())?;
                item.set_item("size", record.size)?;
                compiled.append(item)?;
            }
            let refused = PyList::empty(py);
            for (func, entry, reason) in &native.refused {
                let item = PyDict::new(py);
                item.set_item("function", name_of(*func))?;
                item.set_item("entry", entry_name(*entry))?;
                item.set_item("reason", reason)?;
                refused.append(item)?;
            }
            let item = PyDict::new(py);
            item.set_item("compiled", compiled)?;
            item.set_item("refused", refused)?;
            dict.set_item("native", item)?;
        }
    }
    Ok(dict)
}

enum Owner {
    Instance(Py<Instance>),
    Caller(Py<Caller>),
}

/// An instance's linear memory, read and written as bytes; each access copies (the
/// VM may grow and move its memory during any call, so no view of it is handed out).
///
/// ``len(memory)`` is its size; ``memory[i]`` a byte, ``memory[a:b]`` a ``bytes``
/// copy; ``memory[i] = byte`` and ``memory[a:b] = data`` (same length) write;
/// :meth:`read` and :meth:`write` take an address. Out-of-range accesses raise
/// IndexError. From an :class:`Instance` it is usable between calls; during a call,
/// host functions use their :attr:`Caller.memory`.
#[pyclass(module = "adead", frozen)]
pub struct Memory {
    owner: Owner,
}

impl Memory {
    pub(crate) fn of_caller(caller: Py<Caller>) -> Memory {
        Memory {
            owner: Owner::Caller(caller),
        }
    }

    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut [u8]) -> PyResult<R>) -> PyResult<R> {
        match &self.owner {
            Owner::Instance(instance) => {
                let mut instance = instance.bind(py).try_borrow_mut().map_err(|_| {
                    PyRuntimeError::new_err(
                        "the instance is running a call: a host function reaches its memory \
                         through the adead.Caller it is given",
                    )
                })?;
                f(instance.inner.memory_mut())
            }
            Owner::Caller(caller) => {
                let caller = caller.bind(py).try_borrow()?;
                caller.with_vm(|vm| f(vm.memory_mut()))
            }
        }
    }
}

/// `range` of `bytes`, or IndexError (memory only grows, but a range is checked again
/// against the memory it is used on).
fn checked<'a>(bytes: &'a mut [u8], range: &std::ops::Range<usize>) -> PyResult<&'a mut [u8]> {
    let len = bytes.len();
    bytes.get_mut(range.clone()).ok_or_else(|| {
        PyIndexError::new_err(format!("{range:?} is outside linear memory ({len} bytes)"))
    })
}

/// A byte index (negative from the end) or a slice of step 1, as a range.
fn index_range(key: &Bound<'_, PyAny>, len: usize) -> PyResult<(std::ops::Range<usize>, bool)> {
    if let Ok(slice) = key.cast::<PySlice>() {
        let indices = slice.indices(len as isize)?;
        if indices.step != 1 {
            return Err(PyValueError::new_err("adead.Memory slices take no step"));
        }
        let start = indices.start as usize;
        let stop = (indices.stop as usize).max(start);
        return Ok((start..stop, true));
    }
    let index: isize = key
        .extract()
        .map_err(|_| PyTypeError::new_err("adead.Memory indices are ints or slices"))?;
    let position = if index < 0 {
        index + len as isize
    } else {
        index
    };
    if position < 0 || position as usize >= len {
        return Err(PyIndexError::new_err(format!(
            "index {index} is outside linear memory ({len} bytes)"
        )));
    }
    Ok((position as usize..position as usize + 1, false))
}

#[pymethods]
impl Memory {
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |bytes| Ok(bytes.len()))
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        // The key is resolved first: its `__index__` may run Python code, which must
        // not happen while the memory is borrowed.
        let len = self.with(py, |bytes| Ok(bytes.len()))?;
        let (range, slice) = index_range(key, len)?;
        self.with(py, |bytes| {
            let part = checked(bytes, &range)?;
            Ok(if slice {
                PyBytes::new(py, part).into_any().unbind()
            } else {
                part[0].into_pyobject(py)?.into_any().unbind()
            })
        })
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let data: Vec<u8> = if key.is_instance_of::<PySlice>() {
            pyo3::buffer::PyBuffer::<u8>::get(value)?.to_vec(py)?
        } else {
            vec![value.extract::<u8>()?]
        };
        let len = self.with(py, |bytes| Ok(bytes.len()))?;
        let (range, _) = index_range(key, len)?;
        if range.len() != data.len() {
            return Err(PyValueError::new_err(format!(
                "cannot resize linear memory: {} bytes assigned to a range of {}",
                data.len(),
                range.len()
            )));
        }
        self.with(py, |bytes| {
            checked(bytes, &range)?.copy_from_slice(&data);
            Ok(())
        })
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.with(py, |bytes| Ok(PyBytes::new(py, bytes)))
    }

    /// A copy of ``size`` bytes at ``addr``; IndexError outside memory.
    fn read<'py>(&self, py: Python<'py>, addr: u64, size: u64) -> PyResult<Bound<'py, PyBytes>> {
        self.with(py, |bytes| {
            let range = host::range(bytes.len(), addr, size)?;
            Ok(PyBytes::new(py, &bytes[range]))
        })
    }

    /// Copies the bytes-like ``data`` to ``addr``; IndexError outside memory (nothing
    /// is written then).
    fn write(&self, py: Python<'_>, addr: u64, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = pyo3::buffer::PyBuffer::<u8>::get(data)?.to_vec(py)?;
        self.with(py, |bytes| {
            let range = host::range(bytes.len(), addr, data.len() as u64)?;
            bytes[range].copy_from_slice(&data);
            Ok(())
        })
    }
}
