//! [`fit`]: the training loop over epochs and batches that drives a
//! [`Scheduler`] and calls a [`Trainer`] for the framework-specific part
//! (forward, backward, optimizer step, validation). [`Fit`](crate::Fit)
//! runs it with an adapter's trainer; a hand-written trainer runs it
//! directly.
//!
//! ```
//! use clr_core::{Cycle, Error, Hypers, KerasOneCycle, ScheduledOptimizer, Scheduler};
//! use clr_train::{fit, Batch, BatchOutput, Evaluation, Trainer};
//!
//! /// Plain SGD on one number, minimising (w - 3)².
//! struct Sgd { w: f64, lr: f64 }
//!
//! impl ScheduledOptimizer<f64> for Sgd {
//!     type Error = Error;
//!     fn name(&self) -> &'static str { "Sgd" }
//!     fn apply(&mut self, _group: usize, h: &Hypers<f64>) -> Result<(), Error> {
//!         self.lr = h.lr;
//!         Ok(())
//!     }
//!     fn current(&self, _group: usize) -> Result<Hypers<f64>, Error> {
//!         Ok(Hypers { lr: self.lr, momentum: None, weight_decay: None })
//!     }
//! }
//!
//! struct Quadratic;
//!
//! impl Trainer<Sgd> for Quadratic {
//!     type Error = Error;
//!     fn train(&mut self, opt: &mut Sgd, _batch: &Batch) -> Result<BatchOutput, Error> {
//!         let loss = (opt.w - 3.0).powi(2);
//!         opt.w -= opt.lr * 2.0 * (opt.w - 3.0);
//!         Ok(BatchOutput::new(loss))
//!     }
//!     fn validate(&mut self, opt: &mut Sgd, _epoch: u64) -> Result<Option<Evaluation>, Error> {
//!         Ok(Some(Evaluation::new((opt.w - 3.0).powi(2))))
//!     }
//! }
//!
//! let cycle = Cycle::new(10, 5)?;
//! let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations()).build()?;
//! let mut scheduler = Scheduler::new(schedule, cycle)?.stop_at_end();
//! let mut sgd = Sgd { w: 0.0, lr: 0.0 };
//! let stop = fit(&mut scheduler, 10, &mut sgd, &[], &mut Quadratic)?;
//! assert!(stop.is_finished());
//! assert_eq!(scheduler.records().epochs.len(), 10);
//! assert!((sgd.w - 3.0).abs() < 1e-3);
//! # Ok::<(), clr_core::Error>(())
//! ```

use clr_core::{
    check_factors, Comparison, Control, Error, HyperSchedule, Hypers, PastEnd, Real,
    ScheduledOptimizer, Scheduler, SchedulerState,
};

use crate::batch::{Batch, BatchOutput, Evaluation, FitStop};

/// The framework-specific part of a training loop; `Mk` is the optimizer's
/// adapter marker (see [`ScheduledOptimizer`]).
pub trait Trainer<O: ScheduledOptimizer<f64, Mk> + ?Sized, Mk = ()> {
    /// The adapter's error.
    type Error: From<Error> + From<O::Error>;

    /// Trains one batch with `optimizer`, whose hyper-parameters are already
    /// set: forward, backward, optimizer step. Returns the loss, metrics and
    /// whether to stop after it.
    fn train(&mut self, optimizer: &mut O, batch: &Batch) -> Result<BatchOutput, Self::Error>;

    /// Evaluates after `epoch`; `None` when not validating (the default).
    fn validate(
        &mut self,
        _optimizer: &mut O,
        _epoch: u64,
    ) -> Result<Option<Evaluation>, Self::Error> {
        Ok(None)
    }

