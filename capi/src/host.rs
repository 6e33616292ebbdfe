//! Host functions from C: `adead_imports_t` collects C callbacks by name, each with a
//! user-data pointer and a signature; during a call, a callback reaches the instance's
//! memory and tensors through its `adead_caller_t`.

use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use adead_vm::{Caller, HostError, HostFunc, Imports, Signature, ValType, Value};

use crate::boundary::{Failure, guard, guard_value, panic_message, required, slice, string};
use crate::error::adead_error_t;
use crate::val::{adead_val_t, adead_valkind_t, kind_of, val_type};

/// Host functions by name, offered to `adead_instance_new`; an instance takes the ones
/// its module imports.
///
/// Ownership: made by `adead_imports_new`, freed by `adead_imports_delete`. Instances
/// keep the host functions they took, so it may be freed while they live.
/// Threads: may move between threads; not to be used from two threads at once.
pub struct adead_imports_t {
    pub(crate) imports: Imports,
}

/// What a host function may touch while it runs: the calling instance's linear memory
/// (`adead_caller_memory`) and tensors (`adead_caller_tensor_*`).
///
/// Lifetime: valid only during the callback it is passed to, on that thread; never
/// keep it.
pub struct adead_caller_t {
    _private: [u8; 0],
}

/// A host function written in C.
///
/// `env` is the pointer given to `adead_imports_define`. `args` holds `nargs` values
/// typed by the signature's parameters. When the signature has a result, `result`
/// points to a value of that kind set to zero, for the callback to overwrite (with the
/// same kind: another kind fails the call); otherwise `result` is NULL.
///
/// Returns NULL on success. To fail, return an error made by `adead_error_new` (or one
/// an `adead_caller_*` function returned): the VM takes ownership of it, and the call
/// traps with kind `host` and the error's message as the trap's detail.
///
/// The callback must not unwind (no C++ exception, no `longjmp`) out of itself, and
/// must not call the functions that take the calling instance (`adead_instance_*`): it
/// reaches that instance through `caller`. It runs on the thread that called
/// `adead_instance_call`.
pub type adead_host_callback_t = Option<
    unsafe extern "C" fn(
        env: *mut c_void,
        caller: *mut adead_caller_t,
        args: *const adead_val_t,
        nargs: usize,
        result: *mut adead_val_t,
    ) -> Option<Box<adead_error_t>>,
>;

/// Called once with a host function's `env` when nothing can call it any more: the
/// imports that defined it and every instance that took it are deleted (or it was
/// replaced by a definition of the same name and no instance took it). It may run on
/// whichever thread deletes the last of them.
pub type adead_finalizer_t = Option<unsafe extern "C" fn(env: *mut c_void)>;

/// A C callback with its user data; the finalizer runs when the last `HostFunc` that
/// holds it drops.
struct CHost {
    name: String,
    callback: unsafe extern "C" fn(
        *mut c_void,
        *mut adead_caller_t,
        *const adead_val_t,
        usize,
        *mut adead_val_t,
    ) -> Option<Box<adead_error_t>>,
    env: *mut c_void,
    finalizer: adead_finalizer_t,
    result: Option<ValType>,
}

// SAFETY: the header tells the embedder that a callback and its `env` may be used from
// whichever thread runs an instance that took it (and from several at once when such
// instances run on several threads), and that the finalizer runs on the thread that
// deletes the last holder. The pointer itself is only handed back to C.
unsafe impl Send for CHost {}
// SAFETY: as above; `CHost` has no interior mutability of its own.
unsafe impl Sync for CHost {}

impl Drop for CHost {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            // SAFETY: the embedder gave this finalizer for this `env`; it runs once.
            unsafe { finalizer(self.env) }
        }
    }
}

impl CHost {
    /// Runs the callback: the boundary for the VM, which must never see a panic (it
    /// could unwind through native code).
    fn call(&self, caller: &mut Caller<'_>, args: &[Value]) -> Result<Option<Value>, HostError> {
        catch_unwind(AssertUnwindSafe(|| self.call_unguarded(caller, args)))
            .unwrap_or_else(|payload| Err(HostError(panic_message(&*payload))))
    }

