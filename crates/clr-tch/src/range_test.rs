//! The learning-rate range test on tch: [`RangeTestRunner`] drives the core
//! [`RangeTest`] state machine, training your model batch by batch at the
//! learning rates of the sweep (one sweep per weight decay of the grid), and
//! puts every variable of the [`VarStore`] back, bit for bit, after each
//! sweep and at the end: also when a sweep stops early, when the loss turns
//! NaN, and when your closure fails.
//!
//! tch cannot save an optimizer's state, so after each restore the
//! optimizer is built again from its configuration (fresh moments and
//! momentum buffers) with the hyper-parameters it held before the test (see
//! [`OptimizerState`]): every sweep starts from the same model and the same
//! fresh optimizer, and after the test the optimizer is as it was when
//! fresh.
//!
//! ```
//! use clr_core::RangeTestConfig;
//! use clr_tch::{RangeTestRunner, TchOptimizer, VarStoreSnapshot};
//! use tch::nn::{self, Module, VarStore};
//! use tch::{Device, Kind, Tensor};
//!
//! tch::manual_seed(0);
//! let x = Tensor::arange(32, (Kind::Float, Device::Cpu)).reshape([32, 1]) / 32.0;
//! let y = &x * 3.0 - 1.0;
//! let vs = VarStore::new(Device::Cpu);
//! let model = nn::linear(vs.root(), 1, 1, Default::default());
//! let mut sgd = TchOptimizer::new(&vs, nn::Sgd { momentum: 0.9, ..Default::default() }, 0.01)?;
//! let before = VarStoreSnapshot::take(&vs)?;
//!
//! let config = RangeTestConfig { lr_range: (1e-4, 10.0), steps: 40, batches_per_step: 2, ..Default::default() };
//! let outcome = RangeTestRunner::new(config, |batch| {
//!     let i = 8 * (batch % 4) as i64;
//!     Ok(model.forward(&x.narrow(0, i, 8)).mse_loss(&y.narrow(0, i, 8), tch::Reduction::Mean))
//! })
//! .quiet(true)
//! .run(&vs, &mut sgd)?;
//!
//! assert!(outcome.result.sweeps[0].stop.is_early()); // lr = 10 diverges
//! assert!(outcome.suggestions[0].valley.is_some());
//! assert!(before.is_identical(&vs)?); // the model is as it was
//! # Ok::<(), clr_tch::Error>(())
//! ```

use clr_core::train::{check_factors, ScheduledOptimizer};
use clr_core::{Hypers, RangeTest, RangeTestConfig, RangeTestDriver};
use indicatif::ProgressBar;
use tch::nn::VarStore;
use tch::Tensor;

use crate::error::Error;
use crate::fit::{loss_value, progress};
use crate::optim::TchStep;
use crate::snapshot::{OptimizerState, VarStoreSnapshot};

/// The validation closure's type when there is none.
pub type NoRangeValidation = fn(u64) -> Result<f64, Error>;

/// What a range test found: the losses of every sweep and, for each, the
/// five suggestions on its judged curve, and
/// [`best_sweep`](clr_core::range_test::RangeTestOutcome::best_sweep) (the
/// core's [`RangeTestOutcome`](clr_core::range_test::RangeTestOutcome)).
pub type RangeTestOutcome = clr_core::range_test::RangeTestOutcome<f64>;

/// Runs a range test on a tch model; see the [module docs](self).
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
/// their mean loss; it runs under `tch::no_grad` (put the model in eval
/// mode yourself if it has dropout or batch norm).
pub struct RangeTestRunner<T, V = NoRangeValidation> {
    config: RangeTestConfig<f64>,
    train: T,
    validation: Option<V>,
    lr_factors: Vec<f64>,
    quiet: bool,
}

impl<T> RangeTestRunner<T>
where
    T: FnMut(u64) -> Result<Tensor, Error>,
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
        }
    }
}

