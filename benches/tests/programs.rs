//! Every benchmark program, hand-written and naive form (`benches/programs/naive/`), at
//! small sizes, through the embedding API and on every tier policy, against an
//! independent computation of its checksum
//! ([`adead_benches::reference`]: plain Rust, nbody a direct port of the C peer), plus
//! the values the definitions give (`benches/RESULTS.md`). No timing here: benchmarks
//! are not tests.

use adead_benches::{NAIVE_PROGRAMS, PROGRAMS, Program, reference, run_once};
use adead_vm::{Config, Engine, Module, Tier};

/// Both forms of program `name`, the hand-written and the naive one, each with its file
/// name (for messages) and under every tier policy ([`modules`]).
fn forms(name: &str) -> [(String, Vec<Module>); 2] {
    [
        Program::named(name).expect("a benchmark program"),
        Program::naive(name).expect("a naive form"),
    ]
    .map(|program| (program.file_name(), modules(program)))
}

/// The program under each tier policy (auto with a threshold of 1, so that its loops
/// move to native code in their second iteration), counting instructions.
fn modules(program: &Program) -> Vec<Module> {
    let name = program.file_name();
    [Tier::Interp, Tier::Baseline, Tier::Opt, Tier::Auto]
        .into_iter()
        .map(|tier| {
            let engine = Engine::new(Config {
                tier,
                jit_threshold: 1,
                count_instructions: true,
                ..Config::default()
            });
            Module::from_asm(&engine, program.source, &program.file_name())
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        })
        .collect()
}

/// What the program prints with `args`, the same on every tier.
fn run(modules: &[Module], args: &[i64]) -> String {
    let outputs: Vec<String> = modules
        .iter()
        .map(|module| {
            run_once(module, args)
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
                .checksum
        })
        .collect();
    assert!(
        outputs.iter().all(|o| *o == outputs[0]),
        "{args:?}: tiers disagree: {outputs:?}"
    );
    outputs[0].clone()
}

#[test]
fn the_definition_checksums_are_the_references() {
    // PROGRAMS is where every checksum of the definitions is written (adead-bench checks it
    // and `adead-bench --list` gives it to compare.sh): computed here independently, at the
    // definition's size (~2 s unoptimised).
    for program in &PROGRAMS {
        assert_eq!(
            reference::checksum(program.name, program.args).as_deref(),
            Some(program.checksum),
            "{}({:?})",
            program.name,
            program.args
        );
    }
}

#[test]
fn the_references_agree_with_known_values() {
    // Known primes counts and values the C peer prints.
    assert_eq!(reference::fib(30), 832_040);
    assert_eq!(reference::loop_sum(1000), 2001); // also what `bench loop 1 c 1000` of the C peer prints
    assert_eq!(reference::sieve(1_000_000, 1), 78_498);
    assert_eq!(reference::nbody(0), "-0.169075164");
    assert_eq!(reference::nbody(1000), "-0.169087605");
    assert_eq!(reference::checksum("sieve", &[100, 2]), Some("50".into()));
    assert_eq!(reference::checksum("sieve", &[100]), None);
    assert_eq!(reference::checksum("nope", &[1]), None);
}

#[test]
fn fib() {
    for (form, m) in forms("fib") {
        for n in [0, 1, 2, 3, 10, 20] {
            assert_eq!(
                run(&m, &[n]),
                reference::fib(n).to_string(),
                "{form}: fib({n})"
            );
        }
    }
    assert_eq!(reference::fib(20), 6765);
}

#[test]
fn loop_sum() {
    for (form, m) in forms("loop") {
        for n in [0, 1, 7, 8, 1000, 1_000_000] {
            assert_eq!(
                run(&m, &[n]),
                reference::loop_sum(n).to_string(),
                "{form}: loop({n})"
            );
        }
    }
}

