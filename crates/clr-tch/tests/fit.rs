//! `Fit` sets the scheduled learning rate, momentum and weight decay on the
//! optimizer before every step: a parameter with a known gradient follows
//! the closed-form PyTorch recursion under the schedule's values, step by
//! step.

use std::cell::RefCell;

use clr_core::{
    Bundle, Cycle, HyperSchedule, Hypers, Lr, OneCycleLr, Scaled, Scheduler, SchedulerState,
};
use clr_tch::{AdapterError, Error, Fit, OptimizerSpec, TchOptimizer};
use clr_train::{Batch, Evaluation, StepOutput};
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

const G: [f64; 2] = [0.5, -1.5];
const P0: [f64; 2] = [1.0, -2.0];

fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.detach()).expect("a 1-D f64 tensor")
}

/// One-cycle over `cycle` with momentum and a weight decay a tenth of the lr.
fn schedule(cycle: Cycle) -> impl HyperSchedule<f64> + Clone {
    let one_cycle = OneCycleLr::builder(0.1, cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    one_cycle.with_weight_decay(Scaled::new(Lr(one_cycle), 0.1).unwrap())
}

/// Trains `p` (loss `(p * G).sum()`) under `spec` for one cycle; returns
/// the parameter before every step with the hyper-parameters of the step.
fn trace(spec: OptimizerSpec) -> Vec<(Vec<f64>, Hypers<f64>)> {
    let cycle = Cycle::new(3, 4).unwrap();
    let mut vs = VarStore::new(Device::Cpu);
    let p = vs.root().add("p", Tensor::from_slice(&P0), true);
    // Built with values the schedule overrides.
    let mut opt = TchOptimizer::new(&vs, spec, 7.0).unwrap();
    let seen = RefCell::new(Vec::new());
    let history = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .validation(|_, _| Ok(0.0))
        .run(&mut vs, &mut opt, |_, batch: Batch| {
            seen.borrow_mut().push((values(&p), batch.hypers));
            Ok(StepOutput::new((&p * Tensor::from_slice(&G)).sum(Kind::Double)).metric("m", 1.0))
        })
        .unwrap()
        .history;
    assert_eq!(history.len(), 3);
    let names: Vec<&str> = history.names().collect();
    assert_eq!(names, ["loss", "m", "val_loss", "momentum", "lr"]);
    let mut seen = seen.into_inner();
    seen.push((values(&p), Hypers::default()));
    seen
}

#[test]
fn sgd_gets_every_steps_lr_momentum_and_weight_decay() {
    let seen = trace(
        nn::Sgd {
            momentum: 0.5,
            ..Default::default()
        }
        .into(),
    );
    let cycle = Cycle::new(3, 4).unwrap();
    let sched = schedule(cycle);
    let mut p = P0;
    let mut buf = [0.0; 2];
    for step in 0..12 {
        let h = sched.hypers(step);
        assert_eq!(seen[step as usize].1, h);
        let got = &seen[step as usize].0;
        for i in 0..2 {
            // libtorch may fuse `p - lr * buf`: equal to the last bit or two.
            assert!(
                (got[i] - p[i]).abs() < 1e-14,
                "before step {step}: {got:?} vs {p:?}"
            );
        }
        for i in 0..2 {
            let d = G[i] + h.weight_decay.unwrap() * p[i];
            buf[i] = if step == 0 {
                d
            } else {
                h.momentum.unwrap() * buf[i] + d
            };
            p[i] -= h.lr * buf[i];
        }
    }
    let last = &seen[12].0;
    for i in 0..2 {
        assert!((last[i] - p[i]).abs() < 1e-14, "{last:?} vs {p:?}");
    }
}

#[test]
fn adam_gets_every_steps_lr_beta1_and_weight_decay() {
    let seen = trace(nn::Adam::default().beta1(0.5).into());
    let cycle = Cycle::new(3, 4).unwrap();
    let sched = schedule(cycle);
    let (beta2, eps) = (0.999_f64, 1e-8);
    let mut p = P0;
    let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
    for step in 0..12u64 {
        let h = sched.hypers(step);
        let (lr, b1, wd) = (h.lr, h.momentum.unwrap(), h.weight_decay.unwrap());
        let t = step as i32 + 1;
        for i in 0..2 {
            let d = G[i] + wd * p[i];
            m[i] = b1 * m[i] + (1.0 - b1) * d;
            v[i] = beta2 * v[i] + (1.0 - beta2) * d * d;
            let (bc1, bc2) = (1.0 - b1.powi(t), 1.0 - beta2.powi(t));
            p[i] -= lr / bc1 * m[i] / (v[i].sqrt() / bc2.sqrt() + eps);
        }
        let got = &seen[step as usize + 1].0;
        for i in 0..2 {
            assert!(
                (got[i] - p[i]).abs() < 1e-13,
                "step {step}: {got:?} vs {p:?}"
            );
        }
    }
}

#[test]
fn lr_factors_reach_each_group_and_bad_ones_are_errors() {
    let mut vs = VarStore::new(Device::Cpu);
    let a = vs
        .root()
        .set_group(0)
        .add("a", Tensor::from_slice(&[0.0_f64]), true);
    let b = vs
        .root()
        .set_group(1)
        .add("b", Tensor::from_slice(&[0.0_f64]), true);
    let mut opt = TchOptimizer::new(&vs, nn::Sgd::default(), 1.0).unwrap();
    let cycle = Cycle::new(1, 2).unwrap();
    let flat = clr_core::Bundle::lr_only(clr_core::Constant::new(0.1).unwrap());
    let loss = || (&a + &b).sum(Kind::Double); // gradient 1 for both
    Fit::new(flat, cycle)
        .unwrap()
        .quiet(true)
        .lr_factors(vec![0.25, 1.0])
        .run(&mut vs, &mut opt, |_, _| Ok(loss()))
        .unwrap();
    assert_eq!(values(&a), [-2.0 * 0.1 * 0.25]);
    assert_eq!(values(&b), [-2.0 * 0.1]);

    let err = Fit::new(flat, cycle)
        .unwrap()
        .lr_factors(vec![1.0])
        .run(&mut vs, &mut opt, |_, _| Ok(loss()))
        .unwrap_err();
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
    // A loss that is not a single number is an error, not a panic.
    let err = Fit::new(flat, cycle)
        .unwrap()
        .quiet(true)
        .run(&mut vs, &mut opt, |_, _| {
            Ok(&a * 2.0 + Tensor::zeros([3], (Kind::Double, Device::Cpu)))
        })
        .unwrap_err();
    assert!(
        matches!(err, Error::Adapter(AdapterError::LossShape { ref shape }) if shape == &[3]),
        "{err}"
    );
    // Errors from the closures come back as they are.
    let err = Fit::new(flat, cycle)
        .unwrap()
        .quiet(true)
        .validation(|_, _| Err::<Evaluation, _>("no data".into()))
        .run(&mut vs, &mut opt, |_, _| Ok(loss()))
        .unwrap_err();
    assert_eq!(err.to_string(), "no data");
}

/// A `Fit` given a resumed `Scheduler` goes on from the scheduler's
/// iteration, at the right epoch and batch (issue 22). SGD without momentum
/// keeps nothing but the weights, so a run that broke down (between two
/// epochs or midway through one) and resumes from its saved weights and
/// scheduler state ends with the uninterrupted run's weights, bit for bit.
#[test]
fn a_resumed_fit_ends_with_the_uninterrupted_weights() {
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = Bundle::lr_only(Lr(OneCycleLr::builder(0.1, 20).build().unwrap()));
    // Each batch its own target, so that skipping or repeating one shows.
    let loss = |p: &Tensor, b: &Batch| {
        let target = Tensor::from_slice(&[b.index as f64, -(b.epoch as f64)]);
        (p - target).square().sum(Kind::Double)
    };
    // Trains from `start` (the saved weights and state) or afresh, until
    // the batch of iteration `crash` fails; returns the weights, the
    // scheduler's state and the iterations trained.
    let train = |start: Option<(Vec<f64>, SchedulerState)>, crash: Option<u64>| {
        let mut vs = VarStore::new(Device::Cpu);
        let p0 = start.as_ref().map_or(P0.to_vec(), |s| s.0.clone());
        let p = vs.root().add("p", Tensor::from_slice(&p0), true);
        let mut opt = TchOptimizer::new(&vs, nn::Sgd::default(), 0.1).unwrap();
        let mut scheduler = Scheduler::new(schedule, cycle).unwrap().stop_at_end();
        if let Some((_, state)) = start {
            scheduler = scheduler.resume(state);
        }
        let mut fit = Fit::with_scheduler(scheduler).quiet(true);
        let mut trained = Vec::new();
        let result = fit.run(&mut vs, &mut opt, |_, b: Batch| {
            if Some(b.iteration) == crash {
                return Err("crash".into());
            }
            trained.push(b.iteration);
            Ok(loss(&p, &b))
        });
        assert_eq!(result.is_ok(), crash.is_none());
        (values(&p), fit.scheduler().state(), trained)
    };
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let (whole, _, all) = train(None, None);
    assert_eq!(all, (0..20).collect::<Vec<_>>());
    for crash in [13, 10] {
        let (p, state, head) = train(None, Some(crash));
        assert_eq!(state.iteration, crash);
        let (end, _, tail) = train(Some((p, state)), None);
        assert_eq!([head, tail].concat(), all, "crash at {crash}");
        assert_eq!(bits(&end), bits(&whole), "crash at {crash}");
    }
}
