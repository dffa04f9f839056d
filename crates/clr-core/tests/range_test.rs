//! The range test state machine, driven by synthetic trainers.
#![cfg(feature = "alloc")]

use clr_core::{
    moving_average, Action, Error, LrSweep, RangeTest, RangeTestConfig, Report, Schedule,
    Smoothing, SweepMode, SweepStop,
};

/// Every action the test asked for, in order.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Train(f64, Option<f64>, bool),
    Validate(u64),
    Restore(bool),
}

/// Drives a test with `train(lr, wd, call)` and `validate(lr)` losses.
fn drive(
    config: RangeTestConfig<f64>,
    mut train: impl FnMut(f64, Option<f64>, usize) -> f64,
    mut validate: impl FnMut(f64) -> f64,
) -> (RangeTest<f64>, Vec<Seen>) {
    let mut test = RangeTest::new(config).unwrap();
    let mut seen = vec![];
    let mut action = test.start();
    let mut last_lr = f64::NAN;
    let mut calls = 0;
    loop {
        action = match action {
            Action::Train {
                lr,
                weight_decay,
                optimizer_step,
            } => {
                seen.push(Seen::Train(lr, weight_decay, optimizer_step));
                last_lr = lr;
                calls += 1;
                test.report(Report::TrainLoss(train(lr, weight_decay, calls)))
            }
            Action::Validate { batches } => {
                seen.push(Seen::Validate(batches));
                test.report(Report::ValidationLoss(validate(last_lr)))
            }
            Action::Restore { finished } => {
                seen.push(Seen::Restore(finished));
                test.report(Report::Restored)
            }
            Action::Done => break,
        }
        .unwrap();
    }
    assert!(test.is_done());
    (test, seen)
}

/// A loss with a minimum at lr = 1e-2 that grows without bound past it.
fn bowl(lr: f64) -> f64 {
    1.0 + (lr.log10() + 2.0).powi(2)
}

fn config(steps: u64) -> RangeTestConfig<f64> {
    RangeTestConfig {
        lr_range: (1e-5, 10.0),
        steps,
        batches_per_step: 2,
        ..Default::default()
    }
}

#[test]
fn keras_defaults() {
    let c = RangeTestConfig::<f64>::default();
    assert_eq!(c.lr_range, (1e-5, 10.0));
    assert_eq!((c.steps, c.batches_per_step), (100, 5));
    assert_eq!(c.threshold_multiplier, Some(5.0));
    assert!(c.wd_list.is_empty() && c.validation_batches.is_none());
    assert_eq!(c.smoothing, Smoothing::None);
    assert_eq!(c.accumulation_steps, 1);
}

#[test]
fn sweeps_the_seeds_learning_rates_in_order() {
    let flat = |_: f64, _: Option<f64>, _: usize| 1.0;
    let (test, seen) = drive(config(10), flat, |_| 0.0);
    let sweep = LrSweep::new((1e-5, 10.0), 10, SweepMode::Exp).unwrap();
    let trains: Vec<f64> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Train(lr, _, _) => Some(*lr),
            _ => None,
        })
        .collect();
    let expected: Vec<f64> = (0..10).flat_map(|k| [sweep.at(k); 2]).collect();
    assert_eq!(trains, expected);
    assert_eq!(seen.last(), Some(&Seen::Restore(true)));
    assert_eq!(test.result().lrs, sweep.iter().collect::<Vec<_>>());
    assert_eq!(test.result().sweeps[0].stop, SweepStop::Completed);
}

#[test]
fn averages_the_batches_of_each_step() {
    // Losses 1, 2, 3, 4, ... : step k averages 2k+1 and 2k+2.
    let counting = |_: f64, _: Option<f64>, call: usize| call as f64;
    let (test, _) = drive(config(4), counting, |_| 0.0);
    assert_eq!(test.result().sweeps[0].train_loss, [1.5, 3.5, 5.5, 7.5]);
}

#[test]
fn stops_a_sweep_when_the_loss_passes_the_threshold() {
    let (test, seen) = drive(config(40), |lr, _, _| bowl(lr), |_| 0.0);
    let sweep = &test.result().sweeps[0];
    let SweepStop::Diverged { step, loss, best } = sweep.stop else {
        panic!("expected divergence, got {:?}", sweep.stop);
    };
    // The first step whose loss exceeds 5x the best so far.
    let lrs = &test.result().lrs;
    let mut best_so_far = f64::INFINITY;
    let first = (0..40)
        .find(|&k| {
            best_so_far = best_so_far.min(bowl(lrs[k]));
            bowl(lrs[k]) > 5.0 * best_so_far
        })
        .unwrap();
    assert_eq!(step, first as u64);
    assert_eq!(loss, bowl(lrs[first]));
    assert_eq!(
        best,
        1.0 + (lrs
            .iter()
            .map(|l| (l.log10() + 2.0).powi(2))
            .fold(f64::INFINITY, f64::min))
    );
    assert!(sweep.train_loss[first + 1..].iter().all(|l| l.is_nan()));
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Train(..))).count(),
        2 * (first + 1)
    );
    assert_eq!(seen.last(), Some(&Seen::Restore(true)));
}

