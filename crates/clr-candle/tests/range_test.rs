//! The range test puts every variable (batch-norm running statistics
//! included) and the optimizer back bit for bit: after a complete sweep, an
//! early stop, a NaN loss, a weight-decay grid with validation, gradient
//! accumulation, and a failing closure.

use std::cell::RefCell;

use candle_core::{DType, Device, Module, ModuleT, Tensor};
use candle_nn::{AdamW, BatchNorm, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use clr_candle::{
    AdapterError, Error, MomentumSgd, OptimizerState, RangeTestRunner, Rebuild, ScheduledOptimizer,
    SgdParams, VarMapSnapshot,
};
use clr_core::{RangeTestConfig, Smoothing, SweepStop};

struct Net {
    l1: Linear,
    bn: BatchNorm,
    l2: Linear,
}

impl Net {
    /// Fixed initial weights (candle's CPU random numbers cannot be seeded).
    fn new(varmap: &VarMap) -> Net {
        let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
        let net = Net {
            l1: candle_nn::linear(1, 8, vb.pp("l1")).unwrap(),
            bn: candle_nn::batch_norm(8, 1e-5, vb.pp("bn")).unwrap(),
            l2: candle_nn::linear(8, 1, vb.pp("l2")).unwrap(),
        };
        let data = varmap.data().lock().unwrap();
        for (k, name) in ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
            .iter()
            .enumerate()
        {
            let var = &data[*name];
            let values: Vec<f32> = (0..var.elem_count())
                .map(|i| (0.7 * (i + 8 * k) as f32 + 0.3).sin())
                .collect();
            var.set(&Tensor::from_vec(values, var.shape(), &Device::Cpu).unwrap())
                .unwrap();
        }
        drop(data);
        net
    }

    fn forward(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let h = self.l1.forward(x)?;
        let h = self.bn.forward_t(&h, train)?.relu()?;
        self.l2.forward(&h)
    }
}

/// 64 points of y = sin(3x) on [-1, 1], in 8 batches of 8 that each
/// spread over the whole interval.
fn data() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..64)
        .map(|i| -1.0 + 2.0 * ((i % 8) * 8 + i / 8) as f32 / 63.0)
        .collect();
    let y: Vec<f32> = x.iter().map(|x| (3.0 * x).sin()).collect();
    (
        Tensor::from_vec(x, (64, 1), &Device::Cpu).unwrap(),
        Tensor::from_vec(y, (64, 1), &Device::Cpu).unwrap(),
    )
}

fn batch_loss(net: &Net, x: &Tensor, y: &Tensor, batch: u64) -> Result<Tensor, Error> {
    let i = 8 * (batch % 8) as usize;
    let pred = net.forward(&x.narrow(0, i, 8)?, true)?;
    Ok(candle_nn::loss::mse(&pred, &y.narrow(0, i, 8)?)?)
}

fn val_loss(net: &Net, x: &Tensor, y: &Tensor) -> Result<f64, Error> {
    let pred = net.forward(x, false)?;
    Ok(f64::from(
        candle_nn::loss::mse(&pred, y)?.to_scalar::<f32>()?,
    ))
}

fn sgd(varmap: &VarMap) -> MomentumSgd {
    MomentumSgd::new(
        varmap.all_vars(),
        SgdParams {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 1e-4,
            ..SgdParams::default()
        },
    )
    .unwrap()
}

/// Trains a few steps so the optimizer has momentum buffers before the test.
fn warm_up(net: &Net, opt: &mut MomentumSgd, x: &Tensor, y: &Tensor) {
    for b in 0..3 {
        let loss = batch_loss(net, x, y, b).unwrap();
        opt.step(&loss.backward().unwrap()).unwrap();
    }
}

