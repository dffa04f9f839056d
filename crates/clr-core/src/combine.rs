//! Combinators: constant, sequence, scale, clamp and repeat.
//!
//! [`Sequence`] and [`Repeat`] work on scalar [`Schedule`]s and on whole
//! [`HyperSchedule`] bundles alike.

use core::num::NonZeroU64;

use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::Real;
use crate::schedule::Schedule;

/// The same value at every step (fastai's `SchedNo`). Unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawConstant<F>",
        bound(deserialize = "F: Real + serde::Deserialize<'de>")
    )
)]
pub struct Constant<F>(F);

// The combinators are still written as derived; each is read through a
// raw struct of the same shape and name whose conversion is the
// combinator's own constructor, so what it refuses is refused on the way
// in too (a NaN constant or factor, `min > max`, a repeat of period 0).

/// What a [`Constant`] is read from.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Constant")]
struct RawConstant<F>(F);

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawConstant<F>> for Constant<F> {
    type Error = Error;
    fn try_from(raw: RawConstant<F>) -> Result<Self, Error> {
        Constant::new(raw.0)
    }
}

impl<F: Real> Constant<F> {
    /// A constant schedule; the value must be finite.
    pub fn new(value: F) -> Result<Self, Error> {
        check::finite("value", value.to_f64())?;
        Ok(Constant(value))
    }
}

impl<F: Real> Schedule<F> for Constant<F> {
    #[inline]
    fn at(&self, _step: u64) -> F {
        self.0
    }
    fn total_steps(&self) -> Option<u64> {
        None
    }
    fn fill(&self, out: &mut [F], _first_step: u64) {
        out.fill(self.0);
    }
}

/// `first` for its whole length, then `second`, which sees steps counted
/// from its own start. A bundle keeps momentum (weight decay) only when both
/// parts schedule it.
// Read as derived: `split` and the two flags are derived from the parts
// (their length, whether both schedule momentum), which cannot be asked
// here (`Sequence<A, B>` does not name the value type). None of them can
// make a lookup panic: any `split` picks a part, a flag only filters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sequence<A, B> {
    first: A,
    second: B,
    split: u64,
    momentum: bool,
    weight_decay: bool,
}

impl<A, B> Sequence<A, B> {
    /// Joins two scalar schedules; `first` must be finite.
    pub fn new<F: Real>(first: A, second: B) -> Result<Self, Error>
    where
        A: Schedule<F>,
        B: Schedule<F>,
    {
        let split = first
            .total_steps()
            .ok_or(Error::Unbounded { param: "first" })?;
        Ok(Self::join(first, second, split, false, false))
    }

    /// Joins two bundles; `first` must be finite. Extending a finished
    /// one-cycle with a constant or a second cycle is this.
    pub fn of_hypers<F: Real>(first: A, second: B) -> Result<Self, Error>
    where
        A: HyperSchedule<F>,
        B: HyperSchedule<F>,
    {
        let split = first
            .total_steps()
            .ok_or(Error::Unbounded { param: "first" })?;
        let momentum = first.has_momentum() && second.has_momentum();
        let weight_decay = first.has_weight_decay() && second.has_weight_decay();
        Ok(Self::join(first, second, split, momentum, weight_decay))
    }

    fn join(first: A, second: B, split: u64, momentum: bool, weight_decay: bool) -> Self {
        Sequence {
            first,
            second,
            split,
            momentum,
            weight_decay,
        }
    }

    /// The first step of `second`.
    pub fn split(&self) -> u64 {
        self.split
    }

    #[inline]
    fn pick(&self, step: u64) -> Result<u64, u64> {
        if step < self.split {
            Ok(step)
        } else {
            Err(step - self.split)
        }
    }

    fn len(&self, second: Option<u64>) -> Option<u64> {
        second.map(|n| self.split.saturating_add(n))
    }
}

impl<F: Real, A: Schedule<F>, B: Schedule<F>> Schedule<F> for Sequence<A, B> {
    #[inline]
    fn at(&self, step: u64) -> F {
        match self.pick(step) {
            Ok(s) => self.first.at(s),
            Err(s) => self.second.at(s),
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.len(self.second.total_steps())
    }
}

impl<F: Real, A: HyperSchedule<F>, B: HyperSchedule<F>> HyperSchedule<F> for Sequence<A, B> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let h = match self.pick(step) {
            Ok(s) => self.first.hypers(s),
            Err(s) => self.second.hypers(s),
        };
        Hypers {
            lr: h.lr,
            momentum: h.momentum.filter(|_| self.momentum),
            weight_decay: h.weight_decay.filter(|_| self.weight_decay),
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.len(self.second.total_steps())
    }
    fn has_momentum(&self) -> bool {
        self.momentum
    }
    fn has_weight_decay(&self) -> bool {
        self.weight_decay
    }
}

/// A schedule multiplied by a constant factor.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawScaled<S, F>",
        bound(deserialize = "S: serde::Deserialize<'de>, F: Real + serde::Deserialize<'de>")
    )
)]
pub struct Scaled<S, F> {
    inner: S,
    factor: F,
}

/// What a [`Scaled`] is read from.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Scaled")]
struct RawScaled<S, F> {
    inner: S,
    factor: F,
}

