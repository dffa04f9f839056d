//! One-cycle presets: PyTorch's `OneCycleLR`, fastai's `fit_one_cycle` and
//! the seed's (`keras_one_cycle_clr`) `OneCycle`, each with its own step
//! convention and formulas so that it reproduces its reference exactly.

use core::marker::PhantomData;
use core::num::NonZeroU64;

use crate::anneal::{trig, Anneal};
use crate::cyclic::clamped_position;
use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::phase::{fill_two_pass, first_step_where, Phase, Piecewise, Span};
use crate::real::{is_f32, Real};
use crate::schedule::Schedule;
use crate::stepper::{self, cos_map, run_last, Motion, Segment, Stepper, Stepping, NO_MAP};

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
            Length::Steps(n) => check::nonzero("total_steps", n).map(NonZeroU64::get),
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
        into = "RawOneCycleLr<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct OneCycleLr<F> {
    lr: Piecewise<F>,
    momentum: Option<Piecewise<F>>,
    /// Whether both have the same phase ends ([`Shared::of`]), kept so
    /// that a lookup need not compare them.
    shared: Shared,
}

/// What a [`OneCycleLr`] is serialised as (`shared` is recomputed, and each
/// [`Piecewise`] validated as it is read; [`check_pair`] then checks what
/// the builder guarantees across the two).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(
    rename = "OneCycleLr",
    bound(
        serialize = "F: Real + serde::Serialize",
        deserialize = "F: Real + serde::Deserialize<'de>"
    )
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
        Ok(OneCycleLr::new(raw.lr, raw.momentum))
    }
}

/// What [`OneCycleLrBuilder::build`] and [`FitOneCycleBuilder::build`]
/// guarantee of the phases they make, checked again on a deserialised
/// one-cycle (its form is the phases, not the builder, so the builder
/// cannot be run again): every learning rate positive (the builders check
/// `max_lr` and both quotients), every momentum in `[0, 1]`, and the two
/// equally long (so that `total_steps` speaks for both).
#[cfg(feature = "serde")]
fn check_pair<F: Real>(lr: &Piecewise<F>, momentum: Option<&Piecewise<F>>) -> Result<(), Error> {
    for phase in lr.phases() {
        check::positive("lr", phase.start_value.to_f64())?;
        check::positive("lr", phase.end_value.to_f64())?;
    }
    let Some(momentum) = momentum else {
        return Ok(());
    };
    for phase in momentum.phases() {
        check::unit("momentum", phase.start_value.to_f64())?;
        check::unit("momentum", phase.end_value.to_f64())?;
    }
    let (n, m) = (lr.steps(), momentum.steps());
    if n != m {
        // One of the two orders is violated; name that one.
        let (low, low_value, high, high_value) = if m > n {
            ("momentum.total_steps", m, "lr.total_steps", n)
        } else {
            ("lr.total_steps", n, "momentum.total_steps", m)
        };
        return Err(Error::Order {
            low,
            low_value: low_value as f64,
            high,
            high_value: high_value as f64,
        });
    }
    Ok(())
}

#[cfg(feature = "serde")]
impl<F: Real> From<OneCycleLr<F>> for RawOneCycleLr<F> {
    fn from(s: OneCycleLr<F>) -> Self {
        RawOneCycleLr {
            lr: s.lr,
            momentum: s.momentum,
        }
    }
}

/// Whether a learning rate's and a momentum's phases have the same ends
/// ([`Piecewise::same_positions`]), so that one lookup serves both, and
/// whether all their phases are then cosines, so that one cosine does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shared {
    positions: bool,
    cosines: bool,
}

impl Shared {
    fn of<F: Real>(lr: &Piecewise<F>, momentum: Option<&Piecewise<F>>) -> Self {
        let positions = momentum.is_some_and(|m| lr.same_positions(m));
        let cosines = positions && lr.all_cos() && momentum.is_some_and(Piecewise::all_cos);
        Shared { positions, cosines }
    }
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
    fn new(lr: Piecewise<F>, momentum: Option<Piecewise<F>>) -> Self {
        let shared = Shared::of(&lr, momentum.as_ref());
        OneCycleLr {
            lr,
            momentum,
            shared,
        }
    }

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

    /// Cycles momentum between `base_momentum` (at the peak lr) and `max_momentum`.
    pub fn momentum(mut self, base_momentum: F, max_momentum: F) -> Self {
        self.momentum = Some((base_momentum, max_momentum));
        self
    }