#[test]
fn weight_decay_grid_in_order_with_a_restore_after_each_sweep() {
    let mut c = config(30);
    c.wd_list = vec![0.0, 1e-4, 1e-2];
    let (test, seen) = drive(c, |lr, _, _| bowl(lr), |_| 0.0);
    let mut wds = vec![];
    let mut restores = vec![];
    for s in &seen {
        match s {
            Seen::Train(_, wd, _) if wds.last() != Some(wd) => wds.push(*wd),
            Seen::Restore(f) => restores.push(*f),
            _ => {}
        }
    }
    assert_eq!(wds, [Some(0.0), Some(1e-4), Some(1e-2)]);
    assert_eq!(restores, [false, false, true]);
    // Every sweep stopped early, and a restore followed each.
    for (i, sweep) in test.result().sweeps.iter().enumerate() {
        assert!(sweep.stop.is_early(), "sweep {i}");
        assert_eq!(sweep.weight_decay, Some(c_wd(i)));
    }
    // A restore comes right after the last train of each sweep.
    let positions: Vec<usize> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, Seen::Restore(_)))
        .map(|(i, _)| i)
        .collect();
    for p in positions {
        assert!(matches!(seen[p - 1], Seen::Train(..)));
    }
}

fn c_wd(i: usize) -> f64 {
    [0.0, 1e-4, 1e-2][i]
}

#[test]
fn a_non_finite_loss_ends_the_sweep() {
    let nan_at_7 = |_: f64, _: Option<f64>, call: usize| if call > 14 { f64::NAN } else { 1.0 };
    let (test, _) = drive(config(20), nan_at_7, |_| 0.0);
    assert_eq!(
        test.result().sweeps[0].stop,
        SweepStop::NonFinite { step: 7 }
    );
    let inf = |_: f64, _: Option<f64>, _: usize| f64::INFINITY;
    let (test, seen) = drive(config(20), inf, |_| 0.0);
    assert_eq!(
        test.result().sweeps[0].stop,
        SweepStop::NonFinite { step: 0 }
    );
    assert_eq!(seen.last(), Some(&Seen::Restore(true)));
}

#[test]
fn validation_after_every_step_judges_divergence() {
    let mut c = config(30);
    c.validation_batches = Some(10);
    // Train loss flat; validation loss explodes: the sweep must stop on it.
    let (test, seen) = drive(c, |_, _, _| 1.0, bowl);
    let sweep = &test.result().sweeps[0];
    assert!(matches!(sweep.stop, SweepStop::Diverged { .. }));
    let mut trains_since = 0;
    for s in &seen {
        match s {
            Seen::Train(..) => trains_since += 1,
            Seen::Validate(n) => {
                assert_eq!((*n, trains_since), (10, 2));
                trains_since = 0;
            }
            Seen::Restore(_) => {}
        }
    }
    let done = sweep.val_loss.iter().filter(|v| !v.is_nan()).count();
    assert_eq!(
        done,
        sweep.train_loss.iter().filter(|v| !v.is_nan()).count()
    );
}

#[test]
fn gradient_accumulation() {
    let mut c = config(3);
    c.accumulation_steps = 4;
    let counting = |_: f64, _: Option<f64>, call: usize| call as f64;
    let (test, seen) = drive(c, counting, |_| 0.0);
    let steps: Vec<bool> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Train(_, _, step) => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(steps.len(), 3 * 2 * 4);
    assert_eq!(steps.iter().filter(|s| **s).count(), 6);
    assert!(steps.chunks(4).all(|c| c == [false, false, false, true]));
    // Step 0 averages micro-batch losses 1..=8.
    assert_eq!(test.result().sweeps[0].train_loss[0], 4.5);
}

#[test]
fn n_epochs_is_the_seeds_find_n_epoch() {
    let mut c = RangeTestConfig::<f64>::default();
    // ceil(100 * 5 / 51) = 10 epochs per sweep.
    assert_eq!(c.n_epochs(51).unwrap(), 10);
    c.wd_list = vec![0.0, 1e-4, 1e-3];
    assert_eq!(c.n_epochs(51).unwrap(), 30);
    c.accumulation_steps = 2;
    assert_eq!(c.n_epochs(50).unwrap(), 60);
    assert!(c.n_epochs(0).is_err());
}

