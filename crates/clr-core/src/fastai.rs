//! fastai 2.8's `Learner.fit_one_cycle(n_epoch, lr_max, div=25.,
//! div_final=1e5, pct_start=0.25, moms=(0.95, 0.85, 0.95))`:
//!
//! ```text
//! scheds = {'lr':  combined_cos(pct_start, lr_max/div, lr_max, lr_max/div_final),
//!           'mom': combined_cos(pct_start, *moms)}
//! combined_cos(pct, start, middle, end) =
//!     combine_scheds([pct, 1-pct], [SchedCos(start, middle), SchedCos(middle, end)])
//! ```
//!
//! evaluated before each batch at `pct_train`, which `TrainEvalCallback`
//! sets to `epoch/n_epoch` at each epoch's start and then adds
//! `1./(n_iter*n_epoch)` to after each batch: a running sum, whose
//! roundings [`combine_scheds`](Piecewise::by_fractions) sees once it
//! rounds the sum to float32 (in one epoch of a million batches about 60
//! positions differ there from `k/n`'s). This preset keeps that sum's bits.

use crate::anneal::Anneal;
use crate::error::{check, Error, Expected, Value};
use crate::hyper::{HyperSchedule, Hypers};
use crate::phase::{Piecewise, Span};
use crate::real::{step_f64, Real};

/// fastai's `Learner.fit_one_cycle`, bit for bit: `combined_cos(pct_start,
/// lr_max/div, lr_max, lr_max/div_final)` for the learning rate and
/// `combined_cos(pct_start, *moms)` for momentum, at `TrainEvalCallback`'s
/// running `pct_train` of each batch of `epochs` epochs (in a long epoch it
/// rounds to other float32 positions than `k/n`).
///
/// ```
/// use clr_core::{FitOneCycle, HyperSchedule};
///
/// let s = FitOneCycle::builder(1e-3_f64, 100).build()?;
/// assert!((s.hypers(25).lr - 1e-3).abs() < 1e-15); // peak at pct_start = 0.25
/// assert_eq!(s.hypers(0).momentum, Some(0.95));
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOneCycle<F> {
    config: FitOneCycleBuilder<F>,
    /// Built from `config` (so not written).
    lr: Piecewise<F>,
    momentum: Piecewise<F>,
    /// `1./(n_iter*n_epoch)`, what `pct_train` grows by after each batch.
    increment: f64,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(FitOneCycle, FitOneCycleBuilder, build);

/// Builder of [`FitOneCycle`] with fastai's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitOneCycleBuilder<F> {
    /// Peak learning rate.
    pub lr_max: F,
    /// Number of steps (`n_epoch × batches per epoch`).
    pub total_steps: u64,
    /// Start at `lr_max / div` (default 25).
    pub div: F,
    /// End at `lr_max / div_final` (default 1e5).
    pub div_final: F,
    /// Share of the warm-up (default 0.25).
    pub pct_start: f64,
    /// Momentum at the start, the peak and the end (default 0.95, 0.85, 0.95).
    pub moms: (F, F, F),
    /// fastai's `n_epoch`, which divides `total_steps` (default 1): each
    /// epoch's position starts again at `epoch / n_epoch`.
    pub epochs: u64,
}

impl<F: Real> FitOneCycle<F> {
    /// A builder with fastai's defaults for a run of `total_steps` batches
    /// in one epoch.
    pub fn builder(lr_max: F, total_steps: u64) -> FitOneCycleBuilder<F> {
        FitOneCycleBuilder {
            lr_max,
            total_steps,
            div: F::from_f64(25.0),
            div_final: F::from_f64(1e5),
            pct_start: 0.25,
            moms: (F::from_f64(0.95), F::from_f64(0.85), F::from_f64(0.95)),
            epochs: 1,
        }
    }
}

impl<F: Real> FitOneCycleBuilder<F> {
    /// Sets `div`.
    #[allow(clippy::should_implement_trait)] // fastai's parameter name
    pub fn div(mut self, div: F) -> Self {
        self.div = div;
        self
    }

