//! Hyper-parameters reach the optimizer at every step, read back through
//! candle-nn's own accessors (`learning_rate()`, `params()`), and what an
//! optimizer cannot take is an error.

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap, SGD};
use clr_candle::{
    AdapterError, Candle, CandleStep, Error, Fit, MomentumSgd, ParamGroups, ScheduledOptimizer,
    SgdParams,
};
use clr_core::{
    Bundle, Constant, Cycle, HyperSchedule, Hypers, KerasOneCycle, OneCycleLr, Schedule,
};

/// Wraps an optimizer and records, at every `optimizer_step`, what the
/// optimizer itself holds, read through `read` (candle-nn's accessors).
struct Probe<O> {
    inner: O,
    read: fn(&O) -> Hypers<f64>,
    seen: Vec<Hypers<f64>>,
}

impl<O: CandleStep> ScheduledOptimizer<f64, Candle> for Probe<O> {
    type Error = Error;
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn groups(&self) -> usize {
        self.inner.groups()
    }
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        self.inner.apply(group, h)
    }
    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        self.inner.current(group)
    }
}

impl<O: CandleStep> CandleStep for Probe<O> {
    fn optimizer_step(&mut self, grads: &GradStore) -> Result<(), Error> {
        self.seen.push((self.read)(&self.inner));
        self.inner.optimizer_step(grads)
    }
}

fn var() -> Var {
    Var::new(&[0.5_f32, -1.0, 2.0], &Device::Cpu).unwrap()
}

fn loss(w: &Var) -> Result<Tensor, Error> {
    Ok(w.as_tensor().sqr()?.sum_all()?)
}

/// Runs 3 epochs of 4 batches of `schedule` on `opt`; returns what the
/// optimizer held at each step.
fn drive<O: CandleStep, S: HyperSchedule<f64>>(
    w: &Var,
    opt: O,
    read: fn(&O) -> Hypers<f64>,
    schedule: S,
) -> Vec<Hypers<f64>> {
    let mut probe = Probe {
        inner: opt,
        read,
        seen: Vec::new(),
    };
    let mut fit = Fit::new(schedule, Cycle::new(3, 4).unwrap())
        .unwrap()
        .quiet(true);
    // The weights are bare variables: the VarMap, unused here, is empty.
    let outcome = fit
        .run(&mut VarMap::new(), &mut probe, |_, _| Ok(loss(w)?))
        .unwrap();
    assert_eq!(outcome.history.len(), 3);
    probe.seen
}

#[test]
fn adamw_gets_lr_beta1_and_weight_decay_every_step() {
    let w = var();
    let adam = AdamW::new(vec![w.clone()], ParamsAdamW::default()).unwrap();
    let schedule = OneCycleLr::builder(0.01_f64, 12).build().unwrap();
    let schedule = schedule.with_weight_decay(Constant::new(1e-3).unwrap());
    let seen = drive(
        &w,
        adam,
        |a| Hypers {
            lr: a.learning_rate(),
            momentum: Some(a.params().beta1),
            weight_decay: Some(a.params().weight_decay),
        },
        schedule,
    );
    assert_eq!(seen.len(), 12);
    for (step, h) in seen.iter().enumerate() {
        assert_eq!(*h, schedule.hypers(step as u64), "step {step}");
    }
    // beta1 really cycles (0.95 -> 0.85 -> 0.95).
    assert!(seen.iter().any(|h| h.momentum.unwrap() < 0.9));
}

#[test]
fn momentum_sgd_gets_lr_and_momentum_every_step() {
    let w = var();
    let sgd = MomentumSgd::new(
        vec![w.clone()],
        SgdParams {
            momentum: 0.9,
            weight_decay: 1e-4,
            ..SgdParams::default()
        },
    )
    .unwrap();
    let schedule = KerasOneCycle::builder((0.002, 0.01), 12)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    let seen = drive(
        &w,
        sgd,
        |s| Hypers {
            lr: s.learning_rate(),
            momentum: Some(s.params().momentum),
            weight_decay: None,
        },
        schedule,
    );
    for (step, h) in seen.iter().enumerate() {
        let want = schedule.hypers(step as u64);
        assert_eq!(h.lr, want.lr, "step {step}");
        assert_eq!(h.momentum, want.momentum, "step {step}");
    }
}

#[test]
fn candle_sgd_gets_the_lr_every_step() {
    let w = var();
    let sgd = SGD::new(vec![w.clone()], 1.0).unwrap();
    let lr = KerasOneCycle::builder((0.002, 0.01), 12).build().unwrap();
    let seen = drive(
        &w,
        sgd,
        |s| Hypers {
            lr: s.learning_rate(),
            momentum: None,
            weight_decay: None,
        },
        Bundle::lr_only(lr.lr()),
    );
    for (step, h) in seen.iter().enumerate() {
        assert_eq!(h.lr, lr.lr().at(step as u64), "step {step}");
    }
}

