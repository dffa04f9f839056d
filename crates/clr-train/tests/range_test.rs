//! `RangeTestRunner` on the toy framework: the model and optimizer come
//! back, on success and on error, the validation closure is checked, and
//! suggestions are made on the points a sweep recorded.

mod common;

use clr_core::range_test::RangeTestOutcome;
use clr_core::RangeTestConfig;
use clr_train::AdapterError;
use common::{loss, Model, RangeTestRunner, Sgd, ToyError, NO_GRAD};

fn config() -> RangeTestConfig<f64> {
    RangeTestConfig {
        lr_range: (1e-4, 10.0),
        steps: 30,
        batches_per_step: 1,
        ..Default::default()
    }
}

fn fresh() -> (Model, Sgd) {
    let sgd = Sgd {
        lr: 0.01,
        momentum: 0.9,
        velocity: 0.25,
        steps: 3,
    };
    (Model { w: 0.5 }, sgd)
}

#[test]
fn range_test_restores_the_model_and_optimizer() {
    let (mut model, mut sgd) = fresh();
    let outcome = RangeTestRunner::new(config(), |m, _| Ok(loss(m)))
        .quiet(true)
        .run(&mut model, &mut sgd)
        .unwrap();
    assert!(outcome.result.sweeps[0].stop.is_early()); // lr = 10 diverges
    assert_eq!((model, sgd), fresh());
}

/// Gradients of `accumulation_steps` micro-batches are averaged into one
/// step: half as many steps, each with the mean gradient.
#[test]
fn range_test_accumulates_gradients_and_validates_without_them() {
    let (mut model, mut sgd) = fresh();
    let config = RangeTestConfig {
        accumulation_steps: 2,
        batches_per_step: 2,
        validation_batches: Some(4),
        ..config()
    };
    let mut micro = 0;
    let mut steps_seen = Vec::new();
    let outcome = RangeTestRunner::new(config, |m, i| {
        micro += 1;
        assert_eq!(i + 1, micro, "micro-batches counted from 0");
        Ok(loss(m))
    })
    .validation(|m, batches| {
        assert_eq!(batches, 4);
        assert!(NO_GRAD.with(|g| g.get()));
        steps_seen.push(m.w);
        Ok(loss(m).value)
    })
    .quiet(true)
    .run(&mut model, &mut sgd)
    .unwrap();
    assert_eq!(micro % 2, 0);
    assert_eq!(
        4 * steps_seen.len() as u64,
        micro,
        "one validation per learning rate"
    );
    assert_eq!(outcome.result.sweeps.len(), 1);
    assert_eq!((model, sgd), fresh());
}

#[test]
fn range_test_restores_on_error_and_checks_its_validation_closure() {
    let (mut model, mut sgd) = fresh();
    let e = RangeTestRunner::new(config(), |m, batch| {
        if batch == 5 {
            Err("out of data".into())
        } else {
            Ok(loss(m))
        }
    })
    .quiet(true)
    .run(&mut model, &mut sgd)
    .err()
    .unwrap();
    assert!(matches!(e, ToyError::Adapter(AdapterError::User(_))), "{e}");
    assert_eq!(e.to_string(), "out of data");
    assert_eq!((model, sgd.clone()), fresh());

    let validating = RangeTestConfig {
        validation_batches: Some(3),
        ..config()
    };
    let e = RangeTestRunner::new(validating, |m, _| Ok(loss(m)))
        .quiet(true)
        .run(&mut model, &mut sgd)
        .err()
        .unwrap();
    assert!(
        matches!(
            e,
            ToyError::Adapter(AdapterError::NoValidation { batches: 3 })
        ),
        "{e}"
    );
}

/// A sweep that stopped early (here six or more steps before its end)
/// suggests on the points it recorded, as fastai and torch-lr-finder do on
/// theirs (issue 22): not on the NaN padding after the stop, which made
/// torch-lr-finder's gradient the divergence rate itself.
#[test]
fn range_test_suggests_on_the_points_recorded_before_an_early_stop() {
    let (mut model, mut sgd) = fresh();
    let config = RangeTestConfig {
        steps: 60,
        ..config()
    };
    let outcome = RangeTestRunner::new(config, |m, _| Ok(loss(m)))
        .quiet(true)
        .run(&mut model, &mut sgd)
        .unwrap();
    let recorded = early_stop_recorded(&outcome, 60);
    assert!(recorded >= 20, "{recorded} points");
}

/// Checks that sweep 0 of `outcome` stopped six or more steps before the
/// end of its `steps` and that its suggestions are the references' on the
/// points up to the stop; returns how many there are.
fn early_stop_recorded(outcome: &RangeTestOutcome<f64>, steps: usize) -> usize {
    let (result, sweep) = (&outcome.result, &outcome.result.sweeps[0]);
    let stop = match sweep.stop {
        clr_core::SweepStop::Diverged { step, .. } => step as usize,
        other => panic!("expected a divergence, got {other:?}"),
    };
    assert!(stop + 6 <= steps, "stopped at {stop} of {steps}");
    assert_eq!(sweep.recorded(), stop + 1);
    let (lrs, judged) = (&result.lrs[..=stop], &sweep.smoothed[..=stop]);
    let mut scratch = vec![0; lrs.len()];
    let want = clr_core::suggest::Suggestions::compute(lrs, judged, steps, &mut scratch);
    assert_eq!(outcome.suggestions[0], want);
    assert!(want.gradient.is_some());
    assert_ne!(want.gradient, Some(result.lrs[stop]), "the divergence rate");
    stop + 1
}
