//! [`SgdParams`]: the hyper-parameters of PyTorch's `torch.optim.SGD`, which
//! every adapter's `MomentumSgd` (`clr-candle`, `clr-burn`) takes, checked
//! in one place.

use crate::adapter_error::AdapterError;

/// The hyper-parameters of a `MomentumSgd` (for one parameter group), with
/// PyTorch's names and defaults (`lr` aside: PyTorch's SGD has none, this
/// one is 1e-3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdParams {
    /// Learning rate, finite and `>= 0`.
    pub lr: f64,
    /// Momentum factor, finite and `>= 0` (0 = plain SGD): PyTorch's SGD
    /// refuses only a negative one, and schedules may cycle it past 1.
    pub momentum: f64,
    /// Dampening for momentum, in `[0, 1]`.
    pub dampening: f64,
    /// Nesterov momentum; needs `momentum > 0` and `dampening == 0`.
    pub nesterov: bool,
    /// L2 penalty added to the gradient, finite and `>= 0`.
    pub weight_decay: f64,
}

impl Default for SgdParams {
    fn default() -> Self {
        SgdParams {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

impl SgdParams {
    /// Checks every field; the [`AdapterError::Invalid`] names `optimizer`
    /// (as `clr_burn::MomentumSgd`), the first field out of range and its
    /// value.
    pub fn validate(&self, optimizer: &'static str) -> Result<(), AdapterError> {
        AdapterError::non_negative(optimizer, "lr", self.lr)?;
        AdapterError::non_negative(optimizer, "momentum", self.momentum)?;
        AdapterError::unit(optimizer, "dampening", self.dampening, false)?;
        AdapterError::non_negative(optimizer, "weight_decay", self.weight_decay)?;
        if self.nesterov {
            AdapterError::nesterov(optimizer, self.momentum, self.dampening)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(params: SgdParams) -> (&'static str, f64) {
        match params.validate("SGD") {
            Err(AdapterError::Invalid { param, value, .. }) => (param, value),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn any_finite_momentum_at_least_zero_is_accepted_as_pytorch_does() {
        for momentum in [0.0, 0.95, 1.0, 1.5, 40.0] {
            let p = SgdParams {
                momentum,
                ..SgdParams::default()
            };
            assert!(p.validate("SGD").is_ok(), "{momentum}");
        }
        for momentum in [-0.1, f64::NAN, f64::INFINITY] {
            let p = SgdParams {
                momentum,
                ..SgdParams::default()
            };
            let (param, value) = refused(p);
            assert_eq!(param, "momentum");
            assert_eq!(value.to_bits(), momentum.to_bits());
        }
    }

    #[test]
    fn each_field_out_of_range_is_named() {
        let d = SgdParams::default();
        assert_eq!(refused(SgdParams { lr: -1.0, ..d }), ("lr", -1.0));
        assert_eq!(
            refused(SgdParams {
                dampening: 1.5,
                ..d
            }),
            ("dampening", 1.5)
        );
        assert_eq!(
            refused(SgdParams {
                weight_decay: -2.0,
                ..d
            }),
            ("weight_decay", -2.0)
        );
        let nesterov = SgdParams {
            nesterov: true,
            ..d
        };
        assert_eq!(refused(nesterov), ("momentum", 0.0));
        let damped = SgdParams {
            momentum: 0.9,
            dampening: 0.1,
            ..nesterov
        };
        assert_eq!(refused(damped), ("dampening", 0.1));
    }
}
