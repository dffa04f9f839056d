//! What libtorch would panic on, or an optimizer cannot take, is a typed
//! error that names the optimizer, the group and the value, and leaves the
//! optimizer as it was.

use clr_core::Hypers;
use clr_tch::{AdapterError, Error, OptimizerSpec, ScheduledOptimizer, TchOptimizer};
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

mod common;

use common::{assert_close, known_gradient_step, param, values};

/// Everything tch would panic on is an error, and leaves the optimizer as it was.
#[test]
fn bad_groups_and_values_are_errors_not_panics() {
    let vs = VarStore::new(Device::Cpu);
    let _a = param(&vs, "a", &[1.0], 0);
    let _b = param(&vs, "b", &[1.0], 1);
    let h = Hypers {
        lr: 0.01,
        momentum: Some(0.9),
        weight_decay: Some(0.0),
    };
    for spec in [
        OptimizerSpec::from(nn::Sgd::default()),
        nn::Adam::default().into(),
        nn::AdamW::default().into(),
        nn::RmsProp::default().into(),
    ] {
        let mut opt = TchOptimizer::new(&vs, spec, 1e-3).unwrap();
        let name = opt.name();
        opt.apply_all(&h, &[]).unwrap();
        let before = [opt.current(0).unwrap(), opt.current(1).unwrap()];

        let err = opt.apply(2, &h).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Adapter(AdapterError::NoSuchGroup {
                    group: 2,
                    groups: 2
                })
            ),
            "{name}: {err}"
        );
        assert!(matches!(
            opt.current(7),
            Err(Error::Adapter(AdapterError::NoSuchGroup { group: 7, .. }))
        ));
        let err = opt.apply_all(&h, &[1.0]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Core(clr_core::Error::Invalid {
                    param: "lr_factors",
                    expected: clr_core::Expected::Count(2),
                    ..
                })
            ),
            "{err}"
        );
        let err = opt.apply_all(&h, &[1.0, f64::NAN]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Core(clr_core::Error::Invalid {
                    param: "lr_factors",
                    expected: clr_core::Expected::NonNegative,
                    ..
                })
            ),
            "{err}"
        );
        // A factor beyond any sane scale is refused before it can overflow the lr.
        let err = opt
            .apply_all(&Hypers { lr: 10.0, ..h }, &[1.0, f64::MAX])
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Core(clr_core::Error::Invalid {
                    param: "lr_factors",
                    expected: clr_core::Expected::Magnitude(_),
                    ..
                })
            ),
            "{err}"
        );
        // A finite factor whose product overflows is the optimizer's refusal.
        let err = opt
            .apply_all(&Hypers { lr: 1e300, ..h }, &[1.0, 1e100])
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Adapter(AdapterError::Invalid { param: "lr", .. })
            ),
            "{err}"
        );
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = opt.apply_all(&Hypers { lr: bad, ..h }, &[]).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Adapter(AdapterError::Invalid { param: "lr", .. })
                ),
                "{name}: {err}"
            );
            let err = opt
                .apply_all(
                    &Hypers {
                        weight_decay: Some(bad),
                        ..h
                    },
                    &[],
                )
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Adapter(AdapterError::Invalid {
                        param: "weight_decay",
                        ..
                    })
                ),
                "{err}"
            );
        }
        let momentum_param = opt.kind().momentum_param();
        // beta1 lies in [0, 1); a momentum is any finite number >= 0.
        let bad: &[f64] = match momentum_param {
            "beta1" => &[-0.1, 1.0, 1.5, f64::NAN],
            _ => &[-0.1, f64::NAN, f64::INFINITY],
        };
        for &bad in bad {
            let err = opt
                .apply(
                    1,
                    &Hypers {
                        momentum: Some(bad),
                        ..h
                    },
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::Adapter(AdapterError::Invalid { param, group: Some(1), .. }) if param == momentum_param),
                "{name}: {err}"
            );
            assert!(err.to_string().contains(name), "{err}");
        }
        if opt.kind().momentum_is_shared() {
            if momentum_param == "beta1" {
                // beta1 = 1 is refused (Adam's bias correction divides by zero).
                let err = opt
                    .apply_all(
                        &Hypers {
                            momentum: Some(1.0),
                            ..h
                        },
                        &[],
                    )
                    .unwrap_err();
                assert!(
                    matches!(
                        err,
                        Error::Adapter(AdapterError::Invalid { param: "beta1", .. })
                    ),
                    "{err}"
                );
            }
            // One group alone cannot get its own momentum.
            let err = opt
                .apply(
                    1,
                    &Hypers {
                        momentum: Some(0.5),
                        ..h
                    },
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::SharedMomentum { group: 1, .. }),
                "{name}: {err}"
            );
        } else {
            opt.apply(
                1,
                &Hypers {
                    momentum: Some(0.5),
                    ..h
                },
            )
            .unwrap();
            assert_eq!(opt.current(1).unwrap().momentum, Some(0.5));
            opt.apply(1, &before[1]).unwrap();
        }
        assert_eq!(
            [opt.current(0).unwrap(), opt.current(1).unwrap()],
            before,
            "{name}"
        );
    }
}

