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

use clr_core::range_test;
use clr_core::train::RangeTestBackend;
use clr_core::{Hypers, RangeTest, RangeTestDriver};
use tch::nn::VarStore;
use tch::Tensor;

use crate::error::{AdapterError, Error};
use crate::fit::loss_value;
use crate::optim::{Tch, TchStep};
use crate::snapshot::{OptimizerState, VarStoreSnapshot};

/// The validation closure's type when there is none.
pub type NoRangeValidation = range_test::NoRangeValidation<Tch>;

/// What a range test found: the losses of every sweep and, for each, the
/// five suggestions on its judged curve, and
/// [`best_sweep`](clr_core::range_test::RangeTestOutcome::best_sweep) (the
/// core's [`RangeTestOutcome`](clr_core::range_test::RangeTestOutcome)).
pub type RangeTestOutcome = range_test::RangeTestOutcome<f64>;

/// Runs a range test on a tch model: the core's
/// [`RangeTestRunner`](clr_core::range_test::RangeTestRunner) on libtorch;
/// see the [module docs](self).
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
///
/// `run(&vs, &mut optimizer)` snapshots the [`VarStore`] and the
/// optimizer's configuration ([`OptimizerState`]), sweeps, and restores
/// them after each sweep, at the end and when a closure or libtorch fails
/// midway (the variables bit for bit, the optimizer rebuilt with its
/// learning rate, momentum and weight decay per group, gradients cleared).
pub type RangeTestRunner<T, V = NoRangeValidation> = range_test::RangeTestRunner<Tch, T, V>;

impl<O> RangeTestBackend<VarStore, O> for Tch
where
    O: TchStep + OptimizerState + ?Sized,
{
    fn range_test<T, V>(
        test: &mut RangeTest<f64>,
        vs: &VarStore,
        optimizer: &mut O,
        train: T,
        validation: Option<V>,
        lr_factors: &[f64],
    ) -> Result<(), Error>
    where
        T: FnMut(u64) -> Result<Tensor, Error>,
        V: FnMut(u64) -> Result<f64, Error>,
    {
        let snapshot = VarStoreSnapshot::take(vs)?;
        let state = optimizer.save_state()?;
        let mut driver = Driver {
            vs,
            snapshot: &snapshot,
            state: &state,
            optimizer: &mut *optimizer,
            train,
            validation,
            lr_factors,
            accumulation: test.config().accumulation_steps,
            micro: 0,
            batch: 0,
        };
        match test.run(&mut driver) {
            Ok(_) => Ok(()),
            Err(e) => {
                // Best effort: the error that stopped the test is the one to report.
                let _ = snapshot.restore(vs);
                let _ = optimizer.load_state(&state);
                let _ = optimizer.zero_grad();
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
    train: T,
    validation: Option<V>,
    lr_factors: &'a [f64],
    accumulation: u64,
    /// Micro-batches back-propagated since the last optimizer step.
    micro: u64,
    batch: u64,
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
        Ok(value)
    }

    fn validate(&mut self, batches: u64) -> Result<f64, Error> {
        match self.validation.as_mut() {
            Some(validate) => tch::no_grad(|| validate(batches)),
            None => Err(AdapterError::NoValidation { batches }.into()),
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
