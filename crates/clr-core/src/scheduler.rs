//! The training-loop side of a schedule: a state machine that a trainer calls
//! at each batch and epoch, as the seed's Keras callbacks were called.
//!
//! ```
//! use clr_core::{Control, Cycle, KerasOneCycle, Scheduler};
//!
//! let cycle = Cycle::from_samples(20, 800, 16)?; // 20 epochs of ceil(800/16) batches
//! let schedule = KerasOneCycle::builder((0.002_f64, 0.01), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let mut scheduler = Scheduler::new(schedule, cycle)?.stop_at_end();
//! 'train: for _epoch in 0.. {
//!     for _batch in 0..cycle.batches_per_epoch() {
//!         let h = scheduler.batch_begin()?; // set h.lr, h.momentum on the optimizer
//!         let loss = h.lr; // ... train one batch ...
//!         if scheduler.batch_end(loss) == Control::Stop {
//!             break 'train;
//!         }
//!     }
//!     scheduler.epoch_end(&[]);
//! }
//! assert_eq!(scheduler.state().iteration, 1000);
//! # Ok::<(), clr_core::Error>(())
//! ```
//!
//! # Resuming
//! [`Scheduler::state`] is plain data (`Copy`, and serde with the `serde`
//! feature). Save it with the model; [`Scheduler::resume`] continues from it
//! bit-identically, because every value depends only on the iteration.
//! (Saving the whole `Scheduler`, records included, with `serde_json` keeps
//! every float bit-exact with its `float_roundtrip` feature.)
//!
//! # Data-parallel training
//! Values depend only on the global iteration, never on losses or on other
//! workers. Give every worker the same schedule and the same global step
//! (the number of optimizer steps taken in total, not per worker) and they
//! all hold the same learning rate without communicating. With a schedule
//! alone, `schedule.hypers(global_step)` is all a worker needs.

use core::num::NonZeroU64;

use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::Real;
use crate::schedule::Stepper;

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// A record every 10 batches by default, the seed's `record_frq`. Built
/// at compile time (a `None` would fail the build, not a run); `match`
/// because `Option::unwrap` is not `const` at the MSRV, 1.82.
const RECORD_EVERY: NonZeroU64 = match NonZeroU64::new(10) {
    Some(k) => k,
    None => panic!("10 is not zero"),
};

/// The length of one cycle: `epochs × batches_per_epoch` iterations, the seed's
/// convention (the number of epochs passed to `fit` is the cycle length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "CycleData", into = "CycleData"))]
pub struct Cycle {
    epochs: u64,
    batches_per_epoch: u64,
    /// `epochs × batches_per_epoch`, read at every batch.
    iterations: u64,
}

/// The serialized form of a [`Cycle`], checked again when read back.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CycleData {
    epochs: u64,
    batches_per_epoch: u64,
}

#[cfg(feature = "serde")]
impl TryFrom<CycleData> for Cycle {
    type Error = Error;
    fn try_from(data: CycleData) -> Result<Self, Error> {
        Cycle::new(data.epochs, data.batches_per_epoch)
    }
}

#[cfg(feature = "serde")]
impl From<Cycle> for CycleData {
    fn from(cycle: Cycle) -> Self {
        CycleData {
            epochs: cycle.epochs,
            batches_per_epoch: cycle.batches_per_epoch,
        }
    }
}

impl Cycle {
    /// A cycle of `epochs` epochs of `batches_per_epoch` batches.
    pub fn new(epochs: u64, batches_per_epoch: u64) -> Result<Self, Error> {
        check::nonzero("epochs", epochs)?;
        check::nonzero("batches_per_epoch", batches_per_epoch)?;
        let iterations = epochs
            .checked_mul(batches_per_epoch)
            .ok_or(Error::Overflow { param: "epochs" })?;
        Ok(Cycle {
            epochs,
            batches_per_epoch,
            iterations,
        })
    }

    /// A cycle over a data set of `samples` in batches of `batch_size`
    /// (`ceil(samples / batch_size)` batches per epoch, as Keras counts them).
    pub fn from_samples(epochs: u64, samples: u64, batch_size: u64) -> Result<Self, Error> {
        Self::new(epochs, batches_per_epoch(samples, batch_size)?)
    }

