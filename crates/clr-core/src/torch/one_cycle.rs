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
//! and `get_lr`, at `step_num = last_epoch`:
//!
//! ```text
//! start_step = 0.0
//! for i, phase in enumerate(phases):
//!     if step_num <= phase.end_step or i == len(phases) - 1:
//!         pct = (step_num - start_step) / (phase.end_step - start_step)
//!         lr = _annealing_cos(phase.start_lr, phase.end_lr, pct)   # or _annealing_linear
//!         momentum = _annealing_cos(phase.start_momentum, phase.end_momentum, pct)
//!     start_step = phase.end_step
//! ```

use crate::anneal::Anneal;
use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::{step_f64, unit_progress, Real};

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
pub struct OneCycleLr<F> {
    config: OneCycleLrBuilder<F>,
    total_steps: u64,
    /// PyTorch's `_schedule_phases` (two, or three with `three_phase`).
    phases: [SchedulePhase<F>; 3],
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(OneCycleLr, OneCycleLrBuilder, build);

/// One of PyTorch's `_schedule_phases`: where it ends, and the learning
/// rates and momenta it anneals between.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SchedulePhase<F> {
    end_step: f64,
    lr: (F, F),
    momentum: (F, F),
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
        if let Some((base, max)) = self.momentum {
            check::non_negative("base_momentum", base.to_f64())?;
            check::non_negative("max_momentum", max.to_f64())?;
        }
        let (base, max) = self.momentum.unwrap_or((F::zero(), F::zero()));
        // PyTorch's expressions, so the ends round the same way.
        let (t, p) = (total as f64, self.pct_start);
        let phase = |end_step, lr, momentum| SchedulePhase {
            end_step,
            lr,
            momentum,
        };
        let warm_up = phase(p * t - 1.0, (initial, self.max_lr), (max, base));
        let last = t - 1.0;
        let phases = if self.three_phase {
            [
                warm_up,
                phase(2.0 * p * t - 2.0, (self.max_lr, initial), (base, max)),
                phase(last, (initial, min), (max, max)),
            ]
        } else {
            // The fall ends at the last step: its copy is never reached.
            let fall = phase(last, (self.max_lr, min), (base, max));
            [warm_up, fall, fall]
        };
        Ok(OneCycleLr {
            config: *self,
            total_steps: total,
            phases,
        })
    }
}

impl<F: Real> OneCycleLr<F> {
    /// The phase of `step_num` and PyTorch's progress `pct` through it, in
    /// `[0, 1]` (the phase holds `step_num`, the last the run's last step)
    /// but where PyTorch divides by zero, at a phase of no length: the
    /// phase is over, `pct = 1` (and past 2^53 steps, where ends round
    /// together, the clamp keeps `pct` finite).
    fn phase(&self, step_num: f64) -> (&SchedulePhase<F>, F) {
        let [first, second, third] = &self.phases;
        let mut start_step = 0.0;
        for phase in [first, second] {
            if step_num <= phase.end_step {
                return (phase, Self::pct(step_num, start_step, phase.end_step));
            }
            start_step = phase.end_step;
        }
        (third, Self::pct(step_num, start_step, third.end_step))
    }

    fn pct(step_num: f64, start_step: f64, end_step: f64) -> F {
        let pct = (step_num - start_step) / (end_step - start_step);
        F::from_f64(unit_progress(pct))
    }
}

impl<F: Real> HyperSchedule<F> for OneCycleLr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        // PyTorch's `last_epoch`, held at the last step.
        let step_num = step_f64(step.min(self.total_steps - 1));
        let (phase, pct) = self.phase(step_num);
        let anneal = Anneal::from(self.config.anneal);
        // The cosine (or `pct`) once, for both.
        let wave = anneal.torch_wave(pct);
        let at = |(start, end)| anneal.torch_at(start, end, wave);
        Hypers {
            lr: at(phase.lr),
            momentum: self.config.momentum.map(|_| at(phase.momentum)),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum.is_some()
    }
}
