use super::*;

// ---------------------------------------------------------------------------
// 1. Values stay within the configuration's bounds.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn one_cycle_lr_is_bounded(b in one_cycle_lr(), seed in any::<u64>()) {
        let s = b.build()?;
        let total = s.total_steps().unwrap();
        prop_assert_eq!(total, total_of(b.length));
        let (lr, momentum) = one_cycle_values(&b);
        let (lo, hi) = hull(&lr);
        let steps = sample_steps(total, &[], seed);
        check_bounded(&s.lr(), lo, hi, steps.iter().copied()).map_err(fail)?;
        prop_assert_eq!(s.has_momentum(), b.momentum.is_some());
        match (b.momentum, momentum) {
            (Some((base, max)), Some(_)) => {
                let m = s.momentum().unwrap();
                check_bounded(&m, base.min(max), base.max(max), steps).map_err(fail)?;
            }
            _ => prop_assert!(s.hypers(0).momentum.is_none()),
        }
    }

    #[test]
    fn fit_one_cycle_is_bounded(b in fit_one_cycle(), seed in any::<u64>()) {
        let s = b.build()?;
        let (lo, hi) = hull(&[b.lr_max / b.div, b.lr_max, b.lr_max / b.div_final]);
        let steps = sample_steps(b.total_steps, &[], seed);
        check_bounded(&s.lr(), lo, hi, steps.iter().copied()).map_err(fail)?;
        let (m_lo, m_hi) = hull(&[b.moms.0, b.moms.1, b.moms.2]);
        check_bounded(&s.momentum().unwrap(), m_lo, m_hi, steps).map_err(fail)?;
    }

    #[test]
    fn keras_one_cycle_is_bounded(b in keras_one_cycle(), seed in any::<u64>()) {
        let s = b.build()?;
        let steps = sample_steps(b.total_steps, &[], seed);
        // The Keras package's phase two falls to 0, not to lo.
        check_bounded(&s.lr(), 0.0, b.lr_range.1, steps.iter().copied()).map_err(fail)?;
        if let Some((m1, m2)) = b.momentum_range {
            check_bounded(&s.momentum().unwrap(), m1.min(m2), m1.max(m2), steps).map_err(fail)?;
        }
    }

    #[test]
    fn keras_clr_and_cosine_cycles_are_bounded(b in keras_clr(), seed in any::<u64>()) {
        let (lo, hi) = b.lr_range;
        let mut steps = sample_steps(b.total_steps, &[], seed);
        steps.retain(|&k| !clr_nan_step(&b, k));
        let keras_clr = b.build_keras()?;
        check_bounded(&keras_clr.lr(), 0.0, hi, steps.iter().copied()).map_err(fail)?;
        let fixed = b.build_fixed()?;
        check_bounded(&fixed.lr(), lo, hi, steps.iter().copied()).map_err(fail)?;
        if let Some((m1, m2)) = b.momentum_range {
            let (m_lo, m_hi) = (m1.min(m2), m1.max(m2));
            check_bounded(&keras_clr.momentum().unwrap(), m_lo, m_hi, steps.iter().copied())
                .map_err(fail)?;
            check_bounded(&fixed.momentum().unwrap(), m_lo, m_hi, steps).map_err(fail)?;
        }
    }

    #[test]
    fn cyclic_lr_is_bounded(b in cyclic_lr(), seed in any::<u64>()) {
        let s = b.build()?;
        let horizon = s.cycle_len().saturating_mul(5).max(2_000);
        let steps = sample_steps(horizon, &[], seed);
        let (lo, hi) = hull(&[b.base_lr, b.max_lr]);
        check_bounded(&s.lr(), lo, hi, steps.iter().copied()).map_err(fail)?;
        if let Some((base, max)) = b.momentum {
            check_bounded(&s.momentum().unwrap(), base.min(max), base.max(max), steps)
                .map_err(fail)?;
        }
    }

    #[test]
    fn cosine_restarts_is_bounded(b in cosine_restarts(), seed in any::<u64>()) {
        let s = b.build()?;
        let horizon = b.t0.saturating_mul(20).max(2_000);
        let (near, far): (Vec<u64>, Vec<u64>) =
            sample_steps(horizon, &[], seed).into_iter().partition(|&k| k < horizon);
        // Every cycle lasts at least t0 steps, so none before the horizon has
        // decayed more than this. (Below eta_min: see the ignored test next.)
        // The height above eta_min decays, so values stay between the two.
        let (lo, hi) = (b.eta_min.min(b.lr), b.eta_min.max(b.lr));
        check_bounded(&s, lo, hi, near).map_err(fail)?;
        check_bounded(&s, lo, hi, far).map_err(fail)?;
    }

    #[test]
    fn cosine_restarts_never_goes_below_eta_min(b in cosine_restarts(), seed in any::<u64>()) {
        let s = b.build()?;
        let horizon = b.t0.saturating_mul(20).max(2_000);
        check_bounded(&s, b.eta_min, b.lr, sample_steps(horizon, &[], seed)).map_err(fail)?;
    }

    #[test]
    fn lr_sweep_is_bounded_and_ends_at_its_range(c in lr_sweep(), seed in any::<u64>()) {
        let s = c.build()?;
        let (first, last) = c.lr_range; // descending sweeps are allowed
        let (lo, hi) = hull(&[first, last]);
        // Exp sweeps go through 10^log10(x), which may land some ulps off
        // (numpy's 10**linspace does the same); linear ones hit both ends.
        let slack = match c.mode {
            SweepMode::Exp => 32.0 * EPS,
            SweepMode::Linear => 0.0,
        };
        let steps = sample_steps(c.steps, &[], seed);
        check_bounded(&s, lo * (1.0 - slack), hi * (1.0 + slack), steps).map_err(fail)?;
        let near = |got: f64, want: f64| (got - want).abs() <= want * slack;
        prop_assert!(near(s.at(0), first), "first {:e} vs {first:e}", s.at(0));
        if c.steps > 1 {
            let end = s.at(c.steps - 1);
            prop_assert!(near(end, last), "last {end:e} vs {last:e}");
        }
        prop_assert_eq!(s.at(u64::MAX), s.at(c.steps - 1));
    }
}
