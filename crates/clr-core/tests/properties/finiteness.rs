use super::*;

// The configurations the tests above excuse from finiteness, tested on their
// own so that each reported bug shows up as one ignored test.
proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn cyclic_lr_exp_range_stays_finite(b in wild_cyclic(), seed in any::<u64>()) {
        if let Ok(s) = b.build() {
            probe_hypers(&s, seed, true)?;
        }
    }

    #[test]
    fn keras_clr_growing_amplitude_stays_finite(b in wild_clr(), seed in any::<u64>()) {
        if !huge(&[b.lr_range.1]) {
            if let Ok(s) = b.build_keras() {
                probe_hypers(&s, seed, true)?;
            }
        }
    }

    #[test]
    fn cosine_restarts_growing_peak_stays_finite(b in wild_restarts(), seed in any::<u64>()) {
        if !huge(&[b.lr, b.eta_min]) && !real_t_mult_hangs(b.t_mult) {
            if let Ok(s) = b.build() {
                probe_schedule(&s, seed, true)?;
            }
        }
    }

    #[test]
    fn keras_wave_at_fraction_0_or_1_stays_finite(
        b in wild_clr(),
        keras in wild_keras(),
        one in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let f = if one { 1.0 } else { 0.0 };
        let b = b.phase_one_fraction(f).amplitude(Amplitude::Decay(1.0));
        if !huge(&[b.lr_range.1]) {
            if let Ok(s) = b.build_keras() {
                probe_hypers(&s, seed, true)?;
            }
        }
        let keras = keras.phase_one_fraction(f);
        if !huge(&[keras.lr_range.1]) {
            if let Ok(s) = keras.build() {
                probe_hypers(&s, seed, true)?;
            }
        }
    }

    #[test]
    fn one_cycle_lr_past_2_pow_53_steps_stays_finite(b in one_cycle_lr(), seed in any::<u64>()) {
        // T = 2^53 + 1 rounds to 2^53: the peak's end (T - 1 = 2^53 - 1) and
        // the run's end coincide below step T - 1 = 2^53, which then sits in
        // a zero-length last phase.
        let mut b = b.pct_start(1.0).three_phase(false);
        b.length = Length::Steps((1 << 53) + 1);
        probe_hypers(&b.build()?, seed, true)?;
    }

    #[test]
    fn cosine_restarts_long_warmup_stays_finite(
        t0 in (1u64 << 53)..=u64::MAX,
        back in 0u64..1_000,
        seed in any::<u64>(),
    ) {
        let s = CosineRestarts::builder(1.0_f64, t0).warmup(t0 - 1 - back.min(t0 - 1)).build()?;
        probe_schedule(&s, seed, true)?;
        for k in [t0 - 1, t0 - 2, t0 / 2 + t0 / 4] {
            prop_assert!(s.at(k).is_finite(), "at({k}) = {}", s.at(k));
        }
    }

    #[test]
    fn huge_learning_rates_stay_finite(
        lr in prop_oneof![Just(f64::MAX), 1e300..=f64::MAX],
        seed in any::<u64>(),
    ) {
        // Refused outright (magnitude above 1e100), or finite everywhere.
        if let Ok(s) = CosineRestarts::builder(lr, 3).build() {
            probe_schedule(&s, seed, true)?;
        }
        let keras = KerasOneCycle::builder((0.0, lr), 7).phase_one_fraction(0.9);
        if let Ok(s) = keras.build() {
            probe_hypers(&s, seed, true)?;
        }
        let n = 28_645_707_189_585_221;
        if let Ok(s) = LrSweep::new((lr, 1.0), n, SweepMode::Linear) {
            probe_schedule(&s, seed, true)?;
        }
    }

    #[test]
    fn piecewise_values_stay_finite(
        n in 1u64..=100,
        phases in prop::collection::vec(wild_phase(), 1..4),
        seed in any::<u64>(),
    ) {
        if let Ok(s) = Piecewise::from_phases(n, &phases) {
            if !phases.iter().any(|p| huge(&[p.start_value, p.end_value])) {
                probe_schedule(&s, seed, true)?;
            }
        }
    }
}

