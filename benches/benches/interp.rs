//! Criterion benchmarks of the VM's own costs (`cargo bench -p adead-benches`):
//!
//! - `interp/<program>`: interpreter execution of each benchmark program at a small size
//!   (fib(20), loop(1e6), sieve(1e5, 1), mandel(60), nbody(1000)), checked first against
//!   [`adead_benches::reference`]. A fresh instance per
//!   iteration is made outside the measurement; the throughput is in instructions
//!   executed, so criterion also reports instructions per second.
//! - `load/<program>`: `Module::from_bytes` of the program's `.bib` (read, verify,
//!   predecode); the module is assembled once, outside the measurement.
//! - `assemble/generated`: the assembler (lexing, parsing, name resolution, encoding,
//!   verification) on a generated listing of ~100k instructions, in instructions per
//!   second.
//!
//! The whole-program comparison with the peers is `benches/compare.sh`, not this.

use std::hint::black_box;
use std::time::Duration;

use adead_benches::{PROGRAMS, reference, run_once};
use adead_vm::{Config, Engine, Instance, Module, Tier, Value, stdio};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn args_label(args: &[i64]) -> String {
    args.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn interp(c: &mut Criterion) {
    // The interpreter alone, counting: the throughput is in instructions.
    let engine = Engine::new(Config {
        tier: Tier::Interp,
        count_instructions: true,
        ..Config::default()
    });
    let output = stdio::Output::new(std::io::sink());
    let imports = stdio::imports(&output);
    let mut group = c.benchmark_group("interp");
    for program in &PROGRAMS {
        let module = Module::from_asm(&engine, program.source, &program.file_name())
            .unwrap_or_else(|e| panic!("{}: {e}", program.name));
        // One checked run first: the right answer (computed independently, in plain
        // Rust), and the instruction count.
        let check = run_once(&module, program.small_args)
            .unwrap_or_else(|e| panic!("{}: {e}", program.name));
        let expected = reference::checksum(program.name, program.small_args)
            .unwrap_or_else(|| panic!("{}: no reference computation", program.name));
        assert_eq!(
            check.checksum, expected,
            "{}({:?})",
            program.name, program.small_args
        );
        let args: Vec<Value> = program.small_args.iter().map(|&a| Value::I64(a)).collect();
        group.throughput(Throughput::Elements(
            check.instructions.expect("the engine counts instructions"),
        ));
        let name = format!("{}({})", program.name, args_label(program.small_args));
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || Instance::new(&module, &imports).expect("instantiate"),
                |instance| instance.call_entry(black_box(&args)).expect("run"),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

fn load_bib(c: &mut Criterion) {
    let engine = Engine::default();
    let mut group = c.benchmark_group("load");
    for program in &PROGRAMS {
        let module = adead_asm::assemble(program.source, &program.file_name())
            .unwrap_or_else(|_| panic!("{} does not assemble", program.name));
        let bytes = adead_isa::format::write(&module);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(program.name, |b| {
            b.iter_with_large_drop(|| {
                Module::from_bytes(&engine, black_box(&bytes)).expect("load")
            });
        });
    }
    group.finish();
}

/// A listing of `functions` functions of `blocks` 16-instruction blocks each: integer,
/// float, memory, immediate and control instructions, a call and a label per block.
/// Returns the text and its instruction count.
fn generated_listing(functions: usize, blocks: usize) -> (String, u64) {
    use std::fmt::Write as _;
    let mut text =
        String::from("; generated for the assembler benchmark\n.import print_i64 params=1\n");
    let mut count = 0u64;
    for f in 0..functions {
        let name = if f == 0 {
            "main".to_string()
        } else {
            format!("f{f}")
        };
        let _ = writeln!(text, "\n.func {name} params=2 regs=32");
        for k in 0..blocks {
            let callee = if f + 1 < functions {
                format!("f{}", f + 1)
            } else {
                name.clone()
            };
            let back = k.saturating_sub(1);
            let _ = write!(
                text,
                "b{k}:\n\
                 \x20   addi r2, r0, {k}            ; block {k}\n\
                 \x20   add r3, r2, r1\n\
                 \x20   mul r4, r3, r3\n\
                 \x20   movi r5, 0x123456789a\n\
                 \x20   fmovi r6, 1.25e-3\n\
                 \x20   fadd r7, r6, r6\n\
                 \x20   fmul r8, r7, r6\n\
                 \x20   i2f r9, r4\n\
                 \x20   ld64 r10, r11, 16\n\
                 \x20   st64 r11, 24, r10\n\
                 \x20   xor r12, r4, r5\n\
                 \x20   shli r13, r12, 3\n\
                 \x20   seq r14, r13, r4\n\
                 \x20   call r15, {callee}, r0, 2\n\
                 \x20   hcall r16, print_i64, r15, 1\n\
                 \x20   blt r2, r3, b{back}\n"
            );
            count += 16;
        }
        let _ = writeln!(text, "    ret r3\n.end");
        count += 1;
    }
    (text, count)
}

fn assemble(c: &mut Criterion) {
    let (listing, count) = generated_listing(64, 100);
    let module = adead_asm::assemble(&listing, "generated.asm").expect("the listing assembles");
    assert_eq!(module.code.len() as u64, count);
    let mut group = c.benchmark_group("assemble");
    group.throughput(Throughput::Elements(count));
    group.bench_function(format!("generated({count} instructions)"), |b| {
        b.iter_with_large_drop(|| {
            adead_asm::assemble(black_box(&listing), "generated.asm").expect("assemble")
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = interp, load_bib, assemble
}
criterion_main!(benches);
