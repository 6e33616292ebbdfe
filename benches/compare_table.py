"""Markdown tables from the RESULT lines of benches/compare.sh.

    python3 benches/compare_table.py RAW [VERSIONS]

RAW holds `EXPECTED bench=NAME checksum=SUM` lines (the definitions, in table order,
from `adead-bench --list`), `RESULT k=v ...` lines (several passes allowed: each cell
keeps its best median), `NOISE ...` lines for measurements other processes disturbed,
and `FAILED` / `MISMATCH` lines. Prints the medians per program and peer; the ratios
adead/peer for the other runtimes with their geometric mean over the programs; adead-vm's
own ratios: adead-interp / lua5.4 (the interpreter's regression check), adead-fuel / adead
(the cost of fuel accounting) and adead-naive / adead (the naive forms' cost); the native
tier's compile and tier-up times in the first run; and adead-vm's instruction counts.
Standard library only.
"""
import collections
import math
import sys

PEER_ORDER = ["adead", "adead-fuel", "adead-intr", "adead-naive", "adead-interp",
              "c-O2", "luajit", "luajit-joff", "lua5.4", "wasmtime", "wasm3"]
# adead-vm's own configurations (benches/compare.sh): compared with each other and with
# lua5.4 in their own table, not with the other runtimes
ADEAD = ("adead", "adead-fuel", "adead-intr", "adead-naive", "adead-interp")
# adead-vm's ratios: (numerator, denominator, what the ratio says)
OWN_RATIOS = [
    ("adead-interp", "lua5.4", "the interpreter alone against Lua 5.4's"),
    ("adead-fuel", "adead", "the cost of fuel accounting (a budget never reached)"),
    ("adead-intr", "adead", "the cost of polling for interruption (as adead-vm run does)"),
    ("adead-naive", "adead", "the naive forms against the hand-written programs"),
]


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


def ratio(best, num, den, bench):
    """num's median over den's for one program, or None when either is missing."""
    a, d = best.get((num, bench)), best.get((den, bench))
    if a is None or d is None or float(d["median_ms"]) <= 0:
        return None
    return float(a["median_ms"]) / float(d["median_ms"])


def geomean(values, total):
    """The geometric mean of the ratios, bold, with `(n of total)` when some are missing."""
    if not values:
        return "—"
    g = fmt(math.exp(sum(math.log(v) for v in values) / len(values)))
    return "**%s**" % g + ("" if len(values) == total else " (%d of %d)" % (len(values), total))


def field(best, peer, bench, key):
    """A field of a cell's RESULT line, as written, or — ."""
    d = best.get((peer, bench))
    return d[key] if d is not None and key in d else "—"


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

    total = len(expected) or len(benches)
    others = [pe for pe in peers if pe not in ADEAD]
    if "adead" in peers and others:
        p("\n### adead / peer: time ratio (below 1: adead-vm is faster)\n")
        p("adead is adead-vm's default configuration (tier auto, fuel off).\n")
        p("| program | " + " | ".join(others) + " |")
        p("|---" * (len(others) + 1) + "|")
        logs = collections.defaultdict(list)
        for b in benches:
            cells = []
            for pe in others:
                r = ratio(best, "adead", pe, b)
                if r is not None:
                    logs[pe].append(r)
                cells.append("—" if r is None else fmt(r))
            p("| %s | %s |" % (b, " | ".join(cells)))
        p("| **geomean** | %s |" % " | ".join(geomean(logs[pe], total) for pe in others))

    own = [(n, d, what) for n, d, what in OWN_RATIOS if n in peers and d in peers]
    if own:
        p("\n### adead-vm's configurations: time ratios\n")
        p("| ratio | " + " | ".join(benches) + " | geomean | what it measures |")
        p("|---" * (len(benches) + 3) + "|")
        for num, den, what in own:
            values = [ratio(best, num, den, b) for b in benches]
            p("| %s / %s | %s | %s | %s |" % (
                num, den, " | ".join("—" if r is None else fmt(r) for r in values),
                geomean([r for r in values if r is not None], total), what))

    native = [pe for pe in ("adead", "adead-fuel", "adead-intr", "adead-naive")
              if any((pe, b) in best and "compile_ms" in best[(pe, b)] for b in benches)]
    if native:
        p("\n### adead-vm's native tier in the first run, ms\n")
        p("compile: the time spent compiling every function and loop the first run compiled; "
          "tier-up: from the start of the call until its last compilation was done; "
          "first run: its whole time (the later runs of the module start in native code).\n")
        head, rule = "| program |", "|---|"
        for pe in native:
            head += " %s compile | %s tier-up | %s first run |" % (pe, pe, pe)
            rule += "---|---|---|"
        p(head)
        p(rule)
        for b in benches:
            p("| %s |%s" % (b, "".join(" %s | %s | %s |" % (
                field(best, pe, b, "compile_ms"), field(best, pe, b, "tierup_ms"),
                field(best, pe, b, "first_ms")) for pe in native)))

    counted = [pe for pe in ("adead", "adead-interp", "adead-naive")
               if any((pe, b) in best and "instructions" in best[(pe, b)] for b in benches)]
    if counted:
        p("\n### adead-vm: instructions executed\n")
        p("M instructions/s: the instructions the program executes (counted in one more, "
          "untimed run) over the median time. adead and adead-interp run the same program; "
          "adead-naive runs the naive form.\n")
        head, rule = "| program |", "|---|"
        for pe in counted:
            head += " %s instructions | %s M instructions/s | %s ns/instruction |" % (pe, pe, pe)
            rule += "---|---|---|"
        p(head + " load ms (assemble+verify+predecode) |")
        p(rule + "---|")
        for b in benches:
            cells = []
            for pe in counted:
                d = best.get((pe, b))
                if d is None or "instructions" not in d:
                    cells.append(" — | — | — |")
                    continue
                n, ms = int(d["instructions"]), float(d["median_ms"])
                cells.append(" %s | %.0f | %.3f |" % (
                    format(n, ","), n / ms / 1e3 if ms > 0 else 0, ms * 1e6 / n if n else 0))
            load = next((best[(pe, b)].get("load_ms") for pe in counted if (pe, b) in best), "—")
            p("| %s |%s %s |" % (b, "".join(cells), load))

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
