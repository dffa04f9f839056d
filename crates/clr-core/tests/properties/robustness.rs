use super::*;

// ---------------------------------------------------------------------------
// 6. Arbitrary input never panics; accepted configurations give finite
//    values at every step; refusals name one of the builder's parameters.
// ---------------------------------------------------------------------------

/// Any f64, with the awkward ones (NaN, infinities, zeros, subnormals, the
/// extremes) and the plausible ones (fractions, learning rates) well represented.
pub(crate) fn wild_f64() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        2 => proptest::num::f64::ANY,
        2 => prop::sample::select(&[
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, f64::MIN_POSITIVE,
            5e-324, f64::MAX, f64::MIN, 1e300, 1e-300, f64::EPSILON, 1.0, -1.0, 0.5,
            1.0 + f64::EPSILON, 1.0 - f64::EPSILON / 2.0, 2.0, 1e-6, 10.0,
        ][..]),
        2 => 0.0..=1.0f64,
        1 => -2.0..=2.0f64,
        2 => learning_rate(),
        1 => 1.0..=1e6f64,
    ]
}

/// Any u64, small and huge counts well represented.
pub(crate) fn wild_u64() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![
        2 => 0u64..=3,
        2 => 1u64..=10_000,
        1 => any::<u64>(),
        1 => prop::sample::select(&[
            u64::MAX, u64::MAX - 1, 1 << 53, (1 << 53) + 1, (1 << 53) - 1, 1 << 63,
            u32::MAX as u64, u32::MAX as u64 + 1,
        ][..]),
    ]
}

/// The steps an accepted configuration is evaluated at.
pub(crate) fn probe_steps(total: Option<u64>, seed: u64) -> Vec<u64> {
    let mut steps = vec![0, 1, 2, 3, 1 << 53, u64::MAX - 1, u64::MAX];
    if let Some(n) = total {
        steps.extend([
            n.saturating_sub(2),
            n.saturating_sub(1),
            n,
            n.saturating_add(1),
        ]);
    }
    let mut state = seed;
    steps.extend((0..8).map(|_| mix(&mut state)));
    steps.extend((0..8).map(|_| mix(&mut state) % 100_000));
    steps
}

/// Checks a refusal: its message names its parameter, which is one of
/// `params` (or an element of one: `moms.0` for `moms`).
pub(crate) fn named(e: &Error, params: &[&str]) -> Result<(), TestCaseError> {
    let message = e.to_string();
    let param = e.param();
    prop_assert!(message.contains(param), "{message:?} does not name {param}");
    let known = params.iter().any(|p| {
        param == *p
            || param
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.'))
    });
    prop_assert!(
        known,
        "refusal names {param:?}, not one of the parameters {params:?}: {message}"
    );
    Ok(())
}

/// Evaluates an accepted configuration at [`probe_steps`]; nothing may panic,
/// and with `finite` every value must be finite.
pub(crate) fn probe_hypers<H: HyperSchedule<f64>>(
    s: &H,
    seed: u64,
    finite: bool,
) -> Result<(), TestCaseError> {
    for k in probe_steps(s.total_steps(), seed) {
        let h = s.hypers(k);
        prop_assert_eq!(h.momentum.is_some(), s.has_momentum());
        if finite {
            prop_assert!(h.lr.is_finite(), "lr at step {k} is {}", h.lr);
            if let Some(m) = h.momentum {
                prop_assert!(m.is_finite(), "momentum at step {k} is {m}");
            }
        }
    }
    Ok(())
}

pub(crate) fn probe_schedule<S: Schedule<f64>>(
    s: &S,
    seed: u64,
    finite: bool,
) -> Result<(), TestCaseError> {
    for k in probe_steps(s.total_steps(), seed) {
        let v = s.at(k);
        if finite {
            prop_assert!(v.is_finite(), "value at step {k} is {v}");
        }
    }
    Ok(())
}

