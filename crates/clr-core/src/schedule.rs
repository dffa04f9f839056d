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
    /// Implementations may override it; the values must stay those of
    /// [`Schedule::at`].
    fn fill(&self, out: &mut [F], first_step: u64) {
        let mut step = first_step;
        for v in out.iter_mut() {
            *v = self.at(step);
            step = step.saturating_add(1);
        }
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
