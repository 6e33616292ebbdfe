//! `adead_profile_t`: a snapshot of an instance's counters (instructions executed,
//! calls per function).

use std::ffi::{CString, c_char};

use adead_vm::Profile;

use crate::boundary::{guard, guard_value, required};
use crate::error::{adead_error_t, c_string};
use crate::instance::adead_instance_t;

/// A snapshot of an instance's counters over all its calls so far.
///
/// Ownership: made by `adead_instance_profile`, freed by `adead_profile_delete`; the
/// names it lends are owned by it.
/// Threads: immutable; may move between threads and be read from several at once.
pub struct adead_profile_t {
    profile: Profile,
    names: Vec<CString>,
}

/// One function's counts, as `adead_profile_function` writes them.
#[repr(C)]
pub struct adead_function_profile_t {
    /// The function's name, NUL-terminated, owned by the profile.
    pub name: *const c_char,
    /// Entries the interpreter saw: calls from the host, from interpreted code, and
    /// from native code into a function without native code (calls between native
    /// functions are not counted).
    pub calls: u64,
    /// Whether `calls` reached the engine's optimizing threshold.
    pub hot: bool,
}

/// Takes a snapshot of `instance`'s counters. On success returns NULL and writes it to
/// `*profile_out` (free it with `adead_profile_delete`). Fails on NULL pointers.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_profile(
    instance: Option<&adead_instance_t>,
    profile_out: Option<&mut *mut adead_profile_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        let out = required(profile_out, "profile_out")?;
        *out = std::ptr::null_mut();
        let profile = required(instance, "instance")?.instance.profile();
        let names = profile
            .functions
            .iter()
            .map(|f| c_string(f.name.clone()))
            .collect();
        *out = Box::into_raw(Box::new(adead_profile_t { profile, names }));
        Ok(())
    })
}

/// Frees a profile. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_profile_delete(profile: Option<Box<adead_profile_t>>) {
    guard_value((), || drop(profile));
}

/// When the engine counts instructions (a fuel limit, or
/// `adead_config_set_count_instructions`), writes the instructions executed by all
/// calls so far (plus the work units of memory and tensor instructions: the fuel they
/// used together) to `*instructions_out` and returns true; false otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn adead_profile_instructions(
    profile: Option<&adead_profile_t>,
    instructions_out: Option<&mut u64>,
) -> bool {
    match (
        profile.and_then(|p| p.profile.instructions),
        instructions_out,
    ) {
        (Some(count), Some(out)) => {
            *out = count;
            true
        }
        _ => false,
    }
}

/// The number of functions in the module (the profile has one entry each); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_profile_function_count(profile: Option<&adead_profile_t>) -> usize {
    profile.map_or(0, |p| p.profile.functions.len())
}

/// Writes the counts of function number `index` (module order) to `*out` and returns
/// true; false when `index` is out of range or a pointer is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_profile_function(
    profile: Option<&adead_profile_t>,
    index: usize,
    out: Option<&mut adead_function_profile_t>,
) -> bool {
    let (Some(profile), Some(out)) = (profile, out) else {
        return false;
    };
    let (Some(function), Some(name)) = (
        profile.profile.functions.get(index),
        profile.names.get(index),
    ) else {
        return false;
    };
    *out = adead_function_profile_t {
        name: name.as_ptr(),
        calls: function.calls,
        hot: function.hot,
    };
    true
}
