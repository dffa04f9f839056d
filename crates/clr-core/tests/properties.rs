#![cfg(feature = "proptest")]
//! Property tests over the strategies of `clr_core::proptest`: bounds,
//! continuity inside phases, phase boundaries at the documented steps,
//! periodicity, f32/f64 agreement, robustness of every builder to arbitrary
//! input, `iter`/`fill` consistency, the combinators, and an incremental
//! `Scheduler` kept to `hypers_at` through resumes and restarts.
//!
//! Every `#[ignore]`d test here pins a reported core bug (its reason names
//! the file); `cargo test --features proptest -- --ignored` shows which are
//! still open. The live tests excuse exactly those inputs and nothing more.

use std::ops::Range;

use clr_core::proptest::{
    check_bounded, check_continuous_within, check_periodic, cosine_restarts, cyclic_lr,
    fit_one_cycle, keras_clr, keras_one_cycle, learning_rate, lr_sweep, one_cycle_lr, total_steps,
    Violation,
};
use clr_core::{
    combined_cos, even_mults, Amplitude, Anneal, AnnealStrategy, Clamped, ClrBuilder, Constant,
    CosineRestarts, CosineRestartsBuilder, CyclicLr, CyclicLrBuilder, CyclicMode, Error,
    FitOneCycle, FitOneCycleBuilder, HyperSchedule, KerasClr, KerasOneCycle, KerasOneCycleBuilder,
    Length, LrSweep, OneCycleLr, OneCycleLrBuilder, Phase, Piecewise, Repeat, Scaled, Schedule,
    Sequence, Span, SweepMode,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const EPS: f64 = f64::EPSILON;
const HALF_PI: f64 = std::f64::consts::FRAC_PI_2;

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/// Case counts are tuned so the whole file runs in a few seconds in debug;
/// no regression files are written into the source tree.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn fail(v: Violation) -> TestCaseError {
    TestCaseError::fail(v.to_string())
}

/// splitmix64: cheap deterministic steps from one proptest-drawn seed.
fn mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The steps a property is checked at: the first 300, the last 100, the
/// neighbours of `marks`, 100 random ones below `total`, and a few past it.
fn sample_steps(total: u64, marks: &[u64], seed: u64) -> Vec<u64> {
    let mut steps: Vec<u64> = (0..total.min(300)).collect();
    steps.extend(total.saturating_sub(100)..total);
    for &m in marks {
        for s in [m.checked_sub(1), Some(m), m.checked_add(1)]
            .into_iter()
            .flatten()
        {
            if s < total {
                steps.push(s);
            }
        }
    }
    let mut state = seed;
    steps.extend((0..100).map(|_| mix(&mut state) % total));
    steps.extend([total, total.saturating_add(1), u64::MAX - 1, u64::MAX]);
    steps
}

/// Up to three windows of consecutive steps inside `first..=last`: its start,
/// its end and a random stretch of the middle.
fn windows(first: u64, last: u64, seed: u64) -> Vec<Range<u64>> {
    if first > last {
        return Vec::new();
    }
    const W: u64 = 200;
    if last - first < 3 * W {
        return std::iter::once(first..last + 1).collect();
    }
    let mut state = seed;
    let mid = first + mix(&mut state) % (last - first - W);
    vec![first..first + W, last + 1 - W..last + 1, mid..mid + W]
}

