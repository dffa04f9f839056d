//! Piecewise schedules: consecutive phases, each annealing between two values.
//!
//! This is the engine behind the one-cycle presets, fastai's `combine_scheds`
//! and optax's `piecewise_interpolate_schedule`. Phase `i` ends at a position
//! `end_i` measured in steps; it covers `(end_{i-1}, end_i]` (the first phase
//! starts at 0) and its progress is `(step - end_{i-1}) / (end_i - end_{i-1})`,
//! exactly as PyTorch's `OneCycleLR` computes it. Steps past the last phase's
//! end stay in the last phase (PyTorch's rule), and steps past
//! [`total_steps`](Schedule::total_steps) hold the value of the last step.

use crate::anneal::{self, trig, Anneal};
use crate::error::{check, Error, Expected, Value};
use crate::real::{is_f32, Real};
use crate::schedule::Schedule;

/// The most phases a [`Piecewise`] schedule holds (it needs no allocator).
pub const MAX_PHASES: usize = 8;

/// One phase of a [`Piecewise`] schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Phase<F> {
    /// Where the phase ends, in steps (fractional positions allowed).
    pub end: f64,
    /// The value at the phase's start.
    pub start_value: F,
    /// The value at the phase's end.
    pub end_value: F,
    /// The curve between them.
    pub anneal: Anneal,
}

impl<F: Real> Phase<F> {
    /// A phase from `start_value` to `end_value` ending at position `end`.
    pub fn new(end: f64, start_value: F, end_value: F, anneal: Anneal) -> Self {
        Phase {
            end,
            start_value,
            end_value,
            anneal,
        }
    }
}

/// A schedule made of up to [`MAX_PHASES`] consecutive phases.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawPiecewise<F>",
        into = "RawPiecewise<F>",
        bound(
            serialize = "F: Real + serde::Serialize",
            deserialize = "F: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct Piecewise<F> {
    phases: [Phase<F>; MAX_PHASES],
    len: u8,
    total_steps: u64,
    // Derived from the phases at build time (and on deserialisation), so
    // that a lookup is a few loads and compares.
    /// `max(end_0..=end_i)` for `i` below the last phase, `+inf` from it on:
    /// a step's phase is the number of these its position exceeds.
    reach: [f64; MAX_PHASES],
    /// The first step whose position exceeds `reach[i]` (positions grow
    /// with steps, so a step is past `reach[i]` exactly from there on): a
    /// lookup by step compares integers, off the floating-point unit,
    /// whose scheduler bounds a random lookup.
    reach_steps: [u64; MAX_PHASES],
    /// Where each phase starts (the previous end; 0 for the first).
    starts: [f64; MAX_PHASES],
    /// `1 / (end - start)` of each phase (PyTorch's length) in `F`, chosen
    /// among the quotient's neighbours so that the length times it is 1:
    /// a lookup multiplies where PyTorch divides (a division's latency sat
    /// on a random lookup's chain), the ends stay exact.
    inverses: [F; MAX_PHASES],
    /// `(start_value - end_value) / 2` of each phase: the cosine's
    /// amplitude, as [`anneal::cos`] computes it.
    halves: [F; MAX_PHASES],
    /// Whether the schedule has at most three phases (found by integer
    /// compares) and every step's unclamped `pct` already lies in `[0, 1]`
    /// ([`pct_bounded`](Self::pct_bounded)): then a lookup takes the short
    /// path, with no clamp on its chain.
    short: bool,
}

/// What a [`Piecewise`] is serialised as: its phases, count and steps (the
/// derived tables are rebuilt, and everything validated, on the way in).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "Piecewise")]
struct RawPiecewise<F> {
    phases: [Phase<F>; MAX_PHASES],
    len: u8,
    total_steps: u64,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawPiecewise<F>> for Piecewise<F> {
    type Error = Error;
    fn try_from(raw: RawPiecewise<F>) -> Result<Self, Error> {
        let len = usize::from(raw.len);
        check_phase_count(len)?;
        let mut built = Self::from_phases(raw.total_steps, &raw.phases[..len])?;
        // Unused slots are kept as they came, so a round trip is exact.
        built.phases = raw.phases;
        Ok(built)
    }
}

#[cfg(feature = "serde")]
impl<F: Real> From<Piecewise<F>> for RawPiecewise<F> {
    fn from(p: Piecewise<F>) -> Self {
        RawPiecewise {
            phases: p.phases,
            len: p.len,
            total_steps: p.total_steps,
        }
    }
}

/// A phase given by its share of the schedule, for [`Piecewise::by_fractions`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span<F> {
    /// The phase's share (`by_fractions`) or its number of steps (`by_steps`).
    pub length: f64,
    /// The value at the phase's start.
    pub start_value: F,
    /// The value at the phase's end.
    pub end_value: F,
    /// The curve between them.
    pub anneal: Anneal,
}

