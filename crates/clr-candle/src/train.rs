//! Candle in `clr-train`'s terms: the [`Candle`] marker implements
//! [`Adapter`] (a [`VarMap`] is the model, a one-element [`Tensor`] the
//! loss, a [`VarMapSnapshot`] its copy) and [`Backprop`]
//! (`loss.backward()`, gradient accumulation, any [`CandleStep`], its state
//! in checkpoints), so that [`Fit`] and [`RangeTestRunner`] train Candle
//! models.
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
//! let mut varmap = VarMap::new();
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
//! let outcome = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .validation(|_, _epoch| Ok(mse(0, 32)?.to_scalar::<f32>()? as f64))
//!     .run(&mut varmap, &mut sgd, |_, batch| Ok(mse(8 * batch.index as usize, 8)?))?;
//! assert_eq!(outcome.history.len(), 20);
//! let val = outcome.history.get("val_loss").unwrap();
//! assert!(val[19] < val[0]);
//! # Ok::<(), clr_candle::Error>(())
//! ```

use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{DType, Tensor, Var};
use candle_nn::VarMap;
use clr_core::Hypers;
use clr_train::{Adapter, AdapterError, Backprop, NoValidation};

use crate::checkpoint::{self, VarNames};
use crate::error::Error;
use crate::optim::{Candle, CandleStep};
use crate::snapshot::VarMapSnapshot;

/// A training run under a schedule on a Candle model: `clr-train`'s
/// [`Fit`](clr_train::Fit) with this crate's [`Candle`] marker. `run(&mut
/// varmap, &mut optimizer, step)` takes any [`CandleStep`]; the schedule
/// may be `f32` or `f64` (`F`).
pub type Fit<S, N = S, V = NoValidation, F = f64> = clr_train::Fit<Candle, S, N, V, F>;

/// The learning-rate range test on a Candle model: `clr-train`'s
/// [`RangeTestRunner`](clr_train::RangeTestRunner) with this crate's
/// [`Candle`] marker. `run(&mut varmap, &mut optimizer)` takes any
/// [`CandleStep`] with an [`OptimizerState`](clr_train::OptimizerState):
/// that state (the learning rate and weight decay included) and every
/// variable of the [`VarMap`] (batch norm's running statistics too) are put
/// back bit for bit after each sweep, at the end and when a closure or
/// Candle fails midway; see the [crate docs](crate) for an example.
pub type RangeTestRunner<T, V = NoValidation> = clr_train::RangeTestRunner<Candle, T, V>;

impl Adapter for Candle {
    type Model = VarMap;
    type Loss = Tensor;
    type Snapshot = VarMapSnapshot;
    type Error = Error;

    fn loss_value(loss: &Tensor) -> Result<f64, Error> {
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

    fn snapshot(varmap: &VarMap) -> Result<VarMapSnapshot, Error> {
        VarMapSnapshot::take(varmap)
    }

    fn restore(snapshot: &VarMapSnapshot, varmap: &mut VarMap) -> Result<(), Error> {
        snapshot.restore(varmap)
    }

    /// `0 · x` is 0 for a finite `x` and NaN otherwise: one sum per variable.
    fn weights_finite(varmap: &VarMap) -> Result<bool, Error> {
        for var in checkpoint::vars(varmap)? {
            if !var.dtype().is_float() {
                continue;
            }
            let zeros = var.as_detached_tensor().affine(0.0, 0.0)?;
            let zeros = zeros.sum_all()?.to_dtype(DType::F64)?;
            if !zeros.to_scalar::<f64>()?.is_finite() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn save_weights(varmap: &VarMap, path: &Path) -> Result<(), Error> {
        VarMapSnapshot::take(varmap)?.save(path)
    }

    fn load_weights(varmap: &mut VarMap, path: &Path) -> Result<(), Error> {
        VarMapSnapshot::load(path, &checkpoint::device(varmap)?)?.restore(varmap)
    }
}

impl<O: CandleStep + ?Sized> Backprop<O> for Candle {
    type Marker = Candle;
    type Grads = GradStore;

    fn backward(
        varmap: &VarMap,
        _optimizer: &mut O,
        loss: Tensor,
        micro_batches: u64,
        pending: Option<GradStore>,
    ) -> Result<GradStore, Error> {
        let grads = loss.backward()?;
        if micro_batches == 1 && pending.is_none() {
            return Ok(grads);
        }
        accumulate(&checkpoint::vars(varmap)?, grads, micro_batches, pending)
    }

    fn step(_varmap: &mut VarMap, optimizer: &mut O, grads: GradStore) -> Result<(), Error> {
        optimizer.optimizer_step(&grads)
    }

    fn save_optimizer(varmap: &VarMap, optimizer: &O, path: &Path) -> Result<(), Error> {
        let mut tensors = Vec::new();
        optimizer.state_tensors(&VarNames::of(varmap)?, "", &mut tensors)?;
        checkpoint::write(path, tensors)
    }

    /// What [`save_optimizer`](Backprop::save_optimizer) does, without the
    /// file: an optimizer whose state is private (candle-nn's `AdamW`)
    /// refuses now.
    fn check_saveable(varmap: &VarMap, optimizer: &O, _first: &Hypers<f64>) -> Result<(), Error> {
        optimizer.state_tensors(&VarNames::of(varmap)?, "", &mut Vec::new())
    }

    fn load_optimizer(varmap: &VarMap, optimizer: &mut O, path: &Path) -> Result<(), Error> {
        let mut tensors = checkpoint::read(path, &checkpoint::device(varmap)?)?;
        optimizer.load_state_tensors(&VarNames::of(varmap)?, "", &mut tensors)?;
        if tensors.is_empty() {
            return Ok(());
        }
        Err(Error::from(AdapterError::StateMismatch {
            optimizer: optimizer.name(),
            reason: "the file holds state for variables or groups this optimizer does not have",
        }))
    }
}

/// Gradients of the mean over micro-batches: `grads / micro_batches` added
/// to `pending` (the first micro-batch's store becomes the sum: `GradStore`
/// has no public constructor).
fn accumulate(
    vars: &[Var],
    mut grads: GradStore,
    micro_batches: u64,
    pending: Option<GradStore>,
) -> Result<GradStore, Error> {
    let scale = 1.0 / micro_batches as f64;
    let Some(mut sum) = pending else {
        for var in vars {
            if let Some(g) = grads.remove(var) {
                grads.insert(var, (g * scale)?);
            }
        }
        return Ok(grads);
    };
    for var in vars {
        let Some(g) = grads.get(var) else { continue };
        let g = (g * scale)?;
        let total = match sum.get(var) {
            Some(old) => (old + g)?,
            None => g,
        };
        sum.insert(var, total);
    }
    Ok(sum)
}