#[test]
fn candle_sgd_refuses_momentum_and_weight_decay() {
    let w = var();
    let mut sgd = SGD::new(vec![w.clone()], 0.5).unwrap();
    let schedule = KerasOneCycle::builder((0.002, 0.01), 12)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    let mut fit = Fit::new(schedule, Cycle::new(3, 4).unwrap())
        .unwrap()
        .quiet(true);
    let e = fit
        .run(&mut VarMap::new(), &mut sgd, |_, _| Ok(loss(&w)?))
        .unwrap_err();
    match e {
        Error::Adapter(AdapterError::Unsupported {
            optimizer,
            param,
            value,
        }) => {
            assert_eq!(
                (optimizer, param, value),
                ("candle_nn::SGD", "momentum", 0.95)
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(sgd.learning_rate(), 0.5, "nothing applied");
    let h = Hypers {
        lr: 0.1,
        momentum: None,
        weight_decay: Some(1e-4),
    };
    assert!(matches!(
        sgd.apply(0, &h),
        Err(Error::Adapter(AdapterError::Unsupported {
            param: "weight_decay",
            ..
        }))
    ));
}

/// PyTorch's SGD refuses only a negative momentum and its schedulers
/// cycle any (its own tests between 1 and 22): `MomentumSgd` takes any
/// finite momentum >= 0. What an optimizer cannot take (a negative
/// momentum, AdamW's beta1 outside [0, 1)) is refused where it is set,
/// naming the optimizer, the parameter group and the value (issue 22).
#[test]
fn momentum_is_any_number_at_least_zero_and_beta1_below_one() {
    let at = |momentum| Hypers {
        lr: 0.1,
        momentum: Some(momentum),
        weight_decay: None,
    };
    let params = SgdParams {
        momentum: 22.0,
        ..SgdParams::default()
    };
    let mut sgd = MomentumSgd::new(vec![var()], params).unwrap();
    for momentum in [1.0, 22.0, 0.0] {
        sgd.apply(0, &at(momentum)).unwrap();
        assert_eq!(sgd.params().momentum, momentum);
    }
    let e = sgd.apply(0, &at(-0.5)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "MomentumSgd, parameter group 0: `momentum` = -0.5: expected a finite number >= 0"
    );
    assert_eq!(sgd.params().momentum, 0.0, "unchanged");

    // In groups, the error names the group as the schedule counts them.
    let mut groups = ParamGroups::new(vec![
        AdamW::new(vec![var()], ParamsAdamW::default()).unwrap(),
        AdamW::new(vec![var()], ParamsAdamW::default()).unwrap(),
    ]);
    groups.apply(0, &at(0.95)).unwrap();
    for beta1 in [1.0, 22.0, -0.1] {
        let e = groups.apply(1, &at(beta1)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Adapter(AdapterError::Invalid {
                    optimizer: "candle_nn::AdamW",
                    group: Some(1),
                    param: "beta1",
                    value,
                    ..
                }) if value == beta1
            ),
            "{e}"
        );
    }
    let e = groups.apply(1, &at(1.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "candle_nn::AdamW, parameter group 1: `beta1` = 1: expected a number in [0, 1)"
    );
}

#[test]
fn out_of_range_values_and_groups_are_errors() {
    let w = var();
    let mut adam = AdamW::new(vec![w.clone()], ParamsAdamW::default()).unwrap();
    let bad = [
        (f64::NAN, None, None, "lr"),
        (-1e-3, None, None, "lr"),
        (1e-3, Some(1.0), None, "beta1"),
        (1e-3, Some(-0.1), None, "beta1"),
        (1e-3, None, Some(-1.0), "weight_decay"),
    ];
    for (lr, momentum, weight_decay, name) in bad {
        let h = Hypers {
            lr,
            momentum,
            weight_decay,
        };
        match adam.apply(0, &h) {
            Err(Error::Adapter(AdapterError::Invalid { param, .. })) => assert_eq!(param, name),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(adam.params().lr, ParamsAdamW::default().lr, "unchanged");
    }
    let h = Hypers {
        lr: 1e-3,
        momentum: None,
        weight_decay: None,
    };
    assert!(matches!(
        adam.apply(1, &h),
        Err(Error::Adapter(AdapterError::NoSuchGroup {
            group: 1,
            groups: 1
        }))
    ));
    assert!(matches!(
        adam.apply_all(&h, &[1.0, 2.0]),
        Err(Error::Core(clr_core::Error::Invalid {
            param: "lr_factors",
            expected: clr_core::Expected::Count(1),
            ..
        }))
    ));
    assert!(matches!(
        adam.apply_all(&h, &[f64::INFINITY]),
        Err(Error::Core(clr_core::Error::Invalid {
            param: "lr_factors",
            expected: clr_core::Expected::NonNegative,
            ..
        }))
    ));
}

#[test]
fn param_groups_get_their_factors_and_roll_back_together() {
    let body = Var::zeros(4, DType::F32, &Device::Cpu).unwrap();
    let head = Var::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let params = SgdParams {
        lr: 0.5,
        momentum: 0.9,
        nesterov: true,
        ..SgdParams::default()
    };
    let plain = SgdParams {
        nesterov: false,
        ..params
    };
    let mut groups = ParamGroups::new(vec![
        MomentumSgd::new(vec![body.clone()], plain).unwrap(),
        MomentumSgd::new(vec![head.clone()], params).unwrap(),
    ]);
    assert_eq!(groups.groups(), 2);
    let h = Hypers {
        lr: 0.01,
        momentum: Some(0.85),
        weight_decay: None,
    };
    groups.apply_all(&h, &[0.25, 1.0]).unwrap();
    assert_eq!(groups.optimizers()[0].learning_rate(), 0.01 * 0.25);
    assert_eq!(groups.optimizers()[1].learning_rate(), 0.01);
    assert_eq!(groups.current(1).unwrap().momentum, Some(0.85));
    // Group 1 (Nesterov) refuses momentum 0: group 0 is put back as well.
    let zero = Hypers {
        lr: 0.2,
        momentum: Some(0.0),
        weight_decay: None,
    };
    assert!(groups.apply_all(&zero, &[]).is_err());
    assert_eq!(groups.current(0).unwrap().lr, 0.01 * 0.25);
    assert_eq!(groups.current(0).unwrap().momentum, Some(0.85));
    assert!(matches!(
        groups.current(2),
        Err(Error::Adapter(AdapterError::NoSuchGroup {
            group: 2,
            groups: 2
        }))
    ));

    // One backward pass steps both groups, each at its own rate.
    let target = Tensor::ones(4, DType::F32, &Device::Cpu).unwrap();
    let loss = (body.as_tensor() - &target)
        .unwrap()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        + (head.as_tensor() - 1.0)
            .unwrap()
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap();
    let grads = loss.unwrap().backward().unwrap();
    groups.optimizer_step(&grads).unwrap();
    let b = body.as_tensor().to_vec1::<f32>().unwrap()[0];
    let hd = head.as_tensor().to_vec1::<f32>().unwrap()[0];
    // grad 2(w - 1) = -2; body: 0.0025 * 2; head (Nesterov, first step): 0.01 * 2 * (1 + 0.85).
    assert!((b - 0.005).abs() < 1e-7, "{b}");
    assert!((hd - 0.037).abs() < 1e-7, "{hd}");
}

#[test]
fn fit_lr_factors_reach_each_group_every_step() {
    let a = var();
    let b = var();
    let read = |o: &ParamGroups<SGD>| Hypers {
        lr: o.optimizers()[0].learning_rate(),
        momentum: Some(o.optimizers()[1].learning_rate()),
        weight_decay: None,
    };
    let mut probe = Probe {
        inner: ParamGroups::new(vec![
            SGD::new(vec![a.clone()], 1.0).unwrap(),
            SGD::new(vec![b.clone()], 1.0).unwrap(),
        ]),
        read,
        seen: Vec::new(),
    };
    let lr = KerasOneCycle::builder((0.002, 0.01), 8).build().unwrap();
    let mut fit = Fit::new(Bundle::lr_only(lr.lr()), Cycle::new(2, 4).unwrap())
        .unwrap()
        .quiet(true)
        .lr_factors(vec![0.1, 1.0]);
    fit.run(&mut VarMap::new(), &mut probe, |_, _| {
        Ok((loss(&a)? + loss(&b)?)?)
    })
    .unwrap();
    assert_eq!(probe.seen.len(), 8);
    for (step, h) in probe.seen.iter().enumerate() {
        let want = lr.lr().at(step as u64);
        assert_eq!(h.lr, want * 0.1);
        assert_eq!(h.momentum, Some(want));
    }
    // Factors must match the groups.
    let mut fit = Fit::new(Bundle::lr_only(lr.lr()), Cycle::new(2, 4).unwrap())
        .unwrap()
        .quiet(true)
        .lr_factors(vec![1.0]);
    assert!(matches!(
        fit.run(&mut VarMap::new(), &mut probe, |_, _| Ok(loss(&a)?)),
        Err(Error::Core(clr_core::Error::Invalid {
            param: "lr_factors",
            expected: clr_core::Expected::Count(2),
            ..
        }))
    ));
}
