//! Independent computations of the benchmark programs' checksums, in plain Rust (nbody is
//! a direct port of the C peer, `benches/peers/c/bench.c`). The tests
//! (`benches/tests/programs.rs`) and the criterion benchmarks (`benches/benches/interp.rs`)
//! check the assembly programs against these, never against the programs' own output.

/// What program `name` prints when called with `args`, computed here; `None` for a name
/// that is not one of the five benchmarks or arguments that do not fit it.
pub fn checksum(name: &str, args: &[i64]) -> Option<String> {
    Some(match (name, args) {
        ("fib", &[n]) => fib(n).to_string(),
        ("loop", &[n]) => loop_sum(n).to_string(),
        ("sieve", &[n, passes]) => sieve(n, passes).to_string(),
        ("mandel", &[n]) => mandel(n).to_string(),
        ("nbody", &[steps]) => nbody(steps),
        _ => return None,
    })
}

/// `fib(n)`, iteratively (not the recursion under test).
pub fn fib(n: i64) -> i64 {
    let (mut a, mut b) = (0i64, 1i64);
    for _ in 0..n.max(0) {
        (a, b) = (b, a.wrapping_add(b));
    }
    if n < 2 { n } else { a }
}

/// `loop(n)`: the sum of `(i * i) rem 7` for i in 0 .. n, in wrapping 64-bit integers.
pub fn loop_sum(n: i64) -> i64 {
    (0..n).fold(0i64, |s, i| s.wrapping_add(i.wrapping_mul(i) % 7))
}

/// `sieve(n, passes)`: the primes up to `n`, counted once per pass and summed.
pub fn sieve(n: i64, passes: i64) -> i64 {
    let n = usize::try_from(n).unwrap_or(0);
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

/// `mandel(n)`: the points of an n x n grid over [-1.5, 0.5] x [-1, 1] still inside
/// after 200 iterations.
pub fn mandel(n: i64) -> i64 {
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

/// `nbody(steps)`: the energy after `steps` steps, printed `%.9f`; the C peer's nbody,
/// operation for operation (Rust does not contract to FMA), with
/// the constants written as the Benchmarks Game and the C peer write them.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
pub fn nbody(steps: i64) -> String {
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
