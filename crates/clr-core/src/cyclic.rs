//! Cyclical learning rates: PyTorch's `CyclicLR`, the seed's `CLR` (quirks
//! included) and [`CosineCycles`], the seed's CLR with its quirks fixed.

mod exp;

use core::marker::PhantomData;
use core::num::NonZeroU64;

use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::one_cycle::{
    check_lr_range, check_momentum_range, fill_seed_runs, half_index, seed_half, seed_region,
    seed_wave_arg, HalfLine, SeedHalf,
};
use crate::phase::{count, fill_counted, fill_two_pass, for_counts, for_offsets, to_f64};
use crate::real::{is_f32, Real};
use crate::stepper::{self, Motion, Segment, Stepper, Stepping, NO_MAP};

/// PyTorch's `CyclicLR` modes.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CyclicMode {
    /// Constant amplitude.
    Triangular,
    /// Amplitude halves every cycle.
    Triangular2,
    /// Amplitude `gamma^iteration`.
    ExpRange {
        /// Decay per iteration, > 0.
        gamma: f64,
    },
    /// A custom `scale_fn`, applied to the cycle number (1-based, as in
    /// PyTorch) or to the iteration.
    Custom {
        /// The scale function; plain `fn` so the schedule stays `Copy` and `no_std`.
        #[cfg_attr(feature = "serde", serde(skip, default = "unit_scale"))]
        scale_fn: fn(f64) -> f64,
        /// What the function is applied to.
        scale_mode: ScaleMode,
    },
}

#[cfg(feature = "serde")]
fn unit_scale() -> fn(f64) -> f64 {
    |_| 1.0
}

/// What a [`CyclicMode::Custom`] scale function is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ScaleMode {
    /// The 1-based cycle number.
    Cycle,
    /// The iteration (step).
    Iterations,
}

impl CyclicMode {
    /// The amplitude's scale at `cycle` (1-based) and `iteration` (the step
    /// as `f64`); `ln_gamma` is `ln(gamma)` for [`CyclicMode::ExpRange`].
    #[inline(always)]
    fn scale(self, cycle: f64, iteration: f64, ln_gamma: f64) -> f64 {
        match self {
            CyclicMode::Triangular => 1.0,
            // 1 / 2^(cycle - 1): the power is exact, as libm's pow(2, n) is,
            // and so is its reciprocal: both from the exponent bits.
            CyclicMode::Triangular2 => inv_pow2(cycle - 1.0),
            // gamma^iteration as exp(iteration * ln gamma): within 2e-13
            // relative of a correctly rounded pow (|exponent| <= 745 while
            // the result is normal); the kernel vectorises in `fill`.
            CyclicMode::ExpRange { .. } => exp::exp64(iteration * ln_gamma),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Cycle,
            } => scale_fn(cycle),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Iterations,
            } => scale_fn(iteration),
        }
    }

    /// `ln(gamma)` for [`CyclicMode::ExpRange`], NaN otherwise.
    fn ln_gamma(self) -> f64 {
        match self {
            CyclicMode::ExpRange { gamma } => libm::log(gamma),
            _ => f64::NAN,
        }
    }
}

/// 2^52: from there on every `f64` is whole; below it, adding and
/// subtracting it rounds to a whole number.
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// `1 / pow(2, e)` for a whole `e >= 0`, exactly, from the exponent bits:
/// `2^-e` down to `2^-1023` (subnormal, still exact), then 0 (where
/// `pow(2, e)` is infinite). `e` reaches the bits through the 2^52 shifter
/// (no float-to-integer conversion); the power is built 2^64 higher, so it
/// is normal, and brought down exactly; past 1023 its exponent field is 0.
#[inline(always)]
pub(crate) fn inv_pow2(e: f64) -> f64 {
    // Whole e below 2^52 sits in the low bits; anything else (NaN
    // included) is larger than 1023 here.
    let m = (e + TWO_52).to_bits().wrapping_sub(TWO_52.to_bits());
    let field = if m <= 1023 { 1087 - m } else { 0 };
    f64::from_bits(field << 52) * (1.0 / 18_446_744_073_709_551_616.0)
}

/// `1/2^index` rounded to `f32`, `triangular2`'s scale of the 0-based
/// cycle `index` ([`inv_pow2`]'s bits): the exponent field itself while
/// the power is normal, [`inv_pow2`] beyond (subnormal, then 0).
#[inline(always)]
fn halved32(index: u64) -> f32 {
    if index < 127 {
        f32::from_bits((127 - index as u32) << 23)
    } else {
        inv_pow2(index as f64) as f32
    }
}

/// `floor(v)` for `v >= 0` (and NaN for NaN), without `libm`'s branches or
/// a float-to-integer conversion: below 2^52 the shifter rounds to nearest
/// and a compare steps back where that went up; from 2^52 on every `f64`
/// is whole (a branch that is never taken in practice, cheaper than a
/// blend).
#[inline(always)]
pub(crate) fn floor_non_negative(v: f64) -> f64 {
    if v >= TWO_52 {
        return v;
    }
    let rounded = (v + TWO_52) - TWO_52;
    rounded - if rounded > v { 1.0 } else { 0.0 }
}

/// PyTorch 2.13's `torch.optim.lr_scheduler.CyclicLR`: a triangle between
/// `base_lr` and `max_lr` rising for `step_size_up` steps and falling for
/// `step_size_down`, its height scaled by the mode; momentum moves the
/// other way between `max_momentum` and `base_momentum`. Unbounded.
///
/// ```
/// use clr_core::{CyclicLr, HyperSchedule};
///
/// let s = CyclicLr::builder(0.001_f64, 0.006).step_size_up(4).build()?;
/// assert_eq!(s.hypers(0).lr, 0.001);
/// assert_eq!(s.hypers(4).lr, 0.006);
/// assert_eq!(s.hypers(8).lr, 0.001);
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "CyclicLrRaw<F>",
        into = "CyclicLrRaw<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct CyclicLr<F> {
    config: CyclicLrBuilder<F>,
    total_size: f64,
    step_ratio: f64,
    // ln(gamma) for exp_range, computed at build time (and so again on
    // deserialize): no per-step check.
    ln_gamma: f64,
    // ln(gamma) rounded to `F`: `f32` schedules take exp_range's argument
    // in `f32` arithmetic (see `exp_scale32`).
    ln_gamma_f: F,
    // 1 for triangular2, 0 for triangular: both scales are then
    // 1 / 2^((cycle - 1) * halving), one branch-free expression.
    halving: f64,
    // Whether the rise and the fall are equally long (the default): both of
    // PyTorch's divisors are then ±1/2, and `f64` factors need no division.
    even: bool,
    // Steps per cycle, and the last step whose cycle the integer division
    // `step / cycle_steps` gives as PyTorch's `floor(1 + step / total_size)`
    // does (`step + 2·total_size <= 2^52`: the quotient then rounds short
    // of the next whole number).
    cycle_steps: NonZeroU64,
    int_limit: u64,
    // 1/step_size_up and -1/step_size_down in `F` (-inf for a saw-tooth,
    // which never falls): `f32` schedules below `int_limit` take the factor
    // from the step's place in its cycle (see `factor_of_place`).
    rise_slope: F,
    fall_slope: F,
    // `max_lr - base_lr` and the momentum's `max - base` (0 without one):
    // PyTorch's amplitudes, built once rather than at every lookup.
    amplitudes: (F, F),
}

/// The serialized form of [`CyclicLr`] (what it has always been): the
/// precomputed `ln_gamma` and `halving` are left out and deserializing
/// rebuilds, so they are
/// recomputed and the configuration validated.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "CyclicLr")]
struct CyclicLrRaw<F> {
    config: CyclicLrBuilder<F>,
    total_size: f64,
    step_ratio: f64,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<CyclicLrRaw<F>> for CyclicLr<F> {
    type Error = Error;
    fn try_from(raw: CyclicLrRaw<F>) -> Result<Self, Error> {
        raw.config.build()
    }
}

#[cfg(feature = "serde")]
impl<F> From<CyclicLr<F>> for CyclicLrRaw<F> {
    fn from(s: CyclicLr<F>) -> Self {
        CyclicLrRaw {
            config: s.config,
            total_size: s.total_size,
            step_ratio: s.step_ratio,
        }
    }
}

/// Builder of [`CyclicLr`] with PyTorch's names and defaults.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CyclicLrBuilder<F> {
    /// Lower learning rate.
    pub base_lr: F,
    /// Upper learning rate (before scaling).
    pub max_lr: F,
    /// Steps of the rise (default 2000).
    pub step_size_up: u64,
    /// Steps of the fall (default: `step_size_up`; 0 makes a saw-tooth).
    pub step_size_down: Option<u64>,
    /// The amplitude policy (default triangular).
    pub mode: CyclicMode,
    /// `(base_momentum, max_momentum)`, default `(0.8, 0.9)`; `None` = not cycled.
    pub momentum: Option<(F, F)>,
}

impl<F: Real> CyclicLr<F> {
    /// A builder with PyTorch's defaults.
    pub fn builder(base_lr: F, max_lr: F) -> CyclicLrBuilder<F> {
        CyclicLrBuilder {
            base_lr,
            max_lr,
            step_size_up: 2000,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            momentum: Some((F::from_f64(0.8), F::from_f64(0.9))),
        }
    }

