//! [`proptest`](https://docs.rs/proptest) strategies that generate valid
//! configurations of every preset, and invariant checkers that work on any
//! [`Schedule`], yours included.
//!
//! Every strategy yields a builder (or, for the sweep, an
//! [`LrSweepConfig`](crate::proptest::LrSweepConfig)) whose `build`
//! succeeds, with realistic but generous ranges: learning rates from `1e-6`
//! to `10`, runs from 1 to 100 000 steps, fractions anywhere in `[0, 1]` (the
//! ends included), both anneal strategies, with and without momentum.
//!
//! The checkers return `Ok(())` or a [`Violation`](crate::proptest::Violation)
//! naming the failing step and the values involved; they never panic, so
//! they fit in `prop_assert!` (`Violation` is an `Error`, so `?` works in a
//! `proptest!` body), plain `assert!` or your own reporting.
//!
//! ```
//! use clr_core::proptest::{check_bounded, check_continuous_within, one_cycle_lr};
//! use clr_core::HyperSchedule;
//! use proptest::prelude::*;
//!
//! proptest!(ProptestConfig::with_cases(16), |(builder in one_cycle_lr())| {
//!     let schedule = builder.build().expect("the strategy only yields valid builders");
//!     let total = schedule.total_steps().unwrap();
//!     let max_lr = builder.max_lr;
//!     let initial = max_lr / builder.div_factor;
//!     // final_div_factor may be below 1: the last value then tops the rest.
//!     let last = initial / builder.final_div_factor;
//!     let lo = initial.min(last).min(max_lr);
//!     let hi = initial.max(last).max(max_lr);
//!     let first = total.min(100);
//!     prop_assert!(check_bounded(&schedule.lr(), lo, hi, 0..first).is_ok());
//!     // No step moves the learning rate by more than the whole range.
//!     let jump = check_continuous_within(&schedule.lr(), 0..first, hi - lo);
//!     prop_assert!(jump.is_ok(), "{}", jump.unwrap_err());
//! });
//! ```

use core::fmt;
use core::ops::Range;

use ::proptest::prelude::*;

use crate::error::Error;
use crate::fastai::{FitOneCycle, FitOneCycleBuilder};
use crate::keras::{Amplitude, ClrBuilder, KerasClr, KerasOneCycle, KerasOneCycleBuilder};
use crate::real::Real;
use crate::schedule::Schedule;
use crate::sweep::{LrSweep, SweepMode};
use crate::torch::{
    AnnealStrategy, CosineRestarts, CosineRestartsBuilder, CyclicLr, CyclicLrBuilder, CyclicMode,
    Length, OneCycleLr, OneCycleLrBuilder,
};

// ---------------------------------------------------------------------------
// Building blocks.
// ---------------------------------------------------------------------------

/// A learning rate, spread evenly in log scale over `[1e-6, 10]`.
pub fn learning_rate() -> impl Strategy<Value = f64> + Clone {
    log_uniform(1e-6, 10.0)
}

/// A run length in steps, from 1 to 100 000, biased towards short runs (where
/// rounding at phase boundaries matters most) without neglecting long ones.
pub fn total_steps() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![
        2 => 1u64..=16,
        3 => 1u64..=1_000,
        2 => 1u64..=100_000,
    ]
}

/// A fraction in `[0, 1]`: the ends, the usual defaults, or anything between.
pub fn fraction() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        1 => Just(0.0),
        1 => Just(1.0),
        1 => prop::sample::select(&[0.1, 0.25, 0.3, 0.5, 0.75][..]),
        6 => 0.0..=1.0f64,
    ]
}

/// A momentum (or Adam beta1) in `[0, 1]`, mostly near the usual 0.8–0.99.
pub fn momentum_value() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        3 => 0.8..=0.99f64,
        1 => fraction(),
    ]
}

/// A value spread evenly in log scale over `[lo, hi]` (both `> 0`).
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> + Clone {
    (libm::log(lo)..=libm::log(hi)).prop_map(move |x| libm::exp(x).clamp(lo, hi))
}

fn anneal_strategy() -> impl Strategy<Value = AnnealStrategy> + Clone {
    prop_oneof![Just(AnnealStrategy::Cos), Just(AnnealStrategy::Linear)]
}

