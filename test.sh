#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy with warnings denied,
# the API documentation with warnings denied (broken links), `cargo test` (unit,
# integration, doc tests and the conformance suite; Chromium is installed for the
# analyze report's browser test when missing), the C, C++ and Zig embedding
# programs (examples/embed/run.sh: installs gcc/g++ and a Zig wheel when missing) and
# the Python package's tests (python/run-tests.sh: builds it into a venv) and the ONNX
# importer's tests against scikit-learn/onnxruntime and the onnx package's backend models
# (import/run-tests.sh: another venv).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
# The HTML report test (vm/tests/analyze_html.rs) opens a report in headless Chromium.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
   && [ -z "${ADEAD_CHROMIUM:-}" ]; then
  echo "test.sh: installing chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
cargo test --workspace --locked
examples/embed/run.sh
python/run-tests.sh
import/run-tests.sh