    /// Iterations in the cycle.
    #[inline(always)]
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Epochs in the cycle.
    pub fn epochs(&self) -> u64 {
        self.epochs
    }

    /// Batches in one epoch.
    pub fn batches_per_epoch(&self) -> u64 {
        self.batches_per_epoch
    }
}

/// `ceil(samples / batch_size)`: Keras' batches per epoch.
pub fn batches_per_epoch(samples: u64, batch_size: u64) -> Result<u64, Error> {
    check::nonzero("samples", samples)?;
    check::nonzero("batch_size", batch_size)?;
    Ok(samples.div_ceil(batch_size))
}

/// What a run does once the cycle is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PastEnd {
    /// Keep the last value of the cycle (the default).
    #[default]
    Hold,
    /// `batch_end` says [`Control::Stop`] at the last batch of the cycle (the
    /// seed's callbacks); values past it hold.
    Stop,
    /// `batch_begin` past the end returns [`Error::PastEnd`].
    Error,
    /// Start the cycle again.
    Restart,
    /// Go on with the `next` schedule given to [`Scheduler::then`], which sees
    /// steps counted from the end of the cycle.
    Continue,
}

/// Whether training should go on after this batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Control {
    /// Train the next batch.
    Continue,
    /// The cycle is over (only under [`PastEnd::Stop`]).
    Stop,
}

/// The plain-data state of a [`Scheduler`]: save it anywhere, resume from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SchedulerState {
    /// Batches trained since the run began (`batch_end` calls).
    pub iteration: u64,
    /// Epochs finished (`epoch_end` calls).
    pub epoch: u64,
}

/// One record of the per-batch log (every `record_every` batches).
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchRecord<F> {
    /// The iteration the values belong to.
    pub iteration: u64,
    /// The learning rate of that iteration.
    pub lr: F,
    /// Its momentum, when scheduled.
    pub momentum: Option<F>,
    /// The loss the trainer reported.
    pub loss: F,
    /// Named metrics reported with it.
    pub metrics: Vec<(String, F)>,
}

/// One record of the per-epoch log.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EpochRecord<F> {
    /// The epoch (0-based).
    pub epoch: u64,
    /// The learning rate of the epoch's last batch.
    pub lr: F,
    /// Named metrics (loss, val_loss, …).
    pub metrics: Vec<(String, F)>,
}

/// What a [`Scheduler`] has recorded.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Records<F> {
    /// Every `record_every`-th batch.
    pub batches: Vec<BatchRecord<F>>,
    /// Every epoch.
    pub epochs: Vec<EpochRecord<F>>,
}

/// Drives a [`HyperSchedule`] from a training loop: `batch_begin` gives the
/// hyper-parameters of the batch, `batch_end` takes its loss, records and
/// says whether to go on, `epoch_end` logs the epoch.
///
/// `N` is the schedule for [`PastEnd::Continue`]; leave it as the default
/// when not continuing.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawScheduler<S, N, F>",
        bound(deserialize = "F: Real + serde::Deserialize<'de>, \
                             S: HyperSchedule<F> + serde::Deserialize<'de>, \
                             N: HyperSchedule<F> + serde::Deserialize<'de>")
    )
)]
pub struct Scheduler<S, N = S, F = f64> {
    schedule: S,
    next: Option<N>,
    cycle: Cycle,
    record_every: NonZeroU64,
    past_end: PastEnd,
    state: SchedulerState,
    #[cfg(feature = "alloc")]
    records: Records<F>,
    /// Whether values within the cycle come from the schedule's [`Stepper`].
    #[cfg_attr(feature = "serde", serde(default))]
    incremental: bool,
    /// Where the stepper stands: a cache of the recurrence's state, rebuilt
    /// from the iteration whenever it does not match (after a resume, a
    /// deserialization, a restart), so it is neither saved nor compared.
    #[cfg_attr(feature = "serde", serde(skip))]
    stepper: Transient<Stepper>,
    /// No record is due before this iteration: spares `batch_end` a
    /// division. Reset to 0 (unknown) whenever the iteration jumps.
    #[cfg(feature = "alloc")]
    #[cfg_attr(feature = "serde", serde(skip))]
    next_record: Transient<u64>,
    /// Below this iteration a batch's end only moves the stepper's
    /// recurrence on: one comparison stands for "incremental, in step, not
    /// at the cycle's last iteration nor at its window's, and no record
    /// due". 0 when unknown.
    #[cfg_attr(feature = "serde", serde(skip))]
    quick_below: Transient<u64>,
    /// The same for an exact scheduler, whose batch's end then only counts:
    /// the stepper is then an [`exact`](Stepper::exact) one, the iteration
    /// in its window.
    #[cfg_attr(feature = "serde", serde(skip))]
    exact_below: Transient<u64>,
    #[cfg_attr(feature = "serde", serde(skip))]
    _value: core::marker::PhantomData<F>,
}

