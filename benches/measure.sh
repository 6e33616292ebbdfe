# shellcheck shell=bash
# benches/measure.sh: how benches/compare.sh and benches/peers/tensor/run.sh measure;
# sourced by both (bash, works under `set -euo pipefail`).
#
#   MEASURE_RAW=path/raw.txt MEASURE_NAME=compare
#   source benches/measure.sh
#   measure CMD...
#
# measure CMD... runs CMD, which prints one or more `RESULT k=v ...` lines. Its output
# (stdout and stderr) goes to stderr, its RESULT lines are also appended to $MEASURE_RAW,
# and MEASURED holds them afterwards. While CMD runs, the CPU time the whole machine spends
# outside this shell's children is counted: when other processes used more than 0.1 core
# on average, they disturbed the measurement, and with QUIET=1 CMD runs again (the least
# disturbed try is kept). A kept try that is still disturbed is also written as NOISE
# lines: its RESULT lines with NOISE for RESULT and ` others_cores=N` appended.
# A CMD that exits non-zero or prints no RESULT line has failed: its output goes to
# stderr, `FAILED rc=N: CMD` to $MEASURE_RAW, MEASURE_FAILED becomes 1, MEASURED is
# empty, and it is not retried. measure itself always returns 0.
#
# Environment:
#   QUIET=1        before each try, wait until the other processes leave the CPUs idle
#                  (at most QUIET_MAX=120 s, then measure anyway), and retry a disturbed
#                  measurement (RETRIES=3 tries in all). QUIET=0 measures at once, one try;
#                  a disturbed measurement is still flagged NOISE.
#   NO_WAIT=1      the same as QUIET=0 (run.sh's former name for it).
#   QUIET_MAX=120  seconds to wait for idle CPUs before a try.
#   RETRIES=3      tries of a disturbed measurement (QUIET=1 only).
# Set by the caller: MEASURE_RAW (required), MEASURE_NAME (the prefix of the notes on
# stderr; default `measure`).

QUIET=${QUIET:-1}
[ "${NO_WAIT:-0}" != 1 ] || QUIET=0
QUIET_MAX=${QUIET_MAX:-120}
RETRIES=${RETRIES:-3}
MEASURE_FAILED=0
MEASURED=
MEASURE_HZ=$(getconf CLK_TCK)

measure_note() { echo "${MEASURE_NAME:-measure}: $*" >&2; }

# Clock ticks the machine's CPUs have spent busy so far (user, nice, system, irq, softirq,
# steal; all cores).
measure_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# Clock ticks used so far by this shell's finished children (cutime + cstime of
# /proc/$$/stat: $$ is this shell even inside $(...); the fields after the command name).
measure_children_ticks() { sed 's/.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'; }

# Waits until the CPUs stay idle (at most 0.1 core busy) for one second, or QUIET_MAX s.
measure_wait_quiet() {
  local waited=0 b0 b1
  while :; do
    b0=$(measure_busy_ticks); sleep 1; b1=$(measure_busy_ticks)
    [ $((b1 - b0)) -gt $((MEASURE_HZ / 10)) ] || return 0
    waited=$((waited + 1))
    [ $waited != 1 ] || measure_note "waiting for the machine to be quiet (load $(cut -d' ' -f1-3 /proc/loadavg))"
    if [ $waited -ge "$QUIET_MAX" ]; then
      measure_note "still busy after $QUIET_MAX s; measuring anyway"
      return 0
    fi
  done
}

measure() {
  : "${MEASURE_RAW:?measure.sh: set MEASURE_RAW before calling measure}"
  local try tries=1 out rc others best="" best_others=999 b0 b1 c0 c1 t0 t1
  MEASURED=
  [ "$QUIET" != 1 ] || tries=$RETRIES
  for try in $(seq 1 "$tries"); do
    [ "$QUIET" != 1 ] || measure_wait_quiet
    rc=0
    c0=$(measure_children_ticks); b0=$(measure_busy_ticks); t0=$(date +%s%N)
    out=$("$@" 2>&1) || rc=$?
    b1=$(measure_busy_ticks); t1=$(date +%s%N); c1=$(measure_children_ticks)
    if [ "$rc" != 0 ] || ! grep -q '^RESULT ' <<<"$out"; then
      [ -z "$out" ] || printf '%s\n' "$out" >&2
      echo "FAILED rc=$rc: $*" | tee -a "$MEASURE_RAW" >&2
      # shellcheck disable=SC2034 # read by the scripts that source this file
      MEASURE_FAILED=1
      return 0
    fi
    # cores the other processes used on average: busy time not spent by our children
    others=$(awk -v b=$((b1 - b0)) -v c=$((c1 - c0)) -v hz="$MEASURE_HZ" -v ms=$(((t1 - t0) / 1000000)) \
      'BEGIN { o = (b - c) / hz; if (ms < 1) ms = 1; o /= ms / 1000; if (o < 0) o = 0; printf "%.2f", o }')
    if awk -v o="$others" -v b="$best_others" 'BEGIN { exit !(o < b) }'; then
      best_others=$others; best=$out
    fi
    awk -v o="$others" 'BEGIN { exit !(o > 0.1) }' || break
    measure_note "disturbed (other processes used $others cores), try $try of $tries: $*"
  done
  grep -v '^RESULT ' <<<"$best" >&2 || true
  MEASURED=$(grep '^RESULT ' <<<"$best")
  printf '%s\n' "$MEASURED" | tee -a "$MEASURE_RAW" >&2
  if awk -v o="$best_others" 'BEGIN { exit !(o > 0.1) }'; then
    sed "s/^RESULT/NOISE/; s/\$/ others_cores=$best_others/" <<<"$MEASURED" >> "$MEASURE_RAW"
  fi
  return 0
}
