//! Learning-rate suggestions from a range-test curve, computed exactly as
//! fastai's `Learner.lr_find` and torch-lr-finder's `LRFinder.plot` do.
//!
//! A range test records one learning rate and one loss per step (`lrs`,
//! `losses`). The functions here turn such a curve into a suggested learning
//! rate. There are two layers:
//!
//! - **Raw methods** on an already prepared curve, computed in the curve's own
//!   precision `F`: [`valley`], [`slide`], [`minimum`], [`steep`] (fastai's
//!   suggestion functions from `fastai/callback/schedule.py`) and
//!   [`gradient`] (torch-lr-finder's "steepest gradient"). They look at every
//!   point they are given.
//! - **Reference pipelines** that first trim the curve the way the library
//!   does and reproduce its number types: [`fastai`] (`lrs[num_it//10:-5]`,
//!   cut before the first NaN loss, float32 tensors) and [`torch_lr_finder`]
//!   (`lrs[10:-5]`, float64, no NaN handling). [`Suggestions::compute`] runs
//!   all five pipelines at once (what `clr suggest` prints).
//!
//! ```
//! use clr_core::suggest::{self, Suggestions};
//!
//! // A synthetic range test: flat, then a valley around 1e-3..1e-2, then divergence.
//! const N: usize = 100;
//! let mut lrs = [0.0_f64; N];
//! let mut losses = [0.0_f64; N];
//! for i in 0..N {
//!     lrs[i] = 1e-7 * 10f64.powf(8.0 * i as f64 / N as f64); // fastai: 1e-7 .. 10
//!     let x = lrs[i].log10();
//!     losses[i] = 2.0 - 1.5 / (1.0 + (-3.0 * (x + 4.0)).exp()) + (4.0 * (x + 1.0)).exp();
//! }
//!
//! // The raw methods see the whole curve ...
//! let lr = suggest::minimum(&lrs, &losses).unwrap();
//! assert!(lrs.iter().any(|&l| l / 10.0 == lr));
//!
//! // ... the pipelines trim it first, as `learn.lr_find()` and `lr_finder.plot()` do.
//! let mut scratch = [0_usize; N]; // valley's dynamic-programming table
//! let s = Suggestions::compute(&lrs, &losses, N, &mut scratch);
//! for (method, lr) in s.iter() {
//!     let lr = lr.unwrap();
//!     assert!(lr > 1e-7 && lr < 10.0, "{method}: {lr}");
//! }
//! assert_eq!(s.valley, suggest::fastai::valley(&lrs, &losses, N, &mut scratch));
//! ```
//!
//! # Conventions shared by every function
//! - `lrs` and `losses` should have the same length; when they do not, only
//!   the first `min(lrs.len(), losses.len())` points are used (as Python's
//!   `zip` would).
//! - `None` means the reference raises (an `IndexError` or `ValueError` for
//!   too few points) or, for [`valley`], that `scratch` is too short. Nothing
//!   here panics, whatever the input: NaN, ±inf, empty slices, one point,
//!   constant losses, zero or negative learning rates.
//! - NaN is handled as the reference handles it: comparisons with NaN are
//!   false (`valley`, `slide`), and `argmin` returns the first NaN when there
//!   is one (`torch.argmin` and `np.argmin` both do; `minimum`, `steep`,
//!   `gradient`).
//! - A returned learning rate is always one of the input learning rates
//!   (divided by 10 for [`minimum`], times `adjust_value` for [`slide`]); the
//!   [`fastai`] pipeline returns it rounded to `f32` first, as fastai does.
//! - `steep` needs `ln(lr)`; it is computed as `libm::log` in `f64` and
//!   rounded to `F` (for `f32`, this is the correctly rounded `logf` that
//!   torch's float32 `log` returns on every learning rate of the fixtures).

use crate::real::Real;

/// fastai's default `lr_diff` for [`slide`]: the gap, in points, between the
/// two gradients compared.
pub const SLIDE_LR_DIFF: usize = 15;
/// fastai's default `thresh` for [`slide`].
pub const SLIDE_THRESH: f64 = 0.005;
/// fastai's default `adjust_value` for [`slide`].
pub const SLIDE_ADJUST_VALUE: f64 = 1.0;