fn momentum_pair() -> impl Strategy<Value = (f64, f64)> + Clone {
    (momentum_value(), momentum_value())
}

// ---------------------------------------------------------------------------
// Preset strategies.
// ---------------------------------------------------------------------------

/// Valid [`OneCycleLrBuilder`]s: step or epoch lengths, any `pct_start` in
/// `[0, 1]`, cos or linear, two or three phases, `div_factor` in
/// `[0.5, 1e4]`, `final_div_factor` in `[0.5, 1e5]`, momentum cycled (in
/// either order) or not.
pub fn one_cycle_lr() -> impl Strategy<Value = OneCycleLrBuilder<f64>> {
    let length = prop_oneof![
        3 => total_steps().prop_map(Length::Steps),
        1 => (1u64..=100, 1u64..=1_000).prop_map(|(epochs, steps_per_epoch)| Length::Epochs {
            epochs,
            steps_per_epoch,
        }),
    ];
    (
        learning_rate(),
        length,
        fraction(),
        anneal_strategy(),
        log_uniform(0.5, 1e4),
        log_uniform(0.5, 1e5),
        any::<bool>(),
        prop::option::weighted(0.75, momentum_pair()),
    )
        .prop_map(
            |(max_lr, length, pct_start, anneal, div, final_div, three_phase, momentum)| {
                let mut b = OneCycleLr::builder(max_lr, 1)
                    .pct_start(pct_start)
                    .anneal(anneal)
                    .div_factor(div)
                    .final_div_factor(final_div)
                    .three_phase(three_phase);
                b.length = length;
                b.momentum = momentum;
                b
            },
        )
}

/// Valid [`FitOneCycleBuilder`]s: `div` in `[1, 1e4]`, `div_final` in
/// `[1, 1e6]`, any `pct_start` in `[0, 1]`, any three momenta in `[0, 1]`.
pub fn fit_one_cycle() -> impl Strategy<Value = FitOneCycleBuilder<f64>> {
    (
        learning_rate(),
        total_steps(),
        log_uniform(1.0, 1e4),
        log_uniform(1.0, 1e6),
        fraction(),
        (momentum_value(), momentum_value(), momentum_value()),
    )
        .prop_map(|(lr_max, total, div, div_final, pct, (m0, m1, m2))| {
            FitOneCycle::builder(lr_max, total)
                .div(div)
                .div_final(div_final)
                .pct_start(pct)
                .moms(m0, m1, m2)
        })
}

/// A `(lo, hi)` learning-rate range with `0 <= lo <= hi`, `hi` in
/// `[1e-6, 10]` (`lo` may be 0 or equal to `hi`).
pub fn lr_range() -> impl Strategy<Value = (f64, f64)> + Clone {
    let lo_share = prop_oneof![
        1 => Just(0.0),
        1 => Just(1.0),
        4 => log_uniform(1e-4, 1.0),
    ];
    (learning_rate(), lo_share).prop_map(|(hi, share)| ((hi * share).min(hi), hi))
}

/// Valid [`KerasOneCycleBuilder`]s: any [`lr_range`], any
/// `phase_one_fraction` in `[0, 1]`, momentum cycled or not.
pub fn keras_one_cycle() -> impl Strategy<Value = KerasOneCycleBuilder<f64>> {
    (
        lr_range(),
        total_steps(),
        fraction(),
        prop::option::weighted(0.6, momentum_pair()),
    )
        .prop_map(|(range, total, fraction, momentum)| {
            let mut b = KerasOneCycle::builder(range, total).phase_one_fraction(fraction);
            b.momentum_range = momentum;
            b
        })
}

fn halving(cycle: f64) -> f64 {
    libm::pow(0.5, cycle)
}

fn harmonic(cycle: f64) -> f64 {
    1.0 / (1.0 + cycle)
}

/// An [`Amplitude`] in `(0, 1]` for every cycle: constant (the Keras package's
/// default), a decay in `[0.1, 1]`, or one of two custom functions
/// (`0.5^c` and `1 / (1 + c)`).
pub fn amplitude() -> impl Strategy<Value = Amplitude> + Clone {
    prop_oneof![
        3 => Just(Amplitude::Decay(1.0)),
        3 => (0.1..=1.0f64).prop_map(Amplitude::Decay),
        1 => Just(Amplitude::Custom(halving)),
        1 => Just(Amplitude::Custom(harmonic)),
    ]
}

