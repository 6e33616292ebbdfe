"""Markdown tables from the RESULT lines of run.sh: adead-vm against numpy and
onnxruntime, measured in the same run.

    python3 table.py RAW_FILE

A RESULT line is `RESULT key=value ...`; a NOISE line repeats a RESULT that ran while
other processes used the CPUs; a FAILED line is a measurement that failed
(benches/measure.sh). The tables are printed in any case; the exit status is 1 when a
measurement failed or the peers' checksums of a cell differ, 0 otherwise. When a cell was measured in several passes, the best
median of the undisturbed measurements counts (the smallest latency, the largest
GFLOP/s), as compare_table.py does for benches/compare.sh; a cell with only disturbed measurements shows
the best of those, marked with an asterisk.
"""

import sys

# Goals of issue 5: adead latency / onnxruntime latency per batch; sgemm GFLOP/s ratio.
LATENCY_GOAL = {1: 0.5, 64: 1.0}
SGEMM_GOAL = 0.9


def read(path):
    """The RESULT lines as dicts, each with `noisy` set when a NOISE line repeats it, the
    NOISE lines, and the FAILED lines."""
    results, noisy, failed = [], [], []
    for line in open(path):
        words = line.split()
        if words and words[0] == "FAILED":
            failed.append(line.strip())
            continue
        if not words or words[0] not in ("RESULT", "NOISE"):
            continue
        fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        (results if words[0] == "RESULT" else noisy).append(fields)
    disturbed = [{k: v for k, v in r.items() if k != "others_cores"} for r in noisy]
    for r in results:
        r["noisy"] = r in disturbed
    return results, noisy, failed


def best(results, peer, bench, key, smaller_is_better, threads=None):
    """The best value of `key` over the passes (undisturbed ones first), with its line."""
    lines = [r for r in results if r.get("peer") == peer and r.get("bench") == bench
             and (threads is None or r.get("threads") == str(threads))]
    lines = [r for r in lines if not r["noisy"]] or lines
    if not lines:
        return None, None
    pick = min if smaller_is_better else max
    line = pick(lines, key=lambda r: float(r[key]))
    return float(line[key]), line


def mark(line):
    return "*" if line and line["noisy"] else ""


def fmt(value, digits=2):
    return "—" if value is None else "%.*f" % (digits, value)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def main(path):
    """Prints the tables; returns the problems (failed measurements, checksum mismatches)."""
    results, noisy, problems = read(path)
    out = []

    out.append("### f32 FMA peak (C intrinsics, 12 independent chains; GFLOP/s)\n")
    out.append("| kernel | threads | median | max | per core |")
    out.append("|---|---|---|---|---|")
    peak = {}
    for width in ("avx512", "avx2"):
        for t in (1, 2):
            value, line = best(results, "c-fma", "fma_peak_%s_%dt" % (width, t), "gflops_median", False)
            if line:
                out.append("| %s | %d | %s | %s | %s |" % (width, t, line["gflops_median"],
                                                          line["gflops_max"], line["per_core_median"]))
                peak[(width, t)] = value
    out.append("")

    out.append("### sgemm f32, C = A·B, peers' exact inputs: GFLOP/s = 2n³ / median (median µs)\n")
    out.append("| n | threads | numpy | adead-kernels | adead / numpy (goal ≥ %.1f) | adead share of FMA peak | numpy share | checksum (both) | adead bit-exact |" % SGEMM_GOAL)
    out.append("|---|---|---|---|---|---|---|---|---|")
    for n in (64, 256, 1024):
        for t in (1, 2):
            bench = "matmul_%d" % n
            numpy_g, numpy_line = best(results, "numpy-%dt" % t, bench, "gflops_median", False)
            adead_g, adead_line = best(results, "adead-kernels", bench, "gflops_median", False, t)
            top = peak.get(("avx512", t))
            checks = {line["checksum"] for line in (numpy_line, adead_line) if line}
            if len(checks) > 1:
                problems.append("MISMATCH sgemm n=%d threads=%d: numpy %s, adead-kernels %s" % (
                    n, t, numpy_line["checksum"], adead_line["checksum"]))
            out.append("| %d | %d | %s%s (%s µs) | %s%s (%s µs) | **%s** | %s | %s | %s | %s |" % (
                n, t, fmt(numpy_g), mark(numpy_line), numpy_line["median_us"] if numpy_line else "—",
                fmt(adead_g), mark(adead_line), adead_line["median_us"] if adead_line else "—",
                fmt(ratio(adead_g, numpy_g)),
                "%.0f%%" % (100 * adead_g / top) if adead_g and top else "—",
                "%.0f%%" % (100 * numpy_g / top) if numpy_g and top else "—",
                " ≠ ".join(sorted(checks)) + (" ✓" if len(checks) == 1 else ""),
                adead_line.get("bit_exact", "—") if adead_line else "—"))
    out.append("")

    out.append("### MLP 784→128 ReLU→10 softmax, f32: median latency per inference, µs (p10–p90)\n")
    out.append("| batch | threads | adead-vm (embedding API) | onnxruntime | numpy | adead / onnxruntime (goal) | adead / numpy | checksum (all) |")
    out.append("|---|---|---|---|---|---|---|---|")
    for batch in (1, 64):
        for t in (1, 2):
            bench = "mlp_b%d" % batch
            cells, values, checks = [], {}, set()
            for peer, threads in (("adead-vm", t), ("onnxruntime-%dt" % t, None), ("numpy-%dt" % t, None)):
                value, line = best(results, peer, bench, "median_us", True, threads)
                values[peer.split("-")[0]] = value
                if line:
                    checks.add(line["checksum"])
                    cells.append("%s%s (%s–%s)" % (line["median_us"], mark(line), line["p10_us"],
                                                   line["p90_us"]))
                else:
                    cells.append("—")
            if len(checks) > 1:
                problems.append("MISMATCH mlp batch=%d threads=%d: checksums %s" % (
                    batch, t, ", ".join(sorted(checks))))
            r_ort = ratio(values["adead"], values["onnxruntime"])
            verdict = "" if r_ort is None else (" ✓" if r_ort <= LATENCY_GOAL[batch] else " ✗")
            out.append("| %d | %d | %s | %s | %s | **%s** (≤ %.1f)%s | %s | %s |" % (
                batch, t, cells[0], cells[1], cells[2], fmt(r_ort), LATENCY_GOAL[batch], verdict,
                fmt(ratio(values["adead"], values["numpy"])),
                " ≠ ".join(sorted(checks)) + (" ✓" if len(checks) == 1 else "")))
    out.append("")

    value, line = best(results, "adead-vm", "tensor_add_1x1", "ns_per_op", True)
    if line:
        out.append("### Per-op overhead through the interpreter\n")
        out.append("| op | ns per op (total time / ops) | the loop alone, ns per iteration | ops | kernel path |")
        out.append("|---|---|---|---|---|")
        out.append("| `tadd` on 1×1 tensors | **%s** (goal ≤ 100) | %s | %s | %s |" % (
            line["ns_per_op"], line["loop_ns_per_iteration"], line["ops"], line["isa"]))
        out.append("")

    if noisy:
        out.append("Measurements during which other processes used the CPUs (used only where a "
                   "cell has no other, marked *): " + ", ".join(
                       "%s/%s/%st (%s cores)" % (r.get("peer"), r.get("bench"), r.get("threads", "?"),
                                                 r.get("others_cores")) for r in noisy))
    for problem in problems:
        out.append("\n**%s**" % problem)
    print("\n".join(out))
    return problems


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1]) else 0)
