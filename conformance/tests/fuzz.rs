//! The random-program differential tester as `cargo test` runs it: a fixed seed and a
//! fixed number of programs, every one on every tier under every meter, with no
//! divergence allowed; then proof that the programs exercised what the generator is
//! built to exercise.

use std::io::Write;

use adead_conformance::fuzz::{self, Hazard, Options};
use adead_isa::{Family, Opcode};

/// The run's seed: any value works; this one is fixed so that a failure reproduces.
const SEED: u64 = 0x000A_DEAD_F022;

/// Programs checked: enough that every planted hazard is drawn several times (a third
/// of the three quarters of programs that are calm get one of nine hazards, so about
/// 200 / 36, five or six of each), few enough to take under half a minute unoptimised
/// on two cores (each program is compiled about fifteen times).
const PROGRAMS: u64 = 200;

/// Prints past the test harness's output capture, so the counts appear in every run.
fn show(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // Losing a line of the report is no reason to fail the test.
    let _ = writeln!(stdout, "{text}");
}

#[test]
fn random_programs_observe_the_same_on_every_tier() {
    let summary = fuzz::run(&Options {
        seed: SEED,
        programs: Some(PROGRAMS),
        ..Options::default()
    });
    show(summary.to_string().trim_end());
    for divergence in &summary.divergences {
        show(&divergence.to_string());
        show(&adead_asm::disassemble(
            &fuzz::generate(divergence.seed),
            adead_asm::ListingStyle::Mnemonic,
        ));
    }
    assert_eq!(summary.programs, PROGRAMS);
    assert!(
        summary.divergences.is_empty(),
        "{} program(s) diverged (printed above; replay one with \
         `cargo run -p adead-conformance -- --fuzz-one SEED`)",
        summary.divergences.len()
    );
    // Every generated program verifies and loads: a skip is a generator bug.
    assert!(summary.skipped.is_empty(), "skipped: {:?}", summary.skipped);

    // A calm program ends exactly as it was built to: returning or halting, or with
    // the trap of its planted hazard (which also checks that the generator's fuel
    // estimates keep calm programs far from the fuel bound).
    assert!(
        summary.intent_mismatches.is_empty(),
        "calm programs that did not end as generated: {:?}",
        summary.intent_mismatches
    );
    // So every hazard drawn for some program shows up as that program's outcome; the
    // design draws each of the nine for about one program in 36.
    for hazard in Hazard::ALL {
        let planted = summary.planted.get(&hazard).copied().unwrap_or(0);
        assert!(planted > 0, "no program was planted {hazard:?}");
        match hazard.intent() {
            fuzz::Intent::Trap(kind) => assert!(
                summary.trapped(kind) >= planted,
                "{planted} program(s) planted {hazard:?}, only {} trapped {kind}",
                summary.trapped(kind)
            ),
            _ => assert!(summary.halted >= planted),
        }
    }
    // Calm programs without a hazard (half of all programs) return or halt.
    assert!(
        summary.returned + summary.halted >= PROGRAMS / 3,
        "only {} returned and {} halted",
        summary.returned,
        summary.halted
    );
    // Prints are a common statement, and `main` prints its digest at the end.
    assert!(
        summary.printed >= PROGRAMS / 3,
        "{} printed",
        summary.printed
    );
    // Loops iterate: many programs run far more instructions than they have.
    assert!(summary.long_runs >= PROGRAMS / 10, "{}", summary.long_runs);

    // The programs use every scalar opcode (everything but tensors, GPU and VK).
    let scalar = |op: &&Opcode| !matches!(op.family(), Family::Tensor | Family::Gpu | Family::Vk);
    let missing: Vec<&str> = Opcode::ALL
        .iter()
        .filter(scalar)
        .filter(|op| !summary.opcodes.contains(op))
        .map(|op| op.mnemonic())
        .collect();
    assert!(missing.is_empty(), "opcodes never generated: {missing:?}");

    // The native tiers really ran the programs: nothing was left to the interpreter,
    // and loops moved to native code in their middle (on-stack replacement).
    assert_eq!(summary.native.refused, 0, "the native tier refused code");
    assert!(summary.native.compiled > PROGRAMS, "{:?}", summary.native);
    assert!(summary.native.osr > 0, "{:?}", summary.native);
}

