//! Hyper-parameter bundles: learning rate, momentum (or Adam's beta1) and
//! weight decay for one step, and per-parameter-group scale factors.

use crate::error::{check, Error};
use crate::real::Real;
use crate::schedule::{Schedule, Stepper};

/// The hyper-parameters an optimizer should hold for one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Hypers<F> {
    /// Learning rate.
    pub lr: F,
    /// Momentum for SGD/RMSprop, beta1 for the Adam family; `None` = leave as is.
    pub momentum: Option<F>,
    /// Weight decay; `None` = leave as is.
    pub weight_decay: Option<F>,
}

impl<F: Real> Hypers<F> {
    /// The same values with the learning rate multiplied by `factor`: the
    /// values of one parameter group under discriminative learning rates.
    #[inline]
    pub fn scale_lr(self, factor: F) -> Self {
        Hypers {
            lr: self.lr * factor,
            ..self
        }
    }

    /// The learning rate and the momentum (zero when not scheduled): what
    /// an out-of-line call returns in two registers, where a `Hypers`
    /// would go through memory and take its callers' paths there with it.
    #[inline(always)]
    pub(crate) fn lr_and_momentum(self) -> (F, F) {
        (self.lr, self.momentum.unwrap_or(F::zero()))
    }

    /// The inverse of [`lr_and_momentum`](Self::lr_and_momentum) for a
    /// schedule that does (`scheduled`) or does not schedule momentum.
    #[inline(always)]
    pub(crate) fn from_lr_and_momentum((lr, momentum): (F, F), scheduled: bool) -> Self {
        Hypers {
            lr,
            momentum: scheduled.then_some(momentum),
            weight_decay: None,
        }
    }
}

/// A schedule of a whole hyper-parameter bundle: `hypers = schedule.hypers(step)`.
///
/// Whether momentum and weight decay are scheduled is fixed per schedule:
/// `hypers(step).momentum.is_some() == has_momentum()` for every step.
pub trait HyperSchedule<F: Real> {
    /// The hyper-parameters for the optimizer's `step`-th update.
    fn hypers(&self, step: u64) -> Hypers<F>;

    /// `Some(n)` for one pass of `n` steps, `None` when unbounded.
    fn total_steps(&self) -> Option<u64>;

    /// Whether `hypers(step).momentum` is `Some`.
    fn has_momentum(&self) -> bool;

    /// Whether `hypers(step).weight_decay` is `Some`.
    fn has_weight_decay(&self) -> bool {
        false
    }

    /// A [`Stepper`] standing at `step`, for sequential evaluation with
    /// [`stepped`](HyperSchedule::stepped) and
    /// [`advance`](HyperSchedule::advance) (what [`Scheduler::incremental`]
    /// uses).
    ///
    /// The presets override the three with an incremental recurrence
    /// (within 1e-12 relative of [`hypers`](HyperSchedule::hypers)); by
    /// default the stepper only counts and every value is `hypers`.
    ///
    /// [`Scheduler::incremental`]: crate::Scheduler::incremental
    fn stepper(&self, step: u64) -> Stepper {
        Stepper::counting(step)
    }

    /// Moves `stepper` one step on.
    ///
    /// Only at the end of the stepper's window does this consult the
    /// schedule; within it a step is the stepper's own, so a
    /// [`Scheduler`](crate::Scheduler) moves it without calling this.
    fn advance(&self, stepper: &mut Stepper) {
        stepper.step = stepper.step.saturating_add(1);
    }

