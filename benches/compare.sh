#!/usr/bin/env bash
# benches/compare.sh: adead-vm side by side with its peers on the five scalar benchmarks
# (fib, loop, sieve, mandel, nbody; definitions in benches/RESULTS.md).
#
#   benches/compare.sh              build in release, run everything, print the tables (~2 min)
#   PASSES=2 benches/compare.sh     the whole suite twice, best per-pass median per cell
#                                   (what benches/RESULTS.md records; ~5 min)
#   QUICK=1 benches/compare.sh      fewer repetitions (a smoke test, ~1 min)
#
# Builds adead-bench in release, the C peer with gcc -O2 and the WebAssembly peer with
# wat2wasm, then times every program in adead-vm (adead-bench: in-process, only the entry
# call) and in every peer found on the machine: C -O2, Lua 5.4, LuaJIT with the
# JIT and with -joff, wasmtime and wasm3 (Python packages in a venv). A missing peer is
# skipped with a line saying so. adead-vm is five peers, each its own adead-bench run:
#   adead         the default configuration (tier auto: the interpreter moves hot code to
#                 native code; fuel off), the hand-written program (benches/programs/)
#   adead-interp  --tier interp: the interpreter alone (its regression check: against lua5.4)
#   adead-fuel    tier auto with a fuel budget the run never reaches (ADEAD_FUEL): the
#                 cost of exact fuel accounting in native code
#   adead-intr    tier auto polling for interruption (--interruptible, Config::interruptible,
#                 as adead-vm run does): the cost of the polls at entries and back-edges
#   adead-naive   tier auto on the naive form (benches/programs/naive/): what the native
#                 tier makes of code shaped like a naive front end's output
# Every program's checksum is compared with the definition's (from `adead-bench --list`:
# benches/src/lib.rs, PROGRAMS, is the one place they are written); the run fails at the
# end if any differs. Prints (benches/compare_table.py) a table of medians (ms), the ratios
# adead/peer with the geometric mean over the programs, adead-interp / lua5.4,
# adead-fuel / adead, adead-intr / adead, adead-naive / adead, the native tier's compile and tier-up times and
# adead-vm's instruction counts.
#
# Environment:
#   RUNS=5          timed runs per measurement for the interpreters (adead-interp, lua5.4,
#                   luajit-joff, wasm3); QUICK=1 makes it 1
#   RUNS_FAST=11    timed runs for the fast peers (adead, adead-fuel, adead-intr, adead-naive, c-O2,
#                   luajit, wasmtime); QUICK=1: 3. adead's first run includes compiling
#                   (first_ms); the later runs of the same module start in native code
#   JOFF_LOOP_RUNS=1  runs of luajit -joff `loop` (~16 s each: boxed int64 cdata)
#   ADEAD_FUEL=1000000000000  adead-fuel's budget, never reached (the programs execute at most
#                   5 x 10^8 instructions): fuel is charged, never runs out
#   PASSES=1        run the whole suite N times; each cell keeps its best median
#   BENCHES="fib loop sieve mandel nbody"
#   PEERS="adead adead-interp adead-fuel adead-intr adead-naive c-O2 lua5.4 luajit luajit-joff wasmtime wasm3"
#   PEERS_VENV=/tmp/peers-venv   the venv with `wasmtime` and `pywasm3`
#   COMPARE_OUT=target/compare   where raw.txt (every RESULT line), versions.txt and
#                                table.md go, and the peers' builds (build/)
#   QUIET=1         before each measurement wait (up to QUIET_MAX=120 s) until no other
#                   process uses the CPUs, and retry a measurement that another process
#                   disturbed (up to RETRIES=3 tries); cells still disturbed are marked †.
#                   QUIET=0 (or NO_WAIT=1) measures at once (cells are still checked and
#                   marked). The measuring is benches/measure.sh's, shared with
#                   benches/peers/tensor/run.sh.
# Install the peers (Debian/Ubuntu): see benches/RESULTS.md, "Running the comparison".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${COMPARE_OUT:-$ROOT/target/compare}
BUILD=$OUT/build
VENV=${PEERS_VENV:-/tmp/peers-venv}
if [ "${QUICK:-0}" = 1 ]; then
  RUNS=${RUNS:-1}; RUNS_FAST=${RUNS_FAST:-3}
else
  RUNS=${RUNS:-5}; RUNS_FAST=${RUNS_FAST:-11}
fi
JOFF_LOOP_RUNS=${JOFF_LOOP_RUNS:-1}
ADEAD_FUEL=${ADEAD_FUEL:-1000000000000}
PASSES=${PASSES:-1}
BENCHES=${BENCHES:-fib loop sieve mandel nbody}
ADEAD_PEERS="adead adead-interp adead-fuel adead-intr adead-naive"
ALL_PEERS="$ADEAD_PEERS c-O2 lua5.4 luajit luajit-joff wasmtime wasm3"
PEERS=${PEERS:-$ALL_PEERS}
mkdir -p "$OUT" "$BUILD"
RAW=$OUT/raw.txt
: > "$RAW"
note() { echo "compare: $*" >&2; }

