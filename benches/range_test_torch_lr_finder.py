#!/usr/bin/env python3
"""torch-lr-finder's range test on the Keras package's demo task, timed.

The anchor of BENCHMARKS.md's range-test table. The same task as the Rust
benchmarks (benches/src/lib.rs, reproduced bit for bit from the same
SplitMix64 draws): the Keras package's 1-D regression data (1001 points),
its 1->20->1 network with batch norm and the same initial weights, SGD with
momentum 0.95, batches of 32 in the same order every epoch; learning rates
1e-5 to 10, exponential; divergence stop off (``diverge_th=inf``); one
thread. Each run times what a user waits for: ``LRFinder(...)`` (which
saves the model and optimizer), ``range_test`` and ``reset()`` (which puts
them back). tqdm's progress bar is off (``TQDM_DISABLE``), as ours is.

    .venv/bin/python benches/range_test_torch_lr_finder.py [ITERATIONS ...] [--repeats 5]

Prints, per sweep length (default 100 and 1000), after one untimed run,
``range_test<TAB>torch-lr-finder<TAB>iterations<TAB>batches<TAB>total ms``:
the median over the repeats, as the Rust benchmarks print theirs. Needs
scripts/fixtures/provision.sh's venv (PyTorch 2.13, torch-lr-finder 0.2.2).
"""
import argparse
import contextlib
import io
import math
import os
import statistics
import time

os.environ["TQDM_DISABLE"] = "1"  # before torch_lr_finder imports tqdm

import torch  # noqa: E402
from torch_lr_finder import LRFinder  # noqa: E402

POINTS, HIDDEN, BATCH = 1001, 20, 32
LR_RANGE = (1e-5, 10.0)
MOMENTUM = 0.95
MASK = (1 << 64) - 1


class SplitMix64:
    """benches/src/lib.rs's generator, bit for bit."""

    def __init__(self, seed):
        self.state = seed

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next_u64() >> 11) / float(1 << 53)

    def normal(self):
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(math.tau * u2)


def demo():
    """The data and initial weights of benches/src/lib.rs's `Demo::new`."""
    rng = SplitMix64(99)
    xs, ys = [], []
    for i in range(POINTS):
        x = -1.0 + 2.0 * i / (POINTS - 1)
        y = (x ** 3 - 0.5 * x * x - x + 0.1 * rng.normal() + math.exp(-abs(x))
             - round_half_away((x + 1.0) / 2.0) * math.sqrt(3.0 - x * x)
             + round_half_away((x + 0.5) / 2.0) * (3.0 - x) ** 0.33)
        xs.append(x)
        ys.append(y)
    hidden_w = [math.sqrt(2.0) * rng.normal() for _ in range(HIDDEN)]
    out_w = [math.sqrt(2.0 / HIDDEN) * rng.normal() for _ in range(HIDDEN)]
    hidden_b = [2.0 * rng.uniform() - 1.0 for _ in range(HIDDEN)]
    out_b = [(1.0 / math.sqrt(HIDDEN)) * (2.0 * rng.uniform() - 1.0)]
    return xs, ys, (hidden_w, hidden_b, out_w, out_b)


def round_half_away(v):
    """Rust's `f64::round` (Python's `round` rounds half to even)."""
    return math.copysign(math.floor(abs(v) + 0.5), v)


class Order(torch.utils.data.Sampler):
    """benches/src/lib.rs's `Order`: Fisher-Yates, a new order each epoch."""

    def __init__(self):
        self.rng = SplitMix64(7)
        self.order = list(range(POINTS))

    def __len__(self):
        return POINTS

    def __iter__(self):
        for i in range(POINTS - 1, 0, -1):
            j = self.rng.next_u64() % (i + 1)
            self.order[i], self.order[j] = self.order[j], self.order[i]
        return iter(list(self.order))


def model(weights):
    net = torch.nn.Sequential(
        torch.nn.Linear(1, HIDDEN), torch.nn.BatchNorm1d(HIDDEN),
        torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 1))
    hidden_w, hidden_b, out_w, out_b = weights
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(hidden_w).view(HIDDEN, 1))
        net[0].bias.copy_(torch.tensor(hidden_b))
        net[3].weight.copy_(torch.tensor(out_w).view(1, HIDDEN))
        net[3].bias.copy_(torch.tensor(out_b))
    return net


def run(net, loader, iterations):
    """One range test as a user runs it; returns the batches trained."""
    optimizer = torch.optim.SGD(net.parameters(), lr=LR_RANGE[0], momentum=MOMENTUM)
    # range_test prints a line at its end: kept off this script's output.
    with contextlib.redirect_stdout(io.StringIO()):
        finder = LRFinder(net, optimizer, torch.nn.MSELoss(), device="cpu")
        finder.range_test(loader, end_lr=LR_RANGE[1], num_iter=iterations,
                          step_mode="exp", diverge_th=math.inf)
        finder.reset()
    return len(finder.history["loss"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("iterations", type=int, nargs="*", default=[100, 1000])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    xs, ys, weights = demo()
    data = torch.utils.data.TensorDataset(
        torch.tensor(xs, dtype=torch.float32).view(POINTS, 1),
        torch.tensor(ys, dtype=torch.float32).view(POINTS, 1))
    net = model(weights)
    # A fresh order every run, as the Rust benchmarks' loaders start.
    def loader():
        return torch.utils.data.DataLoader(data, batch_size=BATCH, sampler=Order())
    for n in args.iterations:
        batches = run(net, loader(), n)
        totals = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            batches = run(net, loader(), n)
            totals.append((time.perf_counter() - start) * 1e3)
        print(f"range_test\ttorch-lr-finder\t{n}\t{batches}\t{statistics.median(totals):.4f}")


if __name__ == "__main__":
    main()
