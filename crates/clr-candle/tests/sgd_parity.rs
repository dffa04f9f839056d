//! `MomentumSgd` against real `torch.optim.SGD` steps
//! (`tests/fixtures/sgd.json`, from `scripts/fixtures/gen_sgd.py`): momentum,
//! dampening, Nesterov, weight decay, learning rate and momentum changed
//! between steps (momentum through 0 and back), a variable without gradient.

use candle_core::{DType, Device, Tensor, Var};
use clr_candle::{MomentumSgd, ScheduledOptimizer, SgdParams};
use clr_core::Hypers;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    torch: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    dtype: String,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
    lr: f64,
    shapes: Vec<Vec<usize>>,
    params: Vec<Vec<f64>>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    lr: f64,
    momentum: f64,
    grads: Vec<Option<Vec<f64>>>,
    params: Vec<Vec<f64>>,
    buffers: Vec<Option<Vec<f64>>>,
}

fn fixture() -> Fixture {
    let text = include_str!("fixtures/sgd.json");
    serde_json::from_str(text).expect("sgd.json parses")
}

fn tensor(values: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape, &Device::Cpu)
        .and_then(|t| t.to_dtype(dtype))
        .expect("fixture tensor")
}

fn values(t: &Tensor) -> Vec<f64> {
    t.flatten_all()
        .and_then(|t| t.to_dtype(DType::F64))
        .and_then(|t| t.to_vec1::<f64>())
        .expect("tensor values")
}

/// Largest difference in units of the dtype's epsilon, relative to max(1, |expected|).
fn max_error(got: &[f64], want: &[f64], eps: f64) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(1.0) / eps)
        .fold(0.0, f64::max)
}

#[test]
fn momentum_sgd_matches_torch_optim_sgd() {
    let fixture = fixture();
    assert_eq!(fixture.torch, "2.13.0");
    assert_eq!(fixture.cases.len(), 26);
    let mut worst: Vec<(String, f64)> = Vec::new();
    for case in &fixture.cases {
        let (dtype, eps) = match case.dtype.as_str() {
            "float64" => (DType::F64, f64::EPSILON),
            _ => (DType::F32, f64::from(f32::EPSILON)),
        };
        let vars: Vec<Var> = case
            .params
            .iter()
            .zip(&case.shapes)
            .map(|(p, s)| Var::from_tensor(&tensor(p, s, dtype)).expect("var"))
            .collect();
        let params = SgdParams {
            lr: case.lr,
            momentum: case.momentum,
            dampening: case.dampening,
            nesterov: case.nesterov,
            weight_decay: case.weight_decay,
        };
        let mut sgd = MomentumSgd::new(vars.clone(), params).expect("valid params");
        let mut case_worst = 0.0_f64;
        for (k, step) in case.steps.iter().enumerate() {
            // The schedule's values for this step, set as a scheduler would.
            sgd.apply(
                0,
                &Hypers {
                    lr: step.lr,
                    momentum: Some(step.momentum),
                    weight_decay: None,
                },
            )
            .expect("apply");
            assert_eq!(sgd.params().lr, step.lr);
            assert_eq!(sgd.params().momentum, step.momentum);
            // loss = sum(p * g): its gradient with respect to p is g exactly.
            let mut loss: Option<Tensor> = None;
            for ((var, grad), shape) in vars.iter().zip(&step.grads).zip(&case.shapes) {
                if let Some(grad) = grad {
                    let g = tensor(grad, shape, dtype);
                    let term = (var.as_tensor() * g)
                        .and_then(|t| t.sum_all())
                        .expect("term");
                    loss = Some(match loss {
                        None => term,
                        Some(l) => (l + term).expect("sum"),
                    });
                }
            }
            let grads = loss.expect("a gradient").backward().expect("backward");
            sgd.step(&grads).expect("step");
            for (i, var) in vars.iter().enumerate() {
                let e = max_error(&values(var.as_tensor()), &step.params[i], eps);
                assert!(e <= 2.0, "{} step {k} param {i}: {e} eps off", case.name);
                case_worst = case_worst.max(e);
                match (&sgd.momentum_buffers()[i], &step.buffers[i]) {
                    (None, None) => {}
                    (Some(got), Some(want)) => {
                        let e = max_error(&values(got), want, eps);
                        assert!(e <= 2.0, "{} step {k} buffer {i}: {e} eps off", case.name);
                        case_worst = case_worst.max(e);
                    }
                    (got, want) => panic!(
                        "{} step {k} buffer {i}: got {}, torch has {}",
                        case.name,
                        if got.is_some() { "a buffer" } else { "none" },
                        if want.is_some() { "one" } else { "none" },
                    ),
                }
            }
        }
        worst.push((case.name.clone(), case_worst));
    }
    for (name, e) in &worst {
        eprintln!("{name:<28} max error {e:.2} eps");
    }
    // Plain SGD without weight decay is one rounding per step, as PyTorch's.
    for (name, e) in &worst {
        if name.starts_with("plain") {
            assert!(*e <= 1.0, "{name}: {e}");
        }
    }
}