/// Valid [`ClrBuilder`]s (finish with `build_keras` for [`KerasClr`] or
/// `build_fixed` for [`CosineCycles`](crate::CosineCycles)): 1 to 100
/// cycles, any [`lr_range`], any `phase_one_fraction`, an [`amplitude`] that
/// never exceeds the first cycle's, momentum cycled or not.
pub fn keras_clr() -> impl Strategy<Value = ClrBuilder<f64>> {
    (
        prop_oneof![3 => 1u64..=8, 1 => 1u64..=100],
        lr_range(),
        total_steps(),
        fraction(),
        amplitude(),
        prop::option::weighted(0.6, momentum_pair()),
    )
        .prop_map(|(cycles, range, total, fraction, amplitude, momentum)| {
            let mut b = KerasClr::builder(cycles, range, total)
                .phase_one_fraction(fraction)
                .amplitude(amplitude);
            b.momentum_range = momentum;
            b
        })
}

/// A [`CyclicMode`] other than `Custom` whose scale never exceeds 1:
/// triangular, triangular2, or exp_range with `gamma` in `[0.5, 1]`.
pub fn cyclic_mode() -> impl Strategy<Value = CyclicMode> + Clone {
    prop_oneof![
        3 => Just(CyclicMode::Triangular),
        2 => Just(CyclicMode::Triangular2),
        1 => (0.999..=1.0f64).prop_map(|gamma| CyclicMode::ExpRange { gamma }),
        1 => (0.5..=1.0f64).prop_map(|gamma| CyclicMode::ExpRange { gamma }),
    ]
}

/// Valid [`CyclicLrBuilder`]s: `base_lr` (0 included) usually below `max_lr`
/// but sometimes above it (PyTorch's inverted triangle), rises of 1 to 5000
/// steps, falls of 0 (saw-tooth) to 5000 steps or the default (symmetric),
/// every mode but `Custom` ([`cyclic_mode`]), momentum cycled or not.
pub fn cyclic_lr() -> impl Strategy<Value = CyclicLrBuilder<f64>> {
    let lrs = prop_oneof![
        4 => (learning_rate(), learning_rate())
            .prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => learning_rate().prop_map(|max| (0.0, max)),
        1 => (learning_rate(), learning_rate())
            .prop_map(|(a, b)| (a.max(b), a.min(b))),
    ];
    let size = prop_oneof![2 => 1u64..=20, 1 => 1u64..=5_000];
    let down = prop_oneof![
        2 => Just(None),
        1 => Just(Some(0)),
        3 => prop_oneof![2 => 1u64..=20, 1 => 1u64..=5_000].prop_map(Some),
    ];
    (
        lrs,
        size,
        down,
        cyclic_mode(),
        prop::option::weighted(0.7, momentum_pair()),
    )
        .prop_map(|((base, max), up, down, mode, momentum)| {
            let mut b = CyclicLr::builder(base, max).step_size_up(up).mode(mode);
            b.step_size_down = down;
            b.momentum = momentum;
            b
        })
}

/// Valid [`CosineRestartsBuilder`]s: `T_0` of 1 to 10 000 steps, `T_mult` an
/// integer in `1..=4` or a real in `[1, 3]`, `eta_min` in `[0, lr]`,
/// `peak_decay` in `[0.1, 1]`, a warm-up shorter than `T_0`.
pub fn cosine_restarts() -> impl Strategy<Value = CosineRestartsBuilder<f64>> {
    let t0 = prop_oneof![2 => 1u64..=20, 1 => 1u64..=10_000];
    let t_mult = prop_oneof![
        2 => Just(1.0),
        2 => (2u32..=4).prop_map(f64::from),
        2 => 1.0..=3.0f64,
    ];
    let eta_share = prop_oneof![1 => Just(0.0), 2 => 0.0..1.0f64];
    let peak_decay = prop_oneof![2 => Just(1.0), 1 => 0.1..=1.0f64];
    (
        learning_rate(),
        t0,
        t_mult,
        eta_share,
        peak_decay,
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(
            |(lr, t0, t_mult, eta_share, peak_decay, warm, has_warmup)| {
                let warmup = if has_warmup {
                    warm.index(usize::try_from(t0).unwrap_or(usize::MAX)) as u64
                } else {
                    0
                };
                CosineRestarts::builder(lr, t0)
                    .t_mult(t_mult)
                    .eta_min(lr * eta_share)
                    .peak_decay(peak_decay)
                    .warmup(warmup)
            },
        )
}

/// The arguments of [`LrSweep::new`], which has no builder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrSweepConfig<F> {
    /// `(lo, hi)`: the first and the last learning rate.
    pub lr_range: (F, F),
    /// The number of learning rates (the range test's steps).
    pub steps: u64,
    /// Evenly spaced in `log10` or in the learning rate.
    pub mode: SweepMode,
}

