//! Sequential evaluation: an incremental recurrence that takes a schedule
//! from one step to the next in a few multiplications instead of a cosine.
//!
//! A schedule's steps fall into segments over which its values are affine
//! in one moving quantity `x`: `value = α + β·cos θ` with `θ` advancing by a
//! fixed angle per step (a cosine phase: [`Motion::Rotate`]), or
//! `value = α + β·a·b` with `a` advancing by a fixed amount and `b` by a
//! fixed ratio (a linear ramp times a geometric scale: [`Motion::Ramp`]).
//!
//! The recurrence runs in windows of at most [`SYNC`] steps, each started
//! from the direct formula at an absolute multiple of [`SYNC`] (or after
//! its segment's start), so the value at step `k` depends on `k` alone. A
//! segment's first and last steps are windows of their own, evaluated
//! directly: a phase's ends (a one-cycle peak) are the direct formula's
//! bits, where the recurrence's last roundings could pass them. When a
//! window starts, its whole error budget is checked once: the recurrence's
//! error bound over the window against the smallest value the window can
//! take; a window that cannot guarantee 1e-12 relative evaluates every
//! step directly instead. A step inside a trusted window costs two fused
//! updates of the state and one multiply-add per value, with no branch on
//! the value.
//!
//! Cosine phases rotate `(u, sin θ)` where `u = 1 ± cos θ`, the sign chosen
//! so that `u` goes to zero where the learning rate is smallest: near the
//! end of an annealing phase the value is then carried with a small
//! *relative* error, where `cos θ` itself would carry an absolute one that
//! swamps a learning rate four orders of magnitude below its peak.

use crate::hyper::Hypers;
use crate::real::Real;

/// Steps between two re-synchronisations of a [`Stepper`] with the direct
/// formula: the recurrence runs at most `SYNC - 1` steps.
pub(crate) const SYNC: u64 = 256;

/// Interleaved recurrences in a [`Stepper`].
const LANES: usize = 4;

/// The relative accuracy every stepped value keeps against the direct
/// formula, with a margin of 2.5 for the direct formula's own last
/// roundings (a few ulps). It sets how long a window can be trusted: at
/// 2e-13 most 256-step windows of a cosine phase were not, and 512-step
/// windows, even at 5e-13, fail more often than their fewer
/// re-synchronisations save. Over 10^7 steps of every preset the largest
/// difference seen is 1.73e-13 (`tests/stepping.rs`).
const BUDGET: f64 = 4e-13;

/// How a [`Stepper`]'s state moves from one step to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Motion {
    /// No state: every step is evaluated directly.
    #[default]
    Direct,
    /// `θ` advances by `delta.0` per step: the state is `(1 ± cos θ, sin θ)`.
    Rotate,
    /// `a += delta.0`, `b *= delta.1`: `x = a·b`.
    Ramp,
}

/// A run of consecutive steps over which a schedule's values are affine in
/// one quantity moved by one [`Motion`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Segment {
    /// Its first step.
    pub first: u64,
    /// Its last step.
    pub last: u64,
    pub motion: Motion,
    /// The schedule's own index of the segment (phase, cycle, half-cycle).
    pub tag: u32,
    /// The motion of one step: `(angle, _)` or `(increment, ratio)`.
    pub delta: (f64, f64),
    /// `(α, β)` of the learning rate and the momentum: `value = α + β·c`
    /// with `c = cos θ` (Rotate) or `c = a·b` (Ramp). An absent momentum is
    /// `(1, 0)`.
    pub maps: [(f64, f64); 2],
    /// The direct formula's own rounding error over the segment, in the
    /// angle `θ` (Rotate) or in the factor `a` (Ramp): stepped values may
    /// differ from it by `|β|·|sin θ|` or `|β|·|b|` times that much more.
    pub slack: f64,
}

impl Segment {
    /// A run of directly evaluated steps.
    pub const fn direct(first: u64, last: u64) -> Self {
        Segment {
            first,
            last,
            motion: Motion::Direct,
            tag: 0,
            delta: (0.0, 0.0),
            maps: [NO_MAP; 2],
            slack: 0.0,
        }
    }
}

/// What a schedule tells the stepping engine.
pub(crate) trait Stepping {
    /// The segment `step` is in.
    fn segment(&self, step: u64) -> Segment;
    /// The moving quantity at `step` of `segment`, from the direct formula:
    /// `(θ, _)` for [`Motion::Rotate`], `(a, b)` for [`Motion::Ramp`].
    fn state_at(&self, segment: &Segment, step: u64) -> (f64, f64);
}