impl<F: Real> Span<F> {
    /// A span of `length` from `start_value` to `end_value`.
    pub fn new(length: f64, start_value: F, end_value: F, anneal: Anneal) -> Self {
        Span {
            length,
            start_value,
            end_value,
            anneal,
        }
    }
}

impl<F: Real> Piecewise<F> {
    /// A schedule of `total_steps` steps from explicit phase ends (PyTorch's
    /// convention: the first phase starts at position 0).
    ///
    /// Ends and values must be finite. Ends need not increase: a step falls
    /// in the first phase whose end it does not exceed, the last phase taking
    /// the rest, which is how PyTorch treats three-phase one-cycle schedules
    /// whose phases overlap (`pct_start > 0.5`).
    pub fn from_phases(total_steps: u64, phases: &[Phase<F>]) -> Result<Self, Error> {
        check::nonzero("total_steps", total_steps)?;
        check_phase_count(phases.len())?;
        for phase in phases {
            check::finite("end", phase.end)?;
            check::finite("start_value", phase.start_value.to_f64())?;
            check::finite("end_value", phase.end_value.to_f64())?;
            phase.anneal.validate()?;
            if phase.anneal == Anneal::Exp {
                check::positive("start_value", phase.start_value.to_f64())?;
                check::positive("end_value", phase.end_value.to_f64())?;
            }
        }
        let mut all = [phases[0]; MAX_PHASES];
        all[..phases.len()].copy_from_slice(phases);
        let last = phases.len() - 1;
        let (mut reach, mut starts) = ([f64::INFINITY; MAX_PHASES], [0.0; MAX_PHASES]);
        let (mut halves, mut inverses) = ([F::zero(); MAX_PHASES], [F::zero(); MAX_PHASES]);
        let (mut start, mut most) = (0.0, f64::NEG_INFINITY);
        for (i, phase) in phases.iter().enumerate() {
            most = f64::max(most, phase.end);
            if i < last {
                reach[i] = most;
            }
            starts[i] = start;
            inverses[i] = inverse(F::from_f64(phase.end - start));
            halves[i] = anneal::cos_half(phase.start_value, phase.end_value);
            start = phase.end;
        }
        let mut built = Piecewise {
            phases: all,
            len: phases.len() as u8,
            total_steps,
            reach,
            reach_steps: reach.map(first_step_past),
            starts,
            inverses,
            halves,
            short: false,
        };
        built.short = built.len <= 3 && built.pct_bounded();
        Ok(built)
    }

    /// Whether every step's unclamped progress lies in `[0, 1]`. Phase
    /// `i` holds the steps from `reach_steps[i - 1]` (0 for the first) to
    /// before `reach_steps[i]`, and the unclamped progress of a step is
    /// monotone in it (a difference and a product by constants, each
    /// rounding monotonically), so its ends bound it; NaN fails.
    fn pct_bounded(&self) -> bool {
        let last = self.clamp(u64::MAX);
        (0..usize::from(self.len)).all(|i| {
            let first = if i == 0 { 0 } else { self.reach_steps[i - 1] };
            let end = self.reach_steps[i].min(last.saturating_add(1));
            let unit = |step: u64| {
                let pct = self.offset_pct(i, to_f64(step));
                (F::zero()..=F::one()).contains(&pct)
            };
            first >= end || (unit(first) && unit(end - 1))
        })
    }

