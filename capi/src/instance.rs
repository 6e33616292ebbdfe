//! `adead_instance_t`: a module with its own memory, tensors and host functions, and
//! the call into it.

use std::ffi::c_char;

use adead_vm::{CallError, Finish, Imports, Instance, InstantiateError, Value};

/// Arguments a call converts without allocating.
const INLINE_ARGS: usize = 8;

use crate::boundary::{Failure, guard, guard_value, required, slice, string};
use crate::error::{ADEAD_ERROR_CALL, ADEAD_ERROR_INSTANTIATE, ADEAD_ERROR_TRAP, adead_error_t};
use crate::host::adead_imports_t;
use crate::module::adead_module_t;
use crate::trap::adead_trap_t;
use crate::val::{ADEAD_I64, adead_val_t, adead_valunion_t};

/// An instance of a module: its linear memory, its tensor table, the host functions
/// it took and its counters. A trap ends a call, not the instance: call it again.
///
/// Ownership: made by `adead_instance_new`, freed by `adead_instance_delete` (which
/// frees its tensors).
/// Threads: may move between threads, but not be used from two at once (every function
/// that takes it, reading ones included, needs it to itself for the time of the call).
pub struct adead_instance_t {
    pub(crate) instance: Instance,
    /// The fuel the last call used, when counted.
    fuel_used: Option<u64>,
}

fn instantiate_error(error: InstantiateError) -> Failure {
    adead_error_t::new(ADEAD_ERROR_INSTANTIATE, error.to_string())
}

/// Instantiates `module` with the host functions it imports, taken by name from
/// `imports` (NULL for none).
///
/// On success returns NULL and writes the instance to `*instance_out` (free it with
/// `adead_instance_delete`); otherwise returns an error (`ADEAD_ERROR_INSTANTIATE` for
/// a missing or mistyped import or too much memory) and leaves `*instance_out` NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_new(
    module: Option<&adead_module_t>,
    imports: Option<&adead_imports_t>,
    instance_out: Option<&mut *mut adead_instance_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let out = required(instance_out, "instance_out")?;
        *out = std::ptr::null_mut();
        let module = required(module, "module")?;
        let none = Imports::new();
        let imports = imports.map_or(&none, |i| &i.imports);
        let instance = Instance::new(&module.module, imports).map_err(instantiate_error)?;
        *out = Box::into_raw(Box::new(adead_instance_t {
            instance,
            fuel_used: None,
        }));
        Ok(())
    })
}

/// Frees an instance and everything it holds. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_delete(instance: Option<Box<adead_instance_t>>) {
    guard_value((), || drop(instance));
}

/// Calls the function exported as `name` (NUL-terminated UTF-8) with `nargs` arguments
/// at `args` (each passes its 64 bits; a tensor handle as `ADEAD_I64`).
///
/// - It returns: the function's result (its `ret` value, or a `halt` code) is written
///   to `*result` (may be NULL) as `ADEAD_I64` holding the register's 64 bits; returns
///   NULL, and `*trap_out` is NULL.
/// - It traps: `*trap_out` receives the trap (free it with `adead_trap_delete`) and
///   NULL is returned; when `trap_out` is NULL the trap is returned as an error of kind
///   `ADEAD_ERROR_TRAP` instead. Memory and tensors keep what the call did before it.
/// - It cannot start (`ADEAD_ERROR_CALL`: no such export, the wrong number of
///   arguments; `ADEAD_ERROR_USAGE`: NULL pointers, invalid UTF-8, an unknown kind):
///   the error is returned and nothing ran.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_instance_call(
    instance: Option<&mut adead_instance_t>,
    name: *const c_char,
    args: *const adead_val_t,
    nargs: usize,
    result: Option<&mut adead_val_t>,
    trap_out: Option<&mut *mut adead_trap_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let mut trap_out = trap_out;
        if let Some(out) = trap_out.as_deref_mut() {
            *out = std::ptr::null_mut();
        }
        let instance = required(instance, "instance")?;
        // SAFETY: the header asks for a NUL-terminated string.
        let name = unsafe { string(name, "name") }?;
        // SAFETY: the header asks for `nargs` values at `args`.
        let args = unsafe { slice(args, nargs, "args") }?;
        // Arguments on the stack for the usual few: a call costs ~100 ns, and a heap
        // allocation would be a sizeable part of it.
        let mut inline = [Value::I64(0); INLINE_ARGS];
        let mut spilled = Vec::new();
        let values: &mut [Value] = if args.len() <= INLINE_ARGS {
            &mut inline[..args.len()]
        } else {
            spilled.resize(args.len(), Value::I64(0));
            &mut spilled
        };
        for (i, (arg, value)) in args.iter().zip(values.iter_mut()).enumerate() {
            *value = arg.to_value(|| format!("argument {i}"))?;
        }
        let func = instance
            .instance
            .module()
            .isa()
            .export(name)
            .ok_or_else(|| {
                adead_error_t::new(
                    ADEAD_ERROR_CALL,
                    CallError::UnknownExport(name.to_string()).to_string(),
                )
            })?;
        instance.fuel_used = None;
        match instance.instance.invoke(func, values) {
            Ok(completion) => {
                instance.fuel_used = completion.fuel_used;
                let (Finish::Returned(bits) | Finish::Halted(bits)) = completion.finish;
                if let Some(result) = result {
                    *result = adead_val_t {
                        kind: ADEAD_I64,
                        of: adead_valunion_t { i64: bits as i64 },
                    };
                }
                Ok(())
            }
            Err(CallError::Trap(trap)) => {
                instance.fuel_used = trap.fuel_used;
                match trap_out {
                    Some(out) => {
                        *out = Box::into_raw(adead_trap_t::new(trap));
                        Ok(())
                    }
                    None => Err(adead_error_t::new(ADEAD_ERROR_TRAP, trap.to_string())
                        .with_trap_code(trap.kind.code())),
                }
            }
            Err(other) => Err(adead_error_t::new(ADEAD_ERROR_CALL, other.to_string())),
        }
    })
}

/// When the engine counts fuel (a fuel limit, or `adead_config_set_count_instructions`)
/// and the instance has run a call, writes the fuel the last call used (returned or
/// trapped) to `*fuel_out` and returns true; false otherwise, and for NULL pointers.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_fuel_used(
    instance: Option<&adead_instance_t>,
    fuel_out: Option<&mut u64>,
) -> bool {
    match (instance.and_then(|i| i.fuel_used), fuel_out) {
        (Some(fuel), Some(out)) => {
            *out = fuel;
            true
        }
        _ => false,
    }
}

/// Writes the instance's linear memory: its address to `*data_out` and its size in
/// bytes to `*len_out`. The host may read and write it until the next call that takes
/// the instance (`adead_instance_call` may grow memory and move it). Fails on NULL
/// pointers.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_memory(
    instance: Option<&mut adead_instance_t>,
    data_out: Option<&mut *mut u8>,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let data_out = required(data_out, "data_out")?;
        let len_out = required(len_out, "len_out")?;
        let memory = required(instance, "instance")?.instance.memory_mut();
        *data_out = memory.as_mut_ptr();
        *len_out = memory.len();
        Ok(())
    })
}