impl<S: Stepping + ?Sized> Stepping for &S {
    fn segment(&self, step: u64) -> Segment {
        (**self).segment(step)
    }
    fn state_at(&self, segment: &Segment, step: u64) -> (f64, f64) {
        (**self).state_at(segment, step)
    }
}

/// The state of sequential evaluation: the step it stands at and, where the
/// schedule's curve allows, an incremental recurrence that takes it to the
/// next step in a few multiplications instead of a cosine.
///
/// Get one from [`HyperSchedule::stepper`] (or [`Schedule::stepper`]), read
/// the values with [`HyperSchedule::stepped`], move on with
/// [`HyperSchedule::advance`]; [`Scheduler::incremental`] does all three.
/// Cosine phases rotate `(1 ± cos θ, sin θ)` by the step's angle; linear
/// ramps add, geometric scales multiply. Every 256 steps (at absolute
/// multiples of 256) and at the start of every phase or cycle the state is
/// recomputed from the direct formula, so the values at step `k` depend on
/// `k` alone (not on where stepping began), and stay within 1e-12 relative
/// of [`HyperSchedule::hypers`]: a stretch of steps where a value comes too
/// close to zero for that is evaluated directly instead, and so are the
/// first and last steps of every phase, whose values are then `hypers`'
/// bits (a stepped peak is `max_lr` itself, not an ulp above it). An
/// `f32` schedule steps in `f64` and rounds each value once, where its
/// `hypers` computes in `f32` arithmetic: the two differ by that
/// arithmetic's own error, a few `f32` ulps of the schedule's peak
/// (tested: within 16).
///
/// It is fixed-size plain data (no allocation); a fresh one evaluates
/// directly until its first re-synchronisation.
///
/// [`HyperSchedule::stepper`]: crate::HyperSchedule::stepper
/// [`HyperSchedule::stepped`]: crate::HyperSchedule::stepped
/// [`HyperSchedule::advance`]: crate::HyperSchedule::advance
/// [`HyperSchedule::hypers`]: crate::HyperSchedule::hypers
/// [`Schedule::stepper`]: crate::Schedule::stepper
/// [`Scheduler::incremental`]: crate::Scheduler::incremental
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stepper {
    pub(crate) step: u64,
    /// The step after the window's last (wrapping): the one that needs the
    /// direct formula again.
    next_sync: u64,
    /// Below this step the values come from the state and a step on is one
    /// move of it: the window's end when the window is trusted, else 0. One
    /// comparison, where "trusted" and "not at the window's end" took two.
    live_below: u64,
    /// The states of this step and the next `LANES - 1`, step `k` in slot
    /// `k % LANES`: each slot moves `LANES` steps at a time, so a step never
    /// waits on the update of a recent one (the state lives in memory, and
    /// a store-to-load round trip per step would set the pace).
    ring: [Pair; LANES],
    /// The motion of one step and of `LANES`.
    once: Affine,
    ahead: Affine,
    /// `value = offset + scale·x`, lane 0 the learning rate and lane 1 the
    /// momentum: both values are one multiply-add of pairs.
    offset: Pair,
    scale: Pair,
    segment: Segment,
    /// The first step of the window after this one and its state from the
    /// direct formula, found as this window's far bound: the next window
    /// starts from it instead of evaluating it again. Step 0 (never a
    /// window's start, which follows its segment's first step) when none.
    next_window: (u64, (f64, f64)),
    /// Whether the stepper only tracks its step's segment, for readers of
    /// exact values ([`exact`](Self::exact)): never live, a window is a
    /// whole segment, and no state is kept (its motion is the identity).
    exact: bool,
}

/// Two lanes, aligned so that SSE2 can take them as one memory operand.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(align(16))]
struct Pair([f64; 2]);

/// A stepper at step 0 that evaluates directly until it is first moved.
impl Default for Stepper {
    fn default() -> Self {
        Stepper::new(0)
    }
}

impl Stepper {
    /// A stepper standing at `step` that evaluates directly until it is
    /// first moved (then it re-synchronises).
    pub const fn new(step: u64) -> Self {
        Stepper {
            step,
            next_sync: step.wrapping_add(1),
            live_below: 0,
            ring: [Pair([0.0; 2]); LANES],
            once: Affine::IDENTITY,
            ahead: Affine::IDENTITY,
            offset: Pair([NO_MAP.0; 2]),
            scale: Pair([NO_MAP.1; 2]),
            segment: Segment::direct(step, step),
            next_window: (0, (0.0, 0.0)),
            exact: false,
        }
    }

