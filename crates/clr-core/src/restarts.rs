//! Cosine annealing with warm restarts: PyTorch's
//! `CosineAnnealingWarmRestarts`, extended with a real-valued `T_mult`, a
//! peak that decays at every restart (Keras' `m_mul`) and a linear warm-up at
//! the start of every cycle.

use crate::error::{check, Error};
use crate::phase::{self, count, fill_counted, for_offsets, to_f64};
use crate::real::{is_f32, Real};
use crate::schedule::Schedule;
use crate::stepper::{self, Motion, Segment, Stepper, Stepping, NO_MAP};

/// SGDR (Loshchilov & Hutter): cosine annealing from the peak to `eta_min`
/// over cycles of `T_0`, `T_0·T_mult`, `T_0·T_mult²`, … steps. Unbounded.
///
/// With the defaults (`peak_decay = 1`, no warm-up) and an integer `T_mult`
/// it is PyTorch's `CosineAnnealingWarmRestarts` stepped once per batch.
///
/// ```
/// use clr_core::{CosineRestarts, Schedule};
///
/// let s = CosineRestarts::builder(0.1_f64, 10).t_mult(2.0).build()?;
/// assert_eq!(s.at(0), 0.1);
/// assert_eq!(s.at(10), 0.1); // first restart
/// assert_eq!(s.at(30), 0.1); // second, after a cycle of 20
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawCosineRestarts<F>",
        bound(deserialize = "F: Real + serde::Deserialize<'de>")
    )
)]
pub struct CosineRestarts<F> {
    config: CosineRestartsBuilder<F>,
    // `Some(m)` when T_mult is an integer: cycle bounds are then exact u64s.
    int_mult: Option<u64>,
    /// `T_mult = 2` and `T_0` below 2^53: `at`'s inline path, for steps
    /// below 2^53 too. One flag where `at` tested both (derived, so not
    /// written: it is recomputed on the way in).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    doubling: bool,
    /// `(lr - eta_min)/2` where `peak_decay = 1`: every cycle peaks at
    /// `lr`, and a lookup reads its half height instead of computing it
    /// (derived, not written).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    half: Option<F>,
    /// `1/T_0` rounded to `F` where `doubling` holds with no warm-up
    /// (derived, not written): a cosine part is then `T_0·2^i` long, and
    /// its progress is a product, not a division ([`Self::span_inverse`]).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    t0_inverse: Option<F>,
}

/// What a [`CosineRestarts`] is read from. It is still written as derived
/// (`config` and `int_mult`); on the way in only the configuration is read
/// and [`CosineRestartsBuilder::build`] validates it and derives
/// `int_mult` again: a crafted `t0 = 0` or an `int_mult` that disagrees
/// with `t_mult` would otherwise reach `at` and divide by zero. The
/// serialized `int_mult` is an unknown field here, which serde skips.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "CosineRestarts")]
struct RawCosineRestarts<F> {
    config: CosineRestartsBuilder<F>,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawCosineRestarts<F>> for CosineRestarts<F> {
    type Error = Error;
    fn try_from(raw: RawCosineRestarts<F>) -> Result<Self, Error> {
        raw.config.build()
    }
}

/// Builder of [`CosineRestarts`] with PyTorch's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineRestartsBuilder<F> {
    /// The peak of the first cycle (the optimizer's base lr in PyTorch).
    pub lr: F,
    /// Steps in the first cycle (`T_0`).
    pub t0: u64,
    /// Growth of the cycle length at each restart (`T_mult`, default 1).
    pub t_mult: f64,
    /// The floor (`eta_min`, default 0).
    pub eta_min: F,
    /// The peak is multiplied by this at every restart (Keras' `m_mul`, default 1).
    pub peak_decay: f64,
    /// Steps of linear warm-up from `eta_min` to the peak at the start of each
    /// cycle (default 0); must be shorter than `T_0`.
    pub warmup: u64,
}

