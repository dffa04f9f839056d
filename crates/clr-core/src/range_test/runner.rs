//! [`RangeTestRunner`]: the range-test builder every adapter shares
//! (`clr_candle::RangeTestRunner` and `clr_tch::RangeTestRunner` name it
//! with their marker): the configuration, the training and validation
//! closures, per-group learning-rate factors and the progress bar, and
//! [`RangeTestRunner::run`], which checks all that, has the adapter's
//! [`RangeTestBackend`] save the model and optimizer and sweep, and puts
//! them back when the sweep fails.

use alloc::vec::Vec;
use core::marker::PhantomData;

use super::{RangeTest, RangeTestConfig, RangeTestOutcome};
use crate::train::progress::Progress;
use crate::train::{check_factors, Adapter, AdapterError, RangeTestBackend, ScheduledOptimizer};

/// The validation closure's type when there is none.
pub type NoRangeValidation<B> = fn(u64) -> Result<f64, <B as Adapter>::Error>;

/// Runs a range test on a model of adapter `B`'s framework.
///
/// The training closure gets the index of the micro-batch (counted from 0
/// over the whole test, all sweeps) and returns its loss: pick the batch
/// with it (`index % batches_per_epoch`) and reshuffle when it wraps. The
/// runner sets the sweep's learning rate (and weight decay) on the
/// optimizer, back-propagates the loss and steps the optimizer (once per
/// `accumulation_steps` micro-batches, on their averaged gradients).
///
/// The validation closure, needed when the configuration has
/// `validation_batches`, gets the number of validation batches and returns
/// their mean loss; it must leave every variable as it was (eval mode).
pub struct RangeTestRunner<B: Adapter, T, V = NoRangeValidation<B>> {
    config: RangeTestConfig<f64>,
    train: T,
    validation: Option<V>,
    lr_factors: Vec<f64>,
    quiet: bool,
    adapter: PhantomData<fn() -> B>,
}

impl<B: Adapter, T> RangeTestRunner<B, T>
where
    T: FnMut(u64) -> Result<B::Loss, B::Error>,
{
    /// A test of `config` (the seed's parameters; see [`RangeTestConfig`])
    /// training with `train`.
    pub fn new(config: RangeTestConfig<f64>, train: T) -> Self {
        RangeTestRunner {
            config,
            train,
            validation: None,
            lr_factors: Vec::new(),
            quiet: false,
            adapter: PhantomData,
        }
    }
}

impl<B: Adapter, T, V> RangeTestRunner<B, T, V>
where
    T: FnMut(u64) -> Result<B::Loss, B::Error>,
    V: FnMut(u64) -> Result<f64, B::Error>,
{
    /// Evaluates validation with `validate(batches)` after every step of the
    /// sweep (when the configuration has `validation_batches`).
    pub fn validation<W>(self, validate: W) -> RangeTestRunner<B, T, W>
    where
        W: FnMut(u64) -> Result<f64, B::Error>,
    {
        RangeTestRunner {
            config: self.config,
            train: self.train,
            validation: Some(validate),
            lr_factors: self.lr_factors,
            quiet: self.quiet,
            adapter: PhantomData,
        }
    }

    /// Per-group learning-rate factors, as [`Fit::lr_factors`](crate::train::Fit::lr_factors).
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

    /// The configuration.
    pub fn config(&self) -> &RangeTestConfig<f64> {
        &self.config
    }

    /// The seed's `find_n_epoch`: the epochs of `batches_per_epoch` batches
    /// the whole grid trains (so the data loader knows how far it goes).
    pub fn n_epochs(&self, batches_per_epoch: u64) -> Result<u64, B::Error> {
        Ok(self.config.n_epochs(batches_per_epoch)?)
    }

    /// Runs the test on `model` (the framework's variable store) with
    /// `optimizer`: saves both, sweeps, restores them after each sweep and
    /// at the end ([`RangeTestBackend`]), and returns the losses with
    /// suggestions. If a closure or the framework fails midway, the model
    /// and optimizer are restored before the error is returned.
    pub fn run<M, O>(
        &mut self,
        model: &M,
        optimizer: &mut O,
    ) -> Result<RangeTestOutcome<f64>, B::Error>
    where
        M: ?Sized,
        O: ScheduledOptimizer<f64, B::Marker, Error = B::Error> + ?Sized,
        B: RangeTestBackend<M, O>,
    {
        check_factors(optimizer.groups(), &self.lr_factors)?;
        if let (Some(batches), None) = (self.config.validation_batches, &self.validation) {
            return Err(AdapterError::NoValidation { batches }.into());
        }
        let mut test = RangeTest::new(self.config.clone())?;
        let bar = Progress::new(self.config.micro_batches(), self.quiet, "range test");
        let train = &mut self.train;
        let counted = |batch: u64| {
            let loss = train(batch);
            bar.inc();
            loss
        };
        let saved = B::save(model, optimizer)?;
        let outcome = B::sweep(
            &mut test,
            &saved,
            model,
            optimizer,
            counted,
            self.validation.as_mut(),
            &self.lr_factors,
        );
        bar.finish();
        if let Err(e) = outcome {
            // Best effort: the error that stopped the test is the one to report.
            let _ = B::restore(&saved, model, optimizer);
            return Err(e);
        }
        Ok(RangeTestOutcome::new(test.result().clone()))
    }
}
