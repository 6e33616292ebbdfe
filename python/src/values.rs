//! Python values to VM values and back. Registers are untyped 64-bit words: an
//! argument's Python type decides how its bits are written, and the caller's declared
//! result type how the result's bits are read.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyInt, PyType};

use adead_vm::{ValType, Value};

static FLOAT32: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `numpy.float32`, looked up once.
fn float32_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    FLOAT32.import(py, "numpy", "float32")
}

/// An int as an I64: anything from -2^63 to 2^64 - 1 (the upper half as its two's
/// complement bits, so that unsigned values pass unchanged).
fn int_value(value: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(v) = value.extract::<i64>() {
        return Ok(v);
    }
    match value.extract::<u64>() {
        Ok(v) => Ok(v as i64),
        Err(_) => Err(PyOverflowError::new_err(format!(
            "{} does not fit in 64 bits (-2**63 to 2**64 - 1)",
            value.repr()?
        ))),
    }
}

/// A call argument: `int` (or anything with `__index__`) -> I64, `float` -> F64,
/// `numpy.float32` -> F32. `position` (0-based) names the argument in errors.
pub(crate) fn argument(value: &Bound<'_, PyAny>, position: usize) -> PyResult<Value> {
    if value.is_exact_instance_of::<PyInt>() {
        return int_value(value).map(Value::I64);
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        // numpy.float64 is a float subclass: it lands here too.
        return Ok(Value::F64(float.value()));
    }
    let py = value.py();
    if value.is_instance(float32_type(py)?)? {
        return Ok(Value::F32(value.extract::<f32>()?));
    }
    if value.is_instance_of::<PyInt>() || value.hasattr("__index__")? {
        // bool, numpy integers.
        return int_value(value).map(Value::I64);
    }
    Err(PyTypeError::new_err(format!(
        "argument {}: expected int, float or numpy.float32, got {}",
        position + 1,
        value.get_type().name()?
    )))
}

/// How the result register of a call is read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResultType {
    /// A signed int.
    I64,
    /// An unsigned int.
    U64,
    /// The bits as a binary64 float.
    F64,
    /// The low 32 bits as a binary32 float.
    F32,
    /// No value: `None`.
    Nothing,
}

impl ResultType {
    /// Parses the `result=` keyword of a call.
    pub(crate) fn parse(name: Option<&str>) -> PyResult<ResultType> {
        Ok(match name {
            None => ResultType::Nothing,
            Some("i64") => ResultType::I64,
            Some("u64") => ResultType::U64,
            Some("f64") => ResultType::F64,
            Some("f32") => ResultType::F32,
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "result={other:?}: expected 'i64', 'u64', 'f64', 'f32' or None"
                )));
            }
        })
    }

    /// The Python value of the register `bits`.
    pub(crate) fn read(self, py: Python<'_>, bits: u64) -> PyResult<Py<PyAny>> {
        Ok(match self {
            ResultType::I64 => (bits as i64).into_pyobject(py)?.into_any().unbind(),
            ResultType::U64 => bits.into_pyobject(py)?.into_any().unbind(),
            ResultType::F64 => f64::from_bits(bits).into_pyobject(py)?.into_any().unbind(),
            ResultType::F32 => f64::from(f32::from_bits(bits as u32))
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            ResultType::Nothing => py.None(),
        })
    }
}

/// A host function's argument as Python sees it: an int, or a float for F64 and F32.
pub(crate) fn to_python(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    Ok(match value {
        Value::I64(v) => v.into_pyobject(py)?.into_any(),
        Value::F64(v) => v.into_pyobject(py)?.into_any(),
        Value::F32(v) => f64::from(v).into_pyobject(py)?.into_any(),
    })
}

/// The declared type of a host function's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostResult {
    /// Read the returned object by its type.
    Auto,
    /// Ignore it.
    Nothing,
    /// Convert it to this type.
    Typed(ValType),
}

impl HostResult {
    /// The declared signature's result.
    pub(crate) fn val_type(self) -> Option<ValType> {
        match self {
            HostResult::Auto => Some(ValType::I64),
            HostResult::Nothing => None,
            HostResult::Typed(ty) => Some(ty),
        }
    }

    /// The register value of what the host callable returned.
    pub(crate) fn convert(self, returned: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
        match self {
            HostResult::Nothing => Ok(None),
            HostResult::Typed(ValType::I64) => int_value(returned).map(|v| Some(Value::I64(v))),
            HostResult::Typed(ValType::F64) => {
                returned.extract::<f64>().map(|v| Some(Value::F64(v)))
            }
            HostResult::Typed(ValType::F32) => {
                returned.extract::<f32>().map(|v| Some(Value::F32(v)))
            }
            HostResult::Auto if returned.is_none() => Ok(None),
            HostResult::Auto => argument(returned, 0).map(Some).map_err(|error| {
                if !error.is_instance_of::<PyTypeError>(returned.py()) {
                    return error; // an int outside 64 bits: OverflowError says so
                }
                let name = returned
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string());
                PyTypeError::new_err(format!(
                    "a host function returned {name}: expected None, int, float or numpy.float32"
                ))
            }),
        }
    }
}

/// A type name of `adead.host`'s declarations.
pub(crate) fn val_type(name: &str) -> PyResult<ValType> {
    match name {
        "i64" => Ok(ValType::I64),
        "f64" => Ok(ValType::F64),
        "f32" => Ok(ValType::F32),
        other => Err(PyValueError::new_err(format!(
            "type {other:?}: expected 'i64', 'f64' or 'f32'"
        ))),
    }
}