    /// The hyper-parameters at the stepper's step.
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        self.hypers(stepper.step)
    }

    /// `hypers(step)` to the bit, for a `stepper` of this schedule's: what an
    /// exact [`Scheduler`](crate::Scheduler) reads at each batch. A schedule
    /// may start from what the stepper knows of the segment `step` falls in
    /// (a warm restart's cycle) instead of finding it again; a step outside
    /// that segment is looked up as `hypers` does. Another schedule's stepper
    /// may give a wrong value, never a panic.
    #[inline(always)]
    fn hypers_near(&self, stepper: &Stepper, step: u64) -> Hypers<F> {
        let _ = stepper;
        self.hypers(step)
    }

    /// Writes `hypers(first_step + i)` into `out[i]` for every `i` (steps
    /// saturate at `u64::MAX`, as in [`Schedule::fill`]).
    ///
    /// Implementations may override it with a faster loop; the values must
    /// stay those of [`HyperSchedule::hypers`].
    fn fill_hypers(&self, out: &mut [Hypers<F>], first_step: u64) {
        let mut step = first_step;
        for h in out.iter_mut() {
            *h = self.hypers(step);
            step = step.saturating_add(1);
        }
    }

    /// Writes the learning rate of step `first_step + i` into `out[i]`:
    /// what `self.lr().fill(out, first_step)` does.
    ///
    /// Implementations may override it with a faster loop (the presets do:
    /// branch-free loops that vectorise); the values must stay those of
    /// [`HyperSchedule::hypers`].
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        let mut step = first_step;
        for v in out.iter_mut() {
            *v = self.hypers(step).lr;
            step = step.saturating_add(1);
        }
    }

    /// Writes the momentum of step `first_step + i` into `out[i]` (NaN where
    /// momentum is not scheduled): what `Momentum(self).fill(out, first_step)` does.
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        let mut step = first_step;
        for v in out.iter_mut() {
            *v = self.hypers(step).momentum.unwrap_or(F::nan());
            step = step.saturating_add(1);
        }
    }

    /// The learning-rate component as a [`Schedule`].
    fn lr(&self) -> Lr<&Self>
    where
        Self: Sized,
    {
        Lr(self)
    }

    /// The momentum component as a [`Schedule`], when it is scheduled.
    fn momentum(&self) -> Option<Momentum<&Self>>
    where
        Self: Sized,
    {
        self.has_momentum().then_some(Momentum(self))
    }

    /// Adds a weight-decay schedule to this bundle.
    fn with_weight_decay<W: Schedule<F>>(self, weight_decay: W) -> WithWeightDecay<Self, W>
    where
        Self: Sized,
    {
        WithWeightDecay {
            inner: self,
            weight_decay,
        }
    }
}

impl<F: Real, S: HyperSchedule<F> + ?Sized> HyperSchedule<F> for &S {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        (**self).hypers(step)
    }
    fn total_steps(&self) -> Option<u64> {
        (**self).total_steps()
    }
    fn has_momentum(&self) -> bool {
        (**self).has_momentum()
    }
    fn has_weight_decay(&self) -> bool {
        (**self).has_weight_decay()
    }
    fn fill_hypers(&self, out: &mut [Hypers<F>], first_step: u64) {
        (**self).fill_hypers(out, first_step)
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        (**self).fill_lr(out, first_step)
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        (**self).fill_momentum(out, first_step)
    }
    fn stepper(&self, step: u64) -> Stepper {
        (**self).stepper(step)
    }
    fn advance(&self, stepper: &mut Stepper) {
        (**self).advance(stepper)
    }
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        (**self).stepped(stepper)
    }
    #[inline(always)]
    fn hypers_near(&self, stepper: &Stepper, step: u64) -> Hypers<F> {
        (**self).hypers_near(stepper, step)
    }
}

/// The learning rate of a [`HyperSchedule`], seen as a [`Schedule`].
#[derive(Debug, Clone, Copy)]
pub struct Lr<H>(pub H);

impl<F: Real, H: HyperSchedule<F>> Schedule<F> for Lr<H> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.0.hypers(step).lr
    }
    fn total_steps(&self) -> Option<u64> {
        self.0.total_steps()
    }
    fn fill(&self, out: &mut [F], first_step: u64) {
        self.0.fill_lr(out, first_step)
    }
}

/// The momentum of a [`HyperSchedule`], seen as a [`Schedule`] (NaN where unscheduled).
#[derive(Debug, Clone, Copy)]
pub struct Momentum<H>(pub H);