// ---------------------------------------------------------------------------
// Index kernels, generic over the arithmetic type and reading through closures
// so that the fastai pipeline can compute in f32 without copying the curve.
// ---------------------------------------------------------------------------

/// Python's `seq[idx]` for a possibly negative `idx` on a sequence of `n`.
fn py_index(idx: isize, n: usize) -> Option<usize> {
    if idx >= 0 {
        let i = idx.unsigned_abs();
        (i < n).then_some(i)
    } else {
        n.checked_sub(idx.unsigned_abs())
    }
}

/// `argmin` as `torch.argmin` / `np.argmin` compute it: the first NaN if
/// there is one, else the first occurrence of the minimum.
fn argmin_first_nan<T: Real>(n: usize, v: impl Fn(usize) -> T) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let mut best = 0;
    let mut best_value = v(0);
    if best_value.is_nan() {
        return Some(0);
    }
    for i in 1..n {
        let x = v(i);
        if x.is_nan() {
            return Some(i);
        }
        if x < best_value {
            best = i;
            best_value = x;
        }
    }
    Some(best)
}

/// `np.gradient(f)[k]` with unit spacing and `edge_order=1`, for `n >= 2`:
/// `(f[k+1] - f[k-1]) / 2` inside, one-sided differences at both ends.
fn np_gradient_at<T: Real>(f: &impl Fn(usize) -> T, n: usize, k: usize) -> T {
    if k == 0 {
        f(1) - f(0)
    } else if k + 1 == n {
        f(n - 1) - f(n - 2)
    } else {
        (f(k + 1) - f(k - 1)) / (T::one() + T::one())
    }
}

/// fastai `valley`: the index of the suggested point.
fn valley_index<T: Real>(
    n: usize,
    loss: impl Fn(usize) -> T,
    scratch: &mut [usize],
) -> Option<usize> {
    if n == 0 {
        return None; // `lrs[0]` on an empty tensor: IndexError
    }
    let lds = scratch.get_mut(..n)?;
    lds.fill(1);
    let (mut max_start, mut max_end): (isize, usize) = (0, 0);
    for i in 1..n {
        let loss_i = loss(i);
        for j in 0..i {
            if loss_i < loss(j) && lds[i] < lds[j] + 1 {
                lds[i] = lds[j] + 1;
            }
            // Inside the `j` loop, as in fastai.
            if lds[max_end] < lds[i] {
                max_end = i;
                max_start = i as isize - lds[i] as isize;
            }
        }
    }
    // sections = (max_end - max_start) / 3
    // idx = max_start + int(sections) + int(sections/2)
    let span = (max_end as isize - max_start).unsigned_abs();
    let idx = max_start + (span / 3 + span / 6) as isize;
    py_index(idx, n) // max_start can be -1, and idx then -1: the last point
}

/// fastai `slide`: the index of `local_min_lr`.
fn slide_index<T: Real>(
    n: usize,
    loss: impl Fn(usize) -> T,
    lr_diff: usize,
    thresh: T,
) -> Option<usize> {
    // np.gradient raises for n < 2; `lrs[-1 - lr_diff]` raises for lr_diff >= n.
    if n < 2 || lr_diff >= n {
        return None;
    }
    let grad = |k: usize| np_gradient_at(&loss, n, k);
    // r_idx = -1 and l_idx = r_idx - lr_diff, as non-negative indices.
    let (mut r, mut l) = (n - 1, n - 1 - lr_diff);
    let mut local_min = l;
    // while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh)
    while (grad(r) - grad(l)).abs() > thresh {
        local_min = l;
        if l == 0 {
            break; // the next l_idx is -len - 1
        }
        r -= 1;
        l -= 1;
    }
    Some(local_min)
}

/// fastai `steep`: the left index of the steepest pair.
fn steep_index<T: Real>(
    n: usize,
    log_lr: impl Fn(usize) -> T,
    loss: impl Fn(usize) -> T,
) -> Option<usize> {
    // grads = (losses[1:]-losses[:-1]) / (lrs[1:].log()-lrs[:-1].log())
    let m = n.checked_sub(1)?;
    argmin_first_nan(m, |k| (loss(k + 1) - loss(k)) / (log_lr(k + 1) - log_lr(k)))
}

