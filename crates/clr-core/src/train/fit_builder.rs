//! [`Fit`]: the training-run builder every adapter shares (`clr_candle::Fit`
//! and `clr_tch::Fit` name it with their marker): the scheduler, how many
//! epochs, per-group learning-rate factors, the progress bar and the
//! validation closure, and [`Fit::run`], which drives [`fit`] with the
//! adapter's [`Backprop`].

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::adapter::{Adapter, Backprop};
use super::progress::Progress;
use super::{epoch_summary, fit, Batch, BatchOutput, Evaluation, ScheduledOptimizer, Trainer};
use crate::hyper::HyperSchedule;
use crate::scheduler::{Cycle, Scheduler};

/// What a step closure returns: the batch's loss (a framework tensor `L`
/// with one element, whose gradients step the optimizer) and named
/// metrics. A bare loss converts into one.
#[derive(Debug, Clone)]
pub struct StepOutput<L> {
    /// The loss to minimise.
    pub loss: L,
    /// Metrics of the batch (averaged over the epoch in the history).
    pub metrics: Vec<(String, f64)>,
}

impl<L> StepOutput<L> {
    /// A loss without metrics.
    pub fn new(loss: L) -> Self {
        StepOutput {
            loss,
            metrics: Vec::new(),
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

impl<L> From<L> for StepOutput<L> {
    fn from(loss: L) -> Self {
        StepOutput::new(loss)
    }
}

/// The validation closure's type when there is none.
pub type NoValidation<B> = fn(u64) -> Result<Evaluation<f64>, <B as Adapter>::Error>;

/// A training run under a schedule, on the framework of adapter `B`.
///
/// The step closure gets the [`Batch`] to train and returns its loss (or a
/// [`StepOutput`] with metrics); the run then back-propagates the loss and
/// steps the optimizer ([`Backprop`]). The validation closure, if any, gets
/// the epoch and returns the validation loss (or an [`Evaluation`]); it
/// runs with gradient tracking off ([`Adapter::no_grad`]).
#[derive(Debug)]
pub struct Fit<B: Adapter, S, N = S, V = NoValidation<B>> {
    scheduler: Scheduler<S, N, f64>,
    epochs: u64,
    lr_factors: Vec<f64>,
    quiet: bool,
    label: String,
    validation: Option<V>,
    adapter: PhantomData<fn() -> B>,
}

impl<B: Adapter, S: HyperSchedule<f64>> Fit<B, S> {
    /// A run of `cycle.epochs()` epochs of `cycle.batches_per_epoch()`
    /// batches under `schedule` (which must last the cycle, or be
    /// unbounded), stopping at the end of the cycle as the seed's callbacks
    /// do. Records every 10th batch (the seed's `record_frq`).
    pub fn new(schedule: S, cycle: Cycle) -> Result<Self, B::Error> {
        Ok(Fit::with_scheduler(
            Scheduler::new(schedule, cycle)?.stop_at_end(),
        ))
    }
}

impl<B: Adapter, S: HyperSchedule<f64>, N: HyperSchedule<f64>> Fit<B, S, N> {
    /// A run driven by `scheduler` as configured (its past-the-end policy,
    /// its `record_every`, its state: a resumed scheduler continues where it
    /// was saved), up to epoch `scheduler.cycle().epochs()` unless
    /// [`epochs`](Fit::epochs) says otherwise.
    pub fn with_scheduler(scheduler: Scheduler<S, N, f64>) -> Self {
        Fit {
            epochs: scheduler.cycle().epochs(),
            scheduler,
            lr_factors: Vec::new(),
            quiet: false,
            label: String::from("fit"),
            validation: None,
            adapter: PhantomData,
        }
    }
}

impl<B: Adapter, S: HyperSchedule<f64>, N: HyperSchedule<f64>, V> Fit<B, S, N, V> {
    /// Validates after every epoch with `validate(epoch)`.
    pub fn validation<W, E>(self, validate: W) -> Fit<B, S, N, W>
    where
        W: FnMut(u64) -> Result<E, B::Error>,
        E: Into<Evaluation<f64>>,
    {
        Fit {
            scheduler: self.scheduler,
            epochs: self.epochs,
            lr_factors: self.lr_factors,
            quiet: self.quiet,
            label: self.label,
            validation: Some(validate),
            adapter: PhantomData,
        }
    }

    /// Trains up to epoch `epochs`, counted from the run's first (a resumed
    /// run trains the epochs left). Past the cycle only under a policy that
    /// says what happens there ([`PastEnd::Hold`](crate::PastEnd),
    /// `Restart`, `Continue`): under `Stop` (what [`Fit::new`] sets) or
    /// `Error`, `run` refuses it up front, naming `epochs` and the cycle's
    /// epochs.
    pub fn epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }

    /// Per-group learning-rate factors: group `i` trains at `factors[i]`
    /// times the scheduled rate (see [`even_mults`](crate::even_mults)). One
    /// per group of the optimizer; empty (the default) means 1 for all.
    pub fn lr_factors(mut self, factors: Vec<f64>) -> Self {
        self.lr_factors = factors;
        self
    }

    /// No progress bar (it is also hidden when stderr is not a terminal,
    /// and without this crate's `progress` feature).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The progress bar's label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The scheduler, with the records of the last run (every
    /// `record_every`-th batch's learning rate, momentum and loss).
    pub fn scheduler(&self) -> &Scheduler<S, N, f64> {
        &self.scheduler
    }

    /// Trains: for every batch, sets the scheduled hyper-parameters on
    /// `optimizer`, calls `step`, back-propagates its loss and steps the
    /// optimizer ([`Backprop`]); after every epoch validates and logs.
    /// Returns the history: per epoch `loss` (the mean batch loss), the mean
    /// of each batch metric, `val_loss` and `val_<metric>` when validating,
    /// `momentum` when scheduled, and `lr` (both of the epoch's last batch).
    ///
    /// Goes on from the scheduler's state ([`fit`]): a fresh scheduler
    /// starts at iteration 0, a resumed one at its iteration's epoch and
    /// batch, bit-identically to an uninterrupted run when the model and
    /// optimizer are restored to the same point; run again, a `Fit` goes
    /// on from where it stopped. Its checks are `fit`'s.
    pub fn run<O, T, R, E>(
        &mut self,
        optimizer: &mut O,
        mut step: T,
    ) -> Result<B::History, B::Error>
    where
        B: Backprop<O>,
        O: ScheduledOptimizer<f64, B::Marker, Error = B::Error> + ?Sized,
        T: FnMut(Batch<f64>) -> Result<R, B::Error>,
        R: Into<StepOutput<B::Loss>>,
        V: FnMut(u64) -> Result<E, B::Error>,
        E: Into<Evaluation<f64>>,
    {
        let bpe = self.scheduler.cycle().batches_per_epoch();
        let left = self
            .epochs
            .saturating_mul(bpe)
            .saturating_sub(self.scheduler.state().iteration);
        let mut trainer = Steps {
            step: &mut step,
            validation: self.validation.as_mut(),
            bar: Progress::new(left, self.quiet, &self.label),
            types: PhantomData::<fn() -> (B, R, E)>,
        };
        let result = fit(
            &mut self.scheduler,
            self.epochs,
            optimizer,
            &self.lr_factors,
            &mut trainer,
        );
        trainer.bar.finish();
        result?;
        Ok(B::History::from(self.scheduler.records()))
    }
}

/// [`Fit::run`]'s [`Trainer`]: the user's closures, the adapter's backward
/// pass and the progress bar.
struct Steps<'a, T, V, P> {
    step: &'a mut T,
    validation: Option<&'a mut V>,
    bar: Progress,
    types: PhantomData<P>,
}

impl<B, O, T, V, R, E> Trainer<f64, O, B::Marker> for Steps<'_, T, V, fn() -> (B, R, E)>
where
    B: Backprop<O>,
    O: ScheduledOptimizer<f64, B::Marker, Error = B::Error> + ?Sized,
    T: FnMut(Batch<f64>) -> Result<R, B::Error>,
    R: Into<StepOutput<B::Loss>>,
    V: FnMut(u64) -> Result<E, B::Error>,
    E: Into<Evaluation<f64>>,
{
    type Error = B::Error;

    fn train(
        &mut self,
        optimizer: &mut O,
        batch: &Batch<f64>,
    ) -> Result<BatchOutput<f64>, B::Error> {
        B::begin_step(optimizer)?;
        let out: StepOutput<B::Loss> = (self.step)(*batch)?.into();
        let loss = B::loss_value(&out.loss)?;
        B::backward_step(optimizer, &out.loss)?;
        Ok(BatchOutput {
            loss,
            metrics: out.metrics,
        })
    }

    fn validate(
        &mut self,
        _optimizer: &mut O,
        epoch: u64,
    ) -> Result<Option<Evaluation<f64>>, B::Error> {
        match self.validation.as_mut() {
            Some(validate) => Ok(Some(B::no_grad(|| validate(epoch))?.into())),
            None => Ok(None),
        }
    }

    fn batch_done(&mut self, _batch: &Batch<f64>, _output: &BatchOutput<f64>) {
        self.bar.inc();
    }

    fn epoch_done(&mut self, epoch: u64, logged: &[(&str, f64)]) {
        self.bar.message(epoch_summary(epoch, logged));
    }
}
