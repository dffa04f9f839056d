//! [`Fit`]: a training loop over epochs and batches driven by the core
//! [`Scheduler`](clr_core::Scheduler): it sets each batch's hyper-parameters on the optimizer,
//! calls your step closure for the loss, back-propagates and steps, records
//! loss and metrics, validates after every epoch, stops at the end of the
//! cycle, and returns the per-epoch [`History`].
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
//! let vs = VarStore::new(Device::Cpu);
//! let model = nn::linear(vs.root(), 1, 1, Default::default());
//! let mut sgd = TchOptimizer::new(&vs, nn::Sgd { momentum: 0.95, ..Default::default() }, 0.01)?;
//!
//! let cycle = Cycle::new(20, 4)?; // 20 epochs of 4 batches
//! let schedule = KerasOneCycle::builder((0.02, 0.1), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let mse = |i: i64, n: i64| model.forward(&x.narrow(0, i, n)).mse_loss(&y.narrow(0, i, n), tch::Reduction::Mean);
//! let history = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .validation(|_epoch| Ok(mse(0, 32).f_double_value(&[])?))
//!     .run(&mut sgd, |batch| Ok(mse(8 * batch.index as i64, 8)))?;
//! assert_eq!(history.len(), 20);
//! let val = history.get("val_loss").unwrap();
//! assert!(val[19] < val[0]);
//! # Ok::<(), clr_tch::Error>(())
//! ```

use clr_core::train::{self, Adapter, AdapterError, Backprop};
use clr_viz::History;
use tch::Tensor;

use crate::error::Error;
use crate::optim::{Tch, TchStep};

/// The batch the step closure is asked to train: its epoch, its index in
/// the epoch, the iteration and the hyper-parameters already set (the
/// core's [`Batch`](clr_core::train::Batch)).
pub type Batch = train::Batch<f64>;

/// What the step closure returns: the batch's loss (a tensor with one
/// element, whose gradients step the optimizer) and named metrics (the
/// core's [`StepOutput`](clr_core::train::StepOutput)). A bare [`Tensor`]
/// converts into one.
pub type StepOutput = train::StepOutput<Tensor>;

/// What the validation closure returns: the validation loss and named
/// metrics (logged as `val_loss` and `val_<name>`), the core's
/// [`Evaluation`](clr_core::train::Evaluation). A bare `f64` converts into
/// one.
pub type Evaluation = train::Evaluation<f64>;

/// The validation closure's type when there is none.
pub type NoValidation = train::NoValidation<Tch>;

/// A training run under a schedule: the core's
/// [`Fit`](clr_core::train::Fit) on libtorch; see the [module docs](self).
///
/// The step closure gets the [`Batch`] to train and returns its loss (or a
/// [`StepOutput`] with metrics); `Fit` has cleared the gradients before
/// calling it, and then back-propagates the loss and steps the optimizer
/// (any [`TchStep`]). The validation closure, if any, gets the epoch and
/// returns the validation loss (or an [`Evaluation`]); it runs under
/// `tch::no_grad`.
pub type Fit<S, N = S, V = NoValidation> = train::Fit<Tch, S, N, V>;

/// The value of a loss tensor with exactly one element.
pub fn loss_value(loss: &Tensor) -> Result<f64, Error> {
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

impl Adapter for Tch {
    type Error = Error;
    type Loss = Tensor;
    type History = History;

    fn loss_value(loss: &Tensor) -> Result<f64, Error> {
        loss_value(loss)
    }

    /// libtorch records a graph on every operation unless told not to.
    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        tch::no_grad(evaluate)
    }
}

impl<O: TchStep + ?Sized> Backprop<O> for Tch {
    type Marker = ();

    /// libtorch accumulates gradients in the parameters across backward
    /// passes.
    fn begin_step(optimizer: &mut O) -> Result<(), Error> {
        optimizer.zero_grad()
    }

    fn backward_step(optimizer: &mut O, loss: &Tensor) -> Result<(), Error> {
        loss.f_backward()?;
        optimizer.optimizer_step()
    }
}