impl<F: Real> LrSweepConfig<F> {
    /// Builds the sweep: `LrSweep::new(lr_range, steps, mode)`.
    pub fn build(&self) -> Result<LrSweep<F>, Error> {
        LrSweep::new(self.lr_range, self.steps, self.mode)
    }
}

/// Valid [`LrSweepConfig`]s: both ends in `[1e-6, 10]`, usually rising but
/// sometimes flat or falling (numpy's `linspace` sweeps downwards when asked
/// to), 1 to 100 000 steps, either spacing.
pub fn lr_sweep() -> impl Strategy<Value = LrSweepConfig<f64>> {
    let range = prop_oneof![
        4 => (learning_rate(), learning_rate()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => learning_rate().prop_map(|a| (a, a)),
        1 => (learning_rate(), learning_rate()).prop_map(|(a, b)| (a.max(b), a.min(b))),
    ];
    let mode = prop_oneof![Just(SweepMode::Exp), Just(SweepMode::Linear)];
    (range, total_steps(), mode).prop_map(|(lr_range, steps, mode)| LrSweepConfig {
        lr_range,
        steps,
        mode,
    })
}

// ---------------------------------------------------------------------------
// Invariant checkers.
// ---------------------------------------------------------------------------

/// Why an invariant checker refused a schedule: the first failing step and
/// the values involved (all as `f64`, exactly converted from `F`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Violation {
    /// The value at `step` is NaN or infinite.
    NotFinite {
        /// The failing step.
        step: u64,
        /// Its value.
        value: f64,
    },
    /// The value at `step` is outside `[lo, hi]` (beyond the checker's slack).
    OutOfBounds {
        /// The failing step.
        step: u64,
        /// Its value.
        value: f64,
        /// The lower bound.
        lo: f64,
        /// The upper bound.
        hi: f64,
    },
    /// The values at `step` and `step + 1` differ by more than `max_jump`.
    Jump {
        /// The first of the two steps.
        step: u64,
        /// The value at `step`.
        value: f64,
        /// The value at `step + 1`.
        next: f64,
        /// The largest difference allowed.
        max_jump: f64,
    },
    /// The values at `step` and `step + period` differ by more than `tolerance`.
    NotPeriodic {
        /// The failing step.
        step: u64,
        /// The value at `step`.
        value: f64,
        /// The period checked.
        period: u64,
        /// The value at `step + period`.
        later: f64,
        /// The largest difference allowed.
        tolerance: f64,
    },
}

impl Violation {
    /// The (first) step the violation is about.
    pub fn step(&self) -> u64 {
        match *self {
            Violation::NotFinite { step, .. }
            | Violation::OutOfBounds { step, .. }
            | Violation::Jump { step, .. }
            | Violation::NotPeriodic { step, .. } => step,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Violation::NotFinite { step, value } => {
                write!(f, "step {step}: value {value:e} is not finite")
            }
            Violation::OutOfBounds {
                step,
                value,
                lo,
                hi,
            } => write!(f, "step {step}: value {value:e} outside [{lo:e}, {hi:e}]"),
            Violation::Jump {
                step,
                value,
                next,
                max_jump,
            } => write!(
                f,
                "steps {step} -> {}: {value:e} -> {next:e} jumps by {:e} > {max_jump:e}",
                step.saturating_add(1),
                (next - value).abs()
            ),
            Violation::NotPeriodic {
                step,
                value,
                period,
                later,
                tolerance,
            } => write!(
                f,
                "step {step}: value {value:e} but {later:e} one period ({period}) later \
                 (difference {:e} > {tolerance:e})",
                (later - value).abs()
            ),
        }
    }
}