/// `(min, max)` of some values.
fn hull(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

fn total_of(length: Length) -> u64 {
    match length {
        Length::Steps(n) => n,
        Length::Epochs {
            epochs,
            steps_per_epoch,
        } => epochs * steps_per_epoch,
    }
}

/// Rounding slack for a value of magnitude `scale`.
fn ulps(scale: f64, n: f64) -> f64 {
    n * EPS * scale.abs()
}

/// One phase of a piecewise curve, reconstructed from a configuration (not
/// read back from the schedule): steps `from..=to`, annealing from `a` to
/// `b` over a span of `len` positions.
struct Segment {
    from: u64,
    to: u64,
    len: f64,
    a: f64,
    b: f64,
}

/// PyTorch's and fastai's phase layout: phase `i` covers the positions
/// `(end_{i-1}, end_i]` (the first starts at 0), a step belongs to the first
/// phase whose end it does not exceed, the last phase takes the rest.
/// `values` has one more entry than `ends`.
fn segments(ends: &[f64], values: &[f64], total: u64) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut prev_max = f64::NEG_INFINITY;
    for (i, &end) in ends.iter().enumerate() {
        let start = if i == 0 { 0.0 } else { ends[i - 1] };
        let last = i + 1 == ends.len();
        let from = if i == 0 {
            0.0
        } else {
            (libm::floor(prev_max) + 1.0).max(0.0)
        };
        let to = if last {
            (total - 1) as f64
        } else {
            libm::floor(end).min((total - 1) as f64)
        };
        prev_max = prev_max.max(end);
        if to < from {
            continue;
        }
        out.push(Segment {
            from: from as u64,
            to: to as u64,
            len: end - start,
            a: values[i],
            b: values[i + 1],
        });
    }
    out
}

/// The steepest change per unit of `pct` of each curve, per unit of |end - start|.
fn max_slope(anneal: Anneal) -> f64 {
    match anneal {
        Anneal::Cos => HALF_PI,
        _ => 1.0,
    }
}

fn check_segments<S: Schedule<f64>>(
    schedule: &S,
    segs: &[Segment],
    anneal: Anneal,
    seed: u64,
) -> Result<(), TestCaseError> {
    for seg in segs {
        if seg.len <= 0.0 {
            continue;
        }
        let scale = seg.a.abs().max(seg.b.abs());
        let bound = max_slope(anneal) * (seg.b - seg.a).abs() / seg.len + ulps(scale, 8.0);
        for w in windows(seg.from, seg.to, seed) {
            check_continuous_within(schedule, w, bound).map_err(fail)?;
        }
    }
    Ok(())
}

fn one_cycle_ends(b: &OneCycleLrBuilder<f64>, total: u64) -> Vec<f64> {
    let t = total as f64;
    let p = b.pct_start;
    if b.three_phase {
        vec![p * t - 1.0, 2.0 * p * t - 2.0, t - 1.0]
    } else {
        vec![p * t - 1.0, t - 1.0]
    }
}

/// `[start, peak, (back,) last]` for the learning rate and the momentum.
fn one_cycle_values(b: &OneCycleLrBuilder<f64>) -> (Vec<f64>, Option<Vec<f64>>) {
    let initial = b.max_lr / b.div_factor;
    let min = initial / b.final_div_factor;
    if b.three_phase {
        (
            vec![initial, b.max_lr, initial, min],
            b.momentum.map(|(base, max)| vec![max, base, max, max]),
        )
    } else {
        (
            vec![initial, b.max_lr, min],
            b.momentum.map(|(base, max)| vec![max, base, max]),
        )
    }
}

fn fit_ends(b: &FitOneCycleBuilder<f64>) -> Vec<f64> {
    // fastai's combine_scheds positions, summed as fastai sums them.
    let t = b.total_steps as f64;
    let e0 = 0.0 + b.pct_start * t;
    vec![e0, e0 + (1.0 - b.pct_start) * t]
}

/// Restart steps `0, t0, t0 + t0*m, ...` below `horizon`, summed independently.
fn restart_steps(t0: u64, m: u64, horizon: u64) -> Vec<u64> {
    let mut out = vec![0u64];
    let (mut start, mut len) = (0u64, t0);
    while let Some(next) = start.checked_add(len).filter(|n| *n < horizon) {
        out.push(next);
        start = next;
        len = len.saturating_mul(m);
    }
    out
}

/// The seed's CLR puts step `k` at `x = k/n`, cycle `floor(x * cyc)`. At an
/// exact cycle start that floor can round down a whole cycle (cyc = 49:
/// `1/49 * 49 < 1`), leaving the step at position 1 of the previous cycle.
fn misplaced_cycle_start(b: &ClrBuilder<f64>, k: u64) -> bool {
    let n = b.total_steps;
    let k = k.min(n - 1);
    let exact = u128::from(k) * u128::from(b.cycles);
    let x = k as f64 / n as f64;
    exact % u128::from(n) == 0 && libm::floor(x * b.cycles as f64) as u128 != exact / u128::from(n)
}