    /// Leaves momentum alone (PyTorch's `cycle_momentum=False`).
    pub fn no_momentum(mut self) -> Self {
        self.momentum = None;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<OneCycleLr<F>, Error> {
        let total = self.length.steps()?;
        check::positive("max_lr", self.max_lr.to_f64())?;
        check::unit("pct_start", self.pct_start)?;
        check::positive("div_factor", self.div_factor.to_f64())?;
        check::positive("final_div_factor", self.final_div_factor.to_f64())?;
        let initial = self.max_lr / self.div_factor;
        let min = initial / self.final_div_factor;
        // The quotients can overflow or vanish even when both operands are fine.
        check_quotient("div_factor", self.div_factor, initial)?;
        check_quotient("final_div_factor", self.final_div_factor, min)?;
        let ends = self.phase_ends(total);
        let lr = self.phases(&ends, [initial, self.max_lr, initial, min], total)?;
        let momentum = match self.momentum {
            None => None,
            Some((base, max)) => {
                check::unit("base_momentum", base.to_f64())?;
                check::unit("max_momentum", max.to_f64())?;
                Some(self.phases(&ends, [max, base, max, max], total)?)
            }
        };
        Ok(OneCycleLr::new(lr, momentum))
    }

    fn phase_ends(&self, total: u64) -> [f64; 3] {
        let t = total as f64;
        // Same expressions as PyTorch, so the boundaries round the same way.
        [
            self.pct_start * t - 1.0,
            2.0 * self.pct_start * t - 2.0,
            t - 1.0,
        ]
    }

    // `v` = [start, peak, back, last]: two phases go start→peak→last, three go
    // start→peak→back→last.
    fn phases(&self, ends: &[f64; 3], v: [F; 4], total: u64) -> Result<Piecewise<F>, Error> {
        let a = Anneal::from(self.anneal);
        if self.three_phase {
            Piecewise::from_phases(
                total,
                &[
                    Phase::new(ends[0], v[0], v[1], a),
                    Phase::new(ends[1], v[1], v[2], a),
                    Phase::new(ends[2], v[2], v[3], a),
                ],
            )
        } else {
            Piecewise::from_phases(
                total,
                &[
                    Phase::new(ends[0], v[0], v[1], a),
                    Phase::new(ends[2], v[1], v[3], a),
                ],
            )
        }
    }
}

impl<F: Real> HyperSchedule<F> for OneCycleLr<F> {
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let (lr, momentum) =
            lr_and_momentum_shared(&self.lr, self.momentum.as_ref(), self.shared, step);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Schedule::total_steps(&self.lr)
    }
    fn has_momentum(&self) -> bool {
        self.momentum.is_some()
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        self.lr.fill(out, first_step)
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        match &self.momentum {
            Some(m) => m.fill(out, first_step),
            None => out.fill(F::nan()),
        }
    }
    fn stepper(&self, step: u64) -> Stepper {
        stepper::stepper_at(&self.steps(), step)
    }
    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        stepper::advance(stepper, || self.steps())
    }
    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        stepper::stepped_hypers(stepper, self.momentum.is_some(), |k| self.hypers(k))
    }
}

impl<F: Real> OneCycleLr<F> {
    fn steps(&self) -> PairSteps<'_, F> {
        PairSteps {
            lr: &self.lr,
            momentum: self.momentum.as_ref(),
            shared: self.shared,
        }
    }
}

/// The learning rate and momentum of `step`. The one-cycle presets build
/// both from the same phase ends (`shared`): then the phase lookup, the
/// progress and the cosine are computed once for both (the values are the
/// same bits as computing each alone).
#[inline(always)]
fn lr_and_momentum_shared<F: Real>(
    lr: &Piecewise<F>,
    momentum: Option<&Piecewise<F>>,
    shared: Shared,
    step: u64,
) -> (F, Option<F>) {
    match momentum {
        None => (lr.at(step), None),
        Some(m) if shared.cosines => {
            let (i, pct) = lr.locate(step);
            let c = crate::phase::cos_pi(pct);
            (lr.cos_value(i, c), Some(m.cos_value(i, c)))
        }
        Some(m) if shared.positions => {
            let (i, pct) = lr.locate(step);
            let (lr, m) = lr.value_pair(m, i, pct);
            (lr, Some(m))
        }
        Some(m) => (lr.at(step), Some(m.at(step))),
    }
}

/// Sequential stepping of a learning rate and (optional) momentum built on
/// the same phase ends: cosine phases rotate.
struct PairSteps<'a, F> {
    lr: &'a Piecewise<F>,
    momentum: Option<&'a Piecewise<F>>,
    /// The schedule's own record of whether the two share their phase ends.
    shared: Shared,
}

impl<F: Real> Stepping for PairSteps<'_, F> {
    fn segment(&self, step: u64) -> Segment {
        let last_step = self.lr.steps().saturating_sub(1);
        let shared = self.momentum.is_none() || self.shared.positions;
        if step >= last_step || last_step >= 1 << 53 || !shared {
            return Segment::direct(step, u64::MAX);
        }
        let i = self.lr.index_at(step as f64);
        let last = self.lr.run_end(i, step, last_step).min(last_step - 1);
        let cos = |p: &Piecewise<F>| p.phase(i).anneal == Anneal::Cos;
        if !(cos(self.lr) && self.momentum.is_none_or(cos)) {
            return Segment::direct(step, last);
        }
        // pct = (step - start) / length rounds in both operations: the
        // angle pi·pct is off by up to this much.
        let start = self.lr.start_of(i);
        let length = self.lr.phase(i).end - start;
        let slack =
            core::f64::consts::PI * ((last as f64 + start.abs()) / length.abs() + 2.0) * 1.2e-16;
        let map = |p: &Piecewise<F>| {
            let phase = p.phase(i);
            cos_map(phase.start_value, phase.end_value)
        };
        Segment {
            first: self.lr.first_step_of(i).min(step),
            last,
            motion: Motion::Rotate,
            tag: i as u32,
            delta: (core::f64::consts::PI / length, 0.0),
            maps: [map(self.lr), self.momentum.map_or(NO_MAP, map)],
            slack,
        }
    }

    fn state_at(&self, segment: &Segment, step: u64) -> (f64, f64) {
        let i = segment.tag as usize;
        let start = self.lr.start_of(i);
        let length = self.lr.phase(i).end - start;
        // The direct formula's angle, in f64.
        let pct = Piecewise::<F>::pct(step as f64, start, length);
        (core::f64::consts::PI * pct, 0.0)
    }
}

