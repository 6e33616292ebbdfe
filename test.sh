#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy with warnings denied,
# the API documentation with warnings denied (broken links), `cargo test` (unit,
# integration, doc tests and the conformance suite), the C, C++ and Zig embedding
# programs (examples/embed/run.sh: installs gcc/g++ and a Zig wheel when missing) and
# the Python package's tests (python/run-tests.sh: builds it into a venv) and the ONNX
# importer's tests against scikit-learn/onnxruntime and the onnx package's backend models
# (import/run-tests.sh: another venv).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
cargo test --workspace --locked
examples/embed/run.sh
python/run-tests.sh
import/run-tests.sh
