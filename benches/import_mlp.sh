#!/usr/bin/env bash
# The imported digits MLP against onnxruntime, in one run on this machine: a
# scikit-learn MLPClassifier (64 -> 64 ReLU -> 10 softmax, trained on the digits
# scikit-learn ships, random_state 0, as import/tests/test_sklearn.py trains it),
# exported with skl2onnx (zipmap off), imported with `adead-import --output
# probabilities`, and timed at batch 1 and 64, 1 and 2 threads:
#   - adead: the module through the embedding API in process (import/examples/infer_bench.rs:
#     refill the input tensor, call infer), release build, default tier (auto);
#   - adead from Python: the same module through the `adead` package (python/, release
#     build, installed into the venv), in the same process as onnxruntime and timed the
#     same way: write_tensor into the input, call infer, read the result as numpy;
#   - onnxruntime: the same ONNX file, one session.run per inference from Python
#     (CPUExecutionProvider, intra_op_num_threads 1 or 2, sequential, ORT_ENABLE_ALL).
# The ratio the goal is judged by is adead-from-Python / onnxruntime: both sides pay
# Python's call overhead; the in-process Rust figure shows what an embedder in Rust gets.
# Each measurement is a median over ITERATIONS inferences (after a warm-up of a tenth);
# the whole sweep runs PASSES times (default 3) and every pass is printed. The checksum
# (sum of p[i][k] * (k + 1)) of each side is printed; `agree` means within 1e-3 (the
# probabilities agree to about 1e-7 each, see import/tests/test_sklearn.py).
#
#   benches/import_mlp.sh                 # venv if missing (shared with import/run-tests.sh)
#   PASSES=5 ITERATIONS=20000 benches/import_mlp.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/import-venv
BUILD=${IMPORT_BENCH_BUILD:-$TARGET/import-bench}
PASSES=${PASSES:-3}
ITERATIONS=${ITERATIONS:-10000}
mkdir -p "$BUILD"
if ! "$VENV/bin/python" -c "import numpy, sklearn, skl2onnx, onnx, onnxruntime" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check numpy==2.4.6 pytest==9.2.0 \
    scikit-learn==1.9.1 skl2onnx==1.20.0 onnx==1.23.2 onnxruntime==1.31.1
fi
PY=$VENV/bin/python
if ! "$VENV/bin/maturin" --version >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q --disable-pip-version-check maturin==1.16.0
fi
PATH=$VENV/bin:$PATH "$VENV/bin/pip" install -q --disable-pip-version-check \
  --no-build-isolation --force-reinstall --no-deps "$ROOT/python"   # release profile
(cd "$ROOT" && cargo build -q --release --locked -p adead-import --bin adead-import --example infer_bench)
BENCH=$TARGET/release/examples/infer_bench

"$PY" - "$BUILD" <<'PYEOF'
import sys, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from skl2onnx import to_onnx
build = sys.argv[1]
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(X_train, y_train)
onx = to_onnx(clf, X_train[:1], options={id(clf): {"zipmap": False}})
open(f"{build}/digits.onnx", "wb").write(onx.SerializeToString())
np.ascontiguousarray(X_test[:64]).astype("<f4").tofile(f"{build}/x64.f32")
PYEOF
"$TARGET/release/adead-import" "$BUILD/digits.onnx" --output probabilities -o "$BUILD/digits.bib" 2>/dev/null

ort() { # batch threads -> "ort: median p10 p90 checksum" then "adead-py: median p10 p90 checksum"
  "$PY" - "$BUILD" "$1" "$2" "$ITERATIONS" <<'PYEOF'
import sys, time
import numpy as np, onnxruntime as ort, adead
build, batch, threads, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
x = np.fromfile(f"{build}/x64.f32", dtype="<f4").reshape(64, 64)[:batch].copy()
weights = np.arange(1, 11, dtype=np.float64)
pc = time.perf_counter

def timed(infer):
    for _ in range(iterations // 10):
        infer()
    times = []
    for _ in range(iterations):
        t0 = pc(); out = infer(); times.append((pc() - t0) * 1e6)
    times.sort()
    at = lambda q: times[int((len(times) - 1) * q)]
    return f"{at(0.5):.2f} {at(0.1):.2f} {at(0.9):.2f} {float((out.astype(np.float64) * weights).sum()):.6f}"

options = ort.SessionOptions()
options.intra_op_num_threads = threads
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
s = ort.InferenceSession(f"{build}/digits.onnx", options, providers=["CPUExecutionProvider"])
feed, names = {"X": x}, ["probabilities"]
print(timed(lambda: s.run(names, feed)[0]))

instance = adead.Engine(kernel_threads=threads).load(f"{build}/digits.bib").instantiate()
handle = instance.new_tensor(x)
write, call, read = instance.write_tensor, instance.call, instance.tensor
def infer():
    write(handle, x)
    return read(call("infer", handle))
print(timed(infer))
PYEOF
}
adead() { "$BENCH" "$BUILD/digits.bib" "$BUILD/x64.f32" 64 "$1" "$2" "$ITERATIONS"; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "peers: $("$PY" -c 'import importlib.metadata as m; print(", ".join(p + " " + m.version(p) for p in ("onnxruntime", "onnx", "skl2onnx", "scikit-learn", "numpy")))')"
echo "iterations per measurement: $ITERATIONS; passes: $PASSES"
echo
echo "| pass | batch | threads | adead from Python µs (p10-p90) | onnxruntime µs (p10-p90) | adead-py / ort | adead in Rust µs | checksums |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for pass in $(seq 1 "$PASSES"); do
  for batch in 1 64; do
    for threads in 1 2; do
      read -r am a10 a90 asum < <(adead "$batch" "$threads")
      { read -r om o10 o90 osum; read -r pm p10 p90 psum; } < <(ort "$batch" "$threads")
      ratio=$(awk -v a="$pm" -v o="$om" 'BEGIN { printf "%.2f", a / o }')
      agree=$(awk -v a="$asum" -v o="$osum" -v p="$psum" 'BEGIN { d = a - o; if (d < 0) d = -d; e = p - o; if (e < 0) e = -e; print (d < 1e-3 && e < 1e-3 ? "agree" : "DIFFER") }')
      echo "| $pass | $batch | $threads | $pm ($p10-$p90) | $om ($o10-$o90) | ${ratio}x | $am ($a10-$a90) | $agree ($asum) |"
    done
  done
done