#[cfg(feature = "serde")]
impl<S, F: Real> TryFrom<RawScaled<S, F>> for Scaled<S, F> {
    type Error = Error;
    fn try_from(raw: RawScaled<S, F>) -> Result<Self, Error> {
        Scaled::new(raw.inner, raw.factor)
    }
}

impl<S, F: Real> Scaled<S, F> {
    /// `inner` times `factor` (finite).
    pub fn new(inner: S, factor: F) -> Result<Self, Error> {
        check::finite("factor", factor.to_f64())?;
        Ok(Scaled { inner, factor })
    }
}

impl<F: Real, S: Schedule<F>> Schedule<F> for Scaled<S, F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.inner.at(step) * self.factor
    }
    fn total_steps(&self) -> Option<u64> {
        self.inner.total_steps()
    }
}

/// A schedule kept within `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawClamped<S, F>",
        bound(deserialize = "S: serde::Deserialize<'de>, F: Real + serde::Deserialize<'de>")
    )
)]
pub struct Clamped<S, F> {
    inner: S,
    min: F,
    max: F,
}

/// What a [`Clamped`] is read from.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Clamped")]
struct RawClamped<S, F> {
    inner: S,
    min: F,
    max: F,
}

#[cfg(feature = "serde")]
impl<S, F: Real> TryFrom<RawClamped<S, F>> for Clamped<S, F> {
    type Error = Error;
    fn try_from(raw: RawClamped<S, F>) -> Result<Self, Error> {
        Clamped::new(raw.inner, raw.min, raw.max)
    }
}

impl<S, F: Real> Clamped<S, F> {
    /// `inner` clamped to `[min, max]` (finite, `min <= max`).
    pub fn new(inner: S, min: F, max: F) -> Result<Self, Error> {
        check::finite("min", min.to_f64())?;
        check::finite("max", max.to_f64())?;
        check::ordered("min", min.to_f64(), "max", max.to_f64())?;
        Ok(Clamped { inner, min, max })
    }
}

impl<F: Real, S: Schedule<F>> Schedule<F> for Clamped<S, F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.inner.at(step).max(self.min).min(self.max)
    }
    fn total_steps(&self) -> Option<u64> {
        self.inner.total_steps()
    }
}

/// A finite schedule played `times` times in a row (or forever).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawRepeat<S>",
        bound(deserialize = "S: serde::Deserialize<'de>")
    )
)]
pub struct Repeat<S> {
    inner: S,
    period: NonZeroU64,
    times: Option<u64>,
}

/// What a [`Repeat`] is read from. `period` is `inner`'s length, which
/// cannot be asked here (`Repeat<S>` does not name the value type its
/// schedule is over), so it is kept as written once checked non-zero.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Repeat")]
struct RawRepeat<S> {
    inner: S,
    period: u64,
    times: Option<u64>,
}

#[cfg(feature = "serde")]
impl<S> TryFrom<RawRepeat<S>> for Repeat<S> {
    type Error = Error;
    fn try_from(raw: RawRepeat<S>) -> Result<Self, Error> {
        Repeat::with_period(raw.inner, raw.period, raw.times)
    }
}

impl<S> Repeat<S> {
    /// Repeats a scalar schedule; `times = None` repeats forever. Refused when
    /// `inner` is unbounded, has no steps (a `period` of 0) or `times` is 0.
    pub fn new<F: Real>(inner: S, times: Option<u64>) -> Result<Self, Error>
    where
        S: Schedule<F>,
    {
        let period = inner
            .total_steps()
            .ok_or(Error::Unbounded { param: "inner" })?;
        Self::with_period(inner, period, times)
    }

    /// Repeats a bundle; `times = None` repeats forever. Refused when
    /// `inner` is unbounded, has no steps (a `period` of 0) or `times` is 0.
    pub fn of_hypers<F: Real>(inner: S, times: Option<u64>) -> Result<Self, Error>
    where
        S: HyperSchedule<F>,
    {
        let period = inner
            .total_steps()
            .ok_or(Error::Unbounded { param: "inner" })?;
        Self::with_period(inner, period, times)
    }

    /// `period` non-zero, or every step's place in it would divide by zero
    /// (a user's schedule may say it has no steps).
    fn with_period(inner: S, period: u64, times: Option<u64>) -> Result<Self, Error> {
        let period = check::nonzero("period", period)?;
        if let Some(t) = times {
            check::nonzero("times", t)?;
        }
        Ok(Repeat {
            inner,
            period,
            times,
        })
    }

    /// Which repetition `step` is in, and the step inside it.
    #[inline]
    fn fold(&self, step: u64) -> u64 {
        match self.total() {
            Some(total) if step >= total => self.period.get() - 1,
            _ => step % self.period,
        }
    }

    fn total(&self) -> Option<u64> {
        self.times.map(|t| t.saturating_mul(self.period.get()))
    }
}

impl<F: Real, S: Schedule<F>> Schedule<F> for Repeat<S> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.inner.at(self.fold(step))
    }
    fn total_steps(&self) -> Option<u64> {
        self.total()
    }
}

impl<F: Real, S: HyperSchedule<F>> HyperSchedule<F> for Repeat<S> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        self.inner.hypers(self.fold(step))
    }
    fn total_steps(&self) -> Option<u64> {
        self.total()
    }
    fn has_momentum(&self) -> bool {
        self.inner.has_momentum()
    }
    fn has_weight_decay(&self) -> bool {
        self.inner.has_weight_decay()
    }
}