/// A built configuration: an accepted one is checked with `probe` (one of
/// [`probe_hypers`], [`probe_schedule`]) and returned for further checks, a
/// refused one must be [`named`] after one of `params`.
pub(crate) fn probe_or_named<T>(
    built: Result<T, Error>,
    params: &[&str],
    probe: impl FnOnce(&T) -> Result<(), TestCaseError>,
) -> Result<Option<T>, TestCaseError> {
    match built {
        Ok(s) => probe(&s).map(|()| Some(s)),
        Err(e) => named(&e, params).map(|()| None),
    }
}

/// Above this a curve's `(peak - floor) * (1 + cos)` overflows before it is
/// halved (reported core bug: values near `f64::MAX` are accepted).
pub(crate) const HUGE: f64 = 1e300;

pub(crate) fn huge(values: &[f64]) -> bool {
    values.iter().any(|v| v.abs() > HUGE)
}

pub(crate) const ONE_CYCLE_PARAMS: &[&str] = &[
    "total_steps",
    "epochs",
    "steps_per_epoch",
    "max_lr",
    "pct_start",
    "div_factor",
    "final_div_factor",
    "base_momentum",
    "max_momentum",
];
pub(crate) const FIT_PARAMS: &[&str] = &[
    "total_steps",
    "lr_max",
    "div",
    "div_final",
    "pct_start",
    "moms",
];
pub(crate) const KERAS_PARAMS: &[&str] = &[
    "total_steps",
    "lr_range.0",
    "lr_range.1",
    "momentum_range.0",
    "momentum_range.1",
    "phase_one_fraction",
];
pub(crate) const CLR_PARAMS: &[&str] = &[
    "cycles",
    "total_steps",
    "lr_range.0",
    "lr_range.1",
    "momentum_range.0",
    "momentum_range.1",
    "phase_one_fraction",
    "amplitude_decay",
];
pub(crate) const CYCLIC_PARAMS: &[&str] = &[
    "base_lr",
    "max_lr",
    "step_size_up",
    "step_size_down",
    "gamma",
    "base_momentum",
    "max_momentum",
];
pub(crate) const RESTARTS_PARAMS: &[&str] =
    &["lr", "t0", "t_mult", "eta_min", "peak_decay", "warmup"];
pub(crate) const SWEEP_PARAMS: &[&str] = &["lr_range.0", "lr_range.1", "steps"];
pub(crate) const PIECEWISE_PARAMS: &[&str] = &[
    "total_steps",
    "phases",
    "end",
    "start_value",
    "end_value",
    "power",
    "pct",
    "pcts",
    "steps",
];

pub(crate) fn wild_anneal() -> impl Strategy<Value = Anneal> {
    prop_oneof![
        Just(Anneal::Cos),
        Just(Anneal::Linear),
        Just(Anneal::Exp),
        Just(Anneal::Constant),
        wild_f64().prop_map(Anneal::Poly),
    ]
}

pub(crate) fn wild_phase() -> impl Strategy<Value = Phase<f64>> {
    (wild_f64(), wild_f64(), wild_f64(), wild_anneal())
        .prop_map(|(end, a, b, anneal)| Phase::new(end, a, b, anneal))
}

pub(crate) fn wild_span() -> impl Strategy<Value = Span<f64>> {
    (wild_f64(), wild_f64(), wild_f64(), wild_anneal())
        .prop_map(|(len, a, b, anneal)| Span::new(len, a, b, anneal))
}

pub(crate) fn wild_one_cycle() -> impl Strategy<Value = OneCycleLrBuilder<f64>> {
    let length = prop_oneof![
        wild_u64().prop_map(Length::Steps),
        (wild_u64(), wild_u64()).prop_map(|(epochs, steps_per_epoch)| Length::Epochs {
            epochs,
            steps_per_epoch,
        }),
    ];
    (
        wild_f64(),
        length,
        wild_f64(),
        any::<bool>(),
        (wild_f64(), wild_f64()),
        any::<bool>(),
        prop::option::of((wild_f64(), wild_f64())),
    )
        .prop_map(
            |(max_lr, length, pct, linear, (div, final_div), three, momentum)| {
                let mut b = OneCycleLr::builder(max_lr, 1)
                    .pct_start(pct)
                    .div_factor(div)
                    .final_div_factor(final_div)
                    .three_phase(three);
                if linear {
                    b = b.anneal(AnnealStrategy::Linear);
                }
                b.length = length;
                b.momentum = momentum;
                b
            },
        )
}

