//! burn in `clr-train`'s terms: [`Burn<M>`](Burn) implements [`Adapter`]
//! (a burn module `M` is the model, a one-element `Tensor<1>` the loss, a
//! [`ModuleSnapshot`] its copy, burnpack records its files) and
//! [`Backprop`] for this crate's optimizers (`loss.backward()`, gradient
//! accumulation, `model = optimizer.step(model, grads)`, their records in
//! checkpoints), so that [`Fit`] and [`RangeTestRunner`] train burn models.
//!
//! ```
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Tensor};
//! use clr_burn::{Fit, MomentumSgd, SgdParams};
//! use clr_core::{Cycle, KerasOneCycle};
//!
//! // y = 3x - 1 at 32 points of [0, 1), shuffled: 4 batches of 8.
//! let device = Device::default().autodiff();
//! let xs: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 / 32.0).collect();
//! let x = Tensor::<1>::from_floats(xs.as_slice(), &device).reshape([32, 1]);
//! let y = x.clone().mul_scalar(3.0).sub_scalar(1.0);
//! let mut model: Linear = LinearConfig::new(1, 1).init(&device);
//! let mut sgd = MomentumSgd::new(SgdParams { momentum: 0.95, ..SgdParams::default() })?;
//!
//! let cycle = Cycle::new(20, 4)?; // 20 epochs of 4 batches
//! let schedule = KerasOneCycle::builder((0.02, 0.1), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! // A burn step returns a new module: the closures get the current one.
//! let mse = |model: &Linear, i: usize, n: usize| {
//!     let pred = model.forward(x.clone().narrow(0, i, n));
//!     (pred - y.clone().narrow(0, i, n)).square().mean()
//! };
//! let outcome = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .validation(|model: &Linear, _epoch| Ok(mse(model, 0, 32).into_scalar::<f64>()))
//!     .run(&mut model, &mut sgd, |model, batch| Ok(mse(model, 8 * batch.index as usize, 8)))?;
//! let val = outcome.history.get("val_loss").unwrap();
//! assert!(val[19] < val[0] / 10.0);
//! # Ok::<(), clr_burn::Error>(())
//! ```

use std::path::Path;

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams, OptimizerRecord};
use burn::store::ModuleRecord;
use burn::tensor::Tensor;
use clr_train::{Adapter, AdapterError, Backprop, NoValidation, OptimizerState};

use crate::error::Error;
use crate::marker::Burn;
use crate::module_snapshot::{all_finite, floats, ModuleSnapshot};
use crate::params::Params;
use crate::scheduled::Scheduled;
use crate::snapshot::Snapshot;

/// A training run under a schedule on a burn module of type `M`:
/// `clr-train`'s [`Fit`](clr_train::Fit) with the [`Burn<M>`](Burn)
/// adapter. `run(&mut model, &mut optimizer, step)` takes a
/// [`MomentumSgd`](crate::MomentumSgd) or a
/// [`ScheduledAdamW`](crate::ScheduledAdamW), sets the schedule's learning
/// rate, momentum (beta1) and weight decay on it before every step, and
/// replaces `model` with the module each step returns; the closures get the
/// current module (annotate its type where the compiler asks: `|model:
/// &Mlp, batch|`). The schedule may be `f32` or `f64` (`F`).
///
/// There is no gradient switch in burn: a validation closure evaluates
/// `model.valid()` (inference: no autodiff, batch norm on its running
/// statistics). Checkpoints hold burn's own records (burnpack files): the
/// module's, keyed by parameter path, with the parameters' ids, and the
/// optimizer's, keyed by those ids; a run resumed from one ends with the
/// weights of the uninterrupted run, bit for bit.
pub type Fit<M, S, N = S, V = NoValidation, F = f64> = clr_train::Fit<Burn<M>, S, N, V, F>;

/// The learning-rate range test on a burn module of type `M`:
/// `clr-train`'s [`RangeTestRunner`](clr_train::RangeTestRunner) with the
/// [`Burn<M>`](Burn) adapter. `run(&mut model, &mut optimizer)` puts the
/// module back (a [`ModuleSnapshot`]: parameters and running statistics,
/// bit for bit) and the optimizer's state (its [`Snapshot`]: moments,
/// momentum buffers, every group's hyper-parameters) after each sweep, at
/// the end and when a closure or burn fails midway, NaN weights or not.
pub type RangeTestRunner<M, T, V = NoValidation> = clr_train::RangeTestRunner<Burn<M>, T, V>;

impl<M: Module> Adapter for Burn<M> {
    type Model = M;
    type Loss = Tensor<1>;
    type Snapshot = ModuleSnapshot<M>;
    type Error = Error;

    /// burn's own record format.
    const FILE_EXTENSION: &'static str = "bpk";