/// PyTorch's SGD and RMSprop refuse only a negative momentum (its
/// schedulers' own tests cycle it between 1 and 22); the Adam family's
/// beta1 must lie in [0, 1). A refusal names the optimizer, the parameter
/// group and the value (issue 22).
#[test]
fn momentum_is_any_number_at_least_zero_and_beta1_below_one() {
    let vs = VarStore::new(Device::Cpu);
    let a = param(&vs, "a", &[1.0], 0);
    let _b = param(&vs, "b", &[1.0], 1);
    let at = |momentum| Hypers {
        lr: 0.01,
        momentum: Some(momentum),
        weight_decay: Some(0.0),
    };
    let sgd = nn::Sgd {
        momentum: 22.0,
        ..Default::default()
    };
    let rms = nn::RmsProp {
        momentum: 22.0,
        ..Default::default()
    };
    for spec in [OptimizerSpec::from(sgd), rms.into()] {
        let mut opt = TchOptimizer::new(&vs, spec, 0.01).unwrap();
        for m in [1.0, 22.0] {
            opt.apply_all(&at(m), &[]).unwrap();
            assert_eq!(opt.current(1).unwrap().momentum, Some(m));
        }
        let err = opt.apply_all(&at(-0.5), &[]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Adapter(AdapterError::Invalid {
                    param: "momentum",
                    group: Some(0),
                    value: -0.5,
                    ..
                })
            ),
            "{err}"
        );
    }
    // libtorch's SGD steps with it: buf = g, then 22·buf + g.
    let mut opt = TchOptimizer::new(&vs, sgd, 0.01).unwrap();
    for _ in 0..2 {
        known_gradient_step(&mut opt, &[(&a, &[0.5])]).unwrap();
    }
    assert_close(
        "SGD momentum 22",
        &values(&a),
        &[1.0 - 0.01 * 0.5 - 0.01 * 11.5],
        1e-15,
    );

    for spec in [
        OptimizerSpec::from(nn::Adam::default()),
        nn::AdamW::default().into(),
    ] {
        let mut opt = TchOptimizer::new(&vs, spec, 0.01).unwrap();
        let name = opt.name();
        let err = opt.apply_all(&at(1.0), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{name}, parameter group 0: `beta1` = 1: expected a number in [0, 1)")
        );
        let err = opt.apply(1, &at(22.0)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Adapter(AdapterError::Invalid {
                    param: "beta1",
                    group: Some(1),
                    value: 22.0,
                    ..
                })
            ),
            "{err}"
        );
    }
}

#[test]
fn configurations_are_checked_before_libtorch_sees_them() {
    let vs = VarStore::new(Device::Cpu);
    let _p = param(&vs, "p", &[1.0], 0);
    let cases: [(OptimizerSpec, f64, &str); 6] = [
        (nn::Sgd::default().into(), -1.0, "lr"),
        (
            nn::Sgd {
                nesterov: true,
                ..Default::default()
            }
            .into(),
            0.1,
            "momentum",
        ),
        (nn::Adam::default().beta1(1.0).into(), 0.1, "beta1"),
        (nn::AdamW::default().beta2(-0.5).into(), 0.1, "beta2"),
        (nn::Adam::default().eps(f64::NAN).into(), 0.1, "eps"),
        (
            nn::RmsProp {
                wd: -1.0,
                ..Default::default()
            }
            .into(),
            0.1,
            "weight_decay",
        ),
    ];
    for (spec, lr, param) in cases {
        let err = TchOptimizer::new(&vs, spec, lr).unwrap_err();
        assert!(
            matches!(err, Error::Adapter(AdapterError::Invalid { param: p, .. }) if p == param),
            "{err}"
        );
    }
}

/// Why the adapter routes around tch's setters: they panic. libtorch's
/// `set_momentum_group` fails for every kind but SGD (after setting the
/// value), and a group index past the last fails for every setter.
#[test]
fn tch_setters_panic_where_the_adapter_returns_errors() {
    use tch::COptimizer;
    let momentum_group = |mut o: COptimizer| {
        o.add_parameters(&Tensor::zeros([1], (Kind::Float, Device::Cpu)), 0)
            .unwrap();
        o.set_momentum_group(0, 0.5)
    };
    assert!(momentum_group(COptimizer::sgd(0.1, 0.9, 0.0, 0.0, false).unwrap()).is_ok());
    assert!(momentum_group(COptimizer::adam(0.1, 0.9, 0.999, 0.0, 1e-8, false).unwrap()).is_err());
    assert!(momentum_group(COptimizer::adamw(0.1, 0.9, 0.999, 0.0, 1e-8, false).unwrap()).is_err());
    assert!(
        momentum_group(COptimizer::rms_prop(0.1, 0.99, 1e-8, 0.0, 0.9, false).unwrap()).is_err()
    );

    let vs = VarStore::new(Device::Cpu);
    let _p = vs.root().zeros("p", &[1]);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut adam = nn::OptimizerConfig::build(nn::Adam::default(), &vs, 0.1).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        adam.set_momentum_group(0, 0.8);
    }))
    .is_err();
    let past_last = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        adam.set_lr_group(3, 0.1);
    }))
    .is_err();
    std::panic::set_hook(quiet);
    assert!(panicked && past_last);

    // The adapter: the same requests, no panic.
    let mut adam = TchOptimizer::new(&vs, nn::Adam::default(), 0.1).unwrap();
    let h = Hypers {
        lr: 0.1,
        momentum: Some(0.8),
        weight_decay: None,
    };
    adam.apply(0, &h).unwrap();
    assert_eq!(adam.current(0).unwrap().momentum, Some(0.8));
    assert!(matches!(
        adam.apply(3, &h),
        Err(Error::Adapter(AdapterError::NoSuchGroup {
            group: 3,
            groups: 1
        }))
    ));
}
