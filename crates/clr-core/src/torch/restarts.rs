//! PyTorch 2.13's `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`,
//! stepped once per batch:
//!
//! ```text
//! step():  T_cur += 1; if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult
//! get_lr:  eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2
//! ```
//!
//! Cycle `i` is `T_0·T_mult^i` steps long. Here `T_mult` may also be real
//! (cycle lengths then real too), the peak may decay at each restart
//! (`base_lr` replaced by `eta_min + (base_lr - eta_min)·peak_decay^i`,
//! Keras' `m_mul`), and each cycle may start with a linear warm-up from
//! `eta_min` to its peak, the cosine then running over the rest of it.

use crate::error::{check, Error};
use crate::real::{step_f64, Real};
use crate::schedule::Schedule;

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
pub struct CosineRestarts<F> {
    config: CosineRestartsBuilder<F>,
    /// `Some(m)` when `T_mult` is an integer: cycle bounds are then exact
    /// integers.
    int_mult: Option<u64>,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(CosineRestarts, CosineRestartsBuilder, build);

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
    pub fn cycle(&self, step: u64) -> (u64, f64, f64) {
        match self.int_mult {
            Some(m) => {
                let (index, start, len) = int_cycle(self.config.t0, m, step);
                (index, step_f64(step - start), step_f64(len))
            }
            None => self.real_cycle(step),
        }
    }

    /// The cycle of `step` for a real `T_mult`: cycle `i` starts at
    /// `T_0·(m^i - 1)/(m - 1)`, so `i` is about `log_m(step·(m - 1)/T_0 + 1)`
    /// (PyTorch's `step(epoch)` formula), corrected where the logarithm
    /// lands a cycle off at a boundary.
    fn real_cycle(&self, step: u64) -> (u64, f64, f64) {
        let (m, t0, k) = (self.config.t_mult, self.config.t0 as f64, step as f64);
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
        let start = |i: f64| t0 * (Real::powf(m, i) - 1.0) / (m - 1.0);
        let estimate = libm::floor(Real::ln(k * (m - 1.0) / t0 + 1.0) / Real::ln(m));
        let mut i = estimate.clamp(0.0, 9.0e15);
        // Past 2^53 cycles neighbouring starts round together: the search
        // is bounded.
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
        let t_i = t0 * Real::powf(m, i);
        (i as u64, (k - start(i)).clamp(0.0, t_i), t_i)
    }
}

/// `(index, first step, length)` of the cycle of `step` when cycle `i` is
/// `t0·m^i` steps long (`m` a whole number).
fn int_cycle(t0: u64, m: u64, step: u64) -> (u64, u64, u64) {
    if m == 1 {
        return (step / t0, step - step % t0, t0);
    }
    if m == 2 {
        // Cycle `i` starts at t0·(2^i - 1): `i` is the largest with
        // t0·2^i <= step + t0, found from the two numbers' leading zeros
        // (the usual T_mult, in a few integer operations).
        if let Some(s) = step.checked_add(t0) {
            let e = t0.leading_zeros() - s.leading_zeros();
            let index = e - u32::from(t0 << e > s);
            let len = t0 << index;
            if len.checked_mul(2).is_some() {
                return (u64::from(index), len - t0, len);
            }
        }
    }
    // At most 64 rounds: the length at least doubles each time.
    let (mut index, mut start, mut len) = (0, 0u64, t0);
    while let Some(end) = start.checked_add(len).filter(|&end| step >= end) {
        index += 1;
        start = end;
        len = len.saturating_mul(m);
    }
    (index, start, len)
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
        let whole = m == libm::floor(m) && m <= f64::from(u32::MAX);
        Ok(CosineRestarts {
            config: *self,
            int_mult: whole.then_some(m as u64),
        })
    }
}

impl<F: Real> CosineRestarts<F> {
    /// The peak of cycle `index`: the height above the floor decays, so a
    /// peak never sinks below it.
    fn peak(&self, index: u64) -> F {
        let c = &self.config;
        if c.peak_decay == 1.0 {
            return c.lr;
        }
        let decay = Real::powf(c.peak_decay, index as f64);
        c.eta_min + (c.lr - c.eta_min) * F::from_f64(decay)
    }

    /// The linear warm-up of cycle `index` at `T_cur < warmup`.
    fn warming(&self, index: u64, t_cur: f64) -> F {
        let eta = self.config.eta_min;
        eta + (self.peak(index) - eta) * F::from_f64(t_cur / self.config.warmup as f64)
    }
}

impl<F: Real> Schedule<F> for CosineRestarts<F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        let c = &self.config;
        // The cycle, and past its warm-up PyTorch's `T_cur` and `T_i` over
        // the rest of it.
        let (index, t_cur, t_i) = match self.int_mult {
            Some(m) => {
                let (index, start, len) = int_cycle(c.t0, m, step);
                let t_cur = step - start;
                if t_cur < c.warmup {
                    return self.warming(index, step_f64(t_cur));
                }
                // `len >= T_0 > warmup`: a span of at least 1.
                (index, step_f64(t_cur - c.warmup), step_f64(len - c.warmup))
            }
            None => {
                let (index, t_cur, t_i) = self.real_cycle(step);
                let warmup = c.warmup as f64;
                if t_cur < warmup {
                    return self.warming(index, t_cur);
                }
                // At least 1 but past 2^53 steps, where a cycle rounds to
                // its warm-up's length: then its start, where 0/0 is NaN.
                (index, t_cur - warmup, (t_i - warmup).max(1.0))
            }
        };
        let cos = F::from_f64(core::f64::consts::PI * t_cur / t_i).cos();
        let (eta, one, two) = (c.eta_min, F::one(), F::one() + F::one());
        eta + (self.peak(index) - eta) * (one + cos) / two
    }

    fn total_steps(&self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::int_cycle;
    use std::vec;

    /// The cycles by closed form (`T_mult = 2`, near every `u64`) are the
    /// walk's.
    #[test]
    fn closed_form_cycles_match_the_walk() {
        let walk = |t0: u64, m: u64, step: u64| {
            let (mut index, mut start, mut len) = (0u64, 0u64, t0);
            while let Some(end) = start.checked_add(len).filter(|&end| step >= end) {
                index += 1;
                start = end;
                len = len.saturating_mul(m);
            }
            (index, start, len)
        };
        let t0s = [
            1u64,
            2,
            3,
            7,
            1000,
            (1 << 40) + 7,
            (1 << 62) - 1,
            u64::MAX / 3,
            u64::MAX,
        ];
        for t0 in t0s {
            let mut steps = vec![0, 1, t0 - 1, t0, u64::MAX - 1, u64::MAX];
            for factor in [1u64, 3, 7, 15, 1023] {
                if let Some(at) = t0.checked_mul(factor) {
                    steps.extend([at - 1, at, at.saturating_add(1)]);
                }
            }
            for step in steps {
                for m in [2, 3] {
                    assert_eq!(int_cycle(t0, m, step), walk(t0, m, step), "{t0} {m} {step}");
                }
            }
        }
    }
}