impl core::error::Error for Violation {}

fn finite_at<F: Real, S: Schedule<F> + ?Sized>(schedule: &S, step: u64) -> Result<f64, Violation> {
    let value = schedule.at(step).to_f64();
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Violation::NotFinite { step, value })
    }
}

/// Checks that `schedule.at(k)` is finite and within `[lo, hi]` for every
/// `k` in `steps` (a range, a `Vec`, any iterator of steps).
///
/// Curves are evaluated in floating point, so a value may overshoot an end
/// it reaches by rounding; the bounds are widened by `4 · ε(F) · max(|lo|,
/// |hi|)` (`ε` = `F::epsilon()`) to allow for that and nothing more.
pub fn check_bounded<F, S, I>(schedule: &S, lo: F, hi: F, steps: I) -> Result<(), Violation>
where
    F: Real,
    S: Schedule<F> + ?Sized,
    I: IntoIterator<Item = u64>,
{
    let (lo, hi) = (lo.to_f64(), hi.to_f64());
    let slack = 4.0 * F::epsilon().to_f64() * lo.abs().max(hi.abs());
    for step in steps {
        let value = finite_at(schedule, step)?;
        // Written so that NaN bounds refuse every value.
        if !(value >= lo - slack && value <= hi + slack) {
            return Err(Violation::OutOfBounds {
                step,
                value,
                lo,
                hi,
            });
        }
    }
    Ok(())
}

/// Checks that consecutive steps inside `range` differ by at most
/// `max_jump`: `|at(k + 1) - at(k)| <= max_jump` whenever `k` and `k + 1`
/// both lie in `range`, and that every value there is finite.
///
/// Use it inside one phase of a schedule, with the bound its curve's
/// steepest slope allows (for a cosine from `a` to `b` over `L` steps:
/// `π/2 · |b - a| / L`, plus a little for rounding; no slack is added here).
pub fn check_continuous_within<F, S>(
    schedule: &S,
    range: Range<u64>,
    max_jump: F,
) -> Result<(), Violation>
where
    F: Real,
    S: Schedule<F> + ?Sized,
{
    let max_jump = max_jump.to_f64();
    let Range { start, end } = range;
    if start >= end {
        return Ok(());
    }
    let mut value = finite_at(schedule, start)?;
    for step in start..end - 1 {
        let next = finite_at(schedule, step + 1)?;
        // NaN differences fail too.
        let within = (next - value).abs() <= max_jump;
        if !within {
            return Err(Violation::Jump {
                step,
                value,
                next,
                max_jump,
            });
        }
        value = next;
    }
    Ok(())
}

/// Checks that `at(k + period) == at(k)` for every `k` in `steps`, up to
/// rounding, and that every value compared is finite.
///
/// Periodic schedules compute their position in the cycle in floating point,
/// so two values one period apart may differ in their last bits. They are
/// accepted when they differ by at most `max(1e-12, 64 · ε(F))` times the
/// largest magnitude among all the values compared: a tolerance relative to
/// the schedule's scale, not to each value (a value near 0 still gets the
/// scale's rounding). Steps whose `k + period` overflows are skipped.
pub fn check_periodic<F, S, I>(schedule: &S, period: u64, steps: I) -> Result<(), Violation>
where
    F: Real,
    S: Schedule<F> + ?Sized,
    I: IntoIterator<Item = u64>,
    I::IntoIter: Clone,
{
    let steps = steps.into_iter();
    let pairs = || {
        steps
            .clone()
            .filter_map(move |k| k.checked_add(period).map(|later| (k, later)))
    };
    let mut scale = 0.0f64;
    for (k, later) in pairs() {
        scale = scale
            .max(finite_at(schedule, k)?.abs())
            .max(finite_at(schedule, later)?.abs());
    }
    let rel = 1e-12f64.max(64.0 * F::epsilon().to_f64());
    let tolerance = rel * scale;
    for (step, later_step) in pairs() {
        let value = schedule.at(step).to_f64();
        let later = schedule.at(later_step).to_f64();
        let within = (later - value).abs() <= tolerance;
        if !within {
            return Err(Violation::NotPeriodic {
                step,
                value,
                period,
                later,
                tolerance,
            });
        }
    }
    Ok(())
}