/// torch-lr-finder: `np.gradient(np.array(losses)).argmin()`.
fn gradient_index<T: Real>(n: usize, loss: impl Fn(usize) -> T) -> Option<usize> {
    if n < 2 {
        return None; // np.gradient: ValueError, caught by plot()
    }
    argmin_first_nan(n, |k| np_gradient_at(&loss, n, k))
}

/// `ln(x)` as `libm::log` in `f64`, rounded to `T`.
fn ln<T: Real>(x: T) -> T {
    T::from_f64(libm::log(x.to_f64()))
}

fn common_len<F>(lrs: &[F], losses: &[F]) -> usize {
    lrs.len().min(losses.len())
}

// ---------------------------------------------------------------------------
// Raw methods
// ---------------------------------------------------------------------------

/// fastai's `valley` (`fastai/callback/schedule.py`) on a prepared curve:
/// the learning rate about halfway along the longest valley.
///
/// Transcribed line for line: `lds[i]` is the length of the longest strictly
/// decreasing run of losses (a subsequence, by an O(n²) dynamic program) that
/// ends at point `i`; the longest one found spans `max_start..max_end`, and
/// the suggestion is `lrs[max_start + ⌊s⌋ + ⌊s/2⌋]` with `s = (max_end -
/// max_start) / 3` (about halfway along). fastai sets `max_start = max_end -
/// lds[max_end]`, one point before the valley starts, so it is `-1` for a
/// valley starting at the first point; when such a valley is only 2 points
/// long the index is `-1`, which Python reads as the **last** point: kept.
/// (fastai also updates `max_end` inside the inner loop; that cannot change
/// the result, since `lds[i]` can only exceed the best length so far by one.)
///
/// `scratch` holds the table and needs at least `min(lrs.len(),
/// losses.len())` entries; `None` when it is shorter or the curve is empty.
/// One point is enough (the suggestion is then that point).
pub fn valley<F: Real>(lrs: &[F], losses: &[F], scratch: &mut [usize]) -> Option<F> {
    let n = common_len(lrs, losses);
    valley_index(n, |i| losses[i], scratch).map(|i| lrs[i])
}

/// fastai's `slide` with its defaults (`lr_diff=15, thresh=.005,
/// adjust_value=1.`) on a prepared curve; see [`slide_with`].
pub fn slide<F: Real>(lrs: &[F], losses: &[F]) -> Option<F> {
    slide_with(
        lrs,
        losses,
        SLIDE_LR_DIFF,
        F::from_f64(SLIDE_THRESH),
        F::from_f64(SLIDE_ADJUST_VALUE),
    )
}

/// fastai's `slide` (`fastai/callback/schedule.py`), the "interval slide
/// rule", on a prepared curve.
///
/// `loss_grad = np.gradient(losses)` (unit spacing: the index, not the
/// learning rate). Starting from the right end, with `r` the last point and
/// `l = r - lr_diff`, while `|loss_grad[r] - loss_grad[l]| > thresh` it
/// records `lrs[l]` and moves both one point left (until `l` passes the first
/// point). The suggestion is the last recorded `lrs[l]` (initially
/// `lrs[-1 - lr_diff]`) times `adjust_value`. Arithmetic is in `F`.
///
/// `None` when there are fewer than 2 points (`np.gradient` raises) or not
/// more than `lr_diff` (`lrs[-1 - lr_diff]` raises). A NaN gradient
/// difference stops the slide (the comparison is false).
pub fn slide_with<F: Real>(
    lrs: &[F],
    losses: &[F],
    lr_diff: usize,
    thresh: F,
    adjust_value: F,
) -> Option<F> {
    let n = common_len(lrs, losses);
    slide_index(n, |i| losses[i], lr_diff, thresh).map(|i| lrs[i] * adjust_value)
}

/// fastai's `minimum` (`fastai/callback/schedule.py`) on a prepared curve:
/// `lrs[losses.argmin()] / 10`.
///
/// `argmin` is `torch.argmin`'s: the first minimum, or the first NaN if a
/// loss is NaN. `None` for an empty curve.
pub fn minimum<F: Real>(lrs: &[F], losses: &[F]) -> Option<F> {
    let n = common_len(lrs, losses);
    argmin_first_nan(n, |i| losses[i]).map(|i| lrs[i] / F::from_f64(10.0))
}

