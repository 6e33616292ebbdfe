//! `adead_engine_t`: a configuration and the tensor kernels, shared by the modules
//! loaded with it.

use adead_vm::{Config, Engine};

use crate::boundary::guard_value;
use crate::config::adead_config_t;

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
