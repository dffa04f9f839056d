use super::*;

// ---------------------------------------------------------------------------
// 2. Continuity inside phases: consecutive steps move by at most the curve's
//    steepest slope times the step's share of the phase.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn one_cycle_lr_is_continuous_inside_phases(b in one_cycle_lr(), seed in any::<u64>()) {
        let s = b.build()?;
        let total = s.total_steps().unwrap();
        let ends = one_cycle_ends(&b, total);
        let anneal = Anneal::from(b.anneal);
        let (lr, momentum) = one_cycle_values(&b);
        check_segments(&s.lr(), &segments(&ends, &lr, total), anneal, seed, None)?;
        if let Some(m) = momentum {
            check_segments(&s.momentum().unwrap(), &segments(&ends, &m, total), anneal, seed, None)?;
        }
    }

    #[test]
    fn fit_one_cycle_is_continuous_inside_phases(b in fit_one_cycle(), seed in any::<u64>()) {
        let s = b.build()?;
        let ends = fit_ends(&b);
        let lr = [b.lr_max / b.div, b.lr_max, b.lr_max / b.div_final];
        let m = [b.moms.0, b.moms.1, b.moms.2];
        let n = Some(b.total_steps);
        check_segments(&s.lr(), &segments(&ends, &lr, b.total_steps), Anneal::Cos, seed, n)?;
        check_segments(&s.momentum().unwrap(), &segments(&ends, &m, b.total_steps), Anneal::Cos, seed, n)?;
    }

    #[test]
    fn keras_one_cycle_is_lipschitz(b in keras_one_cycle(), seed in any::<u64>()) {
        // Rise and fall meet at lr_range.1, so one bound covers the whole run:
        // pi/2 * amplitude / (phase share) per 1/n of the run.
        let s = b.build()?;
        let (lo, hi) = b.lr_range;
        let f = b.phase_one_fraction;
        let n = b.total_steps as f64;
        let per_phase = |rise: f64, fall: f64| {
            let mut m: f64 = 0.0;
            if f > 0.0 { m = m.max(rise / f); }
            if f < 1.0 { m = m.max(fall / (1.0 - f)); }
            HALF_PI * m / n
        };
        let lr_bound = per_phase(hi - lo, hi) + ulps(hi, 16.0);
        for w in windows(0, b.total_steps - 1, seed) {
            check_continuous_within(&s.lr(), w, lr_bound).map_err(fail)?;
        }
        if let Some((m1, m2)) = b.momentum_range {
            let d = (m2 - m1).abs();
            let bound = per_phase(d, d) + ulps(1.0, 16.0);
            for w in windows(0, b.total_steps - 1, seed) {
                check_continuous_within(&s.momentum().unwrap(), w, bound).map_err(fail)?;
            }
        }
    }

    #[test]
    fn keras_clr_is_lipschitz_inside_cycles(b in keras_clr(), seed in any::<u64>()) {
        let s = b.build_keras()?;
        let fixed = b.build_fixed()?;
        let (lo, hi) = b.lr_range;
        let f = b.phase_one_fraction;
        let (n, cyc) = (b.total_steps, b.cycles);
        // Position in the cycle moves by cyc/n per step.
        let per_step = cyc as f64 / n as f64;
        let bound = |rise: f64, fall: f64, scale: f64| {
            let mut m: f64 = 0.0;
            if f > 0.0 { m = m.max(rise / f); }
            if f < 1.0 { m = m.max(fall / (1.0 - f)); }
            HALF_PI * m * per_step + ulps(scale, 16.0 + 8.0 * cyc as f64)
        };
        let keras_bound = bound(hi - lo, hi, hi);
        let fixed_bound = bound(hi - lo, hi - lo, hi);
        // Steps of cycle c (exact rationals): ceil(c*n/cyc) .. ceil((c+1)*n/cyc).
        // A cycle's first step is left out: the Keras package's float arithmetic can put
        // it at the end of the previous cycle (see keras_clr_is_periodic).
        let first_step = |c: u64| ((c as u128 * n as u128).div_ceil(cyc as u128)) as u64;
        let mut state = seed;
        let cycles = [0, cyc - 1, mix(&mut state) % cyc];
        for c in cycles {
            let (from, to) = (first_step(c) + 1, first_step(c + 1).min(n));
            if from + 1 >= to {
                continue;
            }
            for w in windows(from, to - 1, seed) {
                check_continuous_within(&s.lr(), w.clone(), keras_bound).map_err(fail)?;
                check_continuous_within(&fixed.lr(), w, fixed_bound).map_err(fail)?;
            }
        }
    }

    #[test]
    fn cyclic_lr_is_lipschitz(b in cyclic_lr(), seed in any::<u64>()) {
        let s = b.build()?;
        let up = b.step_size_up;
        let down = b.step_size_down.unwrap_or(up);
        let c = s.cycle_len();
        let amp = (b.max_lr - b.base_lr).abs();
        let steepest = if down == 0 { 1.0 / up as f64 } else { 1.0 / up.min(down) as f64 };
        let decay = match b.mode {
            CyclicMode::ExpRange { gamma } => 1.0 - gamma,
            _ => 0.0,
        };
        let horizon = c.saturating_mul(4).max(1_000);
        // Float error of the position (PyTorch's 1 + k/c - cycle), amplified by
        // the steeper side of the triangle.
        let sr = up as f64 / c as f64;
        let amplify = if down == 0 { 1.0 / sr } else { 1.0 / sr.min(1.0 - sr) };
        let rounding = amp * 4.0 * EPS * (2.0 + horizon as f64 / c as f64) * amplify
            + ulps(b.base_lr.max(b.max_lr), 8.0);
        let bound = amp * (steepest + decay) + rounding;
        let ranges: Vec<Range<u64>> = if down == 0 {
            // A saw-tooth drops back to base_lr at every cycle start.
            (0..4).map(|j| j * c..(j + 1) * c).collect()
        } else {
            std::iter::once(0..horizon).collect()
        };
        for r in ranges {
            for w in windows(r.start, r.end - 1, seed) {
                check_continuous_within(&s.lr(), w, bound).map_err(fail)?;
            }
        }
    }

    #[test]
    fn cosine_restarts_is_lipschitz_inside_cycles(b in cosine_restarts(), seed in any::<u64>()) {
        let s = b.build()?;
        let m = b.t_mult;
        let t0 = b.t0 as f64;
        let w = b.warmup as f64;
        // Cycle i covers positions [start(i), start(i + 1)), computed here
        // independently of the schedule; one step is left at each end.
        let start = |i: i32| if m == 1.0 { t0 * f64::from(i) } else {
            t0 * (libm::pow(m, f64::from(i)) - 1.0) / (m - 1.0)
        };
        for i in 0..6 {
            let (a, z) = (start(i), start(i + 1));
            if z > 5e6 {
                break;
            }
            let len = t0 * libm::pow(m, f64::from(i));
            let peak = peak_of(&b, f64::from(i));
            let mut slope = HALF_PI / (len - w);
            if w > 0.0 {
                slope = slope.max(1.0 / w);
            }
            let bound = (peak - b.eta_min).abs() * slope + ulps(b.lr, 16.0);
            let (from, to) = (libm::ceil(a) as u64 + 1, libm::ceil(z) as u64);
            if from + 2 > to {
                continue;
            }
            for win in windows(from, to - 2, seed) {
                check_continuous_within(&s, win, bound).map_err(fail)?;
            }
        }
    }

    #[test]
    fn lr_sweep_is_lipschitz(c in lr_sweep(), seed in any::<u64>()) {
        let s = c.build()?;
        let (lo, hi) = hull(&[c.lr_range.0, c.lr_range.1]);
        if c.steps < 2 {
            return Ok(());
        }
        let gaps = (c.steps - 1) as f64;
        let slope = match c.mode {
            SweepMode::Linear => (hi - lo) / gaps,
            // d(10^y)/dy = ln(10) * 10^y <= ln(10) * hi.
            SweepMode::Exp => std::f64::consts::LN_10 * hi * (libm::log10(hi) - libm::log10(lo)) / gaps,
        };
        let bound = slope * (1.0 + 1e-9) + ulps(hi, 64.0);
        for w in windows(0, c.steps - 1, seed) {
            check_continuous_within(&s, w, bound).map_err(fail)?;
        }
    }
}