pub(crate) fn wild_fit() -> impl Strategy<Value = FitOneCycleBuilder<f64>> {
    (
        wild_f64(),
        wild_u64(),
        wild_f64(),
        wild_f64(),
        wild_f64(),
        (wild_f64(), wild_f64(), wild_f64()),
    )
        .prop_map(|(lr, n, div, div_final, pct, (a, b, c))| {
            FitOneCycle::builder(lr, n)
                .div(div)
                .div_final(div_final)
                .pct_start(pct)
                .moms(a, b, c)
        })
}

pub(crate) fn wild_keras() -> impl Strategy<Value = KerasOneCycleBuilder<f64>> {
    (
        (wild_f64(), wild_f64()),
        wild_u64(),
        wild_f64(),
        prop::option::of((wild_f64(), wild_f64())),
    )
        .prop_map(|(range, n, f, momentum)| {
            let mut b = KerasOneCycle::builder(range, n).phase_one_fraction(f);
            b.momentum_range = momentum;
            b
        })
}

pub(crate) fn wild_clr() -> impl Strategy<Value = ClrBuilder<f64>> {
    (
        wild_u64(),
        (wild_f64(), wild_f64()),
        wild_u64(),
        wild_f64(),
        wild_f64(),
        prop::option::of((wild_f64(), wild_f64())),
    )
        .prop_map(|(cycles, range, n, f, decay, momentum)| {
            let mut b = KerasClr::builder(cycles, range, n)
                .phase_one_fraction(f)
                .amplitude(Amplitude::Decay(decay));
            b.momentum_range = momentum;
            b
        })
}

pub(crate) fn wild_cyclic() -> impl Strategy<Value = CyclicLrBuilder<f64>> {
    let mode = prop_oneof![
        Just(CyclicMode::Triangular),
        Just(CyclicMode::Triangular2),
        wild_f64().prop_map(|gamma| CyclicMode::ExpRange { gamma }),
    ];
    (
        (wild_f64(), wild_f64()),
        wild_u64(),
        prop::option::of(wild_u64()),
        mode,
        prop::option::of((wild_f64(), wild_f64())),
    )
        .prop_map(|((base, max), up, down, mode, momentum)| {
            let mut b = CyclicLr::builder(base, max).step_size_up(up).mode(mode);
            b.step_size_down = down;
            b.momentum = momentum;
            b
        })
}