impl<F: Real> CosineRestarts<F> {
    /// A builder with PyTorch's defaults.
    pub fn builder(lr: F, t0: u64) -> CosineRestartsBuilder<F> {
        CosineRestartsBuilder {
            lr,
            t0,
            t_mult: 1.0,
            eta_min: F::zero(),
            peak_decay: 1.0,
            warmup: 0,
        }
    }

    /// The cycle `step` falls in: `(index, T_cur, T_i)`.
    #[inline]
    pub fn cycle(&self, step: u64) -> (u64, f64, f64) {
        let (index, start, len) = self.int_cycle(step);
        match self.int_mult {
            Some(_) => (index, to_f64(step - start), to_f64(len)),
            None => self.real_cycle(step),
        }
    }

    /// `(index, first step, length)` of the cycle of `step` for an integer
    /// `T_mult` (unspecified otherwise).
    #[inline(always)]
    fn int_cycle(&self, step: u64) -> (u64, u64, u64) {
        let t0 = self.config.t0;
        match self.int_mult {
            Some(1) => (step / t0, step - step % t0, t0),
            Some(m) => geometric_cycle(t0, m, step).unwrap_or_else(|| {
                let (mut index, mut start, mut len) = (0u64, 0u64, t0);
                // At most 64 rounds: the length at least doubles each time.
                while let Some(end) = start.checked_add(len).filter(|end| step >= *end) {
                    index += 1;
                    start = end;
                    len = len.saturating_mul(m);
                }
                (index, start, len)
            }),
            None => (0, 0, 0),
        }
    }

    #[inline(never)]
    fn real_cycle(&self, step: u64) -> (u64, f64, f64) {
        let m = self.config.t_mult;
        let t0 = self.config.t0 as f64;
        let k = step as f64;
        if m >= 1.5 {
            // Lengths grow by half or more per cycle: at most ~110 rounds
            // before they pass 2^64 (or overflow to infinity, which ends it).
            let (mut i, mut start, mut len) = (0u64, 0.0, t0);
            while k >= start + len {
                start += len;
                len *= m;
                i += 1;
            }
            return (i, k - start, len);
        }
        let start = |i: f64| t0 * (libm::pow(m, i) - 1.0) / (m - 1.0);
        let estimate = libm::floor(libm::log(k * (m - 1.0) / t0 + 1.0) / libm::log(m));
        let mut i = estimate.clamp(0.0, 9.0e15);
        // The logarithm can land a cycle or two off at a boundary; past 2^53
        // cycles neighbouring starts round together, so the search is bounded.
        for _ in 0..4 {
            if i > 0.0 && start(i) > k {
                i -= 1.0;
            }
        }
        for _ in 0..4 {
            if start(i + 1.0) <= k {
                i += 1.0;
            }
        }
        let t_i = t0 * libm::pow(m, i);
        ((i as u64), (k - start(i)).clamp(0.0, t_i), t_i)
    }
}

impl<F: Real> CosineRestartsBuilder<F> {
    /// Sets `T_mult` (>= 1; PyTorch takes only integers).
    pub fn t_mult(mut self, t_mult: f64) -> Self {
        self.t_mult = t_mult;
        self
    }

    /// Sets `eta_min`.
    pub fn eta_min(mut self, eta_min: F) -> Self {
        self.eta_min = eta_min;
        self
    }

    /// Sets the peak's decay per restart.
    pub fn peak_decay(mut self, peak_decay: f64) -> Self {
        self.peak_decay = peak_decay;
        self
    }

