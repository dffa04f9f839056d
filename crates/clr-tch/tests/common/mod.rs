//! Helpers the optimizer tests share: a parameter, its values, a step with
//! a known gradient, and a comparison with a tolerance.

use clr_tch::{Error, TchOptimizer, TchStep};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

/// A float64 trainable variable of group `group`.
pub fn param(vs: &VarStore, name: &str, values: &[f64], group: usize) -> Tensor {
    vs.root()
        .set_group(group)
        .add(name, Tensor::from_slice(values), true)
}

pub fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.detach().to_kind(Kind::Double)).expect("a 1-D tensor")
}

/// `loss = (p * g).sum()`: its gradient is exactly `g`.
pub fn known_gradient_step(
    opt: &mut TchOptimizer,
    params: &[(&Tensor, &[f64])],
) -> Result<(), Error> {
    opt.zero_grad()?;
    let loss = params
        .iter()
        .map(|(p, g)| (*p * Tensor::from_slice(g)).sum(Kind::Double))
        .reduce(|a, b| a + b)
        .expect("at least one parameter");
    loss.f_backward()?;
    opt.optimizer_step()
}

pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1.0),
            "{what}[{i}]: {a} vs {b} (diff {:e})",
            (a - b).abs()
        );
    }
}
