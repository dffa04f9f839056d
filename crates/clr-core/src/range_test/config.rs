//! [`RangeTestConfig`]: a range test's parameters, with presets that mirror
//! the defaults of the Keras package's `LrRangeTest`, fastai's `lr_find` and
//! torch-lr-finder's `range_test`, and their validation.

use alloc::vec::Vec;

use super::smoothing::Smoothing;
use crate::error::{check, Comparison, Error};
use crate::real::Real;
use crate::sweep::{LrSweep, SweepMode};

/// The range test's parameters, with the Keras package's names and
/// defaults ([`keras`](Self::keras)); [`fastai`](Self::fastai) and
/// [`torch_lr_finder`](Self::torch_lr_finder) mirror the other tools'.
/// Checked when a [`RangeTest`](super::RangeTest) is built from it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeTestConfig<F> {
    /// Lowest and highest learning rate (default `(1e-5, 10)`): both finite
    /// and `> 0`, the first below the second (the sweep rises, as every
    /// suggestion method assumes).
    pub lr_range: (F, F),
    /// Learning rates in the sweep (default 100).
    pub steps: u64,
    /// Optimizer steps averaged per learning rate (default 5).
    pub batches_per_step: u64,
    /// `Some(m)`: a sweep stops when its judged loss exceeds `m` × the best
    /// judged loss so far (default 5); `m` is finite, at least 1 and at most
    /// 1e100. `None`: no divergence stop. Either way a sweep ends at its
    /// first non-finite loss.
    pub threshold_multiplier: Option<F>,
    /// One sweep per weight decay; empty = one sweep at the optimizer's own
    /// (default empty).
    pub wd_list: Vec<F>,
    /// `Some(n)`: evaluate `n` validation batches after every step and judge
    /// divergence on the validation loss (the Keras package's `batches_per_val`, 10).
    pub validation_batches: Option<u64>,
    /// Exponential (default) or linear spacing.
    pub mode: SweepMode,
    /// Loss smoothing (default none, as the Keras package).
    pub smoothing: Smoothing,
    /// Micro-batches whose gradients make one optimizer step (default 1).
    pub accumulation_steps: u64,
}

impl<F: Real> Default for RangeTestConfig<F> {
    /// [`RangeTestConfig::keras`].
    fn default() -> Self {
        Self::keras()
    }
}

impl<F: Real> RangeTestConfig<F> {
    /// The Keras package's `LrRangeTest()`: 100 learning rates from 1e-5 to
    /// 10, evenly in `log10`, each the mean of 5 batches, raw losses, a
    /// sweep stopped when a step's loss exceeds 5 × the best.
    pub fn keras() -> Self {
        RangeTestConfig {
            lr_range: (F::from_f64(1e-5), F::from_f64(10.0)),
            steps: 100,
            batches_per_step: 5,
            threshold_multiplier: Some(F::from_f64(5.0)),
            wd_list: Vec::new(),
            validation_batches: None,
            mode: SweepMode::Exp,
            smoothing: Smoothing::None,
            accumulation_steps: 1,
        }
    }

    /// fastai's `Learner.lr_find()`: 100 batches, one per learning rate,
    /// at `1e-7 · (10 / 1e-7)^(i/100)` for batch `i` (so the last is
    /// `10^0.92`, about 8.32: fastai never reaches its `end_lr`), losses
    /// smoothed by its debiased moving average ([`Smoothing::FASTAI`]),
    /// stopped when the smoothed loss exceeds 4 × the best (`stop_div`).
    pub fn fastai() -> Self {
        let (start, end, num_it) = (1e-7_f64, 10.0_f64, 100);
        let last = (num_it - 1) as f64 / num_it as f64;
        RangeTestConfig {
            lr_range: (
                F::from_f64(start),
                F::from_f64(start * Real::powf(end / start, last)),
            ),
            steps: num_it,
            batches_per_step: 1,
            threshold_multiplier: Some(F::from_f64(4.0)),
            smoothing: Smoothing::FASTAI,
            ..Self::keras()
        }
    }

    /// torch-lr-finder's `LRFinder.range_test(train_loader)` from the
    /// optimizer's learning rate `start_lr` (its `start_lr=None`): 100
    /// learning rates up to 10 (`end_lr`), evenly in `log10`, one batch
    /// each, losses smoothed with `smooth_f = 0.05`
    /// ([`Smoothing::TORCH_LR_FINDER`]), stopped when the smoothed loss
    /// exceeds 5 × the best (`diverge_th`).
    pub fn torch_lr_finder(start_lr: F) -> Self {
        RangeTestConfig {
            lr_range: (start_lr, F::from_f64(10.0)),
            steps: 100,
            batches_per_step: 1,
            threshold_multiplier: Some(F::from_f64(5.0)),
            smoothing: Smoothing::TORCH_LR_FINDER,
            ..Self::keras()
        }
    }

    /// The Keras package's `find_n_epoch`: epochs a fit must run for the whole grid,
    /// `ceil(steps × batches_per_step × accumulation / batches_per_epoch) × n_wd`.
    pub fn n_epochs(&self, batches_per_epoch: u64) -> Result<u64, Error> {
        let bpe = check::nonzero("batches_per_epoch", batches_per_epoch)?;
        let batches = self
            .steps
            .checked_mul(self.batches_per_step)
            .and_then(|b| b.checked_mul(self.accumulation_steps))
            .ok_or(Error::Overflow { param: "steps" })?;
        let n_wd = self.wd_list.len().max(1) as u64;
        batches
            .div_ceil(bpe.get())
            .checked_mul(n_wd)
            .ok_or(Error::Overflow { param: "wd_list" })
    }

    /// The micro-batches the whole grid trains at most (`steps ×
    /// batches_per_step × accumulation_steps` per sweep, one sweep per
    /// weight decay of `wd_list` or one without it), saturating: the length
    /// of an adapter's progress bar.
    pub fn micro_batches(&self) -> u64 {
        let sweeps = self.wd_list.len().max(1) as u64;
        self.steps
            .saturating_mul(self.batches_per_step)
            .saturating_mul(self.accumulation_steps)
            .saturating_mul(sweeps)
    }

    /// The learning rates a sweep tries (`lr_range`, `steps`, `mode`),
    /// checked: a valid [`LrSweep`] whose rates rise, since every
    /// suggestion method reads the curve that way.
    pub fn sweep(&self) -> Result<LrSweep<F>, Error> {
        let sweep = LrSweep::new(self.lr_range, self.steps, self.mode)?;
        let (lo, hi) = (self.lr_range.0.to_f64(), self.lr_range.1.to_f64());
        if lo >= hi {
            return Err(Error::Compare {
                param: "lr_range.0",
                value: lo,
                other: "lr_range.1",
                other_value: hi,
                must: Comparison::Below,
            });
        }
        Ok(sweep)
    }

    pub(super) fn validate(&self) -> Result<LrSweep<F>, Error> {
        let sweep = self.sweep()?;
        check::nonzero("batches_per_step", self.batches_per_step)?;
        if let Some(m) = self.threshold_multiplier {
            check::at_least("threshold_multiplier", m.to_f64(), 1.0)?;
        }
        for wd in &self.wd_list {
            check::non_negative("wd_list", Real::to_f64(*wd))?;
        }
        if let Some(n) = self.validation_batches {
            check::nonzero("validation_batches", n)?;
        }
        self.smoothing.validate()?;
        check::nonzero("accumulation_steps", self.accumulation_steps)?;
        Ok(sweep)
    }
}
