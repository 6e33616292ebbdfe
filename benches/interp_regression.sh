#!/usr/bin/env bash
# benches/interp_regression.sh: the interpreter of this tree against the interpreter of an
# older commit and against Lua 5.4, interleaved in one run, so that a change elsewhere (a
# native tier, a refactor of the semantics) can be shown not to slow the interpreter down.
#
#   BASE=573fd4e benches/interp_regression.sh      # ~8 min on 2 cores
#
# Builds adead-bench of BASE (a detached git worktree in target/interp-base/) and of this
# tree, both in release; then, PASSES times, for each program: BASE's adead-bench (which
# is given --tier interp when it has the flag; before the native tier it only
# interpreted), this tree's with --tier interp, and lua5.4, each RUNS timed calls. Prints the RESULT lines and a table of
# the best per-pass medians with the ratios now/BASE and now/lua5.4 (geometric means).
#
# Environment: BASE (required), PASSES=3, RUNS=5, BENCHES="fib loop sieve mandel nbody".
# The worktree stays registered for the next run: `git worktree remove target/interp-base/tree`
# removes it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
: "${BASE:?set BASE to the commit to compare with, e.g. BASE=573fd4e}"
PASSES=${PASSES:-3}
RUNS=${RUNS:-5}
BENCHES=${BENCHES:-fib loop sieve mandel nbody}
command -v lua5.4 >/dev/null || { echo "interp_regression: no lua5.4 (apt-get install lua5.4)" >&2; exit 2; }

WORK=$ROOT/target/interp-base
if [ ! -e "$WORK/tree/.git" ]; then
  rm -rf "$WORK/tree"
  git -C "$ROOT" worktree add --detach "$WORK/tree" "$BASE" >&2
else
  git -C "$WORK/tree" checkout --quiet --detach "$BASE"
fi
(cd "$WORK/tree" && CARGO_TARGET_DIR=$WORK/target cargo build --release --quiet -p adead-benches)
(cd "$ROOT" && cargo build --release --quiet -p adead-benches)
BASE_BENCH=$WORK/target/release/adead-bench
NOW_BENCH=$ROOT/target/release/adead-bench

# A BASE with the native tier interprets only when told to.
BASE_TIER=()
if "$BASE_BENCH" --help 2>&1 | grep -q -- '--tier'; then
  BASE_TIER=(--tier interp)
fi

RAW=$(mktemp)
trap 'rm -f "$RAW"' EXIT
for _ in $(seq 1 "$PASSES"); do
  for b in $BENCHES; do
    "$BASE_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS" --label "interp-$BASE" "${BASE_TIER[@]}" | tee -a "$RAW"
    "$NOW_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS" --label interp-now --tier interp | tee -a "$RAW"
    lua5.4 "$HERE/peers/lua/bench.lua" "$b" "$RUNS" lua5.4 | tee -a "$RAW"
  done
done

python3 - "$RAW" "interp-$BASE" "$BENCHES" <<'EOF'
import math, re, sys
raw, base, benches = sys.argv[1], sys.argv[2], sys.argv[3].split()
best = {}
for line in open(raw):
    m = re.search(r"peer=(\S+) bench=(\S+).* median_ms=([\d.]+)", line)
    if m:
        key = (m[1], m[2])
        best[key] = min(best.get(key, math.inf), float(m[3]))
print(f"\n| program | {base} | interp-now | lua5.4 | now/{base.removeprefix('interp-')} | now/lua5.4 | {base.removeprefix('interp-')}/lua5.4 |")
print("|---|---|---|---|---|---|---|")
logs = [0.0, 0.0, 0.0]
for b in benches:
    o, n, l = best[(base, b)], best[("interp-now", b)], best[("lua5.4", b)]
    for i, r in enumerate((n / o, n / l, o / l)):
        logs[i] += math.log(r)
    print(f"| {b} | {o:.1f} | {n:.1f} | {l:.1f} | {n / o:.2f} | {n / l:.2f} | {o / l:.2f} |")
g = [math.exp(x / len(benches)) for x in logs]
print(f"| **geomean** | | | | **{g[0]:.2f}** | **{g[1]:.2f}** | **{g[2]:.2f}** |")
EOF
