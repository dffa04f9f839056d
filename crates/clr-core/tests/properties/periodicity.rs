use super::*;

// ---------------------------------------------------------------------------
// 4. Periodicity of the cyclic kinds.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn cyclic_lr_triangular_is_periodic(b in cyclic_lr(), seed in any::<u64>()) {
        let s = b.mode(CyclicMode::Triangular).build()?;
        let c = s.cycle_len();
        let mut state = seed;
        let steps: Vec<u64> = (0..c.min(200))
            .chain((0..100).map(|_| mix(&mut state) % (4 * c)))
            .collect();
        // PyTorch's `x = 1 + k/total - cycle` rounds to an ulp of 1, which
        // the division by the rise's (or fall's) share of the cycle
        // magnifies: periodic to 16 ulps over that share.
        let share = b.step_size_up as f64 / c as f64;
        let share = share.min(1.0 - share).max(1.0 / c as f64);
        let tol = |height: f64| 16.0 * f64::EPSILON * height / share;
        let lr_tol = tol((b.max_lr - b.base_lr).abs().max(b.max_lr.abs()));
        for &k in &steps {
            let (a, z) = (s.hypers(k), s.hypers(k + c));
            prop_assert!((a.lr - z.lr).abs() <= lr_tol, "lr at {}: {:e} vs {:e}", k, a.lr, z.lr);
            if let (Some(m), Some(n), Some((base, max))) = (a.momentum, z.momentum, b.momentum) {
                prop_assert!((m - n).abs() <= tol((max - base).abs().max(max)), "momentum at {}", k);
            }
        }
    }

    #[test]
    fn cosine_restarts_t_mult_1_is_periodic(b in cosine_restarts(), seed in any::<u64>()) {
        let s = b.t_mult(1.0).peak_decay(1.0).build()?;
        let mut state = seed;
        let steps: Vec<u64> = (0..b.t0.min(300))
            .chain((0..100).map(|_| mix(&mut state) % (1 << 40)))
            .collect();
        for &k in &steps {
            prop_assert_eq!(s.at(k), s.at(k + b.t0), "step {}", k);
        }
        check_periodic(&s, b.t0, steps).map_err(fail)?;
    }

    #[test]
    fn keras_clr_is_periodic(
        b in keras_clr(),
        period in prop_oneof![1u64..=50, 1u64..=2_000],
        seed in any::<u64>(),
    ) {
        let mut b = b.amplitude(Amplitude::Decay(1.0));
        b.total_steps = b.cycles * period;
        let s = b.build_keras()?;
        let mut state = seed;
        // A cycle's first step is left out unless the cycle count is a power of
        // two: the Keras package's float arithmetic (floor(k/n * cyc)) can put it at the
        // end of the previous cycle; see keras_clr_cycle_starts_follow_the_package.
        let exact = b.cycles.is_power_of_two();
        let steps: Vec<u64> = (0..period.min(300))
            .chain((0..100).map(|_| mix(&mut state) % (b.total_steps - period).max(1)))
            .filter(|k| k + period < b.total_steps && (exact || k % period != 0))
            .collect();
        let f = b.phase_one_fraction;
        // Float error of the position in the cycle, amplified by the steeper phase.
        let dx = 2.0 * EPS * (b.cycles as f64 + 1.0);
        let steep = match f {
            f if f == 0.0 || f == 1.0 => 1.0,
            f => 1.0 / f.min(1.0 - f),
        };
        let tol = 2.0 * HALF_PI * (dx * steep * std::f64::consts::PI + 8.0 * EPS) + 16.0 * EPS;
        for &k in &steps {
            let (a, z) = (s.hypers(k).lr, s.hypers(k + period).lr);
            prop_assert!(
                (a - z).abs() <= tol * b.lr_range.1,
                "step {k}: {a:e} but {z:e} one period ({period}) later, cycles {}",
                b.cycles
            );
        }
    }

    #[test]
    fn keras_clr_cycle_starts_follow_the_package(
        b in keras_clr(),
        period in 1u64..=200,
    ) {
        // At step j*period the package computes x = k/n and floor(x * cyc), which
        // can round down to j - 1 (cyc = 49: 1/49*49 < 1). The step then shows
        // the end of cycle j - 1 (0 after a fall, hi after a rise-only cycle)
        // instead of the start of cycle j. Python does the same.
        let mut b = b.amplitude(Amplitude::Decay(1.0));
        b.total_steps = b.cycles * period;
        let s = b.build_keras()?;
        let hi = b.lr_range.1;
        let start = s.hypers(0).lr;
        let end = if b.phase_one_fraction == 1.0 { hi } else { 0.0 };
        for j in 0..b.cycles {
            let got = s.hypers(j * period).lr;
            let x = (j * period) as f64 / b.total_steps as f64;
            let package_cycle = libm::floor(x * b.cycles as f64) as u64;
            let tol = hi * 1e-12;
            if clr_nan_step(&b, j * period) {
                // Position exactly 1 with phase_one_fraction 1: NaN (reported).
                continue;
            }
            if package_cycle == j {
                prop_assert!((got - start).abs() <= tol, "cycle {j}: {got} vs start {start}");
            } else {
                prop_assert_eq!(package_cycle + 1, j);
                prop_assert!((got - end).abs() <= tol, "cycle {j}: {got} vs end {end}");
            }
        }
    }
}