/// fastai's `Learner.fit_one_cycle`: `combined_cos(pct_start, lr_max/div,
/// lr_max, lr_max/div_final)` for the learning rate and
/// `combined_cos(pct_start, *moms)` for momentum, at position `k / n`.
///
/// ```
/// use clr_core::{FitOneCycle, HyperSchedule};
///
/// let s = FitOneCycle::builder(1e-3_f64, 100).build()?;
/// assert!((s.hypers(25).lr - 1e-3).abs() < 1e-15); // peak at pct_start = 0.25
/// assert_eq!(s.hypers(0).momentum, Some(0.95));
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawFitOneCycle<F>",
        into = "RawFitOneCycle<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct FitOneCycle<F> {
    lr: Piecewise<F>,
    momentum: Piecewise<F>,
    /// As in [`OneCycleLr`].
    shared: Shared,
}

/// What a [`FitOneCycle`] is serialised as (`shared` is recomputed; checked
/// as a [`OneCycleLr`] is, by [`check_pair`]).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(
    rename = "FitOneCycle",
    bound(
        serialize = "F: Real + serde::Serialize",
        deserialize = "F: Real + serde::Deserialize<'de>"
    )
)]
struct RawFitOneCycle<F> {
    lr: Piecewise<F>,
    momentum: Piecewise<F>,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawFitOneCycle<F>> for FitOneCycle<F> {
    type Error = Error;
    fn try_from(raw: RawFitOneCycle<F>) -> Result<Self, Error> {
        check_pair(&raw.lr, Some(&raw.momentum))?;
        Ok(FitOneCycle::new(raw.lr, raw.momentum))
    }
}

#[cfg(feature = "serde")]
impl<F: Real> From<FitOneCycle<F>> for RawFitOneCycle<F> {
    fn from(s: FitOneCycle<F>) -> Self {
        RawFitOneCycle {
            lr: s.lr,
            momentum: s.momentum,
        }
    }
}

impl<F: Real> FitOneCycle<F> {
    fn new(lr: Piecewise<F>, momentum: Piecewise<F>) -> Self {
        let shared = Shared::of(&lr, Some(&momentum));
        FitOneCycle {
            lr,
            momentum,
            shared,
        }
    }
}

/// Builder of [`FitOneCycle`] with fastai's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitOneCycleBuilder<F> {
    /// Peak learning rate.
    pub lr_max: F,
    /// Number of steps (`n_epoch × batches per epoch`).
    pub total_steps: u64,
    /// Start at `lr_max / div` (default 25).
    pub div: F,
    /// End at `lr_max / div_final` (default 1e5).
    pub div_final: F,
    /// Share of the warm-up (default 0.25).
    pub pct_start: f64,
    /// Momentum at the start, the peak and the end (default 0.95, 0.85, 0.95).
    pub moms: (F, F, F),
}

impl<F: Real> FitOneCycle<F> {
    /// A builder with fastai's defaults.
    pub fn builder(lr_max: F, total_steps: u64) -> FitOneCycleBuilder<F> {
        FitOneCycleBuilder {
            lr_max,
            total_steps,
            div: F::from_f64(25.0),
            div_final: F::from_f64(1e5),
            pct_start: 0.25,
            moms: (F::from_f64(0.95), F::from_f64(0.85), F::from_f64(0.95)),
        }
    }
}

impl<F: Real> FitOneCycleBuilder<F> {
    /// Sets `div`.
    #[allow(clippy::should_implement_trait)] // fastai's parameter name
    pub fn div(mut self, div: F) -> Self {
        self.div = div;
        self
    }

    /// Sets `div_final`.
    pub fn div_final(mut self, div_final: F) -> Self {
        self.div_final = div_final;
        self
    }

    /// Sets `pct_start`, in `[0, 1]`.
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }

    /// Sets `moms`.
    pub fn moms(mut self, start: F, middle: F, end: F) -> Self {
        self.moms = (start, middle, end);
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<FitOneCycle<F>, Error> {
        check::nonzero("total_steps", self.total_steps)?;
        check::positive("lr_max", self.lr_max.to_f64())?;
        check::positive("div", self.div.to_f64())?;
        check::positive("div_final", self.div_final.to_f64())?;
        let pct = check::unit("pct_start", self.pct_start)?;
        let (m0, m1, m2) = self.moms;
        check::unit("moms.0", m0.to_f64())?;
        check::unit("moms.1", m1.to_f64())?;
        check::unit("moms.2", m2.to_f64())?;
        let (start, end) = (self.lr_max / self.div, self.lr_max / self.div_final);
        check_quotient("div", self.div, start)?;
        check_quotient("div_final", self.div_final, end)?;
        let lr = combined_cos(
            self.total_steps,
            pct,
            self.lr_max / self.div,
            self.lr_max,
            self.lr_max / self.div_final,
        )?;
        let momentum = combined_cos(self.total_steps, pct, m0, m1, m2)?;
        Ok(FitOneCycle::new(lr, momentum))
    }
}

// A quotient can overflow or vanish even when both operands are fine: blame
// the divisor, which is what the user typed.
fn check_quotient<F: Real>(param: &'static str, divisor: F, quotient: F) -> Result<(), Error> {
    let q = quotient.to_f64();
    if q.is_finite() && q > 0.0 && q <= check::MAX_MAGNITUDE {
        Ok(())
    } else {
        Err(Error::Invalid {
            param,
            value: crate::error::Value::Float(divisor.to_f64()),
            expected: crate::error::Expected::Positive,
        })
    }
}

