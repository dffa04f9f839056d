//! The range test on burn puts the module (batch norm's running statistics
//! included) and the optimizer back bit for bit: after a sweep that
//! diverges to NaN weights, an early stop, a weight-decay grid with
//! validation and gradient accumulation, and a failing closure. Early
//! stops' suggestions come from the points recorded up to the stop.

mod net;

use std::cell::RefCell;

use burn::tensor::Device;
use clr_burn::{AdapterError, Burn, Error, MomentumSgd, RangeTestRunner};
use clr_core::{RangeTestConfig, Smoothing, SweepStop};
use clr_train::{Adapter, RangeTestOutcome};
use net::{sgd, weights, Data, Net};

/// A network and an optimizer that has trained 3 steps (it has momentum
/// buffers), and a twin of both, trained the same way.
fn warmed_up(device: &Device, data: &Data) -> [(Net, MomentumSgd); 2] {
    [0, 1].map(|_| {
        let mut net = Net::new(device, 0.3);
        let mut opt = sgd();
        for b in 0..3 {
            let grads = data.batch_loss(&net, b).backward();
            let grads = burn::optim::GradientsParams::from_grads(grads, &net);
            net = opt.step(net, grads);
        }
        (net, opt)
    })
}

/// The weights' names and bytes (a twin's parameters have other ids).
fn values(net: &Net) -> Vec<(String, Vec<u8>)> {
    weights(net).into_iter().map(|(n, _, b)| (n, b)).collect()
}

/// One more step of `opt` on `net`, then the weights: equal for two
/// optimizers whose states (buffers, hyper-parameters) are equal.
fn next_step(net: &Net, opt: &mut MomentumSgd, data: &Data) -> Vec<(String, Vec<u8>)> {
    let grads = burn::optim::GradientsParams::from_grads(data.batch_loss(net, 5).backward(), net);
    values(&opt.step(net.clone(), grads))
}

/// Runs `config` on a warmed-up network and checks that the network and
/// optimizer come back bit for bit — compared with an untouched twin —
/// and that every sweep started from the original network.
fn check_restored(config: RangeTestConfig<f64>, poison_from: Option<u64>) -> Checked {
    let device = Device::default().autodiff();
    let data = Data::new(&device);
    let [(mut net, mut opt), (twin, mut twin_opt)] = warmed_up(&device, &data);
    let before = weights(&net);
    assert_eq!(values(&net), values(&twin));
    let params = opt.params(0).unwrap();
    let starts = RefCell::new(0);
    let non_finite = RefCell::new(false);
    let validating = config.validation_batches.is_some();
    let runner = RangeTestRunner::new(config, |net: &Net, batch| {
        *starts.borrow_mut() += usize::from(weights(net) == before);
        *non_finite.borrow_mut() |= !Burn::<Net>::weights_finite(net)?;
        let loss = data.batch_loss(net, batch);
        Ok(match poison_from {
            Some(k) if batch >= k => loss.mul_scalar(f64::NAN),
            _ => loss,
        })
    })
    .quiet(true);
    let outcome = if validating {
        runner
            .validation(|net: &Net, _| Ok(data.val_loss(net)))
            .run(&mut net, &mut opt)
    } else {
        let mut runner = runner;
        runner.run(&mut net, &mut opt)
    }
    .unwrap();
    assert_eq!(weights(&net), before, "the network is put back");
    assert_eq!(opt.params(0).unwrap(), params, "lr, momentum, weight decay");
    assert_eq!(
        next_step(&net, &mut opt, &data),
        next_step(&twin, &mut twin_opt, &data),
        "the momentum buffers are put back"
    );
    assert_eq!(*starts.borrow(), outcome.result.sweeps.len());
    Checked {
        outcome,
        non_finite: non_finite.into_inner(),
    }
}

struct Checked {
    outcome: RangeTestOutcome<f64>,
    /// A weight was NaN or infinite during the test.
    non_finite: bool,
}

#[test]
fn a_range_test_that_diverges_to_nan_leaves_every_parameter_bit_identical() {
    // Learning rates up to 1e36 in steps of x100 and no divergence stop:
    // the loss overflows, its step leaves the weights NaN, and the step's
    // second micro-batch sees them.
    let config = RangeTestConfig {
        lr_range: (1e-4, 1e36),
        steps: 21,
        batches_per_step: 2,
        threshold_multiplier: Some(1e100),
        ..RangeTestConfig::default()
    };
    let checked = check_restored(config, None);
    let sweep = &checked.outcome.result.sweeps[0];
    assert!(checked.non_finite, "non-finite weights: {sweep:?}");
    assert!(
        matches!(sweep.stop, SweepStop::NonFinite { .. }),
        "{:?}",
        sweep.stop
    );
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
    let checked = check_restored(config, Some(6));
    assert_eq!(
        checked.outcome.result.sweeps[0].stop,
        SweepStop::NonFinite { step: 3 }
    );
}

