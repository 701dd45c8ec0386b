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


def raw(metric):
    return [v for fork in metric["rawData"] for v in fork]


def collect(rows, cls):
    """Per (params, threads) and method: every measured iteration's throughput, allowed/denied counts and CPU time,
    pooled across result files, so that repeated rounds of the suite combine into one median."""
    pooled = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for row in rows:
        bench = row["benchmark"]
        if bench.split(".")[-2] != cls:
            continue
        method = bench.split(".")[-1]
        params = ", ".join(f"{k}={v}" for k, v in sorted(row.get("params", {}).items()))
        p = pooled[(params, row["threads"])][method]
        p["ops"] += raw(row["primaryMetric"])
        sec = row.get("secondaryMetrics", {})
        for name in ("allowed", "denied", "cpuNanos"):
            if name in sec:
                p[name] += raw(sec[name])
    return pooled


def median_ops(p):
    return statistics.median(p["ops"]) if p["ops"] else None


def cpu_ns_per_op(p):
    """Median over iterations of the CPU time the benchmark threads used divided by the calls they made."""
    per = [c / (a + d) for a, d, c in zip(p["allowed"], p["denied"], p["cpuNanos"]) if a + d]
    return statistics.median(per) if per else None


def allowed_share(p):
    a, d = sum(p["allowed"]), sum(p["denied"])
    return a / (a + d) if a + d else None


def table(rows, cls, baseline, order):
    cells = defaultdict(dict)
    shares = defaultdict(dict)
    cpus = defaultdict(dict)
    samples = 0
    for key, methods in collect(rows, cls).items():
        for method, p in methods.items():
            cells[key][method] = median_ops(p)
            shares[key][method] = allowed_share(p)
            cpus[key][method] = cpu_ns_per_op(p)
            samples = max(samples, len(p["ops"]))
    if not cells:
        return ""
    methods = [m for m in order if any(m in c for c in cells.values())]
    out = [f"#### {cls}: median ops/µs (allowed share), up to {samples} iterations per figure", ""]
    out.append("| params | threads | " + " | ".join(methods) + " |")
    out.append("|---|---|" + "---|" * len(methods))
    for key in sorted(cells):
        line = [key[0], str(key[1])]
        for m in methods:
            v = cells[key].get(m)
            s = shares[key].get(m)
            line.append("" if v is None else f"{v:.2f}" + ("" if s is None else f" ({s:.0%})"))
        out.append("| " + " | ".join(line) + " |")
    if any(v is not None for c in cpus.values() for v in c.values()):
        out += ["", f"#### {cls}: median CPU ns per call (all threads' CPU time / calls)", ""]
        out.append("| params | threads | " + " | ".join(methods) + " |")
        out.append("|---|---|" + "---|" * len(methods))
        for key in sorted(cells):
            line = [key[0], str(key[1])]
            for m in methods:
                v = cpus[key].get(m)
                line.append("" if v is None else f"{v:.0f}")
            out.append("| " + " | ".join(line) + " |")
    if baseline:
        peers = [m for m in methods if m != baseline and not m.startswith("tollgate")]
        out += ["", f"Ratio {baseline} / peer: throughput, then CPU per call (above 1: Tollgate faster or cheaper)", ""]
        out.append("| params | threads | " + " | ".join(peers) + " |")
        out.append("|---|---|" + "---|" * len(peers))
        for key in sorted(cells):
            base = cells[key].get(baseline)
            base_cpu = cpus[key].get(baseline)
            line = [key[0], str(key[1])]
            for m in peers:
                v = cells[key].get(m)
                c = cpus[key].get(m)
                text = "" if v is None or base is None else f"{base / v:.2f}"
                if c is not None and base_cpu:
                    text += f" / {c / base_cpu:.2f}"
                line.append(text)
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
                 "bucket4jCoarseClock", "resilience4j", "guava"]))
    print(table(rows, "ThreeRuleBench", "tollgate",
                ["tollgate", "tollgateDecision", "bucket4jTryConsume", "bucket4jProbe", "bucket4jCoarseClock"]))
    print(table(rows, "LockVsCasBench", None,
                ["memoryStore", "lockStore", "casStore", "guardMemoryStore", "guardCasStore", "bucket4jLockFree",
                 "bucket4jSynchronized"]))


if __name__ == "__main__":
    main()
