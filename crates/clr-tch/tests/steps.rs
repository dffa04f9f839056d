//! The hyper-parameters reach libtorch's optimizer at every step: two steps
//! on a known parameter with a known gradient, under hyper-parameters that
//! change between the steps, checked against the closed-form updates and
//! against PyTorch 2.13's own optimizers (tests/fixtures/optimizer_steps.json,
//! from scripts/fixtures/gen_tch.py).

use clr_core::{even_mults, Hypers};
use clr_tch::{OptimizerSpec, ScheduledOptimizer, TchOptimizer};
use serde_json::Value;

mod common;

use common::{assert_close, known_gradient_step, param, values};
use tch::nn::{self, VarStore};
use tch::{Device, Tensor};

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/optimizer_steps.json")).expect("valid fixture")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn hypers(v: &Value) -> Hypers<f64> {
    Hypers {
        lr: v["lr"].as_f64().unwrap(),
        momentum: Some(v["momentum"].as_f64().unwrap()),
        weight_decay: Some(v["weight_decay"].as_f64().unwrap()),
    }
}

fn spec(kind: &str, constructor: &Hypers<f64>, doc: &Value) -> (OptimizerSpec, f64) {
    let m = constructor.momentum.unwrap();
    let wd = constructor.weight_decay.unwrap();
    let beta2 = doc["beta2"].as_f64().unwrap();
    let eps = doc["eps"].as_f64().unwrap();
    let alpha = doc["alpha"].as_f64().unwrap();
    let spec = match kind {
        "sgd" => nn::Sgd {
            momentum: m,
            wd,
            ..Default::default()
        }
        .into(),
        "adam" => nn::Adam {
            beta1: m,
            beta2,
            eps,
            wd,
            amsgrad: false,
        }
        .into(),
        "adamw" => nn::AdamW {
            beta1: m,
            beta2,
            eps,
            wd,
            amsgrad: false,
        }
        .into(),
        "rmsprop" => nn::RmsProp {
            alpha,
            eps,
            wd,
            momentum: m,
            centered: false,
        }
        .into(),
        _ => unreachable!("{kind}"),
    };
    (spec, constructor.lr)
}

/// The closed-form updates of PyTorch's optimizers, element by element,
/// for the hyper-parameters of each step.
fn closed_form(
    kind: &str,
    p0: &[f64],
    grads: &[Vec<f64>],
    hs: &[Hypers<f64>],
    doc: &Value,
) -> Vec<Vec<f64>> {
    let beta2 = doc["beta2"].as_f64().unwrap();
    let eps = doc["eps"].as_f64().unwrap();
    let alpha = doc["alpha"].as_f64().unwrap();
    let mut p = p0.to_vec();
    let n = p.len();
    let (mut buf, mut m, mut v) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut out = Vec::new();
    for (t, (g, h)) in grads.iter().zip(hs).enumerate() {
        let (lr, mom, wd) = (h.lr, h.momentum.unwrap(), h.weight_decay.unwrap());
        let step = (t + 1) as i32;
        for i in 0..n {
            match kind {
                "sgd" => {
                    let d = g[i] + wd * p[i];
                    // The first step fills the buffer with the gradient.
                    buf[i] = if t == 0 { d } else { mom * buf[i] + d };
                    p[i] -= lr * buf[i];
                }
                "adam" | "adamw" => {
                    let d = if kind == "adam" {
                        g[i] + wd * p[i]
                    } else {
                        p[i] *= 1.0 - lr * wd;
                        g[i]
                    };
                    m[i] = mom * m[i] + (1.0 - mom) * d;
                    v[i] = beta2 * v[i] + (1.0 - beta2) * d * d;
                    // Bias corrections with the current beta1, as PyTorch.
                    let bc1 = 1.0 - mom.powi(step);
                    let bc2 = 1.0 - beta2.powi(step);
                    p[i] -= lr / bc1 * m[i] / (v[i].sqrt() / bc2.sqrt() + eps);
                }
                "rmsprop" => {
                    let d = g[i] + wd * p[i];
                    v[i] = alpha * v[i] + (1.0 - alpha) * d * d;
                    buf[i] = mom * buf[i] + d / (v[i].sqrt() + eps);
                    p[i] -= lr * buf[i];
                }
                _ => unreachable!("{kind}"),
            }
        }
        out.push(p.clone());
    }
    out
}

