//! The Keras package's `OneCycle.get_current_lr` and `get_current_momentum`:
//!
//! ```text
//! x = float(current_iter) / n_iter
//! lr:       rise: wave(x) * (hi - lo) / 2.0 + lo;     fall: wave(x) / 2.0 * hi
//! momentum: rise: wave(x) * (m2 - m1) / 2.0 + m1;     fall: wave(x) / 2.0 * (m2 - m1) + m1
//! ```
//!
//! with `wave` the package's half-waves ([`Wave`]): its fall ends at 0,
//! not at `lo`.

use super::wave::{check_lr_range, check_momentum_range, Wave};
use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::{step_f64, Real};

/// The Keras package's `keras_one_cycle_clr.OneCycle`, formulas and quirks
/// included: a cosine rise from `lr_range.0` to `lr_range.1` over
/// `phase_one_fraction` of the run, then a cosine fall to 0 (not to
/// `lr_range.0`); momentum goes `m1 → m2 → m1`. Step `k` of `n` sits at
/// `x = k / n`.
///
/// ```
/// use clr_core::{HyperSchedule, KerasOneCycle};
///
/// let s = KerasOneCycle::builder((0.01_f64, 0.1), 1000).momentum_range(0.95, 0.85).build()?;
/// assert_eq!(s.hypers(0).lr, 0.01);
/// assert_eq!(s.hypers(300).lr, 0.1);
/// assert_eq!(s.hypers(300).momentum, Some(0.85));
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KerasOneCycle<F> {
    config: KerasOneCycleBuilder<F>,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(KerasOneCycle, KerasOneCycleBuilder, build);

/// Builder of [`KerasOneCycle`] with the Keras package's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KerasOneCycleBuilder<F> {
    /// `(lo, hi)`: start and peak learning rate.
    pub lr_range: (F, F),
    /// Iterations in the cycle (`epochs × batches per epoch`).
    pub total_steps: u64,
    /// `(m1, m2)`: momentum at the start/end and at the peak; `None` = not cycled.
    pub momentum_range: Option<(F, F)>,
    /// Share of the rise (default 0.3).
    pub phase_one_fraction: f64,
}

impl<F: Real> KerasOneCycle<F> {
    /// A builder with the Keras package's defaults.
    pub fn builder(lr_range: (F, F), total_steps: u64) -> KerasOneCycleBuilder<F> {
        KerasOneCycleBuilder {
            lr_range,
            total_steps,
            momentum_range: None,
            phase_one_fraction: 0.3,
        }
    }
}

impl<F: Real> KerasOneCycleBuilder<F> {
    wave_setters!();

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<KerasOneCycle<F>, Error> {
        check::nonzero("total_steps", self.total_steps)?;
        check_lr_range(self.lr_range)?;
        check_momentum_range(self.momentum_range)?;
        check::unit("phase_one_fraction", self.phase_one_fraction)?;
        Ok(KerasOneCycle { config: *self })
    }
}

impl<F: Real> HyperSchedule<F> for KerasOneCycle<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let c = &self.config;
        let n = c.total_steps;
        let x = step_f64(step.min(n - 1)) / step_f64(n);
        let wave = Wave::<F>::at(x, c.phase_one_fraction);
        let (lo, hi) = c.lr_range;
        Hypers {
            lr: if wave.rise {
                wave.times(hi - lo) + lo
            } else {
                wave.times(hi)
            },
            momentum: c.momentum_range.map(|(m1, m2)| wave.times(m2 - m1) + m1),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
}
