#!/usr/bin/env bash
# adead-vm's tensor benchmarks and their peers, measured in ONE run on this machine:
#   - sgemm f32 (n = 64, 256, 1024; 1 and 2 threads): adead-kernels (kernels/examples/sgemm.rs)
#     against numpy/OpenBLAS (matmul.py), with the FMA peak of this CPU (fma_peak.c);
#   - the peers' MLP (batch 1 and 64; 1 and 2 threads): adead-vm through the embedding API
#     (vm/examples/mlp.rs running examples/mlp.asm) against numpy and onnxruntime (mlp.py);
#   - per-op overhead of a tensor instruction in the interpreter (vm/examples/tensor_overhead.rs).
# Prints markdown tables with the ratios (table.py), then exits 1 if a measurement failed
# (a FAILED line in raw.txt) or the checksums of a cell differ, 0 otherwise.
#
#   benches/peers/tensor/run.sh           # venv if missing, build, 2 passes (~6 min on 2 cores)
#   PASSES=1 benches/peers/tensor/run.sh  # one pass
#
# Each cell is the best of the passes' medians. Before each measurement the script waits
# until the other processes leave the CPUs idle, and it repeats a measurement during which
# they used more than a tenth of a core (still disturbed, the line is kept and also
# flagged NOISE): benches/measure.sh, shared with benches/compare.sh.
# Env: TENSOR_VENV (default /tmp/tensor-venv), TENSOR_BUILD (default /tmp/tensor-build),
# TENSOR_RESULTS (default this folder's results/: raw.txt, versions.txt, table.md);
# QUIET=1 (QUIET=0 or NO_WAIT=1: neither wait nor retry), QUIET_MAX=120 (s of waiting),
# RETRIES=3 (tries): see benches/measure.sh. (Before it, run.sh waited up to 900 s and
# tried 4 times, and NO_WAIT=1 still retried.)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
VENV=${TENSOR_VENV:-/tmp/tensor-venv}
BUILD=${TENSOR_BUILD:-/tmp/tensor-build}
RESULTS=${TENSOR_RESULTS:-$HERE/results}
PASSES=${PASSES:-2}
mkdir -p "$BUILD" "$RESULTS"

# ---------------------------------------------------------------- setup and build
if ! "$VENV/bin/python" -c "import numpy, onnx, onnxruntime, threadpoolctl" 2>/dev/null; then
  echo "creating the venv $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy==2.4.6 onnx==1.23.2 onnxruntime==1.31.1 threadpoolctl==3.8.0
fi
PY=$VENV/bin/python
(cd "$ROOT" && cargo build -q --release -p adead-vm --example mlp --example tensor_overhead \
  && cargo build -q --release -p adead-kernels --example sgemm)
EXAMPLES=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples
gcc -O2 -pthread -o "$BUILD/fma_peak" "$HERE/fma_peak.c"
"$PY" "$HERE/make_mlp_onnx.py" "$BUILD/mlp.onnx"

# ---------------------------------------------------------------- versions
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p')), $(grep -m1 -o 'avx512f' /proc/cpuinfo || echo no-avx512)"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "gcc: $(gcc --version | head -1)"
  echo "python: $("$PY" --version 2>&1)"
  "$PY" - <<'PYEOF'
import importlib.metadata as metadata
for package in ("numpy", "onnx", "onnxruntime", "threadpoolctl"):
    print("%s: %s" % (package, metadata.version(package)))
import numpy, threadpoolctl
for pool in threadpoolctl.threadpool_info():
    print("numpy BLAS: %s %s, kernel %s, %s threading" % (
        pool.get("internal_api"), pool.get("version"), pool.get("architecture"), pool.get("threading_layer")))
import onnxruntime
print("onnxruntime providers: %s" % ", ".join(onnxruntime.get_available_providers()))
PYEOF
} > "$RESULTS/versions.txt"
cat "$RESULTS/versions.txt" >&2

# ---------------------------------------------------------------- measuring
RAW=$RESULTS/raw.txt
: > "$RAW"
MEASURE_RAW=$RAW MEASURE_NAME=tensor
# shellcheck source=benches/measure.sh
source "$ROOT/benches/measure.sh"

for pass in $(seq 1 "$PASSES"); do
  echo "== pass $pass of $PASSES ==" >&2
  measure "$BUILD/fma_peak" 7 1
  measure "$BUILD/fma_peak" 7 2
  for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t measure "$PY" "$HERE/matmul.py" numpy-${t}t
    measure "$EXAMPLES/sgemm" --threads $t
    OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t measure "$PY" "$HERE/mlp.py" $t "$BUILD/mlp.onnx"
    measure "$EXAMPLES/mlp" --threads $t
  done
  measure "$EXAMPLES/tensor_overhead"
done

# the tables in any case; then a failed measurement or a checksum mismatch fails the run
tables=0
python3 "$HERE/table.py" "$RAW" > "$RESULTS/table.md" || tables=$?
cat "$RESULTS/table.md"
if [ "$MEASURE_FAILED" != 0 ] || [ "$tables" != 0 ]; then
  echo "tensor: FAILED: a measurement failed or checksums differ (see above and $RAW)" >&2
  exit 1
fi
