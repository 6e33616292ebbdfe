//! # adead-capi: the C ABI of the ADead-BIB VM
//!
//! Opaque handles over the Rust embedding API of [`adead_vm`], in the style of
//! wasmtime's C API: every object has a `_new`/`_delete` pair (or comes out of a
//! function that says who frees it), every function that can fail returns an
//! [`adead_error_t`] pointer (NULL on success), and a call that traps writes an
//! [`adead_trap_t`]. The crate builds as `libadead.so` / `libadead.a` (and an rlib, for
//! its tests and benchmarks); the header `include/adead.h` is generated from the doc
//! comments here by cbindgen (`cbindgen.toml`; a test fails while the committed copy is
//! stale) and opens with the rules on ownership and threads every function follows.
//!
//! No Rust panic crosses the boundary: every entry point runs under
//! [`std::panic::catch_unwind`], and so does the Rust side of every C host callback
//! (a panic there becomes a `host` trap before it could unwind through the VM's native
//! code).
//!
//! `include/adead.hpp` is a header-only C++17 wrapper over the same functions (move-only
//! RAII classes, exceptions for errors and traps).

#![allow(non_camel_case_types)]
// The functions take raw pointers from C and say what they must point to in their
// documentation (the header's comments); clippy's lint wants `unsafe` on every one of
// them, which is what `unsafe extern "C"` already says.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod config;
mod engine;
mod error;
mod host;
mod instance;
mod module;
mod profile;
mod tensor;
mod trap;
mod val;

pub use config::{
    ADEAD_TIER_AUTO, ADEAD_TIER_BASELINE, ADEAD_TIER_INTERP, ADEAD_TIER_OPT,
    adead_config_clear_fuel, adead_config_delete, adead_config_new,
    adead_config_set_background_compile, adead_config_set_baseline_threshold,
    adead_config_set_count_instructions, adead_config_set_fuel, adead_config_set_interruptible,
    adead_config_set_jit_threshold, adead_config_set_kernel_threads,
    adead_config_set_max_call_depth, adead_config_set_max_memory,
    adead_config_set_max_stack_registers, adead_config_set_max_tensor_bytes,
    adead_config_set_max_tensors, adead_config_set_tier, adead_config_t, adead_tier_t,
};
pub use engine::{
    adead_engine_clear_interrupt, adead_engine_delete, adead_engine_interrupt, adead_engine_new,
    adead_engine_t,
};
pub use error::{
    ADEAD_ERROR_CALL, ADEAD_ERROR_HOST, ADEAD_ERROR_INSTANTIATE, ADEAD_ERROR_LOAD,
    ADEAD_ERROR_PANIC, ADEAD_ERROR_TENSOR, ADEAD_ERROR_TRAP, ADEAD_ERROR_USAGE, adead_error_delete,
    adead_error_kind, adead_error_kind_t, adead_error_message, adead_error_new, adead_error_t,
    adead_error_trap_code,
};
pub use host::{
    adead_caller_memory, adead_caller_t, adead_finalizer_t, adead_host_callback_t,
    adead_imports_define, adead_imports_delete, adead_imports_new, adead_imports_t,
};
pub use instance::{
    adead_instance_call, adead_instance_delete, adead_instance_fuel_used, adead_instance_memory,
    adead_instance_new, adead_instance_t,
};
pub use module::{adead_module_delete, adead_module_from_asm, adead_module_new, adead_module_t};
pub use profile::{
    adead_function_profile_t, adead_instance_profile, adead_profile_delete, adead_profile_function,
    adead_profile_function_count, adead_profile_instructions, adead_profile_t,
};
pub use tensor::{
    ADEAD_TENSOR_MAX_RANK, adead_caller_tensor_data, adead_caller_tensor_free,
    adead_caller_tensor_new, adead_caller_tensor_read, adead_caller_tensor_shape,
    adead_caller_tensor_write, adead_instance_tensor_data, adead_instance_tensor_free,
    adead_instance_tensor_new, adead_instance_tensor_read, adead_instance_tensor_shape,
    adead_instance_tensor_write,
};
pub use trap::{
    adead_trap_code, adead_trap_delete, adead_trap_detail, adead_trap_fuel_used,
    adead_trap_function, adead_trap_function_index, adead_trap_kind, adead_trap_line,
    adead_trap_message, adead_trap_pc, adead_trap_t, adead_trap_user_code,
};
pub use val::{ADEAD_F32, ADEAD_F64, ADEAD_I64, adead_val_t, adead_valkind_t, adead_valunion_t};

/// The header's thread-safety rules, checked: what it says may be shared is `Sync`, what
/// may move is `Send`.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    const fn movable<T: Send>() {}
    shared::<adead_engine_t>();
    shared::<adead_module_t>();
    shared::<adead_error_t>();
    shared::<adead_trap_t>();
    shared::<adead_profile_t>();
    movable::<adead_config_t>();
    movable::<adead_imports_t>();
    movable::<adead_instance_t>();
};