fn buffers(opt: &MomentumSgd) -> Vec<Vec<u32>> {
    opt.momentum_buffers()
        .iter()
        .map(|b| {
            b.as_ref()
                .map(|t| {
                    t.flatten_all()
                        .unwrap()
                        .to_vec1::<f32>()
                        .unwrap()
                        .iter()
                        .map(|v| v.to_bits())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Runs `config` and checks that the model and the optimizer come back bit
/// for bit, and that the sweep did change them on the way.
fn check_restored(
    config: RangeTestConfig<f64>,
    poison_from: Option<u64>,
) -> clr_train::RangeTestOutcome<f64> {
    let (x, y) = data();
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap);
    let mut opt = sgd(&varmap);
    warm_up(&net, &mut opt, &x, &y);
    let before = VarMapSnapshot::take(&varmap).unwrap();
    let names: Vec<String> = before.tensors().names().map(String::from).collect();
    assert!(names.iter().any(|n| n == "bn.running_mean"), "{names:?}");
    let opt_before = buffers(&opt);
    let params_before = *opt.params();
    // Whether the variables were as before the test, at every micro-batch.
    let identical = RefCell::new(Vec::new());
    let validating = config.validation_batches.is_some();
    let mut runner = RangeTestRunner::new(config, |varmap, batch| {
        identical.borrow_mut().push(before.is_identical(varmap)?);
        let loss = batch_loss(&net, &x, &y, batch)?;
        match poison_from {
            Some(k) if batch >= k => Ok((loss * f64::NAN)?),
            _ => Ok(loss),
        }
    })
    .quiet(true);
    let outcome = if validating {
        runner
            .validation(|_, _| Ok(val_loss(&net, &x, &y)?))
            .run(&mut varmap, &mut opt)
            .unwrap()
    } else {
        runner.run(&mut varmap, &mut opt).unwrap()
    };
    // Each sweep starts from the variables as they were, and training
    // (batch norm's running statistics at least) changes them at every
    // micro-batch after that.
    let identical = identical.into_inner();
    let starts = identical.iter().filter(|&&same| same).count();
    assert!(identical[0]);
    assert_eq!(starts, outcome.result.sweeps.len(), "{identical:?}");
    assert!(before.is_identical(&varmap).unwrap(), "variables restored");
    assert_eq!(buffers(&opt), opt_before, "momentum buffers restored");
    assert_eq!(*opt.params(), params_before, "lr and weight decay restored");
    outcome
}

#[test]
fn restores_after_a_complete_sweep() {
    let config = RangeTestConfig {
        lr_range: (1e-4, 1e-2),
        steps: 10,
        batches_per_step: 2,
        ..RangeTestConfig::default()
    };
    let outcome = check_restored(config, None);
    assert_eq!(outcome.result.sweeps[0].stop, SweepStop::Completed);
    assert!(outcome.result.sweeps[0]
        .train_loss
        .iter()
        .all(|l| l.is_finite()));
    assert_eq!(outcome.suggestions.len(), 1);
}

#[test]
fn restores_after_an_early_stop() {
    let config = RangeTestConfig {
        lr_range: (1e-3, 1e4),
        steps: 60,
        batches_per_step: 1,
        smoothing: Smoothing::FASTAI,
        threshold_multiplier: Some(4.0),
        ..RangeTestConfig::default()
    };
    let outcome = check_restored(config, None);
    let sweep = &outcome.result.sweeps[0];
    assert!(sweep.stop.is_early(), "{:?}", sweep.stop);
    let stopped = match sweep.stop {
        SweepStop::Diverged { step, .. } | SweepStop::NonFinite { step } => step as usize,
        SweepStop::Completed => unreachable!(),
    };
    assert!(stopped < 59);
    assert!(sweep.train_loss[stopped + 1..].iter().all(|l| l.is_nan()));
    // Six or more steps before the end: the suggestions are those of the
    // points recorded up to the stop, not of the NaN padding after it
    // (issue 22), whose torch-lr-finder gradient was the divergence rate.
    assert!(stopped + 6 <= 60 && stopped >= 20, "stopped at {stopped}");
    let lrs = &outcome.result.lrs;
    let mut scratch = vec![0; stopped + 1];
    let want = clr_core::suggest::Suggestions::compute(
        &lrs[..=stopped],
        &sweep.smoothed[..=stopped],
        60,
        &mut scratch,
    );
    assert_eq!(outcome.suggestions[0], want);
    assert!(want.gradient.is_some());
    assert_ne!(want.gradient, Some(lrs[stopped]), "the divergence rate");
}

#[test]
fn restores_after_a_nan_loss() {
    let config = RangeTestConfig {
        lr_range: (1e-4, 1e-2),
        steps: 20,
        batches_per_step: 2,
        ..RangeTestConfig::default()
    };
    // NaN from the 7th micro-batch on: step 3's mean is NaN.
    let outcome = check_restored(config, Some(6));
    assert_eq!(
        outcome.result.sweeps[0].stop,
        SweepStop::NonFinite { step: 3 }
    );
}

#[test]
fn restores_between_weight_decays_with_validation_and_accumulation() {
    let config = RangeTestConfig {
        lr_range: (1e-4, 1.0),
        steps: 12,
        batches_per_step: 2,
        accumulation_steps: 2,
        wd_list: vec![0.0, 1e-3, 1e-1],
        validation_batches: Some(1),
        smoothing: Smoothing::FASTAI,
        ..RangeTestConfig::default()
    };
    let outcome = check_restored(config, None);
    assert_eq!(outcome.result.sweeps.len(), 3);
    assert_eq!(outcome.suggestions.len(), 3);
    for sweep in &outcome.result.sweeps {
        assert_eq!(sweep.val_loss.len(), 12);
        assert!(sweep.val_loss[0].is_finite());
    }
    assert!(outcome.best_sweep().is_some());
}

#[test]
fn restores_when_the_closure_fails() {
    let (x, y) = data();
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap);
    let mut opt = sgd(&varmap);
    let before = VarMapSnapshot::take(&varmap).unwrap();
    let config = RangeTestConfig {
        steps: 10,
        batches_per_step: 1,
        lr_range: (1e-4, 1e-2),
        ..RangeTestConfig::default()
    };
    let e = RangeTestRunner::new(config, |_, batch| {
        if batch == 5 {
            return Err("out of data".into());
        }
        Ok(batch_loss(&net, &x, &y, batch)?)
    })
    .quiet(true)
    .run(&mut varmap, &mut opt)
    .unwrap_err();
    assert_eq!(e.to_string(), "out of data");
    assert!(before.is_identical(&varmap).unwrap());
    assert_eq!(opt.params().lr, 0.05);
}

#[test]
fn validation_is_required_when_configured() {
    let mut varmap = VarMap::new();
    let _net = Net::new(&varmap);
    let mut opt = sgd(&varmap);
    let config = RangeTestConfig::<f64> {
        validation_batches: Some(3),
        ..RangeTestConfig::default()
    };
    let e = RangeTestRunner::new(config, |_, _| Err("never called".into()))
        .run(&mut varmap, &mut opt)
        .unwrap_err();
    assert!(
        matches!(e, Error::Adapter(AdapterError::NoValidation { batches: 3 })),
        "{e}"
    );
}

#[test]
fn adamw_is_rebuilt_between_sweeps() {
    let (x, y) = data();
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap);
    let params = ParamsAdamW {
        lr: 1e-3,
        weight_decay: 0.0,
        ..ParamsAdamW::default()
    };
    let vars = varmap.all_vars();
    let mut adam = Rebuild::new(|| AdamW::new(vars.clone(), params.clone())).unwrap();
    let before = VarMapSnapshot::take(&varmap).unwrap();
    let config = RangeTestConfig {
        lr_range: (1e-4, 1e-1),
        steps: 8,
        batches_per_step: 1,
        wd_list: vec![0.0, 1e-2],
        ..RangeTestConfig::default()
    };
    let mut starts = 0;
    let outcome = RangeTestRunner::new(config, |varmap, b| {
        starts += usize::from(before.is_identical(varmap)?);
        Ok(batch_loss(&net, &x, &y, b)?)
    })
    .quiet(true)
    .run(&mut varmap, &mut adam)
    .unwrap();
    assert!(before.is_identical(&varmap).unwrap());
    assert_eq!(starts, 2, "both sweeps start from the same variables");
    assert_eq!(outcome.result.sweeps.len(), 2);
    assert_eq!(adam.current(0).unwrap().weight_decay, Some(0.0));
    assert_eq!(adam.lr(0).unwrap(), 1e-3);
    // The saved state of a Rebuild is nothing; loading builds afresh.
    adam.save_state().unwrap();
}

#[test]
fn snapshot_refuses_a_varmap_that_grew() {
    let varmap = VarMap::new();
    let _net = Net::new(&varmap);
    let snapshot = VarMapSnapshot::take(&varmap).unwrap();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let _extra = candle_nn::linear(2, 2, vb.pp("extra")).unwrap();
    let e = snapshot.restore(&varmap).unwrap_err();
    assert!(
        e.to_string().starts_with("cannot restore variable `extra."),
        "{e}"
    );
    assert!(!snapshot.is_identical(&varmap).unwrap());
}
