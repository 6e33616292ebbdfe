#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy with warnings denied,
# and `cargo test` (unit, integration, doc tests and the conformance suite).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
