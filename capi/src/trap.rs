//! `adead_trap_t`: a run stopped by a trap, with its kind, the function and instruction
//! where it happened, its message and the fuel the call used.

use std::ffi::{CString, c_char};

use adead_vm::{Trap, TrapKind};

use crate::error::c_string;

/// A trap: what stopped a call, and where.
///
/// Ownership: written by `adead_instance_call` to its `trap_out`; the caller frees it
/// with `adead_trap_delete`. The strings it returns are owned by it (valid until
/// `adead_trap_delete`).
/// Threads: immutable; may move between threads and be read from several at once.
pub struct adead_trap_t {
    trap: Trap,
    kind: CString,
    function: CString,
    message: CString,
    detail: Option<CString>,
    file: Option<CString>,
}

impl adead_trap_t {
    pub(crate) fn new(trap: Trap) -> Box<adead_trap_t> {
        Box::new(adead_trap_t {
            kind: c_string(trap.kind.id().to_string()),
            function: c_string(trap.function.clone()),
            message: c_string(trap.to_string()),
            detail: trap.detail.clone().map(c_string),
            file: trap
                .location
                .as_ref()
                .map(|(file, _)| c_string(file.clone())),
            trap,
        })
    }
}

/// Frees a trap. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_delete(trap: Option<Box<adead_trap_t>>) {
    crate::boundary::guard_value((), || drop(trap));
}

/// The trap kind's stable numeric code (ISA.md, "Traps": 1 `divide_by_zero` ... 13
/// `interrupted`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_code(trap: Option<&adead_trap_t>) -> u32 {
    trap.map_or(0, |t| t.trap.kind.code())
}

/// The trap kind's name as ISA.md writes it (`divide_by_zero`, `user`, `host`, ...),
/// owned by the trap. An empty string for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_kind(trap: Option<&adead_trap_t>) -> *const c_char {
    trap.map_or(c"".as_ptr(), |t| t.kind.as_ptr())
}

/// The code a `user` trap (the `trap imm` instruction) carries; 0 for other kinds and
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_user_code(trap: Option<&adead_trap_t>) -> i32 {
    match trap.map(|t| t.trap.kind) {
        Some(TrapKind::User(code)) => code,
        _ => 0,
    }
}

/// The name of the function that was running, owned by the trap. An empty string for
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_function(trap: Option<&adead_trap_t>) -> *const c_char {
    trap.map_or(c"".as_ptr(), |t| t.function.as_ptr())
}

/// The index of that function in the module; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_function_index(trap: Option<&adead_trap_t>) -> u32 {
    trap.map_or(0, |t| t.trap.func_index)
}

/// The index of the trapping instruction within its function; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_pc(trap: Option<&adead_trap_t>) -> u32 {
    trap.map_or(0, |t| t.trap.pc)
}

/// The whole message (`trap: <kind> in function `f` at instruction N (file:line):
/// detail`), owned by the trap. An empty string for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_message(trap: Option<&adead_trap_t>) -> *const c_char {
    trap.map_or(c"".as_ptr(), |t| t.message.as_ptr())
}

/// The extra detail (a host function's error message, the shapes of a tensor
/// mismatch), owned by the trap; NULL when there is none.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_detail(trap: Option<&adead_trap_t>) -> *const c_char {
    trap.and_then(|t| t.detail.as_ref())
        .map_or(std::ptr::null(), |detail| detail.as_ptr())
}

/// When the module has debug information (it was assembled from text), writes the
/// source line to `*line_out` and the file name (owned by the trap) to `*file_out`
/// (either may be NULL) and returns true; false otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_line(
    trap: Option<&adead_trap_t>,
    file_out: Option<&mut *const c_char>,
    line_out: Option<&mut u32>,
) -> bool {
    let Some((trap, file)) = trap.and_then(|t| Some((t, t.file.as_ref()?))) else {
        return false;
    };
    let Some((_, line)) = &trap.trap.location else {
        return false;
    };
    if let Some(out) = file_out {
        *out = file.as_ptr();
    }
    if let Some(out) = line_out {
        *out = *line;
    }
    true
}

/// When the engine counts fuel (a fuel limit, or `adead_config_set_count_instructions`),
/// writes the fuel the trapping call used to `*fuel_out` and returns true: one unit per
/// instruction executed, the trapping one included (not for `out_of_fuel`, whose
/// instruction did not run), plus the work of memory and tensor instructions. False
/// otherwise, and for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_trap_fuel_used(
    trap: Option<&adead_trap_t>,
    fuel_out: Option<&mut u64>,
) -> bool {
    match (trap.and_then(|t| t.trap.fuel_used), fuel_out) {
        (Some(fuel), Some(out)) => {
            *out = fuel;
            true
        }
        _ => false,
    }
}
