//! The range test puts the VarStore back bit for bit after every
//! weight-decay sweep and at the end — when the weights went NaN too, and
//! when a closure fails — and rebuilds the optimizer with the
//! hyper-parameters it held.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use clr_core::suggest::Suggestions;
use clr_core::{Hypers, RangeTestConfig, Smoothing, SweepStop};
use clr_tch::{
    AdapterError, Error, OptimizerState, RangeTestRunner, ScheduledOptimizer, TchOptimizer,
    TchOptimizerState, TchStep, VarStoreSnapshot,
};
use tch::nn::{self, Module, VarStore};
use tch::{Device, Kind, Tensor};

/// Every variable's bits, by name (computed here, not by the crate).
fn dump(vs: &VarStore) -> Vec<(String, Vec<u32>)> {
    let mut all: Vec<(String, Vec<u32>)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| {
            let v = Vec::<f32>::try_from(t.detach().flatten(0, -1)).expect("f32 variable");
            (name, v.into_iter().map(f32::to_bits).collect())
        })
        .collect();
    all.sort();
    all
}

/// Whether a variable holds a NaN.
fn has_nan(variables: &Mutex<nn::Variables>) -> bool {
    let variables = variables.lock().unwrap();
    variables.named_variables.values().any(|t| {
        let v = Vec::<f32>::try_from(t.detach().flatten(0, -1)).expect("f32 variable");
        v.iter().any(|x| x.is_nan())
    })
}

/// The model (whose weights are in the `VarStore` beside it) and its data.
struct Problem {
    model: nn::Sequential,
    x: Tensor,
    y: Tensor,
}

/// A 4 -> 8 -> 1 MLP in two parameter groups, with a non-trainable buffer.
fn problem() -> (VarStore, Problem) {
    tch::manual_seed(7);
    let vs = VarStore::new(Device::Cpu);
    let root = vs.root();
    let model = nn::seq()
        .add(nn::linear(
            root.set_group(0) / "body",
            4,
            8,
            Default::default(),
        ))
        .add_fn(|t| t.relu())
        .add(nn::linear(
            root.set_group(1) / "head",
            8,
            1,
            Default::default(),
        ));
    let _buffer = root.zeros_no_train("running_mean", &[3]);
    let x = Tensor::randn([64, 4], (Kind::Float, Device::Cpu));
    let y = x.sum_dim_intlist(&[1i64][..], true, Kind::Float);
    (vs, Problem { model, x, y })
}

impl Problem {
    fn loss(&self, batch: u64) -> Tensor {
        let i = 16 * (batch % 4) as i64;
        self.model
            .forward(&self.x.narrow(0, i, 16))
            .mse_loss(&self.y.narrow(0, i, 16), tch::Reduction::Mean)
    }
}

fn sgd(vs: &VarStore) -> TchOptimizer {
    let spec = nn::Sgd {
        momentum: 0.9,
        wd: 1e-4,
        ..Default::default()
    };
    TchOptimizer::new(vs, spec, 0.01).unwrap()
}

/// A `TchOptimizer` that looks at the model whenever the range test
/// restores it (the optimizer is rebuilt before the weights are put back):
/// the state it restores from.
struct Watch {
    inner: TchOptimizer,
    variables: Arc<Mutex<nn::Variables>>,
    nan_at_restore: Vec<bool>,
}

impl ScheduledOptimizer<f64> for Watch {
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
    fn apply_all(&mut self, h: &Hypers<f64>, lr_factors: &[f64]) -> Result<(), Error> {
        self.inner.apply_all(h, lr_factors)
    }
}

impl TchStep for Watch {
    fn zero_grad(&mut self) -> Result<(), Error> {
        self.inner.zero_grad()
    }
    fn optimizer_step(&mut self) -> Result<(), Error> {
        self.inner.optimizer_step()
    }
}

impl OptimizerState for Watch {
    type State = TchOptimizerState;
    fn save_state(&self) -> Result<TchOptimizerState, Error> {
        self.inner.save_state()
    }
    fn load_state(&mut self, state: &TchOptimizerState) -> Result<(), Error> {
        self.nan_at_restore.push(has_nan(&self.variables));
        self.inner.load_state(state)
    }
}

