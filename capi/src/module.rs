//! `adead_module_t`: a module read (from `.bib` bytes) or assembled (from text),
//! verified and prepared once, then instantiated any number of times.

use std::ffi::c_char;

use adead_vm::{LoadError, Module};

use crate::boundary::{Failure, guard, guard_value, required, slice, string};
use crate::engine::adead_engine_t;
use crate::error::{ADEAD_ERROR_LOAD, adead_error_t};

/// A verified module.
///
/// Ownership: made by `adead_module_new` or `adead_module_from_asm`, freed by
/// `adead_module_delete`. Instances keep what they need of it, so it may be freed while
/// they live.
/// Threads: may move between threads and be shared by several at once (instantiate it
/// on several threads).
pub struct adead_module_t {
    pub(crate) module: Module,
}

fn load_error(error: LoadError) -> Failure {
    adead_error_t::new(ADEAD_ERROR_LOAD, error.to_string())
}

/// Loads a `.bib` module from `len` bytes at `bytes` (copied; the buffer stays the
/// caller's), verifies it and prepares it to run under `engine`.
///
/// On success returns NULL and writes the new module to `*module_out` (free it with
/// `adead_module_delete`); otherwise returns an error (`ADEAD_ERROR_LOAD` for bytes
/// that do not load, `ADEAD_ERROR_USAGE` for NULL pointers) and leaves `*module_out`
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_module_new(
    engine: Option<&adead_engine_t>,
    bytes: *const u8,
    len: usize,
    module_out: Option<&mut *mut adead_module_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let out = required(module_out, "module_out")?;
        *out = std::ptr::null_mut();
        let engine = required(engine, "engine")?;
        // SAFETY: the header asks for `len` readable bytes at `bytes`.
        let bytes = unsafe { slice(bytes, len, "bytes") }?;
        let module = Module::from_bytes(&engine.engine, bytes).map_err(load_error)?;
        *out = Box::into_raw(Box::new(adead_module_t { module }));
        Ok(())
    })
}

/// Assembles `len` bytes of UTF-8 assembly text at `source` (ISA.md's syntax; need
/// not be NUL-terminated) and loads the module as `adead_module_new` does.
/// `file_name` (NUL-terminated, or NULL for `"module.asm"`) names the source in
/// diagnostics and in traps' source lines.
///
/// On success returns NULL and writes the module to `*module_out`; otherwise returns
/// an error (`ADEAD_ERROR_LOAD`, whose message holds the rendered diagnostics with
/// line, column and caret) and leaves `*module_out` NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_module_from_asm(
    engine: Option<&adead_engine_t>,
    source: *const c_char,
    len: usize,
    file_name: *const c_char,
    module_out: Option<&mut *mut adead_module_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let out = required(module_out, "module_out")?;
        *out = std::ptr::null_mut();
        let engine = required(engine, "engine")?;
        // SAFETY: the header asks for `len` readable bytes at `source`.
        let bytes = unsafe { slice(source.cast::<u8>(), len, "source") }?;
        let text = std::str::from_utf8(bytes).map_err(|error| {
            crate::boundary::usage(format!("`source` is not valid UTF-8: {error}"))
        })?;
        let name = if file_name.is_null() {
            "module.asm"
        } else {
            // SAFETY: non-NULL, and the header asks for a NUL-terminated string.
            unsafe { string(file_name, "file_name") }?
        };
        let module = Module::from_asm(&engine.engine, text, name).map_err(load_error)?;
        *out = Box::into_raw(Box::new(adead_module_t { module }));
        Ok(())
    })
}

/// Frees a module. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_module_delete(module: Option<Box<adead_module_t>>) {
    guard_value((), || drop(module));
}
