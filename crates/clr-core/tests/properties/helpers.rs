//! What the property tests share: case counts, sampled steps, segments of
//! phases and their slopes.

use super::*;

/// Case counts are tuned so the whole file runs in a few seconds in debug;
/// no regression files are written into the source tree.
pub(crate) fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

pub(crate) fn fail(v: Violation) -> TestCaseError {
    TestCaseError::fail(v.to_string())
}

/// splitmix64: cheap deterministic steps from one proptest-drawn seed.
pub(crate) fn mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The steps a property is checked at: the first 300, the last 100, the
/// neighbours of `marks`, 100 random ones below `total`, and a few past it.
pub(crate) fn sample_steps(total: u64, marks: &[u64], seed: u64) -> Vec<u64> {
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
pub(crate) fn windows(first: u64, last: u64, seed: u64) -> Vec<Range<u64>> {
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
pub(crate) fn hull(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

pub(crate) fn total_of(length: Length) -> u64 {
    match length {
        Length::Steps(n) => n,
        Length::Epochs {
            epochs,
            steps_per_epoch,
        } => epochs * steps_per_epoch,
    }
}

/// Rounding slack for a value of magnitude `scale`.
pub(crate) fn ulps(scale: f64, n: f64) -> f64 {
    n * EPS * scale.abs()
}

/// One phase of a piecewise curve, reconstructed from a configuration (not
/// read back from the schedule): steps `from..=to`, annealing from `a` to
/// `b` over a span of `len` positions.
pub(crate) struct Segment {
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
pub(crate) fn segments(ends: &[f64], values: &[f64], total: u64) -> Vec<Segment> {
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
pub(crate) fn max_slope(anneal: Anneal) -> f64 {
    match anneal {
        Anneal::Cos => HALF_PI,
        _ => 1.0,
    }
}

/// Checks each segment's steps move by at most the curve's steepest slope
/// over the segment. `float32_run` is the run's length in steps where
/// positions are fastai's float32 fractions of it: each of a step's
/// positions, and each phase's progress, then rounds by up to 2^-24 more.
pub(crate) fn check_segments<S: Schedule<f64>>(
    schedule: &S,
    segs: &[Segment],
    anneal: Anneal,
    seed: u64,
    float32_run: Option<u64>,
) -> Result<(), TestCaseError> {
    for seg in segs {
        if seg.len <= 0.0 {
            continue;
        }
        let scale = seg.a.abs().max(seg.b.abs());
        let height = max_slope(anneal) * (seg.b - seg.a).abs();
        let rounding = float32_run.map_or(0.0, |n| {
            let ulp = f64::from(f32::EPSILON) / 2.0;
            height * (ulp * n as f64 / seg.len + 2.0 * ulp)
        });
        let bound = height / seg.len + rounding + ulps(scale, 8.0);
        for w in windows(seg.from, seg.to, seed) {
            check_continuous_within(schedule, w, bound).map_err(fail)?;
        }
    }
    Ok(())
}

pub(crate) fn one_cycle_ends(b: &OneCycleLrBuilder<f64>, total: u64) -> Vec<f64> {
    let t = total as f64;
    let p = b.pct_start;
    if b.three_phase {
        vec![p * t - 1.0, 2.0 * p * t - 2.0, t - 1.0]
    } else {
        vec![p * t - 1.0, t - 1.0]
    }
}

/// `[start, peak, (back,) last]` for the learning rate and the momentum.
pub(crate) fn one_cycle_values(b: &OneCycleLrBuilder<f64>) -> (Vec<f64>, Option<Vec<f64>>) {
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

pub(crate) fn fit_ends(b: &FitOneCycleBuilder<f64>) -> Vec<f64> {
    // fastai's combine_scheds positions, summed as fastai sums them.
    let t = b.total_steps as f64;
    let e0 = 0.0 + b.pct_start * t;
    vec![e0, e0 + (1.0 - b.pct_start) * t]
}

/// Restart steps `0, t0, t0 + t0*m, ...` below `horizon`, summed independently.
pub(crate) fn restart_steps(t0: u64, m: u64, horizon: u64) -> Vec<u64> {
    let mut out = vec![0u64];
    let (mut start, mut len) = (0u64, t0);
    while let Some(next) = start.checked_add(len).filter(|n| *n < horizon) {
        out.push(next);
        start = next;
        len = len.saturating_mul(m);
    }
    out
}

/// The Keras package's CLR puts step `k` at `x = k/n`, cycle `floor(x * cyc)`. At an
/// exact cycle start that floor can round down a whole cycle (cyc = 49:
/// `1/49 * 49 < 1`), leaving the step at position 1 of the previous cycle.
pub(crate) fn misplaced_cycle_start(b: &ClrBuilder<f64>, k: u64) -> bool {
    let n = b.total_steps;
    let k = k.min(n - 1);
    let exact = u128::from(k) * u128::from(b.cycles);
    let x = k as f64 / n as f64;
    exact % u128::from(n) == 0 && libm::floor(x * b.cycles as f64) as u128 != exact / u128::from(n)
}

/// Reported core bug: at position exactly 1 with `phase_one_fraction = 1` the
/// Keras package's fall phase computes `0 * pi / (1 - 1)`: NaN, lr and momentum.
pub(crate) fn clr_nan_step(b: &ClrBuilder<f64>, k: u64) -> bool {
    b.phase_one_fraction == 1.0 && misplaced_cycle_start(b, k)
}