    /// A stepper that only counts: every value evaluated directly.
    pub(crate) fn counting(step: u64) -> Self {
        Stepper {
            next_sync: u64::MAX,
            ..Stepper::new(step)
        }
    }

    /// The step whose values the stepper gives.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The learning rate and momentum of this step from the recurrence, or
    /// `None` where the step is to be evaluated directly.
    #[inline(always)]
    pub(crate) fn values(&self) -> Option<(f64, f64)> {
        if !self.is_live() {
            return None;
        }
        let (Pair([p0, p1]), Pair([q0, q1])) = (self.offset, self.scale);
        let x = self.ring[self.slot()].0[0];
        Some((p0 + q0 * x, p1 + q1 * x))
    }

    /// Whether the stepper's values come from its recurrence (its window
    /// is trusted and it stands inside it).
    #[inline(always)]
    pub(crate) fn is_live(&self) -> bool {
        self.step < self.live_below
    }

    /// The last step of the stepper's window. Up to it, moving the stepper
    /// on is one [`move_one`](Self::move_one) per step whatever the schedule
    /// (the schedule is consulted only at a window's end), and harmless where
    /// the window is evaluated directly (its values never read the state).
    #[inline(always)]
    pub(crate) fn window_last(&self) -> u64 {
        self.next_sync.wrapping_sub(1)
    }

    /// One step of the recurrence.
    #[inline(always)]
    pub(crate) fn move_one(&mut self) {
        self.move_on_from(self.step);
    }

    /// [`move_one`](Self::move_one) of a stepper known to stand at `step`:
    /// a caller that holds the step in a register spares reloading it.
    #[inline(always)]
    pub(crate) fn move_on_from(&mut self, step: u64) {
        let slot = slot_of(step);
        let [a, b] = self.ring[slot].0;
        self.ring[slot] = Pair(self.ahead.apply(a, b));
        self.step = step + 1;
    }

    #[inline(always)]
    fn slot(&self) -> usize {
        slot_of(self.step)
    }

    /// The segment the stepper's step is in, as far as the stepper knows
    /// (a direct run of one step before its first move).
    #[inline(always)]
    pub(crate) fn segment(&self) -> &Segment {
        &self.segment
    }

    /// Whether the stepper is an [`exact`](Self::exact) one.
    pub(crate) fn is_exact(&self) -> bool {
        self.exact
    }

    /// This stepper's step and segment, without the recurrence: what a
    /// reader of exact values needs (an exact [`Scheduler`]'s
    /// [`HyperSchedule::hypers_near`]). Its window runs to the segment's
    /// end, and moving it past that finds the next segment, again without
    /// the recurrence.
    ///
    /// [`Scheduler`]: crate::Scheduler
    /// [`HyperSchedule::hypers_near`]: crate::HyperSchedule::hypers_near
    pub(crate) fn exact(self) -> Stepper {
        let last = self.window_last().max(self.segment.last);
        Stepper {
            next_sync: last.wrapping_add(1),
            segment: self.segment,
            exact: true,
            ..Stepper::new(self.step)
        }
    }
}

/// The ring slot of step `k`.
#[inline(always)]
fn slot_of(k: u64) -> usize {
    (k % LANES as u64) as usize
}

/// `(a, b) ↦ (m00·a + m01·b + c0, m10·a + m11·b + c1)`: one form for every
/// motion, so a step has no branch on which.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Affine {
    /// The matrix's diagonal `(m00, m11)` and anti-diagonal `(m01, m10)`:
    /// the new state is `diag·(a, b) + (anti·(b, a) + c)`, two multiplies of
    /// pairs and one swap, with no broadcast of either component.
    diag: Pair,
    anti: Pair,
    c: Pair,
}

impl Affine {
    const IDENTITY: Affine = Affine::new([1.0, 0.0, 0.0, 1.0], [0.0, 0.0]);

    /// From the matrix by rows, `[m00, m01, m10, m11]`.
    const fn new(m: [f64; 4], c: [f64; 2]) -> Affine {
        Affine {
            diag: Pair([m[0], m[3]]),
            anti: Pair([m[1], m[2]]),
            c: Pair(c),
        }
    }