/// fastai's `combined_cos(pct, start, middle, end)` over `total_steps` steps.
pub fn combined_cos<F: Real>(
    total_steps: u64,
    pct: f64,
    start: F,
    middle: F,
    end: F,
) -> Result<Piecewise<F>, Error> {
    Piecewise::by_fractions(
        total_steps,
        &[
            Span::new(pct, start, middle, Anneal::Cos),
            Span::new(1.0 - pct, middle, end, Anneal::Cos),
        ],
    )
}

impl<F: Real> HyperSchedule<F> for FitOneCycle<F> {
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let (lr, momentum) =
            lr_and_momentum_shared(&self.lr, Some(&self.momentum), self.shared, step);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Schedule::total_steps(&self.lr)
    }
    fn has_momentum(&self) -> bool {
        true
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        self.lr.fill(out, first_step)
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        self.momentum.fill(out, first_step)
    }
    fn stepper(&self, step: u64) -> Stepper {
        stepper::stepper_at(&self.steps(), step)
    }
    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        stepper::advance(stepper, || self.steps())
    }
    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        stepper::stepped_hypers(stepper, true, |k| self.hypers(k))
    }
}

impl<F: Real> FitOneCycle<F> {
    fn steps(&self) -> PairSteps<'_, F> {
        PairSteps {
            lr: &self.lr,
            momentum: Some(&self.momentum),
            shared: self.shared,
        }
    }
}

/// The seed's `keras_one_cycle_clr.OneCycle`, formulas and quirks included:
/// a cosine rise from `lr_range.0` to `lr_range.1` over `phase_one_fraction`
/// of the run, then a cosine fall to 0 (not to `lr_range.0`); momentum goes
/// `m1 → m2 → m1`. Step `k` of `n` sits at `x = k / n`.
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
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawKerasOneCycle<F>",
        into = "RawKerasOneCycle<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct KerasOneCycle<F> {
    config: KerasOneCycleBuilder<F>,
    /// The first step of the fall (`x < f` exactly before it, as `x`
    /// never decreases with the step): a random lookup picks its half by
    /// an integer compare of the step, which the angle's line then needs
    /// only to load its operands (no float compare on the chain).
    fall_start: u64,
    /// `total_steps` as `f64` and its reciprocal, the divisor of the
    /// seed's positions that pick the halves (see [`seed_div`]).
    steps: (f64, f64),
    /// `[rise, fall]`, indexed by [`half_index`].
    halves: [OneCycleHalf<F>; 2],
}

/// What a [`KerasOneCycle`] is serialised as (the rest is recomputed, and
/// the configuration validated by [`KerasOneCycleBuilder::build`]: a crafted
/// `total_steps = 0` would otherwise underflow in a lookup).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "KerasOneCycle")]
struct RawKerasOneCycle<F> {
    config: KerasOneCycleBuilder<F>,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawKerasOneCycle<F>> for KerasOneCycle<F> {
    type Error = Error;
    fn try_from(raw: RawKerasOneCycle<F>) -> Result<Self, Error> {
        raw.config.build()
    }
}

#[cfg(feature = "serde")]
impl<F: Real> From<KerasOneCycle<F>> for RawKerasOneCycle<F> {
    fn from(s: KerasOneCycle<F>) -> Self {
        RawKerasOneCycle { config: s.config }
    }
}

/// Builder of [`KerasOneCycle`] with the seed's names and defaults.
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
    /// A builder with the seed's defaults.
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
    /// Cycles momentum `m1 → m2 → m1`.
    pub fn momentum_range(mut self, m1: F, m2: F) -> Self {
        self.momentum_range = Some((m1, m2));
        self
    }

    /// Sets `phase_one_fraction`, in `[0, 1]`.
    pub fn phase_one_fraction(mut self, fraction: f64) -> Self {
        self.phase_one_fraction = fraction;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<KerasOneCycle<F>, Error> {
        check::nonzero("total_steps", self.total_steps)?;
        check_lr_range(self.lr_range)?;
        check_momentum_range(self.momentum_range)?;
        check::unit("phase_one_fraction", self.phase_one_fraction)?;
        Ok(KerasOneCycle::new(*self))
    }
}

pub(crate) fn check_lr_range<F: Real>((lo, hi): (F, F)) -> Result<(), Error> {
    check::non_negative("lr_range.0", lo.to_f64())?;
    check::positive("lr_range.1", hi.to_f64())?;
    check::ordered("lr_range.0", lo.to_f64(), "lr_range.1", hi.to_f64())
}

pub(crate) fn check_momentum_range<F: Real>(range: Option<(F, F)>) -> Result<(), Error> {
    if let Some((m1, m2)) = range {
        check::unit("momentum_range.0", m1.to_f64())?;
        check::unit("momentum_range.1", m2.to_f64())?;
    }
    Ok(())
}

/// `a / d` as the seed divides, or in an f32 schedule `a * inv` (`inv` is
/// `1 / d`): within an ulp of f64, far below f32's precision (the
/// one-cycle's curve is continuous: no step can cross an edge by it), and a
/// multiplication where a division would bound the bulk loops and lengthen
/// a random lookup's chain.
#[inline(always)]
fn seed_div<F: Real>(a: f64, d: f64, inv: f64) -> f64 {
    if is_f32::<F>() {
        a * inv
    } else {
        a / d
    }
}

/// The cosine's argument of the seed's half-waves and whether it is the
/// rise: `x*pi/f - pi` before `f`, `(x - f)*pi/(1 - f)` after (the seed's
/// expressions, operation for operation), for `x` clamped to `[0, 1]`.
#[inline(always)]
pub(crate) fn seed_wave_arg<F: Real>(x: f64, f: f64) -> (F, bool) {
    // Positions are kept in [0, 1] (rounding can step a hair outside).
    let x = x.clamp(0.0, 1.0);
    let rise = x < f;
    (SeedHalf::of(f, rise).signed_arg(x), rise)
}

/// The operands of one of the seed's half-waves: every path (random
/// lookups through a build-time table of both, bulk loops over a run of
/// one half, stepping) takes them from [`SeedHalf::of`], so they agree to
/// the bit. Both halves are one expression, `(x - sub)*pi/den - minus`
/// (`x - 0` is `x`, subtracting zero changes nothing); the differences are
/// taken in f64, as every position is, so an f32 schedule keeps its
/// precision near a fraction of 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeedHalf<F> {
    /// Taken from `x`: 0 on the rise, `f` on the fall.
    sub: f64,
    /// `pi`, or 0 on a fall of zero length (its argument is 0: the peak).
    pi: F,
    /// `f` or `1 - f`, in `F`.
    den: F,
    /// `pi` on the rise, 0 on the fall.
    minus: F,
    /// `pi / den`: an f32 schedule multiplies by it where the seed divides
    /// (within an ulp of f32, as in [`seed_div`]).
    ratio: F,
}

