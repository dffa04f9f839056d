//! libtorch in `clr-train`'s terms: the [`Tch`] marker implements
//! [`Adapter`] (a [`VarStore`] is the model, a one-element [`Tensor`] the
//! loss, a [`VarStoreSnapshot`] its copy, validation under
//! `tch::no_grad`) and [`Backprop`] (gradients cleared, `loss.backward()`,
//! accumulated in the parameters, any [`TchStep`]), so that [`Fit`] and
//! [`RangeTestRunner`] train tch models.
//!
//! ```
//! use clr_core::{Cycle, KerasOneCycle};
//! use clr_tch::{Fit, TchOptimizer};
//! use tch::nn::{self, Module, VarStore};
//! use tch::{Device, Kind, Tensor};
//!
//! // y = 3x - 1 in 4 batches of 8.
//! tch::manual_seed(0);
//! let x = Tensor::arange(32, (Kind::Float, Device::Cpu)).reshape([32, 1]) / 32.0;
//! let y = &x * 3.0 - 1.0;
//! let mut vs = VarStore::new(Device::Cpu);
//! let model = nn::linear(vs.root(), 1, 1, Default::default());
//! let mut sgd = TchOptimizer::new(&vs, nn::Sgd { momentum: 0.95, ..Default::default() }, 0.01)?;
//!
//! let cycle = Cycle::new(20, 4)?; // 20 epochs of 4 batches
//! let schedule = KerasOneCycle::builder((0.02, 0.1), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let mse = |i: i64, n: i64| model.forward(&x.narrow(0, i, n)).mse_loss(&y.narrow(0, i, n), tch::Reduction::Mean);
//! let outcome = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .validation(|_, _epoch| Ok(mse(0, 32).f_double_value(&[])?))
//!     .run(&mut vs, &mut sgd, |_, batch| Ok(mse(8 * batch.index as i64, 8)))?;
//! assert_eq!(outcome.history.len(), 20);
//! let val = outcome.history.get("val_loss").unwrap();
//! assert!(val[19] < val[0]);
//! # Ok::<(), clr_tch::Error>(())
//! ```

use std::path::Path;

use clr_core::Hypers;
use clr_train::{Adapter, AdapterError, Backprop, NoValidation};
use tch::nn::VarStore;
use tch::Tensor;

use crate::error::Error;
use crate::optim::{Tch, TchStep};
use crate::snapshot::VarStoreSnapshot;

/// A training run under a schedule on a tch model: `clr-train`'s
/// [`Fit`](clr_train::Fit) with this crate's [`Tch`] marker. `run(&mut vs,
/// &mut optimizer, step)` takes any [`TchStep`]; the gradients are cleared
/// before each backward pass, and the validation closure runs under
/// `tch::no_grad`. The schedule may be `f32` or `f64` (`F`).
///
/// tch cannot read a libtorch optimizer's state: a checkpoint of a
/// [`TchOptimizer`](crate::TchOptimizer) that has moments or momentum
/// buffers (any Adam, AdamW or RMSprop that stepped; SGD once it stepped
/// with a momentum) is an [`AdapterError::StateUnreadable`]. Plain SGD
/// checkpoints and resumes bit-identically.
pub type Fit<S, N = S, V = NoValidation, F = f64> = clr_train::Fit<Tch, S, N, V, F>;

/// The learning-rate range test on a tch model: `clr-train`'s
/// [`RangeTestRunner`](clr_train::RangeTestRunner) with this crate's
/// [`Tch`] marker.
///
/// `run(&mut vs, &mut optimizer)` takes any [`TchStep`] with an
/// [`OptimizerState`](clr_train::OptimizerState): every variable of the [`VarStore`] is put back bit
/// for bit, and the optimizer rebuilt with its learning rate, momentum and
/// weight decay per group (gradients cleared), after each sweep, at the end
/// and when a closure or libtorch fails midway. tch cannot save an
/// optimizer's moments, so every sweep starts from the same model and a
/// fresh optimizer. The validation closure runs under `tch::no_grad` (put
/// the model in eval mode yourself if it has dropout or batch norm).
///
/// A sweep for each weight decay of a grid, judged on a validation loss
/// (fastai's `lr_find` with the Keras package's `wd_list` and `batches_per_val`):
///
/// ```
/// use clr_core::RangeTestConfig;
/// use clr_tch::{RangeTestRunner, TchOptimizer, VarStoreSnapshot};
/// use tch::nn::{self, Module, VarStore};
/// use tch::{Device, Kind, Reduction, Tensor};
///
/// tch::manual_seed(0);
/// let x = Tensor::arange(48, (Kind::Float, Device::Cpu)).reshape([48, 1]) / 48.0;
/// let y = &x * 3.0 - 1.0;
/// let mut vs = VarStore::new(Device::Cpu);
/// let model = nn::linear(vs.root(), 1, 1, Default::default());
/// let mut adam = TchOptimizer::new(&vs, nn::AdamW::default(), 1e-3)?;
/// let untouched = VarStoreSnapshot::take(&vs)?;
///
/// // Train on the first 32 points, 4 batches of 8; validate on the last 16.
/// let config = RangeTestConfig {
///     lr_range: (1e-4, 1.0),
///     steps: 30,
///     batches_per_step: 1,
///     wd_list: vec![0.0, 1e-2],
///     validation_batches: Some(1),
///     ..Default::default()
/// };
/// let outcome = RangeTestRunner::new(config, |_, i| {
///     let from = 8 * (i % 4) as i64;
///     Ok(model.forward(&x.narrow(0, from, 8)).mse_loss(&y.narrow(0, from, 8), Reduction::Mean))
/// })
/// .validation(|_, _batches| {
///     let loss = model.forward(&x.narrow(0, 32, 16)).mse_loss(&y.narrow(0, 32, 16), Reduction::Mean);
///     Ok(loss.f_double_value(&[])?)
/// })
/// .quiet(true)
/// .run(&mut vs, &mut adam)?;
///
/// assert_eq!(outcome.result.sweeps.len(), 2); // one per weight decay
/// assert!(outcome.best_sweep().is_some());
/// assert!(untouched.is_identical(&vs)?); // the weights are as they were
/// # Ok::<(), clr_tch::Error>(())
/// ```
pub type RangeTestRunner<T, V = NoValidation> = clr_train::RangeTestRunner<Tch, T, V>;