    /// Steps in one cycle (`step_size_up + step_size_down`).
    pub fn cycle_len(&self) -> u64 {
        self.cycle_steps.get()
    }
}

impl<F: Real> CyclicLrBuilder<F> {
    /// Sets `step_size_up`.
    pub fn step_size_up(mut self, steps: u64) -> Self {
        self.step_size_up = steps;
        self
    }

    /// Sets `step_size_down`.
    pub fn step_size_down(mut self, steps: u64) -> Self {
        self.step_size_down = Some(steps);
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: CyclicMode) -> Self {
        self.mode = mode;
        self
    }

    /// Cycles momentum between `base_momentum` (at the peak lr) and `max_momentum`.
    pub fn momentum(mut self, base_momentum: F, max_momentum: F) -> Self {
        self.momentum = Some((base_momentum, max_momentum));
        self
    }

    /// Leaves momentum alone (PyTorch's `cycle_momentum=False`).
    pub fn no_momentum(mut self) -> Self {
        self.momentum = None;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<CyclicLr<F>, Error> {
        // PyTorch accepts base_lr > max_lr (an inverted triangle), and so do we.
        check::non_negative("base_lr", self.base_lr.to_f64())?;
        check::non_negative("max_lr", self.max_lr.to_f64())?;
        let up = check::nonzero("step_size_up", self.step_size_up)?;
        // A fall of 0 steps is PyTorch's saw-tooth; only the rise divides.
        let down = self.step_size_down.unwrap_or(up.get());
        // Non-zero in the type, so the lookups' divisions have no zero check.
        let total = up
            .checked_add(down)
            .filter(|t| t.get() <= 1 << 53)
            .ok_or(Error::Overflow {
                param: "step_size_up",
            })?;
        if let CyclicMode::ExpRange { gamma } = self.mode {
            // gamma > 1 grows without bound and meets 0 * inf at the troughs.
            check::decay("gamma", gamma)?;
        }
        if let Some((base, max)) = self.momentum {
            check::unit("base_momentum", base.to_f64())?;
            check::unit("max_momentum", max.to_f64())?;
        }
        let total_size = total.get() as f64;
        let step_ratio = up.get() as f64 / total_size;
        Ok(CyclicLr {
            config: *self,
            total_size,
            step_ratio,
            even: step_ratio == 0.5,
            cycle_steps: total,
            int_limit: (1u64 << 52).saturating_sub(2 * total.get()),
            rise_slope: F::from_f64(1.0 / up.get() as f64),
            fall_slope: F::from_f64(-1.0 / down as f64),
            amplitudes: (
                self.max_lr - self.base_lr,
                self.momentum.map_or(F::zero(), |(base, max)| max - base),
            ),
            ln_gamma: self.mode.ln_gamma(),
            ln_gamma_f: F::from_f64(self.mode.ln_gamma()),
            halving: if matches!(self.mode, CyclicMode::Triangular2) {
                1.0
            } else {
                0.0
            },
        })
    }
}

impl<F: Real> CyclicLr<F> {
    /// `(cycle, num, den)` of the step at `position` (the step as `f64`):
    /// the factor is `num / den`. PyTorch's expressions in PyTorch's order.
    #[inline(always)]
    fn split(&self, position: f64) -> (f64, f64, f64) {
        let (cycle, x) = self.cycle_x(position);
        // `x / step_ratio` or `(x - 1) / (step_ratio - 1)`: one division of
        // operands shifted by 0 or 1 (subtracting 0 changes nothing), no
        // branch on random steps.
        let fall = if x <= self.step_ratio { 0.0 } else { 1.0 };
        (cycle, x - fall, self.step_ratio - fall)
    }

    /// PyTorch's `(cycle, x)` of the step at `position`: `x` in `[0, 1)`
    /// is how far into its cycle it is.
    #[inline(always)]
    fn cycle_x(&self, position: f64) -> (f64, f64) {
        let ratio = position / self.total_size;
        let cycle = floor_non_negative(1.0 + ratio);
        (cycle, 1.0 + ratio - cycle)
    }

    /// [`cycle_x`](Self::cycle_x) of `step` (at `position`, its `f64`):
    /// where `int_limit` allows, the cycle comes from an integer division,
    /// which runs beside the floating-point one where `floor` would wait
    /// for it. The same cycle, so the same `x`.
    #[inline(always)]
    fn cycle_x_of(&self, step: u64, position: f64) -> (f64, f64) {
        if step > self.int_limit {
            return self.cycle_x(position);
        }
        // Below 2^52: the signed conversion is exact.
        let cycle = (step / self.cycle_steps + 1) as i64 as f64;
        (cycle, 1.0 + position / self.total_size - cycle)
    }

    /// `(scale_factor, scale)` of `step`: PyTorch's factor, but for `f32`
    /// schedules below `int_limit`, which take it from the step's place in
    /// its cycle (and the step's `f64` only where a scale needs it).
    #[inline(always)]
    fn factors(&self, step: u64) -> (F, F) {
        if !is_f32::<F>() || step > self.int_limit {
            let position = position_of(step);
            let (cycle, x) = self.cycle_x_of(step, position);
            let factor = if self.even {
                even_factor(x)
            } else {
                let fall = if x <= self.step_ratio { 0.0 } else { 1.0 };
                (x - fall) / (self.step_ratio - fall)
            };
            return (F::from_f64(factor), self.scale(cycle, position));
        }
        let (index, r, falling) = self.place(step);
        (
            self.factor_of_place(r, falling),
            self.place_scale(index, step),
        )
    }

    /// The scale of `step` in cycle `index` (0-based) for `f32` schedules
    /// below `int_limit`: `exp_range`'s position straight from the step
    /// (one conversion, not `position`'s two) and `triangular2`'s power
    /// from the index's integer, the bits of [`scale`](Self::scale) by
    /// shorter chains. Lookups and bulk loops share it.
    #[inline(always)]
    fn place_scale(&self, index: u64, step: u64) -> F {
        match self.config.mode {
            CyclicMode::ExpRange { .. } => self.exp_scale32(count(step as i64)),
            CyclicMode::Triangular => F::one(),
            CyclicMode::Triangular2 => F::from_f64(f64::from(halved32(index))),
            CyclicMode::Custom { .. } => self.scale(to_f64(index + 1), position_of(step)),
        }
    }

    /// `(index, r, falling)` of `step` below `int_limit`: its cycle (0-based,
    /// the cycle PyTorch's `floor` gives, one less), its place `r` in it,
    /// and whether that is past the peak at `r = step_size_up`. Integers
    /// only: the half is PyTorch's `x <= step_ratio` taken exactly, which
    /// its rounded `x` can only contradict at the peak itself, where both
    /// halves' factors are 1 within a few `f64` ulp.
    #[inline(always)]
    fn place(&self, step: u64) -> (u64, u64, bool) {
        let index = step / self.cycle_steps;
        let r = step - index * self.cycle_steps.get();
        (index, r, r > self.config.step_size_up)
    }

    /// `(origin, slope)` of a half cycle for [`factor_of_place`]: the
    /// factor is `(r - origin)·slope`, `r/step_size_up` on the rise and
    /// `(cycle_steps - r)/step_size_down` on the fall.
    ///
    /// [`factor_of_place`]: Self::factor_of_place
    #[inline(always)]
    fn half_line(&self, falling: bool) -> (u64, F) {
        if falling {
            (self.cycle_steps.get(), self.fall_slope)
        } else {
            (0, self.rise_slope)
        }
    }

    /// The factor of `f32` schedules at place `r` of a half cycle: the
    /// difference `r - origin` (exact below 2^24 in magnitude, rounded once
    /// beyond) times the half's build-time slope, in `f32` arithmetic: the
    /// slope and the product rounded, so within about an `f32` ulp of the
    /// exact factor (PyTorch's own `x = 1 + ratio - cycle` is off by an
    /// `f64` ulp at 1). No division, no `floor` and no conversion from
    /// `f64` on a random lookup's chain, and a bulk loop of it runs four
    /// lanes wide.
    #[inline(always)]
    fn factor_of_place(&self, r: u64, falling: bool) -> F {
        let (origin, slope) = self.half_line(falling);
        count::<F>(r as i64 - origin as i64) * slope
    }

    /// The mode's scale in `F`; `exp_range` in `f32` arithmetic for `f32`
    /// schedules, so that `fill` runs four lanes.
    #[inline(always)]
    fn scale(&self, cycle: f64, position: f64) -> F {
        match self.config.mode {
            CyclicMode::ExpRange { .. } if is_f32::<F>() => self.exp_scale32(F::from_f64(position)),
            CyclicMode::ExpRange { .. } => F::from_f64(exp::exp64(position * self.ln_gamma)),
            CyclicMode::Custom { .. } => {
                F::from_f64(custom_scale(self.config.mode, cycle, position))
            }
            _ => F::from_f64(inv_pow2((cycle - 1.0) * self.halving)),
        }
    }

