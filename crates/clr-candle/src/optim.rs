//! [`ScheduledOptimizer`] (the core's trait) and [`CandleStep`]: what a
//! schedule's hyper-parameters are applied to and what steps, implemented
//! for candle-nn's [`SGD`] and [`AdamW`], this crate's [`MomentumSgd`], and
//! [`ParamGroups`] of them.
//!
//! | optimizer | `lr` | `momentum` | `weight_decay` |
//! |---|---|---|---|
//! | [`candle_nn::SGD`] | yes | error | error |
//! | [`candle_nn::AdamW`] | yes | `beta1`, in `[0, 1)` | yes (decoupled) |
//! | [`MomentumSgd`] | yes | yes, any finite `>= 0` | yes (L2, PyTorch's) |
//!
//! A hyper-parameter the optimizer has no slot for is an
//! [`AdapterError::Unsupported`], never silently dropped; a value out of range is an
//! [`AdapterError::Invalid`] naming the optimizer, the parameter group and
//! the value. On error the optimizer is left as it was.
//!
//! ```
//! use candle_core::{Device, Var};
//! use candle_nn::{AdamW, Optimizer, ParamsAdamW};
//! use clr_candle::{AdapterError, Error, ScheduledOptimizer};
//! use clr_core::Hypers;
//!
//! let w = Var::zeros(3, candle_core::DType::F32, &Device::Cpu)?;
//! let mut adam = AdamW::new(vec![w], ParamsAdamW::default())?;
//! let h = Hypers { lr: 0.01, momentum: Some(0.85), weight_decay: Some(1e-4) };
//! adam.apply(0, &h)?;
//! assert_eq!(adam.params().beta1, 0.85);
//! assert_eq!(adam.learning_rate(), 0.01);
//!
//! let mut sgd = candle_nn::SGD::new(vec![], 0.1)?;
//! assert!(matches!(
//!     sgd.apply(0, &h),
//!     Err(Error::Adapter(AdapterError::Unsupported { param: "momentum", .. }))
//! ));
//! # Ok::<(), clr_candle::Error>(())
//! ```

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::Tensor;
use candle_nn::{AdamW, Optimizer, ParamsAdamW, SGD};
use clr_core::{Hypers, ScheduledOptimizer};
use clr_train::AdapterError;

use crate::checkpoint::VarNames;
use crate::error::Error;
use crate::sgd::{MomentumSgd, SgdParams};

/// The marker naming this adapter: [`Fit`](crate::Fit) is
/// `clr_train::Fit<Candle, …>`, and this crate's [`ScheduledOptimizer`]
/// implementations are `ScheduledOptimizer<f64, Candle>`, which lets it
/// implement the core trait for candle-nn's own optimizers (see
/// [`clr_core::ScheduledOptimizer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Candle;

/// A [`ScheduledOptimizer`] that Candle can step: what [`Fit`](crate::Fit)
/// and [`RangeTestRunner`](crate::RangeTestRunner) drive.
///
/// The name avoids [`candle_nn::Optimizer::step`], so both traits can be in
/// scope together.
///
/// Its state goes into [`Fit`](crate::Fit)'s checkpoints as named tensors:
/// [`state_tensors`](Self::state_tensors) and
/// [`load_state_tensors`](Self::load_state_tensors), whose defaults say
/// the state cannot be read ([`AdapterError::StateUnreadable`]).
pub trait CandleStep: ScheduledOptimizer<f64, Candle, Error = Error> {
    /// One update with `grads` (from `loss.backward()`).
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error>;

    /// Appends what the optimizer keeps between steps to `out`, each
    /// tensor named `prefix` + a name of its own that holds its variable's
    /// name in the `VarMap` (`names`).
    fn state_tensors(
        &self,
        _names: &VarNames,
        _prefix: &str,
        _out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        Err(unreadable(self.name()))
    }

    /// Takes the tensors [`state_tensors`](Self::state_tensors) wrote out
    /// of `tensors` and puts them back; what it does not know is left.
    fn load_state_tensors(
        &mut self,
        _names: &VarNames,
        _prefix: &str,
        _tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        Err(unreadable(self.name()))
    }
}

/// The error of an optimizer whose state cannot be read.
fn unreadable(optimizer: &'static str) -> Error {
    Error::from(AdapterError::StateUnreadable {
        optimizer,
        reason: "its state between steps is private to it, so a run resumed from a \
                 checkpoint would start it afresh; use an optimizer whose state can be \
                 saved (MomentumSgd, candle_nn::SGD)",
    })
}