impl<F: Real, H: HyperSchedule<F>> Schedule<F> for Momentum<H> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.0.hypers(step).momentum.unwrap_or(F::nan())
    }
    fn total_steps(&self) -> Option<u64> {
        self.0.total_steps()
    }
    fn fill(&self, out: &mut [F], first_step: u64) {
        self.0.fill_momentum(out, first_step)
    }
}

/// A bundle built from scalar schedules: a learning rate, and optionally a
/// momentum and a weight decay.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bundle<L, M> {
    lr: L,
    momentum: Option<M>,
}

impl<L> Bundle<L, L> {
    /// A bundle that schedules only the learning rate.
    pub fn lr_only(lr: L) -> Self {
        Bundle { lr, momentum: None }
    }
}

impl<L, M> Bundle<L, M> {
    /// A bundle scheduling the learning rate and the momentum.
    pub fn new(lr: L, momentum: M) -> Self {
        Bundle {
            lr,
            momentum: Some(momentum),
        }
    }
}

impl<F: Real, L: Schedule<F>, M: Schedule<F>> HyperSchedule<F> for Bundle<L, M> {
    // Always: a schedule whose `at` is inlined (a warm restart's) would
    // otherwise make this two copies long and a call per lookup.
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        Hypers {
            lr: self.lr.at(step),
            momentum: self.momentum.as_ref().map(|m| m.at(step)),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.lr.total_steps()
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
    // A bundle of the learning rate alone steps with it; one with a momentum
    // schedule too (two states) steps directly.
    fn stepper(&self, step: u64) -> Stepper {
        match self.momentum {
            None => self.lr.stepper(step),
            Some(_) => Stepper::counting(step),
        }
    }
    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        match self.momentum {
            None => self.lr.advance(stepper),
            Some(_) => stepper.step = stepper.step.saturating_add(1),
        }
    }
    // Inline as the presets' are: with `hypers` inline too, LLVM would
    // otherwise leave this out of line, a call per step.
    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        match self.momentum {
            None => Hypers {
                lr: self.lr.stepped(stepper),
                momentum: None,
                weight_decay: None,
            },
            Some(_) => self.hypers(stepper.step),
        }
    }
    #[inline(always)]
    fn hypers_near(&self, stepper: &Stepper, step: u64) -> Hypers<F> {
        Hypers {
            lr: self.lr.at_near(stepper, step),
            momentum: self.momentum.as_ref().map(|m| m.at_near(stepper, step)),
            weight_decay: None,
        }
    }
}

/// A bundle with a weight-decay schedule added, from [`HyperSchedule::with_weight_decay`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WithWeightDecay<H, W> {
    inner: H,
    weight_decay: W,
}

impl<F: Real, H: HyperSchedule<F>, W: Schedule<F>> HyperSchedule<F> for WithWeightDecay<H, W> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        Hypers {
            weight_decay: Some(self.weight_decay.at(step)),
            ..self.inner.hypers(step)
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.inner.total_steps()
    }
    fn has_momentum(&self) -> bool {
        self.inner.has_momentum()
    }
    fn has_weight_decay(&self) -> bool {
        true
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        self.inner.fill_lr(out, first_step)
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        self.inner.fill_momentum(out, first_step)
    }
}

/// fastai's `even_mults(lo, hi, n)`: `n` learning-rate factors spaced
/// geometrically from `lo` to `hi`, written into `out` (its length is `n`).
///
/// With a schedule built for `hi`, group `i` trains at `out[i] / hi` times the
/// scheduled rate: fastai's `lr_max=slice(lo, hi)`.
pub fn even_mults<F: Real>(lo: F, hi: F, out: &mut [F]) -> Result<(), Error> {
    check::positive("lo", lo.to_f64())?;
    check::positive("hi", hi.to_f64())?;
    let n = out.len();
    if let [only] = out {
        *only = hi;
        return Ok(());
    }
    let step = (hi / lo).powf(F::one() / F::from_f64(n.saturating_sub(1) as f64));
    for (i, v) in out.iter_mut().enumerate() {
        // fastai computes start * step**i; a running product would drift.
        *v = lo * step.powf(F::from_f64(i as f64));
    }
    Ok(())
}
