//! [`RangeTestRunner`]: the range-test builder every adapter shares
//! (`clr_candle::RangeTestRunner` and `clr_tch::RangeTestRunner` name it
//! with their marker): the configuration, the training and validation
//! closures, per-group learning-rate factors and the progress bar, and
//! [`RangeTestRunner::run`], which drives `clr-core`'s [`RangeTest`] with
//! the adapter's [`Backprop`] and puts the model and optimizer back: the
//! model's [`Adapter::snapshot`], the optimizer's [`OptimizerState`].

use std::marker::PhantomData;

use clr_core::range_test::RangeTestOutcome;
use clr_core::{check_factors, Hypers, RangeTest, RangeTestConfig, RangeTestDriver};

use crate::adapter::{user_error, Adapter, Backprop, OptimizerState};
use crate::adapter_error::{AdapterError, BoxError};
use crate::progress::Progress;
use crate::validation::{NoValidation, Validation};

/// Runs a range test on a model of adapter `B`'s framework.
///
/// The training closure gets the model and the index of the micro-batch
/// (counted from 0 over the whole test, all sweeps) and returns its loss:
/// pick the batch with it (`index % batches_per_epoch`) and reshuffle when
/// it wraps. The runner sets the sweep's learning rate (and weight decay)
/// on the optimizer, back-propagates the loss and steps the optimizer (once
/// per `accumulation_steps` micro-batches, on their averaged gradients).
///
/// The validation closure, needed when the configuration has
/// `validation_batches`, gets the model and the number of validation
/// batches and returns their mean loss; it runs with gradient tracking off
/// and must leave every variable as it was (eval mode).
pub struct RangeTestRunner<B: Adapter, T, V = NoValidation> {
    config: RangeTestConfig<f64>,
    train: T,
    validation: V,
    lr_factors: Vec<f64>,
    quiet: bool,
    adapter: PhantomData<fn() -> B>,
}

impl<B: Adapter, T> RangeTestRunner<B, T>
where
    T: FnMut(&B::Model, u64) -> Result<B::Loss, BoxError>,
{
    /// A test of `config` (the Keras package's parameters; see [`RangeTestConfig`])
    /// training with `train`.
    pub fn new(config: RangeTestConfig<f64>, train: T) -> Self {
        RangeTestRunner {
            config,
            train,
            validation: NoValidation,
            lr_factors: Vec::new(),
            quiet: false,
            adapter: PhantomData,
        }
    }
}

impl<B: Adapter, T, V> RangeTestRunner<B, T, V>
where
    T: FnMut(&B::Model, u64) -> Result<B::Loss, BoxError>,
    V: Validation<B::Model>,
{
    /// Evaluates validation with `validate(&model, batches)` after every
    /// step of the sweep (when the configuration has `validation_batches`).
    pub fn validation<W>(self, validate: W) -> RangeTestRunner<B, T, W>
    where
        W: FnMut(&B::Model, u64) -> Result<f64, BoxError>,
    {
        RangeTestRunner {
            config: self.config,
            train: self.train,
            validation: validate,
            lr_factors: self.lr_factors,
            quiet: self.quiet,
            adapter: PhantomData,
        }
    }

    /// Per-group learning-rate factors, as [`Fit::lr_factors`](crate::Fit::lr_factors).
    pub fn lr_factors(mut self, factors: Vec<f64>) -> Self {
        self.lr_factors = factors;
        self
    }

    /// No progress bar (it is also hidden when stderr is not a terminal).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RangeTestConfig<f64> {
        &self.config
    }

    /// The Keras package's `find_n_epoch`: the epochs of `batches_per_epoch` batches
    /// the whole grid trains (so the data loader knows how far it goes).
    pub fn n_epochs(&self, batches_per_epoch: u64) -> Result<u64, B::Error> {
        Ok(self.config.n_epochs(batches_per_epoch)?)
    }

    /// Runs the test on `model` with `optimizer`: saves both
    /// ([`Adapter::snapshot`], [`OptimizerState::save_state`]), sweeps,
    /// restores them after each sweep and at the end, and returns the
    /// losses with suggestions. If a closure or the framework fails midway,
    /// the model and optimizer are restored before the error is returned.
    pub fn run<O>(
        &mut self,
        model: &mut B::Model,
        optimizer: &mut O,
    ) -> Result<RangeTestOutcome<f64>, B::Error>
    where
        B: Backprop<O>,
        O: OptimizerState<B::Marker, Error = B::Error> + ?Sized,
    {
        check_factors(optimizer.groups(), &self.lr_factors)?;
        if let (Some(batches), false) = (self.config.validation_batches, self.validation.given()) {
            return Err(AdapterError::NoValidation { batches }.into());
        }
        let mut test = RangeTest::new(self.config.clone())?;
        let saved = Saved {
            model: B::snapshot(model)?,
            optimizer: optimizer.save_state()?,
        };
        let mut driver = Driver::<B, O, T, V> {
            model,
            optimizer,
            saved: &saved,
            train: &mut self.train,
            validation: &mut self.validation,
            lr_factors: &self.lr_factors,
            accumulation: self.config.accumulation_steps,
            pending: None,
            batch: 0,
            bar: Progress::new(self.config.micro_batches(), self.quiet, "range test"),
        };
        let outcome = test.run(&mut driver);
        driver.bar.finish();
        if let Err(e) = outcome {
            // Best effort: the error that stopped the test is the one to report.
            let _ = saved.restore::<B, O>(driver.model, driver.optimizer);
            return Err(e);
        }
        Ok(RangeTestOutcome::new(test.result().clone()))
    }
}

