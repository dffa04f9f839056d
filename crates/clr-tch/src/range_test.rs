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
/// [`RangeTestRunner`](clr_core::range_test::RangeTestRunner), whose docs
/// say what the closures get and return, on libtorch; see the
/// [module docs](self).
///
/// `run(&vs, &mut optimizer)` takes any [`TchStep`] with an
/// [`OptimizerState`]: every variable of the [`VarStore`] is put back bit
/// for bit, and the optimizer rebuilt with its learning rate, momentum and
/// weight decay per group (gradients cleared), after each sweep, at the end
/// and when a closure or libtorch fails midway. The validation closure
/// runs under `tch::no_grad` (put the model in eval mode yourself if it has
/// dropout or batch norm).
pub type RangeTestRunner<T, V = NoRangeValidation> = range_test::RangeTestRunner<Tch, T, V>;

impl<O> RangeTestBackend<VarStore, O> for Tch
where
    O: TchStep + OptimizerState + ?Sized,
{
    type Saved = (VarStoreSnapshot, O::State);

    fn save(vs: &VarStore, optimizer: &O) -> Result<Self::Saved, Error> {
        Ok((VarStoreSnapshot::take(vs)?, optimizer.save_state()?))
    }

    fn restore(saved: &Self::Saved, vs: &VarStore, optimizer: &mut O) -> Result<(), Error> {
        // Rebuilt: fresh moments, the learning rate and weight decay of before.
        let state = optimizer.load_state(&saved.1);
        let grads = optimizer.zero_grad();
        let vars = saved.0.restore(vs);
        state.and(grads).and(vars)
    }

    fn sweep<T, V>(
        test: &mut RangeTest<f64>,
        saved: &Self::Saved,
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
        let mut driver = Driver {
            vs,
            saved,
            optimizer,
            train,
            validation,
            lr_factors,
            accumulation: test.config().accumulation_steps,
            micro: 0,
            batch: 0,
        };
        test.run(&mut driver).map(|_| ())
    }
}

struct Driver<'a, O: OptimizerState + ?Sized, T, V> {
    vs: &'a VarStore,
    saved: &'a (VarStoreSnapshot, O::State),
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
        <Tch as RangeTestBackend<VarStore, O>>::restore(self.saved, self.vs, self.optimizer)
    }
}
