//! [`ClrScheduler`]: any clr schedule as burn's `LrScheduler`.

use std::marker::PhantomData;

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::module::ParamGroup;
use burn::optim::LearningRate;
use clr_core::{Bundle, Expected, HyperSchedule, Hypers, Real, Schedule, Value};

use crate::error::Error;
use crate::record::Identity;

/// A clr schedule (any [`HyperSchedule`]: every preset and combinator, in
/// `f64` or `f32`) as burn's [`LrScheduler`]: its `k`-th
/// [`step`](LrScheduler::step) returns `schedule.hypers(k).lr` (as `f64`,
/// times the [learning-rate factor](Self::lr_factor)), which is what burn's
/// `Learner` hands its optimizer for its `k`-th update.
///
/// Its record holds the next step, the schedule's length and a fingerprint
/// of its values, so a resumed run continues bit-identically mid-cycle and
/// a record of another schedule is refused:
///
/// - [`try_load_record`](Self::try_load_record) returns the refusal as an
///   [`Error::Record`], and [`check_record`](Self::check_record) checks a
///   record without loading it (do this before handing a checkpoint to
///   burn's `Learner`).
/// - burn's [`LrScheduler::load_record`] cannot fail (it returns nothing),
///   and a panic or a silent switch to another schedule's step would both
///   be worse than keeping the step it has: so the trait method loads a
///   record it accepts and otherwise keeps its state and logs the refusal
///   with [`log::error!`].
///
/// ```
/// use burn::lr_scheduler::LrScheduler;
/// use clr_burn::ClrScheduler;
/// use clr_core::{HyperSchedule, OneCycleLr};
///
/// let schedule = OneCycleLr::builder(0.1_f64, 100).build()?;
/// let mut scheduler = ClrScheduler::new(schedule.clone());
/// for k in 0..40 {
///     assert_eq!(scheduler.step(), schedule.hypers(k).lr);
/// }
/// // Save mid-cycle, resume in a fresh scheduler: the same learning rates.
/// let record = scheduler.to_record();
/// let mut resumed = ClrScheduler::new(schedule);
/// resumed.try_load_record(&record)?;
/// assert_eq!(resumed.step(), scheduler.step());
/// # Ok::<(), clr_burn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClrScheduler<S, F = f64> {
    schedule: S,
    next: u64,
    lr_factor: f64,
    identity: Identity,
    value: PhantomData<fn() -> F>,
}

impl<S: HyperSchedule<F>, F: Real> ClrScheduler<S, F> {
    /// A scheduler at step 0 of `schedule`.
    pub fn new(schedule: S) -> Self {
        let identity = Identity::of(&schedule, 1.0);
        ClrScheduler {
            schedule,
            next: 0,
            lr_factor: 1.0,
            identity,
            value: PhantomData,
        }
    }

    /// Multiplies every learning rate by `factor` (finite, `>= 0`): the
    /// scheduler of one parameter group under discriminative learning rates
    /// (see [`grouped`](Self::grouped)). The factor is part of the
    /// schedule's identity: a record of another factor is refused.
    pub fn lr_factor(self, factor: f64) -> Result<Self, Error> {
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(Error::Core(clr_core::Error::Invalid {
                param: "lr_factor",
                value: Value::Float(factor),
                expected: Expected::NonNegative,
            }));
        }
        Ok(ClrScheduler {
            identity: Identity::of(&self.schedule, factor),
            lr_factor: factor,
            ..self
        })
    }

    /// The schedule.
    pub fn schedule(&self) -> &S {
        &self.schedule
    }

    /// The step whose learning rate the next [`step`](LrScheduler::step)
    /// returns (the number of steps taken so far).
    pub fn next_step(&self) -> u64 {
        self.next
    }

    /// The hyper-parameters of the step the last [`step`](LrScheduler::step)
    /// returned (of step 0 before the first), the learning rate before the
    /// factor: the momentum and weight decay to give the optimizer with it.
    pub fn hypers(&self) -> Hypers<F> {
        self.schedule.hypers(self.next.saturating_sub(1))
    }

    /// The step `record` continues from, if it was written by a scheduler
    /// of this schedule (the same length, values and factor); otherwise an
    /// [`Error::Record`] saying what differs. Nothing changes.
    pub fn check_record(&self, record: &LrSchedulerRecord) -> Result<u64, Error> {
        Ok(self.identity.check(record)?)
    }

    /// Continues from `record`, if [`check_record`](Self::check_record)
    /// accepts it; otherwise returns its error and keeps the step it has.
    pub fn try_load_record(&mut self, record: &LrSchedulerRecord) -> Result<(), Error> {
        self.next = self.check_record(record)?;
        Ok(())
    }
}

impl<S, F> ClrScheduler<S, F>
where
    S: HyperSchedule<F> + Clone + Send + Sync + 'static,
    F: Real,
{
    /// burn's per-group scheduler: this scheduler for every parameter, and
    /// for each `(group, factor)` a copy of it with its learning rates
    /// times `factor`, as burn's `ModuleLrScheduler` takes them (the last
    /// group a parameter matches decides, as in burn's `ModuleOptimizer`).
    /// A factor that is not finite and `>= 0` is an error.
    pub fn grouped(
        self,
        groups: impl IntoIterator<Item = (ParamGroup, f64)>,
    ) -> Result<ModuleLrScheduler, Error> {
        let mut scheduler = ModuleLrScheduler::new(self.clone());
        for (group, factor) in groups {
            let factor = self.lr_factor * factor;
            scheduler = scheduler.with_group(group, self.clone().lr_factor(factor)?);
        }
        Ok(scheduler)
    }
}

impl<L: Schedule<F>, F: Real> ClrScheduler<Bundle<L, L>, F> {
    /// A scheduler of a learning-rate [`Schedule`] alone (a warm restart,
    /// a sweep, a [`Piecewise`](clr_core::Piecewise), a combinator of them).
    pub fn lr_only(schedule: L) -> Self {
        ClrScheduler::new(Bundle::lr_only(schedule))
    }
}

impl<S, F> LrScheduler for ClrScheduler<S, F>
where
    S: HyperSchedule<F> + Clone + Send + Sync + 'static,
    F: Real,
{
    fn step(&mut self) -> LearningRate {
        let lr = self.schedule.hypers(self.next).lr.to_f64() * self.lr_factor;
        self.next = self.next.saturating_add(1);
        lr
    }

    fn to_record(&self) -> LrSchedulerRecord {
        self.identity.record(self.next)
    }

    /// Loads `record` if it is this schedule's; otherwise keeps the step it
    /// has and logs why (see the [type's docs](ClrScheduler)).
    fn load_record(&mut self, record: LrSchedulerRecord) {
        if let Err(e) = self.try_load_record(&record) {
            log::error!(
                "clr_burn::ClrScheduler refused a record and stays at step {}: {e}",
                self.next
            );
        }
    }
}