    /// Sets the warm-up length of every cycle.
    pub fn warmup(mut self, warmup: u64) -> Self {
        self.warmup = warmup;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<CosineRestarts<F>, Error> {
        check::positive("lr", self.lr.to_f64())?;
        let t0 = check::nonzero("t0", self.t0)?.get();
        let m = check::at_least("t_mult", self.t_mult, 1.0)?;
        check::non_negative("eta_min", self.eta_min.to_f64())?;
        check::decay("peak_decay", self.peak_decay)?;
        if self.warmup >= t0 {
            return Err(Error::Order {
                low: "warmup",
                low_value: self.warmup as f64,
                high: "t0",
                high_value: t0 as f64 - 1.0,
            });
        }
        let int_mult = (m == libm::floor(m) && m <= u32::MAX as f64).then_some(m as u64);
        let doubling = int_mult == Some(2) && t0 < 1 << 53;
        Ok(CosineRestarts {
            config: *self,
            int_mult,
            doubling,
            half: (self.peak_decay == 1.0).then(|| half_of(self.lr, self.eta_min)),
            t0_inverse: (doubling && self.warmup == 0).then(|| F::one() / count::<F>(t0 as i64)),
        })
    }
}

/// `(peak - eta_min)/2`: one expression for the half height built once
/// and the one found per cycle, so that the two round alike.
#[inline(always)]
fn half_of<F: Real>(peak: F, eta_min: F) -> F {
    (peak - eta_min) / (F::one() + F::one())
}

/// `(index, first step, length)` of the cycle of `step` when cycle `i` lasts
/// `t0·m^i` steps (`m >= 2`), in closed form: cycle `i` starts at
/// `t0·(m^i - 1)/(m - 1)`, so `i` is the largest with
/// `m^i <= floor(step·(m - 1)/t0) + 1`. `None` when a product would
/// overflow (the caller then walks the cycles).
#[inline(always)]
fn geometric_cycle(t0: u64, m: u64, step: u64) -> Option<(u64, u64, u64)> {
    if m == 2 {
        return doubling_cycle(t0, step);
    }
    let q = (step.checked_mul(m - 1)? / t0).checked_add(1)?;
    let index = if m.is_power_of_two() {
        u64::from(q.ilog2() / m.ilog2())
    } else {
        u64::from(q.ilog(m))
    };
    let power = m.checked_pow(u32::try_from(index).ok()?)?;
    let start = t0.checked_mul((power - 1) / (m - 1))?;
    let len = t0.checked_mul(power)?;
    // The walk saturates the length where `start + len` would overflow.
    start.checked_add(len)?;
    Some((index, start, len))
}

/// [`geometric_cycle`] for PyTorch's usual `T_mult = 2`; `None` when a
/// bound would overflow.
#[inline(always)]
fn doubling_cycle(t0: u64, step: u64) -> Option<(u64, u64, u64)> {
    let (index, start, len) = doubling_of(t0, step.checked_add(t0)?);
    start.checked_add(len)?;
    Some((index, start, len))
}

/// `(index, first step, length)` of the cycle of step `s - t0` under
/// `T_mult = 2`, where `s` does not overflow: cycle `i` starts at
/// `t0·(2^i - 1)`, so `i` is the largest with `t0·2^i <= s`. That is the
/// difference of the two binary logarithms or one less, which one shift
/// and compare tell: no 64-bit division (tens of cycles of latency on a
/// random lookup). Counting leading zeros (`t0 >= 1` by the builder) keeps
/// it free of `ilog2`'s zero check.
#[inline(always)]
fn doubling_of(t0: u64, s: u64) -> (u64, u64, u64) {
    // `t0 < 2^(log2 t0 + 1)`, so `t0 << e < 2^(log2 s + 1)`: no overflow.
    let e = (t0.leading_zeros() - s.leading_zeros()) % 64;
    let index = e - u32::from(t0 << e > s);
    let len = t0 << index;
    (u64::from(index), len - t0, len)
}

impl<F: Real> CosineRestarts<F> {
    /// The peak of cycle `index`.
    #[inline(always)]
    fn peak(&self, index: u64) -> F {
        let c = &self.config;
        if self.half.is_some() {
            c.lr
        } else {
            // The height above the floor decays, so a peak never sinks below
            // `eta_min` (with `eta_min = 0`, Keras' `m_mul`).
            let decay = F::from_f64(libm::pow(c.peak_decay, index as f64));
            c.eta_min + (c.lr - c.eta_min) * decay
        }
    }

