//! `MomentumSgd` and `ScheduledAdamW` as `ScheduledOptimizer`s: bad input
//! is a typed error naming the optimizer, the group and the value, and
//! changes nothing; per-group learning rates reach burn; snapshots and
//! records put the state back bit for bit.

mod common;

use burn::module::ParamGroup;
use burn::optim::OptimizerRecord;
use burn::tensor::DType;
use clr_burn::{
    AdamWParams, AdapterError, Error, MomentumSgd, ScheduledAdamW, ScheduledOptimizer, SgdParams,
};
use clr_core::Hypers;
use common::Two;

const SGD: &str = "clr_burn::MomentumSgd";
const ADAMW: &str = "clr_burn::ScheduledAdamW";

fn invalid(optimizer: &'static str, group: usize, param: &'static str, value: f64) -> Error {
    let expected = match param {
        "beta1" | "beta2" => "a number in [0, 1)",
        "dampening" => "a number in [0, 1]",
        _ => "a finite number >= 0",
    };
    Error::Adapter(AdapterError::Invalid {
        optimizer,
        group: Some(group),
        param,
        value,
        expected,
    })
}

/// `got` is `want`, field for field: `Error` carries other crates' errors
/// and has no `PartialEq`, but its `Debug` spells every field (floats as
/// they round-trip).
#[track_caller]
fn assert_error(got: &Error, want: &Error) {
    assert_eq!(format!("{got:?}"), format!("{want:?}"));
}

fn hypers(lr: f64, momentum: f64) -> Hypers<f64> {
    Hypers {
        lr,
        momentum: Some(momentum),
        weight_decay: None,
    }
}

#[test]
fn invalid_hyper_parameters_are_refused_by_name() {
    let sgd = |p: SgdParams| MomentumSgd::new(p).unwrap_err();
    let base = SgdParams::default();
    let e = sgd(SgdParams {
        momentum: -0.1,
        ..base
    });
    assert_error(&e, &invalid(SGD, 0, "momentum", -0.1));
    assert_eq!(
        e.to_string(),
        "clr_burn::MomentumSgd, parameter group 0: `momentum` = -0.1: expected a finite number >= 0"
    );
    let e = sgd(SgdParams {
        lr: f64::NAN,
        ..base
    });
    assert!(
        matches!(e, Error::Adapter(AdapterError::Invalid { param: "lr", value, .. }) if value.is_nan())
    );
    assert_error(
        &sgd(SgdParams {
            weight_decay: -1.0,
            ..base
        }),
        &invalid(SGD, 0, "weight_decay", -1.0),
    );
    let nesterov = SgdParams {
        nesterov: true,
        ..base
    };
    assert!(matches!(
        sgd(nesterov),
        Error::Adapter(AdapterError::Invalid {
            param: "momentum",
            ..
        })
    ));

    let adamw = |p: AdamWParams| ScheduledAdamW::new(p).unwrap_err();
    let base = AdamWParams::default();
    assert_error(
        &adamw(AdamWParams { beta1: 1.0, ..base }),
        &invalid(ADAMW, 0, "beta1", 1.0),
    );
    assert_error(
        &adamw(AdamWParams {
            beta2: -0.5,
            ..base
        }),
        &invalid(ADAMW, 0, "beta2", -0.5),
    );
    assert_error(
        &adamw(AdamWParams { eps: -1e-8, ..base }),
        &invalid(ADAMW, 0, "eps", -1e-8),
    );
    let group = ScheduledAdamW::new(base)
        .unwrap()
        .with_group(
            ParamGroup::from_predicate("b"),
            AdamWParams { beta1: 1.5, ..base },
        )
        .unwrap_err();
    assert_error(&group, &invalid(ADAMW, 1, "beta1", 1.5));
    assert_eq!(
        group.to_string(),
        "clr_burn::ScheduledAdamW, parameter group 1: `beta1` = 1.5: expected a number in [0, 1)"
    );
}

#[test]
fn sgd_takes_any_finite_momentum_at_least_zero_as_pytorch_does() {
    // PyTorch's SGD refuses only a negative momentum; a schedule may cycle
    // it past 1 (issue 22). Before, `MomentumSgd` refused anything above 1.
    let mut sgd = MomentumSgd::new(SgdParams {
        momentum: 1.5,
        ..SgdParams::default()
    })
    .unwrap();
    sgd.apply(0, &hypers(0.1, 2.0)).unwrap();
    assert_eq!(sgd.params(0).unwrap().momentum, 2.0);
    let e = sgd.apply(0, &hypers(0.1, f64::INFINITY)).unwrap_err();
    assert_error(&e, &invalid(SGD, 0, "momentum", f64::INFINITY));
    assert_eq!(sgd.params(0).unwrap().momentum, 2.0);
}