impl<F: Real> SeedHalf<F> {
    /// The rise (`rise`) or the fall with fraction `f`. A fall of zero
    /// length (`f >= 1`, or NaN from an unvalidated config) is the peak,
    /// where the seed divides by zero.
    pub(crate) fn of(f: f64, rise: bool) -> Self {
        let mut half = Self::operands(f, rise);
        half.ratio = half.pi / half.den;
        half
    }

    /// [`Self::of`] but for `ratio`.
    fn operands(f: f64, rise: bool) -> Self {
        let pi = F::PI();
        if rise {
            SeedHalf {
                sub: 0.0,
                pi,
                den: F::from_f64(f),
                minus: pi,
                ratio: F::zero(),
            }
        } else if f < 1.0 {
            SeedHalf {
                sub: f,
                pi,
                den: F::from_f64(1.0 - f),
                minus: F::zero(),
                ratio: F::zero(),
            }
        } else {
            SeedHalf {
                sub: 0.0,
                pi: F::zero(),
                den: F::one(),
                minus: F::zero(),
                ratio: F::zero(),
            }
        }
    }

    /// [`Self::of`] where the argument follows `x` (the bulk loops' halves);
    /// `None` for a fall of zero length: callers go step by step there.
    fn new(f: f64, rise: bool) -> Option<Self> {
        (rise || f < 1.0).then(|| Self::of(f, rise))
    }

    /// The cosine's argument at `x` in `[0, 1]` and in this half.
    #[inline(always)]
    pub(crate) fn signed_arg(self, x: f64) -> F {
        let num = F::from_f64(x - self.sub);
        if is_f32::<F>() {
            num * self.ratio - self.minus
        } else {
            num * self.pi / self.den - self.minus
        }
    }

    /// Its magnitude: the kernel's input.
    #[inline(always)]
    pub(crate) fn arg(self, x: f64) -> F {
        self.signed_arg(x).abs()
    }

    /// `cos(arg) + 1` from [`Self::arg`], with the kernel that skips the
    /// range check (`|arg| <= pi` but for rounding, where it is as accurate).
    #[inline(always)]
    pub(crate) fn wave(arg: F) -> F {
        trig::cos_half_turn(arg) + F::one()
    }

    /// `cos(arg) + 1` at `x` in `[0, 1]`.
    #[inline(always)]
    pub(crate) fn wave_at(self, x: f64) -> F {
        Self::wave(self.arg(x))
    }
}

/// The angle of one of the seed's half-waves as a line in the position
/// `r / n` (of the run, or of a cycle): `r * slope - offset`, built once,
/// a multiplication and a subtraction where the seed's
/// `(r/n - sub)*pi/den - minus` divides twice on a random lookup's chain.
/// It is the angle's magnitude in half turns, `|angle|/pi` as one line on
/// each half, for [`trig::cos_pi32`] and [`trig::cos_pi64`]: no `abs`, and
/// one rounding less than `-pi/2` in two parts before the kernel. It is
/// within a few ulp of the exact angle (the seed's own rounding is the
/// difference: well under the fixtures' 1e-12, and at the zeros of the
/// waves, where the values vanish, under their 1e-15).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HalfLine<F> {
    slope: f64,
    offset: f64,
    value: PhantomData<F>,
}

impl<F: Real> HalfLine<F> {
    /// The rise (`rise`) or the fall with fraction `f`, positions in
    /// `n`ths. A fall of zero length is the peak (angle 0).
    pub(crate) fn new(f: f64, rise: bool, n: f64) -> Self {
        let (slope, offset) = if rise {
            // |r/(f n) - 1| = 1 - r/(f n) below the fraction.
            (-1.0 / (f * n), -1.0)
        } else if f < 1.0 {
            (1.0 / ((1.0 - f) * n), f / (1.0 - f))
        } else {
            (0.0, 0.0)
        };
        HalfLine {
            // Finite: a rise shorter than the smallest normal step (a
            // fraction of 1e-300) holds step 0 alone, whose angle is then
            // `-offset`, not 0 * inf.
            slope: slope.clamp(-f64::MAX, f64::MAX),
            offset,
            value: PhantomData,
        }
    }

