//! [`MomentumSgd`]: PyTorch's `torch.optim.SGD` on candle-core, with
//! momentum, dampening, Nesterov momentum and weight decay, all of which may
//! change between steps (candle-nn's `SGD` has none of them).
//!
//! The update is PyTorch's, step for step (`_single_tensor_sgd`):
//!
//! ```text
//! g = grad + weight_decay * p                  (when weight_decay != 0)
//! if momentum != 0:
//!     buf = g                                  (first step with momentum)
//!     buf = momentum * buf + (1 - dampening) * g   (afterwards)
//!     g = g + momentum * buf   if nesterov   else   g = buf
//! p = p - lr * g
//! ```
//!
//! A variable without a gradient is skipped, buffer included. While the
//! momentum is scheduled to 0 the buffers are neither used nor updated, and
//! they are used again, as they were, once it is not 0: what PyTorch does.
//!
//! ```
//! use candle_core::{DType, Device, Tensor, Var};
//! use clr_candle::{MomentumSgd, SgdParams};
//!
//! let w = Var::new(&[1.0_f64, -2.0], &Device::Cpu)?;
//! let params = SgdParams { lr: 0.1, momentum: 0.9, ..SgdParams::default() };
//! let mut sgd = MomentumSgd::new(vec![w.clone()], params)?;
//! for _ in 0..3 {
//!     let loss = w.as_tensor().sqr()?.sum_all()?; // gradient 2w
//!     sgd.step(&loss.backward()?)?;
//! }
//! assert!(w.as_tensor().abs()?.sum_all()?.to_scalar::<f64>()? < 3.0);
//! # Ok::<(), clr_candle::Error>(())
//! ```

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use clr_train::AdapterError;
pub use clr_train::SgdParams;

use crate::checkpoint::VarNames;
use crate::error::Error;

const NAME: &str = "MomentumSgd";

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum
/// and weight decay: `torch.optim.SGD`'s update on candle-core; see the
/// [module docs](self).
///
/// It is also a [`candle_nn::Optimizer`] (its `Config` is [`SgdParams`]).
#[derive(Debug)]
pub struct MomentumSgd {
    vars: Vec<Var>,
    buffers: Vec<Option<Tensor>>,
    params: SgdParams,
}

/// A copy of everything [`MomentumSgd`] keeps between steps: its
/// hyper-parameters and momentum buffers.
#[derive(Debug, Clone)]
pub struct SgdState {
    /// The hyper-parameters.
    pub params: SgdParams,
    /// One momentum buffer per variable, `None` before its first step with momentum.
    pub buffers: Vec<Option<Tensor>>,
}

impl MomentumSgd {
    /// An optimizer over the floating-point variables among `vars`.
    pub fn new(vars: Vec<Var>, params: SgdParams) -> Result<Self, Error> {
        params.validate(NAME)?;
        let vars: Vec<Var> = vars.into_iter().filter(|v| v.dtype().is_float()).collect();
        let buffers = vec![None; vars.len()];
        Ok(MomentumSgd {
            vars,
            buffers,
            params,
        })
    }

    /// The hyper-parameters.
    pub fn params(&self) -> &SgdParams {
        &self.params
    }

    /// Replaces the hyper-parameters (checked first; on error nothing changes).
    pub fn set_params(&mut self, params: SgdParams) -> Result<(), Error> {
        params.validate(NAME)?;
        self.params = params;
        Ok(())
    }

    /// The variables it updates.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// The momentum buffers, one per variable (`None` until first used).
    pub fn momentum_buffers(&self) -> &[Option<Tensor>] {
        &self.buffers
    }

    /// The variables, giving the optimizer up.
    pub fn into_inner(self) -> Vec<Var> {
        self.vars
    }

    /// A copy of the hyper-parameters and momentum buffers.
    pub fn state(&self) -> Result<SgdState, Error> {
        let buffers = self
            .buffers
            .iter()
            .map(|b| b.as_ref().map(Tensor::copy).transpose())
            .collect::<Result<_, _>>()?;
        Ok(SgdState {
            params: self.params,
            buffers,
        })
    }

