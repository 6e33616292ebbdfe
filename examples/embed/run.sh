#!/usr/bin/env bash
# Builds libadead (adead-capi), compiles the C, C++ and Zig embedding programs against
# it, runs each on embed.asm and compares its output with expected.txt (see README.md).
# The C program runs twice, linked statically and dynamically, and once more under
# valgrind when valgrind is installed. Called by ./test.sh.
#
# Environment: CARGO_TARGET_DIR (default ./target); ZIG (a zig command to use instead of
# the one this script finds or installs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
lib="$target/debug"
out="$target/embed"
mkdir -p "$out"

# The compilers; on a machine without them, install them (CI runs as root).
if ! command -v cc >/dev/null || ! command -v c++ >/dev/null; then
    echo "run.sh: installing gcc and g++" >&2
    apt-get update -qq && apt-get install -y -qq gcc g++ >/dev/null
fi

(cd "$root" && cargo build -p adead-capi --locked --quiet)

# What a program linked with the static library needs besides it (rustc's
# --print native-static-libs for this target).
native_libs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
include="$root/capi/include"
asm="$here/embed.asm"
failures=0

# check NAME COMMAND...: runs the program, compares its output with expected.txt.
check() {
    local name="$1"
    shift
    if "$@" >"$out/$name.txt" 2>"$out/$name.err" && diff -u "$here/expected.txt" "$out/$name.txt"; then
        echo "embed: $name ok"
    else
        echo "embed: $name FAILED (output in $out/$name.txt, errors in $out/$name.err)" >&2
        cat "$out/$name.err" >&2
        failures=$((failures + 1))
    fi
}

cc -std=c11 -Wall -Wextra -Werror -I"$include" "$here/c/main.c" "$lib/libadead.a" "${native_libs[@]}" \
    -o "$out/c_static"
cc -std=c11 -Wall -Wextra -Werror -I"$include" "$here/c/main.c" -L"$lib" -ladead -Wl,-rpath,"$lib" \
    -o "$out/c_shared"
c++ -std=c++17 -Wall -Wextra -Werror -I"$include" "$here/cpp/main.cpp" "$lib/libadead.a" "${native_libs[@]}" \
    -o "$out/cpp_static"
check c_static "$out/c_static" "$asm"
check c_shared "$out/c_shared" "$asm"
check cpp_static "$out/cpp_static" "$asm"

# valgrind: no invalid access and nothing definitely or indirectly lost. "Possibly
# lost" blocks are not counted: they are process-wide caches (the assembler's mnemonic
# index) and the stacks of kernel worker threads still exiting when the process ends.
if command -v valgrind >/dev/null; then
    check c_valgrind valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=1 "$out/c_static" "$asm"
else
    echo "embed: valgrind not installed, memory check skipped"
fi

# Zig: the one on PATH when it is the version main.zig is written for, else the
# ziglang wheel from PyPI in a virtual environment under the target directory.
zig_version=0.14.1
if [[ -z "${ZIG:-}" ]]; then
    if command -v zig >/dev/null && [[ "$(zig version)" == "$zig_version" ]]; then
        ZIG=zig
    else
        venv="$out/zig-venv"
        if ! "$venv/bin/python" -m ziglang version 2>/dev/null | grep -qx "$zig_version"; then
            echo "run.sh: installing ziglang==$zig_version into $venv" >&2
            # Debian's python3 makes virtual environments only with python3-venv.
            if ! command -v python3 >/dev/null || ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
                apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
                python3 -m venv --clear "$venv"
            fi
            "$venv/bin/pip" install --quiet "ziglang==$zig_version"
        fi
        ZIG="$venv/bin/python -m ziglang"
    fi
fi
export ZIG_GLOBAL_CACHE_DIR="$out/zig-cache" ZIG_LOCAL_CACHE_DIR="$out/zig-cache"
# -lunwind: Rust's standard library unwinds with _Unwind_* (Zig builds its libunwind).
(cd "$out" && $ZIG build-exe "$here/zig/main.zig" -I"$include" -lc -lunwind "$lib/libadead.a" \
    -femit-bin="$out/zig_static")
check zig_static "$out/zig_static" "$asm"

if ((failures > 0)); then
    echo "embed: $failures program(s) failed" >&2
    exit 1
fi