    #[inline(always)]
    fn apply(&self, a: f64, b: f64) -> [f64; 2] {
        let (Pair([m00, m11]), Pair([m01, m10])) = (self.diag, self.anti);
        let Pair([c0, c1]) = self.c;
        [m00 * a + (m01 * b + c0), m11 * b + (m10 * a + c1)]
    }

    /// `m10`: for a rotation, `σ sin δ`.
    fn m10(&self) -> f64 {
        self.anti.0[1]
    }

    /// `steps` steps of `motion`. Rotate carries
    /// `(u, s) = (1 + σ cos θ, sin θ)`: `u' = u cos δ - σ sin δ·s + (1 - cos δ)`,
    /// `s' = σ sin δ·u + cos δ·s - σ sin δ`. Ramp carries `(x, e) = (a·b, da·b)`:
    /// `x' = g·x + g·e`, `e' = g·e`, with `g` the ratio.
    fn of(segment: &Segment, sign: f64, steps: u32) -> Affine {
        let (d0, d1) = segment.delta;
        match segment.motion {
            Motion::Rotate => {
                let angle = d0 * f64::from(steps);
                let half = libm::sin(angle / 2.0);
                let (cos, sin) = (libm::cos(angle), sign * libm::sin(angle));
                Affine::new([cos, -sin, sin, cos], [2.0 * half * half, -sin])
            }
            Motion::Ramp => {
                // n steps: x_n = gⁿ·x + n·gⁿ·e, e_n = gⁿ·e.
                let g = libm::pow(d1, f64::from(steps));
                Affine::new([g, g * f64::from(steps), 0.0, g], [0.0, 0.0])
            }
            Motion::Direct => Affine::IDENTITY,
        }
    }
}

/// Moves `stepper` one step on; `schedule` is asked for only at the end of
/// a window (a schedule seen through a view need not build it every step).
#[inline(always)]
pub(crate) fn advance<S: Stepping>(stepper: &mut Stepper, schedule: impl FnOnce() -> S) {
    if stepper.step.wrapping_add(1) < stepper.live_below {
        stepper.move_one();
    } else {
        step_out_of_line(stepper, schedule);
    }
}

/// [`advance`] at the end of a window, or through an untrusted one (whose
/// steps are evaluated directly anyway).
#[cold]
#[inline(never)]
fn step_out_of_line<S: Stepping>(stepper: &mut Stepper, schedule: impl FnOnce() -> S) {
    let next = stepper.step.wrapping_add(1);
    if next == stepper.next_sync {
        resync(&schedule(), stepper, next);
    } else {
        stepper.step = next;
    }
}

/// A stepper standing at `step`.
#[inline(never)]
pub(crate) fn stepper_at<S: Stepping + ?Sized>(schedule: &S, step: u64) -> Stepper {
    let mut stepper = Stepper::new(step);
    seek(schedule, &mut stepper, step);
    stepper
}

/// At the end of a window: the next window of the same segment, or a full
/// [`seek`]. Steps saturate at `u64::MAX`.
#[cold]
#[inline(never)]
fn resync<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper, step: u64) {
    if stepper.step == u64::MAX {
        return;
    }
    let segment = &stepper.segment;
    let within = step > segment.first && step <= segment.last;
    if segment.motion != Motion::Direct && !stepper.exact && within {
        start_window(schedule, stepper, step);
    } else {
        seek(schedule, stepper, step);
    }
}

/// Positions `stepper` at `step`: its segment's motion and value maps, its
/// window started at the last multiple of [`SYNC`] (or the segment's
/// start), then moved on to `step`.
fn seek<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper, step: u64) {
    let segment = schedule.segment(step);
    *stepper = Stepper {
        next_sync: segment.last.wrapping_add(1),
        segment,
        exact: stepper.exact,
        ..Stepper::new(step)
    };
    if segment.motion == Motion::Direct || stepper.exact {
        return;
    }
    let sign = carried_sign(&segment);
    let maps = match segment.motion {
        // value = α + β·cos θ = (α - σβ) + σβ·(1 + σ cos θ).
        Motion::Rotate => segment.maps.map(|(a, b)| (a - sign * b, sign * b)),
        _ => segment.maps,
    };
    stepper.offset = Pair(maps.map(|(p, _)| p));
    stepper.scale = Pair(maps.map(|(_, q)| q));
    stepper.once = Affine::of(&segment, sign, 1);
    stepper.ahead = Affine::of(&segment, sign, LANES as u32);
    start_window(schedule, stepper, window_start(&segment, step));
    while stepper.step < step {
        stepper.move_one();
    }
}

