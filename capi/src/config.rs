//! `adead_config_t`: the limits (fuel, call depth, memory, tensors) and the tier policy
//! an engine is made with.

use adead_vm::{Config, Tier};

use crate::boundary::{Failure, guard, guard_value, required, usage};
use crate::error::adead_error_t;

/// Which tiers run code (`ADEAD_TIER_*`): results, traps and fuel are the same on
/// every tier; only speed differs.
pub type adead_tier_t = u8;
/// The interpreter alone.
pub const ADEAD_TIER_INTERP: adead_tier_t = 0;
/// Baseline native code for every function, assembled when the module loads.
pub const ADEAD_TIER_BASELINE: adead_tier_t = 1;
/// Optimized (Cranelift) native code for every function, compiled when the module loads.
pub const ADEAD_TIER_OPT: adead_tier_t = 2;
/// Interpreter first, then baseline and optimized code for what runs hot (the default).
pub const ADEAD_TIER_AUTO: adead_tier_t = 3;

/// An engine configuration: starts at the defaults (no fuel limit, tier auto, the
/// default limits), changed by the `adead_config_set_*` functions.
///
/// Ownership: made by `adead_config_new`, freed by `adead_config_delete`; an engine
/// copies it, so it may be freed or reused as soon as `adead_engine_new` returns.
/// Threads: may move between threads; not to be used from two threads at once.
pub struct adead_config_t {
    pub(crate) config: Config,
}

/// A configuration with the defaults. Never NULL. Free it with `adead_config_delete`.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_new() -> Box<adead_config_t> {
    Box::new(adead_config_t {
        config: Config::default(),
    })
}

/// Frees a configuration. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_delete(config: Option<Box<adead_config_t>>) {
    guard_value((), || drop(config));
}

/// Applies `change` to the configuration, or fails on NULL.
fn set(
    config: Option<&mut adead_config_t>,
    change: impl FnOnce(&mut Config) -> Result<(), Failure>,
) -> Option<Box<adead_error_t>> {
    guard(|| change(&mut required(config, "config")?.config))
}

/// Limits each call from the host to `fuel` units: one per instruction executed, plus
/// the work of memory and tensor instructions (ISA.md, "Limits"). A call that runs out
/// traps with `out_of_fuel`. Also turns on counting (`adead_instance_fuel_used`, the
/// profile's instruction count). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_fuel(
    config: Option<&mut adead_config_t>,
    fuel: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.fuel = Some(fuel);
        Ok(())
    })
}

/// Removes the fuel limit (the default). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_clear_fuel(
    config: Option<&mut adead_config_t>,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.fuel = None;
        Ok(())
    })
}

/// Counts instructions even without a fuel limit, so that `adead_instance_fuel_used`
/// and the profile's instruction count are available (native code pays a subtraction
/// per straight-line run for it). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_count_instructions(
    config: Option<&mut adead_config_t>,
    count: bool,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.count_instructions = count;
        Ok(())
    })
}

/// Picks the tiers that run code (`ADEAD_TIER_*`). Fails on NULL and on an unknown tier.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_tier(
    config: Option<&mut adead_config_t>,
    tier: adead_tier_t,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.tier = match tier {
            ADEAD_TIER_INTERP => Tier::Interp,
            ADEAD_TIER_BASELINE => Tier::Baseline,
            ADEAD_TIER_OPT => Tier::Opt,
            ADEAD_TIER_AUTO => Tier::Auto,
            other => {
                return Err(usage(format!(
                    "tier {other} is none of ADEAD_TIER_INTERP (0), ADEAD_TIER_BASELINE (1), ADEAD_TIER_OPT (2), ADEAD_TIER_AUTO (3)"
                )));
            }
        };
        Ok(())
    })
}

/// Most nested calls (the host's call counts as the first; default 100,000); deeper
/// calls trap with `call_depth`. Fails on NULL and on 0.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_max_call_depth(
    config: Option<&mut adead_config_t>,
    depth: u32,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        if depth == 0 {
            return Err(usage("max_call_depth must be at least 1 (the host's call)"));
        }
        c.max_call_depth = depth;
        Ok(())
    })
}

/// Most registers all live frames may hold together (default 2^24); a call past it
/// traps with `call_depth`. Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_max_stack_registers(
    config: Option<&mut adead_config_t>,
    registers: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.max_stack_registers = registers;
        Ok(())
    })
}

/// Most bytes linear memory may grow to (default 1 GiB): `alloc` past it traps with
/// `out_of_memory`, and a module whose initial memory is larger does not instantiate.
/// Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_max_memory(
    config: Option<&mut adead_config_t>,
    bytes: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.max_memory = bytes;
        Ok(())
    })
}

/// Most bytes an instance's live tensors may hold together (default 1 GiB), counting
/// 4 per element and 128 per tensor; past it a program traps with `tensor_limit` and
/// the host gets an `ADEAD_ERROR_TENSOR` error. Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_max_tensor_bytes(
    config: Option<&mut adead_config_t>,
    bytes: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.max_tensor_bytes = bytes;
        Ok(())
    })
}

/// Most tensors an instance may hold live at once (default 2^20). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_max_tensors(
    config: Option<&mut adead_config_t>,
    tensors: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.max_tensors = tensors;
        Ok(())
    })
}

/// Threads for large tensor operations (results are identical for any count); 0, the
/// default, means one per available CPU. Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_kernel_threads(
    config: Option<&mut adead_config_t>,
    threads: usize,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.kernel_threads = threads;
        Ok(())
    })
}

/// Under `ADEAD_TIER_AUTO`, the function entries or loop iterations after which a
/// function moves to baseline code (default 10). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_baseline_threshold(
    config: Option<&mut adead_config_t>,
    threshold: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.baseline_threshold = threshold;
        Ok(())
    })
}

/// Under `ADEAD_TIER_AUTO`, the function entries or loop iterations after which a
/// function is compiled by the optimizing tier (default 1000); the profile calls a
/// function past it hot. Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_jit_threshold(
    config: Option<&mut adead_config_t>,
    threshold: u64,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.jit_threshold = threshold;
        Ok(())
    })
}

/// Under `ADEAD_TIER_AUTO`, compile optimized code on a background thread (the default)
/// rather than in the call that asks for it. Nothing observable changes either way.
/// Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_background_compile(
    config: Option<&mut adead_config_t>,
    background: bool,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.background_compile = background;
        Ok(())
    })
}

/// Lets `adead_engine_interrupt` stop this engine's runs: every tier then polls the
/// request at function entries and taken backward branches (a load and a branch per
/// loop iteration and per call, which is why it is off by default). Fails only on NULL.
#[unsafe(no_mangle)]
pub extern "C" fn adead_config_set_interruptible(
    config: Option<&mut adead_config_t>,
    interruptible: bool,
) -> Option<Box<adead_error_t>> {
    set(config, |c| {
        c.interruptible = interruptible;
        Ok(())
    })
}
