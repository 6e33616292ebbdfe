/* The machine's practical f32 FMA peak: independent chains of vector FMAs.
 *
 *   gcc -O2 -pthread -o fma_peak fma_peak.c && ./fma_peak [runs] [threads]
 *
 * Each thread runs CHAINS independent accumulators (enough to hide the FMA latency on
 * two FMA pipes) for a fixed number of iterations, 1e9 f32 FMAs per thread per run,
 * with AVX-512 (16 lanes) and with AVX2 (8 lanes). 1 FMA = 2 FLOP. Prints the median
 * and best GFLOP/s of `runs` runs (default 7) after one short warm-up run:
 *   RESULT peer=c-fma bench=fma_peak_avx512_1t checksum=... gflops_median=... gflops_max=...
 *          per_core_median=... runs=7
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12
#define FMAS_PER_THREAD 1000000000.0

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

__attribute__((target("avx512f"))) static float chains_avx512(long iterations) {
    __m512 scale = _mm512_set1_ps(0.999999f), offset = _mm512_set1_ps(1e-6f);
    __m512 acc[CHAINS];
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_set1_ps(0.01f * (float)c);
    for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_fmadd_ps(acc[c], scale, offset);
    }
    for (int c = 1; c < CHAINS; c++) acc[0] = _mm512_add_ps(acc[0], acc[c]);
    return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2,fma"))) static float chains_avx2(long iterations) {
    __m256 scale = _mm256_set1_ps(0.999999f), offset = _mm256_set1_ps(1e-6f);
    __m256 acc[CHAINS];
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_set1_ps(0.01f * (float)c);
    for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_fmadd_ps(acc[c], scale, offset);
    }
    for (int c = 1; c < CHAINS; c++) acc[0] = _mm256_add_ps(acc[0], acc[c]);
    float lanes[8], total = 0;
    _mm256_storeu_ps(lanes, acc[0]);
    for (int i = 0; i < 8; i++) total += lanes[i];
    return total;
}

struct job { int lanes; long iterations; float result; };

static void *work(void *arg) {
    struct job *job = arg;
    job->result = job->lanes == 16 ? chains_avx512(job->iterations) : chains_avx2(job->iterations);
    return NULL;
}

/* GFLOP/s of `threads` threads running the kernel at once. */
static double measure(int lanes, int threads, long iterations, float *checksum) {
    pthread_t ids[64];
    struct job jobs[64];
    double start = seconds_now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){lanes, iterations, 0};
        pthread_create(&ids[t], NULL, work, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    double elapsed = seconds_now() - start;
    *checksum = jobs[0].result;
    return 2.0 * lanes * CHAINS * (double)iterations * threads / elapsed / 1e9;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (runs < 1 || runs > 64 || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: fma_peak [runs 1..64] [threads 1..64]\n");
        return 2;
    }
    const int widths[2] = {16, 8};
    for (int w = 0; w < 2; w++) {
        int lanes = widths[w];
        /* A CPU without AVX-512F (Zen 3, older Intel) measures the AVX2 peak only. */
        if (lanes == 16 && !__builtin_cpu_supports("avx512f")) continue;
        long iterations = (long)(FMAS_PER_THREAD / (lanes * CHAINS));
        double gflops[64];
        float checksum = 0;
        measure(lanes, threads, iterations / 10, &checksum);
        for (int r = 0; r < runs; r++) gflops[r] = measure(lanes, threads, iterations, &checksum);
        qsort(gflops, (size_t)runs, sizeof gflops[0], ascending);
        printf("RESULT peer=c-fma bench=fma_peak_%s_%dt checksum=%.4f gflops_median=%.1f "
               "gflops_max=%.1f per_core_median=%.1f runs=%d\n",
               lanes == 16 ? "avx512" : "avx2", threads, checksum, gflops[runs / 2],
               gflops[runs - 1], gflops[runs / 2] / threads, runs);
    }
    return 0;
}
