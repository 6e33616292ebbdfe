"""Markdown tables from the RESULT lines of benches/compare.sh.

    python3 benches/compare_table.py RAW [VERSIONS]

RAW holds `EXPECTED bench=NAME checksum=SUM` lines (the definitions, in table order,
from `adead-bench --list`), `RESULT k=v ...` lines (several passes allowed: each cell
keeps its best median), `NOISE ...` lines for measurements other processes disturbed,
and `FAILED` / `MISMATCH` lines. Prints the medians per program and peer, the ratios adead/peer with
their geometric mean over the programs, and adead-vm's instruction counts. Standard
library only.
"""
import collections
import math
import sys

PEER_ORDER = ["adead", "c-O2", "luajit", "luajit-joff", "lua5.4", "wasmtime", "wasm3"]


def parse(path):
    best, noisy, problems, runs, expected = {}, set(), [], {}, {}
    passes = collections.Counter()
    medians = collections.defaultdict(list)
    for line in open(path):
        line = line.strip()
        if line.startswith(("FAILED", "MISMATCH")):
            problems.append(line)
            continue
        kind = line.split(" ", 1)[0]
        if kind not in ("RESULT", "NOISE", "EXPECTED"):
            continue
        d = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if kind == "EXPECTED":
            expected[d["bench"]] = d["checksum"]
            continue
        key = (d["peer"], d["bench"])
        if kind == "NOISE":
            noisy.add((key, d["median_ms"]))
            continue
        runs[key] = d.get("runs", "?")
        passes[key] += 1
        medians[key].append(float(d["median_ms"]))
        if key not in best or float(d["median_ms"]) < float(best[key]["median_ms"]):
            best[key] = d
    spread = {k: max(v) / min(v) for k, v in medians.items() if len(v) > 1 and min(v) > 0}
    return best, noisy, problems, runs, max(passes.values(), default=0), spread, expected


def fmt(v):
    """A time in ms or a ratio, with about three significant digits."""
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


def main():
    best, noisy, problems, runs, passes, spread, expected = parse(sys.argv[1])
    # the definitions' order, then any program without a definition
    order = list(expected) + sorted({k[1] for k in best} - set(expected))
    benches = [b for b in order if any(k[1] == b for k in best)]
    peers = [p for p in PEER_ORDER if any(k[0] == p for k in best)]
    peers += sorted({k[0] for k in best} - set(peers))
    out = []
    p = out.append

    def cell(peer, bench):
        d = best.get((peer, bench))
        if d is None:
            return "—"
        mark = " †" if ((peer, bench), d["median_ms"]) in noisy else ""
        return fmt(float(d["median_ms"])) + mark

    if len(sys.argv) > 2:
        versions = dict(
            line.rstrip("\n").split(": ", 1) for line in open(sys.argv[2]) if ": " in line)
        p("Machine: %s; %s; %s. adead-vm %s." % (
            versions.get("cpu", "?"), versions.get("memory", "?"), versions.get("kernel", "?"),
            versions.get("adead-vm", "?")))
        p("")

    p("### Median time per run, ms (lower is better)\n")
    p("| program | " + " | ".join(peers) + " | checksum |")
    p("|---" * (len(peers) + 2) + "|")
    for b in benches:
        want = expected.get(b, "(no definition)")
        sums = {best[(pe, b)]["checksum"] for pe in peers if (pe, b) in best}
        if sums == {want}:
            check = want + " ✓ (all)"
        else:
            check = "MISMATCH with %s: " % want + ", ".join(
                "%s=%s" % (pe, best[(pe, b)]["checksum"]) for pe in peers if (pe, b) in best
                and best[(pe, b)]["checksum"] != want)
        p("| %s | %s | %s |" % (b, " | ".join(cell(pe, b) for pe in peers), check))
    p("\nTimed runs per cell (median of): " + ", ".join(
        "%s=%s" % (pe, "/".join(sorted({runs[(pe, b)] for b in benches if (pe, b) in runs},
                                       key=int)))
        for pe in peers) + "." + (
        " Passes: %d; each cell is the best of its per-pass medians." % passes if passes > 1 else ""))

    others = [pe for pe in peers if pe != "adead"]
    if "adead" in peers and others:
        p("\n### adead / peer: time ratio (below 1: adead-vm is faster)\n")
        p("| program | " + " | ".join(others) + " |")
        p("|---" * (len(others) + 1) + "|")
        logs = collections.defaultdict(list)
        for b in benches:
            a = best.get(("adead", b))
            cells = []
            for pe in others:
                d = best.get((pe, b))
                if a is None or d is None or float(d["median_ms"]) <= 0:
                    cells.append("—")
                    continue
                r = float(a["median_ms"]) / float(d["median_ms"])
                logs[pe].append(math.log(r))
                cells.append(fmt(r))
            p("| %s | %s |" % (b, " | ".join(cells)))
        geo = []
        for pe in others:
            if not logs[pe]:
                geo.append("—")
                continue
            g = fmt(math.exp(sum(logs[pe]) / len(logs[pe])))
            n = len(logs[pe])
            total = len(expected) or len(benches)
            geo.append("**%s**" % g + ("" if n == total else " (%d of %d)" % (n, total)))
        p("| **geomean** | %s |" % " | ".join(geo))

    if any(("adead", b) in best for b in benches):
        p("\n### adead-vm: instructions executed\n")
        p("| program | instructions | median ms | M instructions/s | ns/instruction | load ms (assemble+verify+predecode) |")
        p("|---|---|---|---|---|---|")
        for b in benches:
            d = best.get(("adead", b))
            if d is None or "instructions" not in d:
                continue
            n, ms = int(d["instructions"]), float(d["median_ms"])
            p("| %s | %s | %s | %.0f | %.2f | %s |" % (
                b, format(n, ","), fmt(ms), n / ms / 1e3 if ms > 0 else 0,
                ms * 1e6 / n if n else 0, d.get("load_ms", "?")))

    marked = sorted({k for (k, _) in noisy if k in best and (k, best[k]["median_ms"]) in noisy})
    if marked:
        p("\n† other processes used more than 0.1 core on average during this measurement: "
          + ", ".join("%s/%s" % k for k in marked))
    wide = sorted((k, r) for k, r in spread.items() if r > 1.10)
    if wide:
        p("\nCells whose per-pass medians differ by more than 10% (max/min): " + ", ".join(
            "%s/%s %.2f" % (k[0], k[1], r) for k, r in wide))
    for line in problems:
        p("\n**%s**" % line)
    print("\n".join(out))


if __name__ == "__main__":
    main()
