//! Annealing curves: the value at progress `pct` of the way from `start`
//! (`pct = 0`) to `end` (`pct = 1`), each in its reference's own operation
//! order, so that a schedule built on them gives that reference's bits.
//!
//! PyTorch's `OneCycleLR` anneals with
//!
//! ```text
//! _annealing_cos(start, end, pct)    = end + (start - end) / 2.0 * (cos(pi * pct) + 1)
//! _annealing_linear(start, end, pct) = (end - start) * pct + start
//! ```
//!
//! and fastai's `combine_scheds` with
//!
//! ```text
//! sched_cos(start, end, pos)    = start + (1 + cos(pi * (1 - pos))) * (end - start) / 2
//! sched_lin(start, end, pos)    = start + pos * (end - start)
//! sched_exp(start, end, pos)    = start * (end / start) ** pos
//! SchedPoly(start, end, power)  = start + (end - start) * pos ** power
//! sched_no(start, end, pos)     = start
//! ```

use crate::error::{check, Error};
use crate::real::Real;

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
    pub(crate) fn validate(self) -> Result<Self, Error> {
        if let Anneal::Poly(p) = self {
            check::positive("power", p)?;
        }
        Ok(self)
    }

    /// The part of PyTorch's curve that depends on the progress alone:
    /// `cos(pi * pct) + 1` for `Cos`, `pct` for the others. Values
    /// annealed over one phase share it (and so one cosine):
    /// [`torch_at`](Self::torch_at) gives each.
    #[inline]
    pub(crate) fn torch_wave<F: Real>(self, pct: F) -> F {
        match self {
            Anneal::Cos => (F::PI() * pct).cos() + F::one(),
            _ => pct,
        }
    }

    /// The value from `start` to `end` at `wave = torch_wave(pct)`, in
    /// PyTorch's expressions (`Cos` and `Linear`; the others, which PyTorch
    /// has not, in fastai's).
    #[inline]
    pub(crate) fn torch_at<F: Real>(self, start: F, end: F, wave: F) -> F {
        let two = F::one() + F::one();
        match self {
            Anneal::Cos => end + (start - end) / two * wave,
            Anneal::Linear => (end - start) * wave + start,
            _ => self.fastai_at(start, end, wave),
        }
    }

    /// The part of fastai's curve that depends on the position alone:
    /// `1 + cos(pi * (1 - pos))` for `Cos`, `pos` for the others; values
    /// annealed over one phase share it ([`fastai_at`](Self::fastai_at)).
    #[inline]
    pub(crate) fn fastai_wave<F: Real>(self, pos: F) -> F {
        match self {
            Anneal::Cos => F::one() + (F::PI() * (F::one() - pos)).cos(),
            _ => pos,
        }
    }

    /// The value from `start` to `end` at `wave = fastai_wave(pos)`, in
    /// fastai's expressions.
    #[inline]
    pub(crate) fn fastai_at<F: Real>(self, start: F, end: F, wave: F) -> F {
        let two = F::one() + F::one();
        match self {
            Anneal::Cos => start + wave * (end - start) / two,
            Anneal::Linear => start + wave * (end - start),
            Anneal::Exp => exp(start, end, wave),
            Anneal::Poly(power) => start + (end - start) * wave.powf(F::from_f64(power)),
            Anneal::Constant => start,
        }
    }
}

/// fastai's `start * (end / start) ** pos`, for `start` and `end` > 0.
#[inline]
fn exp<F: Real>(start: F, end: F, pos: F) -> F {
    let ratio = end / start;
    if ratio.is_finite() {
        start * ratio.powf(pos)
    } else {
        // A subnormal start overflows the ratio: interpolate the logarithms.
        (start.ln() * (F::one() - pos) + end.ln() * pos).exp()
    }
}
