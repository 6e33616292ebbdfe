//! Stopping a run from outside: the engine's interrupt request, which running code
//! polls at its check points (function entries and taken backward branches).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Asks the runs of an [`crate::Engine`] to stop, from any thread (a watchdog, a
/// signal handler's thread, a UI). Cheap to clone; every clone controls the same
/// request. An engine has one when configured [`crate::Config::interruptible`].
///
/// After [`interrupt`](InterruptHandle::interrupt), every run under the engine, in every
/// tier, traps with `TrapKind::Interrupted` at its next check point: on entering a
/// function (the host's call, or a `call`) or on taking a backward branch, before the
/// instruction there runs, charged only for what ran before. The request stays until
/// [`clear`](InterruptHandle::clear), so a run started after it stops at its first
/// instruction: nothing slips between a request and the run it was meant for. Code
/// between check points is straight-line and short, so a run stops within one loop
/// iteration or one call of the request (a long tensor operation or host call finishes
/// first).
///
/// ```
/// use adead_vm::{CallError, Config, Engine, Imports, Instance, Module, TrapKind};
///
/// let engine = Engine::new(Config { interruptible: true, ..Config::default() });
/// let module = Module::from_asm(&engine, "
///     .func main params=0 regs=1
///     spin:
///         jmp spin
///     .end
/// ", "spin.asm")?;
/// let mut instance = Instance::new(&module, &Imports::new())?;
///
/// let handle = engine.interrupt_handle().expect("interruptible");
/// let watchdog = std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(20));
///     handle.interrupt();
/// });
/// let Err(CallError::Trap(trap)) = instance.call_entry(&[]) else { panic!("it spins") };
/// assert_eq!((trap.kind, trap.pc), (TrapKind::Interrupted, 0));
/// watchdog.join().unwrap();
///
/// engine.interrupt_handle().unwrap().clear();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    /// Nonzero while a stop is requested. A `u32` because native code loads it as one.
    requested: Arc<AtomicU32>,
}

impl InterruptHandle {
    /// A request word of a new engine, not set.
    pub(crate) fn new() -> InterruptHandle {
        InterruptHandle {
            requested: Arc::default(),
        }
    }

    /// Requests every run under the engine to stop at its next check point.
    pub fn interrupt(&self) {
        self.requested.store(1, Ordering::Relaxed);
    }

    /// Withdraws the request: runs started from now on go on normally.
    pub fn clear(&self) {
        self.requested.store(0, Ordering::Relaxed);
    }

    /// True while a stop is requested.
    pub fn is_interrupted(&self) -> bool {
        self.requested.load(Ordering::Relaxed) != 0
    }

    /// The word running code polls.
    pub(crate) fn word(&self) -> &AtomicU32 {
        &self.requested
    }
}
