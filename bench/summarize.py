#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) into the markdown tables of docs/benchmarks.md.

Each figure is the median of the measurement iterations (all forks), in operations per microsecond (millions of
decisions a second, summed over threads). Ratios are Tollgate's median divided by the peer's: above 1 Tollgate
is faster. The share of allowed calls shows which path a figure measured.

    python3 bench/summarize.py bench/results/*.json
"""
import json
import statistics
import sys
from collections import defaultdict


def load(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            rows.extend(json.load(f))
    return rows


def median(metric):
    values = [v for fork in metric["rawData"] for v in fork]
    return statistics.median(values)


def allowed_share(row):
    sec = row.get("secondaryMetrics", {})
    if "allowed" not in sec or "denied" not in sec:
        return None
    a = sec["allowed"]["score"]
    d = sec["denied"]["score"]
    return a / (a + d) if a + d else None


def table(rows, cls, baseline, order):
    cells = defaultdict(dict)
    shares = defaultdict(dict)
    for row in rows:
        bench = row["benchmark"]
        if bench.split(".")[-2] != cls:
            continue
        method = bench.split(".")[-1]
        params = ", ".join(f"{k}={v}" for k, v in sorted(row.get("params", {}).items()))
        key = (params, row["threads"])
        cells[key][method] = median(row["primaryMetric"])
        shares[key][method] = allowed_share(row)
    if not cells:
        return ""
    methods = [m for m in order if any(m in c for c in cells.values())]
    out = [f"#### {cls}: median ops/µs (allowed share)", ""]
    out.append("| params | threads | " + " | ".join(methods) + " |")
    out.append("|---|---|" + "---|" * len(methods))
    for key in sorted(cells):
        line = [key[0], str(key[1])]
        for m in methods:
            v = cells[key].get(m)
            s = shares[key].get(m)
            line.append("" if v is None else f"{v:.2f}" + ("" if s is None else f" ({s:.0%})"))
        out.append("| " + " | ".join(line) + " |")
    if baseline:
        peers = [m for m in methods if m != baseline and not m.startswith("tollgate")]
        out += ["", f"Ratio {baseline} / peer (above 1: Tollgate faster)", ""]
        out.append("| params | threads | " + " | ".join(peers) + " |")
        out.append("|---|---|" + "---|" * len(peers))
        for key in sorted(cells):
            base = cells[key].get(baseline)
            line = [key[0], str(key[1])]
            for m in peers:
                v = cells[key].get(m)
                line.append("" if v is None or base is None else f"{base / v:.2f}")
            out.append("| " + " | ".join(line) + " |")
    return "\n".join(out) + "\n"


def main():
    rows = load(sys.argv[1:])
    if rows:
        r = rows[0]
        print(f"JVM: {r.get('vmName', '')} {r.get('vmVersion', '')} ({r.get('jdkVersion', '')}); "
              f"args: {' '.join(r.get('jvmArgs', []))}\n")
    print(table(rows, "OneRuleBench", "tollgate",
                ["tollgate", "tollgateDecision", "tollgateNewSubject", "bucket4jTryConsume", "bucket4jProbe",
                 "resilience4j", "guava"]))
    print(table(rows, "ThreeRuleBench", "tollgate",
                ["tollgate", "tollgateDecision", "bucket4jTryConsume", "bucket4jProbe"]))
    print(table(rows, "LockVsCasBench", None,
                ["memoryStore", "lockStore", "casStore", "guardMemoryStore", "guardCasStore", "bucket4jLockFree",
                 "bucket4jSynchronized"]))


if __name__ == "__main__":
    main()