    /// Half the height of cycle `index` above the floor, `(peak -
    /// eta_min)/2` ([`Self::value_of_cos`] says why halved), read where
    /// every cycle peaks at `lr`.
    #[inline(always)]
    fn half_height(&self, index: u64) -> F {
        match self.half {
            Some(half) => half,
            None => half_of(self.peak(index), self.config.eta_min),
        }
    }

    /// The cosine part's value at `t = T_cur - warmup` of a part `span =
    /// T_i - warmup` long (whole numbers, `1 <= span`, `t <= span` before
    /// rounding): the progress `t/span` is in `[0, 1]` (a hair past 1 at
    /// most, by rounding, where the kernel is as accurate), so the kernel
    /// needs no range check. Lookups and bulk loops share it, hence the
    /// same bits.
    #[inline(always)]
    fn cosine(&self, half: F, t: F, span: F) -> F {
        self.cosine_at(half, t / span)
    }

    /// The cosine part's value at progress `pct` (`T_cur/T_i` past the
    /// warm-up), by [`phase::cos_pi`]: in `f64` from `pct` itself, a
    /// shorter chain than PyTorch's `pi * T_cur / T_i` (within a few ulp of
    /// it, as the phases' cosines).
    #[inline(always)]
    fn cosine_at(&self, half: F, pct: F) -> F {
        self.value_of_cos(half, phase::cos_pi(pct))
    }

    /// `1/span` of cycle `index`'s cosine part where it is `T_0·2^index`
    /// long (`T_mult = 2`, no warm-up, `T_0` below 2^53): `1/T_0` rounded,
    /// scaled by `2^-index` in its exponent, which is exact: below 2^53
    /// steps a cycle is shorter than 2^54, so the result is at least about
    /// 2^-54, normal even in `f32`. `t * inverse` is then within two ulp of
    /// `t / span` (tested), and a random lookup's chain has a
    /// multiplication where it had a division (13 cycles of latency in
    /// `f64`, 10 in `f32`).
    #[inline(always)]
    fn span_inverse(&self, index: u64) -> Option<F> {
        let inverse = self.t0_inverse?;
        Some(if is_f32::<F>() {
            // Wrapping: only an index from another schedule's stepper could
            // take it below zero, and that reader gets a wrong value, not a
            // panic.
            let bits = (inverse.to_f64() as f32)
                .to_bits()
                .wrapping_sub((index as u32) << 23);
            F::from_f64(f64::from(f32::from_bits(bits)))
        } else {
            F::from_f64(f64::from_bits(
                inverse.to_f64().to_bits().wrapping_sub(index << 52),
            ))
        })
    }

    /// PyTorch: `eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`,
    /// with `half` the [`half_height`](Self::half_height): halved before
    /// the product rather than after, the same bits (halving is exact)
    /// wherever the halves are normal, and the halving leaves the cosine's
    /// dependency chain.
    #[inline(always)]
    fn value_of_cos(&self, half: F, cos: F) -> F {
        self.config.eta_min + half * (F::one() + cos)
    }

    /// The linear warm-up at `T_cur < warmup`.
    #[inline(always)]
    fn warming(&self, peak: F, t_cur: f64) -> F {
        let eta = self.config.eta_min;
        eta + (peak - eta) * F::from_f64(t_cur / self.config.warmup as f64)
    }
}

impl<F: Real> CosineRestarts<F> {
    /// `out[j]`: [`at`](Schedule::at) past the warm-up, at `T_cur - warmup
    /// = t + j` (below 2^53, so exact in `f64`) of cycle `index`'s cosine
    /// part, `span = T_i - warmup` long. `span >= 1` (`T_i > warmup` and
    /// `warmup` is below 2^53 here), so the angle is never `0/0`: no NaN
    /// guard in the loop. Where `t + j` is exact in `F` it counts in `F`
    /// itself, no `f64`.
    fn fill_cosine(&self, out: &mut [F], t: u64, span: f64, index: u64) {
        let half = self.half_height(index);
        match self.span_inverse(index) {
            Some(inverse) => fill_counted(out, t as i64, |t| self.cosine_at(half, t * inverse)),
            None => {
                let span = F::from_f64(span);
                fill_counted(out, t as i64, |t| self.cosine(half, t, span));
            }
        }
    }
}

impl<F: Real> CosineRestarts<F> {
    /// [`at`](Schedule::at) for any `T_mult`, out of line: the usual
    /// `T_mult = 2` takes [`doubling_cycle`] inline instead.
    #[inline(never)]
    fn at_any(&self, step: u64) -> F {
        let (index, t_cur, t_i) = self.cycle(step);
        self.at_cycle(index, t_cur, t_i)
    }

