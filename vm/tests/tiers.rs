//! The tier policies: which tier compiles what, and when.

use std::time::{Duration, Instant};

use adead_vm::{Config, Engine, Entry, Finish, Imports, Instance, Level, Module, Tier};

/// fib(n), recursive: `main(n)` returns it.
const FIB: &str = "
.func main params=1 regs=2
    call r1, fib, r0, 1
    ret r1
.end
.func fib params=1 regs=4
    movi r1, 2
    blt r0, r1, small
    addi r2, r0, -1
    call r2, fib, r2, 1
    addi r3, r0, -2
    call r3, fib, r3, 1
    add r0, r2, r3
small:
    ret r0
.end
";

fn fib(module: &Module, n: i64) -> u64 {
    let mut instance = Instance::new(module, &Imports::new()).expect("instantiate");
    match instance.call_entry(&[adead_vm::Value::I64(n)]) {
        Ok(completion) => match completion.finish {
            Finish::Returned(value) => value,
            other => panic!("fib ended with {other:?}"),
        },
        Err(error) => panic!("fib: {error}"),
    }
}

/// The compilations of the module so far: function, entry, level.
fn compiled(module: &Module) -> Vec<(u32, Entry, Level)> {
    module
        .native_profile()
        .expect("a native tier")
        .compiled
        .iter()
        .map(|record| (record.func, record.entry, record.level))
        .collect()
}

#[test]
fn the_baseline_tier_compiles_every_function_at_load() {
    let engine = Engine::new(Config {
        tier: Tier::Baseline,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, FIB, "fib.asm").unwrap();
    if cfg!(not(all(target_arch = "x86_64", unix))) {
        // No baseline tier on this host: both functions are refused, with the reason.
        assert_eq!(module.native_profile().unwrap().refused.len(), 2);
        return;
    }
    let at_load = [
        (0, Entry::Start, Level::Baseline),
        (1, Entry::Start, Level::Baseline),
    ];
    assert_eq!(compiled(&module), at_load);
    assert_eq!(fib(&module, 20), 6765);
    assert_eq!(
        compiled(&module),
        at_load,
        "nothing more compiled while running"
    );
}

#[test]
fn auto_goes_through_baseline_code_to_optimized_code() {
    let engine = Engine::new(Config {
        tier: Tier::Auto,
        baseline_threshold: 2,
        jit_threshold: 100,
        background_compile: false,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, FIB, "fib.asm").unwrap();
    assert_eq!(fib(&module, 20), 6765);
    let fib_levels: Vec<Level> = compiled(&module)
        .into_iter()
        .filter(|&(func, ..)| func == 1)
        .map(|(.., level)| level)
        .collect();
    let expected: &[Level] = if cfg!(all(target_arch = "x86_64", unix)) {
        // The interpreter's third entry moves fib to baseline code, whose own count
        // asks for Cranelift's.
        &[Level::Baseline, Level::Optimized]
    } else {
        &[Level::Optimized]
    };
    assert_eq!(fib_levels, expected);
}

/// Whether the run waited for Cranelift is a matter of time, which no test measures
/// (see `benches/tiers.sh`); this checks that the code asked for in the background
/// arrives, and that runs before and after it agree.
#[test]
fn background_compilation_arrives_and_changes_nothing() {
    let engine = Engine::new(Config {
        tier: Tier::Auto,
        baseline_threshold: 0,
        jit_threshold: 2,
        ..Config::default()
    });
    assert!(engine.config().background_compile, "the default");
    let module = Module::from_asm(&engine, FIB, "fib.asm").unwrap();
    assert_eq!(fib(&module, 22), 17711);
    // The optimized code is asked for early and arrives whenever the compiler thread
    // is done; the run's result never depended on it.
    let started = Instant::now();
    while !compiled(&module).contains(&(1, Entry::Start, Level::Optimized)) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "fib's optimized code never arrived: {:?}",
            compiled(&module)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(fib(&module, 22), 17711);
}
