//! [`Fit`]: the training-run builder every adapter shares (`clr_candle::Fit`
//! and `clr_tch::Fit` name it with their marker): the scheduler, how many
//! epochs, per-group learning-rate factors, validation, the progress bar,
//! the live log, checkpoints and guard rails, and [`Fit::run`], which
//! drives [`fit`] with the adapter's [`Backprop`].

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::time::Instant;

use clr_core::{Cycle, HyperSchedule, Real, ScheduledOptimizer, Scheduler};

use crate::adapter::{user_error, Adapter, Backprop};
use crate::adapter_error::BoxError;
use crate::batch::{Batch, BatchOutput, Evaluation, FitStop, StepOutput};
use crate::checkpoint::{self, Checkpoints, Resume};
use crate::fit::{fit, widen, EpochEnd, Trainer};
use crate::history::History;
use crate::observer::{EpochTable, Observer};
use crate::progress::Progress;
use crate::validation::{NoValidation, Validation};

/// What [`Fit::run`] returns: the per-epoch history and why the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOutcome {
    /// Per epoch: `loss` (the mean batch loss), the mean of each batch
    /// metric, `val_loss` and `val_<metric>` when validating, `momentum`
    /// when scheduled, and `lr` (both of the epoch's last batch); the
    /// epochs of the checkpoint the run resumed from included.
    pub history: History,
    /// Why it ended: [`FitStop::Finished`] unless a guard stopped it.
    pub stop: FitStop,
}

/// A training run under a schedule, on the framework of adapter `B`.
///
/// The step closure gets the model and the [`Batch`] to train and returns
/// its loss (or a [`StepOutput`] with metrics); the run then
/// back-propagates the loss and steps the optimizer ([`Backprop`]). The
/// validation closure, if any, gets the model and the epoch and returns the
/// validation loss (or an [`Evaluation`]); it runs with gradient tracking
/// off ([`Adapter::no_grad`]). Both may fail with any error ([`BoxError`]).
///
/// The schedule may be `f32` or `f64` (`F`): the optimizers get its values
/// in `f64`.
pub struct Fit<B: Adapter, S, N = S, V = NoValidation, F = f64> {
    scheduler: Scheduler<S, N, F>,
    epochs: u64,
    lr_factors: Vec<f64>,
    quiet: bool,
    label: String,
    validation: V,
    observer: Option<Box<dyn Observer>>,
    checkpoints: Option<Checkpoints>,
    resume: Option<Resume>,
    terminate_on_nan: bool,
    history: History,
    adapter: PhantomData<fn() -> B>,
}

impl<B: Adapter, F: Real, S: HyperSchedule<F>> Fit<B, S, S, NoValidation, F> {
    /// A run of `cycle.epochs()` epochs of `cycle.batches_per_epoch()`
    /// batches under `schedule` (which must last the cycle, or be
    /// unbounded), stopping at the end of the cycle as the Keras package's callbacks
    /// do. Records every 10th batch (the Keras package's `record_frq`).
    pub fn new(schedule: S, cycle: Cycle) -> Result<Self, B::Error> {
        Ok(Fit::with_scheduler(
            Scheduler::new(schedule, cycle)?.stop_at_end(),
        ))
    }
}

impl<B: Adapter, F: Real, S: HyperSchedule<F>, N: HyperSchedule<F>> Fit<B, S, N, NoValidation, F> {
    /// A run driven by `scheduler` as configured (its past-the-end policy,
    /// its `record_every`, its state: a resumed scheduler continues where it
    /// was saved), up to epoch `scheduler.cycle().epochs()` unless
    /// [`epochs`](Fit::epochs) says otherwise.
    pub fn with_scheduler(scheduler: Scheduler<S, N, F>) -> Self {
        Fit {
            epochs: scheduler.cycle().epochs(),
            scheduler,
            lr_factors: Vec::new(),
            quiet: false,
            label: String::from("fit"),
            validation: NoValidation,
            observer: None,
            checkpoints: None,
            resume: None,
            terminate_on_nan: false,
            history: History::new(),
            adapter: PhantomData,
        }
    }
}

