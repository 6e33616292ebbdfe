#!/usr/bin/env bash
# The Python binding's benchmark (benches/RESULTS.md, "The Python binding"): builds the
# package in release mode into its own venv with onnxruntime, builds the Rust
# call-overhead example, writes the peers' ONNX model, and runs bench.py for 1 thread
# (and 2 with THREADS="1 2"), then vm/examples/mlp.rs (the Rust API) for reference.
#
#   python/bench/run.sh
#
# Env: PY_BENCH_VENV (default $CARGO_TARGET_DIR or target/, then python-bench-venv).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=${PY_BENCH_VENV:-$TARGET/python-bench-venv}
if ! "$VENV/bin/python" -c "import numpy, onnx, onnxruntime" 2>/dev/null \
   || ! "$VENV/bin/maturin" --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check numpy==2.4.6 onnx==1.23.2 \
    onnxruntime==1.31.1 maturin==1.16.0
fi
PATH=$VENV/bin:$PATH "$VENV/bin/pip" install -q --disable-pip-version-check \
  --no-build-isolation --force-reinstall --no-deps "$ROOT/python"   # release profile
(cd "$ROOT" && cargo build -q --release -p adead-vm --example call_overhead --example mlp)
"$VENV/bin/python" "$ROOT/benches/peers/tensor/make_mlp_onnx.py" "$TARGET/python-bench-mlp.onnx"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'))"
  echo "rustc: $(rustc --version)"
  echo "python: $("$VENV/bin/python" --version 2>&1)"
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join("%s %s" % (p, m.version(p)) for p in ("numpy", "onnxruntime", "onnx", "maturin")))'
} >&2
for t in ${THREADS:-1}; do
  OPENBLAS_NUM_THREADS=$t "$VENV/bin/python" "$HERE/bench.py" \
    "$TARGET/release/examples/call_overhead" "$TARGET/python-bench-mlp.onnx" "$t"
  # The same network through the Rust API (examples/mlp.asm's `infer`), for reference.
  "$TARGET/release/examples/mlp" --threads "$t" --runs-b64 200 | grep bench=mlp_b1
done