    fn loss_value(loss: &Tensor<1>) -> Result<f64, Error> {
        let shape = loss.dims().to_vec();
        if shape.iter().product::<usize>() != 1 {
            return Err(AdapterError::LossShape { shape }.into());
        }
        Ok(loss.clone().try_into_scalar::<f64>()?)
    }

    fn snapshot(model: &M) -> Result<ModuleSnapshot<M>, Error> {
        Ok(ModuleSnapshot::take(model))
    }

    /// Replaces `model` with the snapshot's module (the module type fixes
    /// its parameters: there is nothing that could not fit).
    fn restore(snapshot: &ModuleSnapshot<M>, model: &mut M) -> Result<(), Error> {
        *model = snapshot.restore();
        Ok(())
    }

    fn weights_finite(model: &M) -> Result<bool, Error> {
        all_finite(model)
    }

    /// burn's record of the module in validation form (its running
    /// statistics up to date): every float tensor by path, with its id.
    fn save_weights(model: &M, path: &Path) -> Result<(), Error> {
        model.valid().into_record().save(path).map_err(file(path))
    }

    /// Loads burn's record from `path`, refusing a file that lacks a
    /// parameter, holds one the module does not have, or one of another
    /// shape or float type; the parameters take the record's ids, which
    /// the optimizer's record is keyed by.
    fn load_weights(model: &mut M, path: &Path) -> Result<(), Error> {
        let record = ModuleRecord::load(path).map_err(file(path))?;
        let current = model.valid();
        let loaded = current
            .clone()
            .try_load_record(record)
            .map_err(file(path))?;
        for (now, new) in floats(&current).into_iter().zip(floats(&loaded)) {
            if now.values.dtype() != new.values.dtype() {
                return Err(AdapterError::Checkpoint {
                    path: path.to_path_buf(),
                    reason: format!(
                        "`{}` is {:?} there and {:?} in the module",
                        now.path,
                        new.values.dtype(),
                        now.values.dtype()
                    ),
                }
                .into());
            }
        }
        *model = loaded.train();
        Ok(())
    }
}

impl<M: Module, P: Params> Backprop<Scheduled<P>> for Burn<M> {
    type Marker = Burn;
    type Grads = GradientsParams;

    /// `loss.backward()` (of `loss / micro_batches`), the module's
    /// gradients added to `pending`'s.
    fn backward(
        model: &M,
        _optimizer: &mut Scheduled<P>,
        loss: Tensor<1>,
        micro_batches: u64,
        pending: Option<GradientsParams>,
    ) -> Result<GradientsParams, Error> {
        if !loss.is_tracked() {
            return Err(Error::Untracked);
        }
        let loss = match micro_batches {
            1 => loss,
            n => loss.div_scalar(n as f64),
        };
        let grads = GradientsParams::from_grads(loss.backward(), model);
        let Some(pending) = pending else {
            return Ok(grads);
        };
        let mut sum = GradientsAccumulator::new();
        sum.accumulate(model, pending);
        sum.accumulate(model, grads);
        Ok(sum.grads())
    }

    fn step(
        model: &mut M,
        optimizer: &mut Scheduled<P>,
        grads: GradientsParams,
    ) -> Result<(), Error> {
        // burn's step takes the module by value and updates a tensor in
        // place only when nothing else holds it, so a clone would make every
        // update allocate. Moving the module out leaves nothing to put back
        // if burn panicked midway; it panics only on gradients of another
        // module, which `backward` never gives, so the process aborts then.
        replace_with::replace_with_or_abort(model, |model| optimizer.step(model, grads));
        Ok(())
    }

    /// burn's optimizer record: each parameter's state keyed by its id
    /// (and path), which the weights' record ties to its name.
    fn save_optimizer(_model: &M, optimizer: &Scheduled<P>, path: &Path) -> Result<(), Error> {
        optimizer.to_record().save(path).map_err(file(path))
    }

    fn load_optimizer(_model: &M, optimizer: &mut Scheduled<P>, path: &Path) -> Result<(), Error> {
        let record = OptimizerRecord::load(path).map_err(file(path))?;
        optimizer.try_load_record(record)
    }
}

/// A [`Snapshot`] of the optimizer's state and hyper-parameters, put back
/// bit for bit.
impl<P: Params> OptimizerState<Burn> for Scheduled<P> {
    type State = Snapshot<P>;

    fn save_state(&self) -> Result<Snapshot<P>, Error> {
        Ok(self.snapshot())
    }

    fn load_state(&mut self, state: &Snapshot<P>) -> Result<(), Error> {
        self.restore(state)
    }
}

/// The [`Error::File`] of burn's failure on `path`.
fn file(path: &Path) -> impl Fn(burn::store::RecordError) -> Error + '_ {
    move |source| Error::File {
        path: path.to_path_buf(),
        source,
    }
}
