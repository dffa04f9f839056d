//! `MomentumSgd` against real `torch.optim.SGD` steps (clr-candle's
//! `tests/fixtures/sgd.json`, from `scripts/fixtures/gen_sgd.py`):
//! momentum, dampening, Nesterov, weight decay, learning rate and momentum
//! changed between steps (momentum through 0 and back), a parameter
//! without gradient, in `f64` and `f32`.

mod common;

use clr_burn::{MomentumSgd, SgdParams};
use clr_core::Hypers;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    dtype: String,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
    lr: f64,
    params: Vec<Vec<f64>>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    lr: f64,
    momentum: f64,
    grads: Vec<Option<Vec<f64>>>,
    params: Vec<Vec<f64>>,
}

/// The largest distance from PyTorch of any parameter after any step of
/// `case`: in units in the last place, and in epsilons relative to
/// `max(1, |value|)` (see `common::max_eps`).
fn worst(case: &Case) -> (u64, f64) {
    let mut sgd = MomentumSgd::new(SgdParams {
        lr: case.lr,
        momentum: case.momentum,
        dampening: case.dampening,
        nesterov: case.nesterov,
        weight_decay: case.weight_decay,
    })
    .expect("valid params");
    let steps = case.steps.iter().map(|step| common::Step {
        hypers: Hypers {
            lr: step.lr,
            momentum: Some(step.momentum),
            weight_decay: None,
        },
        grads: &step.grads,
        want: &step.params,
    });
    common::replay(&mut sgd, &case.params, common::dtype(&case.dtype), steps)
}

#[test]
fn momentum_sgd_matches_torch_optim_sgd() {
    let text = include_str!("../../clr-candle/tests/fixtures/sgd.json");
    let fixture: common::Fixture<Case> = serde_json::from_str(text).expect("sgd.json parses");
    assert_eq!(fixture.torch, "2.13.0");
    assert_eq!(fixture.cases.len(), 26);
    for case in &fixture.cases {
        let (ulps, eps) = worst(case);
        eprintln!("{:<28} {eps:.2} eps ({ulps} ulp)", case.name);
        // PyTorch's `add_(alpha=)` is a fused multiply-add on the CPU, burn
        // has none: each update rounds once more. Plain SGD is one such
        // update per step.
        let bound = if case.name.starts_with("plain") {
            1.0
        } else {
            2.0
        };
        assert!(eps <= bound, "{}: {eps} eps", case.name);
    }
}
