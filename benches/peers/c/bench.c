/* The five scalar benchmarks in C, the native reference for adead-vm.
 * Definitions: benches/RESULTS.md, "Benchmark definitions"; the same algorithms as
 * the programs in benches/programs/, the Lua and the WebAssembly peers.
 *
 *   gcc -O2 -o bench benches/peers/c/bench.c -lm
 *   ./bench <fib|loop|sieve|mandel|nbody> <runs> [label] [size]
 *
 * Times `runs` calls of the benchmark function in-process with CLOCK_MONOTONIC (only the
 * call and the formatting of its checksum) and prints one line:
 *   RESULT peer=<label> bench=<b> checksum=<c> median_ms=<m> min_ms=<m> first_ms=<f> runs=<r>
 * `size` replaces the main size (fib n, loop n, sieve n, mandel n, nbody steps) for quick
 * checks. The parameters pass through volatiles so gcc cannot constant-fold a benchmark. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- 1. fib: 2*fib(n+1)-1 calls in the abstract machine. gcc -O2 inlines part of the
 * recursion and turns a call into a loop; -DFIB_REAL_CALLS with -fno-optimize-sibling-calls
 * keeps every call (noipa: no inlining, cloning or const-CSE), the native call-cost
 * reference (see benches/RESULTS.md). */
#ifdef FIB_REAL_CALLS
#define FIB_ATTR __attribute__((noipa))
#else
#define FIB_ATTR
#endif
static FIB_ATTR int64_t fib(int64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* ---- 2. loop */
static int64_t loop(int64_t n) {
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++) s += (i * i) % 7;
    return s;
}

/* ---- 3. sieve: allocate n+1 flags, then `passes` x (fill, cross out, count) */
static int64_t sieve(int64_t n, int passes) {
    unsigned char *flags = malloc((size_t)n + 1);
    if (!flags) { perror("malloc"); exit(1); }
    int64_t total = 0;
    for (int p = 0; p < passes; p++) {
        for (int64_t i = 0; i <= n; i++) flags[i] = 1;
        for (int64_t i = 2; i * i <= n; i++)
            if (flags[i])
                for (int64_t j = i * i; j <= n; j += i) flags[j] = 0;
        int64_t count = 0;
        for (int64_t i = 2; i <= n; i++)
            if (flags[i]) count++;
        total += count;
    }
    free(flags);
    return total;
}

/* ---- 4. mandel: points of an n x n grid that stay bounded for maxit iterations */
static int64_t mandel(int n, int maxit) {
    int64_t count = 0;
    for (int y = 0; y < n; y++) {
        double ci = (2.0 * y) / n - 1.0;
        for (int x = 0; x < n; x++) {
            double cr = (2.0 * x) / n - 1.5;
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            int it = 0;
            while (it < maxit && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            if (it == maxit) count++;
        }
    }
    return count;
}

/* ---- 5. nbody (Benchmarks Game): energy after `steps` steps of dt = 0.01 */
#define PI 3.141592653589793
#define SOLAR_MASS (4.0 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBODIES 5

typedef struct {
    double x, y, z, vx, vy, vz, mass;
} body;

static const body initial[NBODIES] = {
    /* Sun */
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    /* Jupiter */
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    /* Saturn */
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    /* Uranus */
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    /* Neptune */
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

static void offset_momentum(body *b) {
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < NBODIES; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;
}

static void advance(body *b, double dt) {
    for (int i = 0; i < NBODIES; i++) {
        for (int j = i + 1; j < NBODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            double mi = b[i].mass * mag, mj = b[j].mass * mag;
            b[i].vx -= dx * mj;
            b[i].vy -= dy * mj;
            b[i].vz -= dz * mj;
            b[j].vx += dx * mi;
            b[j].vy += dy * mi;
            b[j].vz += dz * mi;
        }
    }
    for (int i = 0; i < NBODIES; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

static double energy(const body *b) {
    double e = 0.0;
    for (int i = 0; i < NBODIES; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < NBODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= (b[i].mass * b[j].mass) / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static double nbody(int steps) {
    body b[NBODIES];
    memcpy(b, initial, sizeof b);
    offset_momentum(b);
    for (int s = 0; s < steps; s++) advance(b, 0.01);
    return energy(b);
}

int main(int argc, char **argv) {
    const char *bench = argc > 1 ? argv[1] : "fib";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    const char *label = argc > 3 ? argv[3] : "c";
    if (runs < 1) runs = 1;
    volatile int64_t fib_n = 30, loop_n = 100000000, sieve_n = 10000000;
    volatile int sieve_passes = 3, mandel_n = 600, mandel_maxit = 200, nbody_steps = 1000000;
    if (argc > 4) {
        int64_t size = atoll(argv[4]);
        fib_n = size;
        loop_n = size;
        sieve_n = size;
        mandel_n = (int)size;
        nbody_steps = (int)size;
    }
    double *times = malloc(sizeof(double) * (size_t)runs);
    char checksum[64] = "";
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        if (!strcmp(bench, "fib"))
            snprintf(checksum, sizeof checksum, "%lld", (long long)fib(fib_n));
        else if (!strcmp(bench, "loop"))
            snprintf(checksum, sizeof checksum, "%lld", (long long)loop(loop_n));
        else if (!strcmp(bench, "sieve"))
            snprintf(checksum, sizeof checksum, "%lld", (long long)sieve(sieve_n, sieve_passes));
        else if (!strcmp(bench, "mandel"))
            snprintf(checksum, sizeof checksum, "%lld", (long long)mandel(mandel_n, mandel_maxit));
        else if (!strcmp(bench, "nbody"))
            snprintf(checksum, sizeof checksum, "%.9f", nbody(nbody_steps));
        else {
            fprintf(stderr, "unknown benchmark `%s` (fib, loop, sieve, mandel, nbody)\n", bench);
            return 2;
        }
        times[r] = now_ms() - t0;
    }
    double first = times[0];
    qsort(times, (size_t)runs, sizeof(double), cmp_double);
    printf("RESULT peer=%s bench=%s checksum=%s median_ms=%.3f min_ms=%.3f first_ms=%.3f runs=%d\n",
           label, bench, checksum, times[runs / 2], times[0], first, runs);
    free(times);
    return 0;
}
