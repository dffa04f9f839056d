//! Annealing curves: pure functions from `(start, end, pct)` to a value.
//!
//! `pct` runs from 0 (the value is `start`) to 1 (the value is `end`). The
//! formulas are PyTorch's `_annealing_cos` / `_annealing_linear` and fastai's
//! `SchedExp` / `SchedPoly` / `SchedNo`, in the same operation order, so a
//! schedule built on them reproduces those libraries to the last bits.

use crate::error::{check, Error};
use crate::real::Real;

pub(crate) mod trig;

/// The shape of one phase.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Anneal {
    /// Half a cosine wave: slow at both ends, fast in the middle.
    Cos,
    /// A straight line.
    Linear,
    /// Geometric interpolation: equal ratios per step (`start` and `end` > 0).
    Exp,
    /// `start + (end - start) * pct^power`.
    Poly(f64),
    /// Stays at `start` for the whole phase.
    Constant,
}

impl Anneal {
    /// Checks the curve's own parameter (the power of [`Anneal::Poly`]).
    pub fn validate(self) -> Result<Self, Error> {
        if let Anneal::Poly(p) = self {
            check::positive("power", p)?;
        }
        Ok(self)
    }

    /// The value at `pct` of the way from `start` to `end`.
    #[inline(always)]
    pub fn apply<F: Real>(self, start: F, end: F, pct: F) -> F {
        match self {
            Anneal::Cos => cos(start, end, pct),
            Anneal::Linear => linear(start, end, pct),
            Anneal::Exp => exp(start, end, pct),
            Anneal::Poly(p) => poly(start, end, pct, F::from_f64(p)),
            Anneal::Constant => start,
        }
    }
}

/// PyTorch's `_annealing_cos`: `end + (start - end) / 2 * (cos(pi * pct) + 1)`.
///
/// The cosine is `libm`'s to the bit, computed by a branch-free kernel.
#[inline]
pub fn cos<F: Real>(start: F, end: F, pct: F) -> F {
    cos_from(start, end, trig::cos(cos_arg(pct)))
}

/// `pi * pct`: the argument of [`cos`]'s cosine.
#[inline(always)]
pub(crate) fn cos_arg<F: Real>(pct: F) -> F {
    F::PI() * pct
}

/// [`cos`] from its cosine `c = cos(pi * pct)`, in PyTorch's operation order.
#[inline(always)]
pub(crate) fn cos_from<F: Real>(start: F, end: F, c: F) -> F {
    cos_from_half(end, cos_half(start, end), c)
}

/// `(start - end) / 2`: [`cos`]'s amplitude, which a schedule can keep.
#[inline(always)]
pub(crate) fn cos_half<F: Real>(start: F, end: F) -> F {
    let two = F::one() + F::one();
    (start - end) / two
}

/// [`cos_from`] given its amplitude `half = cos_half(start, end)`.
#[inline(always)]
pub(crate) fn cos_from_half<F: Real>(end: F, half: F, c: F) -> F {
    end + half * (c + F::one())
}

/// PyTorch's `_annealing_linear`: `(end - start) * pct + start`.
#[inline]
pub fn linear<F: Real>(start: F, end: F, pct: F) -> F {
    (end - start) * pct + start
}

/// fastai's `SchedExp`: `start * (end / start)^pct`.
#[inline]
pub fn exp<F: Real>(start: F, end: F, pct: F) -> F {
    let ratio = end / start;
    if ratio.is_finite() {
        start * ratio.powf(pct)
    } else {
        // A subnormal start overflows the ratio: interpolate the logarithms.
        (start.ln() * (F::one() - pct) + end.ln() * pct).exp()
    }
}

/// fastai's `SchedPoly`: `start + (end - start) * pct^power`.
#[inline]
pub fn poly<F: Real>(start: F, end: F, pct: F, power: F) -> F {
    start + (end - start) * pct.powf(power)
}

/// fastai's `SchedNo`: always `start`.
#[inline]
pub fn constant<F: Real>(start: F, _end: F, _pct: F) -> F {
    start
}