/// Replaying a program from its seed gives the same program and the same verdict, so
/// a reported seed is all it takes to reproduce a divergence.
#[test]
fn a_program_replays_from_its_seed() {
    let seed = fuzz::program_seed(SEED, 3);
    assert_eq!(fuzz::generate(seed), fuzz::generate(seed));
    let (first, rows) = fuzz::check_all(seed);
    let (second, _) = fuzz::check_all(seed);
    assert_eq!(first.reference, second.reference);
    assert_eq!(first.runs, rows.len() as u64);
    assert!(first.divergence.is_none() && second.divergence.is_none());
}

/// Programs that diverged when the fuzzer first ran (seeds of this version of
/// `fuzz::Program::generate`), all on native code's deferred NaN canonicalisation.
/// Shrunk with `adead-conformance --fuzz-one SEED --minimize`, each is five to eleven
/// instructions of one of the two shapes of [`REPROS`].
const FOUND: [u64; 12] = [
    0x405d_3df8_3c62_abb4,
    0x926f_5553_e425_af9d,
    0xb701_ed86_b81c_06e6,
    0xf87d_1e31_7e2f_0893,
    0x0031_8abb_fb4b_f12d,
    0x22b9_2785_4b8c_c9fb,
    0x9e7f_a6e7_be90_d404,
    0xdc78_fba6_cf40_1429,
    0x43ee_c3c7_bbd8_be62,
    0x8646_d233_5ebc_d1be,
    0xa8f6_a555_4f79_57b2,
    0xc66c_41af_5eb2_a102,
];

/// The two bugs behind [`FOUND`], minimised by hand (each prints what the interpreter
/// prints; `opt` and `auto` print 9221120237041090560, the canonical NaN).
const REPROS: [&str; 2] = [
    // A NaN immediate written on one path over a register that holds a pending
    // arithmetic NaN on another: the immediate loses its payload at the join.
    "
    .import print_u64 params=1
    .func main params=0 regs=8
        fmovi r1, nan
        fadd r2, r1, r1                ; an arithmetic NaN: pending in native code
        jnz r4, join                   ; r4 = 0: not taken
        fmovi r2, 0xFFF8000000000123   ; a NaN immediate, bits the program's own
    join:
        mov r5, r2
        hcall r6, print_u64, r5, 1     ; 18444492273895866659 (0xFFF8000000000123)
        ret r5
    .end
    ",
    // `fneg` of a pending NaN on one path, joined with the pending NaN itself: the
    // negated NaN loses its sign.
    "
    .import print_u64 params=1
    .func main params=0 regs=8
        movi r2, -29                   ; as an f64, a NaN with a payload
        ffloor r1, r2                  ; the canonical NaN: pending in native code
        jnz r3, join                   ; r3 = 0: not taken
        fneg r1, r1                    ; 0xFFF8000000000000
    join:
        mov r4, r1
        hcall r5, print_u64, r4, 1     ; 18444492273895866368 (0xFFF8000000000000)
        ret r4
    .end
    ",
];

/// The divergences the fuzzer found (two NaN bugs of the native tier, both fixed): the
/// programs of their seeds and the minimised reproductions agree on every tier.
#[test]
fn the_divergences_found_so_far_are_fixed() {
    let mut diverging: Vec<String> = FOUND
        .iter()
        .filter_map(|&seed| fuzz::check(seed).divergence)
        .map(|divergence| divergence.to_string())
        .collect();
    for (index, source) in REPROS.iter().enumerate() {
        let module = match adead_asm::assemble(source, "repro.asm") {
            Ok(module) => module,
            Err(diagnostics) => panic!("{}", diagnostics.render(source, "repro.asm")),
        };
        let program = fuzz::Program {
            seed: index as u64,
            module,
            limits: fuzz::Limits {
                max_call_depth: 100,
                max_stack_registers: 1 << 20,
                max_memory: 1 << 20,
                native_stack: 512 * 1024,
            },
            wild: false,
            hazard: None,
            intent: fuzz::Intent::Return,
        };
        if let Some(divergence) = fuzz::exec::check_program(&program, None).divergence {
            diverging.push(format!("REPROS[{index}]: {divergence}"));
        }
    }
    assert!(diverging.is_empty(), "{}", diverging.join("\n"));
}
