//! [`Fit`]: a training loop over epochs and batches driven by the core
//! [`Scheduler`]: it sets each batch's hyper-parameters on the optimizer,
//! calls your step closure for the loss, steps the optimizer, records loss
//! and metrics, validates after every epoch, stops at the end of the cycle,
//! and returns the per-epoch [`History`].
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{Module, VarBuilder, VarMap};
//! use clr_candle::{Fit, MomentumSgd, SgdParams};
//! use clr_core::{Cycle, KerasOneCycle};
//!
//! // y = 3x - 1 at 32 points of [0, 1), shuffled: 4 batches of 8.
//! let xs: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 / 32.0).collect();
//! let x = Tensor::from_vec(xs, (32, 1), &Device::Cpu)?;
//! let y = x.affine(3.0, -1.0)?;
//! let varmap = VarMap::new();
//! let model = candle_nn::linear(1, 1, VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu))?;
//! let mut sgd = MomentumSgd::new(varmap.all_vars(), SgdParams { momentum: 0.95, ..Default::default() })?;
//!
//! let cycle = Cycle::new(20, 4)?; // 20 epochs of 4 batches
//! let schedule = KerasOneCycle::builder((0.02, 0.1), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let mse = |i: usize, n: usize| -> candle_core::Result<Tensor> {
//!     candle_nn::loss::mse(&model.forward(&x.narrow(0, i, n)?)?, &y.narrow(0, i, n)?)
//! };
//! let history = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .validation(|_epoch| Ok(mse(0, 32)?.to_scalar::<f32>()? as f64))
//!     .run(&mut sgd, |batch| Ok(mse(8 * batch.index as usize, 8)?))?;
//! assert_eq!(history.len(), 20);
//! let val = history.get("val_loss").unwrap();
//! assert!(val[19] < val[0]);
//! # Ok::<(), clr_candle::Error>(())
//! ```

use std::io::IsTerminal;
use std::marker::PhantomData;

use candle_core::{DType, Tensor};
use clr_core::train::{self, BatchOutput, Trainer};
use clr_core::{Cycle, HyperSchedule, Scheduler};
use clr_viz::History;
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::Error;
use crate::optim::{Candle, CandleStep};

/// The batch the step closure is asked to train: its epoch, its index in
/// the epoch, the iteration and the hyper-parameters already set (the
/// core's [`Batch`](clr_core::train::Batch)).
pub type Batch = train::Batch<f64>;

/// What the step closure returns: the batch's loss (a tensor with one
/// element, whose gradients step the optimizer) and named metrics. A bare
/// [`Tensor`] converts into one.
#[derive(Debug, Clone)]
pub struct StepOutput {
    /// The loss to minimise.
    pub loss: Tensor,
    /// Metrics of the batch (averaged over the epoch in the history).
    pub metrics: Vec<(String, f64)>,
}