/// What a [`Scheduler`] is read from: the fields it is written with (it is
/// still written as derived; the transient ones are neither written nor
/// read), checked as [`Scheduler::new`], [`record_every`] and
/// [`past_end`] check them.
///
/// [`record_every`]: Scheduler::record_every
/// [`past_end`]: Scheduler::past_end
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Scheduler")]
struct RawScheduler<S, N, F> {
    schedule: S,
    next: Option<N>,
    cycle: Cycle,
    record_every: u64,
    past_end: PastEnd,
    state: SchedulerState,
    #[cfg(feature = "alloc")]
    records: Records<F>,
    #[serde(default)]
    incremental: bool,
    #[serde(skip)]
    _value: core::marker::PhantomData<F>,
}

#[cfg(feature = "serde")]
impl<F: Real, S: HyperSchedule<F>, N: HyperSchedule<F>> TryFrom<RawScheduler<S, N, F>>
    for Scheduler<S, N, F>
{
    type Error = Error;
    fn try_from(raw: RawScheduler<S, N, F>) -> Result<Self, Error> {
        // The builders' own checks, run on a scheduler of references: the
        // schedule's length against the cycle's, `record_every` non-zero,
        // and `PastEnd::Continue` only with a `next` schedule.
        let probe = Scheduler::<&S, &S, F>::new(&raw.schedule, raw.cycle)?
            .record_every(raw.record_every)?;
        let record_every = probe.record_every;
        match &raw.next {
            Some(next) => {
                probe.then(next).past_end(raw.past_end)?;
            }
            None => {
                probe.past_end(raw.past_end)?;
            }
        }
        Ok(Scheduler {
            schedule: raw.schedule,
            next: raw.next,
            cycle: raw.cycle,
            record_every,
            past_end: raw.past_end,
            state: raw.state,
            #[cfg(feature = "alloc")]
            records: raw.records,
            incremental: raw.incremental,
            // Derived from the iteration: rebuilt on demand, as after `resume`.
            stepper: Transient(Stepper::default()),
            #[cfg(feature = "alloc")]
            next_record: Transient(0),
            quick_below: Transient(0),
            exact_below: Transient(0),
            _value: core::marker::PhantomData,
        })
    }
}

/// A field that equality ignores: derived state, rebuilt on demand.
#[derive(Debug, Clone, Copy, Default)]
struct Transient<T>(T);

impl<T> PartialEq for Transient<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<F: Real, S: HyperSchedule<F>> Scheduler<S, S, F> {
    /// Drives `schedule` over `cycle`. A finite schedule must last exactly
    /// the cycle's iterations (an unbounded one is cut at the cycle's end).
    pub fn new(schedule: S, cycle: Cycle) -> Result<Self, Error> {
        if let Some(n) = schedule.total_steps() {
            if n != cycle.iterations() {
                return Err(Error::Compare {
                    param: "total_steps",
                    value: n as f64,
                    other: "epochs x batches_per_epoch",
                    other_value: cycle.iterations() as f64,
                    must: crate::error::Comparison::Equal,
                });
            }
        }
        Ok(Scheduler {
            schedule,
            next: None,
            cycle,
            record_every: RECORD_EVERY,
            past_end: PastEnd::Hold,
            state: SchedulerState::default(),
            #[cfg(feature = "alloc")]
            records: Records::default(),
            incremental: false,
            stepper: Transient(Stepper::default()),
            #[cfg(feature = "alloc")]
            next_record: Transient(0),
            quick_below: Transient(0),
            exact_below: Transient(0),
            _value: core::marker::PhantomData,
        })
    }
}