    /// fastai's `combine_scheds(pcts, scheds)` over `total_steps` steps:
    /// span `i` takes `length_i` of the run (the lengths sum to 1) and step
    /// `k` sits at position `k / total_steps`.
    pub fn by_fractions(total_steps: u64, spans: &[Span<F>]) -> Result<Self, Error> {
        let mut sum = 0.0;
        for span in spans {
            sum += check::unit("pct", span.length)?;
        }
        if (sum - 1.0).abs() > 1e-9 {
            return Err(Error::Invalid {
                param: "pcts",
                value: Value::Float(sum),
                expected: Expected::SumToOne,
            });
        }
        Self::from_spans(total_steps, spans, total_steps as f64)
    }

    /// Consecutive phases of `length_i` steps each (fractional lengths
    /// allowed); the schedule lasts their sum, rounded up.
    pub fn by_steps(spans: &[Span<F>]) -> Result<Self, Error> {
        let mut sum = 0.0;
        for span in spans {
            sum += check::non_negative("steps", span.length)?;
        }
        let total = libm::ceil(sum);
        if total >= 18_446_744_073_709_551_615.0 {
            return Err(Error::Overflow { param: "steps" });
        }
        Self::from_spans(total as u64, spans, 1.0)
    }

    fn from_spans(total_steps: u64, spans: &[Span<F>], unit: f64) -> Result<Self, Error> {
        check_phase_count(spans.len())?;
        let mut phases = [Phase::new(0.0, F::zero(), F::zero(), Anneal::Constant); MAX_PHASES];
        let mut end = 0.0;
        for (phase, span) in phases.iter_mut().zip(spans) {
            end += span.length * unit;
            *phase = Phase::new(end, span.start_value, span.end_value, span.anneal);
        }
        Self::from_phases(total_steps, &phases[..spans.len()])
    }

    /// The phases, in order.
    pub fn phases(&self) -> &[Phase<F>] {
        &self.phases[..usize::from(self.len)]
    }

    /// The index of the phase `step` falls in.
    #[inline]
    pub fn phase_index(&self, step: u64) -> usize {
        self.index_at(self.clamp(step) as f64)
    }

    /// The first phase whose end `position` does not exceed (the last phase
    /// takes the rest). That is the number of running maxima of the ends
    /// (`reach`, `+inf` from the last phase on) below `position`. Up to
    /// three phases it is counted: two independent compares, where the
    /// halvings of a binary search each wait for the previous one's load (a
    /// random lookup of a three-phase one-cycle was bound by that chain).
    /// Beyond, `reach` increases, so a branch-free binary search finds it
    /// in one compare per halving. The branch on the count always goes the
    /// same way for a schedule.
    #[inline(always)]
    pub(crate) fn index_at(&self, position: f64) -> usize {
        let reach = &self.reach;
        let above = |i: usize| usize::from(position > reach[i & (MAX_PHASES - 1)]);
        if self.len <= 3 {
            // `reach[2]` is `+inf` (so is `reach[1]` for two phases).
            return above(0) + above(1);
        }
        // `reach` is `+inf` from the last phase on: no halving overshoots.
        let mut i = 4 * above(3);
        i += 2 * above(i + 1);
        i + above(i)
    }

    /// Where phase `i` starts (0 for the first).
    #[inline(always)]
    pub(crate) fn start_of(&self, i: usize) -> f64 {
        self.starts[i & (MAX_PHASES - 1)]
    }

    /// `1 / (end - start)` of phase `i` ([`inverse`]).
    #[inline(always)]
    fn inverse_of(&self, i: usize) -> F {
        self.inverses[i & (MAX_PHASES - 1)]
    }

    /// PyTorch's `pct = (step - start) / (end - start)` in phase `i`, kept
    /// in `[0, 1]`. A phase of zero length is over as soon as it begins
    /// (PyTorch would divide by zero there). Within a preset's run the
    /// quotient already lies in `[0, 1]`; the clamp keeps phases whose ends
    /// go backwards, or that round together past 2^53 steps, from
    /// extrapolating into NaN or infinity (NaN takes the `1`). The
    /// stepper's angles use it; lookups multiply by the phase's
    /// [`inverse`] instead ([`pct_of`](Self::pct_of)), an ulp or so apart.
    #[inline(always)]
    pub(crate) fn pct(position: f64, start: f64, length: f64) -> f64 {
        unit_clamp((position - start) / length)
    }

