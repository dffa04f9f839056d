//! PyTorch 2.13's `torch.optim.lr_scheduler.OneCycleLR`:
//!
//! ```text
//! initial_lr = max_lr / div_factor
//! min_lr     = initial_lr / final_div_factor
//! phases (end_step: start -> end, momentum start -> end):
//!   float(pct_start * total_steps) - 1:     initial_lr -> max_lr,   max_momentum -> base_momentum
//!   [three_phase: float(2 * pct_start * total_steps) - 2: max_lr -> initial_lr, base -> max_momentum]
//!   total_steps - 1:                        max_lr (or initial_lr) -> min_lr, base (or max) -> max_momentum
//! ```
//!
//! each phase annealed by `_annealing_cos` or `_annealing_linear` from the
//! phase's progress `pct` ([`Piecewise`]'s PyTorch rule).

use crate::anneal::Anneal;
use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::phase::{Phase, Piecewise};
use crate::real::Real;
use crate::schedule::Schedule;

/// How long a run is: a step count, or PyTorch's `epochs × steps_per_epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Length {
    /// `total_steps`.
    Steps(u64),
    /// `epochs × steps_per_epoch`.
    Epochs {
        /// Number of epochs.
        epochs: u64,
        /// Optimizer steps in one epoch.
        steps_per_epoch: u64,
    },
}

impl Length {
    /// The number of steps, checked for zero and overflow.
    pub fn steps(self) -> Result<u64, Error> {
        match self {
            Length::Steps(n) => Ok(check::nonzero("total_steps", n)?.get()),
            Length::Epochs {
                epochs,
                steps_per_epoch,
            } => {
                check::nonzero("epochs", epochs)?;
                check::nonzero("steps_per_epoch", steps_per_epoch)?;
                epochs
                    .checked_mul(steps_per_epoch)
                    .ok_or(Error::Overflow { param: "epochs" })
            }
        }
    }
}

/// PyTorch's `anneal_strategy`: the two curves `OneCycleLR` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AnnealStrategy {
    /// `'cos'` (the default).
    #[default]
    Cos,
    /// `'linear'`.
    Linear,
}

impl From<AnnealStrategy> for Anneal {
    fn from(strategy: AnnealStrategy) -> Self {
        match strategy {
            AnnealStrategy::Cos => Anneal::Cos,
            AnnealStrategy::Linear => Anneal::Linear,
        }
    }
}

/// PyTorch 2.13's `torch.optim.lr_scheduler.OneCycleLR`.
///
/// Step `k` is the value the optimizer holds after the scheduler is built and
/// `step()` was called `k` times. The warm-up ends at step
/// `pct_start * total_steps - 1` and the run at `total_steps - 1`
/// (three-phase: `pct_start*T - 1`, `2*pct_start*T - 2`, `T - 1`).
///
/// ```
/// use clr_core::{HyperSchedule, OneCycleLr};
///
/// let s = OneCycleLr::builder(0.1_f64, 100).build()?;
/// assert!((s.hypers(0).lr - 0.1 / 25.0).abs() < 1e-15); // as PyTorch rounds it
/// assert_eq!(s.hypers(29).lr, 0.1); // the peak, at pct_start*T - 1
/// assert_eq!(s.hypers(0).momentum, Some(0.95));
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawOneCycleLr<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct OneCycleLr<F> {
    lr: Piecewise<F>,
    momentum: Option<Piecewise<F>>,
}

