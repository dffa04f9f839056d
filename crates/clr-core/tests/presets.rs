//! Hand-derived values for what has no reference library to run: the warm
//! restart extensions, the general builders, combinators and the errors.

use clr_core::{
    even_mults, Amplitude, Anneal, Bundle, Clamped, Constant, CosineCycles, CosineRestarts,
    CyclicLr, Error, Expected, FitOneCycle, HyperSchedule, Hypers, KerasClr, KerasOneCycle,
    LrSweep, OneCycleLr, Phase, Piecewise, Repeat, Scaled, Schedule, Sequence, Span, SweepMode,
    Value, MAX_PHASES,
};
use std::f64::consts::PI;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs() + 1e-15
}

fn cos_anneal(peak: f64, floor: f64, t_cur: f64, t_i: f64) -> f64 {
    floor + (peak - floor) * (1.0 + (PI * t_cur / t_i).cos()) / 2.0
}

#[test]
fn restarts_real_t_mult_cycles() {
    // Cycles of 4, 6, 9, 13.5, 20.25 steps start at 0, 4, 10, 19, 32.5.
    let s = CosineRestarts::builder(0.1_f64, 4)
        .t_mult(1.5)
        .build()
        .unwrap();
    for restart in [0, 4, 10, 19] {
        assert_eq!(s.at(restart), 0.1, "restart at {restart}");
    }
    assert!(close(s.at(20), cos_anneal(0.1, 0.0, 1.0, 13.5)));
    assert!(close(s.at(32), cos_anneal(0.1, 0.0, 13.0, 13.5)));
    assert!(close(s.at(33), cos_anneal(0.1, 0.0, 0.5, 20.25)));
    assert_eq!(s.cycle(33), (4, 0.5, 20.25));
}

#[test]
fn restarts_integer_t_mult_is_exact_far_out() {
    // t0 = 1, T_mult = 2: restarts at 2^i - 1.
    let s = CosineRestarts::builder(1.0_f64, 1)
        .t_mult(2.0)
        .build()
        .unwrap();
    let restart = (1u64 << 62) - 1;
    assert_eq!(s.cycle(restart), (62, 0.0, (1u64 << 62) as f64));
    assert_eq!(s.at(restart), 1.0);
    assert!(s.at(u64::MAX).is_finite());
}

#[test]
fn restarts_peak_decay() {
    let s = CosineRestarts::builder(0.1_f64, 10)
        .eta_min(0.001)
        .peak_decay(0.5)
        .build()
        .unwrap();
    // The height above eta_min halves at every restart.
    assert_eq!(s.at(0), 0.1);
    assert!(close(s.at(10), 0.001 + 0.099 * 0.5));
    assert!(close(s.at(20), 0.001 + 0.099 * 0.25));
    assert!(close(
        s.at(25),
        cos_anneal(0.001 + 0.099 * 0.25, 0.001, 5.0, 10.0)
    ));
    assert!(matches!(
        CosineRestarts::builder(0.1_f64, 10).peak_decay(2.0).build(),
        Err(Error::Invalid {
            param: "peak_decay",
            expected: Expected::Decay,
            ..
        })
    ));
}

#[test]
fn restarts_warmup_in_every_cycle() {
    let s = CosineRestarts::builder(0.1_f64, 10)
        .warmup(2)
        .build()
        .unwrap();
    assert_eq!(s.at(0), 0.0);
    assert!(close(s.at(1), 0.05));
    assert!(close(s.at(2), 0.1));
    assert!(close(s.at(3), cos_anneal(0.1, 0.0, 1.0, 8.0)));
    assert_eq!(s.at(10), 0.0);
    assert!(close(s.at(11), 0.05));
}

#[test]
fn restarts_validation() {
    let e = CosineRestarts::builder(0.1_f64, 10).warmup(10).build();
    assert!(matches!(e, Err(Error::Order { low: "warmup", .. })));
    let e = CosineRestarts::builder(0.1_f64, 10).t_mult(0.5).build();
    assert!(matches!(
        e,
        Err(Error::Invalid {
            param: "t_mult",
            ..
        })
    ));
    let e = CosineRestarts::builder(0.1_f64, 0).build();
    assert!(matches!(e, Err(Error::Invalid { param: "t0", .. })));
}

