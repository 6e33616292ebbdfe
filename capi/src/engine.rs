//! `adead_engine_t`: a configuration and the tensor kernels, shared by the modules
//! loaded with it.

use adead_vm::{Config, Engine};

use crate::boundary::{guard, guard_value, required, usage};
use crate::config::adead_config_t;
use crate::error::adead_error_t;

/// An engine: the configuration every module loaded with it runs under.
///
/// Ownership: made by `adead_engine_new`, freed by `adead_engine_delete`. Modules keep
/// what they need of it, so it may be freed while they live.
/// Threads: may move between threads and be shared by several at once (load modules
/// from several threads with the same engine).
pub struct adead_engine_t {
    pub(crate) engine: Engine,
}

/// A new engine with a copy of `config`, or with the defaults when `config` is NULL.
/// The configuration stays the caller's. Never NULL. Free it with `adead_engine_delete`.
#[unsafe(no_mangle)]
pub extern "C" fn adead_engine_new(config: Option<&adead_config_t>) -> Box<adead_engine_t> {
    let config = config.map_or_else(Config::default, |c| c.config.clone());
    Box::new(adead_engine_t {
        engine: Engine::new(config),
    })
}

/// Frees an engine. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn adead_engine_delete(engine: Option<Box<adead_engine_t>>) {
    guard_value((), || drop(engine));
}

/// Asks every run under `engine` to stop: each traps `interrupted` at its next function
/// entry or taken backward branch (a long tensor operation or host call finishes
/// first). The request stays until `adead_engine_clear_interrupt`, so a call started
/// after it stops at its first instruction. Meant to be called from another thread (a
/// watchdog) while a call runs. Fails on NULL, and on an engine whose configuration was
/// not made interruptible (`adead_config_set_interruptible`): its code does not poll.
#[unsafe(no_mangle)]
pub extern "C" fn adead_engine_interrupt(
    engine: Option<&adead_engine_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        handle(required(engine, "engine")?)?.interrupt();
        Ok(())
    })
}

/// Withdraws an `adead_engine_interrupt` request: calls started from now on run
/// normally. Fails as `adead_engine_interrupt` does.
#[unsafe(no_mangle)]
pub extern "C" fn adead_engine_clear_interrupt(
    engine: Option<&adead_engine_t>,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        handle(required(engine, "engine")?)?.clear();
        Ok(())
    })
}

fn handle(engine: &adead_engine_t) -> Result<adead_vm::InterruptHandle, Box<adead_error_t>> {
    engine.engine.interrupt_handle().ok_or_else(|| {
        usage("the engine is not interruptible: set adead_config_set_interruptible first")
    })
}