impl<F: Real, S: HyperSchedule<F>, N: HyperSchedule<F>> Scheduler<S, N, F> {
    /// Past the end of the cycle, continue with `next` ([`PastEnd::Continue`]).
    pub fn then<M: HyperSchedule<F>>(self, next: M) -> Scheduler<S, M, F> {
        Scheduler {
            schedule: self.schedule,
            next: Some(next),
            cycle: self.cycle,
            record_every: self.record_every,
            past_end: PastEnd::Continue,
            state: self.state,
            #[cfg(feature = "alloc")]
            records: self.records,
            incremental: self.incremental,
            stepper: self.stepper,
            #[cfg(feature = "alloc")]
            next_record: Transient(0),
            quick_below: Transient(0),
            exact_below: Transient(0),
            _value: core::marker::PhantomData,
        }
    }

    /// Records every `k`-th batch (default 10, the seed's `record_frq`).
    pub fn record_every(mut self, k: u64) -> Result<Self, Error> {
        self.record_every = check::nonzero("record_every", k)?;
        self.forget_derived();
        Ok(self)
    }

    /// Drops what was derived from the iteration, after it changed other
    /// than by one batch.
    fn forget_derived(&mut self) {
        #[cfg(feature = "alloc")]
        {
            self.next_record = Transient(0);
        }
        self.quick_below = Transient(0);
        self.exact_below = Transient(0);
        // Not live, so `batch_begin` does not take it for the iteration's
        // (as after deserializing).
        self.stepper = Transient(Stepper::default());
    }

    /// Sets what happens past the end ([`PastEnd::Continue`] is set by [`then`](Self::then)).
    pub fn past_end(mut self, policy: PastEnd) -> Result<Self, Error> {
        if policy == PastEnd::Continue && self.next.is_none() {
            return Err(Error::Unbounded { param: "next" });
        }
        self.past_end = policy;
        Ok(self)
    }

    /// What happens past the end of the cycle.
    pub fn past_end_policy(&self) -> PastEnd {
        self.past_end
    }

    /// Shorthand for [`PastEnd::Stop`]: the seed's callbacks stop training at
    /// the end of the cycle.
    pub fn stop_at_end(mut self) -> Self {
        self.past_end = PastEnd::Stop;
        self
    }

    /// Takes the values within the cycle from the schedule's incremental
    /// [`Stepper`] (its [`HyperSchedule::stepper`], `advance` and `stepped`):
    /// a few multiplications per batch instead of a cosine, within 1e-12
    /// relative of [`HyperSchedule::hypers`] (not always to the bit), and
    /// still a function of the iteration alone, so a resumed run gives the
    /// same values as an uninterrupted one. Off by default: then
    /// `batch_begin` is `hypers(iteration)` exactly.
    ///
    /// The first and last steps of every phase are `hypers`' own bits (a
    /// one-cycle peak is `max_lr`, not an ulp above), and over 10^7 steps
    /// of every preset no stepped value leaves the range of the exact ones
    /// (tested). Between a phase's ends only "within 1e-12" is promised: in
    /// a phase of many millions of steps a value next to its peak could
    /// pass it by an ulp. In `f32` the recurrence still runs in `f64`: a
    /// stepped value is then within a few `f32` ulps of the schedule's
    /// peak of `hypers`, whose `f32` arithmetic errs by that much.
    pub fn incremental(mut self) -> Self {
        self.incremental = true;
        // An exact scheduler's bound would have its batches only count.
        self.forget_derived();
        self
    }

    /// Continues a saved run from `state`.
    pub fn resume(mut self, state: SchedulerState) -> Self {
        self.state = state;
        self.forget_derived();
        self
    }