/// fastai's `steep` (`fastai/callback/schedule.py`) on a prepared curve: the
/// learning rate where the loss falls fastest against `ln(lr)`.
///
/// `grads[k] = (losses[k+1] - losses[k]) / (ln lrs[k+1] - ln lrs[k])`; the
/// suggestion is `lrs[grads.argmin()]`, the **left** point of the steepest
/// pair (`torch.argmin`: first minimum, or first NaN). Learning rates <= 0 or
/// repeated give NaN or infinite slopes, as in torch. `None` for fewer than
/// 2 points.
pub fn steep<F: Real>(lrs: &[F], losses: &[F]) -> Option<F> {
    let n = common_len(lrs, losses);
    steep_index(n, |i| ln(lrs[i]), |i| losses[i]).map(|i| lrs[i])
}

/// torch-lr-finder's steepest-gradient suggestion
/// (`torch_lr_finder/lr_finder.py`, `LRFinder.plot(suggest_lr=True)`) on a
/// prepared curve: `lrs[np.gradient(np.array(losses)).argmin()]`.
///
/// `np.gradient` is called without spacing, so the gradient is per point
/// (central differences `(l[k+1] - l[k-1]) / 2` inside, one-sided at both
/// ends), not per learning rate. `np.argmin` returns the first minimum, or
/// the first NaN. `None` for fewer than 2 points (`np.gradient` raises a
/// `ValueError`, which `plot` catches).
pub fn gradient<F: Real>(lrs: &[F], losses: &[F]) -> Option<F> {
    let n = common_len(lrs, losses);
    gradient_index(n, |i| losses[i]).map(|i| lrs[i])
}

// ---------------------------------------------------------------------------
// Reference pipelines
// ---------------------------------------------------------------------------

/// fastai's `Learner.lr_find` suggestions (`fastai/callback/schedule.py`),
/// trimming and number types included.
///
/// After the range test, `lr_find` does
///
/// ```python
/// lrs, losses = tensor(self.recorder.lrs[num_it//10:-5]), tensor(self.recorder.losses[num_it//10:-5])
/// nan_idxs = torch.nonzero(torch.isnan(losses.view(-1)))
/// if len(nan_idxs) > 0:
///     drop_idx = min(nan_idxs)
///     lrs = lrs[:drop_idx]
///     losses = losses[:drop_idx]
/// ... func(lrs, losses, num_it) for func in suggest_funcs
/// ```
///
/// so, in this order: the first `num_it / 10` points are dropped, where
/// `num_it` is the number of iterations **asked for** (`lr_find`'s argument,
/// default 100), not the number recorded (a run stopped early by `stop_div`
/// records fewer); the last 5 recorded points are dropped; then the curve is
/// cut before its first **NaN** loss (infinite losses are kept). See
/// [`fastai::window`].
///
/// fastai's `tensor()` turns both lists into **float32** tensors, and the
/// suggestion functions compute on them: every function here rounds the
/// inputs to `f32`, computes in `f32` as torch/numpy do, and returns the
/// `f32` learning rate converted back with `float()` (then `/ 10` or
/// `* adjust_value` in `f64`), as fastai does. With `F = f64` the results are
/// therefore `f32`-rounded learning rates, exactly what fastai returns.
pub mod fastai {
    use super::{argmin_first_nan, common_len, ln, slide_index, steep_index, valley_index};
    use super::{SLIDE_ADJUST_VALUE, SLIDE_LR_DIFF, SLIDE_THRESH};
    use crate::real::Real;
    use core::ops::Range;

    /// Points `lr_find` drops at the end of the recorded curve (`[...:-5]`).
    pub const SKIP_END: usize = 5;
    /// `lr_find`'s default `num_it`.
    pub const NUM_IT: usize = 100;

    /// The points `lr_find` passes to its suggestion functions: the range
    /// `num_it/10 .. len-5` (empty when that is empty, as Python slicing
    /// gives), then cut before the first NaN loss.
    pub fn window<F: Real>(lrs: &[F], losses: &[F], num_it: usize) -> Range<usize> {
        let n = common_len(lrs, losses);
        let end = n.saturating_sub(SKIP_END);
        let start = (num_it / 10).min(end);
        let cut = losses[start..end]
            .iter()
            .position(|l| l.is_nan())
            .map_or(end, |p| start + p);
        start..cut
    }