/// Reported core bug: at position exactly 1 with `phase_one_fraction = 1` the
/// seed's fall phase computes `0 * pi / (1 - 1)`: NaN, lr and momentum.
fn clr_nan_step(b: &ClrBuilder<f64>, k: u64) -> bool {
    b.phase_one_fraction == 1.0 && misplaced_cycle_start(b, k)
}

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
        // The seed's phase two falls to 0, not to lo.
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
        let seed_clr = b.build_keras()?;
        check_bounded(&seed_clr.lr(), 0.0, hi, steps.iter().copied()).map_err(fail)?;
        let fixed = b.build_fixed()?;
        check_bounded(&fixed.lr(), lo, hi, steps.iter().copied()).map_err(fail)?;
        if let Some((m1, m2)) = b.momentum_range {
            let (m_lo, m_hi) = (m1.min(m2), m1.max(m2));
            check_bounded(&seed_clr.momentum().unwrap(), m_lo, m_hi, steps.iter().copied())
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
        check_segments(&s.lr(), &segments(&ends, &lr, total), anneal, seed)?;
        if let Some(m) = momentum {
            check_segments(&s.momentum().unwrap(), &segments(&ends, &m, total), anneal, seed)?;
        }
    }

    #[test]
    fn fit_one_cycle_is_continuous_inside_phases(b in fit_one_cycle(), seed in any::<u64>()) {
        let s = b.build()?;
        let ends = fit_ends(&b);
        let lr = [b.lr_max / b.div, b.lr_max, b.lr_max / b.div_final];
        let m = [b.moms.0, b.moms.1, b.moms.2];
        check_segments(&s.lr(), &segments(&ends, &lr, b.total_steps), Anneal::Cos, seed)?;
        check_segments(&s.momentum().unwrap(), &segments(&ends, &m, b.total_steps), Anneal::Cos, seed)?;
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
        let seed_bound = bound(hi - lo, hi, hi);
        let fixed_bound = bound(hi - lo, hi - lo, hi);
        // Steps of cycle c (exact rationals): ceil(c*n/cyc) .. ceil((c+1)*n/cyc).
        // A cycle's first step is left out: the seed's float arithmetic can put
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
                check_continuous_within(&s.lr(), w.clone(), seed_bound).map_err(fail)?;
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
        // two: the seed's float arithmetic (floor(k/n * cyc)) can put it at the
        // end of the previous cycle; see keras_clr_cycle_starts_follow_the_seed.
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
    fn keras_clr_cycle_starts_follow_the_seed(
        b in keras_clr(),
        period in 1u64..=200,
    ) {
        // At step j*period the seed computes x = k/n and floor(x * cyc), which
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
            let seed_cycle = libm::floor(x * b.cycles as f64) as u64;
            let tol = hi * 1e-12;
            if clr_nan_step(&b, j * period) {
                // Position exactly 1 with phase_one_fraction 1: NaN (reported).
                continue;
            }
            if seed_cycle == j {
                prop_assert!((got - start).abs() <= tol, "cycle {j}: {got} vs start {start}");
            } else {
                prop_assert_eq!(seed_cycle + 1, j);
                prop_assert!((got - end).abs() <= tol, "cycle {j}: {got} vs end {end}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 5. f32 agrees with f64 to f32 precision.
// ---------------------------------------------------------------------------

fn p32((a, b): (f64, f64)) -> (f32, f32) {
    (a as f32, b as f32)
}

fn one_cycle_f32(b: &OneCycleLrBuilder<f64>) -> OneCycleLrBuilder<f32> {
    let mut c = OneCycleLr::builder(b.max_lr as f32, 1)
        .pct_start(b.pct_start)
        .anneal(b.anneal)
        .div_factor(b.div_factor as f32)
        .final_div_factor(b.final_div_factor as f32)
        .three_phase(b.three_phase);
    c.length = b.length;
    c.momentum = b.momentum.map(p32);
    c
}

fn fit_f32(b: &FitOneCycleBuilder<f64>) -> FitOneCycleBuilder<f32> {
    FitOneCycle::builder(b.lr_max as f32, b.total_steps)
        .div(b.div as f32)
        .div_final(b.div_final as f32)
        .pct_start(b.pct_start)
        .moms(b.moms.0 as f32, b.moms.1 as f32, b.moms.2 as f32)
}

fn keras_f32(b: &KerasOneCycleBuilder<f64>) -> KerasOneCycleBuilder<f32> {
    let mut c = KerasOneCycle::builder(p32(b.lr_range), b.total_steps)
        .phase_one_fraction(b.phase_one_fraction);
    c.momentum_range = b.momentum_range.map(p32);
    c
}

fn clr_f32(b: &ClrBuilder<f64>) -> ClrBuilder<f32> {
    let mut c = KerasClr::builder(b.cycles, p32(b.lr_range), b.total_steps)
        .phase_one_fraction(b.phase_one_fraction)
        .amplitude(b.amplitude);
    c.momentum_range = b.momentum_range.map(p32);
    c
}

fn cyclic_f32(b: &CyclicLrBuilder<f64>) -> CyclicLrBuilder<f32> {
    let mut c = CyclicLr::builder(b.base_lr as f32, b.max_lr as f32)
        .step_size_up(b.step_size_up)
        .mode(b.mode);
    c.step_size_down = b.step_size_down;
    c.momentum = b.momentum.map(p32);
    c
}

fn restarts_f32(b: &CosineRestartsBuilder<f64>) -> CosineRestartsBuilder<f32> {
    CosineRestarts::builder(b.lr as f32, b.t0)
        .t_mult(b.t_mult)
        .eta_min(b.eta_min as f32)
        .peak_decay(b.peak_decay)
        .warmup(b.warmup)
}

/// Keeps a phase-one fraction out of `(0.98, 1)`, where the seed's fall
/// phase loses f32 precision (reported core bug).
fn below_fall_bug(f: f64) -> f64 {
    if f > 0.98 && f < 1.0 {
        0.98
    } else {
        f
    }
}

/// `|f32 - f64| <= 1e-5 * peak` for the lr and `<= 1e-5` for the momentum.
fn agree<A: HyperSchedule<f32>, B: HyperSchedule<f64>>(
    single: &A,
    double: &B,
    peak: f64,
    steps: &[u64],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(single.has_momentum(), double.has_momentum());
    for &k in steps {
        let (a, b) = (single.hypers(k), double.hypers(k));
        let lr = f64::from(a.lr);
        prop_assert!(
            (lr - b.lr).abs() <= 1e-5 * peak,
            "step {k}: f32 {lr:e} vs f64 {:e} (peak {peak:e})",
            b.lr
        );
        if let (Some(m32), Some(m64)) = (a.momentum, b.momentum) {
            let m = f64::from(m32);
            prop_assert!(
                (m - m64).abs() <= 1e-5,
                "step {k}: momentum f32 {m} vs f64 {m64}"
            );
        }
    }
    Ok(())
}

fn agree_scalar<A: Schedule<f32>, B: Schedule<f64>>(
    single: &A,
    double: &B,
    peak: f64,
    steps: &[u64],
) -> Result<(), TestCaseError> {
    for &k in steps {
        let (a, b) = (f64::from(single.at(k)), double.at(k));
        prop_assert!(
            (a - b).abs() <= 1e-5 * peak,
            "step {k}: f32 {a:e} vs f64 {b:e} (peak {peak:e})"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn one_cycle_lr_f32_matches_f64(b in one_cycle_lr(), seed in any::<u64>()) {
        let s64 = b.build()?;
        let s32 = one_cycle_f32(&b).build()?;
        let (lr, _) = one_cycle_values(&b);
        let total = s64.total_steps().unwrap();
        agree(&s32, &s64, hull(&lr).1, &sample_steps(total, &[], seed))?;
    }

    #[test]
    fn fit_one_cycle_f32_matches_f64(b in fit_one_cycle(), seed in any::<u64>()) {
        let peak = b.lr_max / b.div.min(b.div_final).min(1.0);
        agree(&fit_f32(&b).build()?, &b.build()?, peak, &sample_steps(b.total_steps, &[], seed))?;
    }

    #[test]
    fn keras_one_cycle_f32_matches_f64(b in keras_one_cycle(), seed in any::<u64>()) {
        // Fractions in (0.98, 1) lose f32 precision in the fall: reported, see
        // keras_f32_matches_f64_near_fraction_one.
        let b = b.phase_one_fraction(below_fall_bug(b.phase_one_fraction));
        let steps = sample_steps(b.total_steps, &[], seed);
        agree(&keras_f32(&b).build()?, &b.build()?, b.lr_range.1, &steps)?;
    }

    #[test]
    fn keras_clr_f32_matches_f64(b in keras_clr(), seed in any::<u64>()) {
        let b = b.phase_one_fraction(below_fall_bug(b.phase_one_fraction));
        let mut steps = sample_steps(b.total_steps, &[], seed);
        steps.retain(|&k| !clr_nan_step(&b, k));
        let c = clr_f32(&b);
        agree(&c.build_keras()?, &b.build_keras()?, b.lr_range.1, &steps)?;
        agree(&c.build_fixed()?, &b.build_fixed()?, b.lr_range.1, &steps)?;
    }

    #[test]
    fn cyclic_lr_f32_matches_f64(b in cyclic_lr(), seed in any::<u64>()) {
        let s64 = b.build()?;
        let horizon = s64.cycle_len().saturating_mul(5).max(2_000);
        let peak = b.base_lr.max(b.max_lr);
        agree(&cyclic_f32(&b).build()?, &s64, peak, &sample_steps(horizon, &[], seed))?;
    }

    #[test]
    fn cosine_restarts_f32_matches_f64(b in cosine_restarts(), seed in any::<u64>()) {
        let horizon = b.t0.saturating_mul(20).max(2_000);
        let steps = sample_steps(horizon, &[], seed);
        agree_scalar(&restarts_f32(&b).build()?, &b.build()?, b.lr, &steps)?;
    }

    #[test]
    fn keras_f32_matches_f64_near_fraction_one(
        b in keras_one_cycle(),
        fraction in 0.99..1.0f64,
        total in 10_000u64..=100_000,
        seed in any::<u64>(),
    ) {
        let mut b = b.phase_one_fraction(fraction);
        b.total_steps = total;
        let steps = sample_steps(total, &[], seed);
        agree(&keras_f32(&b).build()?, &b.build()?, b.lr_range.1, &steps)?;
    }

    #[test]
    fn lr_sweep_f32_matches_f64(c in lr_sweep(), seed in any::<u64>()) {
        let s32 = LrSweep::new(p32(c.lr_range), c.steps, c.mode)?;
        let peak = c.lr_range.0.max(c.lr_range.1);
        agree_scalar(&s32, &c.build()?, peak, &sample_steps(c.steps, &[], seed))?;
    }
}

// ---------------------------------------------------------------------------
// 6. Arbitrary input never panics; accepted configurations give finite
//    values at every step; refusals name one of the builder's parameters.
// ---------------------------------------------------------------------------

/// Any f64, with the awkward ones (NaN, infinities, zeros, subnormals, the
/// extremes) and the plausible ones (fractions, learning rates) well represented.
fn wild_f64() -> impl Strategy<Value = f64> + Clone {
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
fn wild_u64() -> impl Strategy<Value = u64> + Clone {
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
fn probe_steps(total: Option<u64>, seed: u64) -> Vec<u64> {
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
fn named(e: &Error, params: &[&str]) -> Result<(), TestCaseError> {
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
fn probe_hypers<H: HyperSchedule<f64>>(
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

fn probe_schedule<S: Schedule<f64>>(s: &S, seed: u64, finite: bool) -> Result<(), TestCaseError> {
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
fn probe_or_named<T>(
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
const HUGE: f64 = 1e300;

fn huge(values: &[f64]) -> bool {
    values.iter().any(|v| v.abs() > HUGE)
}

const ONE_CYCLE_PARAMS: &[&str] = &[
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
const FIT_PARAMS: &[&str] = &[
    "total_steps",
    "lr_max",
    "div",
    "div_final",
    "pct_start",
    "moms",
];
const KERAS_PARAMS: &[&str] = &[
    "total_steps",
    "lr_range.0",
    "lr_range.1",
    "momentum_range.0",
    "momentum_range.1",
    "phase_one_fraction",
];
const CLR_PARAMS: &[&str] = &[
    "cycles",
    "total_steps",
    "lr_range.0",
    "lr_range.1",
    "momentum_range.0",
    "momentum_range.1",
    "phase_one_fraction",
    "amplitude_decay",
];
const CYCLIC_PARAMS: &[&str] = &[
    "base_lr",
    "max_lr",
    "step_size_up",
    "step_size_down",
    "gamma",
    "base_momentum",
    "max_momentum",
];
const RESTARTS_PARAMS: &[&str] = &["lr", "t0", "t_mult", "eta_min", "peak_decay", "warmup"];
const SWEEP_PARAMS: &[&str] = &["lr_range.0", "lr_range.1", "steps"];
const PIECEWISE_PARAMS: &[&str] = &[
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

fn wild_anneal() -> impl Strategy<Value = Anneal> {
    prop_oneof![
        Just(Anneal::Cos),
        Just(Anneal::Linear),
        Just(Anneal::Exp),
        Just(Anneal::Constant),
        wild_f64().prop_map(Anneal::Poly),
    ]
}

fn wild_phase() -> impl Strategy<Value = Phase<f64>> {
    (wild_f64(), wild_f64(), wild_f64(), wild_anneal())
        .prop_map(|(end, a, b, anneal)| Phase::new(end, a, b, anneal))
}

fn wild_span() -> impl Strategy<Value = Span<f64>> {
    (wild_f64(), wild_f64(), wild_f64(), wild_anneal())
        .prop_map(|(len, a, b, anneal)| Span::new(len, a, b, anneal))
}

fn wild_one_cycle() -> impl Strategy<Value = OneCycleLrBuilder<f64>> {
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

fn wild_fit() -> impl Strategy<Value = FitOneCycleBuilder<f64>> {
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

fn wild_keras() -> impl Strategy<Value = KerasOneCycleBuilder<f64>> {
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

fn wild_clr() -> impl Strategy<Value = ClrBuilder<f64>> {
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

fn wild_cyclic() -> impl Strategy<Value = CyclicLrBuilder<f64>> {
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

fn wild_restarts() -> impl Strategy<Value = CosineRestartsBuilder<f64>> {
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
fn growing_amplitude(b: &ClrBuilder<f64>) -> bool {
    matches!(b.amplitude, Amplitude::Decay(d) if d > 1.0)
}

/// Reported core bug: `CosineRestarts::real_cycle` never returns when its
/// cycle estimate is infinite (`t_mult` huge) or above 2^53 (`t_mult` within
/// about 1e-15 of 1, at large steps): `i -= 1.0` no longer changes `i`.
fn real_t_mult_hangs(m: f64) -> bool {
    let real = m != libm::floor(m) || m > f64::from(u32::MAX);
    real && !(1.0 + 1e-12..=1e100).contains(&m)
}

/// Runs `f` on a watchdog thread: `Err` when it has not returned after `secs`.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> Result<T, ()> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .map_err(|_| ())
}

#[test]
fn cosine_restarts_extreme_real_t_mult_terminates() {
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
fn growing_gamma(b: &CyclicLrBuilder<f64>) -> bool {
    matches!(b.mode, CyclicMode::ExpRange { gamma } if gamma > 1.0)
}

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
    fn seed_wave_at_fraction_0_or_1_stays_finite(
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
fn reported_core_bugs_minimal_inputs() {
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

    // one_cycle.rs seed_wave: division by phase_one_fraction or 1 - it.
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

    // one_cycle.rs seed_wave: x - fraction computed in f32.
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

// ---------------------------------------------------------------------------
// 7. iter() has total_steps items, and fill() matches at().
// ---------------------------------------------------------------------------

fn iter_and_fill<S: Schedule<f64>>(s: &S, len: usize, first: u64) -> Result<(), TestCaseError> {
    match s.total_steps() {
        Some(n) => {
            prop_assert_eq!(s.iter().size_hint(), (n as usize, Some(n as usize)));
            if n <= 20_000 {
                prop_assert_eq!(s.iter().count() as u64, n);
            }
        }
        None => prop_assert_eq!(s.iter().size_hint().1, None),
    }
    for (k, v) in s.iter().take(64).enumerate() {
        prop_assert_eq!(v.to_bits(), s.at(k as u64).to_bits(), "iter at {}", k);
    }
    let mut buf = vec![f64::NAN; len];
    s.fill(&mut buf, first);
    for (i, v) in buf.iter().enumerate() {
        let k = first.saturating_add(i as u64);
        prop_assert_eq!(v.to_bits(), s.at(k).to_bits(), "fill at {}", k);
    }
    Ok(())
}

fn fill_start() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..200, any::<u64>(), (u64::MAX - 40)..=u64::MAX]
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn iter_and_fill_agree_with_at(
        (one, fit, keras) in (one_cycle_lr(), fit_one_cycle(), keras_one_cycle()),
        (clr, cyclic, restarts, sweep) in (keras_clr(), cyclic_lr(), cosine_restarts(), lr_sweep()),
        len in 0usize..48,
        first in fill_start(),
    ) {
        let one = one.build()?;
        iter_and_fill(&one.lr(), len, first)?;
        if let Some(m) = one.momentum() {
            iter_and_fill(&m, len, first)?;
        }
        let fit = fit.build()?;
        iter_and_fill(&fit.lr(), len, first)?;
        iter_and_fill(&fit.momentum().unwrap(), len, first)?;
        iter_and_fill(&keras.build()?.lr(), len, first)?;
        iter_and_fill(&clr.build_keras()?.lr(), len, first)?;
        iter_and_fill(&clr.build_fixed()?.lr(), len, first)?;
        iter_and_fill(&cyclic.build()?.lr(), len, first)?;
        iter_and_fill(&restarts.build()?, len, first)?;
        iter_and_fill(&sweep.build()?, len, first)?;
        iter_and_fill(&Constant::new(0.25)?, len, first)?;
    }
}

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

// ---------------------------------------------------------------------------
// The checkers themselves: they report the failing step and never panic.
// ---------------------------------------------------------------------------

#[test]
fn checkers_report_the_failing_step() {
    let sweep = LrSweep::new((1.0_f64, 100.0), 3, SweepMode::Linear).unwrap();
    // 1, 50.5, 100
    assert_eq!(check_bounded(&sweep, 1.0, 100.0, 0..10), Ok(()));
    let err = check_bounded(&sweep, 1.0, 50.0, 0..3).unwrap_err();
    assert_eq!(err.step(), 1);
    assert!(matches!(err, Violation::OutOfBounds { value, .. } if value == 50.5));
    assert!(err.to_string().contains("step 1"), "{err}");

    let err = check_continuous_within(&sweep, 0..3, 49.0).unwrap_err();
    assert!(matches!(err, Violation::Jump { step: 0, .. }), "{err:?}");
    assert_eq!(check_continuous_within(&sweep, 0..3, 49.5), Ok(()));
    assert_eq!(check_continuous_within(&sweep, 5..5, 0.0), Ok(()));

    let err = check_periodic(&sweep, 1, 0..2).unwrap_err();
    assert!(
        matches!(
            err,
            Violation::NotPeriodic {
                step: 0,
                period: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // Past the end a finite schedule holds its last value: periodic with any period.
    assert_eq!(check_periodic(&sweep, 1, 2..100), Ok(()));
    // Steps whose later step would overflow are skipped.
    assert_eq!(check_periodic(&sweep, 5, [u64::MAX - 1, u64::MAX]), Ok(()));

    let zero = Scaled::new(sweep, 0.0).unwrap();
    assert_eq!(check_bounded(&zero, 0.0, 0.0, 0..3), Ok(()));
    // NaN bounds accept nothing.
    assert!(check_bounded(&zero, f64::NAN, 1.0, [0]).is_err());
    // 1e100 scaled three times by 1e100 overflows to infinity.
    let big = Scaled::new(Constant::new(1e100).unwrap(), 1e100).unwrap();
    let inf = Scaled::new(Scaled::new(big, 1e100).unwrap(), 1e100).unwrap();
    let err = check_bounded(&inf, 0.0, 1.0, [7]).unwrap_err();
    assert!(
        matches!(err, Violation::NotFinite { step: 7, .. }),
        "{err:?}"
    );
    assert!(check_periodic(&inf, 1, [0]).is_err());
    assert!(check_continuous_within(&inf, 0..2, f64::INFINITY).is_err());
}

/// The peak of restart `i`: the height above `eta_min` decays by `peak_decay`.
fn peak_of(b: &clr_core::CosineRestartsBuilder<f64>, i: f64) -> f64 {
    if b.peak_decay == 1.0 {
        b.lr
    } else {
        b.eta_min + (b.lr - b.eta_min) * libm::pow(b.peak_decay, i)
    }
}

/// Drives an incremental `Scheduler` of `schedule` over `total` steps
/// through runs of batches from random iterations (resumes, forwards and
/// backwards, and a `train_begin`): every `batch_begin` is `hypers_at` of
/// its iteration within 1e-12 relative (a value that is not finite, or is
/// zero, to the bit). A stepper left standing for another iteration than
/// the scheduler's would give a value of the wrong step.
fn check_incremental_jumps<S: HyperSchedule<f64> + Clone>(
    schedule: S,
    total: u64,
    seed: u64,
) -> Result<(), TestCaseError> {
    let cycle = clr_core::Cycle::new(1, total)?;
    let mut s = clr_core::Scheduler::<S, S, f64>::new(schedule, cycle)?
        .record_every(7)?
        .incremental();
    let mut state = seed;
    for run in 0..6 {
        if run == 3 {
            s.train_begin();
        } else if run > 0 {
            let iteration = mix(&mut state) % (total + 3);
            s = s.resume(clr_core::SchedulerState {
                iteration,
                epoch: 0,
            });
        }
        for _ in 0..(mix(&mut state) % 600) {
            let k = s.state().iteration;
            let (got, want) = (s.batch_begin(), s.hypers_at(k));
            match (got, want) {
                (Ok(g), Ok(w)) => {
                    for (a, b) in [
                        (g.lr, w.lr),
                        (g.momentum.unwrap_or(0.0), w.momentum.unwrap_or(0.0)),
                    ] {
                        let close = if b.is_finite() && b != 0.0 {
                            (a - b).abs() <= 1e-12 * b.abs()
                        } else {
                            a.to_bits() == b.to_bits()
                        };
                        prop_assert!(close, "step {} of {}: {} against {}", k, total, a, b);
                    }
                }
                (g, w) => prop_assert_eq!(g, w, "step {} of {}", k, total),
            }
            s.batch_end(0.0);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn an_incremental_one_cycle_scheduler_follows_jumps(b in one_cycle_lr(), seed in any::<u64>()) {
        let s = b.build()?;
        check_incremental_jumps(s, s.total_steps().unwrap(), seed)?;
    }

    #[test]
    fn an_incremental_cyclic_scheduler_follows_jumps(b in cyclic_lr(), seed in any::<u64>()) {
        check_incremental_jumps(b.build()?, 100_000, seed)?;
    }

    #[test]
    fn an_incremental_restarts_scheduler_follows_jumps(b in cosine_restarts(), seed in any::<u64>()) {
        check_incremental_jumps(clr_core::Bundle::lr_only(b.build()?), 100_000, seed)?;
    }

    #[test]
    fn an_incremental_seed_scheduler_follows_jumps(b in keras_clr(), seed in any::<u64>()) {
        let s = b.build_keras()?;
        check_incremental_jumps(s, b.total_steps, seed)?;
    }
}