impl StepOutput {
    /// A loss without metrics.
    pub fn new(loss: Tensor) -> Self {
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

impl From<Tensor> for StepOutput {
    fn from(loss: Tensor) -> Self {
        StepOutput::new(loss)
    }
}

/// What the validation closure returns: the validation loss and named
/// metrics (logged as `val_loss` and `val_<name>`), the core's
/// [`Evaluation`](clr_core::train::Evaluation). A bare `f64` converts into
/// one.
pub type Evaluation = train::Evaluation<f64>;

/// The value of a loss tensor with exactly one element.
pub fn loss_value(loss: &Tensor) -> Result<f64, Error> {
    if loss.elem_count() != 1 {
        return Err(Error::LossShape {
            shape: loss.dims().to_vec(),
        });
    }
    let v = loss.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    Ok(v[0])
}

/// A progress bar on stderr, or a hidden one when `quiet` or when stderr is
/// not a terminal.
pub(crate) fn progress(len: u64, quiet: bool, prefix: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {elapsed_precise} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(prefix.to_owned());
    bar
}

/// The validation closure's type when there is none.
pub type NoValidation = fn(u64) -> Result<Evaluation, Error>;

/// A training run under a schedule; see the [module docs](self).
///
/// The step closure gets the [`Batch`] to train and returns its loss (or a
/// [`StepOutput`] with metrics); `Fit` then runs `loss.backward()` and steps
/// the optimizer. The validation closure, if any, gets the epoch and returns
/// the validation loss (or an [`Evaluation`]).
#[derive(Debug)]
pub struct Fit<S, N = S, V = NoValidation> {
    scheduler: Scheduler<S, N, f64>,
    epochs: u64,
    lr_factors: Vec<f64>,
    quiet: bool,
    label: String,
    validation: Option<V>,
}

impl<S: HyperSchedule<f64>> Fit<S> {
    /// A run of `cycle.epochs()` epochs of `cycle.batches_per_epoch()`
    /// batches under `schedule` (which must last the cycle, or be
    /// unbounded), stopping at the end of the cycle as the seed's callbacks
    /// do. Records every 10th batch (the seed's `record_frq`).
    pub fn new(schedule: S, cycle: Cycle) -> Result<Self, Error> {
        Ok(Fit::with_scheduler(
            Scheduler::new(schedule, cycle)?.stop_at_end(),
        ))
    }
}

impl<S: HyperSchedule<f64>, N: HyperSchedule<f64>> Fit<S, N> {
    /// A run driven by `scheduler` as configured (its past-the-end policy,
    /// its `record_every`), for `scheduler.cycle().epochs()` epochs unless
    /// [`epochs`](Fit::epochs) says otherwise.
    pub fn with_scheduler(scheduler: Scheduler<S, N, f64>) -> Self {
        Fit {
            epochs: scheduler.cycle().epochs(),
            scheduler,
            lr_factors: Vec::new(),
            quiet: false,
            label: String::from("fit"),
            validation: None,
        }
    }
}

impl<S: HyperSchedule<f64>, N: HyperSchedule<f64>, V> Fit<S, N, V> {
    /// Validates after every epoch with `validate(epoch)`.
    pub fn validation<W, E>(self, validate: W) -> Fit<S, N, W>
    where
        W: FnMut(u64) -> Result<E, Error>,
        E: Into<Evaluation>,
    {
        Fit {
            scheduler: self.scheduler,
            epochs: self.epochs,
            lr_factors: self.lr_factors,
            quiet: self.quiet,
            label: self.label,
            validation: Some(validate),
        }
    }

    /// Trains `epochs` epochs (to run past the cycle under
    /// [`PastEnd::Restart`](clr_core::PastEnd) or `Continue`); a scheduler
    /// that says stop still ends the run.
    pub fn epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }

    /// Per-group learning-rate factors: group `i` trains at `factors[i]`
    /// times the scheduled rate (see [`clr_core::even_mults`]). One per
    /// group of the optimizer; empty (the default) means 1 for all.
    pub fn lr_factors(mut self, factors: Vec<f64>) -> Self {
        self.lr_factors = factors;
        self
    }

    /// No progress bar (it is also hidden when stderr is not a terminal).
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
    /// optimizer; after every epoch validates and logs. Returns the
    /// history: per epoch `loss` (the mean batch loss), the mean of each
    /// batch metric, `val_loss` and `val_<metric>` when validating,
    /// `momentum` when scheduled, and `lr` (both of the epoch's last batch).
    ///
    /// Starts from iteration 0 each time it is called.
    pub fn run<O, T, R, E>(&mut self, optimizer: &mut O, mut step: T) -> Result<History, Error>
    where
        O: CandleStep + ?Sized,
        T: FnMut(Batch) -> Result<R, Error>,
        R: Into<StepOutput>,
        V: FnMut(u64) -> Result<E, Error>,
        E: Into<Evaluation>,
    {
        let bpe = self.scheduler.cycle().batches_per_epoch();
        let mut trainer = Steps {
            step: &mut step,
            validation: self.validation.as_mut(),
            bar: progress(self.epochs.saturating_mul(bpe), self.quiet, &self.label),
            outputs: PhantomData,
        };
        let result = train::fit(
            &mut self.scheduler,
            self.epochs,
            optimizer,
            &self.lr_factors,
            &mut trainer,
        );
        trainer.bar.finish_and_clear();
        result?;
        Ok(History::from(self.scheduler.records()))
    }
}

/// The candle part of [`Fit::run`]'s loop: the user's closures and the
/// progress bar.
struct Steps<'a, T, V, R, E> {
    step: &'a mut T,
    validation: Option<&'a mut V>,
    bar: ProgressBar,
    outputs: PhantomData<fn() -> (R, E)>,
}

impl<O, T, V, R, E> Trainer<f64, O, Candle> for Steps<'_, T, V, R, E>
where
    O: CandleStep + ?Sized,
    T: FnMut(Batch) -> Result<R, Error>,
    R: Into<StepOutput>,
    V: FnMut(u64) -> Result<E, Error>,
    E: Into<Evaluation>,
{
    type Error = Error;

    fn train(&mut self, optimizer: &mut O, batch: &Batch) -> Result<BatchOutput<f64>, Error> {
        let out: StepOutput = (self.step)(*batch)?.into();
        let loss = loss_value(&out.loss)?;
        let grads = out.loss.backward()?;
        optimizer.optimizer_step(&grads)?;
        Ok(BatchOutput {
            loss,
            metrics: out.metrics,
        })
    }

    fn validate(&mut self, _optimizer: &mut O, epoch: u64) -> Result<Option<Evaluation>, Error> {
        match self.validation.as_mut() {
            Some(validate) => Ok(Some(validate(epoch)?.into())),
            None => Ok(None),
        }
    }

    fn batch_done(&mut self, _batch: &Batch, _output: &BatchOutput<f64>) {
        self.bar.inc(1);
    }

    fn epoch_done(&mut self, epoch: u64, logged: &[(&str, f64)]) {
        self.bar.set_message(train::epoch_summary(epoch, logged));
    }
}
