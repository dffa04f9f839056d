"""Writes the seed corpus of the `state_machines` fuzz target.

    python3 fuzz/gen_seeds.py

Deterministic: the same files every run. Each seed follows the byte layout
`fuzz/harness.rs` decodes: the range-test configuration, the scheduler's
schedule, then the losses.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "state_machines")
SPECIAL = ["nan", "inf", "-inf", "0", "-0", "min_positive", "5e-324", "max", "1", "-1", "1e-300", "1e300"]


def raw(x):  # tag 0: the f64's bits
    return bytes([0]) + struct.pack("<d", x)


def special(name):  # tag 1: a special value
    return bytes([1, SPECIAL.index(name)])


def dec(exp16):  # tag 2: 10**(exp16/16)
    return bytes([2, exp16 & 0xFF])


def unit(x):  # x in [0, 1], in 1/255 steps
    return bytes([1, round(x * 255)])


def loss_nice(x):  # 0.5 + k/32
    return bytes([2, round((x - 0.5) * 32)])


def loss_raw(x):
    return bytes([0]) + struct.pack("<d", x)


def config(flags=0, lr=(dec(-80), dec(16)), steps=20, bps=1, thr=bytes([1, 64]), wds=(),
           val=1, smoothing=bytes([0]), accum=1):
    b = bytes([flags]) + lr[0] + lr[1] + struct.pack("<H", steps) + bytes([bps - 1]) + thr
    b += bytes([len(wds)]) + b"".join(wds)
    if flags & 2:
        b += bytes([val])
    return b + smoothing + bytes([accum])


def keras(epochs=2, bpe=5, lo=dec(-48), hi=dec(-16), momentum=None, f=unit(0.3), policy=0, extra=10):
    kind = 2 if momentum else 0
    b = bytes([epochs - 1, bpe - 1, kind]) + lo + hi
    if momentum:
        b += unit(momentum[0]) + unit(momentum[1])
    return b + f + bytes([policy, extra])


def cyclic(epochs=3, bpe=4, base=dec(-48), top=dec(-16), momentum=None, up=3, down=250, mode=0,
           gamma=None, policy=3, extra=20):
    kind = 3 if momentum else 1
    b = bytes([epochs - 1, bpe - 1, kind]) + base + top
    if momentum:
        b += unit(momentum[0]) + unit(momentum[1])
    b += bytes([up, down, mode])
    if gamma is not None:
        b += unit(gamma)
    return b + bytes([policy, extra])


def bowl(n):  # falls, then rises past 5x the best
    return b"".join(loss_nice(min(8.0, 2.0 - 1.5 * k / n + (k / n) ** 6 * 40)) for k in range(n))


SEEDS = {
    "01_default_bowl": config() + keras() + bowl(40),
    "02_nan_loss": config(steps=30) + keras(policy=1) + bowl(5) + loss_raw(float("nan")) + bowl(20),
    "03_inf_loss": config(steps=30, bps=2) + cyclic() + bowl(7) + loss_raw(float("inf")) + loss_raw(float("-inf")),
    "04_wd_grid_validation": config(flags=2, steps=15, wds=(bytes([1, 1]), bytes([1, 10]), bytes([1, 100])), val=2)
    + keras(momentum=(0.95, 0.85), policy=2) + bowl(60),
    "05_linear_ema_accum": config(flags=4, steps=50, accum=3, smoothing=bytes([2]) + unit(0.05))
    + cyclic(momentum=(0.8, 0.9), mode=1, policy=4) + bowl(100),
    "06_debiased_ema": config(steps=100, smoothing=bytes([1]) + unit(0.98)) + cyclic(mode=2, gamma=0.99) + bowl(100),
    "07_subnormal_losses": config(steps=25) + keras(policy=3)
    + b"".join(loss_raw(x) for x in [5e-324, 2.2250738585072014e-308, 1e-310, 0.0, -0.0] * 5),
    "08_nan_inf_range": config(lr=(special("nan"), special("inf"))) + cyclic(base=special("inf"), top=special("nan"))
    + loss_raw(float("nan")),
    "09_huge_range": config(lr=(special("1e-300"), special("1e300")), steps=299, bps=4)
    + keras(lo=special("0"), hi=special("1e300")) + bowl(200),
    "10_one_step": config(steps=1, thr=bytes([0]) + special("max")) + cyclic(up=0, down=0) + bowl(3),
    "11_tiny": bytes([0, 0xff, 0x7f, 0xff]),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds in {OUT}")
