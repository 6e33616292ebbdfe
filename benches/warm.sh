#!/usr/bin/env bash
# Cold against warm starts (benches/RESULTS.md, "Warm starts"): each benchmark program
# run by `adead-vm run` in fresh processes, once without a profile (cold) and once with
# `--load-profile` of a profile the same command saved (warm), alternating, PROCS times
# each; the median wall time of the whole process (load, compilation, run, exit) in ms.
#
#   short: the programs at their small criterion sizes, where the time is what a user
#          waits for the first (and only) result;
#   long:  at the definitions' sizes, the total time.
#
# Usage: benches/warm.sh        (PROCS=11 by default; SIZES="short long")
set -euo pipefail
cd "$(dirname "$0")/.."
PROCS=${PROCS:-11}
SIZES=${SIZES:-"short long"}
cargo build --release --locked -q -p adead-vm
VM=target/release/adead-vm
PROFILES=$(mktemp -d)
trap 'rm -rf "$PROFILES"' EXIT

declare -A SHORT=(
  [fib]="20" [loop]="1000000" [sieve]="100000 1" [mandel]="60" [nbody]="1000"
)
declare -A LONG=(
  [fib]="30" [loop]="100000000" [sieve]="10000000 3" [mandel]="600" [nbody]="1000000"
)

median() { sort -g | awk '{v[NR]=$1} END {print v[int(NR/2)+1]}'; }
# Wall ms of one process; its stdout must be the expected output.
timed() {
  local expected=$1; shift
  local start end out
  start=$(date +%s%N)
  out=$("$VM" run "$@")
  end=$(date +%s%N)
  if [[ "$out" != "$expected" ]]; then
    echo "warm.sh: \`adead-vm run $*\` printed \`$out\`, expected \`$expected\`" >&2
    exit 1
  fi
  awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e6 }'
}

for size in $SIZES; do
  echo "## $size runs: median wall ms of $PROCS processes"
  echo "| program (args) | cold | warm | warm / cold |"
  echo "|---|---|---|---|"
  for p in fib loop sieve mandel nbody; do
    if [[ $size == short ]]; then args=${SHORT[$p]}; else args=${LONG[$p]}; fi
    program=benches/programs/$p.asm
    profile=$PROFILES/$p-$size.json
    # shellcheck disable=SC2086
    expected=$("$VM" run "$program" $args --save-profile "$profile")
    cold=() warm=()
    for _ in $(seq "$PROCS"); do
      # shellcheck disable=SC2086
      cold+=("$(timed "$expected" "$program" $args)")
      # shellcheck disable=SC2086
      warm+=("$(timed "$expected" "$program" $args --load-profile "$profile")")
    done
    c=$(printf "%s\n" "${cold[@]}" | median)
    w=$(printf "%s\n" "${warm[@]}" | median)
    awk -v p="$p" -v a="$args" -v c="$c" -v w="$w" \
      'BEGIN { printf "| %s (%s) | %.2f | %.2f | %.2f |\n", p, a, c, w, w / c }'
  done
  echo
done
