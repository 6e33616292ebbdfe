"""The Python binding's cost, measured in one process:

1. one call through Python (`instance.call("identity", i)`, a function that returns its
   argument) against the same loop through the Rust API (`vm/examples/call_overhead.rs`,
   run as a subprocess in the same run: pass its path);
2. the MLP (784 -> 128 ReLU -> 10 softmax, the peers' network) at batch 1 from Python
   (`examples/mlp.py`'s `Mlp`: write_tensor, call, tensor) against onnxruntime's
   `session.run` in this process, one inference per timed call, as
   `benches/peers/tensor/mlp.py` times it.

    python bench.py CALL_OVERHEAD_BINARY MODEL.onnx [THREADS]

Prints `RESULT ...` lines and a markdown table. Exits 1 when a checksum differs from
the peers' definition or a result is wrong.
"""

import os
import subprocess
import sys
import time

import numpy as np

import adead

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
sys.path.append(os.path.join(HERE, "..", "..", "benches", "peers", "tensor"))
from mlp import Mlp  # noqa: E402
from mlp_params import CHECKSUMS, checksum, parameters  # noqa: E402

CALLS = 1_000_000
REPEATS = 5
MLP_RUNS = 5000


def python_call_ns():
    """Best of REPEATS loops of CALLS identity calls: ns per call."""
    instance = adead.Engine().load_asm(
        ".func identity params=1 regs=1\n    ret r0\n.end\n.export identity\n").instantiate()
    call = instance.call
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for i in range(CALLS):
            call("identity", i)
        best = min(best, (time.perf_counter() - start) * 1e9 / CALLS)
    # The loop alone (range and the call of a Python function that does nothing with
    # its arguments), so that the binding's share can be told apart.
    def nothing(name, i):
        return i
    empty = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for i in range(CALLS):
            nothing("identity", i)
        empty = min(empty, (time.perf_counter() - start) * 1e9 / CALLS)
    for i in (0, -1, 2**63 - 1):
        if call("identity", i) != i:
            sys.exit("bench.py: identity(%d) is wrong" % i)
    return best, empty


def time_calls(call, runs):
    """Median, p10, p90 of `runs` timed calls in microseconds, after warm-up (as
    benches/peers/tensor/mlp.py)."""
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


def mlp_latencies(model_path, threads):
    import onnxruntime as ort

    w1, b1, w2, b2, inputs = parameters()
    x = np.ascontiguousarray(inputs[:1])
    mlp = Mlp(w1, b1, w2, b2, engine=adead.Engine(kernel_threads=threads))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    for name, out in (("adead", mlp(x)), ("onnxruntime", session.run(["y"], {"x": x})[0])):
        if checksum(out) != CHECKSUMS[1]:
            sys.exit("bench.py: %s batch 1: checksum %s, the definition's is %s"
                     % (name, checksum(out), CHECKSUMS[1]))
    # Alternate the two, so that drifting machine load hits both alike.
    adead_runs, ort_runs = [], []
    for _ in range(3):
        adead_runs.append(time_calls(lambda: mlp(x), MLP_RUNS))
        ort_runs.append(time_calls(lambda: session.run(["y"], {"x": x}), MLP_RUNS))
    return min(adead_runs), min(ort_runs)


def main():
    binary, model = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rust = subprocess.run([binary, "--calls", str(CALLS), "--repeats", str(REPEATS)],
                          check=True, capture_output=True, text=True).stdout
    fields = dict(part.split("=", 1) for part in rust.split() if "=" in part)
    rust_ns, rust_invoke_ns = float(fields["ns_per_call"]), float(fields["invoke_ns_per_call"])
    py_ns, loop_ns = python_call_ns()
    print("RESULT peer=python bench=identity_call ns_per_call=%.1f python_loop_ns=%.1f calls=%d"
          % (py_ns, loop_ns, CALLS))
    print(rust.strip())
    (a_med, a_p10, a_p90), (o_med, o_p10, o_p90) = mlp_latencies(model, threads)
    print("RESULT peer=adead-python-%dt bench=mlp_b1 median_us=%.2f p10_us=%.2f p90_us=%.2f"
          % (threads, a_med, a_p10, a_p90))
    print("RESULT peer=onnxruntime-%dt bench=mlp_b1 median_us=%.2f p10_us=%.2f p90_us=%.2f"
          % (threads, o_med, o_p10, o_p90))
    print()
    print("| measure | Python | Rust API | difference |")
    print("| --- | --- | --- | --- |")
    print("| identity call, ns per call (best of %d x %d) | %.1f (the loop alone: %.1f) | "
          "%.1f by name, %.1f by index | %.1f (%.1f less the loop) |"
          % (REPEATS, CALLS, py_ns, loop_ns, rust_ns, rust_invoke_ns, py_ns - rust_ns,
             py_ns - loop_ns - rust_ns))
    print()
    print("| MLP batch 1, %d thread(s) | adead from Python | onnxruntime from Python | ratio (goal <= 0.5) |" % threads)
    print("| --- | --- | --- | --- |")
    print("| median us (p10-p90) | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | **%.2f** |"
          % (a_med, a_p10, a_p90, o_med, o_p10, o_p90, a_med / o_med))


if __name__ == "__main__":
    main()