#[test]
fn every_sweep_starts_from_the_same_bits_and_the_end_restores_them_after_nan() {
    let (mut vs, p) = problem();
    let mut opt = Watch {
        inner: sgd(&vs),
        variables: Arc::clone(&vs.variables_),
        nan_at_restore: Vec::new(),
    };
    // Discriminative hyper-parameters set before the test must come back.
    let h = Hypers {
        lr: 0.02,
        momentum: Some(0.8),
        weight_decay: Some(1e-3),
    };
    opt.apply_all(&h, &[0.5, 1.0]).unwrap();
    let hypers_before = [opt.current(0).unwrap(), opt.current(1).unwrap()];
    let before = dump(&vs);

    let config = RangeTestConfig {
        lr_range: (1e-4, 1e8), // far past divergence
        steps: 40,
        batches_per_step: 1,
        threshold_multiplier: None, // only a non-finite loss stops a sweep
        wd_list: vec![0.0, 1e-3, 1e-1],
        ..Default::default()
    };
    let seen = RefCell::new(Vec::new());
    let outcome = RangeTestRunner::new(config, |vs, batch| {
        seen.borrow_mut().push(dump(vs));
        let loss = p.loss(batch);
        // Once it explodes, this model's loss turns NaN (as a log of a
        // negative number would), and so do its gradients and weights.
        Ok(if loss.double_value(&[]) > 1e3 {
            loss * f64::NAN
        } else {
            loss
        })
    })
    .lr_factors(vec![0.5, 1.0])
    .quiet(true)
    .run(&mut vs, &mut opt)
    .unwrap();

    // Every sweep stopped on a non-finite loss, and the model it left
    // behind (restored after each sweep, the last included) was NaN.
    let sweeps = &outcome.result.sweeps;
    assert_eq!(sweeps.len(), 3);
    assert_eq!(opt.nan_at_restore, [true, true, true]);
    let seen = seen.into_inner();
    let mut start = 0;
    for (k, sweep) in sweeps.iter().enumerate() {
        assert_eq!(sweep.weight_decay, Some([0.0, 1e-3, 1e-1][k]));
        let SweepStop::NonFinite { step } = sweep.stop else {
            panic!("sweep {k} ended with {:?}", sweep.stop);
        };
        // Each sweep's first batch sees the model as it was before the test.
        assert!(
            seen[start] == before,
            "sweep {k} did not start from the original bits"
        );
        start += step as usize + 1;
    }
    assert_eq!(start, seen.len());

    // At the end: the same bits, the buffer too, and the optimizer's
    // hyper-parameters per group as they were.
    assert!(dump(&vs) == before, "not restored bit for bit");
    assert_eq!(
        [opt.current(0).unwrap(), opt.current(1).unwrap()],
        hypers_before
    );
    assert!(outcome.best_sweep().is_some());
}

/// A sweep that stopped six or more steps before its end suggests on the
/// points it recorded up to the stop, as fastai and torch-lr-finder do on
/// theirs (issue 22), not on the NaN padding after it, whose
/// torch-lr-finder gradient was the divergence rate itself.
#[test]
fn an_early_stop_suggests_on_the_points_recorded() {
    let (mut vs, p) = problem();
    let mut opt = sgd(&vs);
    let before = dump(&vs);
    let config = RangeTestConfig {
        lr_range: (1e-4, 1e3),
        steps: 60,
        batches_per_step: 1,
        smoothing: Smoothing::FASTAI,
        threshold_multiplier: Some(4.0),
        ..Default::default()
    };
    let outcome = RangeTestRunner::new(config, |_, b| Ok(p.loss(b)))
        .quiet(true)
        .run(&mut vs, &mut opt)
        .unwrap();
    assert!(dump(&vs) == before, "not restored bit for bit");
    let sweep = &outcome.result.sweeps[0];
    let SweepStop::Diverged { step, .. } = sweep.stop else {
        panic!("expected a divergence, got {:?}", sweep.stop);
    };
    let stopped = step as usize;
    assert!((20..=54).contains(&stopped), "stopped at {stopped}");
    let lrs = &outcome.result.lrs;
    let mut scratch = vec![0; stopped + 1];
    let want = Suggestions::compute(
        &lrs[..=stopped],
        &sweep.smoothed[..=stopped],
        60,
        &mut scratch,
    );
    assert_eq!(outcome.suggestions[0], want);
    assert!(want.gradient.is_some());
    assert_ne!(want.gradient, Some(lrs[stopped]), "the divergence rate");
}

