"""MLP inference latency of numpy and onnxruntime, batch 1 and 64.

    OPENBLAS_NUM_THREADS=T python mlp.py T MODEL.onnx

numpy's BLAS threads come from OPENBLAS_NUM_THREADS (set before numpy loads);
onnxruntime uses intra_op_num_threads = T, one inter-op thread, sequential execution,
all graph optimisations. Each timed call is one whole inference from Python (the call
overhead included), as for adead-vm's `infer` through the embedding API: warm-up,
then 5000 (batch 1) / 2000 (batch 64) timed calls; median, p10, p90.
Prints `RESULT peer=numpy-Tt bench=mlp_bB checksum=... median_us=...` lines. Before
timing, both peers' checksums must be the definition's (mlp_params.CHECKSUMS: 5.8044 and
368.8797); otherwise it prints why on stderr and exits 1.
"""

import os
import sys
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_params import CHECKSUMS, FLOP_PER_SAMPLE, checksum, parameters  # noqa: E402

RUNS = {1: 5000, 64: 2000}


def numpy_mlp(w1, b1, w2, b2):
    def infer(x):
        hidden = x @ w1
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        logits = hidden @ w2
        logits += b2
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits
    return infer


def time_calls(call, runs):
    """Median, p10 and p90 of `runs` timed calls, in microseconds, after warm-up."""
    for _ in range(max(50, runs // 10)):
        call()
    clock = time.perf_counter
    seconds = []
    for _ in range(runs):
        start = clock()
        call()
        seconds.append(clock() - start)
    seconds.sort()
    n = len(seconds)
    return seconds[n // 2] * 1e6, seconds[n // 10] * 1e6, seconds[9 * n // 10] * 1e6


def main(threads, model_path):
    w1, b1, w2, b2, inputs = parameters()
    numpy_infer = numpy_mlp(w1, b1, w2, b2)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    for batch in (1, 64):
        x = np.ascontiguousarray(inputs[:batch])
        from_numpy = numpy_infer(x)
        from_ort = session.run(["y"], {"x": x})[0]
        if not np.allclose(from_numpy, from_ort, rtol=1e-4, atol=1e-6):
            sys.exit("mlp.py: batch %d: numpy and onnxruntime disagree" % batch)
        peers = (("numpy", lambda: numpy_infer(x), checksum(from_numpy)),
                 ("onnxruntime", lambda: session.run(["y"], {"x": x}), checksum(from_ort)))
        for name, _, total in peers:
            if total != CHECKSUMS[batch]:
                sys.exit("mlp.py: %s batch %d: checksum %s, the definition's is %s"
                         % (name, batch, total, CHECKSUMS[batch]))
        for name, call, total in peers:
            median, p10, p90 = time_calls(call, RUNS[batch])
            print("RESULT peer=%s-%dt bench=mlp_b%d checksum=%s median_us=%.2f p10_us=%.2f "
                  "p90_us=%.2f gflops_median=%.2f runs=%d threads=%d"
                  % (name, threads, batch, total, median, p10, p90,
                     FLOP_PER_SAMPLE * batch / median / 1e3, RUNS[batch], threads))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
