//! What every entry point does at the boundary: catch panics, turn NULL pointers and
//! invalid UTF-8 into usage errors, and read C arrays.

use std::any::Any;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{ADEAD_ERROR_PANIC, ADEAD_ERROR_USAGE, adead_error_t};

/// A failure on its way to C.
pub(crate) type Failure = Box<adead_error_t>;

/// Runs `body` and returns its error, or NULL; a panic becomes an `ADEAD_ERROR_PANIC`
/// error. `AssertUnwindSafe`: after a panic the objects `body` touched may be half
/// updated, which the header tells the embedder (delete them).
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> Option<Failure> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error),
        Err(payload) => Some(adead_error_t::new(
            ADEAD_ERROR_PANIC,
            panic_message(&*payload),
        )),
    }
}

/// Runs an accessor that cannot fail but for a bug: a panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The text of a panic's payload, for the error that replaces it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal error (a Rust panic caught at the C boundary): {text}")
}

/// A usage error: the caller broke a rule the header states.
pub(crate) fn usage(message: impl Into<String>) -> Failure {
    adead_error_t::new(ADEAD_ERROR_USAGE, message.into())
}

/// `pointer`, or a usage error naming the parameter when it is NULL.
pub(crate) fn required<T>(pointer: Option<T>, parameter: &str) -> Result<T, Failure> {
    pointer.ok_or_else(|| usage(format!("`{parameter}` is NULL")))
}

/// A NUL-terminated UTF-8 string from C.
///
/// # Safety
/// `pointer` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn string<'a>(
    pointer: *const c_char,
    parameter: &str,
) -> Result<&'a str, Failure> {
    if pointer.is_null() {
        return Err(usage(format!("`{parameter}` is NULL")));
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(pointer) };
    text.to_str()
        .map_err(|error| usage(format!("`{parameter}` is not valid UTF-8: {error}")))
}

/// `len` elements at `pointer`; an empty slice when `len` is 0 (whatever `pointer`).
///
/// # Safety
/// When `len > 0`, `pointer` is NULL or points to `len` initialised, aligned elements
/// that outlive `'a` and that nothing writes meanwhile.
pub(crate) unsafe fn slice<'a, T>(
    pointer: *const T,
    len: usize,
    parameter: &str,
) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if pointer.is_null() {
        return Err(usage(format!(
            "`{parameter}` is NULL but its length is {len}"
        )));
    }
    // SAFETY: non-NULL, and the caller promises `len` readable elements.
    Ok(unsafe { std::slice::from_raw_parts(pointer, len) })
}

/// Room for `len` elements at `pointer`, to write into; an empty slice when `len` is 0.
///
/// # Safety
/// When `len > 0`, `pointer` is NULL or points to `len` writable, aligned elements
/// that outlive `'a` and that nothing else touches meanwhile.
pub(crate) unsafe fn slice_mut<'a, T>(
    pointer: *mut T,
    len: usize,
    parameter: &str,
) -> Result<&'a mut [T], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if pointer.is_null() {
        return Err(usage(format!(
            "`{parameter}` is NULL but its capacity is {len}"
        )));
    }
    // SAFETY: non-NULL, and the caller promises `len` writable elements.
    Ok(unsafe { std::slice::from_raw_parts_mut(pointer, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_panic_error_with_its_message() {
        let error = guard(|| panic!("boom {}", 7)).expect("an error");
        assert_eq!(error.kind, ADEAD_ERROR_PANIC);
        assert!(error.text().ends_with("boom 7"), "{}", error.text());
        assert_eq!(guard_value(5, || -> i32 { panic!("static text") }), 5);
    }
}