    /// The value at `T_cur` of cycle `index`, `T_i` long.
    #[inline(always)]
    fn at_cycle(&self, index: u64, t_cur: f64, t_i: f64) -> F {
        let w = to_f64(self.config.warmup);
        if t_cur < w {
            return self.warming(self.peak(index), t_cur);
        }
        // `T_i - warmup` is 0 only where a cycle is no longer than its
        // warm-up once rounded (beyond 2^53 steps), and `T_cur - warmup`
        // then too: a span of 1 instead gives the cycle's start, where 0/0
        // would give NaN. A whole span is otherwise at least 1, so this
        // changes nothing, and the `max` is off the lookup's dependency
        // chain (a NaN test of the quotient was on it).
        let span = (t_i - w).max(1.0);
        let half = self.half_height(index);
        self.cosine(half, F::from_f64(t_cur - w), F::from_f64(span))
    }
}

impl<F: Real> Schedule<F> for CosineRestarts<F> {
    /// `T_mult = 2` inline (the cycle by a few integer operations), any
    /// other out of line: a random lookup then makes no call.
    #[inline(always)]
    fn at(&self, step: u64) -> F {
        let (t0, warmup) = (self.config.t0, self.config.warmup);
        // Below 2^53 no cycle bound overflows and every count is exact in
        // `f64`: the cycle and `T_cur` in integers, as `fill` counts.
        if self.doubling && step < 1 << 53 {
            let (index, start, len) = doubling_of(t0, step + t0);
            let t_cur = step - start;
            if t_cur < warmup {
                return self.warming(self.peak(index), t_cur as f64);
            }
            // `len >= t0 > warmup`: the span is at least 1.
            let t: F = count((t_cur - warmup) as i64);
            let pct = match self.span_inverse(index) {
                Some(inverse) => t * inverse,
                None => t / count((len - warmup) as i64),
            };
            return self.cosine_at(self.half_height(index), pct);
        }
        self.at_any(step)
    }

    fn total_steps(&self) -> Option<u64> {
        None
    }

    /// Cycle by cycle (integer `T_mult`), the cosine part of each in a
    /// branch-free loop that vectorises; the values are those of
    /// [`at`](Schedule::at) to the bit.
    fn fill(&self, out: &mut [F], first_step: u64) {
        let fast = self.int_mult.is_some() && first_step.saturating_add(out.len() as u64) < 1 << 53;
        if !fast {
            let mut step = first_step;
            for v in out.iter_mut() {
                *v = self.at(step);
                step = step.saturating_add(1);
            }
            return;
        }
        let warmup = self.config.warmup;
        let mut out = out;
        let mut step = first_step;
        while !out.is_empty() {
            let (index, start, len) = self.int_cycle(step);
            let t_cur = step - start;
            // The warm-up's steps, then the cosine's, to the cycle's end.
            let (count, cosine) = if t_cur < warmup {
                (warmup - t_cur, false)
            } else {
                (len - t_cur, true)
            };
            let n = usize::try_from(count).map_or(out.len(), |c| c.min(out.len()));
            let (head, tail) = core::mem::take(&mut out).split_at_mut(n);
            if cosine {
                self.fill_cosine(head, t_cur - warmup, len as f64 - warmup as f64, index);
            } else {
                let base = t_cur as f64;
                let peak = self.peak(index);
                for_offsets(head, |offset| self.warming(peak, base + offset));
            }
            out = tail;
            step += n as u64;
        }
    }

