//! The training-loop side of a schedule: a state machine that a trainer calls
//! at each batch and epoch, as the Keras package's callbacks were called.
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

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// A record every 10 batches by default, the Keras package's `record_frq`. Built
/// at compile time (a `None` would fail the build, not a run); `match`
/// because `Option::unwrap` is not `const` at the MSRV, 1.82.
const RECORD_EVERY: NonZeroU64 = match NonZeroU64::new(10) {
    Some(k) => k,
    None => panic!("10 is not zero"),
};

/// The length of one cycle: `epochs × batches_per_epoch` iterations, the Keras package's
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
    /// Keras package's callbacks); values past it hold.
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
    #[cfg_attr(feature = "serde", serde(skip))]
    _value: core::marker::PhantomData<F>,
}

/// What a [`Scheduler`] is read from: the fields it is written with (it is
/// still written as derived), checked as [`Scheduler::new`],
/// [`record_every`] and [`past_end`] check them. A form that names an
/// `incremental` stepper (one this crate no longer has; its values were
/// within 1e-12 of the exact ones) reads as the exact scheduler.
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
            _value: core::marker::PhantomData,
        })
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
            _value: core::marker::PhantomData,
        }
    }

    /// Records every `k`-th batch (default 10, the Keras package's `record_frq`).
    pub fn record_every(mut self, k: u64) -> Result<Self, Error> {
        self.record_every = check::nonzero("record_every", k)?;
        Ok(self)
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

    /// Shorthand for [`PastEnd::Stop`]: the Keras package's callbacks stop training at
    /// the end of the cycle.
    pub fn stop_at_end(mut self) -> Self {
        self.past_end = PastEnd::Stop;
        self
    }

    /// Continues a saved run from `state`.
    pub fn resume(mut self, state: SchedulerState) -> Self {
        self.state = state;
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
    /// Keras package's `reset_on_train_begin`, which its `CLR` forgot to call).
    pub fn train_begin(&mut self) {
        self.state = SchedulerState::default();
        #[cfg(feature = "alloc")]
        {
            self.records = Records::default();
        }
    }

    /// The hyper-parameters of the current batch: the schedule's
    /// `hypers(iteration)` within the cycle, to the bit.
    #[inline]
    pub fn batch_begin(&self) -> Result<Hypers<F>, Error> {
        self.hypers_at(self.state.iteration)
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
    #[inline]
    pub fn batch_end_with(&mut self, loss: F, metrics: &[(&str, F)]) -> Control {
        let iteration = self.state.iteration;
        #[cfg(feature = "alloc")]
        if self.records_at(iteration) {
            self.record(iteration, loss, metrics);
        }
        #[cfg(not(feature = "alloc"))]
        let _ = (loss, metrics);
        self.state.iteration = iteration.saturating_add(1);
        if self.past_end == PastEnd::Stop && self.state.iteration >= self.cycle.iterations() {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    /// Records the batch at `iteration`.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn record(&mut self, iteration: u64, loss: F, metrics: &[(&str, F)]) {
        if let Ok(h) = self.hypers_at(iteration) {
            self.records.batches.push(BatchRecord {
                iteration,
                lr: h.lr,
                momentum: h.momentum,
                loss,
                metrics: owned(metrics),
            });
        }
    }

    /// Whether `batch_end` at the current iteration records.
    pub fn records_now(&self) -> bool {
        self.records_at(self.state.iteration)
    }

    /// Whether the batch at `iteration` is recorded: every `record_every`-th.
    /// Below `record_every` that is only the first, a comparison: no
    /// division (tens of cycles) at each batch when records are off.
    #[inline]
    fn records_at(&self, iteration: u64) -> bool {
        if iteration < self.record_every.get() {
            iteration == 0
        } else {
            iteration % self.record_every == 0
        }
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
