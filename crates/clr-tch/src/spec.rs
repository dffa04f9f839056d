//! [`OptimizerKind`] and [`OptimizerSpec`]: which libtorch optimizer a
//! [`TchOptimizer`](crate::TchOptimizer) is and its configuration (tch's
//! own configuration structs), checked before libtorch sees a value, and
//! kept so the optimizer can be built again.

use clr_core::Hypers;
use clr_train::AdapterError;
use tch::nn;
use tch::COptimizer;

use crate::error::Error;

/// Which libtorch optimizer a [`TchOptimizer`](crate::TchOptimizer) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// SGD with momentum, dampening, Nesterov and L2 weight decay.
    Sgd,
    /// Adam (L2 weight decay); momentum is `beta1`.
    Adam,
    /// AdamW (decoupled weight decay); momentum is `beta1`.
    AdamW,
    /// RMSprop with momentum.
    RmsProp,
}

impl OptimizerKind {
    /// The name used in messages: the tch configuration's path.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "tch::nn::Sgd",
            OptimizerKind::Adam => "tch::nn::Adam",
            OptimizerKind::AdamW => "tch::nn::AdamW",
            OptimizerKind::RmsProp => "tch::nn::RmsProp",
        }
    }

    /// Whether tch can only set its momentum for all groups at once (every
    /// kind but SGD: tch's `set_momentum_group` fails for them).
    pub fn momentum_is_shared(self) -> bool {
        self != OptimizerKind::Sgd
    }

    /// What the schedule's momentum sets: `beta1` for the Adam family,
    /// `momentum` otherwise.
    pub fn momentum_param(self) -> &'static str {
        match self {
            OptimizerKind::Adam | OptimizerKind::AdamW => "beta1",
            OptimizerKind::Sgd | OptimizerKind::RmsProp => "momentum",
        }
    }

    /// Checks a momentum (beta1) for this kind: `[0, 1)` for beta1 (Adam's
    /// bias correction divides by `1 - beta1^t`), any finite number `>= 0`
    /// for SGD's and RMSprop's momentum (PyTorch refuses only negative ones).
    pub(crate) fn check_momentum(self, value: f64) -> Result<f64, AdapterError> {
        match self {
            OptimizerKind::Adam | OptimizerKind::AdamW => {
                AdapterError::unit(self.name(), self.momentum_param(), value, true)
            }
            OptimizerKind::Sgd | OptimizerKind::RmsProp => {
                AdapterError::non_negative(self.name(), self.momentum_param(), value)
            }
        }
    }
}

/// A libtorch optimizer's configuration: tch's own configuration structs,
/// kept so the optimizer can be built again (see
/// [`TchOptimizer::rebuild`](crate::TchOptimizer::rebuild)).
#[derive(Debug, Clone, Copy)]
pub enum OptimizerSpec {
    /// `torch.optim.SGD`.
    Sgd(nn::Sgd),
    /// `torch.optim.Adam`.
    Adam(nn::Adam),
    /// `torch.optim.AdamW`.
    AdamW(nn::AdamW),
    /// `torch.optim.RMSprop`.
    RmsProp(nn::RmsProp),
}

impl From<nn::Sgd> for OptimizerSpec {
    fn from(c: nn::Sgd) -> Self {
        OptimizerSpec::Sgd(c)
    }
}

impl From<nn::Adam> for OptimizerSpec {
    fn from(c: nn::Adam) -> Self {
        OptimizerSpec::Adam(c)
    }
}

impl From<nn::AdamW> for OptimizerSpec {
    fn from(c: nn::AdamW) -> Self {
        OptimizerSpec::AdamW(c)
    }
}

impl From<nn::RmsProp> for OptimizerSpec {
    fn from(c: nn::RmsProp) -> Self {
        OptimizerSpec::RmsProp(c)
    }
}

impl OptimizerSpec {
    /// Which optimizer it configures.
    pub fn kind(&self) -> OptimizerKind {
        match self {
            OptimizerSpec::Sgd(_) => OptimizerKind::Sgd,
            OptimizerSpec::Adam(_) => OptimizerKind::Adam,
            OptimizerSpec::AdamW(_) => OptimizerKind::AdamW,
            OptimizerSpec::RmsProp(_) => OptimizerKind::RmsProp,
        }
    }

    /// The hyper-parameters every group starts with at learning rate `lr`.
    pub fn hypers(&self, lr: f64) -> Hypers<f64> {
        let (momentum, weight_decay) = match self {
            OptimizerSpec::Sgd(c) => (c.momentum, c.wd),
            OptimizerSpec::Adam(c) => (c.beta1, c.wd),
            OptimizerSpec::AdamW(c) => (c.beta1, c.wd),
            OptimizerSpec::RmsProp(c) => (c.momentum, c.wd),
        };
        Hypers {
            lr,
            momentum: Some(momentum),
            weight_decay: Some(weight_decay),
        }
    }

    /// Checks every value (libtorch would throw, or silently misbehave).
    pub fn validate(&self, lr: f64) -> Result<(), Error> {
        let kind = self.kind();
        let name = kind.name();
        AdapterError::non_negative(name, "lr", lr)?;
        let h = self.hypers(lr);
        if let Some(m) = h.momentum {
            kind.check_momentum(m)?;
        }
        if let Some(wd) = h.weight_decay {
            AdapterError::non_negative(name, "weight_decay", wd)?;
        }
        match self {
            OptimizerSpec::Sgd(c) => {
                AdapterError::unit(name, "dampening", c.dampening, false)?;
                if c.nesterov {
                    AdapterError::nesterov(name, c.momentum, c.dampening)?;
                }
            }
            OptimizerSpec::Adam(nn::Adam { beta2, eps, .. })
            | OptimizerSpec::AdamW(nn::AdamW { beta2, eps, .. }) => {
                AdapterError::unit(name, "beta2", *beta2, true)?;
                AdapterError::non_negative(name, "eps", *eps)?;
            }
            OptimizerSpec::RmsProp(c) => {
                AdapterError::non_negative(name, "alpha", c.alpha)?;
                AdapterError::non_negative(name, "eps", c.eps)?;
            }
        }
        Ok(())
    }

    pub(crate) fn build(&self, lr: f64) -> Result<COptimizer, Error> {
        self.validate(lr)?;
        Ok(match *self {
            OptimizerSpec::Sgd(c) => {
                COptimizer::sgd(lr, c.momentum, c.dampening, c.wd, c.nesterov)?
            }
            OptimizerSpec::Adam(c) => {
                COptimizer::adam(lr, c.beta1, c.beta2, c.wd, c.eps, c.amsgrad)?
            }
            OptimizerSpec::AdamW(c) => {
                COptimizer::adamw(lr, c.beta1, c.beta2, c.wd, c.eps, c.amsgrad)?
            }
            OptimizerSpec::RmsProp(c) => {
                COptimizer::rms_prop(lr, c.alpha, c.eps, c.wd, c.momentum, c.centered)?
            }
        })
    }
}
