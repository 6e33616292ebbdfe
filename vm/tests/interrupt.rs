//! Stopping runs from outside with `InterruptHandle`, on every tier: a request before
//! the call, one from another thread while code spins, and what clearing it does.
//! (Where a request made by the program stops it is ISA behaviour, pinned in
//! `conformance/cases/control/interrupt.case`.)

use std::thread;
use std::time::Duration;

use adead_vm::{CallError, Config, Engine, Imports, Instance, Module, Tier, Trap, TrapKind};

/// Every tier policy, each with and without a fuel budget (native code differs).
fn configs() -> Vec<Config> {
    let mut configs = Vec::new();
    for (tier, threshold) in [
        (Tier::Interp, 0),
        (Tier::Baseline, 0),
        (Tier::Opt, 0),
        (Tier::Auto, 0),
        (Tier::Auto, 1),
        (Tier::Auto, 1000),
    ] {
        for fuel in [None, Some(u64::MAX / 2)] {
            configs.push(Config {
                tier,
                jit_threshold: threshold,
                fuel,
                interruptible: true,
                kernel_threads: 1,
                ..Config::default()
            });
        }
    }
    configs
}

fn handle_of(engine: &Engine) -> adead_vm::InterruptHandle {
    engine
        .interrupt_handle()
        .expect("the engine is interruptible")
}

