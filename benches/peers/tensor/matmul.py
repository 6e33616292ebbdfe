"""f32 matrix product C = A . B with numpy (OpenBLAS), n = 64, 256, 1024.

    OPENBLAS_NUM_THREADS=T python matmul.py LABEL [N...]

Inputs are exact multiples of 1/8, A[i][k] = ((7i + 3k) mod 13 - 6) / 8 and
B[k][j] = ((5k + 11j) mod 17 - 8) / 8, so every entry of C is exact in f32 whatever the
summation order, and the checksum sum(C)/sum(C^2) (float64) is the same for every
correct implementation. Timed per call of np.matmul(A, B, out=C) after warm-up
(3000 / 400 / 40 runs); GFLOP/s = 2 n^3 / median.
"""

import os
import sys
import time

import numpy as np

RUNS = {64: 3000, 256: 400, 1024: 40}


def inputs(n):
    i = np.arange(n, dtype=np.int64)
    a = (((7 * i[:, None] + 3 * i[None, :]) % 13 - 6) / 8).astype(np.float32)
    b = (((5 * i[:, None] + 11 * i[None, :]) % 17 - 8) / 8).astype(np.float32)
    return a, b


def main(label, sizes):
    for n in sizes:
        a, b = inputs(n)
        c = np.empty((n, n), dtype=np.float32)
        runs = RUNS.get(n, 20)
        for _ in range(max(3, runs // 10)):
            np.matmul(a, b, out=c)
        clock = time.perf_counter
        seconds = []
        for _ in range(runs):
            start = clock()
            np.matmul(a, b, out=c)
            seconds.append(clock() - start)
        seconds.sort()
        median, best = seconds[len(seconds) // 2], seconds[0]
        exact = a.astype(np.float64) @ b.astype(np.float64)
        result = c.astype(np.float64)
        assert np.array_equal(result, exact), "the f32 product is not exact"
        flop = 2 * n ** 3
        print("RESULT peer=%s bench=matmul_%d checksum=%.6f/%.6f median_us=%.2f min_us=%.2f "
              "gflops_median=%.2f gflops_best=%.2f runs=%d threads=%s"
              % (label, n, result.sum(), (result * result).sum(), median * 1e6, best * 1e6,
                 flop / median / 1e9, flop / best / 1e9, runs,
                 os.environ.get("OPENBLAS_NUM_THREADS", "?")))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "numpy",
         [int(s) for s in sys.argv[2:]] or [64, 256, 1024])