    /// Sets `div_final`.
    pub fn div_final(mut self, div_final: F) -> Self {
        self.div_final = div_final;
        self
    }

    /// Sets `pct_start`, in `[0, 1]`.
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }

    /// Sets `moms`, any finite values `>= 0`: the momentum at the start
    /// first, as in every preset (`OneCycleLr::momentum_range`,
    /// `KerasOneCycle::momentum_range`).
    pub fn moms(mut self, start: F, middle: F, end: F) -> Self {
        self.moms = (start, middle, end);
        self
    }

    /// Sets `n_epoch`: the run is `epochs` epochs of `total_steps / epochs`
    /// batches.
    pub fn epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<FitOneCycle<F>, Error> {
        let n = check::nonzero("total_steps", self.total_steps)?.get();
        let epochs = check::nonzero("epochs", self.epochs)?.get();
        if n % epochs != 0 {
            return Err(Error::Invalid {
                param: "epochs",
                value: Value::Int(epochs),
                expected: Expected::DivisorOf(n),
            });
        }
        check::positive("lr_max", self.lr_max.to_f64())?;
        check::positive("div", self.div.to_f64())?;
        check::positive("div_final", self.div_final.to_f64())?;
        let pct = check::unit("pct_start", self.pct_start)?;
        let (m0, m1, m2) = self.moms;
        check::non_negative("moms.0", m0.to_f64())?;
        check::non_negative("moms.1", m1.to_f64())?;
        check::non_negative("moms.2", m2.to_f64())?;
        let (start, end) = (self.lr_max / self.div, self.lr_max / self.div_final);
        check::quotient("div", self.div.to_f64(), start.to_f64())?;
        check::quotient("div_final", self.div_final.to_f64(), end.to_f64())?;
        Ok(FitOneCycle {
            config: *self,
            lr: combined_cos(n, pct, start, self.lr_max, end)?,
            momentum: combined_cos(n, pct, m0, m1, m2)?,
            increment: 1.0 / n as f64,
        })
    }
}

/// fastai's `combined_cos(pct, start, middle, end)` over `total_steps`
/// steps, step `k` at position `k / total_steps`.
pub fn combined_cos<F: Real>(
    total_steps: u64,
    pct: f64,
    start: F,
    middle: F,
    end: F,
) -> Result<Piecewise<F>, Error> {
    Piecewise::by_fractions(
        total_steps,
        &[
            Span::new(pct, start, middle, Anneal::Cos),
            Span::new(1.0 - pct, middle, end, Anneal::Cos),
        ],
    )
}

impl<F: Real> FitOneCycle<F> {
    /// fastai's `pct_train` at `step`, rounded to float32 as
    /// `combine_scheds` rounds it. The running sum is within half an ulp
    /// of 1 per addition of `start + batch·d`: where both ends of that
    /// margin round to one float32, so does the sum; elsewhere (under 1% of
    /// the batches of a long epoch) it is summed as fastai sums it.
    fn position(&self, step: u64) -> f32 {
        let (n, epochs) = (self.config.total_steps, self.config.epochs);
        let step = step.min(n - 1);
        let (start, batch) = match epochs {
            1 => (0.0, step),
            _ => {
                let batches = n / epochs;
                let epoch = step / batches;
                (epoch as f64 / epochs as f64, step % batches)
            }
        };
        let d = self.increment;
        let batch_f64 = step_f64(batch);
        let guess = start + batch_f64 * d;
        let margin = (batch_f64 + 2.0) * f64::EPSILON;
        let (low, high) = ((guess - margin) as f32, (guess + margin) as f32);
        if low == high {
            low
        } else {
            running_sum(start, d, batch) as f32
        }
    }
}

