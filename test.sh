#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy with warnings denied,
# the API documentation with warnings denied (broken links), and `cargo test` (unit,
# integration, doc tests and the conformance suite).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
cargo test --workspace --locked
examples/embed/run.sh
python/run-tests.sh