impl Adapter for Tch {
    type Model = VarStore;
    type Loss = Tensor;
    type Snapshot = VarStoreSnapshot;
    type Error = Error;

    fn loss_value(loss: &Tensor) -> Result<f64, Error> {
        if !loss.defined() {
            return Err(AdapterError::LossShape { shape: Vec::new() }.into());
        }
        let shape = loss.size();
        if shape.iter().product::<i64>() != 1 {
            return Err(AdapterError::LossShape {
                // libtorch's sizes are never negative.
                shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
            }
            .into());
        }
        Ok(loss.f_double_value(&[])?)
    }

    fn snapshot(vs: &VarStore) -> Result<VarStoreSnapshot, Error> {
        VarStoreSnapshot::take(vs)
    }

    fn restore(snapshot: &VarStoreSnapshot, vs: &mut VarStore) -> Result<(), Error> {
        snapshot.restore(vs)
    }

    /// libtorch records a graph on every operation unless told not to.
    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        tch::no_grad(evaluate)
    }

    fn weights_finite(vs: &VarStore) -> Result<bool, Error> {
        let variables = vs.variables_.lock().map_err(|_| Error::Poisoned)?;
        let _no_grad = tch::no_grad_guard();
        for var in variables.named_variables.values() {
            if var.f_isfinite()?.f_all()?.f_int64_value(&[])? == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn save_weights(vs: &VarStore, path: &Path) -> Result<(), Error> {
        VarStoreSnapshot::take(vs)?.save(path)
    }

    fn load_weights(vs: &mut VarStore, path: &Path) -> Result<(), Error> {
        VarStoreSnapshot::load(path, vs.device())?.restore(vs)
    }
}

impl<O: TchStep + ?Sized> Backprop<O> for Tch {
    type Marker = ();
    /// libtorch keeps the gradients in the parameters.
    type Grads = ();

    /// Clears the gradients before the first micro-batch of a step
    /// (libtorch adds each backward pass to them), then back-propagates.
    fn backward(
        _vs: &VarStore,
        optimizer: &mut O,
        loss: Tensor,
        micro_batches: u64,
        pending: Option<()>,
    ) -> Result<(), Error> {
        if pending.is_none() {
            optimizer.zero_grad()?;
        }
        if micro_batches == 1 {
            loss.f_backward()?;
        } else {
            // Gradients of the mean over the accumulation group.
            loss.f_div_scalar(micro_batches as f64)?.f_backward()?;
        }
        Ok(())
    }

    fn step(_vs: &mut VarStore, optimizer: &mut O, _grads: ()) -> Result<(), Error> {
        optimizer.optimizer_step()
    }

    fn save_optimizer(vs: &VarStore, optimizer: &O, path: &Path) -> Result<(), Error> {
        let tensors = optimizer.state_tensors(vs)?;
        Ok(Tensor::write_safetensors(&tensors, path)?)
    }

    fn check_saveable(vs: &VarStore, optimizer: &O, first: &Hypers<f64>) -> Result<(), Error> {
        optimizer.check_saveable(vs, first)
    }

    fn load_optimizer(vs: &VarStore, optimizer: &mut O, path: &Path) -> Result<(), Error> {
        let tensors = Tensor::read_safetensors(path)?;
        optimizer.load_state_tensors(vs, tensors)
    }
}
