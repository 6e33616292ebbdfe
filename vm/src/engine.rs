//! The engine: the configuration and the tensor kernels shared by the modules and
//! instances made with it.

use std::sync::atomic::AtomicU32;
use std::sync::{Arc, OnceLock};

use adead_kernels::{Isa, KernelError, Kernels};

use crate::config::Config;
use crate::interrupt::InterruptHandle;

/// Holds the configuration (limits, tier policy), the tensor kernels and the request
/// to stop runs. Cheap to clone; modules and instances
/// keep a handle to the engine they were made with.
///
/// ```
/// use adead_vm::{Config, Engine};
/// let engine = Engine::new(Config { fuel: Some(10_000), ..Config::default() });
/// assert_eq!(engine.config().fuel, Some(10_000));
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    config: Arc<Config>,
    /// Built on first use by a module with tensor instructions (it may start threads).
    kernels: Arc<OnceLock<Result<Kernels, KernelError>>>,
    interrupt: InterruptHandle,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(Config::default())
    }
}

impl Engine {
    /// An engine with `config`.
    pub fn new(config: Config) -> Engine {
        Engine {
            config: Arc::new(config),
            kernels: Arc::default(),
            interrupt: InterruptHandle::new(),
        }
    }

    /// The tensor kernels of this engine's configured path, thread count and tuning,
    /// or why the CPU cannot run them. Without a configured tuning the first call may
    /// measure one (see [`Config::kernel_tuning`]).
    pub fn kernels(&self) -> Result<&Kernels, KernelError> {
        self.kernels
            .get_or_init(|| {
                let threads = match self.config.kernel_threads {
                    0 => std::thread::available_parallelism().map_or(1, usize::from),
                    n => n,
                };
                let isa = match self.config.kernel_isa {
                    Some(isa) => isa,
                    None => Isa::startup()?,
                };
                match self.config.kernel_tuning {
                    Some(tuning) => Kernels::with_tuning(isa, threads, tuning),
                    None => Kernels::tuned(isa, threads),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The kernels if something has built them already (a module with tensor
    /// instructions was loaded), without building them.
    pub fn kernels_if_built(&self) -> Option<&Kernels> {
        self.kernels.get().and_then(|k| k.as_ref().ok())
    }

    /// The handle that stops this engine's runs (see [`InterruptHandle`]), if the
    /// engine was configured [`Config::interruptible`]; `None` otherwise, since its
    /// code does not poll for requests.
    pub fn interrupt_handle(&self) -> Option<InterruptHandle> {
        self.config.interruptible.then(|| self.interrupt.clone())
    }

    /// The word running code polls: the handle's, or one no handle reaches when the
    /// engine is not interruptible.
    pub(crate) fn interrupt_word(&self) -> &AtomicU32 {
        static NEVER: AtomicU32 = AtomicU32::new(0);
        if self.config.interruptible {
            self.interrupt.word()
        } else {
            &NEVER
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
