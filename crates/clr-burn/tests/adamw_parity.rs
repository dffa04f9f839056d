//! `ScheduledAdamW` against real `torch.optim.AdamW` steps
//! (`tests/fixtures/adamw.json`, from `scripts/fixtures/gen_adamw.py`):
//! learning rate, beta1 and weight decay changed between steps (beta1 at
//! and below 0.5 too, where PyTorch's `lerp` takes its other form), another
//! beta2 and eps, a parameter without gradient, in `f64` and `f32`.

mod common;

use clr_burn::{AdamWParams, ScheduledAdamW};
use clr_core::Hypers;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    dtype: String,
    beta2: f64,
    eps: f64,
    params: Vec<Vec<f64>>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    lr: f64,
    beta1: f64,
    weight_decay: f64,
    grads: Vec<Option<Vec<f64>>>,
    params: Vec<Vec<f64>>,
}

/// The largest distance from PyTorch of any parameter after any step of
/// `case`: in units in the last place, and in epsilons relative to
/// `max(1, |value|)` (see `common::max_eps`).
fn worst(case: &Case) -> (u64, f64) {
    let mut adamw = ScheduledAdamW::new(AdamWParams {
        beta2: case.beta2,
        eps: case.eps,
        ..AdamWParams::default()
    })
    .expect("valid params");
    let steps = case.steps.iter().map(|step| common::Step {
        hypers: Hypers {
            lr: step.lr,
            momentum: Some(step.beta1),
            weight_decay: Some(step.weight_decay),
        },
        grads: &step.grads,
        want: &step.params,
    });
    common::replay(&mut adamw, &case.params, common::dtype(&case.dtype), steps)
}

#[test]
fn scheduled_adamw_matches_torch_optim_adamw() {
    let fixture: common::Fixture<Case> =
        serde_json::from_str(include_str!("fixtures/adamw.json")).expect("adamw.json parses");
    assert_eq!(fixture.torch, "2.13.0");
    assert_eq!(fixture.cases.len(), 12);
    for case in &fixture.cases {
        let (ulps, eps) = worst(case);
        eprintln!("{:<28} {eps:.2} eps ({ulps} ulp)", case.name);
        // PyTorch's CPU lerp is a fused multiply-add, burn has none: the
        // first moment rounds once more, which shows where beta1 <= 0.5.
        assert!(eps <= 1.0, "{}: {eps} eps", case.name);
    }
}