/// What a [`OneCycleLr`] is read from: its phases, each [`Piecewise`]
/// validated as it is read, then [`check_pair`].
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(
    rename = "OneCycleLr",
    bound(deserialize = "F: Real + serde::Deserialize<'de>")
)]
struct RawOneCycleLr<F> {
    lr: Piecewise<F>,
    momentum: Option<Piecewise<F>>,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawOneCycleLr<F>> for OneCycleLr<F> {
    type Error = Error;
    fn try_from(raw: RawOneCycleLr<F>) -> Result<Self, Error> {
        check_pair(&raw.lr, raw.momentum.as_ref())?;
        Ok(OneCycleLr {
            lr: raw.lr,
            momentum: raw.momentum,
        })
    }
}

/// What [`OneCycleLrBuilder::build`] guarantees of the phases it makes,
/// checked again on a deserialised one-cycle (its form is the phases, so
/// the builder cannot be run again): every learning rate positive, every
/// momentum finite and `>= 0`, and both on the same phase ends (so that one
/// lookup of a step serves both, and `total_steps` speaks for both).
#[cfg(feature = "serde")]
fn check_pair<F: Real>(lr: &Piecewise<F>, momentum: Option<&Piecewise<F>>) -> Result<(), Error> {
    use crate::error::{Expected, Value};
    for phase in lr.phases() {
        check::positive("lr", phase.start_value.to_f64())?;
        check::positive("lr", phase.end_value.to_f64())?;
    }
    let Some(momentum) = momentum else {
        return Ok(());
    };
    for phase in momentum.phases() {
        check::non_negative("momentum", phase.start_value.to_f64())?;
        check::non_negative("momentum", phase.end_value.to_f64())?;
    }
    let (lr_ends, m_ends) = (lr.phases(), momentum.phases());
    let mismatch = |param, value: Value, want: f64| {
        Err(Error::Invalid {
            param,
            value,
            expected: Expected::Equal(want),
        })
    };
    if m_ends.len() != lr_ends.len() {
        let (m, n) = (m_ends.len() as u64, lr_ends.len() as f64);
        return mismatch("momentum.len", Value::Int(m), n);
    }
    let (m, n) = (momentum.total_steps(), lr.total_steps());
    if m != n {
        let (m, n) = (m.unwrap_or(0), n.unwrap_or(0) as f64);
        return mismatch("momentum.total_steps", Value::Int(m), n);
    }
    for (m, l) in m_ends.iter().zip(lr_ends) {
        if m.end.to_bits() != l.end.to_bits() {
            return mismatch("momentum.end", Value::Float(m.end), l.end);
        }
    }
    Ok(())
}

/// Builder of [`OneCycleLr`] with PyTorch's parameter names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneCycleLrBuilder<F> {
    /// Peak learning rate.
    pub max_lr: F,
    /// Length of the run.
    pub length: Length,
    /// Share of the run spent increasing the learning rate (default 0.3).
    pub pct_start: f64,
    /// Curve of every phase (default [`AnnealStrategy::Cos`]).
    pub anneal: AnnealStrategy,
    /// `initial_lr = max_lr / div_factor` (default 25).
    pub div_factor: F,
    /// `min_lr = initial_lr / final_div_factor` (default 1e4).
    pub final_div_factor: F,
    /// fastai-style third phase that anneals to `min_lr` (default false).
    pub three_phase: bool,
    /// `(base_momentum, max_momentum)`, default `(0.85, 0.95)`; `None` =
    /// momentum not cycled (PyTorch's `cycle_momentum=False`).
    pub momentum: Option<(F, F)>,
}

impl<F: Real> OneCycleLr<F> {
    /// A builder for a run of `total_steps` steps peaking at `max_lr`.
    pub fn builder(max_lr: F, total_steps: u64) -> OneCycleLrBuilder<F> {
        OneCycleLrBuilder::new(max_lr, Length::Steps(total_steps))
    }

    /// A builder for a run of `epochs × steps_per_epoch` steps.
    pub fn builder_epochs(max_lr: F, epochs: u64, steps_per_epoch: u64) -> OneCycleLrBuilder<F> {
        OneCycleLrBuilder::new(
            max_lr,
            Length::Epochs {
                epochs,
                steps_per_epoch,
            },
        )
    }