    /// [`pct`](Self::pct) in `F` from the offset `position - start` (taken
    /// in `f64`, so exact for integer starts) and the phase's [`inverse`]:
    /// one rounding more in `f32`, where a loop of it then runs four lanes
    /// wide.
    #[inline(always)]
    fn pct_of(offset: F, inverse: F) -> F {
        unit_clamp(offset * inverse)
    }

    /// [`index_at`](Self::index_at) the position of `step` (clamped):
    /// up to three phases by integer compares of the step itself.
    #[inline(always)]
    fn index_of(&self, step: u64, position: f64) -> usize {
        if self.len <= 3 {
            return self.index_of_short(step);
        }
        self.index_at(position)
    }

    /// [`index_of`](Self::index_of) a clamped `step` up to three phases.
    #[inline(always)]
    fn index_of_short(&self, step: u64) -> usize {
        // `reach_steps[2]` is `u64::MAX`, past every clamped step.
        let past = |i: usize| usize::from(step >= self.reach_steps[i]);
        past(0) + past(1)
    }

    /// The phase of `step` and the progress through it. One branch, which
    /// never changes for a schedule, picks the [`short`](Self::short)
    /// path: two integer compares and no clamp on the chain (the clamp
    /// would not change a bit there).
    /// The other path is out of line, which keeps a lookup's loop small
    /// enough for the compiler to take its invariant branches out of it.
    #[inline(always)]
    pub(crate) fn locate(&self, step: u64) -> (usize, F) {
        if !self.short {
            return self.locate_clamped(step);
        }
        let step = self.clamp(step);
        let i = self.index_of_short(step);
        (i, self.offset_pct(i, to_f64(step)))
    }

    /// [`locate`](Self::locate) off the short path: any number of phases,
    /// `pct` clamped.
    #[inline(never)]
    fn locate_clamped(&self, step: u64) -> (usize, F) {
        let step = self.clamp(step);
        let position = to_f64(step);
        let i = self.index_of(step, position);
        (i, unit_clamp(self.offset_pct(i, position)))
    }

    /// The unclamped `pct` of `position` in phase `i`.
    #[inline(always)]
    fn offset_pct(&self, i: usize, position: f64) -> F {
        F::from_f64(position - self.start_of(i)) * self.inverse_of(i)
    }

    #[inline(always)]
    pub(crate) fn phase(&self, i: usize) -> &Phase<F> {
        &self.phases[i & (MAX_PHASES - 1)]
    }

    /// The value `pct` of the way through phase `i`.
    #[inline(always)]
    pub(crate) fn value(&self, i: usize, pct: F) -> F {
        let phase = self.phase(i);
        let (a, b) = (phase.start_value, phase.end_value);
        // The one-cycle curves first, without a jump table.
        if phase.anneal == Anneal::Cos {
            self.cos_value(i, cos_pi(pct))
        } else {
            phase.anneal.apply(a, b, pct)
        }
    }

    /// Whether `other` has the same steps and phase ends, so that every step
    /// falls in the same phase at the same progress in both.
    #[inline]
    pub(crate) fn same_positions(&self, other: &Self) -> bool {
        self.len == other.len
            && self.total_steps == other.total_steps
            && self
                .phases()
                .iter()
                .zip(other.phases())
                .all(|(a, b)| a.end.to_bits() == b.end.to_bits())
    }

    /// Values of `self` and `other` (which has [`same_positions`]) at
    /// `(i, pct)`: one cosine for both when both phases are cosines.
    ///
    /// [`same_positions`]: Self::same_positions
    #[inline(always)]
    pub(crate) fn value_pair(&self, other: &Self, i: usize, pct: F) -> (F, F) {
        let (a, b) = (self.phase(i), other.phase(i));
        if a.anneal == Anneal::Cos && b.anneal == Anneal::Cos {
            let c = cos_pi(pct);
            (self.cos_value(i, c), other.cos_value(i, c))
        } else {
            (self.value(i, pct), other.value(i, pct))
        }
    }

    /// Cosine phase `i`'s value from `c = cos(pi * pct)`: [`anneal::cos`]
    /// to the bit, its amplitude precomputed.
    #[inline(always)]
    pub(crate) fn cos_value(&self, i: usize, c: F) -> F {
        let end = self.phase(i).end_value;
        anneal::cos_from_half(end, self.halves[i & (MAX_PHASES - 1)], c)
    }