/// The model and optimizer as they were before the test.
struct Saved<M, S> {
    model: M,
    optimizer: S,
}

impl<M, S> Saved<M, S> {
    /// Puts both back: all of it that can be, even when a part fails (the
    /// first failure is returned), since it also runs after an error. The
    /// optimizer first: an adapter that rebuilds it may touch the
    /// parameters' gradients, never their values.
    fn restore<B, O>(&self, model: &mut B::Model, optimizer: &mut O) -> Result<(), B::Error>
    where
        B: Adapter<Snapshot = M>,
        O: OptimizerState<B::Marker, Error = B::Error, State = S> + ?Sized,
        B: Backprop<O>,
    {
        let state = optimizer.load_state(&self.optimizer);
        let weights = B::restore(&self.model, model);
        state.and(weights)
    }
}

/// The [`RangeTestDriver`] of every adapter: trains micro-batches with the
/// adapter's [`Backprop`], accumulating gradients over `accumulation_steps`,
/// validates and restores.
struct Driver<'a, B: Backprop<O>, O: OptimizerState<B::Marker> + ?Sized, T, V> {
    model: &'a mut B::Model,
    optimizer: &'a mut O,
    saved: &'a Saved<B::Snapshot, O::State>,
    train: &'a mut T,
    validation: &'a mut V,
    lr_factors: &'a [f64],
    accumulation: u64,
    /// Gradients of the micro-batches of the optimizer step under way.
    pending: Option<B::Grads>,
    /// The next micro-batch's index.
    batch: u64,
    bar: Progress,
}

impl<B, O, T, V> RangeTestDriver<f64> for Driver<'_, B, O, T, V>
where
    B: Backprop<O>,
    O: OptimizerState<B::Marker, Error = B::Error> + ?Sized,
    T: FnMut(&B::Model, u64) -> Result<B::Loss, BoxError>,
    V: Validation<B::Model>,
{
    type Error = B::Error;

    fn train(
        &mut self,
        lr: f64,
        weight_decay: Option<f64>,
        optimizer_step: bool,
    ) -> Result<f64, B::Error> {
        let h = Hypers {
            lr,
            momentum: None,
            weight_decay,
        };
        self.optimizer.apply_all(&h, self.lr_factors)?;
        let loss = (self.train)(self.model, self.batch).map_err(user_error::<B>)?;
        self.batch += 1;
        self.bar.inc();
        let value = B::loss_value(&loss)?;
        let pending = self.pending.take();
        let grads = B::backward(self.model, self.optimizer, loss, self.accumulation, pending)?;
        if optimizer_step {
            B::step(self.model, self.optimizer, grads)?;
        } else {
            self.pending = Some(grads);
        }
        Ok(value)
    }

    fn validate(&mut self, batches: u64) -> Result<f64, B::Error> {
        let (model, validation) = (&*self.model, &mut *self.validation);
        match B::no_grad(|| validation.validate(model, batches)).map_err(user_error::<B>)? {
            Some(evaluation) => Ok(evaluation.loss),
            None => Err(AdapterError::NoValidation { batches }.into()),
        }
    }

    fn restore(&mut self, _finished: bool) -> Result<(), B::Error> {
        self.pending = None;
        self.saved.restore::<B, O>(self.model, self.optimizer)
    }
}