fn trap_of(result: Result<adead_vm::Completion, CallError>) -> Trap {
    match result {
        Err(CallError::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// A loop that never ends, calling a function with a loop of its own each time
/// around: both a back-edge and a call are check points.
const SPIN: &str = "
.func main params=0 regs=4
    movi r1, 0
spin:
    call r2, inner, r1, 1
    addi r1, r1, 1
    jmp spin
.end
.func inner params=1 regs=2
    movi r1, 3
again:
    addi r1, r1, -1
    jnz r1, again
    ret r0
.end
";

#[test]
fn a_request_before_the_call_stops_it_at_its_first_instruction() {
    for config in configs() {
        let metered = config.fuel.is_some();
        let label = format!(
            "{:?} threshold {} fuel {metered}",
            config.tier, config.jit_threshold
        );
        let engine = Engine::new(config);
        let module = Module::from_asm(&engine, SPIN, "spin.asm").unwrap();
        let mut instance = Instance::new(&module, &Imports::new()).unwrap();
        handle_of(&engine).interrupt();
        let trap = trap_of(instance.call_entry(&[]));
        assert_eq!(
            (trap.kind, trap.function.as_str(), trap.pc),
            (TrapKind::Interrupted, "main", 0),
            "{label}"
        );
        assert_eq!(trap.fuel_used, metered.then_some(0), "{label}");
        // The request stays until cleared: a second call stops the same way.
        let again = trap_of(instance.call_entry(&[]));
        assert_eq!(
            (again.kind, again.pc),
            (TrapKind::Interrupted, 0),
            "{label}"
        );
    }
}

#[test]
fn another_thread_stops_a_spinning_run_at_a_check_point() {
    for config in configs() {
        let label = format!("{:?} threshold {}", config.tier, config.jit_threshold);
        let engine = Engine::new(config);
        let module = Module::from_asm(&engine, SPIN, "spin.asm").unwrap();
        let mut instance = Instance::new(&module, &Imports::new()).unwrap();
        let handle = handle_of(&engine);
        let watchdog = thread::spawn(move || {
            thread::sleep(Duration::from_millis(30));
            handle.interrupt();
        });
        let trap = trap_of(instance.call_entry(&[]));
        watchdog.join().unwrap();
        assert_eq!(trap.kind, TrapKind::Interrupted, "{label}");
        // The check points of SPIN: main's loop header (pc 1), inner's entry and its
        // loop header (pc 1).
        let at = (trap.function.as_str(), trap.pc);
        assert!(
            matches!(at, ("main", 1) | ("inner", 0 | 1)),
            "{label}: stopped at {at:?}, not a check point"
        );
        // Cleared, the instance runs again (and is stopped again by a new request).
        handle_of(&engine).clear();
        let handle = handle_of(&engine);
        let watchdog = thread::spawn(move || {
            thread::sleep(Duration::from_millis(5));
            handle.interrupt();
        });
        let trap = trap_of(instance.call_entry(&[]));
        watchdog.join().unwrap();
        assert_eq!(trap.kind, TrapKind::Interrupted, "{label}");
    }
}

#[test]
fn an_engine_that_is_not_interruptible_has_no_handle() {
    assert!(Engine::new(Config::default()).interrupt_handle().is_none());
}

#[test]
fn a_cleared_request_lets_a_run_finish() {
    let source = "
.func main params=0 regs=2
    movi r0, 0
    movi r1, 1000
top:
    addi r0, r0, 1
    blt r0, r1, top
    ret r0
.end
";
    for config in configs() {
        let engine = Engine::new(config);
        let module = Module::from_asm(&engine, source, "count.asm").unwrap();
        let mut instance = Instance::new(&module, &Imports::new()).unwrap();
        let handle = handle_of(&engine);
        handle.interrupt();
        assert!(handle.is_interrupted());
        handle.clear();
        assert!(!handle.is_interrupted());
        let done = instance.call_entry(&[]).expect("no request left");
        assert_eq!(done.finish, adead_vm::Finish::Returned(1000));
    }
}

/// `adead-vm run --timeout` and the signals: the program's output is flushed, the trap
/// reported on one line, and the exit code says what stopped it.
mod cli {
    use std::path::PathBuf;
    use std::process::{Command, Output, Stdio};
    use std::time::{Duration, Instant};

    /// Prints 42, then spins forever.
    const PRINT_THEN_SPIN: &str = "
.func main params=0 regs=4
    movi r1, 42
    hcall r2, print_i64, r1, 1
spin:
    addi r1, r1, 1
    jmp spin
.end
";

    fn listing(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("adead-{}-{name}.asm", std::process::id()));
        std::fs::write(&path, PRINT_THEN_SPIN).expect("a temporary file");
        path
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn assert_stopped(out: &Output, code: i32, reason: &str) {
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert_eq!(
            text(&out.stdout),
            "42\n",
            "the output before the stop is flushed"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("adead-vm: trap: interrupted in function `main` at instruction 2")
                && stderr.trim_end().ends_with(reason),
            "{stderr}"
        );
    }

    #[test]
    fn a_timeout_stops_the_run_with_exit_code_124() {
        let path = listing("timeout");
        for tier in ["interp", "opt", "auto"] {
            let out = Command::new(env!("CARGO_BIN_EXE_adead-vm"))
                .args(["run", "--tier", tier, "--timeout", "100ms"])
                .arg(&path)
                .output()
                .expect("adead-vm runs");
            assert_stopped(&out, 124, "(--timeout 100ms passed)");
        }
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_bad_duration_is_a_usage_error() {
        let out = Command::new(env!("CARGO_BIN_EXE_adead-vm"))
            .args(["run", "--timeout", "5 parsecs", "x.asm"])
            .output()
            .expect("adead-vm runs");
        assert_eq!(out.status.code(), Some(64));
        assert!(text(&out.stderr).contains("--timeout"));
    }

    /// True once process `pid` catches `signal` (its handlers are installed): bit
    /// `signal - 1` of `SigCgt` in /proc/PID/status.
    #[cfg(target_os = "linux")]
    fn catches(pid: u32, signal: u32) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn sigint_and_sigterm_stop_the_run_with_the_shell_codes() {
        let path = listing("signals");
        for (name, number, code, reason) in [
            ("INT", 2, 130, "(SIGINT received)"),
            ("TERM", 15, 143, "(SIGTERM received)"),
        ] {
            let child = Command::new(env!("CARGO_BIN_EXE_adead-vm"))
                .arg("run")
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("adead-vm starts");
            let pid = child.id();
            let waited = Instant::now();
            while !catches(pid, number) {
                assert!(
                    waited.elapsed() < Duration::from_secs(20),
                    "no handler for SIG{name}"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            // Handlers come before loading: give the run time to print and spin (a
            // signal before it starts would stop it at instruction 0, output-less).
            std::thread::sleep(Duration::from_millis(300));
            let sent = Command::new("kill")
                .arg(format!("-{name}"))
                .arg(pid.to_string())
                .status()
                .expect("kill runs");
            assert!(sent.success());
            let out = child.wait_with_output().expect("adead-vm ends");
            assert_stopped(&out, code, reason);
        }
        let _ = std::fs::remove_file(&path);
    }
}