    /// `exp_range`'s `gamma^position` for `f32` schedules, the position
    /// in `F` (exact below 2^24, rounded once beyond): `exp` of
    /// `position·ln(gamma)` taken in `f32` arithmetic, so that a bulk loop
    /// runs four lanes wide without conversions from `f64`. The argument's
    /// two roundings (`ln gamma` and the product) move `e^y` by about
    /// `|y|·2^-23` relative, against `|y|·2^-24` for rounding an `f64`
    /// product: 2.2e-8 of the amplitude more at most, where `e^y·|y|` peaks
    /// (`y = -1`).
    #[inline(always)]
    fn exp_scale32(&self, position: F) -> F {
        let y = position * self.ln_gamma_f;
        F::from_f64(f64::from(exp::exp32(y.to_f64() as f32)))
    }

    /// `out[i] = value(factor, scale)` of step `first + i`, what
    /// [`factors`](Self::factors) gives one by one: the range is cut into
    /// half cycles (constant cycle and slope), each filled by a straight
    /// loop that vectorises.
    #[inline(always)]
    fn fill_with(&self, out: &mut [F], first: u64, value: impl Fn(F, F) -> F) {
        let per_iteration = matches!(
            self.config.mode,
            CyclicMode::Custom {
                scale_mode: ScaleMode::Iterations,
                ..
            }
        );
        let last = first.saturating_add((out.len() as u64).saturating_sub(1));
        if is_f32::<F>() && !per_iteration && last <= self.int_limit {
            self.fill_places(out, first, &value);
            return;
        }
        if per_iteration || first.saturating_add(out.len() as u64) > 1 << 53 {
            let mut step = first;
            for v in out.iter_mut() {
                let (factor, scale) = self.factors(step);
                *v = value(factor, scale);
                step = step.saturating_add(1);
            }
            return;
        }
        let mut step = first;
        let mut rest = out;
        while let Some(end) = (rest.len() as u64).checked_sub(1) {
            let key = |k: u64| {
                let (cycle, _, den) = self.split(k as f64);
                (cycle, den)
            };
            let (_, last) = stepper::run_of(step, step, step + end, key);
            let (run, tail) = rest.split_at_mut((last - step) as usize + 1);
            self.fill_half_cycle(run, step, &value);
            step = last + 1;
            rest = tail;
        }
    }

    /// [`fill_with`](Self::fill_with) over steps of one half cycle: the
    /// rise or the fall as its own loop, where the shift of the numerator
    /// is a constant (`x - 0` is `x`, folded away).
    #[inline(always)]
    fn fill_half_cycle(&self, out: &mut [F], first: u64, value: &impl Fn(F, F) -> F) {
        let (cycle, _, den) = self.split(first as f64);
        if den == self.step_ratio {
            self.fill_slope(out, first, (cycle, den, 0.0), value);
        } else {
            self.fill_slope(out, first, (cycle, den, 1.0), value);
        }
    }

    /// [`fill_half_cycle`](Self::fill_half_cycle) given the half cycle's
    /// `(cycle, den, shift)`: PyTorch's factor, `(x - shift) / den`.
    #[inline(always)]
    fn fill_slope(
        &self,
        out: &mut [F],
        first: u64,
        (cycle, den, shift): (f64, f64, f64),
        value: &impl Fn(F, F) -> F,
    ) {
        let total = self.total_size;
        let factor = |position: f64| F::from_f64(((1.0 + position / total - cycle) - shift) / den);
        let base = first as f64;
        match self.config.mode {
            CyclicMode::ExpRange { .. } => for_offsets(out, |offset| {
                let position = base + offset;
                value(factor(position), self.scale(cycle, position))
            }),
            _ => {
                let scale = self.scale(cycle, base);
                for_offsets(out, |offset| value(factor(base + offset), scale));
            }
        }
    }

    /// [`fill_with`](Self::fill_with) for `f32` schedules below
    /// `int_limit`, half cycle by half cycle as [`place`](Self::place)
    /// cuts them: each half's factors are the differences `r - origin`
    /// counted in `F` (as [`factor_of_place`](Self::factor_of_place)
    /// rounds them) times its slope, four lanes wide.
    fn fill_places(&self, out: &mut [F], first: u64, value: &impl Fn(F, F) -> F) {
        let total = self.cycle_steps.get();
        let mut step = first;
        let mut rest = out;
        while !rest.is_empty() {
            let (index, r, falling) = self.place(step);
            // A rise ends at the peak, or at the cycle's end (a saw-tooth).
            let last = if falling {
                total - 1
            } else {
                self.config.step_size_up.min(total - 1)
            };
            let n = usize::try_from(last - r + 1).map_or(rest.len(), |n| n.min(rest.len()));
            let (run, tail) = core::mem::take(&mut rest).split_at_mut(n);
            let (origin, slope) = self.half_line(falling);
            let line = (r as i64 - origin as i64, slope);
            self.fill_place_run(run, step, index, line, value);
            step += n as u64;
            rest = tail;
        }
    }

    /// [`fill_places`](Self::fill_places) over one half cycle of cycle
    /// `index` (0-based) whose first step is `d0` from the half's origin. With
    /// `exp_range`, where every count is exact in `F` and no argument
    /// reaches `exp`'s floor (the argument falls with the position), one
    /// loop in `F` alone counts the position, four lanes wide. The loop
    /// waits on `exp`'s chain, so the chain starts at the count itself, the
    /// factor's difference `position - p` (exact) stays off it, and where
    /// every result is normal [`exp::exp32_normal`] leaves out a scaling.
    #[inline(always)]
    fn fill_place_run(
        &self,
        out: &mut [F],
        first: u64,
        index: u64,
        (d0, slope): (i64, F),
        value: &impl Fn(F, F) -> F,
    ) {
        let base = first as f64;
        let CyclicMode::ExpRange { .. } = self.config.mode else {
            // Constant over the run: its cycle's (a per-iteration scale
            // never comes here).
            let scale = self.place_scale(index, first);
            fill_counted(out, d0, |d| value(d * slope, scale));
            return;
        };
        let exact = 2.0 / F::epsilon().to_f64();
        let n = out.len() as f64;
        let y = |p: f64| (F::from_f64(p) * self.ln_gamma_f).to_f64() as f32;
        // The argument is monotone in the position: its ends bound the run.
        let ends = [y(base), y(base + n - 1.0)];
        let above = ends.iter().all(|&y| exp::above_floor32(y));
        if above && base + n <= exact && (d0 as f64).abs() + n <= exact {
            let (d, p, gamma) = (F::from_f64(d0 as f64), F::from_f64(base), self.ln_gamma_f);
            let mut run = |exp: fn(f32) -> f32| {
                for_counts(out, p, |position| {
                    let scale = exp((position * gamma).to_f64() as f32);
                    value((d + (position - p)) * slope, F::from_f64(f64::from(scale)))
                })
            };
            if ends.iter().all(|&y| exp::normal32(y)) {
                run(exp::exp32_normal);
            } else {
                run(exp::exp32_above_floor);
            }
        } else {
            let d = d0 as f64;
            for_offsets(out, |offset| {
                let factor = F::from_f64(d + offset) * slope;
                value(factor, self.exp_scale32(F::from_f64(base + offset)))
            });
        }
    }
}

/// PyTorch's `x / step_ratio` or `(x - 1) / (step_ratio - 1)` when
/// `step_ratio` is 1/2: `2x` up to `x = 1/2`, `2(1 - x)` past it, where
/// `1 - x` is exact (Sterbenz) and doubling is, so the bits are PyTorch's.
/// The smaller of `x` and `1 - x` picks the half without a division, which
/// a random lookup would wait for.
#[inline(always)]
fn even_factor(x: f64) -> f64 {
    // A compare, not `f64::min`: one instruction without its NaN handling
    // (`x` is never NaN here).
    let rest = 1.0 - x;
    2.0 * if x < rest { x } else { rest }
}

/// A custom mode's scale, out of line: the call's register saves stay off
/// the built-in modes' path.
#[cold]
#[inline(never)]
fn custom_scale(mode: CyclicMode, cycle: f64, position: f64) -> f64 {
    mode.scale(cycle, position, f64::NAN)
}

/// `step as f64` by the signed conversion (one instruction) below 2^63,
/// where it rounds the same.
#[inline(always)]
pub(crate) fn position_of(step: u64) -> f64 {
    match i64::try_from(step) {
        Ok(step) => step as f64,
        Err(_) => huge_position(step),
    }
}

/// `step.min(n - 1) as f64` for a run of `n` steps: the signed conversion
/// (one instruction) wherever `n <= 2^63` (a branch that never changes in
/// a run), with no out-of-line call that the registers live across it
/// would have to be spilled for.
#[inline(always)]
pub(crate) fn clamped_position(step: u64, n: u64) -> f64 {
    let k = step.min(n - 1);
    if n <= 1 << 63 {
        k as i64 as f64
    } else {
        k as f64
    }
}

/// `step as f64` from 2^63 on, out of line so that the compiler does not
/// merge it back into the unsigned conversion's longer sequence.
#[cold]
#[inline(never)]
fn huge_position(step: u64) -> f64 {
    step as f64
}

/// The seed's `(cycle, position in cycle)` of the step at `k` in a run of
/// `n` steps and `cyc` cycles, in f64 for every schedule: an ulp off at a
/// cycle's first step would move it to the previous cycle's end.
#[inline(always)]
fn position_in(k: f64, n: f64, cyc: f64) -> (f64, f64) {
    let x = k / n;
    let c = floor_non_negative(x * cyc);
    (c, in_cycle_of(x, c, cyc))
}

/// The seed's position in cycle `c` of the run's fraction `x`: `(x - c/cyc)*cyc`.
#[inline(always)]
fn in_cycle_of(x: f64, c: f64, cyc: f64) -> f64 {
    (x - c / cyc) * cyc
}

/// The seed's cycle and half of a step from integers, where they are
/// certain: `k * cyc = c * n + rem` exactly, `c` the cycle and `rem / n`
/// the position in it, read far enough from the edges (the cycle's ends
/// and the fraction) that the seed's rounded `floor(x * cyc)` and
/// `x' < f` agree with them. A random lookup then has both long before the
/// divisions that give the position, with no floor, clamp or compare of
/// floats on its chain; the few steps near an edge take the seed's path.
#[derive(Debug, Clone, Copy)]
struct Grid {
    cycles: u64,
    steps: NonZeroU64,
    /// `rem` is certain in `low..low + width` (never when `width` is 0).
    low: u64,
    width: u64,
    /// Certainly the rise below `rise_end`, the fall from `fall_start`.
    rise_end: u64,
    fall_start: u64,
}

impl Grid {
    /// Never certain: every lookup takes the seed's path.
    const NONE: Grid = Grid {
        cycles: 0,
        steps: NonZeroU64::MIN,
        low: 0,
        width: 0,
        rise_end: 0,
        fall_start: 0,
    };