#[test]
fn nesterov_needs_momentum_and_no_dampening() {
    let bad = [
        SgdParams {
            nesterov: true,
            ..SgdParams::default()
        },
        SgdParams {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            ..SgdParams::default()
        },
        SgdParams {
            lr: -0.1,
            ..SgdParams::default()
        },
        SgdParams {
            momentum: -0.5,
            ..SgdParams::default()
        },
        SgdParams {
            weight_decay: f64::NAN,
            ..SgdParams::default()
        },
    ];
    for params in bad {
        let e = MomentumSgd::new(vec![], params).unwrap_err();
        assert!(
            matches!(
                e,
                clr_candle::Error::Adapter(clr_candle::AdapterError::Invalid { .. })
            ),
            "{e}"
        );
    }
    // A scheduled momentum of 0 under Nesterov is refused, and nothing changes.
    let ok = SgdParams {
        nesterov: true,
        momentum: 0.9,
        ..SgdParams::default()
    };
    let mut sgd = MomentumSgd::new(vec![], ok).unwrap();
    let h = Hypers {
        lr: 0.5,
        momentum: Some(0.0),
        weight_decay: None,
    };
    let e = sgd.apply(0, &h).unwrap_err();
    assert_eq!(
        e.to_string(),
        "MomentumSgd, parameter group 0: `momentum` = 0: expected a number > 0 with nesterov"
    );
    assert_eq!(*sgd.params(), ok);
}

#[test]
fn state_round_trips_and_refuses_another_optimizer() {
    let w = Var::new(&[1.0_f32, 2.0, 3.0], &Device::Cpu).unwrap();
    let params = SgdParams {
        lr: 0.1,
        momentum: 0.9,
        ..SgdParams::default()
    };
    let mut sgd = MomentumSgd::new(vec![w.clone()], params).unwrap();
    let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
    sgd.step(&loss.backward().unwrap()).unwrap();
    let state = sgd.state().unwrap();
    let before = values(sgd.momentum_buffers()[0].as_ref().unwrap());
    let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
    sgd.step(&loss.backward().unwrap()).unwrap();
    sgd.set_params(SgdParams { lr: 0.5, ..params }).unwrap();
    assert_ne!(values(sgd.momentum_buffers()[0].as_ref().unwrap()), before);
    sgd.load_state(&state).unwrap();
    assert_eq!(values(sgd.momentum_buffers()[0].as_ref().unwrap()), before);
    assert_eq!(*sgd.params(), params);

    let other = Var::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let mut two = MomentumSgd::new(vec![other, w], params).unwrap();
    assert!(matches!(
        two.load_state(&state),
        Err(clr_candle::Error::Adapter(
            clr_candle::AdapterError::StateMismatch { .. }
        ))
    ));
}
