use super::*;

// ---------------------------------------------------------------------------
// 8. Combinators.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn sequence_second_part_counts_from_its_own_start(
        one in one_cycle_lr(),
        restarts in cosine_restarts(),
        sweep in lr_sweep(),
        seed in any::<u64>(),
    ) {
        let one = one.build()?;
        let restarts = restarts.build()?;
        let sweep = sweep.build()?;
        let split = one.total_steps().unwrap();

        let unbounded = Sequence::new(one.lr(), restarts)?;
        prop_assert_eq!(unbounded.split(), split);
        prop_assert_eq!(unbounded.total_steps(), None);
        for k in sample_steps(split + 1_000, &[split], seed) {
            let want = if k < split { one.lr().at(k) } else { restarts.at(k - split) };
            prop_assert_eq!(unbounded.at(k), want, "step {}", k);
        }

        let finite = Sequence::new(sweep, one.lr())?;
        let n = sweep.total_steps().unwrap();
        prop_assert_eq!(finite.total_steps(), Some(n + split));
        for k in sample_steps(n + split, &[n], seed) {
            let want = if k < n { sweep.at(k) } else { one.lr().at(k - n) };
            prop_assert_eq!(finite.at(k), want, "step {}", k);
        }
        prop_assert_eq!(finite.at(u64::MAX), one.lr().at(split - 1));
    }

    #[test]
    fn sequence_of_hypers_keeps_momentum_only_when_both_have_it(
        one in one_cycle_lr(),
        keras in keras_one_cycle(),
        seed in any::<u64>(),
    ) {
        let one = one.build()?;
        let keras = keras.build()?;
        let seq = Sequence::of_hypers(one, keras)?;
        let split = HyperSchedule::total_steps(&one).unwrap();
        let both = one.has_momentum() && keras.has_momentum();
        prop_assert_eq!(seq.has_momentum(), both);
        prop_assert_eq!(
            HyperSchedule::total_steps(&seq),
            Some(split + HyperSchedule::total_steps(&keras).unwrap())
        );
        for k in sample_steps(split + 500, &[split], seed) {
            let want = if k < split { one.hypers(k) } else { keras.hypers(k - split) };
            let got = seq.hypers(k);
            prop_assert_eq!(got.lr, want.lr, "step {}", k);
            prop_assert_eq!(got.momentum, want.momentum.filter(|_| both), "step {}", k);
        }
    }

    #[test]
    fn repeat_has_the_inner_period(
        fit in fit_one_cycle(),
        times in prop::option::of(1u64..=5),
        seed in any::<u64>(),
    ) {
        let fit = fit.build()?;
        let inner = fit.lr();
        let period = inner.total_steps().unwrap();
        let rep = Repeat::new(inner, times)?;
        prop_assert_eq!(rep.total_steps(), times.map(|t| t * period));
        let reps = times.unwrap_or(4);
        let mut state = seed;
        let steps: Vec<u64> = (0..period.min(200))
            .chain((0..100).map(|_| mix(&mut state) % (period * (reps - 1)).max(1)))
            .filter(|k| k + period < period * reps)
            .collect();
        check_periodic(&rep, period, steps.iter().copied()).map_err(fail)?;
        for &k in &steps {
            prop_assert_eq!(rep.at(k + period), rep.at(k));
            prop_assert_eq!(rep.at(k), inner.at(k % period));
        }
        match times {
            Some(t) => prop_assert_eq!(rep.at(t * period + 7), inner.at(period - 1)),
            None => prop_assert_eq!(rep.at(u64::MAX), inner.at(u64::MAX % period)),
        }
        let hyper = Repeat::of_hypers(fit, times)?;
        for &k in &steps {
            prop_assert_eq!(hyper.hypers(k + period), fit.hypers(k % period));
        }
    }

    #[test]
    fn clamped_stays_within_its_bounds_and_scaled_scales(
        b in one_cycle_lr(),
        cut in (0.0..=1.0f64, 0.0..=1.0f64),
        factor in -10.0..=10.0f64,
        seed in any::<u64>(),
    ) {
        let s = b.build()?;
        let (lr, _) = one_cycle_values(&b);
        let (lo, hi) = hull(&lr);
        let (a, z) = (cut.0.min(cut.1), cut.0.max(cut.1));
        let (min, max) = (lo + (hi - lo) * a, lo + (hi - lo) * z);
        let total = s.total_steps().unwrap();
        let steps = sample_steps(total, &[], seed);
        let clamped = Clamped::new(s.lr(), min, max)?;
        prop_assert_eq!(clamped.total_steps(), Some(total));
        check_bounded(&clamped, min, max, steps.iter().copied()).map_err(fail)?;
        let scaled = Scaled::new(s.lr(), factor)?;
        for &k in &steps {
            let v = s.lr().at(k);
            prop_assert_eq!(clamped.at(k), v.clamp(min, max));
            prop_assert_eq!(scaled.at(k), v * factor);
        }
    }

    #[test]
    fn constant_is_constant(value in -10.0..=10.0f64, steps in prop::collection::vec(any::<u64>(), 1..20)) {
        let c = Constant::new(value)?;
        check_bounded(&c, value, value, steps.iter().copied()).map_err(fail)?;
        check_periodic(&c, 1, steps.iter().copied()).map_err(fail)?;
        check_continuous_within(&c, 0..100, 0.0).map_err(fail)?;
    }
}