    /// The learning-rate phases.
    pub fn lr_phases(&self) -> &Piecewise<F> {
        &self.lr
    }

    /// The momentum phases, when momentum is cycled.
    pub fn momentum_phases(&self) -> Option<&Piecewise<F>> {
        self.momentum.as_ref()
    }
}

impl<F: Real> OneCycleLrBuilder<F> {
    fn new(max_lr: F, length: Length) -> Self {
        OneCycleLrBuilder {
            max_lr,
            length,
            pct_start: 0.3,
            anneal: AnnealStrategy::Cos,
            div_factor: F::from_f64(25.0),
            final_div_factor: F::from_f64(1e4),
            three_phase: false,
            momentum: Some((F::from_f64(0.85), F::from_f64(0.95))),
        }
    }

    /// Sets `pct_start`, in `[0, 1]`.
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }

    /// Sets `anneal_strategy`.
    pub fn anneal(mut self, anneal: AnnealStrategy) -> Self {
        self.anneal = anneal;
        self
    }

    /// Sets `div_factor`.
    pub fn div_factor(mut self, div_factor: F) -> Self {
        self.div_factor = div_factor;
        self
    }

    /// Sets `final_div_factor`.
    pub fn final_div_factor(mut self, final_div_factor: F) -> Self {
        self.final_div_factor = final_div_factor;
        self
    }

    /// Sets `three_phase`.
    pub fn three_phase(mut self, three_phase: bool) -> Self {
        self.three_phase = three_phase;
        self
    }

    momentum_setters!();

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<OneCycleLr<F>, Error> {
        let total = self.length.steps()?;
        check::positive("max_lr", self.max_lr.to_f64())?;
        check::unit("pct_start", self.pct_start)?;
        check::positive("div_factor", self.div_factor.to_f64())?;
        check::positive("final_div_factor", self.final_div_factor.to_f64())?;
        let initial = self.max_lr / self.div_factor;
        let min = initial / self.final_div_factor;
        check::quotient("div_factor", self.div_factor.to_f64(), initial.to_f64())?;
        check::quotient(
            "final_div_factor",
            self.final_div_factor.to_f64(),
            min.to_f64(),
        )?;
        let lr = self.phases(total, [initial, self.max_lr, initial, min])?;
        let momentum = match self.momentum {
            None => None,
            Some((base, max)) => {
                check::non_negative("base_momentum", base.to_f64())?;
                check::non_negative("max_momentum", max.to_f64())?;
                Some(self.phases(total, [max, base, max, max])?)
            }
        };
        Ok(OneCycleLr { lr, momentum })
    }

    /// PyTorch's phases through `v = [start, peak, back, last]`: two phases
    /// go start → peak → last, three start → peak → back → last. The ends
    /// are PyTorch's expressions, so they round the same way.
    fn phases(&self, total: u64, v: [F; 4]) -> Result<Piecewise<F>, Error> {
        let (a, t) = (Anneal::from(self.anneal), total as f64);
        let warm_up = Phase::new(self.pct_start * t - 1.0, v[0], v[1], a);
        if self.three_phase {
            let back = Phase::new(2.0 * self.pct_start * t - 2.0, v[1], v[2], a);
            let last = Phase::new(t - 1.0, v[2], v[3], a);
            Piecewise::from_phases(total, &[warm_up, back, last])
        } else {
            Piecewise::from_phases(total, &[warm_up, Phase::new(t - 1.0, v[1], v[3], a)])
        }
    }
}

impl<F: Real> HyperSchedule<F> for OneCycleLr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        // Both built on the same phase ends: one lookup serves both.
        let (i, pct) = self.lr.locate(step);
        Hypers {
            lr: self.lr.torch_value(i, pct),
            momentum: self.momentum.as_ref().map(|m| m.torch_value(i, pct)),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Schedule::total_steps(&self.lr)
    }
    fn has_momentum(&self) -> bool {
        self.momentum.is_some()
    }
}
