#!/usr/bin/env bash
# The importer's proof with models no one here wrote: builds adead-import and adead-vm,
# makes a virtual environment with pinned scikit-learn, skl2onnx, onnx, onnxruntime,
# numpy and pytest from the package index, and runs the pytest suite in tests/:
#   test_sklearn.py   a digits MLPClassifier trained in the test, exported with skl2onnx,
#                     against onnxruntime, bit-identical on every kernel path, thread
#                     count and tier;
#   test_backend.py   the models the onnx package ships as backend test data
#                     (pytorch-operator, pytorch-converted, simple) against their stored
#                     outputs, and MODELS.md (which ran, why the others were refused)
#                     checked against what the run found.
#
#   import/run-tests.sh                 # called by ./test.sh after python/run-tests.sh
#   PYTEST_ARGS="-k sklearn -x" import/run-tests.sh
#   ADEAD_BLESS=1 import/run-tests.sh   # rewrite import/MODELS.md from the run
#
# The venv lives under the cargo target folder ($CARGO_TARGET_DIR or target/):
# import-venv. The binaries are the workspace's debug build.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/import-venv
PINS=(numpy==2.4.6 pytest==9.2.0 scikit-learn==1.9.1 skl2onnx==1.20.0 onnx==1.23.2 onnxruntime==1.31.1)

if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "run-tests.sh: installing python3-venv" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if ! "$VENV/bin/python" -c "import numpy, pytest, sklearn, skl2onnx, onnx, onnxruntime" 2>/dev/null; then
  echo "run-tests.sh: creating $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
fi
(cd "$ROOT" && cargo build -q --locked -p adead-import -p adead-vm)
export ADEAD_IMPORT=$TARGET/debug/adead-import
export ADEAD_VM=$TARGET/debug/adead-vm
cd "$HERE"
# shellcheck disable=SC2086
"$VENV/bin/pytest" -q -p no:cacheprovider tests ${PYTEST_ARGS:-}