#[test]
fn smoothing_like_fastai_and_torch_lr_finder() {
    let losses = [4.0, 2.0, 3.0, 1.0];
    let mut c = config(4);
    c.batches_per_step = 1;
    c.threshold_multiplier = None;
    c.smoothing = Smoothing::FASTAI;
    let (test, _) = drive(c.clone(), |_, _, call| losses[call - 1], |_| 0.0);
    let mut avg = 0.0;
    for (i, l) in losses.iter().enumerate() {
        avg = 0.98 * avg + 0.02 * l;
        let want = avg / (1.0 - 0.98_f64.powi(i as i32 + 1));
        assert!((test.result().sweeps[0].smoothed[i] - want).abs() < 1e-12);
    }
    c.smoothing = Smoothing::TORCH_LR_FINDER;
    let (test, _) = drive(c, |_, _, call| losses[call - 1], |_| 0.0);
    let mut prev = losses[0];
    assert_eq!(test.result().sweeps[0].smoothed[0], 4.0);
    for (i, l) in losses.iter().enumerate().skip(1) {
        prev = 0.05 * l + 0.95 * prev;
        assert!((test.result().sweeps[0].smoothed[i] - prev).abs() < 1e-12);
    }
}

/// `Smoothing::apply` on a sweep's losses is its judged curve, bit for bit
/// (what a plot draws); out-of-range parameters are errors naming them.
#[test]
fn smoothing_a_curve_gives_the_judged_one() {
    let losses = [4.0, 2.0, 3.0, 1.0, 2.5];
    for smoothing in [
        Smoothing::None,
        Smoothing::FASTAI,
        Smoothing::TORCH_LR_FINDER,
    ] {
        let mut c = config(5);
        c.batches_per_step = 1;
        c.threshold_multiplier = None;
        c.smoothing = smoothing;
        let (test, _) = drive(c, |_, _, call| losses[call - 1], |_| 0.0);
        let sweep = &test.result().sweeps[0];
        let applied = smoothing.apply(&sweep.train_loss).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&applied), bits(&sweep.smoothed), "{smoothing:?}");
    }
    let bad = Smoothing::EmaDebiased { beta: 1.0 }.apply(&losses);
    assert_eq!(bad.unwrap_err().param(), "beta");
    let bad = Smoothing::Ema { smooth_f: 0.0 }.apply(&losses);
    assert_eq!(bad.unwrap_err().param(), "smooth_f");
}

#[test]
fn moving_average_like_pandas_rolling() {
    // pandas: Series([1, 2, nan, 4, 5, 6]).rolling(3, min_periods=1).mean()
    let got = moving_average(&[1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0], 3);
    let want = [1.0, 1.5, 1.5, 3.0, 4.5, 5.0];
    assert_eq!(got, want);
    assert!(moving_average(&[f64::NAN], 5)[0].is_nan());
    assert!(moving_average::<f64>(&[], 5).is_empty());
}

#[test]
fn out_of_turn_reports_are_errors() {
    let mut test = RangeTest::new(config(3)).unwrap();
    assert!(matches!(
        test.report(Report::TrainLoss(1.0)),
        Err(Error::OutOfTurn { .. })
    ));
    test.start();
    assert!(matches!(
        test.report(Report::Restored),
        Err(Error::OutOfTurn { .. })
    ));
}

#[test]
fn invalid_configs_name_the_parameter() {
    let bad = |f: fn(&mut RangeTestConfig<f64>)| {
        let mut c = RangeTestConfig::default();
        f(&mut c);
        RangeTest::new(c).unwrap_err().param()
    };
    assert_eq!(bad(|c| c.lr_range = (1.0, 0.1)), "lr_range.0");
    assert_eq!(bad(|c| c.lr_range = (0.1, 0.1)), "lr_range.0");
    assert_eq!(bad(|c| c.lr_range = (f64::NAN, 0.1)), "lr_range.0");
    assert_eq!(bad(|c| c.steps = 0), "steps");
    assert_eq!(bad(|c| c.batches_per_step = 0), "batches_per_step");
    for m in [0.5, f64::INFINITY, f64::NAN, 1.1e100] {
        let c = RangeTestConfig {
            threshold_multiplier: Some(m),
            ..RangeTestConfig::default()
        };
        let e = RangeTest::new(c).unwrap_err();
        assert_eq!(e.param(), "threshold_multiplier", "{m}");
    }
    assert_eq!(bad(|c| c.wd_list = vec![-1.0]), "wd_list");
    assert_eq!(
        bad(|c| c.validation_batches = Some(0)),
        "validation_batches"
    );
    assert_eq!(
        bad(|c| c.smoothing = Smoothing::EmaDebiased { beta: 1.0 }),
        "beta"
    );
    assert_eq!(bad(|c| c.accumulation_steps = 0), "accumulation_steps");
}