#[test]
fn an_early_stops_suggestions_come_from_the_recorded_points() {
    let config = RangeTestConfig {
        lr_range: (1e-3, 1e4),
        steps: 60,
        batches_per_step: 1,
        smoothing: Smoothing::FASTAI,
        threshold_multiplier: Some(4.0),
        ..RangeTestConfig::default()
    };
    let outcome = check_restored(config, None).outcome;
    let sweep = &outcome.result.sweeps[0];
    let stopped = match sweep.stop {
        SweepStop::Diverged { step, .. } | SweepStop::NonFinite { step } => step as usize,
        SweepStop::Completed => panic!("lr = 1e4 diverges"),
    };
    assert!((20..54).contains(&stopped), "stopped at {stopped}");
    assert!(sweep.train_loss[stopped + 1..].iter().all(|l| l.is_nan()));
    // The suggestions of the points up to the stop, not of the NaN padding
    // after it.
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
    let outcome = check_restored(config, None).outcome;
    assert_eq!(outcome.result.sweeps.len(), 3);
    assert_eq!(outcome.suggestions.len(), 3);
    for (sweep, wd) in outcome.result.sweeps.iter().zip([0.0, 1e-3, 1e-1]) {
        assert_eq!(sweep.weight_decay, Some(wd));
        assert_eq!(sweep.val_loss.len(), 12);
        assert!(sweep.val_loss[0].is_finite());
    }
    assert!(outcome.best_sweep().is_some());
}

#[test]
fn restores_when_the_closure_fails() {
    let device = Device::default().autodiff();
    let data = Data::new(&device);
    let mut net = Net::new(&device, 0.3);
    let mut opt = sgd();
    let before = weights(&net);
    let config = RangeTestConfig {
        steps: 10,
        batches_per_step: 1,
        lr_range: (1e-4, 1e-2),
        ..RangeTestConfig::default()
    };
    let e = RangeTestRunner::new(config, |net: &Net, batch| {
        if batch == 5 {
            return Err("out of data".into());
        }
        Ok(data.batch_loss(net, batch))
    })
    .quiet(true)
    .run(&mut net, &mut opt)
    .unwrap_err();
    assert!(matches!(e, Error::Adapter(AdapterError::User(_))), "{e}");
    assert_eq!(e.to_string(), "out of data");
    assert_eq!(weights(&net), before);
    assert_eq!(opt.params(0).unwrap().lr, 0.05);
}

#[test]
fn bad_input_is_a_typed_error() {
    let device = Device::default().autodiff();
    let data = Data::new(&device);
    let mut net = Net::new(&device, 0.3);
    let mut opt = sgd();
    let before = weights(&net);
    let config = RangeTestConfig::<f64> {
        steps: 10,
        batches_per_step: 1,
        ..RangeTestConfig::default()
    };
    // A loss of 8 numbers.
    let e = RangeTestRunner::new(config.clone(), |net: &Net, b| {
        let i = 8 * (b % 8) as usize;
        Ok(
            (net.forward(data.x.clone().narrow(0, i, 8)) - data.y.clone().narrow(0, i, 8))
                .square()
                .reshape([8]),
        )
    })
    .quiet(true)
    .run(&mut net, &mut opt)
    .unwrap_err();
    assert!(
        matches!(&e, Error::Adapter(AdapterError::LossShape { shape }) if shape == &[8]),
        "{e}"
    );
    // A loss that tracks no gradient (the module in inference mode).
    let e = RangeTestRunner::new(config.clone(), |net: &Net, b| {
        use burn::module::Module;
        Ok(data.batch_loss(&net.valid(), b))
    })
    .quiet(true)
    .run(&mut net, &mut opt)
    .unwrap_err();
    assert!(matches!(e, Error::Untracked), "{e}");
    // Learning-rate factors for groups the optimizer does not have.
    let e = RangeTestRunner::new(config.clone(), |net: &Net, b| Ok(data.batch_loss(net, b)))
        .lr_factors(vec![1.0, 0.1])
        .quiet(true)
        .run(&mut net, &mut opt)
        .unwrap_err();
    assert!(matches!(e, Error::Core(_)), "{e}");
    assert!(e.to_string().contains("lr_factors"), "{e}");
    // Validation configured but not given.
    let config = RangeTestConfig {
        validation_batches: Some(3),
        ..config
    };
    let e = RangeTestRunner::new(config, |net: &Net, b| Ok(data.batch_loss(net, b)))
        .quiet(true)
        .run(&mut net, &mut opt)
        .unwrap_err();
    assert!(
        matches!(e, Error::Adapter(AdapterError::NoValidation { batches: 3 })),
        "{e}"
    );
    assert_eq!(weights(&net), before);
}