    /// The kernel's input at the position `r / n` of this half (`r` as `f64`).
    #[inline(always)]
    pub(crate) fn arg(self, r: f64) -> F {
        F::from_f64(self.arg_f64(r))
    }

    /// [`Self::arg`] before its rounding to `F`: the angle a stepper starts
    /// its window from is the lookups' own, in `f64` whatever `F`.
    #[inline(always)]
    pub(crate) fn arg_f64(self, r: f64) -> f64 {
        r * self.slope - self.offset
    }

    /// How far a stepper's angle, started from [`Self::arg`] at one
    /// position and turned by the line's own rate, can be from `π` times
    /// `arg` at another of the same half: each `arg` rounds twice (in
    /// `|r * slope|`, at most `1 + |offset|`, and in the difference), the
    /// angle once more, and the stepper's rate differs from `π * slope`
    /// by a few roundings over at most a half turn. The line's own
    /// constants are common to both and count nothing.
    pub(crate) fn angle_slack(self) -> f64 {
        (6.0 + self.offset.abs()) * f64::EPSILON * core::f64::consts::PI
    }

    /// `cos(angle) + 1` from [`Self::arg`]. A half turn a hair below 0
    /// (rounding at a fall's start) is as accurate: the kernels'
    /// polynomials hold a little past their range.
    #[inline(always)]
    pub(crate) fn wave(arg: F) -> F {
        let cos = if is_f32::<F>() {
            F::from_f64(f64::from(trig::cos_pi32(arg.to_f64() as f32)))
        } else {
            F::from_f64(trig::cos_pi64(arg.to_f64()))
        };
        cos + F::one()
    }
}

/// The index of a half in a table of `[rise, fall]`: random lookups load their
/// half's operands by it, where a select of them compiles to a branch
/// that random steps mispredict.
#[inline(always)]
pub(crate) fn half_index(rise: bool) -> usize {
    usize::from(!rise)
}

/// Where `x` sits for the seed's waves: 1 on the rise and 2 on the fall
/// within `[0, 1]`, 0 below and 3 above (clamped by the seed). It never
/// decreases as `x` grows, so the steps of one region are one run.
#[inline(always)]
pub(crate) fn seed_region(x: f64, f: f64) -> u8 {
    if x < 0.0 {
        0
    } else if x > 1.0 {
        3
    } else if x < f {
        1
    } else {
        2
    }
}

/// The half a bulk loop can use in `region`, with its flag; `None` where
/// the clamp acts or the fall is empty (step by step).
pub(crate) fn seed_half<F: Real>(region: u8, f: f64) -> Option<(SeedHalf<F>, bool)> {
    match region {
        1 => SeedHalf::new(f, true).map(|h| (h, true)),
        2 => SeedHalf::new(f, false).map(|h| (h, false)),
        _ => None,
    }
}

/// `out[i]`: the value at step `first + i` of a seed preset of `n` steps,
/// `at(step)` computed alone. The steps before the last are cut into runs
/// of one `key` (which never decreases with the step: a half, or a cycle
/// and its half), each filled by `fill_run(run, first step, key)`; every
/// step from the last on takes the last's value, as the seed's clamp
/// does. Beyond 2^53 steps, where positions stop being exact, each step
/// goes by `at`.
pub(crate) fn fill_seed_runs<F: Real, K: PartialEq + Copy>(
    out: &mut [F],
    first: u64,
    n: u64,
    key: impl Fn(u64) -> K,
    mut fill_run: impl FnMut(&mut [F], u64, K),
    at: &impl Fn(u64) -> F,
) {
    if n > 1 << 53 {
        let mut step = first;
        for v in out.iter_mut() {
            *v = at(step);
            step = step.saturating_add(1);
        }
        return;
    }
    let before_last = usize::try_from((n - 1).saturating_sub(first)).unwrap_or(usize::MAX);
    let (mut head, tail) = out.split_at_mut(before_last.min(out.len()));
    let mut step = first;
    while !head.is_empty() {
        let run_key = key(step);
        let last = step + head.len() as u64 - 1;
        let end = run_last(step, last, |k| key(k) == run_key);
        let (run, rest) = core::mem::take(&mut head).split_at_mut((end - step) as usize + 1);
        fill_run(run, step, run_key);
        head = rest;
        step = end + 1;
    }
    if !tail.is_empty() {
        tail.fill(at(n - 1));
    }
}

/// `full * scale + add`: the seed's `(cos(...) + 1) * amp / 2.0 + base`
/// on the rise and `(cos(...) + 1) / 2.0 * amp + base` on the fall, with
/// `scale = amp / 2` taken at build time. Halving is exact (away from the
/// subnormals), so `full * amp * 0.5` and `full * 0.5 * amp` both round
/// once, as `full * scale` does: the seed's bits, one multiplication
/// fewer on a random lookup's chain.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SeedLine<F> {
    scale: F,
    add: F,
}

impl<F: Real> SeedLine<F> {
    /// The seed's line for amplitude `amp` and base `add` (`add = -0.0`
    /// adds nothing, even to a -0).
    fn of(amp: F, add: F) -> Self {
        SeedLine {
            scale: half_toward_zero(amp),
            add,
        }
    }

    #[inline(always)]
    fn at(self, full: F) -> F {
        full * self.scale + self.add
    }
}

