//! Criterion benchmark of the native tier's compile time (`cargo bench -p adead-benches
//! --bench jit`; add `-- --quick` for a short run).
//!
//! Every function of the five benchmark programs and of their naive forms
//! (`benches/programs/naive/`) is compiled by `adead_jit::Compiler` entered at its start
//! (`Entry::Start`, what calls use) and at each of its loop headers
//! (`Entry::LoopHeader`, what on-stack replacement uses): one criterion benchmark
//! `compile/<program file>:<function>@<entry>` per compilation, its throughput in
//! elements = the function's instructions (so criterion's `elem/s` gives µs per 100
//! instructions as 10^8 / (elem/s)).
//!
//! Each timed compilation is a first one, as the VM's is: a fresh `Compiler` (made,
//! and dropped with its code, outside the measurement), so the time includes the
//! compiler's analysis of the function and the growth of its reused buffers, not only
//! Cranelift. The options are the VM's in a release build with fuel off (its default
//! configuration): not metered, no IR verifier, no disassembly.
//!
//! Before the criterion benchmarks run, a summary (`jit compile-time summary`) is
//! printed: each compilation's median over fresh compilers, in µs and in µs per 100
//! instructions, then the median over all compilations of µs per 100 instructions (the
//! figure the native tier's goal is stated in: at most 100), the median over start
//! entries only, the worst compilation, and the total time over the total instructions.
//!
//! The baseline tier (`adead_jit::BaselineCompiler`) is measured beside it on the same
//! functions: the summary adds, per function, the median baseline compilation (every
//! entry of the function at once, as the baseline tier compiles; one compiler kept for
//! all compilations, as the VM keeps one per module), the ratio of Cranelift's time for
//! the start entry to the baseline's, and the VM instructions the baseline compiles per
//! second; criterion's group `baseline/` times the same compilations.
//!
//! Compiled code is never run here, so the VM's helpers are `Helpers::standalone()`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use adead_benches::{NAIVE_PROGRAMS, PROGRAMS, Program};
use adead_isa::Module as IsaModule;
use adead_jit::{BaselineCompiler, Compiler, Entry, Helpers, Options};
use adead_vm::Config;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// The options of the VM's native tier in a release build under the default
/// configuration (`vm/src/native/tier.rs`): fuel off, so not metered.
fn options() -> Options {
    Options {
        metered: false,
        max_call_depth: Config::default().max_call_depth,
        helpers: Helpers::standalone(),
        max_function_len: 50_000,
        verify_ir: false,
        disassemble: false,
        count_executions: false,
        interruptible: Config::default().interruptible,
    }
}

/// One compilation: a function of a program entered at one place.
struct Unit {
    /// `<program file>:<function>@<entry>`.
    label: String,
    module: &'static IsaModule,
    func: u32,
    entry: Entry,
    /// Instructions of the function (a loop-header entry compiles the whole function too).
    instructions: u64,
}

/// Every function of every program, at its start and at each loop header.
fn units() -> Vec<Unit> {
    let mut units = Vec::new();
    for program in PROGRAMS.iter().chain(&NAIVE_PROGRAMS) {
        let module: &'static IsaModule = Box::leak(Box::new(assemble(program)));
        for (func, function) in module.functions.iter().enumerate() {
            let func = func as u32;
            let entries = std::iter::once(Entry::Start).chain(
                Compiler::loop_headers(module, func)
                    .into_iter()
                    .map(Entry::LoopHeader),
            );
            for entry in entries {
                let at = match entry {
                    Entry::Start => "start".to_string(),
                    Entry::LoopHeader(pc) => format!("loop{pc}"),
                };
                units.push(Unit {
                    label: format!("{}:{}@{at}", program.path, function.name),
                    module,
                    func,
                    entry,
                    instructions: u64::from(function.len),
                });
            }
        }
    }
    units
}

