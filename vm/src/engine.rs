//! The engine: configuration shared by the modules and instances made with it.

use std::sync::Arc;

use crate::config::Config;

/// Holds the configuration (limits, tier policy). Cheap to clone; modules and instances
/// keep a handle to the engine they were made with.
///
/// ```
/// use adead_vm::{Config, Engine};
/// let engine = Engine::new(Config { fuel: Some(10_000), ..Config::default() });
/// assert_eq!(engine.config().fuel, Some(10_000));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: Arc<Config>,
}

impl Engine {
    /// An engine with `config`.
    pub fn new(config: Config) -> Engine {
        Engine {
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