impl<B, F, S, N, V> Fit<B, S, N, V, F>
where
    B: Adapter,
    F: Real,
    S: HyperSchedule<F>,
    N: HyperSchedule<F>,
{
    /// Validates after every epoch with `validate(&model, epoch)`.
    pub fn validation<W, E>(self, validate: W) -> Fit<B, S, N, W, F>
    where
        W: FnMut(&B::Model, u64) -> Result<E, BoxError>,
        E: Into<Evaluation>,
    {
        Fit {
            scheduler: self.scheduler,
            epochs: self.epochs,
            lr_factors: self.lr_factors,
            quiet: self.quiet,
            label: self.label,
            validation: validate,
            observer: self.observer,
            checkpoints: self.checkpoints,
            resume: self.resume,
            terminate_on_nan: self.terminate_on_nan,
            history: self.history,
            adapter: PhantomData,
        }
    }

    /// Trains up to epoch `epochs`, counted from the run's first (a resumed
    /// run trains the epochs left). Past the cycle only under a policy that
    /// says what happens there ([`PastEnd::Hold`](clr_core::PastEnd),
    /// `Restart`, `Continue`): under `Stop` (what [`Fit::new`] sets) or
    /// `Error`, `run` refuses it up front, naming `epochs` and the cycle's
    /// epochs.
    pub fn epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }

    /// Per-group learning-rate factors: group `i` trains at `factors[i]`
    /// times the scheduled rate (see [`even_mults`](clr_core::even_mults)).
    /// One per group of the optimizer; empty (the default) means 1 for all.
    pub fn lr_factors(mut self, factors: Vec<f64>) -> Self {
        self.lr_factors = factors;
        self
    }

    /// No progress bar and no per-epoch log (the bar is also hidden when
    /// stderr is not a terminal). An [`observer`](Self::observer) given is
    /// still told.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The progress bar's label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Logs epochs to `observer` instead of the default [`EpochTable`] on
    /// stderr.
    pub fn observer(mut self, observer: impl Observer + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Saves a checkpoint as `checkpoints` says (see [`Checkpoints`]). An
    /// optimizer whose state the framework does not let us save is refused
    /// when the run starts, before it trains ([`Backprop::check_saveable`]).
    pub fn checkpoints(mut self, checkpoints: Checkpoints) -> Self {
        self.checkpoints = Some(checkpoints);
        self
    }

    /// Stops the run at the first batch whose loss is NaN or infinite
    /// (before stepping the optimizer with it) or after whose step a weight
    /// is (Keras's `TerminateOnNaN`, for the weights too); the outcome says
    /// which batch ([`FitOutcome::stop`]). Off by default: checking the
    /// weights reads them all after every step.
    pub fn terminate_on_nan(mut self, on: bool) -> Self {
        self.terminate_on_nan = on;
        self
    }

    /// Resumes from the checkpoint in `dir` (see [`Checkpoints`]): the
    /// scheduler goes on from its state and the history from its epochs
    /// now (the scheduler's per-batch records start afresh);
    /// [`run`](Self::run) loads its weights and optimizer state into the
    /// model and optimizer it is given before training. Refused when the
    /// checkpoint cannot be read, or was saved from another cycle or under
    /// a schedule that gives another learning rate where it stopped.
    ///
    /// The data are yours: a resumed run sees the batches of an
    /// uninterrupted one when the step closure picks them from the
    /// [`Batch`] alone (a shuffle seeded by the epoch, say).
    pub fn resume_from(mut self, dir: impl AsRef<Path>) -> Result<Self, B::Error> {
        let dir = dir.as_ref();
        let (manifest, resume) = checkpoint::read(dir)?;
        let bad = |reason: String| crate::AdapterError::Checkpoint {
            path: dir.to_path_buf(),
            reason,
        };
        let cycle = self.scheduler.cycle();
        if manifest.cycle != cycle {
            return Err(bad(format!(
                "it was saved from a cycle of {} epochs of {} batches, this run's has {} of {}",
                manifest.cycle.epochs(),
                manifest.cycle.batches_per_epoch(),
                cycle.epochs(),
                cycle.batches_per_epoch()
            ))
            .into());
        }
        if let Some(last) = manifest.state.iteration.checked_sub(1) {
            let lr = self.scheduler.hypers_at(last)?.lr.to_f64();
            if lr.to_bits() != manifest.lr.to_bits() {
                return Err(bad(format!(
                    "its learning rate at iteration {last} was {}, this run's schedule gives {lr}",
                    manifest.lr
                ))
                .into());
            }
        }
        self.scheduler = self.scheduler.resume(manifest.state);
        self.history = manifest.history;
        self.resume = Some(resume);
        Ok(self)
    }

    /// The scheduler, with the records of the last run (every
    /// `record_every`-th batch's learning rate, momentum and loss).
    pub fn scheduler(&self) -> &Scheduler<S, N, F> {
        &self.scheduler
    }

    /// The per-epoch history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Trains `model` with `optimizer`: for every batch, sets the scheduled
    /// hyper-parameters on `optimizer`, calls `step(&model, batch)`,
    /// back-propagates its loss and steps the optimizer ([`Backprop`]);
    /// after every epoch validates, logs and saves a checkpoint when asked.
    ///
    /// Goes on from the scheduler's state ([`fit`]): a fresh scheduler
    /// starts at iteration 0, a resumed one (or a checkpoint's,
    /// [`resume_from`](Self::resume_from)) at its iteration's epoch and
    /// batch, bit-identically to an uninterrupted run when the model and
    /// optimizer are those of the same point; run again, a `Fit` goes on
    /// from where it stopped. Its checks are `fit`'s.
    pub fn run<O, T, R>(
        &mut self,
        model: &mut B::Model,
        optimizer: &mut O,
        mut step: T,
    ) -> Result<FitOutcome, B::Error>
    where
        B: Backprop<O>,
        O: ScheduledOptimizer<f64, B::Marker, Error = B::Error> + ?Sized,
        T: FnMut(&B::Model, Batch) -> Result<R, BoxError>,
        R: Into<StepOutput<B::Loss>>,
        V: Validation<B::Model>,
    {
        if let Some(resume) = &self.resume {
            B::load_weights(model, &resume.weights)?;
            B::load_optimizer(model, optimizer, &resume.optimizer)?;
            self.resume = None;
        }
        if let (Some(_), Ok(first)) = (&self.checkpoints, self.scheduler.batch_begin()) {
            B::check_saveable(model, optimizer, &widen(first))?;
        }
        let bpe = self.scheduler.cycle().batches_per_epoch();
        let left = self
            .epochs
            .saturating_mul(bpe)
            .saturating_sub(self.scheduler.state().iteration);
        let mut table = EpochTable::stderr();
        let observer: Option<&mut dyn Observer> = match (&mut self.observer, self.quiet) {
            (Some(observer), _) => Some(observer.as_mut()),
            (None, false) => Some(&mut table),
            (None, true) => None,
        };
        let mut trainer = Steps::<B, T, V, R> {
            model,
            step: &mut step,
            validation: &mut self.validation,
            bar: Progress::new(left, self.quiet, &self.label),
            observer,
            guard: self.terminate_on_nan,
            stopped: false,
            history: &mut self.history,
            checkpoints: self.checkpoints.as_ref(),
            cycle: self.scheduler.cycle(),
            epochs: self.epochs,
            started: Instant::now(),
            output: PhantomData,
        };
        let result = fit(
            &mut self.scheduler,
            self.epochs,
            optimizer,
            &self.lr_factors,
            &mut trainer,
        );
        trainer.bar.finish();
        let stop = result?;
        if let Some(observer) = trainer.observer {
            observer.run_end(&stop);
        }
        Ok(FitOutcome {
            history: self.history.clone(),
            stop,
        })
    }
}

