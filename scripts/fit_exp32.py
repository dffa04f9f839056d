"""The coefficients of `poly32` in crates/clr-core/src/cyclic/exp.rs.

e^r on [-ln2/2, ln2/2] (with a margin for the rounding of n) as
1 + r + r^2 (c2 + c3 r + c4 r^2 + c5 r^3 + c6 r^4), the relative error
minimised (Lawson's iteration: least squares reweighted toward the largest
errors). 1 + r is kept exact so that e^0 is 1 and the Estrin chain starts
with one addition. Then the f32 evaluation, in the kernel's order, is
checked against e^r in f64.

    .venv/bin/python scripts/fit_exp32.py
"""
import numpy as np

A_MAX = 0.3466 * 1.0005


def fit():
    r = np.linspace(-A_MAX, A_MAX, 20001)
    a = np.stack([r**k for k in range(2, 7)], axis=1) / np.exp(r)[:, None]
    b = 1 - (1 + r) / np.exp(r)
    w = np.ones_like(r)
    for _ in range(400):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        e = np.abs(a @ c - b)
        w = w * e
        w /= w.sum()
    return c, e.max()


def f32_ulps(c):
    f = np.float32
    c = c.astype(f)
    r = np.linspace(-A_MAX, A_MAX, 2_000_001).astype(f)
    r2 = r * r
    r4 = r2 * r2
    p = ((f(1) + r) + (c[0] + r * c[1]) * r2) + ((c[2] + r * c[3]) + c[4] * r2) * r4
    exact = np.exp(r.astype(np.float64))
    return (np.abs(p - exact) / np.spacing(exact.astype(f))).max()


if __name__ == "__main__":
    c, rel = fit()
    print("c2..c6 (f32):", [np.format_float_positional(x) for x in c.astype(np.float32)])
    print(f"relative error {rel:.3e}, f32 evaluation within {f32_ulps(c):.2f} ulp")
