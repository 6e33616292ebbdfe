//! The Python exceptions the bindings raise, built from the VM's errors. The classes
//! live in `adead/_errors.py` (plain Python, so that they carry documented attributes
//! and pickle like any exception); they are looked up once.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use adead_vm::{CallError, InstantiateError, LoadError, Trap, TrapKind};

struct Classes {
    load: Py<PyType>,
    instantiate: Py<PyType>,
    call: Py<PyType>,
    tensor: Py<PyType>,
    trap: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("adead._errors")?;
        let class = |name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            load: class("LoadError")?,
            instantiate: class("InstantiateError")?,
            call: class("CallError")?,
            tensor: class("TensorError")?,
            trap: class("Trap")?,
        })
    })
}

/// An exception of the class `pick` chooses, constructed with `args` and `kwargs`; an
/// error while constructing it (the package half-installed) is raised instead.
fn raise<'py>(
    py: Python<'py>,
    pick: impl FnOnce(&Classes) -> &Py<PyType>,
    args: impl pyo3::call::PyCallArgs<'py>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyErr {
    let made = classes(py).and_then(|classes| pick(classes).bind(py).call(args, kwargs));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(error) => error,
    }
}

/// `adead.LoadError` with the kind of failure.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError) -> PyErr {
    let kind = match error {
        LoadError::Format(_) => "format",
        LoadError::Verify(_) => "verify",
        LoadError::Assemble { .. } => "assemble",
        LoadError::Kernels(_) => "kernels",
        LoadError::Unsupported { .. } => "unsupported",
    };
    raise(py, |c| &c.load, (error.to_string(), kind), None)
}

/// `adead.InstantiateError`.
pub(crate) fn instantiate_error(py: Python<'_>, error: &InstantiateError) -> PyErr {
    instantiate_message(py, error.to_string())
}

/// `adead.InstantiateError` with a message of the bindings' own.
pub(crate) fn instantiate_message(py: Python<'_>, message: String) -> PyErr {
    raise(py, |c| &c.instantiate, (message,), None)
}

/// `adead.CallError`.
pub(crate) fn call_message(py: Python<'_>, message: String) -> PyErr {
    raise(py, |c| &c.call, (message,), None)
}

/// `adead.TensorError` of `kind`.
pub(crate) fn tensor_error(py: Python<'_>, kind: TrapKind, message: String) -> PyErr {
    raise(py, |c| &c.tensor, (kind.id(), message), None)
}

/// The Python error for a failed call: `adead.Trap` (with `cause`, the exception a host
/// callable raised, as `__cause__`), `TypeError` for a wrong argument count,
/// `adead.CallError` otherwise.
pub(crate) fn call_error(py: Python<'_>, error: CallError, cause: Option<PyErr>) -> PyErr {
    match error {
        CallError::Trap(trap) => trap_error(py, &trap, cause),
        CallError::ArgumentCount { .. } => PyTypeError::new_err(error.to_string()),
        other => call_message(py, other.to_string()),
    }
}

fn trap_error(py: Python<'_>, trap: &Trap, cause: Option<PyErr>) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        if let TrapKind::User(code) = trap.kind {
            kwargs.set_item("code", code)?;
        }
        kwargs.set_item("func_index", trap.func_index)?;
        kwargs.set_item("detail", trap.detail.as_deref())?;
        if let Some((file, line)) = &trap.location {
            kwargs.set_item("file", file)?;
            kwargs.set_item("line", line)?;
        }
        let error = raise(
            py,
            |c| &c.trap,
            (
                trap.kind.id(),
                trap.function.as_str(),
                trap.pc,
                trap.to_string(),
                trap.fuel_used,
            ),
            Some(&kwargs),
        );
        error.set_cause(py, cause);
        Ok(error)
    })();
    made.unwrap_or_else(|error| error)
}

/// `adead.LoadError` of kind `format` with a message of the bindings' own.
pub(crate) fn load_message(py: Python<'_>, message: String) -> PyErr {
    raise(py, |c| &c.load, (message, "format"), None)
}