#[test]
fn piecewise_by_steps_is_warmup_then_cosine() {
    let s = Piecewise::by_steps(&[
        Span::new(10.0, 0.0_f64, 1.0, Anneal::Linear),
        Span::new(90.0, 1.0, 0.0, Anneal::Cos),
    ])
    .unwrap();
    assert_eq!(s.total_steps(), Some(100));
    assert_eq!(s.at(0), 0.0);
    assert!(close(s.at(5), 0.5));
    assert_eq!(s.at(10), 1.0);
    assert!(close(s.at(55), 0.5));
    assert_eq!(s.phase_index(10), 0);
    assert_eq!(s.phase_index(11), 1);
}

#[test]
fn piecewise_by_fractions_like_combine_scheds() {
    // fastai: combine_scheds([0.5, 0.5], [SchedLin(0, 1), SchedExp(1, 100)])
    let s = Piecewise::by_fractions(
        20,
        &[
            Span::new(0.5, 0.0_f64, 1.0, Anneal::Linear),
            Span::new(0.5, 1.0, 100.0, Anneal::Exp),
        ],
    )
    .unwrap();
    assert!(close(s.at(5), 0.5));
    assert_eq!(s.at(10), 1.0);
    assert!(close(s.at(15), 10.0));
    let poly =
        Piecewise::by_fractions(4, &[Span::new(1.0, 0.0_f64, 1.0, Anneal::Poly(2.0))]).unwrap();
    assert!(close(poly.at(2), 0.25));
    let flat =
        Piecewise::by_fractions(4, &[Span::new(1.0, 3.0_f64, 1.0, Anneal::Constant)]).unwrap();
    assert_eq!(flat.at(3), 3.0);
}

#[test]
fn piecewise_errors_name_the_parameter() {
    let e = Piecewise::by_fractions(10, &[Span::new(0.5, 0.0_f64, 1.0, Anneal::Cos)]);
    assert!(matches!(
        e,
        Err(Error::Invalid {
            param: "pcts",
            expected: Expected::SumToOne,
            ..
        })
    ));
    let many = [Phase::new(1.0, 0.0_f64, 1.0, Anneal::Cos); MAX_PHASES + 1];
    let e = Piecewise::from_phases(10, &many);
    assert!(matches!(
        e,
        Err(Error::Invalid {
            param: "phases",
            value: Value::Int(9),
            ..
        })
    ));
    let e = Piecewise::from_phases(10, &[Phase::new(1.0, 0.0_f64, 1.0, Anneal::Exp)]);
    assert!(matches!(
        e,
        Err(Error::Invalid {
            param: "start_value",
            ..
        })
    ));
    let e = Piecewise::<f64>::from_phases(10, &[]);
    assert!(matches!(
        e,
        Err(Error::Invalid {
            param: "phases",
            ..
        })
    ));
}

#[test]
fn one_cycle_errors_display_parameter_and_value() {
    let e = OneCycleLr::builder(f64::NAN, 100).build().unwrap_err();
    assert_eq!(e.param(), "max_lr");
    assert_eq!(
        e.to_string(),
        "invalid max_lr = NaN: expected a finite number > 0"
    );
    let e = OneCycleLr::builder(0.1_f64, 100)
        .pct_start(1.5)
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid pct_start = 1.5: expected a number in [0, 1]"
    );
    let e = OneCycleLr::builder(0.1_f64, 0).build().unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid total_steps = 0: expected an integer >= 1"
    );
    let e = OneCycleLr::builder_epochs(0.1_f64, u64::MAX, 2)
        .build()
        .unwrap_err();
    assert_eq!(e, Error::Overflow { param: "epochs" });
    let e = KerasOneCycle::builder((0.1_f64, 0.01), 10)
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid lr_range.0 = 0.1: must not exceed lr_range.1 = 0.01"
    );
    let e: Box<dyn std::error::Error> = Box::new(e);
    assert!(e.to_string().contains("lr_range"));
}

#[test]
fn one_cycle_zero_length_phase_holds_its_end() {
    // pct_start * T == 1: PyTorch divides by zero at step 0; we give the peak.
    let s = OneCycleLr::builder(0.1_f64, 10)
        .pct_start(0.1)
        .build()
        .unwrap();
    assert_eq!(s.hypers(0).lr, 0.1);
    assert_eq!(s.hypers(0).momentum, Some(0.85));
}