/// `σ` of the carried `1 + σ cos θ`: it vanishes where the learning rate is
/// smallest, so that there the value keeps a small relative error.
fn carried_sign(segment: &Segment) -> f64 {
    let (alpha, beta) = segment.maps[0];
    if (alpha - beta).abs() <= (alpha + beta).abs() {
        1.0
    } else {
        -1.0
    }
}

/// The first step of the window `step` falls in: its segment's first or
/// last step alone (a window of one, evaluated directly, so that a phase's
/// ends are the direct formula's bits and a stepped value does not pass
/// them: the recurrence's last roundings would put `OneCycleLR`'s peak at
/// `0.10000000000000003` for `max_lr = 0.1`), else the last multiple of
/// [`SYNC`], or the step after the segment's first.
fn window_start(segment: &Segment, step: u64) -> u64 {
    if at_an_end(segment, step) {
        step
    } else {
        (step - step % SYNC).max(segment.first + 1)
    }
}

/// The last step of the window that starts at `start` ([`window_start`]).
fn window_end(segment: &Segment, start: u64) -> u64 {
    if at_an_end(segment, start) {
        start
    } else {
        (start - start % SYNC)
            .saturating_add(SYNC - 1)
            .min(segment.last - 1)
    }
}

/// Whether `step` is its segment's first or last: a window of its own.
fn at_an_end(segment: &Segment, step: u64) -> bool {
    step == segment.first || step == segment.last
}

/// Starts the window at `start` of the stepper's segment: the state from
/// the direct formula, and whether the recurrence can be trusted over the
/// whole window (never over a window of one: [`window_start`]).
fn start_window<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper, start: u64) {
    let segment = stepper.segment;
    let end = window_end(&segment, start);
    stepper.step = start;
    stepper.next_sync = end.wrapping_add(1);
    if end == start {
        stepper.live_below = 0;
        return;
    }
    let first = match stepper.next_window {
        (step, state) if step == start => state,
        _ => window_state(schedule, &segment, start),
    };
    // The bound is taken over one step more, to the next window's first
    // (still in the segment: a window ends before its segment's last
    // step), whose state the next window then starts from: one direct
    // evaluation per window instead of two, over a hull as safe.
    let last = window_state(schedule, &segment, end + 1);
    stepper.next_window = (end + 1, last);
    let steps = (end - start) as f64;
    let (state, trusted) = match segment.motion {
        Motion::Rotate => {
            let (lo, hi) = (first.0.min(last.0), first.0.max(last.0));
            // `sin δ` as the segment's one-step rotation holds it.
            let sin_delta = stepper.once.m10().abs();
            // Each update rounds `u` relatively, and feeds it the rounding
            // of `sin θ` through the sine of the angle it turns. A value is
            // `steps / LANES` updates by `LANES` steps from its lane's start
            // (and that start up to `LANES` single steps from the window's):
            // the relative roundings count per update, the fed ones per
            // step turned, and what `u` takes from `sin θ` grows with the
            // angle the window spans.
            let lanes = LANES as f64;
            let updates = steps / lanes + lanes;
            let fed = sin_delta * (steps + lanes);
            let drift = 4.0 * (hi * updates + fed) * (1.0 + steps * sin_delta);
            // The slack is an angle's: `cos θ` moves by `|sin θ|` times it,
            // and `|sin θ|` by at most the angle the window spans.
            let span = steps * segment.delta.0.abs();
            let sin_max = (first.1.abs().max(last.1.abs()) + span).min(1.0);
            let error = segment.slack * sin_max + 6e-16 + drift * f64::EPSILON;
            (first, stepper.trusted(lo, hi, error))
        }
        _ => {
            let corners = [
                first.0 * first.1,
                first.0 * last.1,
                last.0 * first.1,
                last.0 * last.1,
            ];
            let lo = corners.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = corners.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let size = first.0.abs().max(last.0.abs()) * first.1.abs().max(last.1.abs());
            let state = (first.0 * first.1, segment.delta.0 * first.1);
            // The slack is the direct factor's (`a`'s): in `x = a·b` it
            // counts `|b|` times.
            let unit = first.1.abs().max(last.1.abs());
            let error = (segment.slack + 6e-16) * unit + steps * 3.0 * size * f64::EPSILON;
            (state, stepper.trusted(lo, hi, error))
        }
    };
    // A window ending at `u64::MAX` has no `live_below`: it is evaluated
    // directly, as a step past it could not be.
    stepper.live_below = if trusted { stepper.next_sync } else { 0 };
    let mut next = [state.0, state.1];
    for k in start..start + LANES as u64 {
        stepper.ring[(k % LANES as u64) as usize] = Pair(next);
        next = stepper.once.apply(next[0], next[1]);
    }
}