pub(crate) fn wild_restarts() -> impl Strategy<Value = CosineRestartsBuilder<f64>> {
    (
        wild_f64(),
        wild_u64(),
        prop_oneof![wild_f64(), (1u64..=5).prop_map(|m| m as f64)],
        wild_f64(),
        wild_f64(),
        wild_u64(),
    )
        .prop_map(|(lr, t0, m, eta, decay, warmup)| {
            CosineRestarts::builder(lr, t0)
                .t_mult(m)
                .eta_min(eta)
                .peak_decay(decay)
                .warmup(warmup)
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn one_cycle_lr_never_panics(b in wild_one_cycle(), seed in any::<u64>()) {
        let built = b.build();
        // Reported core bugs: past 2^53 steps the phase ends round together
        // (x/0 = inf, then NaN); max_lr near f64::MAX overflows.
        let long = built
            .as_ref()
            .is_ok_and(|s| HyperSchedule::total_steps(s).unwrap() > 1 << 53);
        let finite = !long && !huge(&[b.max_lr]);
        probe_or_named(built, ONE_CYCLE_PARAMS, |s| probe_hypers(s, seed, finite))?;
    }

    #[test]
    fn fit_one_cycle_never_panics(b in wild_fit(), seed in any::<u64>()) {
        probe_or_named(b.build(), FIT_PARAMS, |s| probe_hypers(s, seed, true))?;
    }

    #[test]
    fn keras_one_cycle_never_panics(b in wild_keras(), seed in any::<u64>()) {
        // Reported core bug: x = (n-1)/n rounds to 1 past 2^53 steps,
        // and phase_one_fraction = 1 then divides 0 by 0.
        let nan_bug = b.phase_one_fraction == 1.0 && b.total_steps > 1 << 53;
        let finite = !huge(&[b.lr_range.1]) && !nan_bug;
        probe_or_named(b.build(), KERAS_PARAMS, |s| probe_hypers(s, seed, finite))?;
    }

    #[test]
    fn keras_clr_never_panics(b in wild_clr(), seed in any::<u64>()) {
        // Reported core bugs: growing amplitudes overflow; with a fraction of
        // 0 (or tiny) or 1, a position rounded to the wrong side of the
        // fraction divides by zero (or overflows).
        let edge = b.phase_one_fraction < 1e-250 || b.phase_one_fraction == 1.0;
        let finite = !growing_amplitude(&b) && !huge(&[b.lr_range.1]) && !edge;
        probe_or_named(b.build_keras(), CLR_PARAMS, |s| probe_hypers(s, seed, finite))?;
        probe_or_named(b.build_fixed(), CLR_PARAMS, |s| probe_hypers(s, seed, finite))?;
    }

    #[test]
    fn cyclic_lr_never_panics(b in wild_cyclic(), seed in any::<u64>()) {
        let finite = !growing_gamma(&b);
        let probe = |s: &CyclicLr<f64>| probe_hypers(s, seed, finite);
        if let Some(s) = probe_or_named(b.build(), CYCLIC_PARAMS, probe)? {
            let _ = s.cycle_len();
        }
    }

    #[test]
    fn cosine_restarts_never_panics(b in wild_restarts(), seed in any::<u64>()) {
        if real_t_mult_hangs(b.t_mult) {
            // Reported core bug: evaluating never returns (see
            // cosine_restarts_extreme_real_t_mult_terminates).
            return Ok(());
        }
        // Reported core bugs: growing peaks overflow; past 2^53 steps
        // T_i - warmup can round to 0 (0/0 right after the warm-up).
        let warmup_bug = b.t0 > 1 << 53 && b.warmup > 0;
        let finite = b.peak_decay <= 1.0 && !huge(&[b.lr, b.eta_min]) && !warmup_bug;
        let probe = |s: &CosineRestarts<f64>| probe_schedule(s, seed, finite);
        if let Some(s) = probe_or_named(b.build(), RESTARTS_PARAMS, probe)? {
            for k in probe_steps(None, seed) {
                let _ = s.cycle(k);
            }
        }
    }

    #[test]
    fn lr_sweep_never_panics(
        range in (wild_f64(), wild_f64()),
        n in wild_u64(),
        linear in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mode = if linear { SweepMode::Linear } else { SweepMode::Exp };
        let finite = !huge(&[range.0, range.1]);
        let built = LrSweep::new(range, n, mode);
        probe_or_named(built, SWEEP_PARAMS, |s| probe_schedule(s, seed, finite))?;
    }

    #[test]
    fn piecewise_never_panics(
        n in wild_u64(),
        phases in prop::collection::vec(wild_phase(), 0..10),
        spans in prop::collection::vec(wild_span(), 0..10),
        seed in any::<u64>(),
    ) {
        // Only that nothing panics: `from_phases` takes any ends, and steps
        // past the last end (or before a decreasing one) extrapolate the
        // curve; see piecewise_values_stay_finite for the reported NaNs.
        let probe = |s: &Piecewise<f64>| {
            for k in probe_steps(s.total_steps(), seed) {
                let _ = s.at(k);
                let _ = s.phase_index(k);
            }
        };
        for built in [
            Piecewise::from_phases(n, &phases),
            Piecewise::by_fractions(n, &spans),
            Piecewise::by_steps(&spans),
        ] {
            match built {
                Ok(s) => probe(&s),
                Err(e) => named(&e, PIECEWISE_PARAMS)?,
            }
        }
    }

    #[test]
    fn combined_cos_never_panics(
        n in wild_u64(),
        pct in wild_f64(),
        values in (wild_f64(), wild_f64(), wild_f64()),
        seed in any::<u64>(),
    ) {
        let built = combined_cos(n, pct, values.0, values.1, values.2);
        let finite = !huge(&[values.0, values.1, values.2]);
        probe_or_named(built, PIECEWISE_PARAMS, |s| probe_schedule(s, seed, finite))?;
    }

    #[test]
    fn combinators_and_even_mults_never_panic(
        values in (wild_f64(), wild_f64(), wild_f64()),
        times in prop::option::of(wild_u64()),
        n in 0usize..8,
        seed in any::<u64>(),
    ) {
        let (a, b, c) = values;
        probe_or_named(Constant::new(a), &["value"], |s| probe_schedule(s, seed, true))?;
        let sweep = LrSweep::new((1e-3, 1.0), 10, SweepMode::Exp)?;
        // A huge factor may overflow: the caller's choice.
        let finite = !huge(&[b]);
        probe_or_named(Scaled::new(sweep, b), &["factor"], |s| probe_schedule(s, seed, finite))?;
        let clamped = Clamped::new(sweep, b, c);
        probe_or_named(clamped, &["min", "max"], |s| probe_schedule(s, seed, true))?;
        probe_or_named(Repeat::new(sweep, times), &["times"], |s| probe_schedule(s, seed, true))?;
        let constant = Constant::new(1.0)?;
        let refused = matches!(Repeat::new(constant, None), Err(Error::Unbounded { param: "inner" }));
        prop_assert!(refused, "Repeat of an unbounded schedule");
        let refused = matches!(
            Sequence::new(constant, sweep),
            Err(Error::Unbounded { param: "first" })
        );
        prop_assert!(refused, "Sequence after an unbounded schedule");
        let mut out = vec![0.0; n];
        match even_mults(a, b, &mut out) {
            Ok(()) => prop_assert!(out.iter().all(|v| !v.is_nan()), "{out:?}"),
            Err(e) => named(&e, &["lo", "hi"])?,
        }
    }
}

/// Reported core bug: an amplitude decay above 1 is accepted and overflows.
pub(crate) fn growing_amplitude(b: &ClrBuilder<f64>) -> bool {
    matches!(b.amplitude, Amplitude::Decay(d) if d > 1.0)
}

/// Reported core bug: `CosineRestarts::real_cycle` never returns when its
/// cycle estimate is infinite (`t_mult` huge) or above 2^53 (`t_mult` within
/// about 1e-15 of 1, at large steps): `i -= 1.0` no longer changes `i`.
pub(crate) fn real_t_mult_hangs(m: f64) -> bool {
    let real = m != libm::floor(m) || m > f64::from(u32::MAX);
    real && !(1.0 + 1e-12..=1e100).contains(&m)
}

/// Runs `f` on a watchdog thread: `Err` when it has not returned after `secs`.
pub(crate) fn within<T: Send + 'static>(
    secs: u64,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ()> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .map_err(|_| ())
}

#[test]
pub(crate) fn cosine_restarts_extreme_real_t_mult_terminates() {
    for (t_mult, step) in [
        (f64::MAX, 5),
        (1e300, u64::MAX),
        (1.0 + f64::EPSILON, u64::MAX),
    ] {
        // Refused (magnitude above 1e100), or evaluated in bounded time.
        let Ok(s) = CosineRestarts::builder(1.0_f64, 1).t_mult(t_mult).build() else {
            continue;
        };
        let got = within(5, move || s.at(step));
        assert!(
            got.is_ok(),
            "t_mult = {t_mult:e}: at({step}) has not returned after 5 s"
        );
    }
}

/// Reported core bug: an exp_range `gamma` above 1 is accepted and overflows.
pub(crate) fn growing_gamma(b: &CyclicLrBuilder<f64>) -> bool {
    matches!(b.mode, CyclicMode::ExpRange { gamma } if gamma > 1.0)
}
