//! [`Fit`]: a training loop over epochs and batches driven by the core
//! [`Scheduler`](clr_core::Scheduler): it sets each batch's hyper-parameters on the optimizer,
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

use candle_core::{DType, Tensor};
use clr_core::train::{self, Adapter, AdapterError, Backprop};
use clr_viz::History;

use crate::error::Error;
use crate::optim::{Candle, CandleStep};

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
pub type NoValidation = train::NoValidation<Candle>;

/// A training run under a schedule: the core's
/// [`Fit`](clr_core::train::Fit) on Candle; see the [module docs](self).
///
/// The step closure gets the [`Batch`] to train and returns its loss (or a
/// [`StepOutput`] with metrics); `Fit` then runs `loss.backward()` and steps
/// the optimizer (any [`CandleStep`]). The validation closure, if any, gets
/// the epoch and returns the validation loss (or an [`Evaluation`]).
pub type Fit<S, N = S, V = NoValidation> = train::Fit<Candle, S, N, V>;

/// The value of a loss tensor with exactly one element.
pub fn loss_value(loss: &Tensor) -> Result<f64, Error> {
    if loss.elem_count() != 1 {
        return Err(AdapterError::LossShape {
            shape: loss.dims().to_vec(),
        }
        .into());
    }
    let v = loss.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    v.first().copied().ok_or_else(|| {
        AdapterError::LossShape {
            shape: loss.dims().to_vec(),
        }
        .into()
    })
}

impl Adapter for Candle {
    type Error = Error;
    type Loss = Tensor;
    type History = History;

    fn loss_value(loss: &Tensor) -> Result<f64, Error> {
        loss_value(loss)
    }
}

impl<O: CandleStep + ?Sized> Backprop<O> for Candle {
    type Marker = Candle;

    fn backward_step(optimizer: &mut O, loss: &Tensor) -> Result<(), Error> {
        let grads = loss.backward()?;
        optimizer.optimizer_step(&grads)
    }
}
