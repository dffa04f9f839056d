//! The [`Schedule`] trait: a stateless map from step to value.

use crate::real::Real;

/// A stateless schedule of one hyper-parameter: `value = schedule.at(step)`.
///
/// Every `u64` step is defined. A finite schedule ([`total_steps`] is
/// `Some(n)`) holds its last value, `at(n - 1)`, for every step past the end;
/// the training-loop state machine decides what a run does there instead.
///
/// [`total_steps`]: Schedule::total_steps
pub trait Schedule<F: Real> {
    /// The value for the optimizer's `step`-th update (step 0 is the first).
    fn at(&self, step: u64) -> F;

    /// `Some(n)` when the schedule is one pass of `n` steps, `None` when unbounded.
    fn total_steps(&self) -> Option<u64>;

    /// Writes `at(first_step + i)` into `out[i]` for every `i`.
    ///
    /// Implementations may override it with a faster loop; the values must
    /// stay those of [`Schedule::at`].
    fn fill(&self, out: &mut [F], first_step: u64) {
        let mut step = first_step;
        for v in out.iter_mut() {
            *v = self.at(step);
            step = step.saturating_add(1);
        }
    }

    /// A [`Stepper`] standing at `step`, for sequential evaluation with
    /// [`stepped`](Schedule::stepped) and [`advance`](Schedule::advance).
    ///
    /// Schedules with a cheaper way to the next step than the direct formula
    /// (an incremental recurrence) override the three; by default the
    /// stepper only counts and every value is [`at`](Schedule::at).
    fn stepper(&self, step: u64) -> Stepper {
        Stepper::counting(step)
    }

    /// Moves `stepper` one step on.
    fn advance(&self, stepper: &mut Stepper) {
        stepper.step = stepper.step.saturating_add(1);
    }

    /// The value at the stepper's step: `at(stepper.step())`, or within
    /// 1e-12 relative of it where the schedule steps incrementally.
    fn stepped(&self, stepper: &Stepper) -> F {
        self.at(stepper.step)
    }

    /// The values of steps `0..total_steps()`, or of every step when unbounded.
    fn iter(&self) -> Iter<'_, Self, F>
    where
        Self: Sized,
    {
        Iter::new(self)
    }
}

impl<F: Real, S: Schedule<F> + ?Sized> Schedule<F> for &S {
    #[inline]
    fn at(&self, step: u64) -> F {
        (**self).at(step)
    }
    fn total_steps(&self) -> Option<u64> {
        (**self).total_steps()
    }
    fn fill(&self, out: &mut [F], first_step: u64) {
        (**self).fill(out, first_step)
    }
    fn stepper(&self, step: u64) -> Stepper {
        (**self).stepper(step)
    }
    fn advance(&self, stepper: &mut Stepper) {
        (**self).advance(stepper)
    }
    fn stepped(&self, stepper: &Stepper) -> F {
        (**self).stepped(stepper)
    }
}

/// Iterator over a schedule's values, from [`Schedule::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a, S, F> {
    schedule: &'a S,
    next: u64,
    // `None` = unbounded; the iterator still ends after step u64::MAX.
    end: Option<u64>,
    done: bool,
    _value: core::marker::PhantomData<F>,
}

impl<'a, F: Real, S: Schedule<F>> Iter<'a, S, F> {
    fn new(schedule: &'a S) -> Self {
        let end = schedule.total_steps();
        Iter {
            schedule,
            next: 0,
            end,
            done: end == Some(0),
            _value: core::marker::PhantomData,
        }
    }
}

impl<F: Real, S: Schedule<F>> Iterator for Iter<'_, S, F> {
    type Item = F;

    fn next(&mut self) -> Option<F> {
        if self.done {
            return None;
        }
        let step = self.next;
        let value = self.schedule.at(step);
        match step.checked_add(1) {
            Some(n) if Some(n) != self.end => self.next = n,
            _ => self.done = true,
        }
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match (self.done, self.end) {
            (true, _) => (0, Some(0)),
            (false, Some(end)) => {
                let left = usize::try_from(end - self.next).unwrap_or(usize::MAX);
                (left, Some(left))
            }
            (false, None) => (usize::MAX, None),
        }
    }
}

/// Steps between two re-synchronisations of a [`Stepper`] with the direct
/// formula (and at every segment's first step): the recurrence runs at most
/// `SYNC - 1` steps, so its error stays below `SYNC · 4e-16` of the
/// amplitude.
pub(crate) const SYNC: u64 = 32;

