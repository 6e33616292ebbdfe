//! Native code leaving for the interpreter at every possible point.
//!
//! Each program below runs on the interpreter with every fuel budget from 0 to what it
//! needs, and on the native tiers with the same budgets: native code must exit to the
//! interpreter wherever fuel runs short (in a loop it took over in the middle, in a
//! callee translated inline into its caller, in a callee called natively, deep in a
//! recursion) and the interpreter must finish exactly as if it had run everything: the
//! same outcome (value, or trap kind, function and instruction), fuel, output and
//! memory. The programs are chosen for the shapes that make native exits hard: inlined
//! callees (short functions without loops), recursion through native calls, memory
//! accesses checked once per segment, and float registers carrying NaN states across
//! the exit.

use adead_vm::{CallError, Config, Engine, Finish, Instance, Module, Tier, stdio};

/// What a run left: outcome, fuel, output, memory.
#[derive(Debug, PartialEq)]
struct Seen {
    outcome: String,
    fuel: Option<u64>,
    stdout: Vec<u8>,
    memory: Vec<u8>,
}

fn run(source: &str, tier: Tier, threshold: u64, fuel: Option<u64>, args: &[i64]) -> Seen {
    let engine = Engine::new(Config {
        tier,
        jit_threshold: threshold,
        fuel,
        count_instructions: true,
        kernel_threads: 1,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, source, "exits.asm").unwrap_or_else(|e| panic!("{e}"));
    let (output, captured) = stdio::Output::capture();
    let mut instance = Instance::new(&module, &stdio::imports(&output)).expect("instantiate");
    let values: Vec<adead_vm::Value> = args.iter().map(|&a| adead_vm::Value::I64(a)).collect();
    let result = instance.call_entry(&values);
    output.flush().expect("a capture flushes");
    let (outcome, fuel) = match result {
        Ok(done) => (
            match done.finish {
                Finish::Returned(v) => format!("returned {v:#x}"),
                Finish::Halted(v) => format!("halted {v}"),
            },
            done.fuel_used,
        ),
        Err(CallError::Trap(trap)) => (
            format!("trap {} at {}:{}", trap.kind.id(), trap.function, trap.pc),
            trap.fuel_used,
        ),
        Err(other) => (format!("error {other}"), None),
    };
    Seen {
        outcome,
        fuel,
        stdout: captured.bytes(),
        memory: instance.memory().to_vec(),
    }
}

/// Every budget up to the full run, on the interpreter and on the native tiers.
fn every_budget(name: &str, source: &str, args: &[i64]) {
    let full = run(source, Tier::Interp, 0, None, args);
    let needed = full.fuel.expect("counted");
    assert!(needed > 20, "{name}: the program should run a while");
    for (tier, threshold) in [
        (Tier::Baseline, 0),
        (Tier::Opt, 0),
        (Tier::Auto, 0),
        (Tier::Auto, 1),
    ] {
        assert_eq!(
            run(source, tier, threshold, None, args),
            full,
            "{name} on {tier}/{threshold} without a budget"
        );
    }
    for budget in 0..=needed {
        let reference = run(source, Tier::Interp, 0, Some(budget), args);
        for (tier, threshold) in [(Tier::Baseline, 0), (Tier::Opt, 0), (Tier::Auto, 1)] {
            let seen = run(source, tier, threshold, Some(budget), args);
            assert_eq!(
                seen, reference,
                "{name} on {tier}/{threshold} with a budget of {budget}"
            );
        }
    }
}

#[test]
fn exits_inside_an_inlined_callee_record_the_caller() {
    // `twice` is short and loop-free: translated into `main`'s loop. Its result goes
    // to memory, so an exit between the call and the store must bring it back.
    let source = "
.import print_i64 params=1
.func main params=0 regs=8
    movi r1, 0
    movi r2, 64
    movi r3, 5
top:
    call r4, twice, r1, 1
    st64 r2, 0, r4
    addi r2, r2, 8
    addi r1, r1, 1
    blt r1, r3, top
    hcall r5, print_i64, r4, 1
    ret r4
.end
.func twice params=1 regs=3
    add r1, r0, r0
    addi r2, r1, 1
    ret r2
.end
";
    every_budget("inlined", source, &[]);
}

#[test]
fn exits_deep_in_a_native_recursion_rebuild_every_frame() {
    // fib calls itself: one level inline, the rest natively.
    let source = "
.entry fib
.func fib params=1 regs=4
    movi r1, 2
    blt r0, r1, small
    addi r1, r0, -1
    call r2, fib, r1, 1
    addi r1, r0, -2
    call r3, fib, r1, 1
    add r0, r2, r3
small:
    ret r0
.end
";
    every_budget("fib", source, &[7]);
}

#[test]
fn exits_in_float_loops_and_memory_segments_keep_nans_and_bytes() {
    // A loop whose segment checks its memory once on entry, float registers that are
    // pending NaNs when fuel runs short, and a callee that traps out of bounds at the
    // end (the trap must land on the same instruction on every tier).
    let source = "
.func main params=0 regs=12
    movi r1, 64
    fmovi r2, inf
    fmovi r3, 1.0
    movi r4, 0
    movi r5, 6
loop:
    fsub r6, r2, r2
    fadd r7, r6, r3
    fst64 r1, 0, r7
    fld64 r8, r1, 0
    fmul r3, r3, r8
    addi r1, r1, 8
    addi r4, r4, 1
    blt r4, r5, loop
    msize r9
    call r10, poke, r9, 1
    ret r10
.end
.func poke params=1 regs=2
    st8 r0, -1, r0
    ld8u r1, r0, 0
    ret r1
.end
";
    every_budget("floats and memory", source, &[]);
}

#[test]
fn a_loop_entry_reaching_an_enclosing_loop_continues_in_that_loop_s_entry() {
    // Three nested loops: on auto with threshold 1 the innermost moves to native code
    // first; its version leaves at the middle loop's header, whose version leaves at
    // the outer one's. The sums go to memory at every level.
    let source = "
.func main params=0 regs=12
    movi r1, 0
    movi r9, 64
    movi r10, 3
outer:
    movi r2, 0
middle:
    movi r3, 0
inner:
    add r4, r1, r2
    add r4, r4, r3
    ld64 r5, r9, 0
    add r5, r5, r4
    st64 r9, 0, r5
    addi r3, r3, 1
    blt r3, r10, inner
    st64 r9, 8, r3
    addi r2, r2, 1
    blt r2, r10, middle
    addi r1, r1, 1
    blt r1, r10, outer
    ld64 r0, r9, 0
    ret r0
.end
";
    every_budget("nested loops", source, &[]);
    // Without a budget, on auto with threshold 1, everything after the first few
    // iterations runs natively: the versions entered at the inner, middle and outer
    // headers were all compiled.
    let engine = Engine::new(Config {
        tier: Tier::Auto,
        jit_threshold: 1,
        // Compiled when asked, so that the order is the one the run asked in.
        background_compile: false,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, source, "nested.asm").unwrap();
    let mut instance = Instance::new(&module, &adead_vm::Imports::new()).unwrap();
    instance.call_entry(&[]).unwrap();
    let entries: Vec<adead_vm::Entry> = module
        .native_profile()
        .unwrap()
        .compiled
        .iter()
        .map(|c| c.entry)
        .collect();
    assert_eq!(
        entries,
        [5, 4, 3].map(adead_vm::Entry::LoopHeader),
        "inner, then middle, then outer"
    );
}