/// `amp / 2` at build time. Halving is exact but for a subnormal `amp`,
/// whose half rounds to nearest and can come out a unit above it: then the
/// next value toward zero, so that a full wave (`full <= 2`) times it stays
/// within `amp`, as the seed's `full * amp / 2` does, and a learning rate
/// within its range.
fn half_toward_zero<F: Real>(amp: F) -> F {
    let half = amp * F::from_f64(0.5);
    if (half + half).abs() <= amp.abs() {
        return half;
    }
    // The smallest subnormal less, toward zero.
    half - (F::min_positive_value() * F::epsilon()).copysign(half)
}

/// One half of a [`KerasOneCycle`]: its wave and both formulas, built
/// once, so a random lookup loads them by [`half_index`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct OneCycleHalf<F> {
    /// The angle at the step at `k`.
    line: HalfLine<F>,
    /// `lo → hi` on the rise, `hi → 0` on the fall.
    lr: SeedLine<F>,
    /// `m1 → m2 → m1` (unused without momentum).
    momentum: SeedLine<F>,
}

impl<F: Real> OneCycleHalf<F> {
    fn of(config: &KerasOneCycleBuilder<F>, rise: bool) -> Self {
        let (lo, hi) = config.lr_range;
        let lr = if rise {
            SeedLine::of(hi - lo, lo)
        } else {
            SeedLine::of(hi, F::from_f64(-0.0))
        };
        let (m1, m2) = config.momentum_range.unwrap_or((F::zero(), F::zero()));
        let n = config.total_steps as f64;
        OneCycleHalf {
            line: HalfLine::new(config.phase_one_fraction, rise, n),
            lr,
            momentum: SeedLine::of(m2 - m1, m1),
        }
    }
}

impl<F: Real> KerasOneCycle<F> {
    fn new(config: KerasOneCycleBuilder<F>) -> Self {
        let mut s = KerasOneCycle {
            config,
            fall_start: 0,
            steps: (config.total_steps as f64, 1.0 / config.total_steps as f64),
            halves: [
                OneCycleHalf::of(&config, true),
                OneCycleHalf::of(&config, false),
            ],
        };
        s.fall_start = s.first_fall_step();
        s
    }

    #[inline(always)]
    fn x(&self, step: u64) -> f64 {
        let (n, inv) = self.steps;
        seed_div::<F>(clamped_position(step, self.config.total_steps), n, inv)
    }

    /// The first step (up to `total_steps`) whose `x` is not below the
    /// fraction: `x` never decreases with the step.
    fn first_fall_step(&self) -> u64 {
        let f = self.config.phase_one_fraction;
        first_step_where(0, self.config.total_steps, |step| self.x(step) >= f)
    }

    /// `cos(arg) + 1` at `step` and the operands of its half. The step is
    /// at most `n - 1` (no clamp of `x`); the half (`x < f`) is an integer
    /// compare of the step.
    #[inline(always)]
    fn wave_at(&self, step: u64) -> (F, &OneCycleHalf<F>) {
        let n = self.config.total_steps;
        let rise = step.min(n - 1) < self.fall_start;
        let half = &self.halves[half_index(rise)];
        let arg = half.line.arg(clamped_position(step, n));
        (HalfLine::wave(arg), half)
    }
}

impl<F: Real> KerasOneCycle<F> {
    /// `out[i] = component(wave, half)` at step `first + i`: the steps
    /// before the last in at most two straight-line loops (rise, then fall)
    /// that vectorise, the last step's value for every later step.
    fn fill_with(&self, out: &mut [F], first: u64, component: impl Fn(F, &OneCycleHalf<F>) -> F) {
        let at = |step: u64| {
            let (full, half) = self.wave_at(step);
            component(full, half)
        };
        let f = self.config.phase_one_fraction;
        let region = |k: u64| seed_region(self.x(k), f);
        let fill_run = |run: &mut [F], step: u64, region: u8| match seed_half::<F>(region, f) {
            // The half's operands are loop constants: each loop's body
            // is straight-line.
            Some((_, rise)) => self.fill_half(run, step, self.halves[half_index(rise)], &component),
            None => run.iter_mut().zip(step..).for_each(|(v, k)| *v = at(k)),
        };
        fill_seed_runs(out, first, self.config.total_steps, region, fill_run, &at);
    }

    /// `out[i] = component(wave, half)` at step `first + i`, all before the
    /// last step and in `half`.
    #[inline(always)]
    fn fill_half(
        &self,
        out: &mut [F],
        first: u64,
        half: OneCycleHalf<F>,
        component: &impl Fn(F, &OneCycleHalf<F>) -> F,
    ) {
        fill_two_pass(
            out,
            first as f64,
            1.0,
            |step| half.line.arg(step),
            |arg| component(HalfLine::wave(arg), &half),
        );
    }
}

impl<F: Real> HyperSchedule<F> for KerasOneCycle<F> {
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let (full, half) = self.wave_at(step);
        let momentum = (self.config.momentum_range).map(|_| half.momentum.at(full));
        Hypers {
            lr: half.lr.at(full),
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        self.fill_with(out, first_step, |full, half| half.lr.at(full))
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        match self.config.momentum_range {
            Some(_) => self.fill_with(out, first_step, |full, half| half.momentum.at(full)),
            None => out.fill(F::nan()),
        }
    }
    fn stepper(&self, step: u64) -> Stepper {
        stepper::stepper_at(self, step)
    }
    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        stepper::advance(stepper, || self)
    }
    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        let momentum = self.config.momentum_range.is_some();
        stepper::stepped_hypers(stepper, momentum, |k| self.hypers(k))
    }
}

