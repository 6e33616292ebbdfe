//! Why `adead-vm run` asks its program to stop (used by the binary, `main.rs`): a
//! `--timeout` that passed, or SIGINT / SIGTERM. Both go through the engine's
//! [`InterruptHandle`], so the program traps `interrupted` at its next check point and
//! the CLI still flushes its output and reports the trap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use adead_vm::InterruptHandle;

/// The first reason a stop was requested, once there is one.
#[derive(Clone, Debug, Default)]
pub struct StopRequests {
    /// 0: none yet; a signal's number; [`TIMEOUT`].
    reason: Arc<AtomicU32>,
}

/// The `reason` of a timeout (no signal has this number).
const TIMEOUT: u32 = u32::MAX;

/// Why the run was asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `--timeout` passed.
    Timeout(Duration),
    /// The process received this signal.
    Signal(u32),
}

impl StopReason {
    /// The exit code for a run this stopped: 128 + the signal's number (130 for
    /// SIGINT, 143 for SIGTERM), as shells report a process the signal killed; 124 for
    /// a timeout, as `timeout(1)` does.
    pub fn exit_code(self) -> u8 {
        match self {
            StopReason::Timeout(_) => 124,
            StopReason::Signal(signal) => 128u32.saturating_add(signal).min(255) as u8,
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Timeout(limit) => {
                write!(f, "--timeout {} passed", humantime::format_duration(*limit))
            }
            StopReason::Signal(2) => f.write_str("SIGINT received"),
            StopReason::Signal(15) => f.write_str("SIGTERM received"),
            StopReason::Signal(signal) => write!(f, "signal {signal} received"),
        }
    }
}

impl StopRequests {
    /// Records `reason` unless an earlier one is recorded, and asks the run to stop.
    fn request(&self, code: u32, handle: &InterruptHandle) {
        let _ = self
            .reason
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        handle.interrupt();
    }

    /// The recorded reason, if any; `timeout` is the limit a timeout passed.
    pub fn reason(&self, timeout: Option<Duration>) -> Option<StopReason> {
        match self.reason.load(Ordering::SeqCst) {
            0 => None,
            TIMEOUT => Some(StopReason::Timeout(timeout.unwrap_or_default())),
            signal => Some(StopReason::Signal(signal)),
        }
    }

    /// Stops the run once `limit` has passed (a detached thread that sleeps; it ends
    /// with the process).
    pub fn after(&self, limit: Duration, handle: InterruptHandle) {
        let requests = self.clone();
        thread::spawn(move || {
            thread::sleep(limit);
            requests.request(TIMEOUT, &handle);
        });
    }

    /// Stops the run on SIGINT or SIGTERM. A second one of either ends the process at
    /// once with the shell's code for it, for a program that does not reach a check
    /// point (a long host call or tensor operation).
    #[cfg(unix)]
    pub fn on_signals(&self, handle: InterruptHandle) -> std::io::Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        use std::sync::atomic::AtomicBool;

        let again = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // Registered first, so the first signal finds `again` still false.
            flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&again))?;
            flag::register(signal, Arc::clone(&again))?;
        }
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let requests = self.clone();
        thread::spawn(move || {
            for signal in signals.forever() {
                requests.request(signal as u32, &handle);
            }
        });
        Ok(())
    }

    /// Without Unix signals, only `--timeout` stops a run.
    #[cfg(not(unix))]
    pub fn on_signals(&self, _handle: InterruptHandle) -> std::io::Result<()> {
        Ok(())
    }
}