#[test]
fn a_scheduled_value_out_of_range_changes_nothing() {
    let base = AdamWParams::default();
    let mut adamw = ScheduledAdamW::new(base)
        .unwrap()
        .with_group(ParamGroup::from_predicate("b"), base)
        .unwrap();
    // beta1 is where a schedule's momentum goes.
    let e = adamw.apply(1, &hypers(0.5, 1.2)).unwrap_err();
    assert_error(&e, &invalid(ADAMW, 1, "beta1", 1.2));
    assert_eq!(adamw.params(1).unwrap(), base);
    let e = adamw.apply(2, &hypers(0.5, 0.9)).unwrap_err();
    assert_error(
        &e,
        &Error::NoSuchGroup {
            optimizer: ADAMW,
            group: 2,
            groups: 2,
        },
    );
    assert_eq!(
        e.to_string(),
        "clr_burn::ScheduledAdamW: parameter group 2 does not exist: it has 2"
    );
    assert!(adamw.current(2).is_err());
    assert!(adamw.set_params(7, base).is_err());
    // All or nothing: group 1 refuses, group 0 keeps its values.
    let nesterov = SgdParams {
        momentum: 0.9,
        nesterov: true,
        ..SgdParams::default()
    };
    let mut sgd = MomentumSgd::new(SgdParams::default())
        .unwrap()
        .with_group(ParamGroup::from_predicate("b"), nesterov)
        .unwrap();
    let e = sgd.apply_all(&hypers(0.3, 0.0), &[]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Adapter(AdapterError::Invalid {
                group: Some(1),
                param: "momentum",
                ..
            })
        ),
        "{e}"
    );
    assert_eq!(sgd.params(0).unwrap(), SgdParams::default());
    assert_eq!(sgd.params(1).unwrap(), nesterov);
}

#[test]
fn each_group_steps_with_its_own_learning_rate() {
    let init = vec![vec![1.0; 6], vec![2.0; 4]];
    let grads = vec![Some(vec![0.5; 6]), Some(vec![0.25; 4])];
    let mut sgd = MomentumSgd::new(SgdParams::default())
        .unwrap()
        .with_group(ParamGroup::from_predicate("b"), SgdParams::default())
        .unwrap();
    // Discriminative learning rates: group 1 ("b") trains 10x faster.
    sgd.apply_all(&hypers(0.01, 0.0), &[1.0, 10.0]).unwrap();
    assert_eq!(sgd.lr(1).unwrap(), 0.01 * 10.0);
    let model = common::two(&init, DType::F64);
    let g = common::grads(&model, &grads, DType::F64);
    let [a, b] = common::values(&sgd.step(model, g));
    assert!(a.iter().all(|&x| x == 1.0 - 0.01 * 0.5), "{a:?}");
    assert!(b.iter().all(|&x| x == 2.0 - 0.1 * 0.25), "{b:?}");
}

/// `steps` AdamW steps of `model` with fixed gradients and a moving beta1.
fn train(adamw: &mut ScheduledAdamW, mut model: Two, from: usize, steps: usize) -> Two {
    for k in from..from + steps {
        let g = 0.1 * k as f64 - 0.3;
        let grads = vec![
            Some(vec![g; 6]),
            Some((0..4).map(|i| g * i as f64).collect()),
        ];
        adamw
            .apply(0, &hypers(0.01, 0.9 - 0.01 * k as f64))
            .unwrap();
        let grads = common::grads(&model, &grads, DType::F64);
        model = adamw.step(model, grads);
    }
    model
}

fn start() -> (ScheduledAdamW, Two) {
    let init = vec![
        vec![0.5, -1.0, 2.0, 0.0, 1.5, -0.25],
        vec![1.0, 2.0, -3.0, 0.125],
    ];
    let adamw = ScheduledAdamW::new(AdamWParams::default()).unwrap();
    (adamw, common::two(&init, DType::F64))
}

#[test]
fn a_snapshot_puts_the_state_back_bit_for_bit() {
    let (mut adamw, model) = start();
    let model = train(&mut adamw, model, 0, 3);
    let snapshot = adamw.snapshot();
    let params = adamw.params(0).unwrap();
    let first = common::values(&train(&mut adamw, model.clone(), 3, 4));
    adamw.restore(&snapshot).unwrap();
    assert_eq!(adamw.params(0).unwrap(), params);
    let again = common::values(&train(&mut adamw, model, 3, 4));
    assert_eq!(first, again);

    let (mut other, _) = start();
    assert_error(
        &other.restore(&snapshot).unwrap_err(),
        &Error::ForeignSnapshot { optimizer: ADAMW },
    );
}

#[test]
fn a_record_resumes_f64_state_bit_for_bit() {
    let (mut adamw, model) = start();
    let model = train(&mut adamw, model, 0, 3);
    let bytes = adamw.to_record().into_bytes().unwrap();
    let want = common::values(&train(&mut adamw, model.clone(), 3, 4));
    let (mut resumed, _) = start();
    resumed.load_record(OptimizerRecord::from_bytes(bytes).unwrap());
    assert_eq!(common::values(&train(&mut resumed, model, 3, 4)), want);
}