#[test]
fn sieve() {
    for (form, m) in forms("sieve") {
        for n in [0, 1, 2, 3, 4, 5, 24, 25, 26, 100] {
            assert_eq!(
                run(&m, &[n, 1]),
                reference::sieve(n, 1).to_string(),
                "{form}: sieve({n}, 1)"
            );
        }
        assert_eq!(
            run(&m, &[100_000, 1]),
            reference::sieve(100_000, 1).to_string(),
            "{form}"
        );
        // passes accumulate; 0 passes prints 0
        assert_eq!(run(&m, &[100_000, 3]), "28776", "{form}"); // = C peer `bench sieve 1 c 100000`
        assert_eq!(run(&m, &[1000, 0]), "0", "{form}");
    }
    assert_eq!(reference::sieve(100_000, 1), 9592);
}

#[test]
fn mandel() {
    for (form, m) in forms("mandel") {
        for n in [0, 1, 2, 7, 60] {
            assert_eq!(
                run(&m, &[n]),
                reference::mandel(n).to_string(),
                "{form}: mandel({n})"
            );
        }
    }
    assert_eq!(reference::mandel(60), 1376); // = C peer `bench mandel 1 c 60`
}

#[test]
fn nbody() {
    for (form, m) in forms("nbody") {
        for steps in [0, 1, 10, 1000] {
            assert_eq!(
                run(&m, &[steps]),
                reference::nbody(steps),
                "{form}: nbody({steps})"
            );
        }
        // benches/RESULTS.md: 1000 steps -> -0.169087605
        assert_eq!(run(&m, &[1000]), "-0.169087605", "{form}");
    }
}

#[test]
fn every_program_runs_at_its_small_size() {
    for program in PROGRAMS.iter().chain(&NAIVE_PROGRAMS) {
        let m = modules(program);
        let first = run_once(&m[0], program.small_args).expect("run");
        assert!(first.instructions > Some(0), "{}", program.file_name());
        assert_eq!(
            Some(&first.checksum),
            reference::checksum(program.name, program.small_args).as_ref(),
            "{}",
            program.file_name()
        );
        // a second run on a fresh instance prints the same and executes as much
        // and so does every other tier
        for module in &m {
            let second = run_once(module, program.small_args).expect("run");
            assert_eq!(first.checksum, second.checksum, "{}", program.file_name());
            assert_eq!(
                first.instructions,
                second.instructions,
                "{}",
                program.file_name()
            );
        }
    }
}

#[test]
fn adead_bench_prints_a_result_line() {
    let program = env!("CARGO_MANIFEST_DIR").to_string() + "/programs/sieve.asm";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adead-bench"))
        .args([&program, "--runs", "3", "--expect", "9592", "100000", "1"])
        .output()
        .expect("adead-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("RESULT peer=adead bench=sieve checksum=9592 median_ms="),
        "{stdout}"
    );
    assert!(stdout.contains(" runs=3 "), "{stdout}");

    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_adead-bench"))
        .args([&program, "--runs", "1", "--expect", "1", "100", "1"])
        .output()
        .expect("adead-bench runs");
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn adead_bench_lists_the_definitions_and_checks_them() {
    let bench = env!("CARGO_BIN_EXE_adead-bench");
    let out = std::process::Command::new(bench)
        .arg("--list")
        .output()
        .expect("adead-bench runs");
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&out.stdout);
    let expected: String = PROGRAMS
        .iter()
        .map(|p| {
            let args: Vec<String> = p.args.iter().map(i64::to_string).collect();
            format!("{} {} {}\n", p.name, p.checksum, args.join(" "))
        })
        .collect();
    assert_eq!(listed, expected);

    // Named like a benchmark and run at the definition's size, a program must print the
    // definition's checksum: mandel's code saved as fib.asm prints mandel(30), not fib(30).
    let dir = std::env::temp_dir().join(format!("adead-bench-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fake = dir.join("fib.asm");
    std::fs::write(&fake, Program::named("mandel").expect("mandel").source).expect("write");
    let wrong = std::process::Command::new(bench)
        .arg(&fake)
        .args(["--runs", "1"])
        .output()
        .expect("adead-bench runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("the definition of fib says `832040`"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
}