impl<O: CandleStep + ?Sized> CandleStep for &mut O {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        (**self).optimizer_step(grads)
    }
    fn state_tensors(
        &self,
        names: &VarNames,
        prefix: &str,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        (**self).state_tensors(names, prefix, out)
    }
    fn load_state_tensors(
        &mut self,
        names: &VarNames,
        prefix: &str,
        tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        (**self).load_state_tensors(names, prefix, tensors)
    }
}

fn only_group(group: usize) -> Result<(), Error> {
    if group == 0 {
        Ok(())
    } else {
        Err(Error::from(AdapterError::NoSuchGroup { group, groups: 1 }))
    }
}

fn unsupported(
    optimizer: &'static str,
    param: &'static str,
    value: Option<f64>,
) -> Result<(), Error> {
    match value {
        Some(value) => Err(Error::from(AdapterError::Unsupported {
            optimizer,
            param,
            value,
        })),
        None => Ok(()),
    }
}

const SGD_NAME: &str = "candle_nn::SGD";
const ADAMW_NAME: &str = "candle_nn::AdamW";

/// candle-nn's plain SGD: the learning rate only. A scheduled momentum or
/// weight decay is an [`AdapterError::Unsupported`]: use `MomentumSgd`.
impl ScheduledOptimizer<f64, Candle> for SGD {
    type Error = Error;
    fn name(&self) -> &'static str {
        SGD_NAME
    }
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        only_group(group)?;
        AdapterError::non_negative(SGD_NAME, "lr", h.lr)?;
        unsupported(SGD_NAME, "momentum", h.momentum)?;
        unsupported(SGD_NAME, "weight_decay", h.weight_decay)?;
        self.set_learning_rate(h.lr);
        Ok(())
    }
    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        only_group(group)?;
        Ok(Hypers {
            lr: self.learning_rate(),
            momentum: None,
            weight_decay: None,
        })
    }
}

/// Plain SGD keeps nothing between steps (its learning rate is the
/// schedule's): its state is empty.
impl CandleStep for SGD {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        Ok(self.step(grads)?)
    }
    fn state_tensors(
        &self,
        _names: &VarNames,
        _prefix: &str,
        _out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn load_state_tensors(
        &mut self,
        _names: &VarNames,
        _prefix: &str,
        _tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        Ok(())
    }
}

/// candle-nn's AdamW through `set_params`: momentum is `beta1` (in
/// `[0, 1)`, as PyTorch's Adam family requires), weight decay is AdamW's
/// decoupled decay.
impl ScheduledOptimizer<f64, Candle> for AdamW {
    type Error = Error;
    fn name(&self) -> &'static str {
        ADAMW_NAME
    }
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        only_group(group)?;
        let old = self.params();
        let in_group = |e: AdapterError| Error::from(e.in_group(group));
        let params = ParamsAdamW {
            lr: AdapterError::non_negative(ADAMW_NAME, "lr", h.lr).map_err(in_group)?,
            // Adam's bias correction divides by 1 - beta1^t.
            beta1: match h.momentum {
                Some(b) => AdapterError::unit(ADAMW_NAME, "beta1", b, true).map_err(in_group)?,
                None => old.beta1,
            },
            weight_decay: match h.weight_decay {
                Some(wd) => {
                    AdapterError::non_negative(ADAMW_NAME, "weight_decay", wd).map_err(in_group)?
                }
                None => old.weight_decay,
            },
            ..old.clone()
        };
        self.set_params(params);
        Ok(())
    }
    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        only_group(group)?;
        let p = self.params();
        Ok(Hypers {
            lr: p.lr,
            momentum: Some(p.beta1),
            weight_decay: Some(p.weight_decay),
        })
    }
}

/// candle-nn keeps AdamW's moments and step count private: its state
/// cannot go into a checkpoint ([`AdapterError::StateUnreadable`]).
impl CandleStep for AdamW {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        Ok(self.step(grads)?)
    }
}

/// This crate's SGD: learning rate, momentum and (L2) weight decay.
impl ScheduledOptimizer<f64, Candle> for MomentumSgd {
    type Error = Error;
    fn name(&self) -> &'static str {
        "MomentumSgd"
    }
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        only_group(group)?;
        let old = *self.params();
        self.set_params(SgdParams {
            lr: h.lr,
            momentum: h.momentum.unwrap_or(old.momentum),
            weight_decay: h.weight_decay.unwrap_or(old.weight_decay),
            ..old
        })
        .map_err(|e| e.in_group(group))
    }
    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        only_group(group)?;
        let p = self.params();
        Ok(Hypers {
            lr: p.lr,
            momentum: Some(p.momentum),
            weight_decay: Some(p.weight_decay),
        })
    }
}