    fn new(n: u64, cyc: u64, f: f64) -> Self {
        let exact = (1..=1 << 53).contains(&n)
            && (1..=1 << 53).contains(&cyc)
            && u128::from(n) * u128::from(cyc) <= u128::from(u64::MAX)
            && (0.0..=1.0).contains(&f);
        if !exact {
            return Grid::NONE;
        }
        // The seed's x' = (k/n - c/cyc)*cyc is within (2 cyc + 3) ulps of
        // 1 of rem / n (and x*cyc within 2 cyc ulps of k*cyc/n): a margin
        // of four times that, in cycles, then in units of rem, plus one
        // for the rounding of these products.
        let e = (4.0 * cyc as f64 + 8.0) * f64::EPSILON;
        let n_f = n as f64;
        let low = libm::ceil(e * n_f) as u64 + 1;
        if low.saturating_mul(2) >= n {
            return Grid::NONE;
        }
        // `as u64` saturates: below 0 no step is certainly rising.
        let rise_end = (libm::floor((f - e) * n_f) - 1.0) as u64;
        let fall_start = (libm::ceil((f + e) * n_f) + 1.0) as u64;
        Grid {
            cycles: cyc,
            steps: NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN),
            low,
            width: n - 2 * low,
            rise_end,
            fall_start,
        }
    }

    /// `(cycle, rise, rem)` of the step `k < n`, where certain.
    #[inline(always)]
    fn locate(self, k: u64) -> Option<(u64, bool, u64)> {
        // No overflow: k < n and n * cyc fits (else `width` is 0).
        let p = k.wrapping_mul(self.cycles);
        let (c, rem) = (p / self.steps, p % self.steps);
        let rise = rem < self.rise_end;
        let inside = rem.wrapping_sub(self.low) < self.width;
        // `&` and `|`, not `&&` and `||`: one branch that is almost always
        // taken, not one on the half that random steps mispredict.
        (inside & (rise | (rem >= self.fall_start))).then_some((c, rise, rem))
    }

    /// The steps `ka..kb` where [`Self::locate`] is certain and gives
    /// `(cycle, rise)`: `rem` in one interval, so `k * cyc` in
    /// `cycle * n + (a..b)`, one range of steps (empty if none).
    fn certain_steps(self, cycle: u64, rise: bool) -> (u64, u64) {
        let (low, high) = (self.low, self.low + self.width);
        let (a, b) = if rise {
            (low, high.min(self.rise_end))
        } else {
            (low.max(self.fall_start), high)
        };
        let n = u128::from(self.steps.get());
        let cyc = u128::from(self.cycles);
        if a >= b || cyc == 0 {
            return (0, 0);
        }
        let first = |r: u64| {
            let p = u128::from(cycle) * n + u128::from(r);
            u64::try_from(p.div_ceil(cyc)).unwrap_or(u64::MAX)
        };
        (first(a), first(b))
    }
}

impl<F: Real> HyperSchedule<F> for CyclicLr<F> {
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let c = &self.config;
        let (factor, scale) = self.factors(step);
        let (lr_amplitude, momentum_amplitude) = self.amplitudes;
        let lr = c.base_lr + lr_amplitude * factor * scale;
        let momentum = c
            .momentum
            .map(|(_, max)| max - momentum_amplitude * factor * scale);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        None
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum.is_some()
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        let (base, amplitude) = (self.config.base_lr, self.amplitudes.0);
        self.fill_with(out, first_step, |factor, scale| {
            base + amplitude * factor * scale
        });
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        match self.config.momentum {
            Some((_, max)) => {
                let amplitude = self.amplitudes.1;
                self.fill_with(out, first_step, |factor, scale| {
                    max - amplitude * factor * scale
                });
            }
            None => out.fill(F::nan()),
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
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        let momentum = self.config.momentum.is_some();
        stepper::stepped_hypers(stepper, momentum, |k| self.hypers(k))
    }
}

impl<F: Real> CyclicLr<F> {
    /// `(cycle, falling)` of the step at `position`: constant over each
    /// half of each cycle, never decreasing.
    fn half_cycle(&self, position: f64) -> (u64, bool) {
        let (cycle, _, den) = self.split(position);
        (cycle as u64, den != self.step_ratio)
    }
}

impl<F: Real> Stepping for CyclicLr<F> {
    fn segment(&self, step: u64) -> Segment {
        let per_iteration = matches!(
            self.config.mode,
            CyclicMode::Custom {
                scale_mode: ScaleMode::Iterations,
                ..
            }
        );
        let limit = (1u64 << 53) - 1;
        if per_iteration || step >= limit {
            return Segment::direct(step, u64::MAX);
        }
        let key = |k: u64| self.half_cycle(k as f64);
        let (first, last) = stepper::run_of(step, 0, limit, key);
        let falling = key(step).1;
        // x = 1 + ratio - cycle rounds to the ulps of the cycle's size: the
        // direct factor is off by that over the half cycle's slope.
        let r = self.step_ratio;
        let side = if falling { 1.0 - r } else { r };
        let ratio = last as f64 / self.total_size;
        let slope = if falling {
            1.0 / ((r - 1.0) * self.total_size)
        } else {
            1.0 / (r * self.total_size)
        };
        let growth = match self.config.mode {
            CyclicMode::ExpRange { gamma } => gamma,
            _ => 1.0,
        };
        let c = &self.config;
        // lr = base + (max - base)·factor·scale; momentum = max - (max - base)·factor·scale.
        let lr = (c.base_lr.to_f64(), c.max_lr.to_f64() - c.base_lr.to_f64());
        let momentum = c.momentum.map_or(NO_MAP, |(base, max)| {
            (max.to_f64(), base.to_f64() - max.to_f64())
        });
        Segment {
            first,
            last,
            motion: Motion::Ramp,
            tag: u32::from(falling),
            delta: (slope, growth),
            maps: [lr, momentum],
            slack: (ratio + 3.0) * 4.5e-16 / side.max(f64::MIN_POSITIVE),
        }
    }

    fn state_at(&self, _segment: &Segment, step: u64) -> (f64, f64) {
        // The direct formula's factor and scale, in f64.
        let position = step as f64;
        let (cycle, num, den) = self.split(position);
        let scale = self.config.mode.scale(cycle, position, self.ln_gamma);
        (num / den, scale)
    }
}

/// The amplitude of cycle `c` (0-based) relative to the first.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Amplitude {
    /// `decay^c` (`1.0` = constant, the seed's default).
    Decay(f64),
    /// A custom `amplitude_fn(c)`.
    Custom(#[cfg_attr(feature = "serde", serde(skip, default = "unit_scale"))] fn(f64) -> f64),
}

impl Amplitude {
    /// Whether every cycle's amplitude is 1 (the seed's default).
    #[inline(always)]
    fn is_unit(self) -> bool {
        matches!(self, Amplitude::Decay(d) if d == 1.0)
    }

    #[inline]
    fn at(self, cycle: f64) -> f64 {
        match self {
            // pow(1, c) is 1 for every c: skip the call for the default.
            Amplitude::Decay(1.0) => 1.0,
            Amplitude::Decay(d) => libm::pow(d, cycle),
            Amplitude::Custom(f) => f(cycle),
        }
    }

    fn validate(self) -> Result<Self, Error> {
        if let Amplitude::Decay(d) = self {
            check::positive("amplitude_decay", d)?;
        }
        Ok(self)
    }
}

