//! What a range test found: every sweep's losses and why it ended
//! ([`RangeTestResult`]), and with the suggestions of each
//! ([`RangeTestOutcome`]), as the adapters' runners return it.

use alloc::vec;
use alloc::vec::Vec;

use crate::real::Real;
use crate::suggest::Suggestions;

/// Why a sweep ended.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SweepStop<F> {
    /// Every learning rate was tried.
    Completed,
    /// The loss exceeded `threshold_multiplier × best` at `step`.
    Diverged {
        /// The sweep step (index into the learning rates).
        step: u64,
        /// The judged (possibly smoothed) loss.
        loss: F,
        /// The best loss before it.
        best: F,
    },
    /// The loss was NaN or infinite at `step`.
    NonFinite {
        /// The sweep step.
        step: u64,
    },
}

impl<F> SweepStop<F> {
    /// Whether the sweep stopped before the last learning rate.
    pub fn is_early(&self) -> bool {
        !matches!(self, SweepStop::Completed)
    }
}

/// One weight decay's sweep.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SweepResult<F> {
    /// The weight decay (`None` = the optimizer's own).
    pub weight_decay: Option<F>,
    /// Mean train loss per step; NaN where the sweep never got.
    pub train_loss: Vec<F>,
    /// Mean validation loss per step (empty without validation).
    pub val_loss: Vec<F>,
    /// The judged loss after smoothing (validation when configured).
    pub smoothed: Vec<F>,
    /// Why it ended.
    pub stop: SweepStop<F>,
}

impl<F: Real> SweepResult<F> {
    /// How many steps the sweep recorded, from the first: up to and
    /// including the step it stopped at, all of them when it completed,
    /// those with a judged loss while it is still running. The rest of its
    /// curves is NaN padding.
    pub fn recorded(&self) -> usize {
        match self.stop {
            SweepStop::Diverged { step, .. } | SweepStop::NonFinite { step } => {
                usize::try_from(step).map_or(usize::MAX, |s| s.saturating_add(1))
            }
            // Completed, or not over yet: no judged loss is NaN before the end.
            SweepStop::Completed => self
                .smoothed
                .iter()
                .rposition(|v| !v.is_nan())
                .map_or(0, |i| i + 1),
        }
        .min(self.smoothed.len())
    }
}

/// The whole test's result.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeTestResult<F> {
    /// The learning rates of the sweep.
    pub lrs: Vec<F>,
    /// One sweep per weight decay, in the order of `wd_list`.
    pub sweeps: Vec<SweepResult<F>>,
}

impl<F: Real> RangeTestResult<F> {
    /// Every suggestion for sweep `index` (in `wd_list` order), over its
    /// judged (smoothed, or validation when configured) losses, as fastai's
    /// `lr_find` and torch-lr-finder would make them on that curve. `None`
    /// for an index past the last sweep.
    ///
    /// Only the points the sweep recorded count ([`SweepResult::recorded`]),
    /// the stop included, as both references record them: a sweep that
    /// stopped early has its trimming (fastai's last 5 points,
    /// torch-lr-finder's `[10:-5]`) taken from where it stopped, not from
    /// the NaN padding after it. fastai's `num_it` is the steps asked for.
    pub fn suggestions(&self, index: usize) -> Option<Suggestions<F>> {
        let sweep = self.sweeps.get(index)?;
        let n = sweep.recorded().min(self.lrs.len());
        let mut scratch = vec![0usize; n];
        Some(Suggestions::compute(
            &self.lrs[..n],
            &sweep.smoothed[..n],
            self.lrs.len(),
            &mut scratch,
        ))
    }

    /// The Keras package's moving-window average (pandas `rolling(window,
    /// min_periods=1).mean()`, NaN skipped) of a loss curve.
    pub fn moving_average(values: &[F], window: usize) -> Vec<F> {
        moving_average(values, window)
    }
}

/// pandas' `rolling(window, min_periods=1).mean()`: the mean of the
/// non-NaN values among the last `window`, NaN when there are none.
pub fn moving_average<F: Real>(values: &[F], window: usize) -> Vec<F> {
    let window = window.max(1);
    (0..values.len())
        .map(|i| {
            let start = (i + 1).saturating_sub(window);
            let (sum, n) = values[start..=i]
                .iter()
                .filter(|v| !v.is_nan())
                .fold((0.0, 0u32), |(s, n), v| (s + Real::to_f64(*v), n + 1));
            if n == 0 {
                F::nan()
            } else {
                F::from_f64(sum / f64::from(n))
            }
        })
        .collect()
}

/// What a range test found, as the adapters' runners return it: the losses
/// of every sweep and, for each, the five suggestions (fastai's valley,
/// slide, minimum and steep and torch-lr-finder's steepest gradient) on its
/// judged curve.
///
/// ```
/// use clr_core::range_test::RangeTestOutcome;
/// use clr_core::{RangeTestResult, SweepResult, SweepStop};
///
/// let sweep = |smoothed: Vec<f64>| SweepResult {
///     weight_decay: None,
///     train_loss: smoothed.clone(),
///     val_loss: Vec::new(),
///     smoothed,
///     stop: SweepStop::Completed,
/// };
/// let result = RangeTestResult {
///     lrs: vec![0.001, 0.01, 0.1],
///     sweeps: vec![sweep(vec![1.0, 0.8, 0.9]), sweep(vec![1.0, 0.5, f64::NAN])],
/// };
/// let outcome = RangeTestOutcome::from(result);
/// assert_eq!(outcome.suggestions.len(), 2);
/// assert_eq!(outcome.best_sweep(), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RangeTestOutcome<F> {
    /// The learning rates and, per weight decay, the losses and why the sweep ended.
    pub result: RangeTestResult<F>,
    /// One entry per sweep, in `wd_list` order.
    pub suggestions: Vec<Suggestions<F>>,
}

impl<F: Real> RangeTestOutcome<F> {
    /// The outcome of `result`: every sweep's suggestions
    /// ([`RangeTestResult::suggestions`]).
    pub fn new(result: RangeTestResult<F>) -> Self {
        let suggestions = (0..result.sweeps.len())
            .filter_map(|i| result.suggestions(i))
            .collect();
        RangeTestOutcome {
            result,
            suggestions,
        }
    }

    /// The index of the sweep whose judged (smoothed, or validation) loss
    /// reached the lowest value: with a weight-decay grid, the weight decay
    /// to pick. `None` when no sweep has a finite loss.
    pub fn best_sweep(&self) -> Option<usize> {
        self.result
            .sweeps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.smoothed
                    .iter()
                    .map(|&v| Real::to_f64(v))
                    .filter(|v| v.is_finite())
                    .reduce(f64::min)
                    .map(|m| (i, m))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }
}

impl<F: Real> From<RangeTestResult<F>> for RangeTestOutcome<F> {
    fn from(result: RangeTestResult<F>) -> Self {
        RangeTestOutcome::new(result)
    }
}