impl<B: Adapter, S, N, V, F> fmt::Debug for Fit<B, S, N, V, F>
where
    Scheduler<S, N, F>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fit")
            .field("scheduler", &self.scheduler)
            .field("epochs", &self.epochs)
            .field("lr_factors", &self.lr_factors)
            .field("quiet", &self.quiet)
            .field("label", &self.label)
            .field("checkpoints", &self.checkpoints)
            .field("terminate_on_nan", &self.terminate_on_nan)
            .finish_non_exhaustive()
    }
}

/// [`Fit::run`]'s [`Trainer`]: the user's closures, the adapter's backward
/// pass, the guards, the bar, the log and the checkpoints.
struct Steps<'a, B: Adapter, T, V, R> {
    model: &'a mut B::Model,
    step: &'a mut T,
    validation: &'a mut V,
    bar: Progress,
    observer: Option<&'a mut dyn Observer>,
    guard: bool,
    /// A guard stopped the run: no checkpoint of its weights.
    stopped: bool,
    history: &'a mut History,
    checkpoints: Option<&'a Checkpoints>,
    cycle: Cycle,
    epochs: u64,
    /// When the current epoch began.
    started: Instant,
    output: PhantomData<fn() -> R>,
}

impl<B, O, T, V, R> Trainer<O, B::Marker> for Steps<'_, B, T, V, R>
where
    B: Backprop<O>,
    O: ScheduledOptimizer<f64, B::Marker, Error = B::Error> + ?Sized,
    T: FnMut(&B::Model, Batch) -> Result<R, BoxError>,
    R: Into<StepOutput<B::Loss>>,
    V: Validation<B::Model>,
{
    type Error = B::Error;

    fn train(&mut self, optimizer: &mut O, batch: &Batch) -> Result<BatchOutput, B::Error> {
        let out: StepOutput<B::Loss> = (self.step)(self.model, *batch)
            .map_err(user_error::<B>)?
            .into();
        let loss = B::loss_value(&out.loss)?;
        let mut output = BatchOutput {
            loss,
            metrics: out.metrics,
            stop: None,
        };
        if self.guard && !loss.is_finite() {
            output.stop = Some(FitStop::NonFiniteLoss {
                batch: *batch,
                loss,
            });
        } else {
            let grads = B::backward(self.model, optimizer, out.loss, 1, None)?;
            B::step(self.model, optimizer, grads)?;
            if self.guard && !B::weights_finite(self.model)? {
                output.stop = Some(FitStop::NonFiniteWeights { batch: *batch });
            }
        }
        self.stopped |= output.stop.is_some();
        self.bar.inc();
        Ok(output)
    }

    fn validate(&mut self, _optimizer: &mut O, epoch: u64) -> Result<Option<Evaluation>, B::Error> {
        let (model, validation) = (&*self.model, &mut *self.validation);
        B::no_grad(|| validation.validate(model, epoch)).map_err(user_error::<B>)
    }

    fn epoch_done(&mut self, optimizer: &mut O, end: &EpochEnd<'_>) -> Result<(), B::Error> {
        let mut values = end.logged.to_vec();
        values.push(("lr", end.lr));
        self.history.push_epoch(end.epoch, &values);
        self.bar.message(summary(end));
        let elapsed = self.started.elapsed();
        if let Some(observer) = self.observer.as_deref_mut() {
            self.bar.suspend(|| observer.epoch_end(end, elapsed));
        }
        if let Some(checkpoints) = self.checkpoints {
            if !self.stopped && checkpoints.due(end.epoch, self.epochs) {
                checkpoint::save::<B, O>(
                    checkpoints.dir(),
                    self.model,
                    optimizer,
                    (self.cycle, end.state, end.lr),
                    self.history,
                )?;
            }
        }
        self.started = Instant::now();
        Ok(())
    }
}

/// The progress bar's message after an epoch: `epoch 3 loss 0.1234`, and
/// `val_loss 0.2345` when validating. The epoch is shown 1-based.
fn summary(end: &EpochEnd<'_>) -> String {
    let get = |name: &str| end.logged.iter().find(|(n, _)| *n == name).map(|p| p.1);
    let loss = get("loss").unwrap_or(f64::NAN);
    match get("val_loss") {
        Some(val) => format!("epoch {} loss {loss:.4} val_loss {val:.4}", end.epoch + 1),
        None => format!("epoch {} loss {loss:.4}", end.epoch + 1),
    }
}