/// Every suggestion assumes rising rates: a range whose low end is not
/// below its high end is refused, naming `lr_range` (issue 22).
#[test]
fn the_learning_rate_range_must_rise() {
    for (lo, hi, message) in [
        (
            10.0,
            1e-5,
            "invalid lr_range.0 = 10: must be below lr_range.1 = 0.00001",
        ),
        (
            0.1,
            0.1,
            "invalid lr_range.0 = 0.1: must be below lr_range.1 = 0.1",
        ),
    ] {
        let config = RangeTestConfig {
            lr_range: (lo, hi),
            ..config(10)
        };
        let e = RangeTest::new(config).unwrap_err();
        assert_eq!(e.to_string(), message);
        assert_eq!(e.param(), "lr_range.0");
    }
}

#[test]
fn result_suggests_on_the_judged_curve() {
    let mut c = config(100);
    c.threshold_multiplier = None;
    let (test, _) = drive(c, |lr, _, _| bowl(lr), |_| 0.0);
    let result = test.result();
    let s = result.suggestions(0).expect("one sweep");
    // The bowl's minimum is at 1e-2: fastai's `minimum` gives a tenth of it.
    let lr_min = s.minimum.expect("a minimum");
    assert!((lr_min.log10() + 3.0).abs() < 0.1, "{lr_min}");
    let mut scratch = vec![0; 100];
    let direct = clr_core::suggest::Suggestions::compute(
        &result.lrs,
        &result.sweeps[0].smoothed,
        100,
        &mut scratch,
    );
    assert_eq!(s, direct);
    assert!(result.suggestions(1).is_none());
}

/// A driver over the bowl, logging what it was asked.
struct BowlDriver {
    log: Vec<Seen>,
    lr: f64,
}

impl clr_core::RangeTestDriver<f64> for BowlDriver {
    type Error = &'static str;
    fn train(&mut self, lr: f64, wd: Option<f64>, step: bool) -> Result<f64, Self::Error> {
        self.log.push(Seen::Train(lr, wd, step));
        self.lr = lr;
        Ok(bowl(lr))
    }
    fn validate(&mut self, batches: u64) -> Result<f64, Self::Error> {
        self.log.push(Seen::Validate(batches));
        Ok(bowl(self.lr))
    }
    fn restore(&mut self, finished: bool) -> Result<(), Self::Error> {
        self.log.push(Seen::Restore(finished));
        if self.log.len() > 10_000 {
            return Err("too long");
        }
        Ok(())
    }
}

#[test]
fn run_drives_the_same_actions_as_the_manual_loop() {
    let mut c = config(30);
    c.wd_list = vec![0.0, 1e-3];
    c.validation_batches = Some(3);
    let (manual, seen) = drive(c.clone(), |lr, _, _| bowl(lr), bowl);
    let mut driver = BowlDriver {
        log: vec![],
        lr: 0.0,
    };
    let mut test = RangeTest::new(c).unwrap();
    let result = test.run(&mut driver).unwrap().clone();
    assert_eq!(driver.log, seen);
    // NaN marks steps never reached, so compare the printed form.
    assert_eq!(format!("{result:?}"), format!("{:?}", manual.result()));
}

/// With the divergence stop off (`None`) a sweep tries every learning rate
/// however far the loss climbs past its best, and still ends at its first
/// non-finite loss; the largest multiplier accepted is 1e100.
#[test]
fn the_divergence_stop_can_be_switched_off() {
    let mut c = config(40);
    c.threshold_multiplier = None;
    let steep = |lr: f64, _: Option<f64>, _: usize| bowl(lr).powi(8);
    let (test, _) = drive(c.clone(), steep, |_| 0.0);
    assert_eq!(test.result().sweeps[0].stop, SweepStop::Completed);
    c.threshold_multiplier = Some(5.0);
    let (test, _) = drive(c.clone(), steep, |_| 0.0);
    assert!(matches!(
        test.result().sweeps[0].stop,
        SweepStop::Diverged { .. }
    ));

    c.threshold_multiplier = None;
    let blows_up =
        |lr: f64, _: Option<f64>, _: usize| if lr > 1.0 { f64::INFINITY } else { bowl(lr) };
    let (test, _) = drive(c.clone(), blows_up, |_| 0.0);
    let first = test.result().lrs.iter().position(|&lr| lr > 1.0).unwrap() as u64;
    assert_eq!(
        test.result().sweeps[0].stop,
        SweepStop::NonFinite { step: first }
    );

    c.threshold_multiplier = Some(1e100);
    assert!(RangeTest::new(c).is_ok());
}
