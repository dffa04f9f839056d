//! What every framework adapter shares: the [`ScheduledOptimizer`] trait an
//! adapter implements for its optimizers (as burn's backend crates implement
//! burn's traits), [`apply_all`] for per-group learning-rate factors, and
//! [`fit`], the training loop over epochs and batches that drives a
//! [`Scheduler`] and calls the adapter's [`Trainer`] for the
//! framework-specific part (forward, backward, optimizer step, validation).
//!
//! On top of these, what the adapters used to write twice: the [`Fit`]
//! builder and its [`StepOutput`], the [`Adapter`] traits an adapter
//! implements (once, on a marker type) for [`Fit`] and
//! [`RangeTestRunner`](crate::range_test::RangeTestRunner) to drive its
//! framework, the [`AdapterError`]s they share, and (with the `progress`
//! feature) their progress bar.
//!
//! ```
//! use clr_core::train::{fit, Batch, BatchOutput, Evaluation, ScheduledOptimizer, Trainer};
//! use clr_core::{Cycle, Error, Hypers, KerasOneCycle, Scheduler};
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
//! impl Trainer<f64, Sgd> for Quadratic {
//!     type Error = Error;
//!     fn train(&mut self, opt: &mut Sgd, _batch: &Batch<f64>) -> Result<BatchOutput<f64>, Error> {
//!         let loss = (opt.w - 3.0).powi(2);
//!         opt.w -= opt.lr * 2.0 * (opt.w - 3.0);
//!         Ok(BatchOutput::new(loss))
//!     }
//!     fn validate(&mut self, opt: &mut Sgd, _epoch: u64) -> Result<Option<Evaluation<f64>>, Error> {
//!         Ok(Some(Evaluation::new((opt.w - 3.0).powi(2))))
//!     }
//! }
//!
//! let cycle = Cycle::new(10, 5)?;
//! let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations()).build()?;
//! let mut scheduler = Scheduler::new(schedule, cycle)?.stop_at_end();
//! let mut sgd = Sgd { w: 0.0, lr: 0.0 };
//! fit(&mut scheduler, 10, &mut sgd, &[], &mut Quadratic)?;
//! let epochs = &scheduler.records().epochs;
//! assert_eq!(epochs.len(), 10);
//! assert!((sgd.w - 3.0).abs() < 1e-3);
//! # Ok::<(), clr_core::Error>(())
//! ```

mod adapter;
mod adapter_error;
mod fit_builder;
pub(crate) mod progress;

pub use adapter::{Adapter, Backprop, RangeTestBackend};
pub use adapter_error::AdapterError;
pub use fit_builder::{Fit, NoValidation, StepOutput};

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{check, Comparison, Error, Expected, Value};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::Real;
use crate::scheduler::{Control, PastEnd, Scheduler, SchedulerState};

/// An optimizer whose hyper-parameters a schedule sets before every step.
///
/// Adapters implement it for their framework's optimizers; the shared
/// loops ([`fit`], the adapters' range-test drivers) only see this trait.
///
/// `B` names the adapter (a marker type of its own, `()` by default). It is
/// there for Rust's coherence rules: an adapter may implement
/// `ScheduledOptimizer<f64, Marker>` for its framework's own optimizer
/// types (candle-nn's `AdamW`, say), which it could not do for
/// `ScheduledOptimizer<f64>`, neither the trait nor the type being its own.
pub trait ScheduledOptimizer<F: Real, B = ()> {
    /// The adapter's error; it must carry this crate's [`Error`].
    type Error: From<Error>;

    /// The optimizer's name, for messages (`candle_nn::AdamW`).
    fn name(&self) -> &'static str;

    /// How many parameter groups it has, each with its own hyper-parameters.
    fn groups(&self) -> usize {
        1
    }

    /// Sets group `group`'s hyper-parameters for the next step: `h.lr`
    /// always, `h.momentum` and `h.weight_decay` when `Some` (`None` leaves
    /// the optimizer's own). A value the optimizer has no slot for is an
    /// error, not a silent no-op. All or nothing: on error nothing changed.
    fn apply(&mut self, group: usize, h: &Hypers<F>) -> Result<(), Self::Error>;