#[test]
fn sequence_extends_a_finished_one_cycle() {
    let cycle = OneCycleLr::builder(0.1_f64, 100).build().unwrap();
    let tail = Bundle::lr_only(Constant::new(1e-5_f64).unwrap());
    let s = Sequence::of_hypers(cycle, tail).unwrap();
    assert_eq!(s.split(), 100);
    assert_eq!(s.hypers(99).lr, cycle.hypers(99).lr);
    assert_eq!(s.hypers(100).lr, 1e-5);
    assert_eq!(s.hypers(u64::MAX).lr, 1e-5);
    assert!(!s.has_momentum());
    assert_eq!(s.hypers(3).momentum, None);
    assert_eq!(HyperSchedule::total_steps(&s), None);

    // Two cycles back to back: the second sees steps from its own start.
    let second = OneCycleLr::builder(0.01_f64, 50).build().unwrap();
    let s = Sequence::of_hypers(cycle, second).unwrap();
    assert_eq!(s.hypers(100), second.hypers(0));
    assert_eq!(s.hypers(149), second.hypers(49));
    assert_eq!(HyperSchedule::total_steps(&s), Some(150));
    assert!(s.has_momentum());

    let e = Sequence::new(Constant::new(1.0_f64).unwrap(), Constant::new(2.0).unwrap());
    assert!(matches!(e, Err(Error::Unbounded { param: "first" })));
}

#[test]
fn repeat_scale_clamp() {
    let ramp = Piecewise::by_steps(&[Span::new(4.0, 0.0_f64, 1.0, Anneal::Linear)]).unwrap();
    let forever = Repeat::new(ramp, None).unwrap();
    assert_eq!(forever.total_steps(), None);
    for k in 0..20u64 {
        assert_eq!(forever.at(k), ramp.at(k % 4));
    }
    let twice = Repeat::new(ramp, Some(2)).unwrap();
    assert_eq!(twice.total_steps(), Some(8));
    assert_eq!(twice.at(100), ramp.at(3));
    assert_eq!(twice.iter().count(), 8);

    let scaled = Scaled::new(ramp, 10.0).unwrap();
    assert_eq!(scaled.at(2), 5.0);
    let clamped = Clamped::new(ramp, 0.3, 0.6).unwrap();
    assert_eq!(clamped.at(0), 0.3);
    assert_eq!(clamped.at(3), 0.6);
    assert!(matches!(
        Clamped::new(ramp, 1.0, 0.0),
        Err(Error::Order { low: "min", .. })
    ));

    let cycles =
        Repeat::of_hypers(OneCycleLr::builder(0.1_f64, 10).build().unwrap(), None).unwrap();
    assert_eq!(cycles.hypers(10), cycles.hypers(0));
}

/// A schedule of no steps, as a user's `Schedule` may say it is.
struct NoSteps;

impl Schedule<f64> for NoSteps {
    fn at(&self, _step: u64) -> f64 {
        0.0
    }
    fn total_steps(&self) -> Option<u64> {
        Some(0)
    }
}

