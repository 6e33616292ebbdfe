#!/usr/bin/env bash
# adead-vm's tensor benchmarks and their peers, measured in ONE run on this machine:
#   - sgemm f32 (n = 64, 256, 1024; 1 and 2 threads): adead-kernels (kernels/examples/sgemm.rs)
#     against numpy/OpenBLAS (matmul.py), with the FMA peak of this CPU (fma_peak.c);
#   - the peers' MLP (batch 1 and 64; 1 and 2 threads): adead-vm through the embedding API
#     (vm/examples/mlp.rs running examples/mlp.asm) against numpy and onnxruntime (mlp.py);
#   - per-op overhead of a tensor instruction in the interpreter (vm/examples/tensor_overhead.rs).
# Prints markdown tables with the ratios (table.py).
#
#   benches/peers/tensor/run.sh           # venv if missing, build, 2 passes (~6 min on 2 cores)
#   PASSES=1 benches/peers/tensor/run.sh  # one pass
#
# Each cell is the best of the passes' medians. Before each measurement the script waits
# until the other processes leave the CPUs idle, and it repeats a measurement during which
# they used more than a tenth of a core (up to RETRIES times; still disturbed, the line
# is kept and also flagged NOISE). NO_WAIT=1 skips the waiting.
# Env: TENSOR_VENV (default /tmp/tensor-venv), TENSOR_BUILD (default /tmp/tensor-build),
# TENSOR_RESULTS (default this folder's results/: raw.txt, versions.txt, table.md).
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
TICKS=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
TIMES=$(mktemp)
# CPU seconds used so far by this shell's finished children (`times` must run in this shell).
children_cpu() { times > "$TIMES"; CHILDREN=$(tail -1 "$TIMES" | awk '{gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4}'); }
wait_for_quiet() {
  [ "${NO_WAIT:-0}" = 1 ] && return 0
  local waited=0 before after
  while :; do
    before=$(busy_ticks); sleep 1; after=$(busy_ticks)
    [ $((after - before)) -le $((TICKS / 10)) ] && return 0
    waited=$((waited + 1))
    [ $waited = 1 ] && echo "waiting for idle CPUs (load $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
    [ $waited -ge "${QUIET_MAX:-900}" ] && { echo "still busy after ${QUIET_MAX:-900} s: measuring anyway" >&2; return 0; }
  done
}
# measure CMD...: runs CMD, appends its RESULT lines to $RAW; retries when other processes
# used more than 0.1 core on average meanwhile (busy CPU time not spent by our children).
measure() {
  local try output best_output="" best_others=999 rc b0 b1 t0 t1 c0 c1 others
  for try in $(seq 1 "${RETRIES:-4}"); do
    wait_for_quiet
    children_cpu; c0=$CHILDREN; b0=$(busy_ticks); t0=$(date +%s%N)
    rc=0; output=$("$@") || rc=$?
    b1=$(busy_ticks); t1=$(date +%s%N); children_cpu; c1=$CHILDREN
    if [ $rc != 0 ]; then printf '%s\n' "$output" >&2; echo "FAILED rc=$rc: $*" | tee -a "$RAW" >&2; return 0; fi
    others=$(awk -v b=$((b1 - b0)) -v hz="$TICKS" -v c0="$c0" -v c1="$c1" -v ms=$(((t1 - t0) / 1000000)) \
      'BEGIN { o = b / hz - (c1 - c0); if (ms < 1) ms = 1; o /= ms / 1000; if (o < 0) o = 0; printf "%.2f", o }')
    if awk -v o="$others" -v b="$best_others" 'BEGIN { exit !(o < b) }'; then best_others=$others; best_output=$output; fi
    awk -v o="$others" 'BEGIN { exit !(o > 0.1) }' || break
    echo "disturbed (other processes used $others cores), try $try: $*" >&2
  done
  printf '%s\n' "$best_output" | tee -a "$RAW" >&2
  if awk -v o="$best_others" 'BEGIN { exit !(o > 0.1) }'; then
    printf '%s\n' "$best_output" | grep '^RESULT' | sed "s/^RESULT/NOISE/; s/\$/ others_cores=$best_others/" >> "$RAW" || true
  fi
}

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
rm -f "$TIMES"

python3 "$HERE/table.py" "$RAW" | tee "$RESULTS/table.md"
