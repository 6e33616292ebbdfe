#!/usr/bin/env bash
# The tiers side by side on the five benchmark programs (benches/RESULTS.md, "The
# baseline tier"): adead-bench in-process, the same binary for every tier.
#
#   long runs:  each program at its definition's size, median of RUNS timed calls on
#               fresh instances (the module, and so its compiled code, is shared by the
#               calls: compilation is in the first call only);
#   short runs: each program at its small criterion size, in PROCS fresh processes:
#               load (verify, and compile everything for baseline/opt) + the first
#               call, the median over the processes: what a user waits for.
#
# Usage: benches/tiers.sh            (RUNS=5 PROCS=11 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PROCS=${PROCS:-11}
TIERS=${TIERS:-"interp baseline opt auto"}
cargo build --release --locked -q -p adead-benches --bin adead-bench
BENCH=target/release/adead-bench

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int(NR/2)+1]}'; }

declare -A SMALL=(
  [fib]="20" [loop]="1000000" [sieve]="100000 1" [mandel]="60" [nbody]="1000"
)

echo "## long runs: median ms of $RUNS calls at the definition's size"
printf "| program |"; for t in $TIERS; do printf " %s |" "$t"; done
printf " interp/baseline | baseline/opt | auto/opt |\n"
printf "|---|"; for _ in $TIERS; do printf -- "---|"; done; printf -- "---|---|---|\n"
for p in fib loop sieve mandel nbody; do
  declare -A ms=()
  for t in $TIERS; do
    ms[$t]=$($BENCH "benches/programs/$p.asm" --runs "$RUNS" --tier "$t" | field median_ms)
  done
  printf "| %s |" "$p"; for t in $TIERS; do printf " %s |" "${ms[$t]}"; done
  awk -v i="${ms[interp]}" -v b="${ms[baseline]}" -v o="${ms[opt]}" -v a="${ms[auto]}" \
    'BEGIN { printf " %.2f | %.2f | %.2f |\n", i / b, b / o, a / o }'
done

echo
echo "## short runs: median over $PROCS processes of load + first call, ms"
printf "| program (args) |"; for t in $TIERS; do printf " %s |" "$t"; done
printf " auto / fastest single tier |\n"
printf "|---|"; for _ in $TIERS; do printf -- "---|"; done; printf -- "---|\n"
for p in fib loop sieve mandel nbody; do
  declare -A ms=()
  for t in $TIERS; do
    ms[$t]=$(for _ in $(seq "$PROCS"); do
      # shellcheck disable=SC2086
      $BENCH "benches/programs/$p.asm" ${SMALL[$p]} --runs 1 --tier "$t" |
        awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
             END { print v["load_ms"] + v["first_ms"] }'
    done | median)
  done
  printf "| %s (%s) |" "$p" "${SMALL[$p]}"; for t in $TIERS; do printf " %s |" "${ms[$t]}"; done
  awk -v i="${ms[interp]}" -v b="${ms[baseline]}" -v o="${ms[opt]}" -v a="${ms[auto]}" \
    'BEGIN { f = i; if (b < f) f = b; if (o < f) f = o; printf " %.2f |\n", a / f }'
done