    /// The state to save.
    pub fn state(&self) -> SchedulerState {
        self.state
    }

    /// The cycle.
    pub fn cycle(&self) -> Cycle {
        self.cycle
    }

    /// Starts a run: iteration and epoch back to 0, records cleared (the
    /// seed's `reset_on_train_begin`, which its `CLR` forgot to call).
    pub fn train_begin(&mut self) {
        self.state = SchedulerState::default();
        self.forget_derived();
        #[cfg(feature = "alloc")]
        {
            self.records = Records::default();
        }
    }

    /// The hyper-parameters of the current batch.
    #[inline(always)]
    pub fn batch_begin(&self) -> Result<Hypers<F>, Error> {
        // A live stepper stands at the iteration (`forget_derived`,
        // `step_on`): one comparison, the one `stepped` makes again (and
        // the compiler merges), where "at the iteration" took another.
        if self.stepper.0.is_live() {
            return Ok(self.schedule.stepped(&self.stepper.0));
        }
        let iteration = self.state.iteration;
        // Below its bound an exact scheduler is inside the cycle and the
        // stepper's window.
        if iteration < self.exact_below.0 {
            return Ok(self.schedule.hypers_near(&self.stepper.0, iteration));
        }
        // The stepper only ever stands inside the cycle (`step_on`,
        // `count_on`): where its window is evaluated directly, `stepped`
        // does so at once.
        if self.stepper.0.step() == iteration {
            return Ok(self.schedule.stepped(&self.stepper.0));
        }
        self.begin_elsewhere(iteration)
    }

    /// [`batch_begin`](Self::batch_begin) off both short cuts: an exact
    /// scheduler at a record, the cycle's end or past it, an incremental one
    /// whose stepper does not stand at the iteration.
    #[cold]
    #[inline(never)]
    fn begin_elsewhere(&self, iteration: u64) -> Result<Hypers<F>, Error> {
        if !self.incremental {
            return self.hypers_at(iteration);
        }
        if iteration < self.cycle.iterations() {
            // Not there yet (a new or resumed run): a stepper of its own,
            // so that the value is the one an uninterrupted run gives.
            return Ok(crate::stepper::cold(|| {
                self.schedule.stepped(&self.schedule.stepper(iteration))
            }));
        }
        self.hypers_at(iteration)
    }

    /// The hyper-parameters the scheduler gives at `iteration`, under its
    /// past-the-end policy.
    #[inline]
    pub fn hypers_at(&self, iteration: u64) -> Result<Hypers<F>, Error> {
        if iteration < self.cycle.iterations() {
            return Ok(self.schedule.hypers(iteration));
        }
        self.past_the_end(iteration)
    }

    /// [`hypers_at`](Self::hypers_at) once the cycle is over.
    #[cold]
    #[inline(never)]
    fn past_the_end(&self, iteration: u64) -> Result<Hypers<F>, Error> {
        let n = self.cycle.iterations();
        match (self.past_end, &self.next) {
            (PastEnd::Error, _) => Err(Error::PastEnd {
                step: iteration,
                total_steps: n,
            }),
            (PastEnd::Restart, _) => Ok(self.schedule.hypers(iteration % n)),
            (PastEnd::Continue, Some(next)) => Ok(next.hypers(iteration - n)),
            _ => Ok(self.schedule.hypers(n - 1)),
        }
    }

    /// Ends the current batch with its loss; records it when due.
    #[inline(always)]
    pub fn batch_end(&mut self, loss: F) -> Control {
        self.batch_end_with(loss, &[])
    }

    /// Ends the current batch with its loss and named metrics.
    #[inline(always)]
    pub fn batch_end_with(&mut self, loss: F, metrics: &[(&str, F)]) -> Control {
        let iteration = self.state.iteration;
        if iteration < self.quick_below.0 {
            // In step, nothing to record, and the next iteration is inside
            // the cycle and the stepper's window.
            self.state.iteration = iteration + 1;
            self.stepper.0.move_on_from(iteration);
            return Control::Continue;
        }
        if iteration < self.exact_below.0 {
            self.state.iteration = iteration + 1;
            return Control::Continue;
        }
        self.end_of_batch(iteration, loss, metrics)
    }