/// Each reported core bug on its minimal input; lists every one still failing.
#[test]
pub(crate) fn reported_core_bugs_minimal_inputs() {
    let mut bugs: Vec<String> = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            bugs.push(what);
        }
    };

    // cyclic.rs: ExpRange accepts gamma > 1.
    let s = CyclicLr::builder(0.0_f64, 1.0)
        .step_size_up(1)
        .mode(CyclicMode::ExpRange { gamma: 2.0 })
        .build();
    let v = s.map_or(0.0, |s| s.hypers(1100).lr);
    expect(
        v.is_finite(),
        format!("CyclicLr(0, 1, up 1, gamma 2).lr(1100) = {v}"),
    );

    // cyclic.rs: Amplitude::Decay accepts d > 1.
    let s = KerasClr::builder(1100, (0.1_f64, 1.0), 1100)
        .amplitude(Amplitude::Decay(2.0))
        .build_keras();
    let v = s.map_or(0.0, |s| s.hypers(1099).lr);
    expect(
        v.is_finite(),
        format!("KerasClr(1100 cycles, decay 2).lr(1099) = {v}"),
    );

    // restarts.rs: peak_decay > 1 accepted.
    let s = CosineRestarts::builder(1.0_f64, 1).peak_decay(2.0).build();
    let v = s.map_or(0.0, |s| s.at(1100));
    expect(
        v.is_finite(),
        format!("CosineRestarts(1, t0 1, peak_decay 2).at(1100) = {v}"),
    );

    // restarts.rs: the decayed peak goes below eta_min.
    let s = CosineRestarts::builder(1.0_f64, 1)
        .eta_min(0.5)
        .peak_decay(0.1)
        .build()
        .unwrap();
    let v = s.at(1);
    expect(
        v >= 0.5,
        format!("CosineRestarts(1, t0 1, eta_min 0.5, peak_decay 0.1).at(1) = {v}"),
    );

    // restarts.rs: (T_cur - warmup) / (T_i - warmup) is 0/0 past 2^53.
    let t0 = 1 << 60;
    let s = CosineRestarts::builder(1.0_f64, t0)
        .warmup(t0 - 1)
        .build()
        .unwrap();
    let v = s.at(t0 - 1);
    expect(
        v.is_finite(),
        format!("CosineRestarts(t0 2^60, warmup 2^60 - 1).at(2^60 - 1) = {v}"),
    );

    // keras/wave.rs: division by phase_one_fraction or 1 - it.
    let s = KerasClr::builder(77, (0.0_f64, 1.0), 77)
        .phase_one_fraction(1.0)
        .build_keras()
        .unwrap();
    let v = s.hypers(40).lr;
    expect(
        v.is_finite(),
        format!("KerasClr(77 cycles, (0, 1), 77 steps, fraction 1).lr(40) = {v}"),
    );
    let n = 1 << 60;
    let s = KerasOneCycle::builder((0.0_f64, 1.0), n)
        .phase_one_fraction(1.0)
        .build()
        .unwrap();
    let v = s.hypers(n - 1).lr;
    expect(
        v.is_finite(),
        format!("KerasOneCycle((0, 1), 2^60 steps, fraction 1).lr(2^60 - 1) = {v}"),
    );

    // keras/wave.rs: x - fraction (once computed in f32).
    let n = 100_000;
    let a = KerasOneCycle::builder((0.0_f64, 1.0), n)
        .phase_one_fraction(0.9999)
        .build()
        .unwrap();
    let b = KerasOneCycle::builder((0.0_f32, 1.0), n)
        .phase_one_fraction(0.9999)
        .build()
        .unwrap();
    let (x, y) = (f64::from(b.hypers(99_993).lr), a.hypers(99_993).lr);
    expect(
        (x - y).abs() <= 1e-5,
        format!("KerasOneCycle((0, 1), 1e5, 0.9999).lr(99993): f32 {x} vs f64 {y}"),
    );

    // phase.rs / one_cycle.rs: phase ends past 2^53 steps.
    let t = (1 << 53) + 1;
    let s = OneCycleLr::builder(1.0_f64, t)
        .pct_start(1.0)
        .build()
        .unwrap();
    let v = s.hypers(t - 1).lr;
    expect(
        v.is_finite(),
        format!("OneCycleLr(1, 2^53 + 1 steps, pct_start 1).lr(2^53) = {v}"),
    );

    // phase.rs: zero-length or backwards last phase.
    let p = Piecewise::from_phases(
        3,
        &[
            Phase::new(1.0, 0.0_f64, 1.0, Anneal::Cos),
            Phase::new(1.0, 1.0, 2.0, Anneal::Cos),
        ],
    )
    .unwrap();
    let v = p.at(2);
    expect(
        v.is_finite(),
        format!("Piecewise(3, ends [1, 1], cos).at(2) = {v}"),
    );
    let p = Piecewise::from_phases(
        3,
        &[
            Phase::new(1.0, 0.0_f64, 1.0, Anneal::Linear),
            Phase::new(0.5, 1.0, 2.0, Anneal::Poly(0.5)),
        ],
    )
    .unwrap();
    let v = p.at(2);
    expect(
        v.is_finite(),
        format!("Piecewise(3, ends [1, 0.5], poly 0.5).at(2) = {v}"),
    );

    // Values above f64::MAX / 2 overflowed: they are now refused.
    expect(
        CosineRestarts::builder(f64::MAX, 1).build().is_err(),
        "CosineRestarts(f64::MAX, 1) accepted".into(),
    );
    expect(
        KerasOneCycle::builder((0.0, f64::MAX), 2).build().is_err(),
        "KerasOneCycle((0, f64::MAX), 2) accepted".into(),
    );
    expect(
        LrSweep::new((f64::MAX, 1.0), 3, SweepMode::Linear).is_err(),
        "LrSweep((f64::MAX, 1), 3, Linear) accepted".into(),
    );

    assert!(
        bugs.is_empty(),
        "{} still failing:\n{}",
        bugs.len(),
        bugs.join("\n")
    );
}
