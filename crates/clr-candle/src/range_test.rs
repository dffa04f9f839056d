//! The learning-rate range test on Candle: [`RangeTestRunner`] drives the
//! core [`RangeTest`] state machine, training your model batch by batch at
//! the learning rates of the sweep (one sweep per weight decay of the grid),
//! and puts every variable of the [`VarMap`] and the optimizer's state back,
//! bit for bit, after each sweep and at the end: also when a sweep stops
//! early, when the loss turns NaN, and when your closure fails.
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{Module, VarBuilder, VarMap};
//! use clr_candle::{MomentumSgd, RangeTestRunner, SgdParams, VarMapSnapshot};
//! use clr_core::RangeTestConfig;
//!
//! // y = 3x - 1 at 32 points of [0, 1), shuffled: 4 batches of 8.
//! let xs: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 / 32.0).collect();
//! let x = Tensor::from_vec(xs, (32, 1), &Device::Cpu)?;
//! let y = x.affine(3.0, -1.0)?;
//! let varmap = VarMap::new();
//! let model = candle_nn::linear(1, 1, VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu))?;
//! let mut sgd = MomentumSgd::new(varmap.all_vars(), SgdParams { momentum: 0.9, ..Default::default() })?;
//! let before = VarMapSnapshot::take(&varmap)?;
//!
//! let config = RangeTestConfig { lr_range: (1e-4, 10.0), steps: 60, batches_per_step: 2, ..Default::default() };
//! let outcome = RangeTestRunner::new(config, |batch| {
//!     let i = 8 * (batch % 4) as usize;
//!     Ok(candle_nn::loss::mse(&model.forward(&x.narrow(0, i, 8)?)?, &y.narrow(0, i, 8)?)?)
//! })
//! .quiet(true)
//! .run(&varmap, &mut sgd)?;
//!
//! assert!(outcome.result.sweeps[0].stop.is_early()); // lr = 10 diverges
//! assert!(outcome.suggestions[0].valley.is_some());
//! assert!(before.is_identical(&varmap)?); // the model is as it was
//! # Ok::<(), clr_candle::Error>(())
//! ```

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::VarMap;
use clr_core::range_test;
use clr_core::train::RangeTestBackend;
use clr_core::{Hypers, RangeTest, RangeTestDriver};

use crate::error::{AdapterError, Error};
use crate::fit::loss_value;
use crate::optim::{Candle, CandleStep};
use crate::snapshot::{OptimizerState, VarMapSnapshot};

/// The validation closure's type when there is none.
pub type NoRangeValidation = range_test::NoRangeValidation<Candle>;

/// What a range test found: the losses of every sweep and, for each, the
/// five suggestions on its judged curve, and
/// [`best_sweep`](clr_core::range_test::RangeTestOutcome::best_sweep) (the
/// core's [`RangeTestOutcome`](clr_core::range_test::RangeTestOutcome)).
pub type RangeTestOutcome = range_test::RangeTestOutcome<f64>;

/// Runs a range test on a Candle model: the core's
/// [`RangeTestRunner`](clr_core::range_test::RangeTestRunner), whose docs
/// say what the closures get and return, on Candle; see the
/// [module docs](self).
///
/// `run(&varmap, &mut optimizer)` takes any [`CandleStep`] with an
/// [`OptimizerState`]: that state (the learning rate and weight decay
/// included) and every variable of the [`VarMap`] are put back bit for bit
/// after each sweep, at the end and when a closure or Candle fails midway.
/// The validation closure must leave every variable as it was (eval mode).
pub type RangeTestRunner<T, V = NoRangeValidation> = range_test::RangeTestRunner<Candle, T, V>;

impl<O> RangeTestBackend<VarMap, O> for Candle
where
    O: CandleStep + OptimizerState + ?Sized,
{
    type Saved = (VarMapSnapshot, O::State);

    fn save(varmap: &VarMap, optimizer: &O) -> Result<Self::Saved, Error> {
        Ok((VarMapSnapshot::take(varmap)?, optimizer.save_state()?))
    }

    fn restore(saved: &Self::Saved, varmap: &VarMap, optimizer: &mut O) -> Result<(), Error> {
        let vars = saved.0.restore(varmap);
        // The saved state holds the learning rate and weight decay too.
        let state = optimizer.load_state(&saved.1);
        vars.and(state)
    }

    fn sweep<T, V>(
        test: &mut RangeTest<f64>,
        saved: &Self::Saved,
        varmap: &VarMap,
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
            varmap,
            vars: varmap.all_vars(),
            saved,
            optimizer,
            train,
            validation,
            lr_factors,
            accumulation: test.config().accumulation_steps,
            pending: None,
            batch: 0,
        };
        test.run(&mut driver).map(|_| ())
    }
}

struct Driver<'a, O: OptimizerState + ?Sized, T, V> {
    varmap: &'a VarMap,
    vars: Vec<Var>,
    saved: &'a (VarMapSnapshot, O::State),
    optimizer: &'a mut O,
    train: T,
    validation: Option<V>,
    lr_factors: &'a [f64],
    accumulation: u64,
    /// Gradients summed over the micro-batches of an accumulation group.
    pending: Option<GradStore>,
    batch: u64,
}

impl<O, T, V> Driver<'_, O, T, V>
where
    O: CandleStep + OptimizerState + ?Sized,
{
    /// Adds `grads / accumulation` to the pending sum.
    fn accumulate(&mut self, mut grads: GradStore) -> Result<(), Error> {
        let scale = 1.0 / self.accumulation as f64;
        match self.pending.as_mut() {
            None => {
                // The first micro-batch's store becomes the sum (GradStore
                // has no public constructor).
                for var in &self.vars {
                    if let Some(g) = grads.remove(var) {
                        grads.insert(var, (g * scale)?);
                    }
                }
                self.pending = Some(grads);
            }
            Some(pending) => {
                for var in &self.vars {
                    let Some(g) = grads.get(var) else { continue };
                    let g = (g * scale)?;
                    let sum = match pending.get(var) {
                        Some(old) => (old + g)?,
                        None => g,
                    };
                    pending.insert(var, sum);
                }
            }
        }
        Ok(())
    }
}

impl<O, T, V> RangeTestDriver<f64> for Driver<'_, O, T, V>
where
    O: CandleStep + OptimizerState + ?Sized,
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
        let loss = (self.train)(self.batch)?;
        self.batch += 1;
        let value = loss_value(&loss)?;
        let grads = loss.backward()?;
        if self.accumulation == 1 {
            self.optimizer.optimizer_step(&grads)?;
        } else {
            self.accumulate(grads)?;
            if optimizer_step {
                if let Some(sum) = self.pending.take() {
                    self.optimizer.optimizer_step(&sum)?;
                }
            }
        }
        Ok(value)
    }

    fn validate(&mut self, batches: u64) -> Result<f64, Error> {
        match self.validation.as_mut() {
            Some(validate) => validate(batches),
            None => Err(AdapterError::NoValidation { batches }.into()),
        }
    }

    fn restore(&mut self, _finished: bool) -> Result<(), Error> {
        self.pending = None;
        <Candle as RangeTestBackend<VarMap, O>>::restore(self.saved, self.varmap, self.optimizer)
    }
}
