#!/usr/bin/env python3
"""Tabulates the medians of the last `cargo bench --bench schedules` run.

    python3 benches/report.py [CRITERION_DIR]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion.
Prints one Markdown table per mode (random, sequential, fill): the median time
per value of each function id and its ratio to the naive baseline of the same
group (measured in the same run). Standard library only.
"""
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


def fmt_ns(ns):
    return f"{ns:.2f} ns" if ns < 100 else f"{ns:.0f} ns"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    rows = load(root)
    if not rows:
        sys.exit(f"no criterion results under {root}")
    modes = defaultdict(list)
    for group in sorted(rows):
        mode, preset, ty = group.split("/")
        modes[mode].append((preset, ty, rows[group]))
    for mode in ["random", "sequential", "fill"]:
        if mode not in modes:
            continue
        ids = sorted({i for _, _, r in modes[mode] for i in r if i != "naive"}) + ["naive"]
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
                if i in per_value and "naive" in per_value:
                    cells.append(f"{per_value['naive'] / per_value[i]:.2f}x")
                else:
                    cells.append("")
            if mode == "fill" and "clr" in per_value:
                cells.append(f"{1e3 / per_value['clr']:.0f}")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