    /// Puts back a state taken with [`state`](Self::state) from this
    /// optimizer (same variables, same shapes).
    pub fn load_state(&mut self, state: &SgdState) -> Result<(), Error> {
        state.params.validate(NAME)?;
        if state.buffers.len() != self.vars.len() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: NAME,
                reason:
                    "it holds another number of momentum buffers than this optimizer has variables",
            }));
        }
        for (buffer, var) in state.buffers.iter().zip(&self.vars) {
            if let Some(b) = buffer {
                if b.shape() != var.shape() || b.dtype() != var.dtype() {
                    return Err(Error::from(AdapterError::StateMismatch {
                        optimizer: NAME,
                        reason: "a momentum buffer's shape or type differs from its variable's",
                    }));
                }
            }
        }
        self.buffers = state
            .buffers
            .iter()
            .map(|b| b.as_ref().map(Tensor::copy).transpose())
            .collect::<Result<_, _>>()?;
        self.params = state.params;
        Ok(())
    }

    /// Appends the momentum buffers to `out` as
    /// `<prefix>momentum_buffer.<variable's name>` (a variable without one
    /// yet has none), for checkpoints.
    pub(crate) fn buffer_tensors(
        &self,
        names: &VarNames,
        prefix: &str,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        for (var, buffer) in self.vars.iter().zip(&self.buffers) {
            let name = names.name(var, NAME)?;
            if let Some(buffer) = buffer {
                out.push((format!("{prefix}momentum_buffer.{name}"), buffer.copy()?));
            }
        }
        Ok(())
    }

    /// Takes the buffers [`buffer_tensors`](Self::buffer_tensors) wrote out
    /// of `tensors` (a variable without one has none); all are checked
    /// against their variables before any is set.
    pub(crate) fn load_buffer_tensors(
        &mut self,
        names: &VarNames,
        prefix: &str,
        tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        let mut buffers = Vec::with_capacity(self.vars.len());
        for var in &self.vars {
            let key = format!("{prefix}momentum_buffer.{}", names.name(var, NAME)?);
            let buffer = tensors.remove(&key);
            if let Some(b) = &buffer {
                if b.shape() != var.shape() || b.dtype() != var.dtype() {
                    return Err(Error::from(AdapterError::StateMismatch {
                        optimizer: NAME,
                        reason: "a momentum buffer's shape or type differs from its variable's",
                    }));
                }
            }
            buffers.push(buffer);
        }
        self.buffers = buffers;
        Ok(())
    }

    /// One update with the gradients in `grads`; see the [module docs](self).
    pub fn step(&mut self, grads: &GradStore) -> Result<(), Error> {
        let SgdParams {
            lr,
            momentum,
            dampening,
            nesterov,
            weight_decay,
        } = self.params;
        for (var, buffer) in self.vars.iter().zip(self.buffers.iter_mut()) {
            let Some(grad) = grads.get(var) else {
                continue;
            };
            // Detached: the update must not extend the autograd graph.
            let p = var.as_detached_tensor();
            let mut g = grad.detach();
            if weight_decay != 0.0 {
                g = (g + (&p * weight_decay)?)?;
            }
            if momentum != 0.0 {
                let buf = match buffer.as_ref() {
                    None => g.copy()?,
                    Some(buf) => ((buf * momentum)? + (&g * (1.0 - dampening))?)?,
                };
                g = if nesterov {
                    (&g + (&buf * momentum)?)?
                } else {
                    buf.clone()
                };
                *buffer = Some(buf);
            }
            var.set(&(p - (g * lr)?)?)?;
        }
        Ok(())
    }
}

impl candle_nn::Optimizer for MomentumSgd {
    type Config = SgdParams;

    fn new(vars: Vec<Var>, config: SgdParams) -> candle_core::Result<Self> {
        MomentumSgd::new(vars, config).map_err(candle_core::Error::wrap)
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        MomentumSgd::step(self, grads).map_err(|e| match e {
            Error::Candle(e) => e,
            other => candle_core::Error::wrap(other),
        })
    }

    fn learning_rate(&self) -> f64 {
        self.params.lr
    }

    /// Sets the learning rate as given (the trait cannot report an error; a
    /// negative or non-finite rate is refused by [`MomentumSgd::set_params`]
    /// and [`ScheduledOptimizer::apply`](crate::ScheduledOptimizer::apply)).
    fn set_learning_rate(&mut self, lr: f64) {
        self.params.lr = lr;
    }
}
