//! The engine: the configuration and the tensor kernels shared by the modules and
//! instances made with it.

use std::sync::{Arc, OnceLock};

use adead_kernels::{KernelError, Kernels};

use crate::config::Config;

/// Holds the configuration (limits, tier policy) and the tensor kernels. Cheap to clone; modules and instances
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
    /// Built on first use by a module with tensor instructions (it may start threads).
    kernels: Arc<OnceLock<Result<Kernels, KernelError>>>,
}

impl Engine {
    /// An engine with `config`.
    pub fn new(config: Config) -> Engine {
        Engine {
            config: Arc::new(config),
            kernels: Arc::default(),
        }
    }

    /// The tensor kernels of this engine's configured path and thread count, or why the
    /// CPU cannot run them.
    pub fn kernels(&self) -> Result<&Kernels, KernelError> {
        self.kernels
            .get_or_init(|| {
                let threads = match self.config.kernel_threads {
                    0 => std::thread::available_parallelism().map_or(1, usize::from),
                    n => n,
                };
                match self.config.kernel_isa {
                    Some(isa) => Kernels::new(isa, threads),
                    None => Kernels::from_env(threads),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