impl Stepper {
    /// Whether every value `p + q·x` with `x` in `[lo, hi]`, `x` off the
    /// direct formula's by up to `error` (the recurrence's drift and the
    /// direct formula's own roundings), stays within [`BUDGET`] of the
    /// direct formula. A value whose budget falls below the normal floats
    /// never does: down there the direct formula rounds to a coarser
    /// absolute grid than the budget (and this bound's own products
    /// underflow to a zero that would pass anything).
    fn trusted(&self, lo: f64, hi: f64, error: f64) -> bool {
        error.is_finite()
            && (0..2).all(|i| {
                let (p, q) = (self.offset.0[i], self.scale.0[i]);
                let (v0, v1) = (p + q * lo, p + q * hi);
                let smallest = if v0.signum() == v1.signum() {
                    v0.abs().min(v1.abs())
                } else {
                    0.0
                };
                let budget = BUDGET * smallest;
                // A constant lane is `p` itself, whatever its size.
                q == 0.0 || ((q * error).abs() <= budget && budget >= f64::MIN_POSITIVE)
            })
    }
}

/// The state a window of `segment` carries at `step`, from the direct
/// formula: `(1 ± cos θ, sin θ)` for a rotation, `(a, b)` for a ramp.
fn window_state<S: Stepping + ?Sized>(schedule: &S, segment: &Segment, step: u64) -> (f64, f64) {
    let state = schedule.state_at(segment, step);
    match segment.motion {
        Motion::Rotate => half_angle_state(state.0, carried_sign(segment)),
        _ => state,
    }
}

/// `(1 + σ cos θ, sin θ)` from the half angle, so that `1 ± cos θ` keeps its
/// relative precision near zero.
fn half_angle_state(theta: f64, sign: f64) -> (f64, f64) {
    let (s, c) = libm::sincos(theta / 2.0);
    let u = if sign > 0.0 { 2.0 * c * c } else { 2.0 * s * s };
    (u, 2.0 * s * c)
}

/// The first and last steps around `step` (within `lo..=hi`) whose `key`
/// equals `key(step)`, for a `key` that never decreases with the step:
/// galloping, then bisection.
pub(crate) fn run_of<K: PartialEq>(
    step: u64,
    lo: u64,
    hi: u64,
    key: impl Fn(u64) -> K,
) -> (u64, u64) {
    let k = key(step);
    let same = |s: u64| key(s) == k;
    let first = edge(step, |s, d| s.saturating_sub(d).max(lo), same);
    (first, run_last(step, hi, same))
}

/// The last step of `first..=last` where `same` holds, given that it holds
/// at `first` and, once false, stays false: the end of a run of steps (a
/// segment, or what a bulk loop fills with one straight-line body).
pub(crate) fn run_last(first: u64, last: u64, same: impl Fn(u64) -> bool) -> u64 {
    edge(first, |s, d| s.saturating_add(d).min(last), same)
}