/// `start` with `d > 0` added `count` times, each sum rounded, in a few
/// additions per binade (the numbers between two powers of two, a grid of
/// spacing `u`): there each sum adds the same multiple of `u` once two in
/// a row do (the multiple of `u` nearest `d`, ties settling on an even
/// sum), so a run of sums is one exact multiplication.
fn running_sum(mut s: f64, d: f64, mut count: u64) -> f64 {
    while count > 0 {
        s += d;
        count -= 1;
        if count == 0 || s <= d {
            continue;
        }
        // Exact differences: the sums are between s and 2s (Sterbenz).
        let step = (s + d) - s;
        if step == 0.0 {
            // `d` is lost in the rounding, now and from here on.
            return s;
        }
        if (s + step + d) - (s + step) != step {
            continue;
        }
        let low = f64::from_bits(s.to_bits() & 0xFFF0_0000_0000_0000);
        let u = low * f64::EPSILON;
        // The j-th sum from here adds `step` while it stays on this grid:
        // s + j·step + d <= 2·low - u. In units of u, all whole numbers
        // below 2^53 (exact), but `d`.
        let room = (2.0 * low - u - s) / u - libm::ceil(d / u);
        if room < 0.0 {
            continue;
        }
        let runs = (room as u64) / ((step / u) as u64) + 1;
        let k = runs.min(count);
        s += k as f64 * step;
        count -= k;
    }
    s
}

impl<F: Real> HyperSchedule<F> for FitOneCycle<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        // Both cosines on the same fractions: one lookup and one cosine
        // serve both.
        let (i, actual) = self.lr.combine(self.position(step));
        let wave = self.lr.fastai_wave(i, actual);
        Hypers {
            lr: self.lr.fastai_at(i, wave),
            momentum: Some(self.momentum.fastai_at(i, wave)),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fastai's loop, one addition at a time.
    fn summed(start: f64, d: f64, count: u64) -> f64 {
        (0..count).fold(start, |s, _| s + d)
    }

    #[test]
    fn running_sums_are_the_loops() {
        let cases = [
            (0.0, 1.0 / 1e6, 1_000_000),
            (0.0, 1.0 / 999_983.0, 999_983),
            (0.0, 1.0 / 3.0, 3),
            (0.5, 1.0 / 2e6, 1_000_000),
            (2.0 / 3.0, 1.0 / 3e5, 100_000),
            (0.0, 0.125, 8),
            // Ties: d is half the grid's spacing in the upper binades.
            (0.0, 1.0 / (1u64 << 53) as f64, 100_000),
            (0.75, 1.0 / (1u64 << 54) as f64, 1000),
            (0.0, 1.0 / 7e6, 7_000_000),
        ];
        for (start, d, n) in cases {
            let mut s = start;
            for count in 0..=n {
                if count % 9973 == 0 || count < 50 || n - count < 50 {
                    assert_eq!(
                        running_sum(start, d, count).to_bits(),
                        s.to_bits(),
                        "{start} {d} {count}"
                    );
                }
                s += d;
            }
            assert_eq!(running_sum(start, d, n), summed(start, d, n));
        }
    }

    /// The positions of a long epoch are fastai's to the float32 bit, the
    /// ~60 where the running sum rounds other than `k/n` included.
    #[test]
    fn positions_are_the_running_sums() {
        for (n, epochs) in [(1_000_000, 1), (999_983, 1), (300_000, 3), (7, 7)] {
            let s = FitOneCycle::builder(1e-3_f64, n)
                .epochs(epochs)
                .build()
                .unwrap();
            let (batches, d) = (n / epochs, 1.0 / n as f64);
            let mut differ = 0;
            let mut sum = 0.0;
            for k in 0..n {
                if k % batches == 0 {
                    sum = (k / batches) as f64 / epochs as f64;
                }
                let want = sum as f32;
                assert_eq!(s.position(k).to_bits(), want.to_bits(), "{n} {k}");
                differ += usize::from(want != (k as f64 / n as f64) as f32);
                sum += d;
            }
            if n == 1_000_000 {
                assert!(differ > 10, "{differ}");
            }
        }
    }
}