    /// The window as `f32` accessors (fastai's `tensor()`: float64 -> float32).
    fn f32_view<'a, F: Real>(
        lrs: &'a [F],
        losses: &'a [F],
        num_it: usize,
    ) -> (
        usize,
        impl Fn(usize) -> f32 + 'a,
        impl Fn(usize) -> f32 + 'a,
    ) {
        let w = window(lrs, losses, num_it);
        let off = w.start;
        (
            w.len(),
            move |i: usize| lrs[off + i].to_f64() as f32,
            move |i: usize| losses[off + i].to_f64() as f32,
        )
    }

    /// `learn.lr_find(num_it=num_it, suggest_funcs=(valley,))`: fastai's
    /// `valley` ([`super::valley`]) on the [`window`], in `f32`.
    ///
    /// `scratch` needs at least as many entries as the window has points
    /// (`lrs.len()` always suffices); `None` when shorter or the window is
    /// empty.
    pub fn valley<F: Real>(
        lrs: &[F],
        losses: &[F],
        num_it: usize,
        scratch: &mut [usize],
    ) -> Option<F> {
        let (n, lr, loss) = f32_view(lrs, losses, num_it);
        valley_index(n, loss, scratch).map(|i| F::from_f64(f64::from(lr(i))))
    }

    /// `learn.lr_find(num_it=num_it, suggest_funcs=(slide,))`: fastai's
    /// `slide` with its defaults on the [`window`]; see [`slide_with`].
    pub fn slide<F: Real>(lrs: &[F], losses: &[F], num_it: usize) -> Option<F> {
        slide_with(
            lrs,
            losses,
            num_it,
            SLIDE_LR_DIFF,
            SLIDE_THRESH,
            SLIDE_ADJUST_VALUE,
        )
    }

    /// fastai's `slide` ([`super::slide_with`]) with explicit parameters on
    /// the [`window`].
    ///
    /// `slide` runs `np.gradient` on `to_np(losses)`, a float32 array, so the
    /// gradients and their differences are `f32`; `abs(d) > thresh` compares a
    /// numpy float32 scalar with a Python float, which numpy >= 2 (NEP 50)
    /// does in float32: `thresh` is rounded to `f32` here too (for the default
    /// 0.005 numpy 1.x's float64 comparison gives the same answers). The
    /// result is `float(lrs[idx]) * adjust_value` in `f64`.
    pub fn slide_with<F: Real>(
        lrs: &[F],
        losses: &[F],
        num_it: usize,
        lr_diff: usize,
        thresh: f64,
        adjust_value: f64,
    ) -> Option<F> {
        let (n, lr, loss) = f32_view(lrs, losses, num_it);
        slide_index(n, loss, lr_diff, thresh as f32)
            .map(|i| F::from_f64(f64::from(lr(i)) * adjust_value))
    }

    /// `learn.lr_find(num_it=num_it, suggest_funcs=(minimum,))`: fastai's
    /// `minimum` ([`super::minimum`]) on the [`window`]:
    /// `lrs[losses.argmin()].item() / 10`, the `f32` learning rate divided by
    /// 10 in `f64`.
    pub fn minimum<F: Real>(lrs: &[F], losses: &[F], num_it: usize) -> Option<F> {
        let (n, lr, loss) = f32_view(lrs, losses, num_it);
        argmin_first_nan(n, loss).map(|i| F::from_f64(f64::from(lr(i)) / 10.0))
    }

    /// `learn.lr_find(num_it=num_it, suggest_funcs=(steep,))`: fastai's
    /// `steep` ([`super::steep`]) on the [`window`], with float32 `log`,
    /// differences and quotients.
    pub fn steep<F: Real>(lrs: &[F], losses: &[F], num_it: usize) -> Option<F> {
        let (n, lr, loss) = f32_view(lrs, losses, num_it);
        steep_index(n, |i| ln(lr(i)), loss).map(|i| F::from_f64(f64::from(lr(i))))
    }
}

