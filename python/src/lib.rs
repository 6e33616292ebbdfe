//! # adead-python: the ADead-BIB VM for Python
//!
//! The native half of the `adead` Python package (built by maturin as
//! `adead._adead`; `python/adead/__init__.py` re-exports it with the exceptions and the
//! `adead.host` declaration, which are plain Python). Python values enter through
//! `Instance.call` (ints, floats and numpy.float32 become
//! register bits) and numpy arrays through `new_tensor` (copied into the VM, which owns
//! its tensors); results leave as ints or floats, tensors as new arrays, and failures
//! as the package's exceptions. VM code runs with the GIL released; a host function
//! takes it back to call its Python callable. No Rust panic crosses into Python or
//! through the VM: PyO3 turns one in a method into an exception, and host functions
//! catch their own.

use pyo3::prelude::*;

mod engine;
mod errors;
mod host;
mod instance;
mod tensors;
mod values;

#[pymodule]
fn _adead(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<engine::Module>()?;
    m.add_class::<instance::Instance>()?;
    m.add_class::<instance::Memory>()?;
    m.add_class::<host::Caller>()?;
    m.add_function(wrap_pyfunction!(engine::default_config, m)?)?;
    m.add_function(wrap_pyfunction!(engine::assemble, m)?)?;
    Ok(())
}