/// How a [`Stepper`]'s state moves from one step to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Motion {
    /// No state: every step is evaluated directly.
    #[default]
    Direct,
    /// `(a, b) = (cos θ, sin θ)` rotated by `(da, db) = (cos δ, sin δ)`.
    Rotate,
    /// `a += da`, `b *= db`: a linear ramp times a geometric scale.
    Ramp,
}

/// The state of sequential evaluation: the step it stands at and, where the
/// schedule's curve allows, an incremental recurrence that takes it to the
/// next step in a few multiplications instead of a cosine.
///
/// Get one from [`HyperSchedule::stepper`] (or [`Schedule::stepper`]), read
/// the values with [`HyperSchedule::stepped`], move on with
/// [`HyperSchedule::advance`]; [`Scheduler::incremental`] does all three.
/// Cosine phases rotate `(cos θ, sin θ)` by the step's angle; linear ramps
/// add, geometric scales multiply. Every 32 steps (at absolute multiples of
/// 32) and at the start of every phase or cycle the state is recomputed
/// from the direct formula, so the values at step `k` depend on `k` alone
/// (not on where stepping began), and stay within 1e-12 relative of
/// [`HyperSchedule::hypers`]: where a value comes too close to zero for the
/// recurrence's absolute error (and the direct formula's own rounding) to
/// be that small relatively, that step is evaluated directly instead.
///
/// It is fixed-size plain data (no allocation); a fresh one evaluates
/// directly until its first re-synchronisation.
///
/// [`HyperSchedule::stepper`]: crate::HyperSchedule::stepper
/// [`HyperSchedule::stepped`]: crate::HyperSchedule::stepped
/// [`HyperSchedule::advance`]: crate::HyperSchedule::advance
/// [`HyperSchedule::hypers`]: crate::HyperSchedule::hypers
/// [`Scheduler::incremental`]: crate::Scheduler::incremental
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stepper {
    pub(crate) step: u64,
    /// The first step that needs a re-synchronisation.
    pub(crate) next_sync: u64,
    /// The last step of the current segment.
    pub(crate) segment_last: u64,
    pub(crate) motion: Motion,
    /// The schedule's own index of the segment (phase, cycle, …).
    pub(crate) tag: u32,
    /// The state at this step: `(cos θ, sin θ)`, or (ramp, scale).
    pub(crate) a: f64,
    pub(crate) b: f64,
    /// The state at the next step. Two interleaved chains, each moved two
    /// steps at a time, so a step waits on the multiplication of the step
    /// before last, not of the last: half the latency.
    a1: f64,
    b1: f64,
    /// The motion of one step, and of two.
    step1: (f64, f64),
    step2: (f64, f64),
    /// Bound on the state's error so far, in units of the amplitude: the
    /// direct formula's own rounding ([`Segment::slack`]) plus `5e-16` per
    /// step since the re-synchronisation.
    pub(crate) error: f64,
    /// The schedule's own constant for the segment (an amplitude, a peak).
    pub(crate) aux: f64,
    slack: f64,
}