    fn call_unguarded(
        &self,
        caller: &mut Caller<'_>,
        args: &[Value],
    ) -> Result<Option<Value>, HostError> {
        let args: Vec<adead_val_t> = args.iter().map(|&v| adead_val_t::from_value(v)).collect();
        let mut result = self.result.map(adead_val_t::zero);
        let result_ptr = result
            .as_mut()
            .map_or(std::ptr::null_mut(), |r| r as *mut adead_val_t);
        let caller_ptr = (caller as *mut Caller<'_>).cast::<adead_caller_t>();
        // SAFETY: the embedder's callback, called as the header describes: `args` holds
        // `nargs` values, `result` is NULL or one writable value, `caller` lives for the
        // call.
        let failure =
            unsafe { (self.callback)(self.env, caller_ptr, args.as_ptr(), args.len(), result_ptr) };
        if let Some(error) = failure {
            return Err(HostError(error.text().to_string()));
        }
        let Some(result) = result else {
            return Ok(None);
        };
        let expected = self.result.map(kind_of);
        if Some(result.kind) != expected {
            return Err(HostError(format!(
                "host function `{}` wrote a result of kind {}, but its signature says {}",
                self.name,
                result.kind,
                expected.unwrap_or_default()
            )));
        }
        result
            .to_value(|| "the result".to_string())
            .map(Some)
            .map_err(|error| HostError(error.text().to_string()))
    }
}

/// The `Caller` behind a C caller pointer.
///
/// # Safety
/// `caller` is the pointer a callback received, during that callback.
pub(crate) unsafe fn caller_of<'a>(
    caller: Option<&'a mut adead_caller_t>,
) -> Result<&'a mut Caller<'a>, Failure> {
    let caller = required(caller, "caller")?;
    // SAFETY: every `adead_caller_t` pointer C holds was made from a live `Caller` in
    // `CHost::call_unguarded`, and the header limits its use to the callback.
    Ok(unsafe { &mut *(caller as *mut adead_caller_t).cast::<Caller<'a>>() })
}

/// An empty set of host functions. Never NULL. Free it with `adead_imports_delete`.
#[unsafe(no_mangle)]
pub extern "C" fn adead_imports_new() -> Box<adead_imports_t> {
    Box::new(adead_imports_t {
        imports: Imports::new(),
    })
}

/// Frees a set of host functions (the ones instances took stay alive with them). NULL
/// is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_imports_delete(imports: Option<Box<adead_imports_t>>) {
    guard_value((), || drop(imports));
}

/// Defines (or replaces) the host function `name` (NUL-terminated UTF-8): `nparams`
/// parameter kinds at `params`, and a result of kind `*result`, or none when `result`
/// is NULL (the program's `hcall` then gets 0). The module's `hcall` must pass exactly
/// `nparams` arguments, or `adead_instance_new` fails.
///
/// `callback` is called with `env` at every `hcall` of the function; `finalizer`
/// (may be NULL) is called once with `env` when nothing can call it any more.
///
/// Fails (and then calls neither, so `env` stays the caller's) on NULL `imports`,
/// `name` or `callback`, invalid UTF-8, or an unknown kind.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_imports_define(
    imports: Option<&mut adead_imports_t>,
    name: *const c_char,
    params: *const adead_valkind_t,
    nparams: usize,
    result: *const adead_valkind_t,
    callback: adead_host_callback_t,
    env: *mut c_void,
    finalizer: adead_finalizer_t,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let imports = required(imports, "imports")?;
        // SAFETY: the header asks for a NUL-terminated string.
        let name = unsafe { string(name, "name") }?;
        let callback = required(callback, "callback")?;
        // SAFETY: the header asks for `nparams` kinds at `params`.
        let kinds = unsafe { slice(params, nparams, "params") }?;
        let params = kinds
            .iter()
            .enumerate()
            .map(|(i, &kind)| val_type(kind, &format!("parameter {i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let result = if result.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and the header asks for one kind there.
            Some(val_type(unsafe { *result }, "the result")?)
        };
        let host = Arc::new(CHost {
            name: name.to_string(),
            callback,
            env,
            finalizer,
            result,
        });
        imports.imports.define(
            name,
            HostFunc::new(Signature::new(&params, result), move |caller, args| {
                host.call(caller, args)
            }),
        );
        Ok(())
    })
}

/// Writes the calling instance's linear memory: its address to `*data_out` and its size
/// in bytes to `*len_out`. The memory may be read and written until the callback
/// returns. Fails on NULL pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_memory(
    caller: Option<&mut adead_caller_t>,
    data_out: Option<&mut *mut u8>,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let data_out = required(data_out, "data_out")?;
        let len_out = required(len_out, "len_out")?;
        // SAFETY: the header limits `caller` to its callback.
        let caller = unsafe { caller_of(caller) }?;
        let memory = caller.memory_mut();
        *data_out = memory.as_mut_ptr();
        *len_out = memory.len();
        Ok(())
    })
}
