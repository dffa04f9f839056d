//! Cosine annealing with warm restarts: PyTorch's
//! `CosineAnnealingWarmRestarts`, extended with a real-valued `T_mult`, a
//! peak that decays at every restart (Keras' `m_mul`) and a linear warm-up at
//! the start of every cycle.

use crate::error::{check, Error};
use crate::real::Real;
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineRestarts<F> {
    config: CosineRestartsBuilder<F>,
    // `Some(m)` when T_mult is an integer: cycle bounds are then exact u64s.
    int_mult: Option<u64>,
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
    pub fn cycle(&self, step: u64) -> (u64, f64, f64) {
        let t0 = self.config.t0;
        match self.int_mult {
            Some(1) => (step / t0, (step % t0) as f64, t0 as f64),
            Some(m) => {
                let (mut index, mut start, mut len) = (0u64, 0u64, t0);
                // At most 64 rounds: the length at least doubles each time.
                while let Some(end) = start.checked_add(len).filter(|end| step >= *end) {
                    index += 1;
                    start = end;
                    len = len.saturating_mul(m);
                }
                (index, (step - start) as f64, len as f64)
            }
            None => self.real_cycle(step),
        }
    }

    fn real_cycle(&self, step: u64) -> (u64, f64, f64) {
        let m = self.config.t_mult;
        let t0 = self.config.t0 as f64;
        let k = step as f64;
        let start = |i: f64| t0 * (libm::pow(m, i) - 1.0) / (m - 1.0);
        let mut i = libm::floor(libm::log(k * (m - 1.0) / t0 + 1.0) / libm::log(m)).max(0.0);
        // The logarithm can land one cycle off at a boundary.
        while i > 0.0 && start(i) > k {
            i -= 1.0;
        }
        while start(i + 1.0) <= k {
            i += 1.0;
        }
        (i as u64, k - start(i), t0 * libm::pow(m, i))
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
        let t0 = check::nonzero("t0", self.t0)?;
        let m = check::at_least("t_mult", self.t_mult, 1.0)?;
        check::non_negative("eta_min", self.eta_min.to_f64())?;
        check::positive("peak_decay", self.peak_decay)?;
        if self.warmup >= t0 {
            return Err(Error::Order {
                low: "warmup",
                low_value: self.warmup as f64,
                high: "t0",
                high_value: t0 as f64 - 1.0,
            });
        }
        let int_mult = (m == libm::floor(m) && m <= u32::MAX as f64).then_some(m as u64);
        Ok(CosineRestarts {
            config: *self,
            int_mult,
        })
    }
}

impl<F: Real> Schedule<F> for CosineRestarts<F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        let c = &self.config;
        let (index, t_cur, t_i) = self.cycle(step);
        let peak = if c.peak_decay == 1.0 {
            c.lr
        } else {
            c.lr * F::from_f64(libm::pow(c.peak_decay, index as f64))
        };
        let eta = c.eta_min;
        let w = c.warmup as f64;
        if t_cur < w {
            return eta + (peak - eta) * F::from_f64(t_cur / w);
        }
        let (t_cur, t_i) = (t_cur - w, t_i - w);
        let two = F::one() + F::one();
        // PyTorch: eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
        let cos = (F::PI() * F::from_f64(t_cur) / F::from_f64(t_i)).cos();
        eta + (peak - eta) * (F::one() + cos) / two
    }

    fn total_steps(&self) -> Option<u64> {
        None
    }
}