impl Stepper {
    /// A stepper standing at `step` that evaluates directly until it is
    /// first moved (then it re-synchronises).
    pub fn new(step: u64) -> Self {
        Stepper {
            step,
            next_sync: step,
            ..Stepper::default()
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

    /// Error bound of the state, in units of the amplitude.
    #[inline(always)]
    pub(crate) fn error_bound(&self) -> f64 {
        self.error
    }

    /// `motion` applied once to `(a, b)`.
    #[inline(always)]
    fn moved(&self, (a, b): (f64, f64), (da, db): (f64, f64)) -> (f64, f64) {
        match self.motion {
            Motion::Rotate => (a * da - b * db, b * da + a * db),
            Motion::Ramp => (a + da, b * db),
            Motion::Direct => (a, b),
        }
    }

    /// Sets the state at this step (from the direct formula) and the
    /// one-step motion; derives the next step's state and the two-step motion.
    fn synced(&mut self, (a, b): (f64, f64), step1: (f64, f64)) {
        self.a = a;
        self.b = b;
        self.step1 = step1;
        let (da, db) = step1;
        self.step2 = match self.motion {
            Motion::Rotate => (da * da - db * db, 2.0 * da * db),
            Motion::Ramp => (2.0 * da, db * db),
            Motion::Direct => (0.0, 0.0),
        };
        (self.a1, self.b1) = self.moved((a, b), step1);
        self.error = self.slack + 5e-16;
    }

    /// One step of the recurrence.
    #[inline(always)]
    fn move_one(&mut self) {
        let after_next = self.moved((self.a, self.b), self.step2);
        self.a = self.a1;
        self.b = self.b1;
        (self.a1, self.b1) = after_next;
        self.error += 5e-16;
        self.step += 1;
    }
}

/// Runs `f` out of line: the direct fallback of a stepped value, kept out of
/// the hot path so that the recurrence's few instructions inline.
#[cold]
#[inline(never)]
pub(crate) fn cold<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Whether `amplitude · error` is small enough, relative to `value`, for a
/// value computed from a [`Stepper`]'s state to be within 1e-12 of the
/// direct formula (with a margin for the direct formula's own rounding).
#[inline(always)]
pub(crate) fn trusted(amplitude: f64, error: f64, value: f64) -> bool {
    (amplitude * error).abs() <= 2e-13 * value.abs()
}

/// A run of consecutive steps over which a schedule's state moves by one
/// [`Motion`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    /// Its first step.
    pub first: u64,
    /// Its last step.
    pub last: u64,
    pub motion: Motion,
    pub tag: u32,
    pub aux: f64,
    /// The direct formula's own rounding error over the segment, in units
    /// of the amplitude: stepped values may differ from it by that much more.
    pub slack: f64,
}

impl Segment {
    /// A run of directly evaluated steps.
    pub fn direct(first: u64, last: u64) -> Self {
        Segment {
            first,
            last,
            motion: Motion::Direct,
            tag: 0,
            aux: 0.0,
            slack: 0.0,
        }
    }
}

/// What a schedule tells the stepping engine.
pub(crate) trait Stepping {
    /// The segment `step` is in.
    fn segment(&self, step: u64) -> Segment;
    /// `(a, b, da, db)` at `step` of the segment tagged `tag`, from the
    /// direct formula; `(a, b)` only (the motion is kept) when not `motion`.
    fn state_at(&self, tag: u32, step: u64, motion: bool) -> (f64, f64, f64, f64);
}

/// Positions `stepper` at `step`: re-synchronised at the last multiple of
/// [`SYNC`] (or the segment's start), then moved on to `step`.
#[inline(never)]
pub(crate) fn seek<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper, step: u64) {
    let segment = schedule.segment(step);
    let direct = segment.motion == Motion::Direct;
    let at = if direct {
        step
    } else {
        (step - step % SYNC).max(segment.first)
    };
    let grid_end = (at - at % SYNC).saturating_add(SYNC);
    *stepper = Stepper {
        step: at,
        next_sync: if direct {
            segment.last.saturating_add(1)
        } else {
            grid_end.min(segment.last.saturating_add(1))
        },
        segment_last: segment.last,
        motion: segment.motion,
        tag: segment.tag,
        aux: segment.aux,
        slack: segment.slack,
        ..Stepper::default()
    };
    if !direct {
        let (a, b, da, db) = schedule.state_at(segment.tag, at, true);
        stepper.synced((a, b), (da, db));
    }
    while stepper.step < step {
        stepper.move_one();
    }
}

/// Moves `stepper` one step on.
#[inline(always)]
pub(crate) fn advance<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper) {
    let next = stepper.step.saturating_add(1);
    if next >= stepper.next_sync || next == stepper.step {
        resync(schedule, stepper, next);
    } else if stepper.motion == Motion::Direct {
        stepper.step = next;
    } else {
        stepper.move_one();
    }
}

/// At a multiple of [`SYNC`] within the segment: the state from the direct
/// formula, the segment and motion kept; elsewhere a full [`seek`].
#[inline(never)]
fn resync<S: Stepping + ?Sized>(schedule: &S, stepper: &mut Stepper, step: u64) {
    let within = stepper.motion != Motion::Direct
        && step > stepper.step
        && step <= stepper.segment_last
        && step % SYNC == 0;
    if !within {
        return seek(schedule, stepper, step);
    }
    let (a, b, _, _) = schedule.state_at(stepper.tag, step, false);
    stepper.step = step;
    stepper.synced((a, b), stepper.step1);
    stepper.next_sync = step
        .saturating_add(SYNC)
        .min(stepper.segment_last.saturating_add(1));
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
    let last = edge(step, |s, d| s.saturating_add(d).min(hi), same);
    let first = edge(step, |s, d| s.saturating_sub(d).max(lo), same);
    (first, last)
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
