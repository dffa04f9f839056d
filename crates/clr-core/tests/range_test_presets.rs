//! The range-test presets against the tools they mirror: each replays the
//! raw losses of the real PyTorch range tests of `tests/fixtures/suggest`
//! (fastai's `lr_find` loop and torch-lr-finder's `range_test` loop, run by
//! `scripts/fixtures/gen_range_tests.py`) and must try the reference's
//! learning rates, judge the losses it judged and stop where it stopped.
#![cfg(feature = "alloc")]

use std::fs;
use std::path::Path;

use clr_core::{
    Action, RangeTest, RangeTestConfig, RangeTestResult, Report, Smoothing, SweepMode, SweepStop,
};
use serde_json::Value;

/// The four real problems of the fixtures (100 batches each).
const RUNS: [&str; 4] = ["linreg_sgd", "diverge_sgd", "mlp_adam", "mlp_sgd_mom"];

/// A fixture's learning rates and losses (`"nan"`, `"inf"` for non-finite).
fn curve(name: &str) -> (Vec<f64>, Vec<f64>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/suggest")
        .join(format!("{name}.json"));
    let v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["num_it"], 100, "{name}");
    let list = |key: &str| -> Vec<f64> {
        let number = |x: &Value| match x {
            Value::String(s) => s.parse().unwrap(),
            x => x.as_f64().unwrap(),
        };
        v[key].as_array().unwrap().iter().map(number).collect()
    };
    (list("lrs"), list("losses"))
}

/// The result of a test of `config` trained on `raw`, one loss per batch.
fn replay(config: RangeTestConfig<f64>, raw: &[f64]) -> RangeTestResult<f64> {
    let mut test = RangeTest::new(config).unwrap();
    let (mut action, mut batch) = (test.start(), 0);
    while action != Action::Done {
        let report = match action {
            Action::Train { .. } => {
                batch += 1;
                Report::TrainLoss(raw[batch - 1])
            }
            _ => Report::Restored,
        };
        action = test.report(report).unwrap();
    }
    test.result().clone()
}

fn assert_close(got: &[f64], want: &[f64], tolerance: f64, what: &str) {
    assert!(got.len() >= want.len(), "{what}: {} values", got.len());
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = (g - w).abs() <= tolerance * w.abs() || g.to_bits() == w.to_bits();
        assert!(ok, "{what} [{k}]: {g} against the reference's {w}");
    }
}

/// Replays the raw losses of fixture `name` through a test of `config`:
/// it must try the fixture's learning rates, judge its losses (within
/// `tolerance`, relative) and stop where it stopped: at a divergence, at
/// the end, or (ours only: the references go on) at the first non-finite
/// loss.
fn replays(name: &str, config: RangeTestConfig<f64>, tolerance: f64) {
    let (_, raw) = curve(&format!("{name}_raw"));
    let (lrs, judged) = curve(name);
    let result = replay(config, &raw);
    let sweep = &result.sweeps[0];
    let (n, stop) = match judged.iter().position(|l| !l.is_finite()) {
        Some(step) => (step, SweepStop::NonFinite { step: step as u64 }),
        None if judged.len() == 100 => (100, SweepStop::Completed),
        None => match sweep.stop {
            SweepStop::Diverged { step, .. } if step as usize == judged.len() - 1 => {
                (judged.len(), sweep.stop)
            }
            _ => panic!("{name}: the reference diverged at {}", judged.len() - 1),
        },
    };
    assert_close(&result.lrs, &lrs, 1e-13, name);
    assert_close(&sweep.smoothed[..n], &judged[..n], tolerance, name);
    assert_eq!(sweep.stop, stop, "{name}");
}

#[test]
fn keras_is_the_default() {
    let keras = RangeTestConfig::<f64>::keras();
    assert_eq!(keras, RangeTestConfig::default());
    assert_eq!(keras.lr_range, (1e-5, 10.0));
    assert_eq!((keras.steps, keras.batches_per_step), (100, 5));
    assert_eq!(keras.threshold_multiplier, Some(5.0));
    assert_eq!(
        (keras.smoothing, keras.mode),
        (Smoothing::None, SweepMode::Exp)
    );
}

/// fastai's `lr_find()`: its rates `1e-7 · 1e8^(i/100)`, its float32
/// moving average (hence 1e-5), its stop at 4 × the best; with
/// `stop_div=False` its whole curve, which ours ends at the first
/// non-finite loss.
#[test]
fn fastai_replays_lr_find() {
    // The fixtures' stops jump past 5 × the best at once: fastai's rule,
    // `smooth_loss > 4*best_loss`, read from its source.
    let fastai = RangeTestConfig::<f64>::fastai();
    assert_eq!(fastai.threshold_multiplier, Some(4.0));
    assert_eq!((fastai.steps, fastai.batches_per_step), (100, 1));
    for run in RUNS {
        replays(&format!("{run}_fastai"), RangeTestConfig::fastai(), 1e-5);
    }
    for run in ["diverge_sgd", "mlp_adam"] {
        let no_stop = RangeTestConfig {
            threshold_multiplier: None,
            ..RangeTestConfig::fastai()
        };
        replays(&format!("{run}_fastai_nostop"), no_stop, 1e-5);
    }
}

/// torch-lr-finder's `range_test(start_lr=1e-7)`: its rates
/// `1e-7 · 1e8^(i/99)`, its float64 moving average, its stop at 5 × the
/// best.
#[test]
fn torch_lr_finder_replays_range_test() {
    let tlf = RangeTestConfig::<f64>::torch_lr_finder(1e-7);
    assert_eq!(tlf.threshold_multiplier, Some(5.0)); // `diverge_th=5`
    assert_eq!((tlf.steps, tlf.batches_per_step), (100, 1));
    for run in RUNS {
        replays(&format!("{run}_tlf"), tlf.clone(), 1e-12);
    }
}