/// Builder shared by [`KerasClr`] and [`CosineCycles`]: the seed's `CLR` names.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClrBuilder<F> {
    /// Number of cycles in the run (the seed's `cyc`).
    pub cycles: u64,
    /// `(lo, hi)`: floor and first peak of the learning rate.
    pub lr_range: (F, F),
    /// Iterations in the whole run.
    pub total_steps: u64,
    /// `(m1, m2)`: momentum at cycle start/end and at the peak; `None` = not cycled.
    pub momentum_range: Option<(F, F)>,
    /// Share of each cycle spent rising (default 0.3).
    pub phase_one_fraction: f64,
    /// Amplitude of each cycle (default constant).
    pub amplitude: Amplitude,
}

impl<F: Real> ClrBuilder<F> {
    fn new(cycles: u64, lr_range: (F, F), total_steps: u64) -> Self {
        ClrBuilder {
            cycles,
            lr_range,
            total_steps,
            momentum_range: None,
            phase_one_fraction: 0.3,
            amplitude: Amplitude::Decay(1.0),
        }
    }

    /// Cycles momentum `m1 → m2 → m1` in every cycle.
    pub fn momentum_range(mut self, m1: F, m2: F) -> Self {
        self.momentum_range = Some((m1, m2));
        self
    }

    /// Sets `phase_one_fraction`, in `[0, 1]`.
    pub fn phase_one_fraction(mut self, fraction: f64) -> Self {
        self.phase_one_fraction = fraction;
        self
    }

    /// Sets the amplitude policy (the seed's `amplitude_fn`).
    pub fn amplitude(mut self, amplitude: Amplitude) -> Self {
        self.amplitude = amplitude;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        check::nonzero("cycles", self.cycles)?;
        check::nonzero("total_steps", self.total_steps)?;
        check_lr_range(self.lr_range)?;
        check_momentum_range(self.momentum_range)?;
        check::unit("phase_one_fraction", self.phase_one_fraction)?;
        self.amplitude.validate()?;
        if let Amplitude::Decay(d) = self.amplitude {
            // A growing amplitude (the seed allows it) must stay finite up to
            // the last cycle, or the troughs meet 0 * inf.
            let last = self.amplitude.at(self.cycles.saturating_sub(1) as f64);
            let height = (self.lr_range.1 - self.lr_range.0).to_f64().abs() * last;
            if height.is_nan() || height > check::MAX_MAGNITUDE {
                return Err(Error::Invalid {
                    param: "amplitude_decay",
                    value: crate::error::Value::Float(d),
                    expected: crate::error::Expected::Magnitude(check::MAX_MAGNITUDE),
                });
            }
        }
        Ok(())
    }

    /// Builds the seed's `CLR`, quirks included.
    pub fn build_keras(&self) -> Result<KerasClr<F>, Error> {
        self.validate()?;
        Ok(SeedClr::new(*self))
    }

    /// Builds [`CosineCycles`]: the seed's shape with each cycle returning to `lo`.
    pub fn build_fixed(&self) -> Result<CosineCycles<F>, Error> {
        self.validate()?;
        Ok(SeedClr::new(*self))
    }

    /// The seed's (cycle, position in cycle) of the step at `k` (as `f64`,
    /// before the last): `x = k/n`, `c = floor(x*cyc)`, `x = (x - c/cyc)*cyc`.
    #[inline(always)]
    fn position_at(&self, k: f64) -> (f64, f64) {
        position_in(k, self.total_steps as f64, self.cycles as f64)
    }
}

/// Sequential stepping of the seed's CLR shapes: `fixed` is
/// [`CosineCycles`] (every half-wave between `lo` and the peak), else the
/// seed's [`KerasClr`] (falling to 0).
struct ClrSteps<'a, F> {
    config: &'a ClrBuilder<F>,
    fixed: bool,
    /// Where lookups take the angle from integers, and the build-time
    /// lines they take it from (`[rise, fall]`): windows there start from
    /// the same angle, so that the stepped values differ from them by the
    /// roundings of one line, not by the seed's position's.
    grid: Grid,
    halves: &'a [ClrHalf<F>; 2],
}

impl<F: Real> Stepping for ClrSteps<'_, F> {
    fn segment(&self, step: u64) -> Segment {
        let c = self.config;
        let n = c.total_steps;
        if step >= n - 1 || n > 1 << 53 {
            return Segment::direct(step, u64::MAX);
        }
        let f = c.phase_one_fraction;
        // (cycle, falling): never decreases.
        let key = |k: u64| {
            let (cycle, x) = c.position_at(k as f64);
            (cycle as u64, x >= f)
        };
        let (first, last) = stepper::run_of(step, 0, n - 2, key);
        let (cycle, _) = c.position_at(step as f64);
        let rising = !key(step).1;
        let cyc = c.cycles as f64;
        let length = if rising { f } else { 1.0 - f };
        // Steps strictly inside the segment, the stepped ones, all on the
        // grid: lookups and windows' starts share the line's angle.
        let (ka, kb) = self.grid.certain_steps(cycle as u64, rising);
        let slack = if ka <= first + 1 && last <= kb {
            self.halves[half_index(rising)].line.angle_slack()
        } else {
            // x' = (k/n - c/cyc)·cyc rounds to the ulps of c + 1 (in cycle
            // c, k/n < (c + 1)/cyc and c/cyc <= k/n), then the angle
            // multiplies it by the half's own pi/f (or pi/(1 - f)).
            (cycle + 5.0) * 4.5e-16 * core::f64::consts::PI / length.max(f64::MIN_POSITIVE)
        };
        let (lo, hi) = (c.lr_range.0.to_f64(), c.lr_range.1.to_f64());
        let amp = (hi - lo) * c.amplitude.at(cycle);
        let wave = stepper::seed_map;
        let lr = if rising || self.fixed {
            wave(amp, lo)
        } else {
            wave(amp + lo, 0.0)
        };
        let momentum = c.momentum_range.map_or(NO_MAP, |(m1, m2)| {
            wave(m2.to_f64() - m1.to_f64(), m1.to_f64())
        });
        Segment {
            first,
            last,
            motion: Motion::Rotate,
            tag: u32::from(rising),
            delta: (core::f64::consts::PI * cyc / (length * n as f64), 0.0),
            maps: [lr, momentum],
            slack,
        }
    }

    fn state_at(&self, _segment: &Segment, step: u64) -> (f64, f64) {
        let c = self.config;
        if let Some((_, rise, rem)) = self.grid.locate(step) {
            // The lookup's own angle: `pi` times the line's `|angle|/pi`,
            // signed as the seed's argument (rising to 0, then on to pi).
            let line = self.halves[half_index(rise)].line;
            let angle = core::f64::consts::PI * line.arg_f64(rem as f64);
            return (if rise { -angle } else { angle }, 0.0);
        }
        let (_, x) = c.position_at(step as f64);
        (seed_wave_arg::<f64>(x, c.phase_one_fraction).0, 0.0)
    }
}

/// The seed's CLR, generic over the shape of its waves: [`KerasClr`] (the
/// seed's quirks) and [`CosineCycles`] (fixed) differ only in how the
/// learning rate is read off the wave, so they share everything else.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawSeedClr<F>",
        into = "RawSeedClr<F>",
        bound(
            serialize = "F: Real + serde::Serialize, S: ClrShape",
            deserialize = "F: Real + serde::Deserialize<'de>, S: ClrShape"
        )
    )
)]
pub struct SeedClr<F, S> {
    config: ClrBuilder<F>,
    shape: PhantomData<S>,
    /// `total_steps` and `cycles` as `f64`, the operands of every position.
    steps: f64,
    cycles: f64,
    /// `[rise, fall]`, indexed by [`half_index`].
    halves: [ClrHalf<F>; 2],
    grid: Grid,
}

/// What a [`SeedClr`] is serialised as (the rest is recomputed, and the
/// configuration validated as `build_keras` and `build_fixed` do: a crafted
/// `total_steps = 0` or `cycles = 0` would otherwise underflow in a lookup).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "SeedClr")]
struct RawSeedClr<F> {
    config: ClrBuilder<F>,
}

#[cfg(feature = "serde")]
impl<F: Real, S: ClrShape> TryFrom<RawSeedClr<F>> for SeedClr<F, S> {
    type Error = Error;
    fn try_from(raw: RawSeedClr<F>) -> Result<Self, Error> {
        raw.config.validate()?;
        Ok(SeedClr::new(raw.config))
    }
}

#[cfg(feature = "serde")]
impl<F: Real, S: ClrShape> From<SeedClr<F, S>> for RawSeedClr<F> {
    fn from(s: SeedClr<F, S>) -> Self {
        RawSeedClr { config: s.config }
    }
}

/// One half of a [`SeedClr`]'s cycles: its wave and the learning rate's
/// operands, `half_times(full, amp + inner) + outer`, built once so that a
/// random lookup loads them by [`half_index`].
#[derive(Debug, Clone, Copy)]
struct ClrHalf<F> {
    wave: SeedHalf<F>,
    /// The angle where the step's exact position in its cycle is `rem / n`
    /// ([`Grid`]).
    line: HalfLine<F>,
    inner: F,
    outer: F,
}