    /// [`batch_end_with`](Self::batch_end_with) other than by one step of
    /// an incremental scheduler's stepper or a count of an exact one:
    /// records, windows' ends, the cycle's end.
    #[cold]
    #[inline(never)]
    fn end_of_batch(&mut self, iteration: u64, loss: F, metrics: &[(&str, F)]) -> Control {
        #[cfg(feature = "alloc")]
        if iteration >= self.next_record.0 {
            self.record(iteration, loss, metrics);
        }
        #[cfg(not(feature = "alloc"))]
        let _ = (loss, metrics);
        self.state.iteration = iteration.saturating_add(1);
        if self.incremental {
            self.step_on();
        } else {
            self.count_on();
        }
        if self.past_end == PastEnd::Stop && self.state.iteration >= self.cycle.iterations() {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    /// Records the batch (when `due`) and finds the next iteration to record.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn record(&mut self, iteration: u64, loss: F, metrics: &[(&str, F)]) {
        let k = self.record_every;
        if iteration % k == 0 {
            if let Ok(h) = self.batch_begin() {
                self.records.batches.push(BatchRecord {
                    iteration,
                    lr: h.lr,
                    momentum: h.momentum,
                    loss,
                    metrics: owned(metrics),
                });
            }
        }
        self.next_record = Transient((iteration - iteration % k).saturating_add(k.get()));
    }

    /// Sets how far an exact scheduler's batches only count: to the end of
    /// the window of an exact stepper that the iteration is in (moved on
    /// from the previous window, or a fresh one after a jump).
    fn count_on(&mut self) {
        let iteration = self.state.iteration;
        if iteration >= self.cycle.iterations() {
            self.exact_below = Transient(0);
            return;
        }
        let stepper = &mut self.stepper.0;
        let holds = |s: &Stepper, k: u64| s.is_exact() && s.step() <= k && k <= s.window_last();
        let previous = iteration.wrapping_sub(1);
        if !holds(stepper, iteration) && holds(stepper, previous) {
            // Past the window's end: the next segment, without a recurrence.
            stepper.step = previous;
            self.schedule.advance(stepper);
        }
        if !holds(stepper, iteration) {
            *stepper = self.schedule.stepper(iteration).exact();
        }
        let window_last = stepper.window_last();
        self.exact_below = Transient(self.plain_below().min(window_last));
    }

    /// Below this iteration a batch's end has nothing to record and the
    /// next iteration is inside the cycle: the bound both modes' short
    /// cuts start from.
    fn plain_below(&self) -> u64 {
        let bound = self.cycle.iterations() - 1;
        #[cfg(feature = "alloc")]
        let bound = bound.min(self.next_record.0);
        bound
    }

    /// Brings the stepper to the new iteration: one step of its recurrence
    /// when it stood at the previous one, a fresh one otherwise.
    #[inline(always)]
    fn step_on(&mut self) {
        let iteration = self.state.iteration;
        if iteration >= self.cycle.iterations() {
            // Past the cycle, a stepper left live at its last step would
            // stand for the wrong iteration (one at step 0 stands for none).
            self.stepper = Transient(Stepper::default());
            return;
        }
        let stepper = &mut self.stepper.0;
        // An exact scheduler's stepper has no recurrence to go on with.
        if stepper.step().wrapping_add(1) == iteration && !stepper.is_exact() {
            self.schedule.advance(stepper);
        } else {
            *stepper = self.schedule.stepper(iteration);
        }
        if stepper.step() == iteration {
            let window_last = stepper.window_last();
            self.quick_below = Transient(self.plain_below().min(window_last));
        }
    }

    /// Whether `batch_end` at the current iteration records.
    pub fn records_now(&self) -> bool {
        self.state.iteration % self.record_every == 0
    }

    /// Ends an epoch, logging the learning rate of its last batch and `metrics`.
    pub fn epoch_end(&mut self, metrics: &[(&str, F)]) {
        #[cfg(feature = "alloc")]
        if let Ok(h) = self.hypers_at(self.state.iteration.saturating_sub(1)) {
            self.records.epochs.push(EpochRecord {
                epoch: self.state.epoch,
                lr: h.lr,
                metrics: owned(metrics),
            });
        }
        #[cfg(not(feature = "alloc"))]
        let _ = metrics;
        self.state.epoch = self.state.epoch.saturating_add(1);
    }

    /// What has been recorded so far.
    #[cfg(feature = "alloc")]
    pub fn records(&self) -> &Records<F> {
        &self.records
    }
}

#[cfg(feature = "alloc")]
fn owned<F: Copy>(metrics: &[(&str, F)]) -> Vec<(String, F)> {
    metrics.iter().map(|(k, v)| ((*k).into(), *v)).collect()
}

#[cfg(test)]
mod tests {
    use crate::{Bundle, CosineRestarts, Cycle, HyperSchedule, OneCycleLr, Scheduler};