impl HyperSchedule<f64> for NoSteps {
    fn hypers(&self, _step: u64) -> Hypers<f64> {
        Hypers {
            lr: 0.0,
            momentum: None,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(0)
    }
    fn has_momentum(&self) -> bool {
        false
    }
}

#[test]
fn repeat_refuses_a_schedule_of_no_steps() {
    // Its period would be 0, and every step's place in it a division by 0.
    let zero = |e: &Error| {
        matches!(
            e,
            Error::Invalid {
                param: "period",
                ..
            }
        )
    };
    assert!(Repeat::new(NoSteps, None).is_err_and(|e| zero(&e)));
    assert!(Repeat::new(NoSteps, Some(3)).is_err_and(|e| zero(&e)));
    assert!(Repeat::of_hypers(NoSteps, None).is_err_and(|e| zero(&e)));
}

#[test]
fn iter_and_fill_agree_with_at() {
    let s = OneCycleLr::builder(0.1_f64, 37)
        .three_phase(true)
        .build()
        .unwrap();
    let lr = s.lr();
    let all: Vec<f64> = lr.iter().collect();
    assert_eq!(all.len(), 37);
    assert_eq!(lr.iter().size_hint(), (37, Some(37)));
    let mut buf = [0.0; 40];
    lr.fill(&mut buf, 0);
    for (k, v) in buf.iter().enumerate() {
        assert_eq!(*v, lr.at(k as u64));
    }
    assert_eq!(&buf[..37], &all[..]);
    let mut tail = [0.0; 3];
    lr.fill(&mut tail, u64::MAX - 1);
    assert_eq!(tail, [lr.at(36); 3]);
}

#[test]
fn fixed_clr_returns_to_the_floor_and_keras_clr_does_not() {
    let b = KerasClr::builder(3, (0.002_f64, 0.01), 600).amplitude(Amplitude::Decay(1.0 / 3.0));
    let keras = b.build_keras().unwrap();
    let fixed = b.build_fixed().unwrap();
    let _: &CosineCycles<f64> = &fixed;
    // The Keras package's phase two falls towards 0; the fixed one to lo.
    assert!(keras.hypers(199).lr < 0.001);
    assert!(fixed.hypers(199).lr >= 0.002);
    assert!(close(
        fixed.hypers(199).lr,
        0.002 + (0.008) * (1.0 + (PI * 139.0 / 140.0).cos()) / 2.0
    ));
    // Peaks shrink by the amplitude decay: 0.002 + 0.008 / 3^c.
    assert!(close(fixed.hypers(60).lr, 0.01));
    assert!(close(fixed.hypers(260).lr, 0.002 + 0.008 / 3.0));
    assert!(close(fixed.hypers(460).lr, 0.002 + 0.008 / 9.0));
}

#[test]
fn every_preset_is_defined_at_every_step() {
    let steps = [
        0,
        1,
        2,
        1 << 31,
        (1 << 53) - 1,
        1 << 53,
        u64::MAX - 1,
        u64::MAX,
    ];
    let presets: Vec<Box<dyn HyperSchedule<f64>>> = vec![
        Box::new(OneCycleLr::builder(0.1, 1000).build().unwrap()),
        Box::new(FitOneCycle::builder(0.1, 1000).build().unwrap()),
        Box::new(KerasOneCycle::builder((0.01, 0.1), 10).build().unwrap()),
        Box::new(KerasClr::builder(3, (0.01, 0.1), 10).build_keras().unwrap()),
        Box::new(CyclicLr::builder(0.01, 0.1).build().unwrap()),
        Box::new(
            CyclicLr::builder(0.01, 0.1)
                .mode(clr_core::CyclicMode::ExpRange { gamma: 0.99 })
                .build()
                .unwrap(),
        ),
        Box::new(Bundle::lr_only(
            CosineRestarts::builder(0.1, 7).t_mult(1.7).build().unwrap(),
        )),
        Box::new(Bundle::lr_only(
            CosineRestarts::builder(0.1, 7).t_mult(3.0).build().unwrap(),
        )),
        Box::new(Bundle::lr_only(
            LrSweep::new((1e-5, 10.0), 100, SweepMode::Exp).unwrap(),
        )),
    ];
    for p in &presets {
        for &k in &steps {
            let h = p.hypers(k);
            assert!(h.lr.is_finite(), "{p:?} at {k}", p = h);
            assert!(h.momentum.is_none_or(f64::is_finite));
        }
    }
}

#[test]
fn cyclic_far_steps_have_no_precision_cliff() {
    // Just below 2^53 a triangle of 4 + 4 steps is still exact.
    let s = CyclicLr::builder(0.0_f64, 1.0)
        .step_size_up(4)
        .build()
        .unwrap();
    let base = (1u64 << 53) - 8 * 1000;
    for k in 0..8 {
        assert!(close(s.hypers(base + k).lr, s.hypers(k).lr), "step {k}");
    }
}

#[test]
fn even_mults_like_fastai() {
    let mut out = [0.0_f64; 3];
    even_mults(1e-4, 1e-2, &mut out).unwrap();
    assert!(close(out[0], 1e-4) && close(out[1], 1e-3) && close(out[2], 1e-2));
    let mut one = [0.0_f64; 1];
    even_mults(1e-4, 1e-2, &mut one).unwrap();
    assert_eq!(one, [1e-2]);
    even_mults(1e-4, 1e-2, &mut []).unwrap();
    assert!(even_mults(0.0, 1e-2, &mut out).is_err());
    let h = OneCycleLr::builder(1e-2_f64, 10).build().unwrap().hypers(2);
    assert!(close(h.scale_lr(out[0] / 1e-2).lr, h.lr / 100.0));
}

#[test]
fn sweeps_stay_within_their_range_even_when_subnormal() {
    let ranges = [
        (1e-323, 2.7e-322),
        (5e-324, 9.24e-322),
        (1e-300, 1e100),
        (1e-5, 10.0),
    ];
    for (lo, hi) in ranges {
        for mode in [SweepMode::Exp, SweepMode::Linear] {
            let s = LrSweep::new((lo, hi), 97, mode).unwrap();
            for lr in s.iter() {
                assert!((lo..=hi).contains(&lr), "{lr:e} outside [{lo:e}, {hi:e}]");
            }
        }
    }
}

/// The one-cycle presets keep what they derive (PyTorch's phases, fastai's
/// fractions): a round trip writes the builder and rebuilds the rest, and
/// a `Piecewise` with a bad phase count is refused rather than zeroed.
#[cfg(feature = "serde")]
#[test]
fn one_cycle_serde_round_trips_rebuild_what_is_derived() {
    let torch = OneCycleLr::builder(0.1_f64, 1000)
        .three_phase(true)
        .pct_start(0.7)
        .build()
        .unwrap();
    let json = serde_json::to_string(&torch).unwrap();
    assert!(json.starts_with(r#"{"config":{"max_lr":0.1,"#), "{json}");
    let back: OneCycleLr<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, torch);
    for step in [0, 1, 500, 699, 700, 999, 5000] {
        assert_eq!(back.hypers(step), torch.hypers(step));
    }
    let fastai = FitOneCycle::builder(1e-3_f32, 97).build().unwrap();
    let back: FitOneCycle<f32> =
        serde_json::from_str(&serde_json::to_string(&fastai).unwrap()).unwrap();
    assert_eq!(back, fastai);
    let phases = [
        Phase::new(29.0, 0.004, 0.1, Anneal::Cos),
        Phase::new(99.0, 0.1, 4e-7, Anneal::Cos),
    ];
    let lr = serde_json::to_value(Piecewise::from_phases(100, &phases).unwrap()).unwrap();
    let mut empty = lr.clone();
    empty["len"] = serde_json::json!(0);
    assert!(serde_json::from_value::<Piecewise<f64>>(empty).is_err());
    let mut too_many = lr;
    too_many["len"] = serde_json::json!(MAX_PHASES + 1);
    assert!(serde_json::from_value::<Piecewise<f64>>(too_many).is_err());
}

/// A subnormal amplitude's half rounds: halved before the product, a full
/// wave came out one unit above the range (found by the fuzzer). In the
/// Keras package's own order every learning rate stays at or below the
/// range's top, as the package's does.
#[test]
fn keras_waves_stay_within_subnormal_ranges() {
    for (lo, hi) in [(1_u64, 65_535_u64), (3, 65_535), (0x1234, 0x9999), (1, 3)] {
        let (lo, hi) = (f64::from_bits(lo), f64::from_bits(hi));
        for n in [10, 97, 1000] {
            let one_cycle = KerasOneCycle::builder((lo, hi), n).build().unwrap();
            for cycles in [1, 3] {
                let clr = KerasClr::builder(cycles, (lo, hi), n)
                    .build_keras()
                    .unwrap();
                for k in 0..n + 2 {
                    let (a, b) = (one_cycle.hypers(k).lr, clr.hypers(k).lr);
                    assert!(a <= hi && b <= hi, "{a:e} {b:e} above {hi:e} at {k} of {n}");
                }
            }
        }
    }
}

/// More cycles than 2^53 round a step's position within its cycle far
/// outside [0, 1] (here -2.08 at step 4157); with a rise of subnormal
/// length that became an infinite angle and a NaN learning rate (found by
/// the finiteness property). The position is put back into its cycle.
#[test]
fn keras_clr_past_2_53_cycles_stays_finite_and_in_range() {
    fn check(s: &impl HyperSchedule<f64>) {
        for k in 0..4159 {
            let lr = s.hypers(k).lr;
            assert!((0.0..=f64::MIN_POSITIVE).contains(&lr), "lr {lr:e} at {k}");
        }
    }
    let b = KerasClr::builder(18_735_174_578_194_755, (-0.0_f64, f64::MIN_POSITIVE), 4159)
        .phase_one_fraction(f64::MIN_POSITIVE)
        .amplitude(Amplitude::Decay(0.823_737_860_171_482_2));
    check(&b.build_keras().unwrap());
    check(&b.build_fixed().unwrap());
}
