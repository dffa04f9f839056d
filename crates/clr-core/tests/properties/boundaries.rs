use super::*;

// ---------------------------------------------------------------------------
// 3. Phase boundaries at the documented steps.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn one_cycle_lr_phase_boundaries(
        b in one_cycle_lr(),
        total in total_steps(),
        peak in any::<prop::sample::Index>(),
    ) {
        // pct_start chosen so that pct_start*T - 1 is the integer step j.
        let j = peak.index(total as usize) as u64;
        let mut b = b.pct_start((j + 1) as f64 / total as f64);
        b.length = Length::Steps(total);
        let t = total as f64;
        let e0 = b.pct_start * t - 1.0;
        prop_assume!(e0 == j as f64);
        let s = b.build()?;
        let (lr, momentum) = one_cycle_values(&b);
        let scale = hull(&lr).1;
        let exact = |got: f64, want: f64| match b.anneal {
            AnnealStrategy::Cos => got == want,
            // (end - start) * 1 + start rounds at the scale of start.
            AnnealStrategy::Linear => (got - want).abs() <= ulps(scale.max(1.0), 2.0),
        };
        let at = |k: u64| s.hypers(k);
        prop_assert!(exact(at(j).lr, b.max_lr), "peak at {j}: {} vs {}", at(j).lr, b.max_lr);
        if let Some((base, _)) = b.momentum {
            prop_assert!(exact(at(j).momentum.unwrap(), base));
        }
        if j > 0 {
            // pct = 0: cos gives end + (start - end), start up to rounding.
            let got = at(0).lr;
            prop_assert!((got - lr[0]).abs() <= ulps(lr[0].max(b.max_lr), 2.0), "{got} vs {}", lr[0]);
        }
        let mut last_start = e0;
        if b.three_phase {
            let e1 = 2.0 * b.pct_start * t - 2.0;
            if e1 > e0 && e1 <= t - 1.0 && e1 == libm::floor(e1) {
                let k = e1 as u64;
                prop_assert!(exact(at(k).lr, lr[2]), "back at {k}: {} vs {}", at(k).lr, lr[2]);
                if let Some(m) = &momentum {
                    prop_assert!(exact(at(k).momentum.unwrap(), m[2]));
                }
            }
            last_start = e1.max(e0);
        }
        if t - 1.0 > last_start {
            let end = *lr.last().unwrap();
            prop_assert!(exact(at(total - 1).lr, end), "end: {} vs {end}", at(total - 1).lr);
        }
        prop_assert_eq!(at(u64::MAX), at(total - 1));
    }

    #[test]
    fn fit_one_cycle_peaks_at_pct_start(
        b in fit_one_cycle(),
        total in total_steps(),
        peak in any::<prop::sample::Index>(),
    ) {
        let j = peak.index(total as usize) as u64;
        let mut b = b.pct_start(j as f64 / total as f64);
        b.total_steps = total;
        prop_assume!(b.pct_start * total as f64 == j as f64);
        let s = b.build()?;
        prop_assert_eq!(s.hypers(j).lr, b.lr_max);
        prop_assert_eq!(s.hypers(j).momentum, Some(b.moms.1));
        if j > 0 {
            prop_assert!((s.hypers(0).lr - b.lr_max / b.div).abs() <= ulps(b.lr_max, 2.0));
        }
    }

    #[test]
    fn keras_one_cycle_peaks_at_phase_one_fraction(
        b in keras_one_cycle(),
        total in total_steps(),
        peak in any::<prop::sample::Index>(),
    ) {
        let j = peak.index(total as usize) as u64;
        let mut b = b.phase_one_fraction(j as f64 / total as f64);
        b.total_steps = total;
        let s = b.build()?;
        prop_assert_eq!(s.hypers(j).lr, b.lr_range.1);
        if let Some((m1, m2)) = b.momentum_range {
            let got = s.hypers(j).momentum.unwrap();
            prop_assert!((got - m2).abs() <= ulps(1.0, 2.0), "{got} vs {m2}");
            if j > 0 {
                prop_assert_eq!(s.hypers(0).momentum, Some(m1));
            }
        }
        if j > 0 {
            prop_assert_eq!(s.hypers(0).lr, b.lr_range.0);
        }
    }

    #[test]
    fn cyclic_lr_base_at_cycle_starts_and_max_at_peaks(
        b in cyclic_lr(),
        cycles in prop::collection::vec(0u64..1_000, 1..6),
    ) {
        let s = b.build()?;
        let up = b.step_size_up;
        let down = b.step_size_down.unwrap_or(up);
        let c = s.cycle_len();
        prop_assert_eq!(c, up + down);
        for &j in &cycles {
            let h = s.hypers(j * c);
            prop_assert_eq!(h.lr, b.base_lr, "cycle start {}", j * c);
            if let Some((_, max)) = b.momentum {
                prop_assert_eq!(h.momentum, Some(max));
            }
            if down == 0 {
                continue; // a saw-tooth never reaches max_lr
            }
            let peak = match b.mode {
                CyclicMode::Triangular => b.max_lr,
                CyclicMode::Triangular2 => b.base_lr + (b.max_lr - b.base_lr) / libm::pow(2.0, j as f64),
                _ => continue,
            };
            let k = j * c + up;
            let sr = up as f64 / c as f64;
            let amplify = 1.0 / sr.min(1.0 - sr);
            let tol = (b.max_lr - b.base_lr).abs() * 4.0 * EPS * (2.0 + j as f64) * amplify
                + ulps(b.max_lr.max(b.base_lr), 4.0);
            let got = s.hypers(k).lr;
            prop_assert!((got - peak).abs() <= tol, "peak at {k}: {got:e} vs {peak:e} (tol {tol:e})");
        }
    }

    #[test]
    fn cosine_restarts_peak_at_every_restart(
        b in cosine_restarts(),
        t_mult in 1u64..=4,
    ) {
        let b = b.t_mult(t_mult as f64);
        let s = b.build()?;
        let starts = restart_steps(b.t0, t_mult, 3_000_000);
        for (i, &r) in starts.iter().enumerate().take(40) {
            let peak = peak_of(&b, i as f64);
            let k = r + b.warmup;
            let got = s.at(k);
            let tol = ulps(peak.max(b.eta_min), 4.0);
            prop_assert!((got - peak).abs() <= tol, "restart {i} at {k}: {got:e} vs {peak:e}");
            if b.warmup > 0 {
                prop_assert_eq!(s.at(r), b.eta_min, "warm-up of restart {} starts at eta_min", i);
            }
            let (index, t_cur, _) = s.cycle(r);
            prop_assert_eq!((index, t_cur), (i as u64, 0.0));
            if r > 0 {
                // The step before a restart ends the previous cycle, just above eta_min.
                let before = s.cycle(r - 1);
                prop_assert_eq!(before.0, i as u64 - 1);
                prop_assert_eq!(before.1, before.2 - 1.0);
            }
        }
    }
}