/// Both steps of one fixture case through clr-tch: the parameter after each.
fn run_case(kind: &str, doc: &Value) -> Vec<Vec<f64>> {
    let case = &doc["cases"][kind];
    let constructor = hypers(&case["constructor"]);
    let (spec, lr) = spec(kind, &constructor, doc);
    let vs = VarStore::new(Device::Cpu);
    let p = param(&vs, "p", &floats(&doc["p0"]), 0);
    let mut opt = TchOptimizer::new(&vs, spec, lr).unwrap();
    assert_eq!(opt.current(0).unwrap(), constructor);
    let mut out = Vec::new();
    for (g, h) in doc["grads"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["hypers"].as_array().unwrap())
    {
        let h = hypers(h);
        opt.apply_all(&h, &[]).unwrap();
        assert_eq!(opt.current(0).unwrap(), h);
        known_gradient_step(&mut opt, &[(&p, &floats(g))]).unwrap();
        out.push(values(&p));
    }
    out
}

fn check_case(kind: &str) {
    let doc = fixture();
    let case = &doc["cases"][kind];
    let p0 = floats(&doc["p0"]);
    let grads: Vec<Vec<f64>> = doc["grads"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let hs: Vec<Hypers<f64>> = case["hypers"]
        .as_array()
        .unwrap()
        .iter()
        .map(hypers)
        .collect();
    let torch: Vec<Vec<f64>> = case["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();

    let got = run_case(kind, &doc);
    let expected = closed_form(kind, &p0, &grads, &hs, &doc);
    for step in 0..2 {
        assert_close(
            &format!("{kind} step {step} vs PyTorch"),
            &got[step],
            &torch[step],
            1e-14,
        );
        assert_close(
            &format!("{kind} step {step} vs closed form"),
            &got[step],
            &expected[step],
            1e-13,
        );
    }

    // The check has teeth: had the second step's momentum (beta1) not
    // reached the optimizer (the first step's kept), the parameter would
    // differ by far more than the tolerance.
    let mut stale = hs.clone();
    stale[1].momentum = stale[0].momentum;
    let wrong = closed_form(kind, &p0, &grads, &stale, &doc);
    let gap = got[1]
        .iter()
        .zip(&wrong[1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(gap > 1e-6, "{kind}: momentum makes no difference ({gap:e})");
}

#[test]
fn sgd_with_momentum_matches_pytorch_and_closed_form() {
    check_case("sgd");
}

#[test]
fn adam_beta1_matches_pytorch_and_closed_form() {
    check_case("adam");
}

#[test]
fn adamw_decoupled_weight_decay_matches_pytorch_and_closed_form() {
    check_case("adamw");
}

#[test]
fn rmsprop_momentum_matches_pytorch_and_closed_form() {
    check_case("rmsprop");
}

/// Discriminative learning rates: group `i` steps at `factor[i]` times the
/// scheduled rate, its momentum and weight decay as scheduled.
#[test]
fn group_factors_scale_each_groups_step() {
    let mut factors = [0.0; 3];
    even_mults(1e-3, 1e-1, &mut factors).unwrap(); // fastai's slice(1e-3, 1e-1)
    let factors = factors.map(|f| f / 1e-1); // relative to the scheduled lr
    let g = [0.5, -2.0];
    for spec in [
        OptimizerSpec::from(nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        }),
        nn::Adam::default().into(),
    ] {
        let vs = VarStore::new(Device::Cpu);
        let ps: Vec<Tensor> = (0..3)
            .map(|i| param(&vs, &format!("p{i}"), &[1.0, 1.0], i))
            .collect();
        let mut opt = TchOptimizer::new(&vs, spec, 1.0).unwrap();
        assert_eq!(opt.groups(), 3);
        let h = Hypers {
            lr: 0.1,
            momentum: Some(0.8),
            weight_decay: Some(0.0),
        };
        opt.apply_all(&h, &factors).unwrap();
        let inputs: Vec<(&Tensor, &[f64])> = ps.iter().map(|p| (p, &g[..])).collect();
        known_gradient_step(&mut opt, &inputs).unwrap();
        for (i, p) in ps.iter().enumerate() {
            let lr = 0.1 * factors[i];
            assert_eq!(opt.current(i).unwrap(), Hypers { lr, ..h });
            let want: Vec<f64> = g
                .iter()
                .map(|gi| match opt.kind() {
                    // First SGD step: the buffer is the gradient.
                    clr_tch::OptimizerKind::Sgd => 1.0 - lr * gi,
                    // First Adam step: m̂ / sqrt(v̂) = g / |g| (up to eps).
                    _ => 1.0 - lr * gi / (gi.abs() + 1e-8),
                })
                .collect();
            assert_close(
                &format!("{:?} group {i}", opt.kind()),
                &values(p),
                &want,
                1e-12,
            );
        }
    }
}

/// Variables added to the VarStore after the optimizer was built join it
/// (with their groups) at the next call, as in tch.
#[test]
fn variables_added_later_join_with_their_groups() {
    let vs = VarStore::new(Device::Cpu);
    let a = param(&vs, "a", &[1.0], 0);
    let mut opt = TchOptimizer::new(&vs, nn::Sgd::default(), 0.5).unwrap();
    assert_eq!(opt.groups(), 1);
    let b = param(&vs, "b", &[1.0], 2);
    assert_eq!(opt.groups(), 3);
    assert_eq!(opt.current(2).unwrap().lr, 0.5); // libtorch's defaults, until set
    let h = Hypers {
        lr: 0.1,
        momentum: None,
        weight_decay: None,
    };
    opt.apply_all(&h, &[1.0, 1.0, 2.0]).unwrap();
    known_gradient_step(&mut opt, &[(&a, &[1.0]), (&b, &[1.0])]).unwrap();
    assert_close("a", &values(&a), &[0.9], 1e-15);
    assert_close("b", &values(&b), &[0.8], 1e-15);
}

/// Unchanged values are not set again, and a rebuilt optimizer starts over.
#[test]
fn rebuild_resets_hyper_parameters_and_moments() {
    let vs = VarStore::new(Device::Cpu);
    let p = param(&vs, "p", &[1.0], 0);
    let mut opt = TchOptimizer::new(
        &vs,
        nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        },
        0.1,
    )
    .unwrap();
    // Two steps build up a momentum buffer ...
    for _ in 0..2 {
        known_gradient_step(&mut opt, &[(&p, &[1.0])]).unwrap();
    }
    assert_close("p", &values(&p), &[1.0 - 0.1 - 0.1 * 1.9], 1e-15);
    opt.apply_all(
        &Hypers {
            lr: 0.3,
            momentum: Some(0.5),
            weight_decay: None,
        },
        &[],
    )
    .unwrap();
    // ... which a rebuild forgets, with the hyper-parameters.
    opt.rebuild().unwrap();
    assert_eq!(opt.current(0).unwrap().lr, 0.1);
    assert_eq!(opt.current(0).unwrap().momentum, Some(0.9));
    let before = values(&p)[0];
    known_gradient_step(&mut opt, &[(&p, &[1.0])]).unwrap();
    assert_close("p after rebuild", &values(&p), &[before - 0.1], 1e-15);
}