    fn stepper(&self, step: u64) -> Stepper {
        stepper::stepper_at(self, step)
    }

    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        stepper::advance(stepper, || self)
    }

    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> F {
        match stepper.values() {
            Some((lr, _)) => F::from_f64(lr),
            None => stepper::cold(|| self.at(stepper.step)),
        }
    }

    /// Within a cosine cycle of `T_mult = 2` without warm-up or decay, the
    /// cycle comes from the stepper's segment (its index and first step)
    /// instead of the step's logarithm, and then `at`'s own arithmetic: the
    /// same bits for one subtraction where `at` spends a dozen integer
    /// operations on the lookup's chain. Elsewhere, `at` (a decaying peak
    /// costs a `pow` either way).
    #[inline(always)]
    fn at_near(&self, stepper: &Stepper, step: u64) -> F {
        let segment = stepper.segment();
        let t = step.wrapping_sub(segment.first);
        let within = t <= segment.last.wrapping_sub(segment.first);
        let index = u64::from(segment.tag);
        match (self.span_inverse(index), self.half) {
            // The segment ends below 2^53 (`segment`), so `t` counts exactly.
            (Some(inverse), Some(half)) if within && segment.motion == Motion::Rotate => {
                self.cosine_at(half, count::<F>(t as i64) * inverse)
            }
            _ => self.at(step),
        }
    }
}

impl<F: Real> Stepping for CosineRestarts<F> {
    fn segment(&self, step: u64) -> Segment {
        if self.int_mult.is_none() || step >= 1 << 53 {
            return Segment::direct(step, u64::MAX);
        }
        let (index, start, len) = self.int_cycle(step);
        let warmup = self.config.warmup;
        // Not past 2^53, where `at` leaves the integer cycle: a stepper
        // reading exact values counts from `first` only below it.
        let end = start.saturating_add(len - 1).min((1 << 53) - 1);
        if step - start < warmup {
            return Segment::direct(step, start + warmup - 1);
        }
        Segment {
            first: start + warmup,
            last: end,
            motion: Motion::Rotate,
            tag: u32::try_from(index).unwrap_or(u32::MAX),
            delta: (core::f64::consts::PI / (len - warmup) as f64, 0.0),
            // eta + (peak - eta)·(1 + cos θ)/2.
            maps: [
                stepper::cos_map(self.peak(index), self.config.eta_min),
                NO_MAP,
            ],
            // pi·T_cur/T_i rounds twice.
            slack: 1.5e-15,
        }
    }

