//! [`AdamWParams`] and the update rule of
//! [`ScheduledAdamW`](crate::ScheduledAdamW): `torch.optim.AdamW` on burn,
//! whose beta1 (the scheduled momentum) and weight decay may change between
//! steps (burn's `AdamW` fixes them when it is built).
//!
//! The update is PyTorch's, operation for operation (`_single_tensor_adam`
//! with decoupled weight decay, `amsgrad=False`), with the step's own beta1
//! in the bias correction:
//!
//! ```text
//! t = t + 1
//! p = p * (1 - lr * weight_decay)              (when weight_decay != 0)
//! m = lerp(m, grad, 1 - beta1)                 (PyTorch's lerp: two forms by the weight)
//! v = beta2 * v + ((1 - beta2) * grad) * grad
//! denom = sqrt(v) / (1 - beta2^t)^0.5 + eps
//! p = p + ((-lr / (1 - beta1^t)) * m) / denom
//! ```
//!
//! `m` and `v` start at zero; the scalars are computed in `f64` with `powf`,
//! as Python does.

use burn::optim::LearningRate;
use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use clr_core::Hypers;

use crate::error::{AdapterError, Error};
use crate::params::{sealed, Params, Shared};
use crate::state;

const NAME: &str = "clr_burn::ScheduledAdamW";

/// [`ScheduledAdamW`](crate::ScheduledAdamW)'s hyper-parameters for one
/// parameter group, with PyTorch's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWParams {
    /// Learning rate, finite and `>= 0`.
    pub lr: f64,
    /// The first moment's decay, in `[0, 1)`: the momentum a schedule sets.
    pub beta1: f64,
    /// The second moment's decay, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the denominator, finite and `>= 0`.
    pub eps: f64,
    /// Decoupled weight decay, finite and `>= 0`.
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    fn default() -> Self {
        AdamWParams {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-2,
        }
    }
}

impl Params for AdamWParams {
    const OPTIMIZER: &'static str = NAME;

    fn validate(&self, group: usize) -> Result<(), Error> {
        let check = || -> Result<(), AdapterError> {
            AdapterError::non_negative(NAME, "lr", self.lr)?;
            AdapterError::unit(NAME, "beta1", self.beta1, true)?;
            AdapterError::unit(NAME, "beta2", self.beta2, true)?;
            AdapterError::non_negative(NAME, "eps", self.eps)?;
            AdapterError::non_negative(NAME, "weight_decay", self.weight_decay)?;
            Ok(())
        };
        check().map_err(|e| e.in_group(group).into())
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn hypers(&self) -> Hypers<f64> {
        Hypers {
            lr: self.lr,
            momentum: Some(self.beta1),
            weight_decay: Some(self.weight_decay),
        }
    }

    fn with_hypers(self, h: &Hypers<f64>) -> Self {
        AdamWParams {
            lr: h.lr,
            beta1: h.momentum.unwrap_or(self.beta1),
            weight_decay: h.weight_decay.unwrap_or(self.weight_decay),
            ..self
        }
    }
}

impl sealed::Rule for AdamWParams {
    type Rule = AdamWRule;

    fn rule(shared: &Shared<Self>) -> AdamWRule {
        AdamWRule(shared.clone())
    }
}

/// The update of one tensor, with the group's current [`AdamWParams`].
#[derive(Clone)]
pub struct AdamWRule(Shared<AdamWParams>);

/// One tensor's step count and moments.
#[derive(Clone)]
pub struct AdamWState<const D: usize> {
    step: u64,
    exp_avg: Tensor<D>,
    exp_avg_sq: Tensor<D>,
}

impl<const D: usize> RecordState for AdamWState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_scalar(prefix, "step", self.step.into());
        state::write(out, prefix, "exp_avg", &self.exp_avg);
        state::write(out, prefix, "exp_avg_sq", &self.exp_avg_sq);
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(AdamWState {
            step: u64::try_from(src.take_scalar(prefix, "step")?).ok()?,
            exp_avg: state::read(src, prefix, "exp_avg", device)?,
            exp_avg_sq: state::read(src, prefix, "exp_avg_sq", device)?,
        })
    }
}

/// PyTorch's `start.lerp(end, weight)` on the CPU: `start + weight * (end -
/// start)` for a weight below 0.5 in magnitude, `end - (end - start) * (1 -
/// weight)` otherwise, the weight first rounded to the tensors' type.
fn lerp<const D: usize>(start: Tensor<D>, end: Tensor<D>, weight: f64) -> Tensor<D> {
    let weight = state::round_to(start.dtype(), weight);
    let diff = end.clone() - start.clone();
    if weight.abs() < 0.5 {
        start + diff.mul_scalar(weight)
    } else {
        end - diff.mul_scalar(1.0 - weight)
    }
}

impl Optimizer for AdamWRule {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamWState<D>>,
    ) -> (Tensor<D>, Option<AdamWState<D>>) {
        let p = self.0.get();
        let (step, exp_avg, exp_avg_sq) = match state {
            Some(s) => (s.step, s.exp_avg, s.exp_avg_sq),
            None => (0, grad.zeros_like(), grad.zeros_like()),
        };
        let step = step.saturating_add(1);
        let param = if p.weight_decay != 0.0 {
            param.mul_scalar(1.0 - lr * p.weight_decay)
        } else {
            param
        };
        let exp_avg = lerp(exp_avg, grad.clone(), 1.0 - p.beta1);
        let exp_avg_sq =
            exp_avg_sq.mul_scalar(p.beta2) + grad.clone().mul_scalar(1.0 - p.beta2).mul(grad);
        let t = step as f64;
        let step_size = lr / (1.0 - p.beta1.powf(t));
        let bias_correction2_sqrt = (1.0 - p.beta2.powf(t)).powf(0.5);
        let denom = exp_avg_sq
            .clone()
            .sqrt()
            .div_scalar(bias_correction2_sqrt)
            .add_scalar(p.eps);
        let param = param + exp_avg.clone().mul_scalar(-step_size).div(denom);
        let state = AdamWState {
            step,
            exp_avg,
            exp_avg_sq,
        };
        (param, Some(state))
    }

    fn to_device<const D: usize>(state: AdamWState<D>, device: &Device) -> AdamWState<D> {
        AdamWState {
            step: state.step,
            exp_avg: state.exp_avg.to_device(device),
            exp_avg_sq: state.exp_avg_sq.to_device(device),
        }
    }
}
