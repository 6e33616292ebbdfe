#!/usr/bin/env bash
# The Python package's tests: builds `adead` from this folder into a virtual environment
# and runs its pytest suite (tests/), then checks the example script.
#
#   python/run-tests.sh              # called by ./test.sh after cargo test
#   PYTEST_ARGS="-k tensors -x" python/run-tests.sh
#
# The venv lives under the cargo target folder ($CARGO_TARGET_DIR or target/):
# python-venv, with pinned pytest, numpy and maturin from the package index. The
# extension is built in the `dev` profile so that it reuses the workspace's debug build
# of the VM crates; `pip install --no-build-isolation` uses the venv's maturin instead
# of fetching one per build. Env: ADEAD_PY_PROFILE (dev or release, default dev).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/python-venv
PROFILE=${ADEAD_PY_PROFILE:-dev}
PINS=(numpy==2.4.6 pytest==9.2.0 maturin==1.16.0)

if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "run-tests.sh: installing python3-venv" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if ! "$VENV/bin/python" -c "import numpy, pytest" 2>/dev/null \
   || ! "$VENV/bin/maturin" --version >/dev/null 2>&1; then
  echo "run-tests.sh: creating $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
fi
# maturin runs cargo with the caller's CARGO_TARGET_DIR, so the build lands beside the
# workspace's; PATH lets pip's build backend find the venv's maturin.
PATH=$VENV/bin:$PATH "$VENV/bin/pip" install -q --disable-pip-version-check \
  --no-build-isolation --force-reinstall --no-deps \
  --config-settings=build-args="--profile $PROFILE" "$HERE"
cd "$HERE"
# shellcheck disable=SC2086
# Not `python -m pytest`: that puts this folder, whose adead/ lacks the built extension,
# ahead of the installed package.
"$VENV/bin/pytest" -q tests ${PYTEST_ARGS:-}
"$VENV/bin/python" examples/mlp.py --check