    /// The share of `n` batches an incremental scheduler of `schedule`
    /// (records on) serves from the recurrence, every value checked against
    /// the direct formula within 1e-12.
    fn stepped_share<S: HyperSchedule<f64> + Clone>(schedule: S, n: u64) -> f64 {
        let mut s = Scheduler::new(schedule.clone(), Cycle::new(1, n).unwrap())
            .unwrap()
            .record_every(7)
            .unwrap()
            .incremental();
        let mut stepped = 0u64;
        for k in 0..n {
            let (got, want) = (s.batch_begin().unwrap().lr, schedule.hypers(k).lr);
            assert!((got - want).abs() <= 1e-12 * want.abs(), "step {k}");
            stepped += u64::from(s.stepper.0.step() == k && s.stepper.0.values().is_some());
            s.batch_end(0.0);
        }
        stepped as f64 / n as f64
    }

    /// Through the `Scheduler`'s own short cut (a batch's end moves the
    /// stepper on with no look at the window), records on, and through the
    /// windows evaluated directly (warm restarts' ends of cycle, near zero):
    /// the recurrence still serves nearly every batch. A bound one step too
    /// far would leave the stepper past its window, evaluating directly from
    /// then on.
    #[test]
    fn batch_ends_keep_the_stepper_on_its_recurrence() {
        let n = 100_000;
        let one_cycle = OneCycleLr::<f64>::builder(0.1, n).build().unwrap();
        let restarts = CosineRestarts::builder(0.1, 1000).t_mult(2.0).build();
        let shares = [
            ("one-cycle", stepped_share(one_cycle, n)),
            (
                "warm restarts",
                stepped_share(Bundle::lr_only(restarts.unwrap()), n),
            ),
        ];
        for (name, share) in shares {
            assert!(share >= 0.9, "{name}: {share} of the batches stepped");
        }
    }

    /// An exact scheduler of warm restarts (records every 7 batches) takes
    /// all but the records' batches and the cycles' last from its exact
    /// stepper's window (`hypers_near`), every value `hypers` to the bit:
    /// the stepper moves on from cycle to cycle instead of being rebuilt, or
    /// lost, at each record.
    #[test]
    fn exact_batches_read_near_the_stepper() {
        let n = 100_000;
        let schedule = Bundle::lr_only(
            CosineRestarts::builder(0.1_f64, 1000)
                .t_mult(2.0)
                .build()
                .unwrap(),
        );
        let mut s = Scheduler::new(schedule, Cycle::new(1, n).unwrap())
            .unwrap()
            .record_every(7)
            .unwrap();
        let mut near = 0u64;
        for k in 0..n {
            let got = s.batch_begin().unwrap().lr;
            assert_eq!(got.to_bits(), schedule.hypers(k).lr.to_bits(), "step {k}");
            near += u64::from(k < s.exact_below.0 && s.stepper.0.is_exact());
            s.batch_end(0.0);
        }
        let share = near as f64 / n as f64;
        assert!(
            share >= 0.85,
            "{share} of the batches read near the stepper"
        );
    }
}