impl<F: Real> ClrHalf<F> {
    fn of<S: ClrShape>(config: &ClrBuilder<F>, rise: bool) -> Self {
        let lo = config.lr_range.0;
        let (inner, outer) = if S::FALLS_TO_ZERO {
            // The seed adds `lo` inside the fall's product but outside the
            // rise's (adding a +0 changes none of these non-negative values).
            let rise = F::from_f64(f64::from(u8::from(rise)));
            (lo * (F::one() - rise), lo * rise)
        } else {
            // -0 adds nothing, even to a -0.
            (F::from_f64(-0.0), lo)
        };
        let (f, n) = (config.phase_one_fraction, config.total_steps as f64);
        ClrHalf {
            wave: SeedHalf::of(f, rise),
            line: HalfLine::new(f, rise, n),
            inner,
            outer,
        }
    }
}

/// The shape of a [`SeedClr`]'s waves: sealed, implemented by
/// [`KerasShape`] and [`FixedShape`].
pub trait ClrShape: Copy + core::fmt::Debug + sealed::Sealed {
    /// Whether the fall ends at zero (the seed's quirk) rather than at `lo`.
    const FALLS_TO_ZERO: bool;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::KerasShape {}
    impl Sealed for super::FixedShape {}
}

/// The seed's own shape: the fall ends at zero, not at `lo` (see [`KerasClr`]).
#[derive(Debug, Clone, Copy)]
pub enum KerasShape {}

/// The fixed shape: every cycle falls back to `lo` (see [`CosineCycles`]).
#[derive(Debug, Clone, Copy)]
pub enum FixedShape {}

impl ClrShape for KerasShape {
    const FALLS_TO_ZERO: bool = true;
}

impl ClrShape for FixedShape {
    const FALLS_TO_ZERO: bool = false;
}

/// The seed's `keras_one_cycle_clr.CLR`, quirks included: within each of
/// `cycles` cycles the learning rate rises by cosine from `lo` to
/// `lo + (hi - lo) * amplitude(c)` and then falls to 0 (the seed's phase two
/// ends at zero, not at `lo`). Use [`CosineCycles`] for the fixed shape.
///
/// ```
/// use clr_core::{HyperSchedule, KerasClr};
///
/// let s = KerasClr::builder(3, (0.002_f64, 0.01), 600).build_keras()?;
/// assert_eq!(s.hypers(0).lr, 0.002);
/// assert_eq!(s.hypers(200).lr, 0.002); // a new cycle starts every 200 steps
/// assert!(s.hypers(199).lr < 0.002); // ...after falling towards 0
/// # Ok::<(), clr_core::Error>(())
/// ```
pub type KerasClr<F> = SeedClr<F, KerasShape>;

/// The seed's CLR with its quirk fixed: every cycle rises by cosine from `lo`
/// to `lo + (hi - lo) * amplitude(c)` and falls back to `lo`.
///
/// ```
/// use clr_core::{Amplitude, CosineCycles, HyperSchedule};
///
/// let s = CosineCycles::builder(3, (0.002_f64, 0.01), 600)
///     .amplitude(Amplitude::Decay(1.0 / 3.0))
///     .build_fixed()?;
/// assert!(s.hypers(199).lr >= 0.002);
/// # Ok::<(), clr_core::Error>(())
/// ```
pub type CosineCycles<F> = SeedClr<F, FixedShape>;