impl<F: Real> Stepping for KerasOneCycle<F> {
    fn segment(&self, step: u64) -> Segment {
        let n = self.config.total_steps;
        if step >= n - 1 || n > 1 << 53 {
            return Segment::direct(step, u64::MAX);
        }
        let f = self.config.phase_one_fraction;
        let rise = |k: u64| self.x(k) < f;
        // The rise, then the fall: `!rise` never decreases.
        let (first, last) = stepper::run_of(step, 0, n - 2, |k| !rise(k));
        // x = k/n, x·pi/f - pi and (x - f)·pi/(1 - f) round at each step:
        // the half's own pi/f or pi/(1 - f) amplifies the rounding of x.
        let rising = rise(step);
        let (lo, hi) = self.config.lr_range;
        let wave = stepper::seed_map;
        let lr = if rising {
            wave(hi.to_f64() - lo.to_f64(), lo.to_f64())
        } else {
            wave(hi.to_f64(), 0.0)
        };
        let momentum = self.config.momentum_range.map_or(NO_MAP, |(m1, m2)| {
            wave(m2.to_f64() - m1.to_f64(), m1.to_f64())
        });
        let length = if rising { f } else { 1.0 - f };
        Segment {
            first,
            last,
            motion: Motion::Rotate,
            tag: u32::from(rising),
            delta: (core::f64::consts::PI / (length * n as f64), 0.0),
            maps: [lr, momentum],
            slack: 8.0 * 2.3e-16 * core::f64::consts::PI / length.max(f64::MIN_POSITIVE),
        }
    }

    fn state_at(&self, _segment: &Segment, step: u64) -> (f64, f64) {
        let f = self.config.phase_one_fraction;
        (seed_wave_arg::<f64>(self.x(step), f).0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fill_lr` and `fill_momentum` give `hypers`' bits from `first` on.
    fn fill_is_hypers<F: Real>(s: &KerasOneCycle<F>, first: u64, len: usize) {
        let (mut lr, mut momentum) = ([F::zero(); 1300], [F::zero(); 1300]);
        let (lr, momentum) = (&mut lr[..len], &mut momentum[..len]);
        s.fill_lr(lr, first);
        s.fill_momentum(momentum, first);
        for (i, (l, m)) in lr.iter().zip(momentum.iter()).enumerate() {
            let step = first.saturating_add(i as u64);
            let h = s.hypers(step);
            let bits = |x: F| x.to_f64().to_bits();
            assert_eq!(bits(*l), bits(h.lr), "lr {step}");
            assert_eq!(bits(*m), bits(h.momentum.unwrap()), "momentum {step}");
        }
    }

    /// Runs cut at the rise/fall boundary, from anywhere, for every
    /// fraction kind (no rise, no fall, one step of either).
    fn keras_fill_is_hypers<F: Real>() {
        let big = 1u64 << 53;
        for n in [1, 2, 3, 10, 1001, 4099, big - 3, big, big + 7, u64::MAX] {
            for f in [0.0, 1e-9, 0.3, 0.5, 0.999, 1.0] {
                let s = KerasOneCycle::builder((F::from_f64(0.01), F::from_f64(0.1)), n)
                    .momentum_range(F::from_f64(0.95), F::from_f64(0.85))
                    .phase_one_fraction(f)
                    .build()
                    .unwrap();
                let cut = (f * n as f64) as u64;
                for first in [0, 1, cut.saturating_sub(600), cut.saturating_sub(2), cut] {
                    fill_is_hypers(&s, first, 1300);
                }
                for first in [n.saturating_sub(700), n - 1, big - 5, u64::MAX - 5] {
                    fill_is_hypers(&s, first, 800);
                }
            }
        }
    }

    #[test]
    fn keras_fill_is_hypers_f32() {
        keras_fill_is_hypers::<f32>();
    }

    #[test]
    fn keras_fill_is_hypers_f64() {
        keras_fill_is_hypers::<f64>();
    }

    #[test]
    fn runs_end_where_the_key_changes() {
        for (first, last, edge) in [
            (0, 0, 0),
            (0, 9, 3),
            (5, 5000, 4096),
            (0, u64::MAX, u64::MAX - 1),
        ] {
            assert_eq!(run_last(first, last, |k| k <= edge), edge.min(last));
        }
        assert_eq!(run_last(3, u64::MAX, |_| true), u64::MAX);
    }

    #[test]
    fn seed_fall_starts_where_x_reaches_the_fraction() {
        for n in [1u64, 2, 3, 10, 1000, 1_000_001, (1 << 53) + 3, u64::MAX] {
            for f in [0.0, 1e-300, 0.1, 0.3, 0.5, 1.0 / 3.0, 0.999_999_9, 1.0] {
                let s = KerasOneCycle::builder((0.01_f64, 0.1), n)
                    .phase_one_fraction(f)
                    .build()
                    .unwrap();
                let k = s.fall_start;
                let rises = |step: u64| s.x(step) < f;
                assert!(k == 0 || rises(k - 1), "n {n} f {f}");
                assert!(k >= n || !rises(k), "n {n} f {f}");
                for step in [
                    0,
                    1,
                    k.saturating_sub(1),
                    k,
                    k.saturating_add(1),
                    n - 1,
                    u64::MAX,
                ] {
                    let rise = step.min(n - 1) < s.fall_start;
                    assert_eq!(rise, rises(step), "n {n} f {f} step {step}");
                }
            }
        }
    }
}
