//! `adead_error_t`: why a function failed (a load, an instantiation, a call the VM
//! refused, a tensor the host asked for, a misuse of the API), as a kind and a message.

use std::ffi::{CString, c_char};

use adead_vm::TensorError;

use crate::boundary::guard_value;

/// What kind of failure an `adead_error_t` reports (`ADEAD_ERROR_*`).
pub type adead_error_kind_t = u8;
/// The API was misused: a NULL pointer, invalid UTF-8, an unknown value kind, a buffer
/// too small for what it should receive.
pub const ADEAD_ERROR_USAGE: adead_error_kind_t = 1;
/// Bytes or assembly text did not load: malformed, rejected by the verifier, not
/// assembled (the message holds the rendered diagnostics), or tensor kernels this CPU
/// cannot run.
pub const ADEAD_ERROR_LOAD: adead_error_kind_t = 2;
/// An instance could not be made: a missing or mistyped import, or too much memory.
pub const ADEAD_ERROR_INSTANTIATE: adead_error_kind_t = 3;
/// A call was refused before it ran: no such export, or the wrong number of arguments.
pub const ADEAD_ERROR_CALL: adead_error_kind_t = 4;
/// A tensor could not be made, read, written or freed; `adead_error_trap_code` gives
/// the trap kind a program would get for the same mistake (`bad_tensor`,
/// `tensor_shape` or `tensor_limit`).
pub const ADEAD_ERROR_TENSOR: adead_error_kind_t = 5;
/// Made by the embedder with `adead_error_new` (a host callback's failure).
pub const ADEAD_ERROR_HOST: adead_error_kind_t = 6;
/// A call trapped and the caller passed no `trap_out`: the message is the trap's, and
/// `adead_error_trap_code` its kind's code.
pub const ADEAD_ERROR_TRAP: adead_error_kind_t = 7;
/// A bug in the VM, caught at the boundary (a Rust panic). The objects the failing
/// function was given may be left half updated: delete them.
pub const ADEAD_ERROR_PANIC: adead_error_kind_t = 8;

/// An error: a kind (`ADEAD_ERROR_*`), a message, and for tensor and trap errors the
/// numeric trap code of ISA.md's trap table.
///
/// Ownership: a function that returns an `adead_error_t *` gives it to the caller, who
/// frees it with `adead_error_delete`. Immutable once made: it may move between threads
/// and be read from several at once.
pub struct adead_error_t {
    pub(crate) kind: adead_error_kind_t,
    pub(crate) trap_code: u32,
    message: CString,
}

impl adead_error_t {
    pub(crate) fn new(kind: adead_error_kind_t, message: String) -> Box<adead_error_t> {
        Box::new(adead_error_t {
            kind,
            trap_code: 0,
            message: c_string(message),
        })
    }

    pub(crate) fn with_trap_code(mut self: Box<Self>, code: u32) -> Box<adead_error_t> {
        self.trap_code = code;
        self
    }

    /// The message, as Rust sees it.
    pub(crate) fn text(&self) -> &str {
        self.message.to_str().unwrap_or("")
    }

    pub(crate) fn tensor(error: TensorError) -> Box<adead_error_t> {
        adead_error_t::new(ADEAD_ERROR_TENSOR, error.to_string()).with_trap_code(error.kind.code())
    }
}

/// `text` as a C string; an interior NUL (a host's message may hold one) is written as
/// `\0` rather than cutting the message short.
pub(crate) fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|error| {
        let text = String::from_utf8_lossy(&error.into_vec()).replace('\0', "\\0");
        CString::new(text).unwrap_or_default()
    })
}

/// A new error of kind `ADEAD_ERROR_HOST` with a copy of `message` (NUL-terminated
/// UTF-8; invalid UTF-8 is replaced). A host callback returns one to fail: the call
/// then traps with kind `host` and this message as the trap's detail.
///
/// Returns NULL when `message` is NULL. The caller owns the result: it frees it with
/// `adead_error_delete`, or gives it away by returning it from a host callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_error_new(message: *const c_char) -> Option<Box<adead_error_t>> {
    guard_value(None, || {
        if message.is_null() {
            return None;
        }
        // SAFETY: non-NULL, and the header asks for a NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(message) }.to_string_lossy();
        Some(adead_error_t::new(ADEAD_ERROR_HOST, text.into_owned()))
    })
}

/// Frees an error. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_error_delete(error: Option<Box<adead_error_t>>) {
    guard_value((), || drop(error));
}

/// The error's message, NUL-terminated UTF-8, owned by the error (valid until
/// `adead_error_delete`). An empty string for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_error_message(error: Option<&adead_error_t>) -> *const c_char {
    match error {
        Some(error) => error.message.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// The error's kind (`ADEAD_ERROR_*`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_error_kind(error: Option<&adead_error_t>) -> adead_error_kind_t {
    error.map_or(0, |error| error.kind)
}

/// For `ADEAD_ERROR_TENSOR` and `ADEAD_ERROR_TRAP`, the trap kind's stable numeric code
/// (ISA.md, "Traps": 10 `tensor_shape`, 11 `bad_tensor`, 12 `tensor_limit`, ...); 0
/// for other kinds and NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_error_trap_code(error: Option<&adead_error_t>) -> u32 {
    error.map_or(0, |error| error.trap_code)
}