    /// Group `group`'s hyper-parameters as the optimizer holds them;
    /// `momentum` / `weight_decay` are `None` where it has no such slot.
    fn current(&self, group: usize) -> Result<Hypers<F>, Self::Error>;

    /// Group `group`'s learning rate.
    fn lr(&self, group: usize) -> Result<F, Self::Error> {
        Ok(self.current(group)?.lr)
    }

    /// Sets `h` on every group, group `i`'s learning rate times
    /// `lr_factors[i]` (discriminative learning rates, see
    /// [`even_mults`](crate::even_mults)); an empty `lr_factors` means 1 for
    /// every group, otherwise it needs one finite factor `>= 0` per group
    /// ([`check_factors`]). All or nothing: when a group refuses its values,
    /// the groups already set are put back.
    ///
    /// The default calls [`apply`](Self::apply) group by group; override it
    /// when the framework sets some values for all groups at once.
    fn apply_all(&mut self, h: &Hypers<F>, lr_factors: &[F]) -> Result<(), Self::Error> {
        let groups = self.groups();
        check_factors(groups, lr_factors)?;
        let before = (0..groups)
            .map(|group| self.current(group))
            .collect::<Result<Vec<_>, _>>()?;
        for group in 0..groups {
            let factor = lr_factors.get(group).copied().unwrap_or(F::one());
            if let Err(e) = self.apply(group, &h.scale_lr(factor)) {
                // Best effort: a group that refused its new values takes its old ones.
                for (g, old) in before.iter().enumerate().take(group) {
                    let _ = self.apply(g, old);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

impl<F: Real, B, O: ScheduledOptimizer<F, B> + ?Sized> ScheduledOptimizer<F, B> for &mut O {
    type Error = O::Error;
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn groups(&self) -> usize {
        (**self).groups()
    }
    fn apply(&mut self, group: usize, h: &Hypers<F>) -> Result<(), Self::Error> {
        (**self).apply(group, h)
    }
    fn current(&self, group: usize) -> Result<Hypers<F>, Self::Error> {
        (**self).current(group)
    }
    fn lr(&self, group: usize) -> Result<F, Self::Error> {
        (**self).lr(group)
    }
    fn apply_all(&mut self, h: &Hypers<F>, lr_factors: &[F]) -> Result<(), Self::Error> {
        (**self).apply_all(h, lr_factors)
    }
}

/// Checks per-group learning-rate factors against `groups`: empty (all 1),
/// or one finite factor `>= 0` per group. Otherwise an [`Error::Invalid`]
/// for `lr_factors`, expecting [`Expected::Count`] or
/// [`Expected::NonNegative`].
pub fn check_factors<F: Real>(groups: usize, lr_factors: &[F]) -> Result<(), Error> {
    if !lr_factors.is_empty() && lr_factors.len() != groups {
        return Err(Error::Invalid {
            param: "lr_factors",
            value: Value::Int(lr_factors.len() as u64),
            expected: Expected::Count(groups as u64),
        });
    }
    for &factor in lr_factors {
        crate::error::check::non_negative("lr_factors", factor.to_f64())?;
    }
    Ok(())
}

/// Sets `h` on every group of `optimizer`, group `i`'s learning rate times
/// `lr_factors[i]`: [`ScheduledOptimizer::apply_all`], as a function.
pub fn apply_all<F: Real, B, O: ScheduledOptimizer<F, B> + ?Sized>(
    optimizer: &mut O,
    h: &Hypers<F>,
    lr_factors: &[F],
) -> Result<(), O::Error> {
    optimizer.apply_all(h, lr_factors)
}

/// The batch a [`Trainer`] is asked to train.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batch<F> {
    /// The epoch (0-based).
    pub epoch: u64,
    /// The batch within the epoch (0-based): pick the data with it, and
    /// reshuffle when it is 0.
    pub index: u64,
    /// Batches trained before this one, in the whole run.
    pub iteration: u64,
    /// The hyper-parameters already set on the optimizer (before the
    /// per-group learning-rate factors).
    pub hypers: Hypers<F>,
}

/// What training one batch produced: its loss and named metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchOutput<F> {
    /// The batch's loss.
    pub loss: F,
    /// Metrics of the batch (averaged over the epoch in the records).
    pub metrics: Vec<(String, F)>,
}

impl<F> BatchOutput<F> {
    /// A loss without metrics.
    pub fn new(loss: F) -> Self {
        BatchOutput {
            loss,
            metrics: Vec::new(),
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: F) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

/// What validation produced: logged as `val_loss` and `val_<name>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation<F> {
    /// The validation loss.
    pub loss: F,
    /// Validation metrics.
    pub metrics: Vec<(String, F)>,
}

impl<F> Evaluation<F> {
    /// A loss without metrics.
    pub fn new(loss: F) -> Self {
        Evaluation {
            loss,
            metrics: Vec::new(),
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: F) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

impl From<f64> for Evaluation<f64> {
    fn from(loss: f64) -> Self {
        Evaluation::new(loss)
    }
}

/// The framework-specific part of a training loop; `B` is the optimizer's
/// adapter marker (see [`ScheduledOptimizer`]).
pub trait Trainer<F: Real, O: ScheduledOptimizer<F, B> + ?Sized, B = ()> {
    /// The adapter's error.
    type Error: From<Error> + From<O::Error>;

    /// Trains one batch with `optimizer`, whose hyper-parameters are already
    /// set: forward, backward, optimizer step. Returns the loss and metrics.
    fn train(&mut self, optimizer: &mut O, batch: &Batch<F>)
        -> Result<BatchOutput<F>, Self::Error>;

    /// Evaluates after `epoch`; `None` when not validating (the default).
    fn validate(
        &mut self,
        _optimizer: &mut O,
        _epoch: u64,
    ) -> Result<Option<Evaluation<F>>, Self::Error> {
        Ok(None)
    }

    /// Called after every batch (progress bars).
    fn batch_done(&mut self, _batch: &Batch<F>, _output: &BatchOutput<F>) {}

    /// Called after every epoch with what was logged for it.
    fn epoch_done(&mut self, _epoch: u64, _logged: &[(&str, F)]) {}
}

/// Trains up to epoch `epochs` (counted from the run's first, 0) in epochs
/// of `scheduler.cycle().batches_per_epoch()` batches: for every batch sets
/// the scheduled hyper-parameters on every group of `optimizer` (times
/// `lr_factors`), lets `trainer` train it and reports its loss to the
/// scheduler; after every epoch validates and logs the epoch: `loss` (the
/// mean batch loss), the mean of each batch metric, `val_loss` and
/// `val_<metric>` when validating, and `momentum` when scheduled (the
/// scheduler adds `lr`). Stops early when the scheduler says so.
///
/// It goes on from the scheduler's state: a fresh scheduler starts a run
/// (`train_begin`); one resumed at an iteration ([`Scheduler::resume`], or
/// deserialized) continues at that iteration's epoch and batch, so that
/// with the model and optimizer saved at the same point the run is the
/// uninterrupted one (an epoch resumed midway logs the mean of its
/// remaining batches). Refused before any training ([`Error`]): a state
/// whose `epoch` is not `iteration / batches_per_epoch` (an epoch's end
/// that did not run), a state past `epochs`, and `epochs` past the cycle
/// under [`PastEnd::Stop`](crate::PastEnd) or `Error`, which would end the
/// run early or midway; under `Hold`, `Restart` or `Continue` the policy
/// says what the epochs past the cycle train with.
pub fn fit<F, S, N, O, B, T>(
    scheduler: &mut Scheduler<S, N, F>,
    epochs: u64,
    optimizer: &mut O,
    lr_factors: &[F],
    trainer: &mut T,
) -> Result<(), T::Error>
where
    F: Real,
    S: HyperSchedule<F>,
    N: HyperSchedule<F>,
    O: ScheduledOptimizer<F, B> + ?Sized,
    T: Trainer<F, O, B>,
{
    check_factors(optimizer.groups(), lr_factors)?;
    let batches = scheduler.cycle().batches_per_epoch();
    let (first_epoch, first_batch) = start(scheduler, epochs)?;
    if scheduler.state() == SchedulerState::default() {
        scheduler.train_begin();
    }
    for epoch in first_epoch..epochs {
        let mut log = EpochLog::default();
        let mut stop = false;
        let first = if epoch == first_epoch { first_batch } else { 0 };
        for index in first..batches {
            let hypers = scheduler.batch_begin()?;
            optimizer.apply_all(&hypers, lr_factors)?;
            let batch = Batch {
                epoch,
                index,
                iteration: scheduler.state().iteration,
                hypers,
            };
            let out = trainer.train(optimizer, &batch)?;
            trainer.batch_done(&batch, &out);
            log.add(&out, hypers.momentum);
            let metrics: Vec<(&str, F)> =
                out.metrics.iter().map(|(n, v)| (n.as_str(), *v)).collect();
            if scheduler.batch_end_with(out.loss, &metrics) == Control::Stop {
                stop = true;
                break;
            }
        }
        let evaluation = trainer.validate(optimizer, epoch)?;
        let logged = log.finish(evaluation);
        let logged: Vec<(&str, F)> = logged.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        scheduler.epoch_end(&logged);
        trainer.epoch_done(epoch, &logged);
        if stop {
            break;
        }
    }
    Ok(())
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
    // Non-zero in its type: the division has no panic path.
    let bpe = check::nonzero("batches_per_epoch", cycle.batches_per_epoch())?;
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
    check::ordered("state.epoch", epoch as f64, "epochs", epochs as f64)?;
    let past = match scheduler.past_end_policy() {
        PastEnd::Stop => "the cycle's epochs under PastEnd::Stop",
        PastEnd::Error => "the cycle's epochs under PastEnd::Error",
        PastEnd::Hold | PastEnd::Restart | PastEnd::Continue => return Ok((epoch, batch)),
    };
    check::ordered("epochs", epochs as f64, past, cycle.epochs() as f64)?;
    Ok((epoch, batch))
}

/// A one-line summary of an epoch for progress bars, from what [`fit`]
/// logged for it (see [`Trainer::epoch_done`]): `epoch 3 loss 0.1234`, and
/// `val_loss 0.2345` when validating. The epoch is shown 1-based.
pub fn epoch_summary<F: Real>(epoch: u64, logged: &[(&str, F)]) -> String {
    let get = |name: &str| {
        logged
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| Real::to_f64(v))
    };
    let loss = get("loss").unwrap_or(f64::NAN);
    match get("val_loss") {
        Some(val) => format!("epoch {} loss {loss:.4} val_loss {val:.4}", epoch + 1),
        None => format!("epoch {} loss {loss:.4}", epoch + 1),
    }
}

/// Sums of one epoch's batch losses and metrics.
struct EpochLog<F> {
    batches: u64,
    loss: F,
    metrics: Vec<(String, F)>,
    momentum: Option<F>,
}

impl<F: Real> Default for EpochLog<F> {
    fn default() -> Self {
        EpochLog {
            batches: 0,
            loss: F::zero(),
            metrics: Vec::new(),
            momentum: None,
        }
    }
}

impl<F: Real> EpochLog<F> {
    fn add(&mut self, out: &BatchOutput<F>, momentum: Option<F>) {
        self.batches += 1;
        self.loss = self.loss + out.loss;
        for (name, value) in &out.metrics {
            match self.metrics.iter_mut().find(|(n, _)| n == name) {
                Some((_, sum)) => *sum = *sum + *value,
                None => self.metrics.push((name.clone(), *value)),
            }
        }
        self.momentum = momentum;
    }

    fn finish(self, evaluation: Option<Evaluation<F>>) -> Vec<(String, F)> {
        let n = F::from_f64(self.batches.max(1) as f64);
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
