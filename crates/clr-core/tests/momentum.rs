//! Momentum in every preset: any finite value >= 0, as PyTorch's schedulers
//! take, and one order for the momentum arguments.

use clr_core::{CyclicLr, FitOneCycle, HyperSchedule, KerasClr, KerasOneCycle, OneCycleLr};

/// Momentum is arithmetic: every preset takes any finite momentum >= 0, as
/// PyTorch's schedulers do (its own tests cycle momentum between 1 and 22;
/// `torch_one_cycle.json` and `torch_cyclic.json` hold those runs), and
/// refuses a negative or non-finite one naming the parameter.
#[test]
fn presets_take_any_finite_momentum_at_least_zero() {
    let (lo, hi) = (1.0_f64, 22.0);
    let presets: Vec<Box<dyn HyperSchedule<f64>>> = vec![
        Box::new(
            OneCycleLr::builder(25.0, 10)
                .momentum_range(hi, lo)
                .build()
                .unwrap(),
        ),
        Box::new(
            CyclicLr::builder(1.0, 5.0)
                .momentum_range(hi, lo)
                .build()
                .unwrap(),
        ),
        Box::new(
            FitOneCycle::builder(0.1, 10)
                .moms(hi, lo, hi)
                .build()
                .unwrap(),
        ),
        Box::new(
            KerasOneCycle::builder((0.01, 0.1), 10)
                .momentum_range(hi, lo)
                .build()
                .unwrap(),
        ),
        Box::new(
            KerasClr::builder(2, (0.01, 0.1), 10)
                .momentum_range(hi, lo)
                .build_keras()
                .unwrap(),
        ),
    ];
    for p in &presets {
        let m: Vec<f64> = (0..10).map(|k| p.hypers(k).momentum.unwrap()).collect();
        assert!(m.iter().all(|m| (lo..=hi).contains(m)), "{m:?}");
        assert!(m.iter().any(|&m| m > 1.0), "{m:?}");
    }
    let negative = [
        OneCycleLr::builder(0.1_f64, 10)
            .momentum_range(0.9, -0.1)
            .build()
            .err(),
        CyclicLr::builder(0.1_f64, 1.0)
            .momentum_range(f64::NAN, 0.8)
            .build()
            .err(),
        FitOneCycle::builder(0.1_f64, 10)
            .moms(0.9, -1.0, 0.9)
            .build()
            .err(),
        KerasOneCycle::builder((0.01_f64, 0.1), 10)
            .momentum_range(0.9, -0.5)
            .build()
            .err(),
    ];
    let params: Vec<_> = negative.iter().map(|e| e.unwrap().param()).collect();
    assert_eq!(
        params,
        [
            "base_momentum",
            "max_momentum",
            "moms.1",
            "momentum_range.1"
        ]
    );
}

/// One order for momentum arguments across presets (issue 24): the momentum
/// at the start first, then at the learning rate's peak. PyTorch's presets
/// took `momentum(base_momentum, max_momentum)`, the other way round from
/// the Keras package's `momentum_range` and fastai's `moms`; their setter is
/// now `momentum_range(start, at_peak)`, and a renamed one, so old calls do
/// not invert in silence.
#[test]
fn momentum_arguments_put_the_start_first_in_every_preset() {
    let (start, at_peak) = (0.95_f64, 0.85);
    let one_cycle = OneCycleLr::builder(0.1, 100)
        .momentum_range(start, at_peak)
        .build()
        .unwrap();
    let cyclic = CyclicLr::builder(0.01, 0.1)
        .step_size_up(10)
        .momentum_range(start, at_peak)
        .build()
        .unwrap();
    let fastai = FitOneCycle::builder(0.1, 100)
        .moms(start, at_peak, start)
        .build()
        .unwrap();
    let keras = KerasOneCycle::builder((0.01, 0.1), 100)
        .momentum_range(start, at_peak)
        .build()
        .unwrap();
    let presets: [(&str, &dyn HyperSchedule<f64>, u64); 4] = [
        ("OneCycleLr", &one_cycle, 29),
        ("CyclicLr", &cyclic, 10),
        ("FitOneCycle", &fastai, 25),
        ("KerasOneCycle", &keras, 29),
    ];
    for (name, schedule, peak) in presets {
        let (first, top) = (schedule.hypers(0), schedule.hypers(peak));
        assert!(top.lr > first.lr, "{name}: step {peak} is past the start");
        assert_eq!(first.momentum, Some(start), "{name} starts at `start`");
        let m = top.momentum.unwrap();
        assert!((m - at_peak).abs() < 0.02, "{name}: {m} near the lr's peak");
    }
}
