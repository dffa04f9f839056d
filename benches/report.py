#!/usr/bin/env python3
"""Tabulates the medians of `cargo bench --bench schedules` runs.

    python3 benches/report.py [CRITERION_DIR ...]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion.
Prints one Markdown table per mode (random, sequential, fill): the median time
per value of each function id and its ratio to the naive baseline of the same
group (measured in the same run). Given several directories (copies of the criterion directory after each of
several runs), each cell is the median of the runs' medians and each ratio the
median of the runs' ratios, so that one noisy run does not decide a row.
Standard library only.
"""
import statistics
import json
import os
import sys
from collections import defaultdict

def load(root):
    rows = defaultdict(dict)  # group_id -> function_id -> (median ns, elements)
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        elements = (bench.get("throughput") or {}).get("Elements", 1)
        rows[bench["group_id"]][bench["function_id"]] = (est["median"]["point_estimate"], elements)
    return rows


def ratio(runs, group, num, den):
    """The median over runs of num/den (times per value) in `group`, over
    the runs that timed both; None if none did."""
    both = [r[group] for r in runs if num in r.get(group, {}) and den in r[group]]
    if not both:
        return None
    return statistics.median((g[num][0] / g[num][1]) / (g[den][0] / g[den][1]) for g in both)


def merge(runs):
    """Per group and function: the median over runs of (median ns, elements),
    and per group the median over runs of each naive/id ratio."""
    rows, ratios = defaultdict(dict), defaultdict(dict)
    for group in set().union(*runs):
        for fid in set().union(*(r.get(group, {}) for r in runs)):
            seen = [r[group][fid] for r in runs if fid in r.get(group, {})]
            rows[group][fid] = (statistics.median(ns / el for ns, el in seen), 1)
            if (q := ratio(runs, group, "naive", fid)) is not None:
                ratios[group][fid] = q
    return rows, ratios


def fmt_ns(ns):
    return f"{ns:.2f} ns" if ns < 100 else f"{ns:.0f} ns"


def main():
    roots = sys.argv[1:] or [os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")]
    runs = [load(root) for root in roots]
    if not all(runs):
        sys.exit(f"no criterion results under one of {roots}")
    rows, ratios = merge(runs)
    modes = defaultdict(list)
    for group in sorted(rows):
        parts = group.split("/")
        # Other benchmarks (clr-tch's overhead) may share the directory.
        if len(parts) != 3:
            continue
        mode, preset, ty = parts
        modes[mode].append((preset, ty, rows[group]))
    for mode in ["random", "sequential", "fill"]:
        if mode not in modes:
            continue
        ids = sorted({i for _, _, r in modes[mode] for i in r} - {"naive"})
        ids += [i for i in ("naive",) if any(i in r for _, _, r in modes[mode])]
        per = "per value" if mode == "fill" else "per step"
        head = ["preset", "type"] + [f"{i} ({per})" for i in ids]
        head += [f"naive / {i}" for i in ids if i != "naive"]
        if mode == "fill":
            head += ["clr M values/s"]
        print(f"\n### {mode}\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for preset, ty, r in modes[mode]:
            per_value = {i: r[i][0] / r[i][1] for i in r}
            cells = [preset, ty] + [fmt_ns(per_value[i]) if i in per_value else "" for i in ids]
            for i in ids:
                if i == "naive":
                    continue
                if i in ratios[f"{mode}/{preset}/{ty}"]:
                    cells.append(f"{ratios[f'{mode}/{preset}/{ty}'][i]:.2f}x")
                else:
                    cells.append("")
            if mode == "fill" and "clr" in per_value:
                cells.append(f"{1e3 / per_value['clr']:.0f}")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
