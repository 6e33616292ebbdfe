//! Every benchmark program at small sizes, through the embedding API, against an
//! independent computation of its checksum: plain Rust for fib, loop, sieve, mandel and
//! nbody (a direct port of the C peer, `benches/peers/c/bench.c`), plus the values the
//! definitions give (`benches/RESULTS.md`). No timing here: benchmarks are not tests.

use adead_benches::{PROGRAMS, Program, run_once};
use adead_vm::{Engine, Module};

fn module(name: &str) -> Module {
    let program = Program::named(name).expect("a benchmark program");
    Module::from_asm(&Engine::default(), program.source, &program.file_name())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(module: &Module, args: &[i64]) -> String {
    run_once(module, args)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .checksum
}

// ---- independent reference computations

fn fib_ref(n: i64) -> i64 {
    // iterative, not the recursion under test
    let (mut a, mut b) = (0i64, 1i64);
    for _ in 0..n.max(0) {
        (a, b) = (b, a.wrapping_add(b));
    }
    if n < 2 { n } else { a }
}

fn loop_ref(n: i64) -> i64 {
    (0..n).fold(0i64, |s, i| s.wrapping_add(i.wrapping_mul(i) % 7))
}

fn sieve_ref(n: i64, passes: i64) -> i64 {
    let n = n as usize;
    let mut total = 0;
    for _ in 0..passes {
        let mut flags = vec![true; n + 1];
        let mut i = 2;
        while i * i <= n {
            if flags[i] {
                for j in (i * i..=n).step_by(i) {
                    flags[j] = false;
                }
            }
            i += 1;
        }
        total += (2..=n).filter(|&k| flags[k]).count() as i64;
    }
    total
}

fn mandel_ref(n: i64) -> i64 {
    let maxit = 200;
    let nf = n as f64;
    let mut count = 0;
    for y in 0..n {
        let ci = (2.0 * y as f64) / nf - 1.0;
        for x in 0..n {
            let cr = (2.0 * x as f64) / nf - 1.5;
            let (mut zr, mut zi, mut zr2, mut zi2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            let mut it = 0;
            while it < maxit && zr2 + zi2 <= 4.0 {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it += 1;
            }
            if it == maxit {
                count += 1;
            }
        }
    }
    count
}

/// The C peer's nbody, operation for operation (Rust does not contract to FMA), with
/// the constants written as the Benchmarks Game and the C peer write them.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
fn nbody_ref(steps: i64) -> String {
    const PI: f64 = 3.141592653589793;
    const SOLAR_MASS: f64 = 4.0 * PI * PI;
    const DPY: f64 = 365.24;
    #[rustfmt::skip]
    let mut b: [[f64; 7]; 5] = [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, SOLAR_MASS],
        [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03 * DPY, 7.69901118419740425e-03 * DPY,
         -6.90460016972063023e-05 * DPY, 9.54791938424326609e-04 * SOLAR_MASS],
        [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * DPY, 4.99852801234917238e-03 * DPY,
         2.30417297573763929e-05 * DPY, 2.85885980666130812e-04 * SOLAR_MASS],
        [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03 * DPY, 2.37847173959480950e-03 * DPY,
         -2.96589568540237556e-05 * DPY, 4.36624404335156298e-05 * SOLAR_MASS],
        [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03 * DPY, 1.62824170038242295e-03 * DPY,
         -9.51592254519715870e-05 * DPY, 5.15138902046611451e-05 * SOLAR_MASS],
    ];
    let (mut px, mut py, mut pz) = (0.0, 0.0, 0.0);
    for body in &b {
        px += body[3] * body[6];
        py += body[4] * body[6];
        pz += body[5] * body[6];
    }
    b[0][3] = -px / SOLAR_MASS;
    b[0][4] = -py / SOLAR_MASS;
    b[0][5] = -pz / SOLAR_MASS;
    let dt = 0.01;
    for _ in 0..steps {
        for i in 0..5 {
            for j in i + 1..5 {
                let dx = b[i][0] - b[j][0];
                let dy = b[i][1] - b[j][1];
                let dz = b[i][2] - b[j][2];
                let d2 = dx * dx + dy * dy + dz * dz;
                let mag = dt / (d2 * d2.sqrt());
                let mi = b[i][6] * mag;
                let mj = b[j][6] * mag;
                b[i][3] -= dx * mj;
                b[i][4] -= dy * mj;
                b[i][5] -= dz * mj;
                b[j][3] += dx * mi;
                b[j][4] += dy * mi;
                b[j][5] += dz * mi;
            }
        }
        for body in &mut b {
            body[0] += dt * body[3];
            body[1] += dt * body[4];
            body[2] += dt * body[5];
        }
    }
    let mut e = 0.0;
    for i in 0..5 {
        let bi = b[i];
        e += 0.5 * bi[6] * (bi[3] * bi[3] + bi[4] * bi[4] + bi[5] * bi[5]);
        for bj in &b[i + 1..] {
            let dx = bi[0] - bj[0];
            let dy = bi[1] - bj[1];
            let dz = bi[2] - bj[2];
            e -= (bi[6] * bj[6]) / (dx * dx + dy * dy + dz * dz).sqrt();
        }
    }
    format!("{e:.9}")
}

// ---- the programs

#[test]
fn the_references_agree_with_the_definitions() {
    // Values from benches/RESULTS.md ("Benchmark definitions") and known primes counts.
    assert_eq!(fib_ref(30), 832_040);
    assert_eq!(loop_ref(1000), 2001); // also what `bench loop 1 c 1000` of the C peer prints
    assert_eq!(sieve_ref(1_000_000, 1), 78_498);
    assert_eq!(nbody_ref(0), "-0.169075164");
    assert_eq!(nbody_ref(1000), "-0.169087605");
}

#[test]
fn fib() {
    let m = module("fib");
    for n in [0, 1, 2, 3, 10, 20] {
        assert_eq!(run(&m, &[n]), fib_ref(n).to_string(), "fib({n})");
    }
    assert_eq!(fib_ref(20), 6765);
}

#[test]
fn loop_sum() {
    let m = module("loop");
    for n in [0, 1, 7, 8, 1000, 1_000_000] {
        assert_eq!(run(&m, &[n]), loop_ref(n).to_string(), "loop({n})");
    }
}

#[test]
fn sieve() {
    let m = module("sieve");
    for n in [0, 1, 2, 3, 4, 5, 24, 25, 26, 100] {
        assert_eq!(
            run(&m, &[n, 1]),
            sieve_ref(n, 1).to_string(),
            "sieve({n}, 1)"
        );
    }
    assert_eq!(run(&m, &[100_000, 1]), sieve_ref(100_000, 1).to_string());
    assert_eq!(sieve_ref(100_000, 1), 9592);
    // passes accumulate; 0 passes prints 0
    assert_eq!(run(&m, &[100_000, 3]), "28776"); // = C peer `bench sieve 1 c 100000`
    assert_eq!(run(&m, &[1000, 0]), "0");
}

#[test]
fn mandel() {
    let m = module("mandel");
    for n in [0, 1, 2, 7, 60] {
        assert_eq!(run(&m, &[n]), mandel_ref(n).to_string(), "mandel({n})");
    }
    assert_eq!(mandel_ref(60), 1376); // = C peer `bench mandel 1 c 60`
}

#[test]
fn nbody() {
    let m = module("nbody");
    for steps in [0, 1, 10, 1000] {
        assert_eq!(run(&m, &[steps]), nbody_ref(steps), "nbody({steps})");
    }
    // benches/RESULTS.md: 1000 steps -> -0.169087605
    assert_eq!(run(&m, &[1000]), "-0.169087605");
}

#[test]
fn every_program_runs_at_its_small_size() {
    for program in &PROGRAMS {
        let m = module(program.name);
        let first = run_once(&m, program.small_args).expect("run");
        assert!(first.instructions > 0, "{}", program.name);
        // a second run on a fresh instance prints the same and executes as much
        let second = run_once(&m, program.small_args).expect("run");
        assert_eq!(first.checksum, second.checksum, "{}", program.name);
        assert_eq!(first.instructions, second.instructions, "{}", program.name);
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
