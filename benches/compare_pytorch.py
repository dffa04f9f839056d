#!/usr/bin/env python3
"""Per-step cost of PyTorch's own schedulers, for BENCHMARKS.md's ratios.

Times ``OneCycleLR.step()`` (two and three phases), ``CyclicLR.step()``
(triangular2 and exp_range) and ``CosineAnnealingWarmRestarts.step()`` on an
SGD optimizer with one parameter group, with the presets of
``benches/common/mod.rs`` (max_lr 0.1 over 1,000,000 steps; base_lr 0.001,
max_lr 0.1, step_size_up 20,000, gamma 0.99999; T_0 1000, T_mult 2, lr
0.1). Only the scheduler's
``step()`` is timed, as the Rust ``sequential`` group times only
``batch_begin`` + ``batch_end``.

    .venv/bin/python benches/compare_pytorch.py [--steps 200000] [--repeats 5]

Prints one line per scheduler: the median over the repeats of the time per
step, in ns. Needs the PyTorch of scripts/fixtures/provision.sh (2.13).
"""
import argparse
import platform
import statistics
import time
import warnings

import torch


def sgd():
    p = torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([p], lr=0.1, momentum=0.9)


def one_cycle(three_phase):
    def make(steps):
        # total_steps covers the timed steps: OneCycleLR raises past its end.
        return torch.optim.lr_scheduler.OneCycleLR(
            sgd(), max_lr=0.1, total_steps=max(steps + 1, 1_000_000), three_phase=three_phase)
    return make


def cyclic(mode):
    def make(_steps):
        return torch.optim.lr_scheduler.CyclicLR(
            sgd(), base_lr=0.001, max_lr=0.1, step_size_up=20_000, mode=mode, gamma=0.99999)
    return make


def warm_restarts(_steps):
    return torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(), T_0=1000, T_mult=2)


def time_steps(make, steps, repeats):
    per_step = []
    for _ in range(repeats):
        sched = make(steps)
        step = sched.step
        start = time.perf_counter_ns()
        for _ in range(steps):
            step()
        per_step.append((time.perf_counter_ns() - start) / steps)
    return statistics.median(per_step)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    # step() before optimizer.step() warns once; the timing is the same.
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    print(f"# torch {torch.__version__}, python {platform.python_version()}, "
          f"{args.steps} steps x {args.repeats} repeats (median)")
    for name, make in [
        ("OneCycleLR", one_cycle(False)),
        ("OneCycleLR three_phase", one_cycle(True)),
        ("CyclicLR triangular2", cyclic("triangular2")),
        ("CyclicLR exp_range", cyclic("exp_range")),
        ("CosineAnnealingWarmRestarts", warm_restarts),
    ]:
        print(f"{name}: {time_steps(make, args.steps, args.repeats):.0f} ns/step")


if __name__ == "__main__":
    main()
