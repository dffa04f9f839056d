//! Where a kind's phases end and cycles start, computed from its options
//! (each reference's own step convention), for the plots.

use clr_viz::Boundary;

use super::Kind;

impl Kind {
    /// The phase ends and cycle starts of the first `steps` steps, from the
    /// options (each kind's own step convention):
    /// - `one-cycle`: the phases end at `pct_start·T - 1` (and
    ///   `2·pct_start·T - 2` with three phases), rounded;
    /// - `cyclic`: cycles start at `k·(up + down)`, peak `up` steps later;
    /// - `cosine-restarts`: the restarts, `T_0`, `T_0 + T_0·T_mult`, …;
    /// - `keras-one-cycle`, `fastai-one-cycle`: the first step `k` with
    ///   `k/T >= fraction` (the peak);
    /// - `keras-clr`: each cycle's first step (`floor(k/T·cycles)` changes)
    ///   and its peak (the position in the cycle reaches the fraction);
    /// - `range-test`: none.
    pub fn boundaries(&self, steps: u64) -> Vec<Boundary> {
        match self {
            Kind::OneCycle(a) => {
                let t = match (a.total_steps, a.epochs, a.steps_per_epoch) {
                    (Some(n), _, _) => n,
                    (None, Some(e), Some(s)) => e.saturating_mul(s),
                    _ => return Vec::new(),
                } as f64;
                let mut ends = vec![a.pct_start * t - 1.0];
                if a.three_phase {
                    ends.push(2.0 * a.pct_start * t - 2.0);
                }
                ends.into_iter()
                    .filter(|e| e.is_finite() && *e >= 0.0 && *e < t - 1.0)
                    .map(|e| Boundary::phase(e.round() as u64))
                    .collect()
            }
            Kind::Cyclic(a) => {
                let up = a.step_size_up;
                let cycle = up.saturating_add(a.step_size_down.unwrap_or(up));
                let mut out = Vec::new();
                let mut start = 0_u64;
                while start < steps && cycle > 0 {
                    if start > 0 {
                        out.push(Boundary::cycle(start));
                    }
                    if up > 0 && a.step_size_down != Some(0) {
                        out.push(Boundary::phase(start.saturating_add(up)));
                    }
                    start = start.saturating_add(cycle);
                }
                out
            }
            Kind::CosineRestarts(a) => {
                let mut out = Vec::new();
                let mut len = a.t0;
                let mut start = a.t0;
                while start < steps && len > 0 {
                    out.push(Boundary::cycle(start));
                    len = len.saturating_mul(a.t_mult);
                    start = start.saturating_add(len);
                }
                out
            }
            Kind::KerasOneCycle(a) => {
                let n = a.total_steps;
                first_step(n, |k| k as f64 / n as f64 >= a.phase_one_fraction)
                    .filter(|&k| k > 0)
                    .map(Boundary::phase)
                    .into_iter()
                    .collect()
            }
            Kind::FastaiOneCycle(a) => {
                let n = a.total_steps;
                first_step(n, |k| k as f64 / n as f64 >= a.pct_start)
                    .filter(|&k| k > 0)
                    .map(Boundary::phase)
                    .into_iter()
                    .collect()
            }
            Kind::KerasClr(a) => {
                let n = a.total_steps;
                let cyc = a.cycles as f64;
                // The Keras package's (cycle, position) of step k.
                let position = |k: u64| {
                    let x = k as f64 / n as f64;
                    let c = (x * cyc).floor();
                    (c, (x - c / cyc) * cyc)
                };
                let mut out = Vec::new();
                for c in 0..a.cycles.min(10_000) {
                    let c = c as f64;
                    if let Some(k) = first_step(n, |k| position(k).0 >= c).filter(|&k| k > 0) {
                        out.push(Boundary::cycle(k));
                    }
                    let peak = first_step(n, |k| {
                        let (kc, x) = position(k);
                        kc > c || (kc == c && x >= a.phase_one_fraction)
                    });
                    if let Some(k) = peak.filter(|&k| k > 0) {
                        out.push(Boundary::phase(k));
                    }
                }
                out
            }
            Kind::RangeTest(_) => Vec::new(),
        }
    }
}

/// The first `k` in `0..n` where the monotone `reached(k)` holds (binary search).
fn first_step(n: u64, reached: impl Fn(u64) -> bool) -> Option<u64> {
    let (mut lo, mut hi) = (0_u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (lo < n).then_some(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_is_exact() {
        assert_eq!(first_step(10, |k| k >= 3), Some(3));
        assert_eq!(first_step(10, |_| true), Some(0));
        assert_eq!(first_step(10, |_| false), None);
        assert_eq!(first_step(1000, |k| k as f64 / 1000.0 >= 0.3), Some(300));
    }
}