    /// Whether every phase is a cosine.
    pub(crate) fn all_cos(&self) -> bool {
        self.phases().iter().all(|p| p.anneal == Anneal::Cos)
    }

    /// The first step of phase `i`: one past every earlier phase's end.
    pub(crate) fn first_step_of(&self, i: usize) -> u64 {
        self.phases()
            .iter()
            .take(i)
            .filter(|p| p.end >= 0.0)
            .map(|p| (libm::floor(p.end) as u64).saturating_add(1))
            .max()
            .unwrap_or(0)
    }

    /// The number of steps (`total_steps`).
    pub(crate) fn steps(&self) -> u64 {
        self.total_steps
    }

    #[inline(always)]
    fn clamp(&self, step: u64) -> u64 {
        step.min(self.total_steps.saturating_sub(1))
    }

    /// The last step of the run of steps from `step` (not past the last
    /// step) that fall in phase `i`: the steps of a phase are one interval.
    pub(crate) fn run_end(&self, i: usize, step: u64, last_step: u64) -> u64 {
        let last_phase = usize::from(self.len).saturating_sub(1);
        let end = self.phase(i).end;
        if i >= last_phase || end >= last_step as f64 {
            last_step
        } else {
            // `step as f64 <= end` here, so `end >= 0`.
            (libm::floor(end) as u64).max(step).min(last_step)
        }
    }

    /// `fill` of steps `first..` all in phase `i` (positions below 2^53).
    fn fill_phase(&self, i: usize, out: &mut [F], first: u64) {
        let phase = *self.phase(i);
        let (a, b) = (phase.start_value, phase.end_value);
        let (start, inverse) = (self.start_of(i), self.inverse_of(i));
        // `pct` is in [0, 1]: no cosine argument leaves the kernel's range.
        let half = self.halves[i & (MAX_PHASES - 1)];
        let curve = |pct: F| match phase.anneal {
            Anneal::Cos => anneal::cos_from_half(b, half, cos_pi(pct)),
            Anneal::Linear => anneal::linear(a, b, pct),
            anneal => anneal.apply(a, b, pct),
        };
        let base = first as f64;
        let offset = base - start;
        // From an integer start, `step - start` is an integer, exact in `F`
        // while below 2^digits: then offsets count up in `F` itself (no
        // `f64` in the loop) and are still those `locate` computes.
        let exact = 2.0 / F::epsilon().to_f64();
        if start == libm::floor(start) && offset.abs() + out.len() as f64 <= exact {
            let offset = F::from_f64(offset);
            match phase.anneal {
                Anneal::Cos => for_counts(out, offset, |d| curve(Self::pct_of(d, inverse))),
                _ => for_counts(out, offset, |d| curve(Self::pct_of(d, inverse))),
            }
        } else {
            let pct = |j: f64| Self::pct_of(F::from_f64(base + j - start), inverse);
            match phase.anneal {
                Anneal::Cos => for_offsets(out, |j| curve(pct(j))),
                _ => for_offsets(out, |j| curve(pct(j))),
            }
        }
    }
}

/// `x` kept in `[0, 1]`, NaN taken to `1`.
#[inline(always)]
fn unit_clamp<F: Real>(x: F) -> F {
    // `min` takes the `1` for NaN; its result is never NaN, so `max` is
    // one instruction.
    x.min(F::one()).max(F::zero())
}

/// `1 / length` in `F`, or a neighbour of it whose product with `length`
/// rounds to 1 where the quotient's does not (then no offset up to the
/// length takes `pct` past 1), or failing that (a few lengths have no such
/// neighbour) the nearest whose product rounds above 1: the clamp then
/// takes a phase's end to exactly 1, as PyTorch's quotient is.
fn inverse<F: Real>(length: F) -> F {
    let q = F::one() / length;
    if !q.is_normal() {
        return q;
    }
    // Neighbours by their bits (by magnitude: either sign).
    let next = |r: F, up: bool| {
        if is_f32::<F>() {
            let bits = (r.to_f64() as f32).to_bits();
            F::from_f64(f64::from(f32::from_bits(if up {
                bits + 1
            } else {
                bits - 1
            })))
        } else {
            let bits = r.to_f64().to_bits();
            F::from_f64(f64::from_bits(if up { bits + 1 } else { bits - 1 }))
        }
    };
    if let Some(r) = [q, next(q, false), next(q, true)]
        .into_iter()
        .find(|&r| length * r == F::one())
    {
        return r;
    }
    let mut r = q;
    while length * r < F::one() {
        r = next(r, true);
    }
    r
}

