//! The learning-rate range test's sweep: the learning rate of each of its steps.

use crate::error::{check, Error};
use crate::real::Real;
use crate::schedule::Schedule;

/// How the sweep spaces its learning rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SweepMode {
    /// Evenly in `log10` (the Keras package's `10**linspace(log10 lo, log10 hi, steps)`).
    #[default]
    Exp,
    /// Evenly in the learning rate (`linspace(lo, hi, steps)`).
    Linear,
}

/// `steps` learning rates from `lo` to `hi`, both included, computed as
/// numpy's `linspace` does (`start + i * step`, the last point set to `stop`).
/// Like numpy, a range given high-to-low sweeps downwards.
///
/// ```
/// use clr_core::{LrSweep, Schedule, SweepMode};
///
/// let s = LrSweep::new((1e-5_f64, 10.0), 100, SweepMode::Exp)?;
/// assert_eq!(s.at(99), 10.0);
/// assert!((s.at(0) - 1e-5).abs() < 1e-20);
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawLrSweep", bound(deserialize = "F: Real"))
)]
pub struct LrSweep<F> {
    // The learning rates' bounds: `10^(log10 x)` can round past them.
    min: f64,
    max: f64,
    start: f64,
    stop: f64,
    step: f64,
    steps: u64,
    mode: SweepMode,
    _value: core::marker::PhantomData<F>,
}

/// What an [`LrSweep`] is read from: the fields it is written with, of
/// which only the configuration counts. `min` and `max` are the range's
/// bounds and `start` above `stop` says it was given high-to-low; the
/// rest (`step`, and `start` and `stop` themselves) is derived, so
/// [`LrSweep::new`] validates the range and computes it again. A crafted
/// `steps = 0` would otherwise underflow in `at`, and `min > max` make its
/// `clamp` panic (refused as such, not read as a range either way round). `step` and `_value` are unknown fields here, which serde
/// skips.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "LrSweep")]
struct RawLrSweep {
    min: f64,
    max: f64,
    start: f64,
    stop: f64,
    steps: u64,
    mode: SweepMode,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawLrSweep> for LrSweep<F> {
    type Error = Error;
    fn try_from(raw: RawLrSweep) -> Result<Self, Error> {
        // `new` stores `min(lo, hi)` and `max(lo, hi)` exactly, and its
        // `start` and `stop` are monotone in `lo` and `hi`.
        check::ordered("min", raw.min, "max", raw.max)?;
        let (lo, hi) = if raw.start > raw.stop {
            (raw.max, raw.min)
        } else {
            (raw.min, raw.max)
        };
        LrSweep::new((F::from_f64(lo), F::from_f64(hi)), raw.steps, raw.mode)
    }
}

impl<F: Real> LrSweep<F> {
    /// A sweep of `steps` learning rates over `lr_range = (lo, hi)`.
    pub fn new(lr_range: (F, F), steps: u64, mode: SweepMode) -> Result<Self, Error> {
        let (lo, hi) = (lr_range.0.to_f64(), lr_range.1.to_f64());
        check::positive("lr_range.0", lo)?;
        check::positive("lr_range.1", hi)?;
        let steps = check::nonzero("steps", steps)?.get();
        let (start, stop) = match mode {
            SweepMode::Exp => (Real::log10(lo), Real::log10(hi)),
            SweepMode::Linear => (lo, hi),
        };
        let step = if steps > 1 {
            (stop - start) / (steps - 1) as f64
        } else {
            0.0
        };
        Ok(LrSweep {
            min: lo.min(hi),
            max: lo.max(hi),
            start,
            stop,
            step,
            steps,
            mode,
            _value: core::marker::PhantomData,
        })
    }

    /// The spacing of the sweep.
    pub fn mode(&self) -> SweepMode {
        self.mode
    }
}

impl<F: Real> Schedule<F> for LrSweep<F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        let i = step.min(self.steps - 1);
        let y = if i == self.steps - 1 && self.steps > 1 {
            self.stop
        } else {
            i as f64 * self.step + self.start
        };
        // Either spacing can round a hair past an end (`10^(log10 x)`, or
        // `i * step + start` among subnormals): keep the rates in the range.
        F::from_f64(
            match self.mode {
                SweepMode::Exp => Real::powf(10.0, y),
                SweepMode::Linear => y,
            }
            .clamp(self.min, self.max),
        )
    }

    fn total_steps(&self) -> Option<u64> {
        Some(self.steps)
    }
}