/// torch-lr-finder's suggestion (`torch_lr_finder/lr_finder.py`,
/// `LRFinder.plot(skip_start=10, skip_end=5, suggest_lr=True)`), trimming
/// included.
///
/// `plot` slices the history, `lrs[skip_start:-skip_end]` (or
/// `lrs[skip_start:]` when `skip_end == 0`), and returns
/// `lrs[np.gradient(np.array(losses)).argmin()]`. The history is made of
/// Python floats, so everything is `f64`. There is **no** NaN handling: a NaN
/// loss inside the window makes `np.argmin` return the first NaN gradient
/// (the range test itself does not stop on NaN, since `nan > 5 * best` is
/// false), and `None` only comes from fewer than 2 points.
pub mod torch_lr_finder {
    use super::{common_len, gradient_index};
    use crate::real::Real;
    use core::ops::Range;

    /// `plot`'s default `skip_start`.
    pub const SKIP_START: usize = 10;
    /// `plot`'s default `skip_end`.
    pub const SKIP_END: usize = 5;

    /// Python's `[skip_start:-skip_end]` (`[skip_start:]` when `skip_end ==
    /// 0`) on a curve of `len` points.
    pub fn window(len: usize, skip_start: usize, skip_end: usize) -> Range<usize> {
        let end = len.saturating_sub(skip_end);
        skip_start.min(end)..end
    }

    /// `lr_finder.plot(suggest_lr=True)`: the steepest-gradient suggestion
    /// ([`super::gradient`]) on `lrs[10:-5]`.
    pub fn gradient<F: Real>(lrs: &[F], losses: &[F]) -> Option<F> {
        gradient_with(lrs, losses, SKIP_START, SKIP_END)
    }

    /// `lr_finder.plot(skip_start, skip_end, suggest_lr=True)`.
    pub fn gradient_with<F: Real>(
        lrs: &[F],
        losses: &[F],
        skip_start: usize,
        skip_end: usize,
    ) -> Option<F> {
        let w = window(common_len(lrs, losses), skip_start, skip_end);
        let off = w.start;
        gradient_index(w.len(), |i| losses[off + i]).map(|i| lrs[off + i])
    }
}

/// The five suggestions `clr suggest` prints, one `Option` per method
/// (`None`: the reference would raise, too few points).
///
/// `valley`, `slide`, `minimum` and `steep` are fastai's `lr_find` results
/// ([`fastai`]), `gradient` is torch-lr-finder's `plot` result
/// ([`torch_lr_finder`]), each with its library's default parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Suggestions<F> {
    /// [`fastai::valley`].
    pub valley: Option<F>,
    /// [`fastai::slide`].
    pub slide: Option<F>,
    /// [`fastai::minimum`].
    pub minimum: Option<F>,
    /// [`fastai::steep`].
    pub steep: Option<F>,
    /// [`torch_lr_finder::gradient`].
    pub gradient: Option<F>,
}

impl<F: Real> Suggestions<F> {
    /// The method names, in the order of [`Suggestions::iter`].
    pub const METHODS: [&'static str; 5] = ["valley", "slide", "minimum", "steep", "gradient"];

    /// Runs the five reference pipelines on one recorded curve.
    ///
    /// `num_it` is fastai's `lr_find(num_it=...)`, the number of iterations
    /// asked for (it sets the `num_it // 10` points fastai skips); pass
    /// `lrs.len()` for a run that was not stopped early. `scratch` is
    /// [`fastai::valley`]'s table: `lrs.len()` entries always suffice.
    pub fn compute(lrs: &[F], losses: &[F], num_it: usize, scratch: &mut [usize]) -> Self {
        Suggestions {
            valley: fastai::valley(lrs, losses, num_it, scratch),
            slide: fastai::slide(lrs, losses, num_it),
            minimum: fastai::minimum(lrs, losses, num_it),
            steep: fastai::steep(lrs, losses, num_it),
            gradient: torch_lr_finder::gradient(lrs, losses),
        }
    }

    /// `(method, suggestion)` pairs in the order of [`Suggestions::METHODS`].
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Option<F>)> {
        let values = [
            self.valley,
            self.slide,
            self.minimum,
            self.steep,
            self.gradient,
        ];
        Self::METHODS.into_iter().zip(values)
    }

    /// The suggestion of the method named `method` (one of
    /// [`Suggestions::METHODS`]); `None` for an unknown name.
    pub fn get(&self, method: &str) -> Option<Option<F>> {
        self.iter().find(|(m, _)| *m == method).map(|(_, v)| v)
    }
}
