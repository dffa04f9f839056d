//! [`SgdParams`]' checks and the update rule of [`MomentumSgd`](crate::MomentumSgd):
//! `torch.optim.SGD` on burn, with momentum, dampening, Nesterov momentum and
//! weight decay that may all change between steps (burn's `Sgd` fixes its
//! momentum when it is built).
//!
//! The update is PyTorch's, operation for operation (`_single_tensor_sgd`):
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
//! A parameter without a gradient is skipped, buffer included (burn's
//! `ModuleOptimizer` does not call the rule for it). While the momentum is
//! scheduled to 0 the buffers are neither used nor updated, and they are
//! used again, as they were, once it is not 0: what PyTorch does.

use burn::optim::LearningRate;
use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use clr_core::Hypers;
use clr_train::SgdParams;

use crate::error::Error;
use crate::params::{sealed, Params, Shared};
use crate::state;

const NAME: &str = "clr_burn::MomentumSgd";

impl Params for SgdParams {
    const OPTIMIZER: &'static str = NAME;

    fn validate(&self, group: usize) -> Result<(), Error> {
        SgdParams::validate(self, NAME).map_err(|e| e.in_group(group).into())
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn hypers(&self) -> Hypers<f64> {
        Hypers {
            lr: self.lr,
            momentum: Some(self.momentum),
            weight_decay: Some(self.weight_decay),
        }
    }

    fn with_hypers(self, h: &Hypers<f64>) -> Self {
        SgdParams {
            lr: h.lr,
            momentum: h.momentum.unwrap_or(self.momentum),
            weight_decay: h.weight_decay.unwrap_or(self.weight_decay),
            ..self
        }
    }
}

impl sealed::Rule for SgdParams {
    type Rule = SgdRule;

    fn rule(shared: &Shared<Self>) -> SgdRule {
        SgdRule(shared.clone())
    }
}

/// The update of one tensor, with the group's current [`SgdParams`].
#[derive(Clone)]
pub struct SgdRule(Shared<SgdParams>);

/// One tensor's momentum buffer, `None` before its first step with momentum.
#[derive(Clone)]
pub struct SgdState<const D: usize> {
    buffer: Option<Tensor<D>>,
}

const BUFFER: &str = "momentum_buffer";

impl<const D: usize> RecordState for SgdState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        if let Some(buffer) = &self.buffer {
            state::write(out, prefix, BUFFER, buffer);
        }
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(SgdState {
            buffer: state::read(src, prefix, BUFFER, device),
        })
    }
}

impl Optimizer for SgdRule {
    type State<const D: usize> = SgdState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: Option<SgdState<D>>,
    ) -> (Tensor<D>, Option<SgdState<D>>) {
        let p = self.0.get();
        let mut buffer = state.and_then(|s| s.buffer);
        let mut g = grad;
        if p.weight_decay != 0.0 {
            g = g + param.clone().mul_scalar(p.weight_decay);
        }
        if p.momentum != 0.0 {
            let buf = match buffer {
                None => g.clone(),
                Some(b) => b.mul_scalar(p.momentum) + g.clone().mul_scalar(1.0 - p.dampening),
            };
            g = if p.nesterov {
                g + buf.clone().mul_scalar(p.momentum)
            } else {
                buf.clone()
            };
            buffer = Some(buf);
        }
        // Always a state, even without a buffer: burn drops a parameter's
        // state when its rule returns none, and a buffer kept through a
        // stretch of momentum 0 must survive it.
        (param - g.mul_scalar(lr), Some(SgdState { buffer }))
    }

    fn to_device<const D: usize>(state: SgdState<D>, device: &Device) -> SgdState<D> {
        SgdState {
            buffer: state.buffer.map(|b| b.to_device(device)),
        }
    }
}