# ---------------------------------------------------------------- build
declare -A HAVE
wanted() { [[ " $PEERS " == *" $1 "* ]]; }
for p in $PEERS; do
  [[ " $ALL_PEERS " == *" $p "* ]] || { note "unknown peer $p ($ALL_PEERS)"; exit 2; }
done

note "building adead-bench (release)"
(cd "$ROOT" && cargo build --release --quiet -p adead-benches)
# a private copy: a rebuild of the workspace during the run cannot swap the binary under it
cp "$ROOT/target/release/adead-bench" "$BUILD/adead-bench"
ADEAD_BENCH=$BUILD/adead-bench
for p in $ADEAD_PEERS; do HAVE[$p]=1; done

# ---------------------------------------------------------------- the definitions
# The checksums are written once, in adead_benches::PROGRAMS; `adead-bench --list` prints
# them (name checksum args...). raw.txt starts with them, for compare_table.py.
declare -A EXPECTED
while read -r name sum _; do
  EXPECTED[$name]=$sum
  echo "EXPECTED bench=$name checksum=$sum" >> "$RAW"
done < <("$ADEAD_BENCH" --list)
[ ${#EXPECTED[@]} -gt 0 ] || { note "adead-bench --list printed no definitions"; exit 2; }
expected() {
  [ -n "${EXPECTED[$1]:-}" ] || { note "unknown benchmark $1 (${!EXPECTED[*]})"; exit 2; }
  echo "${EXPECTED[$1]}"
}
for b in $BENCHES; do expected "$b" >/dev/null; done

if wanted c-O2; then
  if command -v "${CC:-gcc}" >/dev/null; then
    "${CC:-gcc}" -O2 -o "$BUILD/bench_c_O2" "$HERE/peers/c/bench.c" -lm && HAVE[c-O2]=1
  else
    note "skipped: c-O2 (no ${CC:-gcc}; apt-get install gcc)"
  fi
fi
if wanted lua5.4; then
  if command -v lua5.4 >/dev/null; then HAVE[lua5.4]=1
  else note "skipped: lua5.4 (no lua5.4 command; apt-get install lua5.4)"; fi
fi
for p in luajit luajit-joff; do
  if wanted $p; then
    if command -v luajit >/dev/null; then HAVE[$p]=1
    else note "skipped: $p (no luajit command; apt-get install luajit)"; fi
  fi
done
if wanted wasmtime || wanted wasm3; then
  WASM=$BUILD/bench.wasm
  if ! command -v wat2wasm >/dev/null; then
    note "skipped: wasmtime, wasm3 (no wat2wasm; apt-get install wabt)"
  elif [ ! -x "$VENV/bin/python" ]; then
    note "skipped: wasmtime, wasm3 (no venv at $VENV; see benches/RESULTS.md to create it)"
  else
    wat2wasm "$HERE/peers/wasm/bench.wat" -o "$WASM"
    export BENCH_WASM=$WASM
    for p in wasmtime wasm3; do
      wanted $p || continue
      if "$VENV/bin/python" -c "import $p" 2>/dev/null; then HAVE[$p]=1
      else note "skipped: $p (python package missing in $VENV: pip install $([ $p = wasm3 ] && echo pywasm3==0.5.0 || echo wasmtime==50.0.1))"; fi
    done
  fi
fi

# ---------------------------------------------------------------- versions
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  cpuinfo() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | xargs; }
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1) (family $(cpuinfo 'cpu family'), model $(cpuinfo model)), $(nproc) cores, $(grep -m1 -o 'avx512f' /proc/cpuinfo || echo no avx512f)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  # ADEAD_VERSION describes a tree that is not a git checkout (an exported snapshot)
  rev=${ADEAD_VERSION:-}
  if [ -z "$rev" ]; then
    rev=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')
    if [ -n "$(cd "$ROOT" && git status --porcelain -- vm jit isa-spec assembler benches 2>/dev/null)" ]; then
      rev="$rev + uncommitted changes"
    fi
  fi
  echo "adead-vm: $rev, $(cd "$ROOT" && rustc --version)"
  echo "adead-fuel budget: $ADEAD_FUEL"
  [ -n "${HAVE[c-O2]:-}" ] && echo "gcc: $("${CC:-gcc}" --version | head -1)"
  # the Debian package's version, where there is one
  deb() {
    if command -v dpkg-query >/dev/null; then
      dpkg-query -W -f=' (deb ${Version})' "$1" 2>/dev/null || true
    fi
  }
  [ -n "${HAVE[lua5.4]:-}" ] && echo "lua5.4: $(lua5.4 -v 2>&1 | head -1 | cut -d' ' -f1-2)$(deb lua5.4)"
  [ -n "${HAVE[luajit]:-}${HAVE[luajit-joff]:-}" ] && echo "luajit: $(luajit -v 2>&1 | head -1 | cut -d' ' -f1-2)$(deb luajit); JIT flags: $(luajit -e 'print(table.concat({select(2, jit.status())}, " "))')"
  [ -n "${HAVE[wasmtime]:-}${HAVE[wasm3]:-}" ] && {
    echo "wat2wasm: $(wat2wasm --version)$(deb wabt)"
    echo "python: $("$VENV/bin/python" --version 2>&1)"
    "$VENV/bin/python" -c 'import importlib.metadata as m
for p in ("wasmtime", "pywasm3"):
    try: print("%s: %s" % (p, m.version(p)))
    except Exception: pass'
  }
} > "$OUT/versions.txt"
cat "$OUT/versions.txt" >&2

