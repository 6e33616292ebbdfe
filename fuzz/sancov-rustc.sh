#!/bin/sh
# A RUSTC_WRAPPER that builds the crates under test with SanitizerCoverage's inline
# 8-bit edge counters (stable rustc flags), for a coverage-guided `adead-fuzz`:
#
#   RUSTC_WRAPPER="$PWD/fuzz/sancov-rustc.sh" CARGO_TARGET_DIR=target/fuzz-coverage \
#       cargo run --release -p adead-fuzz --bin adead-fuzz -- reader --seconds 600
#
# Only the libraries of adead-isa, adead-asm, adead-vm, adead-jit and adead-kernels are
# instrumented: the fuzzer's own code, the conformance harness and third-party crates
# are not, so the counters measure the code under test. The adead-fuzz binary defines
# the `__sanitizer_cov_8bit_counters_init` callback that registers them; any other
# binary that links an instrumented library would fail to link, so build only
# adead-fuzz this way, in its own target directory.
rustc="$1"
shift
crate=""
lib=""
previous=""
for arg in "$@"; do
    case "$previous" in
        --crate-name) crate="$arg" ;;
        --crate-type) [ "$arg" = lib ] || [ "$arg" = rlib ] && lib=yes ;;
    esac
    previous="$arg"
done
case "$crate" in
    adead_isa | adead_asm | adead_vm | adead_jit | adead_kernels)
        if [ -n "$lib" ]; then
            exec "$rustc" "$@" -C passes=sancov-module \
                -C llvm-args=-sanitizer-coverage-level=3 \
                -C llvm-args=-sanitizer-coverage-inline-8bit-counters
        fi
        ;;
esac
exec "$rustc" "$@"