/// After the test the optimizer is a fresh one: one step gives the same bits
/// as a new optimizer with the same hyper-parameters would.
#[test]
fn the_optimizer_is_rebuilt_fresh() {
    let (mut vs, p) = problem();
    let mut opt = sgd(&vs);
    let snapshot = VarStoreSnapshot::take(&vs).unwrap();
    let config = RangeTestConfig {
        lr_range: (1e-4, 1.0),
        steps: 10,
        batches_per_step: 2,
        accumulation_steps: 2,
        validation_batches: Some(2),
        ..Default::default()
    };
    let mut validations = 0;
    let outcome = RangeTestRunner::new(config, |_, b| Ok(p.loss(b)))
        .validation(|_, n| {
            validations += 1;
            let mean = (0..n).map(|b| p.loss(b).double_value(&[])).sum::<f64>() / n as f64;
            Ok(mean)
        })
        .quiet(true)
        .run(&mut vs, &mut opt)
        .unwrap();
    let val_loss = &outcome.result.sweeps[0].val_loss;
    assert_eq!(validations, val_loss.iter().filter(|v| !v.is_nan()).count());
    assert!(validations > 3);
    assert!(snapshot.is_identical(&vs).unwrap());
    for _ in 0..3 {
        opt.backward_step(&p.loss(0)).unwrap();
    }
    let after_test = dump(&vs);

    snapshot.restore(&vs).unwrap();
    let mut fresh = sgd(&vs);
    for _ in 0..3 {
        fresh.backward_step(&p.loss(0)).unwrap();
    }
    assert!(dump(&vs) == after_test);
}

#[test]
fn a_failing_closure_still_restores_the_model() {
    let (mut vs, p) = problem();
    let mut opt = sgd(&vs);
    let before = dump(&vs);
    let config = RangeTestConfig {
        lr_range: (1e-3, 1e3),
        steps: 20,
        ..Default::default()
    };
    let err = RangeTestRunner::new(config.clone(), |_, b| {
        if b == 17 {
            Err("the data loader broke".into())
        } else {
            Ok(p.loss(b))
        }
    })
    .quiet(true)
    .run(&mut vs, &mut opt)
    .unwrap_err();
    assert_eq!(err.to_string(), "the data loader broke");
    assert!(dump(&vs) == before);

    // Validation asked for but not given: refused before anything trains.
    let err = RangeTestRunner::new(
        RangeTestConfig {
            validation_batches: Some(3),
            ..config
        },
        |_, b| Ok(p.loss(b)),
    )
    .run(&mut vs, &mut opt)
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Adapter(AdapterError::NoValidation { batches: 3 })
        ),
        "{err}"
    );
}

#[test]
fn snapshots_refuse_a_changed_var_store() {
    let (vs, _) = problem();
    let snapshot = VarStoreSnapshot::take(&vs).unwrap();
    assert_eq!(snapshot.tensors().len(), 5);
    assert!(snapshot.tensors().names().any(|n| n == "running_mean"));
    let _late = vs.root().zeros("late", &[2]);
    let err = snapshot.restore(&vs).unwrap_err();
    assert!(
        matches!(err, Error::Adapter(AdapterError::Snapshot { ref name, .. }) if name == "late"),
        "{err}"
    );
    assert!(!snapshot.is_identical(&vs).unwrap());

    // A state saved from another kind of optimizer is refused.
    let mut adam = TchOptimizer::new(&vs, nn::Adam::default(), 1e-3).unwrap();
    let state = sgd(&vs).save_state().unwrap();
    assert!(matches!(
        adam.load_state(&state),
        Err(Error::Adapter(AdapterError::StateMismatch { .. }))
    ));
}