fn assemble(program: &Program) -> IsaModule {
    adead_asm::assemble(program.source, &program.file_name())
        .unwrap_or_else(|_| panic!("{} does not assemble", program.file_name()))
}

/// One first compilation of `unit` by a fresh compiler: the time of `compile` alone, and
/// the bytes of machine code it made.
fn compile_once(unit: &Unit) -> (Duration, usize) {
    let mut compiler = Compiler::new(options()).expect("a compiler for this CPU");
    let start = Instant::now();
    let compiled = compiler.compile(unit.module, unit.func, unit.entry);
    let elapsed = start.elapsed();
    let compiled = compiled.unwrap_or_else(|e| panic!("{}: {e}", unit.label));
    (elapsed, compiled.size)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// µs per 100 instructions.
fn per_100(us: f64, instructions: u64) -> f64 {
    us * 100.0 / instructions as f64
}

/// Prints the summary: every compilation's median over `SAMPLES` fresh compilers, and
/// the medians the goal is checked against.
fn summary(units: &[Unit]) {
    const SAMPLES: usize = 21;
    println!(
        "\njit compile-time summary (median of {SAMPLES} first compilations each, fresh compiler, verify_ir off)"
    );
    println!(
        "{:<44} {:>6} {:>10} {:>12} {:>11}",
        "compilation", "instrs", "µs", "µs/100 instr", "code bytes"
    );
    let mut rows = Vec::new();
    for unit in units {
        // one untimed compilation first: page faults and caches of the first use
        let (_, bytes) = compile_once(unit);
        let us = median(
            (0..SAMPLES)
                .map(|_| compile_once(unit).0.as_secs_f64() * 1e6)
                .collect(),
        );
        let rate = per_100(us, unit.instructions);
        println!(
            "{:<44} {:>6} {:>10.1} {:>12.1} {:>11}",
            unit.label, unit.instructions, us, rate, bytes
        );
        rows.push((unit, us, rate));
    }
    let all = median(rows.iter().map(|r| r.2).collect());
    let starts = median(
        rows.iter()
            .filter(|r| r.0.entry == Entry::Start)
            .map(|r| r.2)
            .collect(),
    );
    let worst = rows
        .iter()
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .expect("compilations");
    let total_us: f64 = rows.iter().map(|r| r.1).sum();
    let total_instructions: u64 = rows.iter().map(|r| r.0.instructions).sum();
    println!(
        "median over all {} compilations: {all:.1} µs per 100 instructions (goal: <= 100)",
        rows.len()
    );
    println!(
        "median over the {} functions (their start entries): {starts:.1} µs per 100 instructions",
        rows.iter().filter(|r| r.0.entry == Entry::Start).count()
    );
    println!(
        "worst: {} ({} instructions): {:.1} µs, {:.1} µs per 100 instructions",
        worst.0.label, worst.0.instructions, worst.1, worst.2
    );
    println!(
        "all together: {:.0} µs for {} instructions: {:.1} µs per 100 instructions\n",
        total_us,
        total_instructions,
        per_100(total_us, total_instructions)
    );
}

/// Prints the baseline tier's side of the summary: per function (its start entry's
/// row), the median of `SAMPLES` baseline compilations by one compiler against the
/// median Cranelift compilation of its start entry.
fn baseline_summary(units: &[Unit]) {
    const SAMPLES: usize = 201;
    let mut compiler = BaselineCompiler::new(options()).expect("an x86-64 Unix host");
    println!("baseline compile-time summary (median of {SAMPLES} compilations each, one compiler)");
    println!(
        "{:<44} {:>6} {:>10} {:>12} {:>12} {:>10}",
        "function", "instrs", "µs", "µs/100 instr", "cranelift µs", "ratio"
    );
    let (mut total_baseline, mut total_cranelift, mut total_instructions) = (0.0, 0.0, 0);
    let mut ratios = Vec::new();
    for unit in units.iter().filter(|u| u.entry == Entry::Start) {
        let mut time = || {
            let start = Instant::now();
            let compiled = compiler.compile(unit.module, unit.func, None);
            let elapsed = start.elapsed();
            compiled.unwrap_or_else(|e| panic!("{}: {e}", unit.label));
            elapsed.as_secs_f64() * 1e6
        };
        time();
        let baseline = median((0..SAMPLES).map(|_| time()).collect());
        let cranelift = median(
            (0..5)
                .map(|_| compile_once(unit).0.as_secs_f64() * 1e6)
                .collect(),
        );
        println!(
            "{:<44} {:>6} {:>10.2} {:>12.2} {:>12.1} {:>10.1}",
            unit.label,
            unit.instructions,
            baseline,
            per_100(baseline, unit.instructions),
            cranelift,
            cranelift / baseline
        );
        total_baseline += baseline;
        total_cranelift += cranelift;
        total_instructions += unit.instructions;
        ratios.push(cranelift / baseline);
    }
    println!(
        "baseline: {total_baseline:.1} µs for {total_instructions} instructions: {:.2} µs per 100 instructions, {:.1} million instructions per second",
        per_100(total_baseline, total_instructions),
        total_instructions as f64 / total_baseline
    );
    println!(
        "cranelift/baseline: {:.1} all together, median per function {:.1}",
        total_cranelift / total_baseline,
        median(ratios)
    );
    // Whole modules in one batch, as `Tier::Baseline` compiles at load: one page
    // mapping change for all their functions.
    let (mut total_us, mut total_instructions) = (0.0, 0u64);
    for program in PROGRAMS.iter().chain(&NAIVE_PROGRAMS) {
        let module = assemble(program);
        let batch: Vec<(u32, Option<&adead_jit::HotCounters>)> = (0..module.functions.len() as u32)
            .map(|f| (f, None))
            .collect();
        let instructions: u64 = module.functions.iter().map(|f| u64::from(f.len)).sum();
        let mut time = || {
            let start = Instant::now();
            let results = compiler.compile_batch(&module, &batch);
            let elapsed = start.elapsed();
            assert!(results.iter().all(Result::is_ok), "{}", program.path);
            elapsed.as_secs_f64() * 1e6
        };
        time();
        let us = median((0..SAMPLES).map(|_| time()).collect());
        println!(
            "module {:<36} {:>6} {:>10.2} {:>12.2}",
            program.path,
            instructions,
            us,
            per_100(us, instructions)
        );
        total_us += us;
        total_instructions += instructions;
    }
    println!(
        "baseline, whole modules: {total_us:.1} µs for {total_instructions} instructions: {:.1} million instructions per second\n",
        total_instructions as f64 / total_us
    );
}

fn compile(c: &mut Criterion) {
    let units = units();
    // Only when benchmarking: not for `--list`, nor when `cargo test --benches` runs this
    // once as a test (no `--bench` argument), which must stay quick.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list") {
        summary(&units);
        baseline_summary(&units);
    }
    let options = options();
    let mut group = c.benchmark_group("compile");
    for unit in &units {
        group.throughput(Throughput::Elements(unit.instructions));
        group.bench_function(&unit.label, |b| {
            b.iter_batched(
                || Compiler::new(options).expect("a compiler for this CPU"),
                // the compiler is returned with the code so that both are dropped
                // outside the measurement
                |mut compiler| {
                    let compiled = compiler
                        .compile(black_box(unit.module), unit.func, unit.entry)
                        .expect("compiles");
                    (compiler, compiled)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
    let mut group = c.benchmark_group("baseline");
    let mut compiler = BaselineCompiler::new(options).expect("an x86-64 Unix host");
    for unit in units.iter().filter(|u| u.entry == Entry::Start) {
        group.throughput(Throughput::Elements(unit.instructions));
        group.bench_function(&unit.label, |b| {
            b.iter(|| {
                compiler
                    .compile(black_box(unit.module), unit.func, None)
                    .expect("compiles")
            });
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = compile
}
criterion_main!(benches);