impl<T, V> RangeTestRunner<T, V>
where
    T: FnMut(u64) -> Result<Tensor, Error>,
    V: FnMut(u64) -> Result<f64, Error>,
{
    /// Evaluates validation with `validate(batches)` after every step of the
    /// sweep (when the configuration has `validation_batches`).
    pub fn validation<W>(self, validate: W) -> RangeTestRunner<T, W>
    where
        W: FnMut(u64) -> Result<f64, Error>,
    {
        RangeTestRunner {
            config: self.config,
            train: self.train,
            validation: Some(validate),
            lr_factors: self.lr_factors,
            quiet: self.quiet,
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

    /// The seed's `find_n_epoch`: the epochs of `batches_per_epoch` batches
    /// the whole grid trains (so the data loader knows how far it goes).
    pub fn n_epochs(&self, batches_per_epoch: u64) -> Result<u64, Error> {
        Ok(self.config.n_epochs(batches_per_epoch)?)
    }

    /// Runs the test: snapshots `vs` and `optimizer`, sweeps, restores them
    /// after each sweep and at the end (the variables bit for bit, the
    /// optimizer rebuilt with its learning rate, momentum and weight decay
    /// per group, gradients cleared), and returns the losses with
    /// suggestions.
    ///
    /// If a closure or libtorch fails midway, the model and optimizer are
    /// restored before the error is returned.
    pub fn run<O>(&mut self, vs: &VarStore, optimizer: &mut O) -> Result<RangeTestOutcome, Error>
    where
        O: TchStep + OptimizerState + ?Sized,
    {
        check_factors(optimizer.groups(), &self.lr_factors)?;
        if let (Some(batches), None) = (self.config.validation_batches, &self.validation) {
            return Err(Error::NoValidation { batches });
        }
        let mut test = RangeTest::new(self.config.clone())?;
        let total = self.config.micro_batches();
        let snapshot = VarStoreSnapshot::take(vs)?;
        let state = optimizer.save_state()?;
        let mut driver = Driver {
            vs,
            snapshot: &snapshot,
            state: &state,
            optimizer: &mut *optimizer,
            train: &mut self.train,
            validation: self.validation.as_mut(),
            lr_factors: &self.lr_factors,
            accumulation: self.config.accumulation_steps,
            micro: 0,
            batch: 0,
            bar: progress(total, self.quiet, "range test"),
        };
        let outcome = test.run(&mut driver);
        driver.bar.finish_and_clear();
        match outcome {
            Ok(result) => Ok(RangeTestOutcome::new(result.clone())),
            Err(e) => {
                // Best effort: the error that stopped the test is the one to report.
                let _ = snapshot.restore(vs);
                let _ = driver.optimizer.load_state(&state);
                let _ = driver.optimizer.zero_grad();
                Err(e)
            }
        }
    }
}

struct Driver<'a, O: OptimizerState + ?Sized, T, V> {
    vs: &'a VarStore,
    snapshot: &'a VarStoreSnapshot,
    state: &'a O::State,
    optimizer: &'a mut O,
    train: &'a mut T,
    validation: Option<&'a mut V>,
    lr_factors: &'a [f64],
    accumulation: u64,
    /// Micro-batches back-propagated since the last optimizer step.
    micro: u64,
    batch: u64,
    bar: ProgressBar,
}

impl<O, T, V> RangeTestDriver<f64> for Driver<'_, O, T, V>
where
    O: TchStep + OptimizerState + ?Sized,
    T: FnMut(u64) -> Result<Tensor, Error>,
    V: FnMut(u64) -> Result<f64, Error>,
{
    type Error = Error;

    fn train(
        &mut self,
        lr: f64,
        weight_decay: Option<f64>,
        optimizer_step: bool,
    ) -> Result<f64, Error> {
        let h = Hypers {
            lr,
            momentum: None,
            weight_decay,
        };
        self.optimizer.apply_all(&h, self.lr_factors)?;
        if self.micro == 0 {
            self.optimizer.zero_grad()?;
        }
        let loss = (self.train)(self.batch)?;
        self.batch += 1;
        let value = loss_value(&loss)?;
        if self.accumulation == 1 {
            loss.f_backward()?;
        } else {
            // Gradients of the mean over the accumulation group.
            loss.f_div_scalar(self.accumulation as f64)?.f_backward()?;
        }
        self.micro += 1;
        if optimizer_step {
            self.optimizer.optimizer_step()?;
            self.micro = 0;
        }
        self.bar.inc(1);
        Ok(value)
    }

    fn validate(&mut self, batches: u64) -> Result<f64, Error> {
        match self.validation.as_mut() {
            Some(validate) => tch::no_grad(|| validate(batches)),
            None => Err(Error::NoValidation { batches }),
        }
    }

    fn restore(&mut self, _finished: bool) -> Result<(), Error> {
        self.micro = 0;
        // Rebuilt: fresh moments, the learning rate and weight decay of before.
        self.optimizer.load_state(self.state)?;
        self.optimizer.zero_grad()?;
        self.snapshot.restore(self.vs)
    }
}