impl<F: Real> KerasClr<F> {
    /// A builder with the seed's defaults; finish with [`ClrBuilder::build_keras`].
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real> CosineCycles<F> {
    /// A builder with the seed's defaults; finish with [`ClrBuilder::build_fixed`].
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real, S: ClrShape> SeedClr<F, S> {
    fn new(config: ClrBuilder<F>) -> Self {
        SeedClr {
            config,
            shape: PhantomData,
            steps: config.total_steps as f64,
            cycles: config.cycles as f64,
            halves: [
                ClrHalf::of::<S>(&config, true),
                ClrHalf::of::<S>(&config, false),
            ],
            grid: Grid::new(config.total_steps, config.cycles, config.phase_one_fraction),
        }
    }

    /// The learning rate from the wave and the cycle's amplitude.
    #[inline(always)]
    fn lr_of(&self, full: F, rise: bool, amplitude: f64) -> F {
        let (lo, hi) = self.config.lr_range;
        let half = &self.halves[half_index(rise)];
        half_times(full, (hi - lo) * F::from_f64(amplitude) + half.inner) + half.outer
    }
}

/// `wave.times(amp)` without choosing the operation order by a branch:
/// `full * amp / 2` on both halves. The seed halves before or after the
/// product; halving is exact away from the subnormals, so the bits are the
/// same. Halving `amp` first would take a multiplication off the chain that
/// waits for the wave, but a subnormal `amp`'s half rounds and can put a
/// full wave above `amp` (and a learning rate above its range); halving the
/// product cannot: `full * amp <= 2 amp`, whose half is `amp`.
#[inline(always)]
fn half_times<F: Real>(full: F, amp: F) -> F {
    full * amp * F::from_f64(0.5)
}

impl<F: Real, S: ClrShape> HyperSchedule<F> for SeedClr<F, S> {
    #[inline(always)]
    fn hypers(&self, step: u64) -> Hypers<F> {
        if self.config.amplitude.is_unit() {
            self.hypers_with(step, |_| 1.0)
        } else {
            Hypers::from_lr_and_momentum(self.hypers_scaled(step), self.has_momentum())
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
    fn fill_lr(&self, out: &mut [F], first_step: u64) {
        self.fill_waves(
            out,
            first_step,
            |full, rise, amplitude| self.lr_of(full, rise, amplitude),
            |step| self.hypers(step).lr,
        )
    }
    fn fill_momentum(&self, out: &mut [F], first_step: u64) {
        match self.config.momentum_range {
            Some((m1, m2)) => self.fill_waves(
                out,
                first_step,
                |full, _, _| half_times(full, m2 - m1) + m1,
                |step| self.hypers(step).momentum.unwrap_or(F::nan()),
            ),
            None => out.fill(F::nan()),
        }
    }
    fn stepper(&self, step: u64) -> Stepper {
        stepper::stepper_at(&self.steps(), step)
    }
    #[inline(always)]
    fn advance(&self, stepper: &mut Stepper) {
        stepper::advance(stepper, || self.steps())
    }
    #[inline(always)]
    fn stepped(&self, stepper: &Stepper) -> Hypers<F> {
        let momentum = self.config.momentum_range.is_some();
        stepper::stepped_hypers(stepper, momentum, |k| self.hypers(k))
    }
}

impl<F: Real, S: ClrShape> SeedClr<F, S> {
    /// `hypers` with the amplitude of cycle `c` from `amplitude(c)`: the
    /// cycle and half from [`Grid`] where certain (the same values as the
    /// seed's floats there), else from the seed's own path.
    #[inline(always)]
    fn hypers_with(&self, step: u64, amplitude: impl Fn(f64) -> f64) -> Hypers<F> {
        let c = &self.config;
        let k = step.min(c.total_steps - 1);
        let Some((cycle, rise, rem)) = self.grid.locate(k) else {
            let values = self.hypers_at_edge(step, amplitude);
            return Hypers::from_lr_and_momentum(values, self.has_momentum());
        };
        // rem < n <= 2^53 and c < cyc <= 2^53: the signed conversions are exact.
        let arg = self.halves[half_index(rise)].line.arg(rem as i64 as f64);
        let cycle = cycle as i64 as f64;
        self.hypers_of(HalfLine::wave(arg), rise, amplitude(cycle))
    }

    /// `hypers` at a step where [`Grid`] is not certain: the seed's
    /// rounded cycle, clamp and compare (out of line: these are few), as
    /// [`Hypers::lr_and_momentum`].
    #[cold]
    #[inline(never)]
    fn hypers_at_edge(&self, step: u64, amplitude: impl Fn(f64) -> f64) -> (F, F) {
        let c = &self.config;
        let k = clamped_position(step, c.total_steps);
        let (cycle, x) = position_in(k, self.steps, self.cycles);
        // Positions are kept in [0, 1] (rounding can step a hair outside).
        let x = x.clamp(0.0, 1.0);
        let rise = x < c.phase_one_fraction;
        let full = self.halves[half_index(rise)].wave.wave_at(x);
        self.hypers_of(full, rise, amplitude(cycle))
            .lr_and_momentum()
    }

    /// The learning rate and momentum from the wave.
    #[inline(always)]
    fn hypers_of(&self, full: F, rise: bool, amplitude: f64) -> Hypers<F> {
        let lr = self.lr_of(full, rise, amplitude);
        let momentum = (self.config.momentum_range).map(|(m1, m2)| half_times(full, m2 - m1) + m1);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }

    /// `hypers` with an amplitude that varies: out of line, so that the
    /// common constant amplitude has no call (and no spills around it) in
    /// a caller's loop; as [`Hypers::lr_and_momentum`].
    #[inline(never)]
    fn hypers_scaled(&self, step: u64) -> (F, F) {
        self.hypers_with(step, |cycle| self.config.amplitude.at(cycle))
            .lr_and_momentum()
    }

    /// `out[i] = value(full, rise, amplitude)` at step `first + i`;
    /// `at(step)` is the same value computed alone. The steps before the
    /// last are cut into runs of one cycle and one half of it (the seed's
    /// rounded ones: the cycle's amplitude and the half's formula fixed);
    /// in each, the steps where [`Grid`] is certain (all but a few at the
    /// run's ends) are filled by straight-line loops that vectorise, from
    /// the exact positions `hypers` takes there; the others, the steps the
    /// seed's clamp moves, and the steps past the last go one by one.
    fn fill_waves(
        &self,
        out: &mut [F],
        first: u64,
        value: impl Fn(F, bool, f64) -> F,
        at: impl Fn(u64) -> F,
    ) {
        let c = &self.config;
        let f = c.phase_one_fraction;
        // (cycle, region) never decreases: each value is one run of steps.
        let key = |k: u64| {
            let (cycle, x) = c.position_at(k as f64);
            (cycle, seed_region(x, f))
        };
        let fill_run = |run: &mut [F], step: u64, (cycle, region): (f64, u8)| {
            let amplitude = c.amplitude.at(cycle);
            match seed_half::<F>(region, f) {
                // Constant flags: each loop's body is straight-line.
                Some((_, true)) => {
                    self.fill_run(run, step, cycle, true, &|w| value(w, true, amplitude), &at)
                }
                Some((_, false)) => self.fill_run(
                    run,
                    step,
                    cycle,
                    false,
                    &|w| value(w, false, amplitude),
                    &at,
                ),
                None => run.iter_mut().zip(step..).for_each(|(v, k)| *v = at(k)),
            }
        };
        fill_seed_runs(out, first, c.total_steps, key, fill_run, &at);
    }

    /// `out[i] = value(wave)` at step `first + i`, all before the last step,
    /// in the seed's `cycle` and half `rise`: the steps where [`Grid`] is
    /// certain by the half's line, counting `rem` in `f64` (exact: below
    /// `n <= 2^53`), the others by `at`.
    #[inline(always)]
    fn fill_run(
        &self,
        out: &mut [F],
        first: u64,
        cycle: f64,
        rise: bool,
        value: &impl Fn(F) -> F,
        at: &impl Fn(u64) -> F,
    ) {
        let (ka, kb) = self.grid.certain_steps(cycle as u64, rise);
        let end = first + out.len() as u64;
        let (ka, kb) = (ka.clamp(first, end), kb.clamp(first, end));
        let kb = kb.max(ka);
        let (before, rest) = out.split_at_mut((ka - first) as usize);
        let (middle, after) = rest.split_at_mut((kb - ka) as usize);
        before.iter_mut().zip(first..).for_each(|(v, k)| *v = at(k));
        after.iter_mut().zip(kb..).for_each(|(v, k)| *v = at(k));
        if middle.is_empty() {
            return;
        }
        let half = self.halves[half_index(rise)];
        // In the run, k * cyc = cycle * n + rem: rem of ka, then cyc a step.
        let rem0 = (ka * self.config.cycles - cycle as u64 * self.config.total_steps) as f64;
        fill_two_pass(
            middle,
            rem0,
            self.cycles,
            |rem| half.line.arg(rem),
            |arg| value(HalfLine::wave(arg)),
        );
    }

    fn steps(&self) -> ClrSteps<'_, F> {
        ClrSteps {
            config: &self.config,
            fixed: !S::FALLS_TO_ZERO,
            grid: self.grid,
            halves: &self.halves,
        }
    }
}

#[cfg(test)]
mod exact {
    use super::*;

    #[test]
    fn halved32_is_inv_pow2_rounded_to_f32() {
        for index in (0..1100).chain([1 << 20, 1 << 51]) {
            assert_eq!(
                halved32(index).to_bits(),
                (inv_pow2(index as f64) as f32).to_bits(),
                "{index}"
            );
        }
    }

    #[test]
    fn inv_pow2_is_one_over_libm_pow() {
        for e in 0..1100u32 {
            let e = f64::from(e);
            assert_eq!(
                inv_pow2(e).to_bits(),
                (1.0 / libm::pow(2.0, e)).to_bits(),
                "{e}"
            );
        }
    }

    #[test]
    fn floor_non_negative_is_floor() {
        let mut x = 0.0_f64;
        while x < 1e20 {
            for v in [x, x + 0.5, x * 1.000_000_1, x + 1e-9] {
                assert_eq!(
                    floor_non_negative(v).to_bits(),
                    libm::floor(v).to_bits(),
                    "{v}"
                );
            }
            x = x * 1.37 + 1.0;
        }
        assert!(floor_non_negative(f64::NAN).is_nan() || floor_non_negative(f64::NAN) == 0.0);
    }

    /// `fill_lr` and `fill_momentum` give `hypers`' bits, over runs that
    /// cross many half cycles and start anywhere in one.
    fn fill_is_hypers<F: Real>(s: &CyclicLr<F>, first: u64) {
        let mut lr = [F::zero(); 3000];
        let mut momentum = [F::zero(); 3000];
        s.fill_lr(&mut lr, first);
        s.fill_momentum(&mut momentum, first);
        for (i, (l, m)) in lr.iter().zip(&momentum).enumerate() {
            let step = first.saturating_add(i as u64);
            let h = s.hypers(step);
            assert_eq!(
                Real::to_f64(*l).to_bits(),
                Real::to_f64(h.lr).to_bits(),
                "lr {step}"
            );
            let want = Real::to_f64(h.momentum.unwrap_or(F::nan()));
            assert_eq!(
                Real::to_f64(*m).to_bits(),
                want.to_bits(),
                "momentum {step}"
            );
        }
    }

    fn fill_is_hypers_for<F: Real>() {
        let modes = [
            CyclicMode::Triangular,
            CyclicMode::Triangular2,
            CyclicMode::ExpRange { gamma: 0.99 },
            CyclicMode::ExpRange { gamma: 0.999_99 },
            CyclicMode::Custom {
                scale_fn: |c| 1.0 / c,
                scale_mode: ScaleMode::Cycle,
            },
            CyclicMode::Custom {
                scale_fn: |k| 1.0 / (1.0 + k),
                scale_mode: ScaleMode::Iterations,
            },
        ];
        let sizes = [
            (1, Some(0)),
            (3, None),
            (7, Some(2)),
            (5, Some(11)),
            (400, None),
        ];
        // 10_000: exp_range (gamma 0.99) crosses exp32's floor at 10_350.
        let firsts = [
            0,
            1,
            6,
            399,
            10_000,
            1 << 40,
            (1 << 53) - 1000,
            u64::MAX - 5,
        ];
        for mode in modes {
            for (up, down) in sizes {
                let mut b = CyclicLr::builder(F::from_f64(0.001), F::from_f64(0.1))
                    .step_size_up(up)
                    .mode(mode);
                b.step_size_down = down;
                let s = b.build().unwrap();
                for first in firsts {
                    fill_is_hypers(&s, first);
                }
                fill_is_hypers(&b.no_momentum().build().unwrap(), 3);
            }
        }
    }

    #[test]
    fn even_factor_is_pytorchs_division() {
        let mut x = 0.0_f64;
        let check = |x: f64| {
            let want = if x <= 0.5 {
                x / 0.5
            } else {
                (x - 1.0) / (0.5 - 1.0)
            };
            assert_eq!(even_factor(x).to_bits(), want.to_bits(), "{x:e}");
        };
        for x in [
            0.0,
            5e-324,
            0.25,
            0.5,
            0.5 + f64::EPSILON / 4.0,
            0.75,
            1.0 - f64::EPSILON / 2.0,
        ] {
            check(x);
        }
        for _ in 0..100_000 {
            x = (x + 0.618_033_988_749_894_8) % 1.0;
            check(x);
        }
    }

    #[test]
    fn integer_cycles_are_pytorchs() {
        for (up, down) in [
            (1, 0),
            (1, 2),
            (20_000, 20_000),
            (3, 1 << 40),
            (1 << 50, 1 << 50),
        ] {
            let s = CyclicLr::builder(0.001_f64, 0.1)
                .step_size_up(up)
                .step_size_down(down)
                .build()
                .unwrap();
            let n = s.cycle_steps.get();
            let edge = |c: u64, d: u64| c.saturating_mul(n).saturating_add(d).saturating_sub(1);
            let mut steps = [
                0,
                1,
                s.int_limit,
                s.int_limit + 1,
                u64::MAX,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
            ];
            for (i, c) in [1, 2, 1000, s.int_limit / n].into_iter().enumerate() {
                for d in 0..3 {
                    steps[5 + 3 * i + d as usize] = edge(c, d);
                }
            }
            // Past the limit `cycle_x_of` is `cycle_x` itself.
            for step in steps.into_iter().filter(|k| *k <= s.int_limit) {
                let position = position_of(step);
                let (a, b) = (s.cycle_x_of(step, position), s.cycle_x(position));
                assert_eq!(
                    (a.0.to_bits(), a.1.to_bits()),
                    (b.0.to_bits(), b.1.to_bits()),
                    "{step}"
                );
            }
        }
    }

    /// The `f32` schedules' factor from integers is PyTorch's `f64` factor
    /// within an `f32` ulp and the rounding of PyTorch's `x` (an ulp of
    /// `1 + ratio`, divided by the half's share of the cycle), peaks and
    /// saw-teeth included.
    #[test]
    fn factor_of_place_is_pytorchs_factor() {
        for (up, down) in [(1, 0), (1, 2), (7, 2), (5, 11), (2000, 2000), (3, 1 << 40)] {
            let s = CyclicLr::builder(0.001_f32, 0.1)
                .step_size_up(up)
                .step_size_down(down)
                .build()
                .unwrap();
            let n = s.cycle_steps.get();
            for cycle in [0, 1, 2, 999] {
                for r in [
                    0,
                    1,
                    up / 2,
                    up - 1,
                    up,
                    up + 1,
                    n / 2,
                    n.saturating_sub(2),
                    n - 1,
                ] {
                    let step = cycle * n + r.min(n - 1);
                    let (index, place, falling) = s.place(step);
                    let got = f64::from(s.factor_of_place(place, falling));
                    let (c, num, den) = s.split(step as f64);
                    let side = s
                        .step_ratio
                        .min(1.0 - s.step_ratio)
                        .max(s.step_ratio / n as f64);
                    let tolerance =
                        4.0 * f64::EPSILON * (c + 1.0) / side + f64::from(f32::EPSILON) * got.abs();
                    assert_eq!(index + 1, c as u64, "up {up} down {down} step {step}");
                    assert!(
                        (got - num / den).abs() <= tolerance,
                        "up {up} down {down} step {step}: {got} against {}",
                        num / den
                    );
                }
            }
        }
    }

    #[test]
    fn cyclic_fill_is_hypers() {
        fill_is_hypers_for::<f64>();
        fill_is_hypers_for::<f32>();
    }

    /// The serialized form leaves the precomputed constants out, and
    /// deserializing rebuilds: same values, and invalid configurations refused.
    #[cfg(feature = "serde")]
    #[test]
    fn serde_recomputes_the_constants() {
        let s = CyclicLr::builder(0.001_f64, 0.1)
            .step_size_up(7)
            .mode(CyclicMode::ExpRange { gamma: 0.99 })
            .build()
            .unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            !json.contains("ln_gamma") && !json.contains("inv_"),
            "{json}"
        );
        let back: CyclicLr<f64> = serde_json::from_str(&json).unwrap();
        for k in [0, 5, 100, 1 << 40] {
            assert_eq!(back.hypers(k).lr.to_bits(), s.hypers(k).lr.to_bits());
        }
        let bad = json.replace("0.99", "1.5");
        assert!(serde_json::from_str::<CyclicLr<f64>>(&bad).is_err());
        let clr = KerasClr::builder(3, (0.002_f64, 0.01), 600)
            .build_keras()
            .unwrap();
        let json = serde_json::to_string(&clr).unwrap();
        let back: KerasClr<f64> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.hypers(250).lr.to_bits(), clr.hypers(250).lr.to_bits());
    }

    /// The seed's CLR shapes: `fill_lr` and `fill_momentum` give `hypers`'
    /// bits from `first` on.
    fn seed_fill_is_hypers<F: Real, S: ClrShape>(s: &SeedClr<F, S>, first: u64) {
        let (mut lr, mut momentum) = ([F::zero(); 1500], [F::zero(); 1500]);
        s.fill_lr(&mut lr, first);
        s.fill_momentum(&mut momentum, first);
        for (i, (l, m)) in lr.iter().zip(&momentum).enumerate() {
            let step = first.saturating_add(i as u64);
            let h = s.hypers(step);
            let bits = |x: F| Real::to_f64(x).to_bits();
            assert_eq!(bits(*l), bits(h.lr), "lr {step}");
            assert_eq!(bits(*m), bits(h.momentum.unwrap()), "momentum {step}");
        }
    }

    /// Runs cut at every cycle and half-cycle boundary (and where the
    /// seed's clamp acts), from anywhere, long and one-step cycles, every
    /// fraction kind and amplitude policy.
    fn seed_clr_fill_is_hypers<F: Real>() {
        let big = 1u64 << 53;
        let amplitudes = [
            Amplitude::Decay(1.0),
            Amplitude::Decay(0.9),
            Amplitude::Custom(|c| 1.0 / (1.0 + c)),
        ];
        for (cycles, n) in [
            (1, 10),
            (3, 1000),
            (7, 4099),
            (10, 100_003),
            (500, 1000),
            (999, 1000),
            // x in cycle rounds past 1 at step 15 (the seed clamps it).
            (55, 55),
            (55, 132),
            (3, big - 3),
            (5, big),
            (5, big + 9),
        ] {
            for f in [0.0, 1e-9, 0.3, 0.5, 1.0] {
                for amplitude in amplitudes {
                    let b = KerasClr::builder(cycles, (F::from_f64(0.002), F::from_f64(0.01)), n)
                        .momentum_range(F::from_f64(0.95), F::from_f64(0.85))
                        .phase_one_fraction(f)
                        .amplitude(amplitude);
                    let period = n / cycles;
                    let cut = (f * period as f64) as u64;
                    let edges = [cut.saturating_sub(3), period.saturating_sub(2)];
                    let later = [
                        (2 * period + cut).saturating_sub(700),
                        n.saturating_sub(900),
                    ];
                    for first in [0, 1, big - 5, u64::MAX - 5]
                        .into_iter()
                        .chain(edges)
                        .chain(later)
                    {
                        seed_fill_is_hypers(&b.build_keras().unwrap(), first);
                        seed_fill_is_hypers(&b.build_fixed().unwrap(), first);
                    }
                }
            }
        }
    }

    #[test]
    fn seed_clr_fill_is_hypers_f32() {
        seed_clr_fill_is_hypers::<f32>();
    }

    #[test]
    fn seed_clr_fill_is_hypers_f64() {
        seed_clr_fill_is_hypers::<f64>();
    }

    /// Where [`Grid`] is certain, its cycle and half are the seed's
    /// (rounded `floor(x * cyc)`, `x' < f`) and `x'` needs no clamp: every
    /// step of small runs, and the steps around every cycle's ends and
    /// fraction of long ones.
    #[test]
    fn grid_is_the_seeds() {
        let mut certain = 0u64;
        let mut check = |grid: Grid, (n, cyc, f): (u64, u64, f64), k: u64| {
            let Some((c, rise, _)) = grid.locate(k) else {
                return;
            };
            certain += 1;
            let (cycle, x) = position_in(k as f64, n as f64, cyc as f64);
            assert_eq!(
                (c as f64, rise),
                (cycle, x < f),
                "n {n} cyc {cyc} f {f} k {k}"
            );
            assert!((0.0..=1.0).contains(&x), "n {n} cyc {cyc} f {f} k {k}: {x}");
        };
        for n in [1u64, 2, 3, 7, 10, 97, 600, 1000, 4096, 9973] {
            for cyc in [1u64, 2, 3, 7, 10, 64, 97, 600] {
                for f in [0.0, 0.1, 0.3, 0.5, 1.0 / 3.0, 0.999, 1.0] {
                    let grid = Grid::new(n, cyc, f);
                    (0..n).for_each(|k| check(grid, (n, cyc, f), k));
                }
            }
        }
        for n in [1_000_000u64, 123_456_789, 1 << 40, (1 << 53) - 1, 1 << 53] {
            for cyc in [1u64, 3, 10, 7919, 1 << 20] {
                for f in [0.0, 0.3, 0.5, 0.7, 1.0] {
                    let grid = Grid::new(n, cyc, f);
                    let (n_f, cyc_f) = (n as f64, cyc as f64);
                    // Around the start of the first, middle and last cycles
                    // and their fractions.
                    for c in [0, cyc / 2, cyc - 1] {
                        for edge in [c as f64, c as f64 + f, c as f64 + 1.0] {
                            let at = (edge / cyc_f * n_f) as u64;
                            for k in at.saturating_sub(3000)..(at + 3000).min(n) {
                                check(grid, (n, cyc, f), k);
                            }
                        }
                    }
                }
            }
        }
        assert!(certain > 1_000_000, "{certain}");
    }

    /// [`Grid::certain_steps`] is exactly the steps where `locate` gives
    /// that cycle and half (what `fill` takes the line for).
    #[test]
    fn certain_steps_are_where_the_grid_is_certain() {
        for n in [1u64, 2, 3, 7, 10, 97, 600, 1000, 4096] {
            for cyc in [1u64, 2, 3, 7, 10, 64, 97] {
                for f in [0.0, 0.1, 0.3, 0.5, 1.0 / 3.0, 0.999, 1.0] {
                    let grid = Grid::new(n, cyc, f);
                    for c in 0..=cyc {
                        for rise in [true, false] {
                            let (ka, kb) = grid.certain_steps(c, rise);
                            for k in 0..n {
                                let certain = grid.locate(k).map(|(c, r, _)| (c, r));
                                assert_eq!(
                                    (ka..kb).contains(&k),
                                    certain == Some((c, rise)),
                                    "n {n} cyc {cyc} f {f} c {c} rise {rise} k {k}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
