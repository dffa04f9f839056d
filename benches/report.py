#!/usr/bin/env python3
"""Tabulates `cargo bench --bench schedules` runs, and PyTorch's step() times.

    python3 benches/report.py [CRITERION_DIR ...] [--pytorch FILE ...]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion.
Prints one Markdown table, a row per preset and value type: the time per value
of `clr` in each group (random access, the Scheduler's step, fill) and the
naive baseline's time over it, measured in the same run. Given several
directories (copies of the criterion directory after each of several runs),
each time is the median of the runs' medians and each ratio the median of the
runs' ratios, so that one noisy run does not decide a row.

Each --pytorch FILE is the output of benches/compare_pytorch.py after the run
of the same position; the `PyTorch / step` column is then, for the f64 presets
PyTorch has, the median over runs of PyTorch's step() time over that run's
Scheduler step. Standard library only.
"""
import json
import os
import re
import statistics
import sys
from collections import defaultdict

# benches/compare_pytorch.py's names for the presets of benches/schedules.rs.
PYTORCH = {
    "OneCycleLR": "torch_one_cycle_2phase",
    "OneCycleLR three_phase": "torch_one_cycle_3phase",
    "CyclicLR triangular2": "cyclic_triangular2",
    "CyclicLR exp_range": "cyclic_exp_range",
    "CosineAnnealingWarmRestarts": "warm_restarts",
}
MODES = [("random", "clr"), ("sequential", "scheduler"), ("fill", "clr")]


def load(root):
    """group_id -> function_id -> median ns per value."""
    rows = defaultdict(dict)
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        elements = (bench.get("throughput") or {}).get("Elements", 1)
        rows[bench["group_id"]][bench["function_id"]] = est["median"]["point_estimate"] / elements
    return rows


def load_pytorch(path):
    """preset -> ns per step."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"(.+): (\d+) ns/step", line.strip())
            if m and m.group(1) in PYTORCH:
                out[PYTORCH[m.group(1)]] = float(m.group(2))
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ns(ns):
    if ns is None:
        return ""
    return f"{ns:.2f} ns" if ns < 100 else f"{ns:.0f} ns"


def fmt_x(x):
    return "" if x is None else f"{x:.2f}x" if x < 100 else f"{x:.0f}x"


def main():
    args = sys.argv[1:]
    pytorch_files = args[args.index("--pytorch") + 1:] if "--pytorch" in args else []
    roots = args[:args.index("--pytorch")] if "--pytorch" in args else args
    roots = roots or [os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")]
    runs = [load(root) for root in roots]
    if not all(runs):
        sys.exit(f"no criterion results under one of {roots}")
    torch_runs = [load_pytorch(p) for p in pytorch_files]
    presets = sorted({tuple(g.split("/")[1:]) for r in runs for g in r if len(g.split("/")) == 3})
    head = ["preset", "type"]
    for mode, fid in MODES:
        head += [f"{mode} `{fid}`", "naive / it"]
    if torch_runs:
        head += ["PyTorch `step()` / `scheduler`"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for preset, ty in presets:
        cells = [preset, ty]
        for mode, fid in MODES:
            group = f"{mode}/{preset}/{ty}"
            times = [r.get(group, {}).get(fid) for r in runs]
            ratios = [r[group]["naive"] / r[group][fid] for r in runs
                      if fid in r.get(group, {}) and "naive" in r[group]]
            cells += [fmt_ns(median(times)), fmt_x(median(ratios))]
        if torch_runs:
            group = f"sequential/{preset}/{ty}"
            ratios = [t[preset] / r[group]["scheduler"] for r, t in zip(runs, torch_runs)
                      if ty == "f64" and preset in t and "scheduler" in r.get(group, {})]
            cells.append(fmt_x(median(ratios)))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
