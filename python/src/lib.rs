//! probe
use pyo3::prelude::*;
fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}
/// probe
pub fn probe() {
    assert_send::<adead_vm::Instance>();
    assert_sync::<adead_vm::Instance>();
    assert_send::<adead_vm::Module>();
    assert_sync::<adead_vm::Module>();
    assert_sync::<adead_vm::Engine>();
}
#[pymodule]
fn _adead(_m: &Bound<'_, PyModule>) -> PyResult<()> { Ok(()) }
