#!/usr/bin/env bash
# The cost of one call through the C ABI against the Rust API (benches/RESULTS.md, "The
# cost of a call through the C ABI"): the C program benches/capi/call.c linked with the
# release libadead.a, then the criterion bench `call` of adead-capi, which times
# Instance::call, Instance::invoke and adead_instance_call from Rust in one process.
#
#   benches/capi_call.sh [calls-per-round] [rounds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release -p adead-capi --locked --quiet
cc -O2 -std=c11 -Wall -Wextra -Werror -Icapi/include benches/capi/call.c "$target/release/libadead.a" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$target/release/capi-call-bench"
"$target/release/capi-call-bench" "$@"
cargo bench -p adead-capi --bench call --locked -- --warm-up-time 1 --measurement-time 4