/// The first step whose position (`to_f64`) exceeds `reach`, or
/// `u64::MAX` when none does: positions never decrease with the step.
fn first_step_past(reach: f64) -> u64 {
    first_step_where(0, u64::MAX, |step| to_f64(step) > reach)
}

/// The first step of `low..high` where `past` holds, or `high` when none
/// does, for a `past` that stays true once true: a binary search.
pub(crate) fn first_step_where(mut low: u64, mut high: u64, past: impl Fn(u64) -> bool) -> u64 {
    while low < high {
        let mid = low + (high - low) / 2;
        if past(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    high
}

/// `n as f64`. Below 2^63 `n` converts as a signed integer, one
/// instruction where an unsigned one takes several (SSE2), and the branch
/// always goes that way in practice.
#[inline(always)]
pub(crate) fn to_f64(n: u64) -> f64 {
    if n < 1 << 63 {
        n as i64 as f64
    } else {
        huge_to_f64(n)
    }
}

/// `n as f64` for `n >= 2^63`: out of line, so that the compiler keeps the
/// signed conversion of [`to_f64`] for every other number.
#[cold]
#[inline(never)]
fn huge_to_f64(n: u64) -> f64 {
    n as f64
}

/// `cos(pi * pct)` for `pct` in `[0, 1]`: the branch-free kernels, in `F`'s
/// arithmetic, with no range check, from `pct` itself ([`trig::cos_pi32`],
/// [`trig::cos_pi64`]: a shorter chain than through `pi * pct`).
#[inline(always)]
pub(crate) fn cos_pi<F: Real>(pct: F) -> F {
    if is_f32::<F>() {
        F::from_f64(f64::from(trig::cos_pi32(pct.to_f64() as f32)))
    } else {
        F::from_f64(trig::cos_pi64(pct.to_f64()))
    }
}

/// `out[j] = value(first + j)`, counting in `F` (exact below 2^digits of
/// `F`): offsets within a chunk convert from a 16-bit integer, which
/// converts to `f32` exactly, in one vector instruction.
#[inline(always)]
pub(crate) fn for_counts<F: Real>(out: &mut [F], first: F, value: impl Fn(F) -> F) {
    let mut base = first;
    for chunk in out.chunks_mut(trig::CHUNK) {
        for (j, v) in chunk.iter_mut().enumerate() {
            *v = value(base + F::from_f64(f64::from(j as u16)));
        }
        base = base + F::from_f64(chunk.len() as f64);
    }
}

/// `out[j] = value(j as f64)`, in chunks whose offsets convert from `i32`
/// (a conversion that vectorises).
#[inline(always)]
pub(crate) fn for_offsets<F: Real>(out: &mut [F], value: impl Fn(f64) -> F) {
    let mut base = 0.0;
    for chunk in out.chunks_mut(trig::CHUNK) {
        for (j, v) in chunk.iter_mut().enumerate() {
            *v = value(base + f64::from(j as i32));
        }
        base += chunk.len() as f64;
    }
}

/// A whole number below 2^53 in magnitude in `F`: one signed conversion,
/// rounded once (as through `f64`, where it is exact), and no test of the
/// sign bit that a `u64` conversion makes.
#[inline(always)]
pub(crate) fn count<F: Real>(n: i64) -> F {
    <F as num_traits::NumCast>::from(n).unwrap_or_else(F::nan)
}

/// `out[j] = value(first + j)`, whole numbers below 2^53 in magnitude
/// rounded to `F` as [`count`] rounds them: counted in `F` itself where
/// every one is exact there (a loop that vectorises with no conversion
/// from `f64`), through `f64` (exact) otherwise.
#[inline(always)]
pub(crate) fn fill_counted<F: Real>(out: &mut [F], first: i64, value: impl Fn(F) -> F) {
    let base = first as f64;
    if base.abs() + out.len() as f64 <= 2.0 / F::epsilon().to_f64() {
        for_counts(out, F::from_f64(base), value);
    } else {
        for_offsets(out, |offset| value(F::from_f64(base + offset)));
    }
}

/// `out[j] = value(inner(origin + j·stride))`, whole numbers below 2^53
/// (exact in `f64`: a step, or a position counted in steps of `stride`),
/// chunk by chunk in two loops: `inner` into `out`, then `value` in place.
/// Two short dependency chains instead of one long one: more iterations
/// fit the out-of-order window, where a chain through two divisions (or a
/// whole `exp`) would stall it. A stride of 1 costs nothing: LLVM folds
/// the multiplication by the constant.
#[inline(always)]
pub(crate) fn fill_two_pass<F: Real>(
    out: &mut [F],
    origin: f64,
    stride: f64,
    inner: impl Fn(f64) -> F,
    value: impl Fn(F) -> F,
) {
    let mut base = origin;
    for chunk in out.chunks_mut(trig::CHUNK) {
        for (j, v) in chunk.iter_mut().enumerate() {
            *v = inner(base + f64::from(j as i32) * stride);
        }
        for v in chunk.iter_mut() {
            *v = value(*v);
        }
        base += chunk.len() as f64 * stride;
    }
}

fn check_phase_count(n: usize) -> Result<(), Error> {
    let expected = match n {
        0 => Expected::NonZero,
        1..=MAX_PHASES => return Ok(()),
        _ => Expected::AtMost(MAX_PHASES as u64),
    };
    Err(Error::Invalid {
        param: "phases",
        value: Value::Int(n as u64),
        expected,
    })
}

impl<F: Real> Schedule<F> for Piecewise<F> {
    #[inline]
    fn at(&self, step: u64) -> F {
        let (i, pct) = self.locate(step);
        self.value(i, pct)
    }

    fn total_steps(&self) -> Option<u64> {
        Some(self.total_steps)
    }

    /// Phase by phase, each in a branch-free loop that vectorises; the
    /// values are those of [`at`](Schedule::at) to the bit.
    fn fill(&self, out: &mut [F], first_step: u64) {
        let last_step = self.total_steps.saturating_sub(1);
        if last_step >= 1 << 53 {
            // Positions would round: one step at a time.
            let mut step = first_step;
            for v in out.iter_mut() {
                *v = self.at(step);
                step = step.saturating_add(1);
            }
            return;
        }
        let mut out = out;
        let mut step = first_step;
        while !out.is_empty() {
            if step >= last_step {
                out.fill(self.at(last_step));
                return;
            }
            let i = self.index_at(step as f64);
            let run = self.run_end(i, step, last_step) - step + 1;
            let n = usize::try_from(run).map_or(out.len(), |run| run.min(out.len()));
            let (head, tail) = core::mem::take(&mut out).split_at_mut(n);
            self.fill_phase(i, head, step);
            out = tail;
            step += n as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    #[test]
    fn first_step_past_is_where_positions_pass_the_reach() {
        let big = 9_007_199_254_740_992.0; // 2^53
        for reach in [
            -1.5,
            -0.0,
            0.0,
            0.5,
            299_999.0,
            299_999.5,
            big - 0.5,
            big,
            big + 2.0,
            (1u64 << 63) as f64,
            u64::MAX as f64, // 2^64
            f64::INFINITY,
        ] {
            let k = first_step_past(reach);
            if k == u64::MAX {
                assert!(to_f64(u64::MAX) <= reach, "{reach}");
            } else {
                assert!(to_f64(k) > reach, "{reach}");
                assert!(k == 0 || to_f64(k - 1) <= reach, "{reach}");
            }
        }
    }

    /// A phase's length times its inverse is 1 (or rounds above 1, which
    /// the clamp takes to 1), so its end is `pct = 1`; the inverse is
    /// within an ulp or two of the quotient.
    #[test]
    fn inverses_end_phases_at_one() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for k in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let length = if k < 10_000 {
                (x % 10_000_000) as f64 + 1.0
            } else {
                f64::from_bits(0x3FF0_0000_0000_0000 | (x >> 12)) * 1e3 - 0.5
            };
            let r = inverse(length);
            assert!(
                length * r >= 1.0 && (r - 1.0 / length).abs() <= 3e-16 * r,
                "{length}"
            );
            assert_eq!(Piecewise::<f64>::pct_of(length, r), 1.0, "{length}");
            let r32 = inverse(length as f32);
            assert!(length as f32 * r32 >= 1.0, "{length}");
            assert_eq!(
                Piecewise::<f32>::pct_of(length as f32, r32),
                1.0,
                "{length}"
            );
        }
    }

    /// The short path leaves the clamp off only where it changes no bit:
    /// every step of small runs, and around every phase end of long ones,
    /// gives what the clamped path gives; the one-cycle presets take it.
    #[test]
    fn short_path_is_the_clamped_one() {
        fn check<F: Real>(s: &Piecewise<F>) {
            let last = s.total_steps - 1;
            let mut steps: Vec<u64> = if last < 5000 {
                (0..=last + 2).collect()
            } else {
                [0, 1, last / 2, last - 1, last, u64::MAX].to_vec()
            };
            for p in s.phases() {
                let e = p.end.max(0.0).min(last as f64) as u64;
                steps.extend((0..7).map(|d| e.saturating_sub(3).saturating_add(d)));
            }
            for step in steps {
                let (i, pct) = s.locate_clamped(step);
                let (j, raw) = s.locate(step);
                assert_eq!(
                    (i, pct.to_f64().to_bits()),
                    (j, raw.to_f64().to_bits()),
                    "{step}"
                );
            }
        }
        let phase = |end| Phase::new(end, 1.0_f64, 2.0, Anneal::Cos);
        let mut shorts = 0;
        for total in [
            1u64,
            2,
            3,
            7,
            100,
            997,
            1000,
            4999,
            1_000_000,
            1 << 40,
            1 << 53,
        ] {
            for pct in [0.0, 1e-3, 0.1, 0.25, 0.3, 0.45, 0.5, 0.6, 0.999, 1.0] {
                let t = total as f64;
                let (e0, e1, e2) = (pct * t - 1.0, 2.0 * pct * t - 2.0, t - 1.0);
                let lists = [
                    vec![phase(e0), phase(e2)],
                    vec![phase(e0), phase(e1), phase(e2)],
                    vec![phase(pct * t), phase(t)],
                    vec![phase(e0), phase(e2 * 0.5)],
                ];
                for list in lists {
                    let s = Piecewise::from_phases(total, &list).unwrap();
                    shorts += usize::from(s.short);
                    check(&s);
                    let phases32: Vec<Phase<f32>> = list
                        .iter()
                        .map(|p| Phase::new(p.end, 1.0_f32, 2.0, Anneal::Cos))
                        .collect();
                    check(&Piecewise::from_phases(total, &phases32).unwrap());
                }
            }
        }
        assert!(shorts > 200, "{shorts}");
        for three in [false, true] {
            let s = crate::OneCycleLr::<f64>::builder(0.1, 1_000_000)
                .three_phase(three)
                .build()
                .unwrap();
            assert!(s.lr_phases().short);
            let s = crate::OneCycleLr::<f32>::builder(0.1, 1_000_000)
                .three_phase(three)
                .build()
                .unwrap();
            assert!(s.lr_phases().short);
        }
    }

    #[test]
    fn phase_of_a_step_is_that_of_its_position() {
        let phase = |end| Phase::new(end, 1.0_f64, 2.0, Anneal::Cos);
        let schedules = [
            Piecewise::from_phases(1000, &[phase(299.5), phase(999.0)]).unwrap(),
            Piecewise::from_phases(1000, &[phase(-3.0), phase(500.0)]).unwrap(),
            Piecewise::from_phases(100, &[phase(59.0), phase(38.0), phase(99.0)]).unwrap(),
            Piecewise::from_phases(u64::MAX, &[phase(1e19), phase(1.5e19), phase(2e19)]).unwrap(),
        ];
        for s in &schedules {
            let last = s.total_steps - 1;
            let near = |e: f64| (e.max(0.0).min(last as f64) as u64).saturating_sub(2);
            let mut steps = [0, 1, last / 2, last - 1, last, u64::MAX].to_vec();
            for p in s.phases() {
                steps.extend((0..5).map(|d| near(p.end).saturating_add(d)));
            }
            for step in steps {
                let clamped = s.clamp(step);
                let position = to_f64(clamped);
                assert_eq!(
                    s.index_of(clamped, position),
                    s.index_at(position),
                    "{step}"
                );
            }
        }
    }
}