/// The farthest step from `step` in one direction (`toward(s, d)` moves `s`
/// by `d` that way, stopping at the bound) before `same` turns false:
/// galloping by doubling distances, then bisection.
fn edge(step: u64, toward: impl Fn(u64, u64) -> u64, same: impl Fn(u64) -> bool) -> u64 {
    let (mut good, mut span) = (step, 1u64);
    let mut bad = loop {
        let probe = toward(good, span);
        if probe == good {
            return good; // at the bound
        }
        if same(probe) {
            good = probe;
            span = span.saturating_mul(2);
        } else {
            break probe;
        }
    };
    loop {
        let gap = good.abs_diff(bad);
        if gap <= 1 {
            return good;
        }
        // Strictly between `good` and `bad`, so the bound never applies.
        let mid = toward(good, gap / 2);
        if same(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
}

/// Runs `f` out of line: the direct fallback of a stepped value, kept out of
/// the hot path so that the recurrence's few instructions inline.
#[cold]
#[inline(never)]
pub(crate) fn cold<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// The hyper-parameters at `stepper`'s step: from the recurrence where its
/// window is trusted, from `direct` (out of line) elsewhere.
#[inline(always)]
pub(crate) fn stepped_hypers<F: Real>(
    stepper: &Stepper,
    momentum: bool,
    direct: impl FnOnce(u64) -> Hypers<F>,
) -> Hypers<F> {
    // Both ways meet as two values in registers, not as a `Hypers` in
    // memory (the out-of-line call would return one through the stack).
    let values = match stepper.values() {
        Some((lr, m)) => (F::from_f64(lr), F::from_f64(m)),
        None => cold(|| direct(stepper.step).lr_and_momentum()),
    };
    Hypers::from_lr_and_momentum(values, momentum)
}

/// `(α, β)` of a cosine annealing from `start` to `end` (PyTorch's
/// `end + (start - end)/2·(cos θ + 1)`): `value = α + β·cos θ`.
pub(crate) fn cos_map<F: Real>(start: F, end: F) -> (f64, f64) {
    let (start, end) = (start.to_f64(), end.to_f64());
    ((start + end) / 2.0, (start - end) / 2.0)
}

/// `(α, β)` of the seed's wave `(cos θ + 1)·amp/2 + base`:
/// `value = α + β·cos θ`.
pub(crate) fn seed_map(amp: f64, base: f64) -> (f64, f64) {
    (base + amp / 2.0, amp / 2.0)
}

/// The map of an absent momentum.
pub(crate) const NO_MAP: (f64, f64) = (1.0, 0.0);

#[cfg(test)]
mod tests {
    use crate::{
        Bundle, CosineRestarts, CyclicLr, CyclicMode, FitOneCycle, HyperSchedule, KerasClr,
        KerasOneCycle, OneCycleLr,
    };

    /// The share of `n` steps from 0 whose values come from the recurrence.
    fn live_share<S: HyperSchedule<f64>>(s: &S, n: u64) -> f64 {
        let mut stepper = s.stepper(0);
        let mut live = 0u64;
        for _ in 0..n {
            live += u64::from(stepper.values().is_some());
            s.advance(&mut stepper);
        }
        live as f64 / n as f64
    }

    /// The benchmarks' presets: the recurrence must serve nearly every step,
    /// all but the windows where a value comes too close to zero for the
    /// direct formula's own absolute error (the end of an annealing to
    /// about zero, the seed's falls to zero). A bound judged too loosely
    /// makes the stepper evaluate directly without any value changing.
    #[test]
    fn the_recurrence_serves_nearly_every_step() {
        let n = 1_000_000;
        let cyclic = |mode| {
            CyclicLr::builder(0.001, 0.1)
                .step_size_up(20_000)
                .mode(mode)
                .build()
                .unwrap()
        };
        let shares = [
            (
                "one-cycle",
                live_share(&OneCycleLr::builder(0.1, n).build().unwrap(), n),
                0.9,
            ),
            (
                "triangular2",
                live_share(&cyclic(CyclicMode::Triangular2), n),
                0.99,
            ),
            (
                "exp_range",
                live_share(&cyclic(CyclicMode::ExpRange { gamma: 0.99999 }), n),
                0.99,
            ),
            (
                "warm restarts",
                live_share(
                    &Bundle::lr_only(
                        CosineRestarts::builder(0.1, 1000)
                            .t_mult(2.0)
                            .build()
                            .unwrap(),
                    ),
                    n,
                ),
                0.9,
            ),
            (
                "seed one-cycle",
                live_share(
                    &KerasOneCycle::builder((0.01, 0.1), n)
                        .momentum_range(0.95, 0.85)
                        .build()
                        .unwrap(),
                    n,
                ),
                0.9,
            ),
            (
                "seed clr",
                live_share(
                    &KerasClr::builder(10, (0.002, 0.01), n)
                        .momentum_range(0.95, 0.85)
                        .build_keras()
                        .unwrap(),
                    n,
                ),
                0.85,
            ),
            (
                "fastai",
                live_share(&FitOneCycle::builder(1e-3, n).build().unwrap(), n),
                0.9,
            ),
        ];
        for (name, share, least) in shares {
            assert!(
                share >= least,
                "{name}: {share} of the steps stepped, want {least}"
            );
        }
    }
}