    fn state_at(&self, _segment: &Segment, step: u64) -> (f64, f64) {
        let (_, start, len) = self.int_cycle(step);
        let w = self.config.warmup as f64;
        let (t_cur, t_i) = ((step - start) as f64 - w, len as f64 - w);
        (core::f64::consts::PI * t_cur / t_i, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_cycles_match_the_walk() {
        for t0 in [1u64, 2, 3, 7, 10, 1000] {
            for m in [2u64, 3, 4, 5, 8, 10] {
                let s = CosineRestarts::builder(0.1_f64, t0)
                    .t_mult(m as f64)
                    .build()
                    .unwrap();
                let walk = |step: u64| {
                    let (mut index, mut start, mut len) = (0u64, 0u64, t0);
                    while let Some(end) = start.checked_add(len).filter(|end| step >= *end) {
                        index += 1;
                        start = end;
                        len = len.saturating_mul(m);
                    }
                    (index, start, len)
                };
                let mut steps: [u64; 12] = [
                    0,
                    1,
                    2,
                    t0 - 1,
                    t0,
                    t0 + 1,
                    100_000,
                    123_456_789,
                    1 << 40,
                    u64::MAX / 3,
                    u64::MAX - 1,
                    u64::MAX,
                ];
                for k in 0..20u32 {
                    steps[k as usize % 12] = steps[k as usize % 12].wrapping_add(u64::from(k));
                    for &step in &steps {
                        assert_eq!(s.int_cycle(step), walk(step), "t0 {t0} m {m} step {step}");
                    }
                }
                // Around every cycle boundary below 2^40.
                let (mut start, mut len) = (0u64, t0);
                while start < 1 << 40 {
                    for d in [0u64, 1, 2] {
                        for step in [start + len - d.min(len), start + len + d] {
                            assert_eq!(s.int_cycle(step), walk(step), "t0 {t0} m {m} step {step}");
                        }
                    }
                    start += len;
                    len *= m;
                }
            }
        }
    }

    /// `fill` gives `at`'s bits from `first` on.
    fn fill_is_at<F: Real>(s: &CosineRestarts<F>, first: u64) {
        let mut out = [F::zero(); 1200];
        s.fill(&mut out, first);
        for (i, v) in out.iter().enumerate() {
            let step = first.saturating_add(i as u64);
            let want = Real::to_f64(s.at(step)).to_bits();
            assert_eq!(Real::to_f64(*v).to_bits(), want, "step {step}");
        }
    }

    /// Cycles with and without warm-up, across restarts, and cosine parts
    /// that cross 2^24 (where `f32` stops counting exactly), 2^53 and the
    /// end of `u64`.
    fn restarts_fill_is_at<F: Real>() {
        let f24 = 1u64 << 24;
        for (t0, m, warmup) in [
            (1, 2.0, 0),
            (7, 1.0, 3),
            (1000, 2.0, 0),
            (1000, 3.0, 10),
            (f24 + 500, 2.0, 200),
        ] {
            let s = CosineRestarts::builder(F::from_f64(0.1), t0)
                .t_mult(m)
                .warmup(warmup)
                .eta_min(F::from_f64(0.001))
                .peak_decay(0.9)
                .build()
                .unwrap();
            for first in [
                0,
                5,
                t0 - 1,
                (3 * t0).saturating_sub(600),
                f24 - 300,
                f24 + 300,
                (1 << 53) - 700,
                u64::MAX - 5,
            ] {
                fill_is_at(&s, first);
            }
        }
    }

    #[test]
    fn restarts_fill_is_at_f32() {
        restarts_fill_is_at::<f32>();
    }

    #[test]
    fn restarts_fill_is_at_f64() {
        restarts_fill_is_at::<f64>();
    }

    #[test]
    fn doubling_cycles_match_the_walk_for_huge_lengths() {
        let walk = |t0: u64, step: u64| {
            let (mut index, mut start, mut len) = (0u64, 0u64, t0);
            while let Some(end) = start.checked_add(len).filter(|end| step >= *end) {
                index += 1;
                start = end;
                len = len.saturating_mul(2);
            }
            (index, start, len)
        };
        let t0s = [
            (1u64 << 40) + 7,
            (1 << 61) - 1,
            1 << 62,
            u64::MAX / 3,
            u64::MAX,
        ];
        for t0 in t0s {
            let s = CosineRestarts::builder(0.1_f64, t0)
                .t_mult(2.0)
                .build()
                .unwrap();
            let half = t0 / 2;
            for step in [
                0,
                1,
                t0 - 1,
                t0,
                half.saturating_mul(3),
                u64::MAX - 1,
                u64::MAX,
            ] {
                assert_eq!(s.int_cycle(step), walk(t0, step), "t0 {t0} step {step}");
            }
            // Cycle `i` starts at t0·(2^i - 1).
            for factor in [1u64, 3, 7, 15] {
                if let Some(at) = t0.checked_mul(factor) {
                    for step in [at - 1, at, at.saturating_add(1)] {
                        assert_eq!(s.int_cycle(step), walk(t0, step), "t0 {t0} step {step}");
                    }
                }
            }
        }
    }

    /// `t * span_inverse(index)` is within two units of the last place of
    /// the quotient `t / span` (it rounds `1/T_0` and the product, the
    /// quotient once; the scaling by `2^-index` is exact), from the first
    /// cycles to the last below 2^53 steps, in both types.
    fn progress_by_inverse_is_near_the_quotient<F: Real>() {
        for t0 in [1u64, 3, 7, 10, 1000, 999_983, (1 << 40) + 7, (1 << 52) + 1] {
            let s = CosineRestarts::builder(F::from_f64(0.1), t0)
                .t_mult(2.0)
                .build()
                .unwrap();
            let mut steps = [
                0,
                1,
                t0 / 2,
                t0 - 1,
                t0,
                3 * t0 - 1,
                (1 << 53) - 1,
                (1 << 52) + 3,
            ];
            steps.sort_unstable();
            for step in steps {
                let (index, start, len) = doubling_of(t0, step + t0);
                let t: F = count((step - start) as i64);
                let quotient = t / count::<F>(len as i64);
                let product = t * s.span_inverse(index).unwrap();
                let (q, p) = (quotient.to_f64(), product.to_f64());
                let units = 2.0 * F::epsilon().to_f64() * q;
                assert!(
                    (p - q).abs() <= units,
                    "t0 {t0} step {step}: {p} against {q}"
                );
            }
        }
        let warm = CosineRestarts::builder(F::from_f64(0.1), 10)
            .t_mult(2.0)
            .warmup(2);
        assert_eq!(warm.build().unwrap().span_inverse(0), None);
    }

    #[test]
    fn progress_by_inverse_is_near_the_quotient_f32() {
        progress_by_inverse_is_near_the_quotient::<f32>();
    }

    #[test]
    fn progress_by_inverse_is_near_the_quotient_f64() {
        progress_by_inverse_is_near_the_quotient::<f64>();
    }

    /// `at_near` is `at` to the bit wherever the stepper stands, exact or
    /// not, for steps inside its cycle and outside it, up to and past
    /// 2^53 (where `at` leaves the integer cycle and the segments end).
    fn at_near_is_at<F: Real>() {
        let bits = |v: F| v.to_f64().to_bits();
        let schedules = [
            CosineRestarts::builder(F::from_f64(0.1), 10).t_mult(2.0),
            CosineRestarts::builder(F::from_f64(0.1), 3)
                .t_mult(2.0)
                .eta_min(F::from_f64(0.001))
                .peak_decay(0.5),
            CosineRestarts::builder(F::from_f64(0.1), 10)
                .t_mult(2.0)
                .warmup(2),
            CosineRestarts::builder(F::from_f64(0.1), 10).t_mult(3.0),
        ];
        for builder in schedules {
            let s = builder.build().unwrap();
            for start in [0, 5, 9, 10, 29, 30, 1 << 40, (1 << 53) - 3] {
                for stepper in [s.stepper(start), s.stepper(start).exact()] {
                    for k in start.saturating_sub(12)..start + 40 {
                        assert_eq!(bits(s.at_near(&stepper, k)), bits(s.at(k)), "{start} {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn at_near_is_at_f32() {
        at_near_is_at::<f32>();
    }

    #[test]
    fn at_near_is_at_f64() {
        at_near_is_at::<f64>();
    }

    /// Another schedule's stepper gives some value, never a panic (debug
    /// builds check every subtraction and shift).
    #[test]
    fn at_near_takes_any_stepper() {
        let s = CosineRestarts::builder(0.1_f64, 10)
            .t_mult(2.0)
            .build()
            .unwrap();
        let others = [
            CosineRestarts::builder(0.1_f64, 7)
                .t_mult(2.0)
                .build()
                .unwrap(),
            CosineRestarts::builder(0.1_f64, 1)
                .t_mult(2.0)
                .build()
                .unwrap(),
        ];
        for other in others {
            for start in [0, 100, 1 << 45, (1 << 53) - 1, u64::MAX] {
                let stepper = other.stepper(start).exact();
                for k in [
                    0,
                    1,
                    start.wrapping_sub(1),
                    start,
                    start.wrapping_add(1),
                    u64::MAX,
                ] {
                    let v = s.at_near(&stepper, k);
                    assert!(v.is_finite(), "{start} {k}: {v}");
                }
            }
        }
    }
}