    /// Called after every epoch with what was logged for it (to log it,
    /// save a checkpoint).
    fn epoch_done(&mut self, _optimizer: &mut O, _epoch: &EpochEnd<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// What [`fit`] logged for an epoch, given to [`Trainer::epoch_done`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochEnd<'a> {
    /// The epoch (0-based).
    pub epoch: u64,
    /// `loss` (the mean batch loss), the mean of each batch metric,
    /// `val_loss` and `val_<metric>` when validating, and `momentum` when
    /// scheduled (that of the epoch's last batch).
    pub logged: &'a [(&'a str, f64)],
    /// The learning rate of the epoch's last batch (before per-group
    /// factors).
    pub lr: f64,
    /// The scheduler's state after the epoch: where a run resumed from
    /// here goes on.
    pub state: SchedulerState,
}

/// Trains up to epoch `epochs` (counted from the run's first, 0) in epochs
/// of `scheduler.cycle().batches_per_epoch()` batches: for every batch sets
/// the scheduled hyper-parameters (in `f64`, whatever the schedule's value
/// type) on every group of `optimizer` (times `lr_factors`), lets `trainer`
/// train it and reports its loss to the scheduler; after every epoch
/// validates and logs the epoch (see [`EpochEnd`]; the scheduler's records
/// add `lr`). Stops early when the scheduler says so, or when the trainer
/// does ([`BatchOutput::stop`]), and returns why it stopped.
///
/// It goes on from the scheduler's state: a fresh scheduler starts a run
/// (`train_begin`); one resumed at an iteration ([`Scheduler::resume`], or
/// deserialized) continues at that iteration's epoch and batch, so that
/// with the model and optimizer saved at the same point the run is the
/// uninterrupted one (an epoch resumed midway logs the mean of its
/// remaining batches). Refused before any training ([`Error`]): a state
/// whose `epoch` is not `iteration / batches_per_epoch` (an epoch's end
/// that did not run), a state past `epochs`, and `epochs` past the cycle
/// under [`PastEnd::Stop`] or `Error`, which would end the run early or
/// midway; under `Hold`, `Restart` or `Continue` the policy says what the
/// epochs past the cycle train with.
pub fn fit<F, S, N, O, Mk, T>(
    scheduler: &mut Scheduler<S, N, F>,
    epochs: u64,
    optimizer: &mut O,
    lr_factors: &[f64],
    trainer: &mut T,
) -> Result<FitStop, T::Error>
where
    F: Real,
    S: HyperSchedule<F>,
    N: HyperSchedule<F>,
    O: ScheduledOptimizer<f64, Mk> + ?Sized,
    T: Trainer<O, Mk>,
{
    check_factors(optimizer.groups(), lr_factors)?;
    let batches = scheduler.cycle().batches_per_epoch();
    let (first_epoch, first_batch) = start(scheduler, epochs)?;
    if scheduler.state() == SchedulerState::default() {
        scheduler.train_begin();
    }
    for epoch in first_epoch..epochs {
        let mut log = EpochLog::default();
        let mut stop = None;
        let first = if epoch == first_epoch { first_batch } else { 0 };
        for index in first..batches {
            let hypers = widen(scheduler.batch_begin()?);
            optimizer.apply_all(&hypers, lr_factors)?;
            let batch = Batch {
                epoch,
                index,
                iteration: scheduler.state().iteration,
                hypers,
            };
            let out = trainer.train(optimizer, &batch)?;
            log.add(&out, hypers);
            let metrics: Vec<(&str, F)> = out
                .metrics
                .iter()
                .map(|(n, v)| (n.as_str(), F::from_f64(*v)))
                .collect();
            let control = scheduler.batch_end_with(F::from_f64(out.loss), &metrics);
            if let Some(guard) = out.stop {
                stop = Some(guard);
                break;
            }
            if control == Control::Stop {
                stop = Some(FitStop::Finished);
                break;
            }
        }
        let evaluation = trainer.validate(optimizer, epoch)?;
        let lr = log.lr;
        let logged = log.finish(evaluation);
        let logged: Vec<(&str, f64)> = logged.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let narrow: Vec<(&str, F)> = logged.iter().map(|&(n, v)| (n, F::from_f64(v))).collect();
        scheduler.epoch_end(&narrow);
        let end = EpochEnd {
            epoch,
            logged: &logged,
            lr,
            state: scheduler.state(),
        };
        trainer.epoch_done(optimizer, &end)?;
        if let Some(stop) = stop {
            return Ok(stop);
        }
    }
    Ok(FitStop::Finished)
}