/// Its momentum buffers, `momentum_buffer.<variable>`.
impl CandleStep for MomentumSgd {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        self.step(grads)
    }
    fn state_tensors(
        &self,
        names: &VarNames,
        prefix: &str,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        self.buffer_tensors(names, prefix, out)
    }
    fn load_state_tensors(
        &mut self,
        names: &VarNames,
        prefix: &str,
        tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        self.load_buffer_tensors(names, prefix, tensors)
    }
}

/// Several optimizers, each over its own parameter set, stepped together
/// from one backward pass: the parameter groups of discriminative learning
/// rates. Their groups are numbered in order (an optimizer of one group per
/// entry is the usual case).
///
/// ```
/// use candle_core::{DType, Device, Var};
/// use clr_candle::{MomentumSgd, ParamGroups, ScheduledOptimizer, SgdParams};
/// use clr_core::Hypers;
///
/// let body = Var::zeros(4, DType::F32, &Device::Cpu)?;
/// let head = Var::zeros(2, DType::F32, &Device::Cpu)?;
/// let params = SgdParams { momentum: 0.9, ..SgdParams::default() };
/// let mut groups = ParamGroups::new(vec![
///     MomentumSgd::new(vec![body], params)?,
///     MomentumSgd::new(vec![head], params)?,
/// ]);
/// let h = Hypers { lr: 0.01, momentum: Some(0.95), weight_decay: None };
/// groups.apply_all(&h, &[0.1, 1.0])?; // the body trains 10x slower
/// assert_eq!(groups.lr(0)?, 0.01 * 0.1);
/// assert_eq!(groups.lr(1)?, 0.01);
/// # Ok::<(), clr_candle::Error>(())
/// ```
#[derive(Debug)]
pub struct ParamGroups<O> {
    optimizers: Vec<O>,
}

impl<O: CandleStep> ParamGroups<O> {
    /// The groups of `optimizers`, in order.
    pub fn new(optimizers: Vec<O>) -> Self {
        ParamGroups { optimizers }
    }

    /// The optimizers.
    pub fn optimizers(&self) -> &[O] {
        &self.optimizers
    }

    /// The optimizers, mutably.
    pub fn optimizers_mut(&mut self) -> &mut [O] {
        &mut self.optimizers
    }

    /// The optimizers, giving the groups up.
    pub fn into_inner(self) -> Vec<O> {
        self.optimizers
    }

    /// The optimizer holding global group `group`, and the group's index in it.
    fn locate(&self, group: usize) -> Result<(usize, usize), Error> {
        let mut first = 0;
        for (i, o) in self.optimizers.iter().enumerate() {
            let n = o.groups();
            if group < first + n {
                return Ok((i, group - first));
            }
            first += n;
        }
        Err(Error::from(AdapterError::NoSuchGroup {
            group,
            groups: first,
        }))
    }
}

impl<O: CandleStep> ScheduledOptimizer<f64, Candle> for ParamGroups<O> {
    type Error = Error;
    fn name(&self) -> &'static str {
        self.optimizers.first().map_or("ParamGroups", |o| o.name())
    }
    fn groups(&self) -> usize {
        self.optimizers.iter().map(|o| o.groups()).sum()
    }
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        let (i, inner) = self.locate(group)?;
        // The group as the schedule counts them, not within the optimizer.
        self.optimizers[i]
            .apply(inner, h)
            .map_err(|e| e.in_group(group))
    }
    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        let (i, inner) = self.locate(group)?;
        self.optimizers[i].current(inner)
    }
}

/// Each optimizer's state under `<i>.`, its index.
impl<O: CandleStep> CandleStep for ParamGroups<O> {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        self.optimizers
            .iter_mut()
            .try_for_each(|o| o.optimizer_step(grads))
    }
    fn state_tensors(
        &self,
        names: &VarNames,
        prefix: &str,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        self.optimizers
            .iter()
            .enumerate()
            .try_for_each(|(i, o)| o.state_tensors(names, &format!("{prefix}{i}."), out))
    }
    fn load_state_tensors(
        &mut self,
        names: &VarNames,
        prefix: &str,
        tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        self.optimizers
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, o)| o.load_state_tensors(names, &format!("{prefix}{i}."), tensors))
    }
}
