#!/usr/bin/env python3
"""One timing sitting of the range test and Fit benchmarks, tabulated.

Runs, RUNS times in turn (default 3), torch-lr-finder's range test
(benches/range_test_torch_lr_finder.py) and the `range-test` and `fit`
benchmarks of clr-candle, clr-burn and (with --tch) clr-tch, each printing
the median of its own repeats; then prints BENCHMARKS.md's two tables:
each figure the median over the runs, each ratio the median over the runs
of that run's ratio (so one noisy run does not decide a row).

    cargo bench -p clr-benches --no-run [--features tch]    # build first
    python3 benches/speed.py [--runs 3] [--tch] [--python .venv/bin/python]

--tch needs libtorch in the environment (eval "$(bash
scripts/provision-libtorch.sh)"). Standard library only.
"""
import argparse
import statistics
import subprocess
import sys
from collections import defaultdict

ANCHOR = "torch-lr-finder"


def lines(cmd):
    """The tab-separated result lines `cmd` prints."""
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if "\t" in line]


def bench(name, what, features):
    return ["cargo", "bench", "-q", "-p", "clr-benches", *features, "--bench", name,
            "--", *what]


def sitting(args):
    """Per run: {(tool, iterations): (batches, ms)} and {(adapter, model): row}."""
    adapters = ["candle", "burn"] + (["tch"] if args.tch else [])
    features = ["--features", "tch"] if args.tch else []
    runs = []
    for run in range(args.runs):
        print(f"# run {run + 1} of {args.runs}", file=sys.stderr)
        ranges, fits = {}, {}
        commands = [[args.python, "benches/range_test_torch_lr_finder.py"]]
        commands += [bench(a, ["range-test"], features) for a in adapters]
        commands += [bench(a, ["fit"], features) for a in adapters]
        for cmd in commands:
            for row in lines(cmd):
                if row[0] == "range_test":
                    ranges[(row[1], int(row[2]))] = (int(row[3]), float(row[4]))
                elif row[0] == "fit":
                    fits[(row[1], row[2])] = tuple(float(v) for v in row[3:6])
        runs.append((ranges, fits))
    return runs


def range_table(runs):
    print("| tool | iterations | batches | total ms | ms / batch "
          "| torch-lr-finder / it (per batch) | over the bare loop |")
    print("|---|---|---|---|---|---|---|")
    keys = sorted(runs[0][0], key=lambda k: (k[1], k[0] != ANCHOR, k[0]))
    for tool, n in keys:
        per = defaultdict(list)
        for ranges, _ in runs:
            batches, ms = ranges[(tool, n)]
            anchor_batches, anchor_ms = ranges[(ANCHOR, n)]
            per["batches"].append(batches)
            per["ms"].append(ms)
            per["per_batch"].append(ms / batches)
            per["ratio"].append((anchor_ms / anchor_batches) / (ms / batches))
            bare = ranges.get(("bare " + tool.removeprefix("clr-"), n))
            if tool.startswith("clr-") and bare:
                per["over"].append(((ms / batches) / (bare[1] / bare[0]) - 1) * 100)
        med = {k: statistics.median(v) for k, v in per.items()}
        over = f"{med['over']:+.1f}%" if "over" in med else ""
        print(f"| {tool} | {n} | {med['batches']:.0f} | {med['ms']:.1f} "
              f"| {med['per_batch']:.4f} | {med['ratio']:.2f}x | {over} |")


def fit_table(runs):
    print("| adapter | model | bare loop µs / step | `Fit` µs / step | overhead |")
    print("|---|---|---|---|---|")
    for adapter, model in runs[0][1]:
        rows = [fits[(adapter, model)] for _, fits in runs]
        bare, ours, overhead = (statistics.median(col) for col in zip(*rows))
        print(f"| {adapter} | {model} | {bare:.2f} | {ours:.2f} | {overhead:+.2f}% |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tch", action="store_true", help="clr-tch too (needs libtorch)")
    ap.add_argument("--python", default=".venv/bin/python",
                    help="the Python with PyTorch 2.13 and torch-lr-finder 0.2.2")
    args = ap.parse_args()
    runs = sitting(args)
    range_table(runs)
    print()
    fit_table(runs)


if __name__ == "__main__":
    main()