/// A schedule's hyper-parameters in `f64`, as the optimizers take them.
pub(crate) fn widen<F: Real>(h: Hypers<F>) -> Hypers<f64> {
    Hypers {
        lr: h.lr.to_f64(),
        momentum: h.momentum.map(Real::to_f64),
        weight_decay: h.weight_decay.map(Real::to_f64),
    }
}

/// Where a run of `scheduler` up to epoch `epochs` starts: the epoch and
/// the batch in it of the scheduler's iteration, checked as [`fit`] says.
fn start<F, S, N>(scheduler: &Scheduler<S, N, F>, epochs: u64) -> Result<(u64, u64), Error>
where
    F: Real,
    S: HyperSchedule<F>,
    N: HyperSchedule<F>,
{
    let cycle = scheduler.cycle();
    // A cycle's batches per epoch are never 0 (`Cycle::new` refuses it).
    let bpe = cycle.batches_per_epoch().max(1);
    let state = scheduler.state();
    let (epoch, batch) = (state.iteration / bpe, state.iteration % bpe);
    if state.epoch != epoch {
        return Err(Error::Compare {
            param: "state.epoch",
            value: state.epoch as f64,
            other: "state.iteration / batches_per_epoch",
            other_value: epoch as f64,
            must: Comparison::Equal,
        });
    }
    ordered("state.epoch", epoch, "epochs", epochs)?;
    let past = match scheduler.past_end_policy() {
        PastEnd::Stop => "the cycle's epochs under PastEnd::Stop",
        PastEnd::Error => "the cycle's epochs under PastEnd::Error",
        PastEnd::Hold | PastEnd::Restart | PastEnd::Continue => return Ok((epoch, batch)),
    };
    ordered("epochs", epochs, past, cycle.epochs())?;
    Ok((epoch, batch))
}

/// `low <= high`, else an [`Error::Order`] naming both.
fn ordered(
    low: &'static str,
    low_value: u64,
    high: &'static str,
    high_value: u64,
) -> Result<(), Error> {
    if low_value <= high_value {
        return Ok(());
    }
    Err(Error::Order {
        low,
        low_value: low_value as f64,
        high,
        high_value: high_value as f64,
    })
}

/// Sums of one epoch's batch losses and metrics.
struct EpochLog {
    batches: u64,
    loss: f64,
    metrics: Vec<(String, f64)>,
    momentum: Option<f64>,
    lr: f64,
}

impl Default for EpochLog {
    fn default() -> Self {
        EpochLog {
            batches: 0,
            loss: 0.0,
            metrics: Vec::new(),
            momentum: None,
            lr: f64::NAN,
        }
    }
}

impl EpochLog {
    fn add(&mut self, out: &BatchOutput, hypers: Hypers<f64>) {
        self.batches += 1;
        self.loss += out.loss;
        for (name, value) in &out.metrics {
            match self.metrics.iter_mut().find(|(n, _)| n == name) {
                Some((_, sum)) => *sum += *value,
                None => self.metrics.push((name.clone(), *value)),
            }
        }
        self.momentum = hypers.momentum;
        self.lr = hypers.lr;
    }

    fn finish(self, evaluation: Option<Evaluation>) -> Vec<(String, f64)> {
        let n = self.batches.max(1) as f64;
        let mut logged = Vec::with_capacity(self.metrics.len() + 4);
        logged.push((String::from("loss"), self.loss / n));
        logged.extend(self.metrics.into_iter().map(|(name, sum)| (name, sum / n)));
        if let Some(eval) = evaluation {
            logged.push((String::from("val_loss"), eval.loss));
            logged.extend(
                eval.metrics
                    .into_iter()
                    .map(|(name, v)| (format!("val_{name}"), v)),
            );
        }
        if let Some(m) = self.momentum {
            logged.push((String::from("momentum"), m));
        }
        logged
    }
}