# ---------------------------------------------------------------- measuring
MEASURE_RAW=$RAW MEASURE_NAME=compare
# shellcheck source=benches/measure.sh
source "$HERE/measure.sh"
MISMATCH=0
# measure_bench BENCH CMD...: measure CMD (benches/measure.sh), then check its checksum
# against the definition's.
measure_bench() {
  local bench=$1; shift
  measure "$@"
  [ -n "$MEASURED" ] || return 0
  local got want
  got=$(sed -n 's/.* checksum=\([^ ]*\).*/\1/p' <<<"$MEASURED")
  want=$(expected "$bench")
  if [ "$got" != "$want" ]; then
    echo "MISMATCH bench=$bench got=$got want=$want: $*" | tee -a "$RAW" >&2
    MISMATCH=1
  fi
}

run_peer() {
  local peer=$1 b=$2
  # adead-bench runs a program named like a definition at the definition's size and
  # checks the definition's checksum itself; measure_bench checks it again
  case $peer in
    adead) measure_bench "$b" "$ADEAD_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS_FAST" --label adead ;;
    adead-interp)
      measure_bench "$b" "$ADEAD_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS" --label adead-interp --tier interp ;;
    adead-fuel)
      measure_bench "$b" "$ADEAD_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS_FAST" --label adead-fuel --fuel "$ADEAD_FUEL" ;;
    adead-intr)
      measure_bench "$b" "$ADEAD_BENCH" "$HERE/programs/$b.asm" --runs "$RUNS_FAST" --label adead-intr --interruptible ;;
    adead-naive)
      measure_bench "$b" "$ADEAD_BENCH" "$HERE/programs/naive/$b.asm" --runs "$RUNS_FAST" --label adead-naive ;;
    c-O2) measure_bench "$b" "$BUILD/bench_c_O2" "$b" "$RUNS_FAST" c-O2 ;;
    lua5.4) measure_bench "$b" lua5.4 "$HERE/peers/lua/bench.lua" "$b" "$RUNS" lua5.4 ;;
    luajit) measure_bench "$b" luajit "$HERE/peers/lua/bench.lua" "$b" "$RUNS_FAST" luajit ;;
    luajit-joff)
      # LuaJIT's interpreter boxes every int64 cdata of `loop` (~20 s a run)
      measure_bench "$b" luajit -joff "$HERE/peers/lua/bench.lua" "$b" \
        "$([ "$b" = loop ] && echo "$JOFF_LOOP_RUNS" || echo "$RUNS")" luajit-joff ;;
    wasmtime) measure_bench "$b" "$VENV/bin/python" "$HERE/peers/wasm/run_wasm.py" wasmtime "$b" "$RUNS_FAST" ;;
    wasm3) measure_bench "$b" "$VENV/bin/python" "$HERE/peers/wasm/run_wasm.py" wasm3 "$b" "$RUNS" ;;
    *) note "unknown peer $peer"; exit 2 ;;
  esac
}

for pass in $(seq 1 "$PASSES"); do
  [ "$PASSES" = 1 ] || note "pass $pass of $PASSES"
  for b in $BENCHES; do
    expected "$b" >/dev/null
    for peer in $PEERS; do
      [ -n "${HAVE[$peer]:-}" ] && run_peer "$peer" "$b"
    done
  done
done

python3 "$HERE/compare_table.py" "$RAW" "$OUT/versions.txt" | tee "$OUT/table.md"
note "raw results: $RAW; tables: $OUT/table.md"
if [ "$MEASURE_FAILED" != 0 ] || [ "$MISMATCH" != 0 ]; then
  note "FAILED: a run failed or a checksum differs from the definition (see above)"
  exit 1
fi
