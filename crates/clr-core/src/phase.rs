//! Piecewise schedules: consecutive phases, each annealing between two
//! values. Two references, two rules.
//!
//! By end position ([`Piecewise::from_phases`], [`Piecewise::by_steps`]),
//! PyTorch's `OneCycleLR.get_lr`:
//!
//! ```text
//! start_step = 0.0
//! for i, phase in enumerate(phases):
//!     if step_num <= phase.end_step or i == len(phases) - 1:
//!         pct = (step_num - start_step) / (phase.end_step - start_step)
//!         return _annealing_cos(phase.start, phase.end, pct)   # or _annealing_linear
//!     start_step = phase.end_step
//! ```
//!
//! By fractions of the run ([`Piecewise::by_fractions`]), fastai's
//! `combine_scheds(pcts, scheds)`, in float32 as fastai's tensors compute it
//! (`pos` is rounded to float32 where it meets them):
//!
//! ```text
//! pcts = torch.cumsum(tensor([0] + pcts), 0)               # float32
//! idx = min((pos >= pcts).nonzero().max(), len(pcts) - 2)
//! actual_pos = (pos - pcts[idx]) / (pcts[idx+1] - pcts[idx])  # float32
//! return scheds[idx](actual_pos.item())
//! ```
//!
//! Step `k` of a run of `n` sits at `pos = k / n`. Steps past
//! [`total_steps`](Schedule::total_steps) hold the value of the last step.

use crate::anneal::Anneal;
use crate::error::{check, Error, Expected, Value};
use crate::real::{step_f64, unit_progress, Real};
use crate::schedule::Schedule;

/// The most phases a [`Piecewise`] schedule holds (it needs no allocator).
pub const MAX_PHASES: usize = 8;

/// One phase of a [`Piecewise`] schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Phase<F> {
    /// Where the phase ends: a position in steps (fractional positions
    /// allowed) or, built [`by_fractions`](Piecewise::by_fractions), a
    /// fraction of the run (fastai's cumulative `pcts`, float32 values).
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

/// A phase given by its share of the schedule, for [`Piecewise::by_fractions`]
/// and [`Piecewise::by_steps`].
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

/// Which reference's rule places a step in its phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum Rule {
    /// PyTorch's: ends are positions in steps, curves PyTorch's.
    #[default]
    EndSteps,
    /// fastai's `combine_scheds`: ends are float32 fractions of the run,
    /// curves fastai's.
    Fractions,
}

impl Rule {
    #[cfg(feature = "serde")]
    fn is_end_steps(&self) -> bool {
        *self == Rule::EndSteps
    }
}

/// A schedule made of up to [`MAX_PHASES`] consecutive phases.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawPiecewise<F>",
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
    /// Written only when it is fastai's, so PyTorch's phases keep the form
    /// they have always had.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Rule::is_end_steps")
    )]
    rule: Rule,
}

/// What a [`Piecewise`] is read from: its fields, validated as the
/// builders validate them.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename = "Piecewise")]
struct RawPiecewise<F> {
    phases: [Phase<F>; MAX_PHASES],
    len: u8,
    total_steps: u64,
    #[serde(default)]
    rule: Rule,
}

#[cfg(feature = "serde")]
impl<F: Real> TryFrom<RawPiecewise<F>> for Piecewise<F> {
    type Error = Error;
    fn try_from(raw: RawPiecewise<F>) -> Result<Self, Error> {
        let len = usize::from(raw.len);
        check_phase_count(len)?;
        let phases = &raw.phases[..len];
        let mut built = Self::from_phases(raw.total_steps, phases)?;
        if raw.rule == Rule::Fractions {
            check_fractions(phases)?;
            built.rule = Rule::Fractions;
        }
        // Unused slots are kept as they came, so a round trip is exact.
        built.phases = raw.phases;
        Ok(built)
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
        Ok(Piecewise {
            phases: all,
            len: phases.len() as u8,
            total_steps,
            rule: Rule::EndSteps,
        })
    }

    /// fastai's `combine_scheds(pcts, scheds)` over `total_steps` steps:
    /// span `i` takes `length_i` of the run (the lengths sum to 1), step
    /// `k` sits at position `k / total_steps`, and positions, phase ends and
    /// each phase's progress are float32, as in fastai. The curves are
    /// fastai's (`SchedCos`, `SchedLin`, `SchedExp`, `SchedPoly`, `SchedNo`).
    pub fn by_fractions(total_steps: u64, spans: &[Span<F>]) -> Result<Self, Error> {
        check_phase_count(spans.len())?;
        let mut sum = 0.0;
        for span in spans {
            sum += check::unit("pct", span.length)?;
        }
        if (sum - 1.0).abs() > 1e-9 {
            return Err(sum_to_one(sum));
        }
        // torch.cumsum over float32 lengths, in float32.
        let mut ends = [0.0; MAX_PHASES];
        let mut end = 0.0_f32;
        for (e, span) in ends.iter_mut().zip(spans) {
            end += span.length as f32;
            *e = f64::from(end);
        }
        let mut built = Self::from_spans(total_steps, spans, &ends)?;
        built.rule = Rule::Fractions;
        Ok(built)
    }

    /// Consecutive phases of `length_i` steps each (fractional lengths
    /// allowed); the schedule lasts their sum, rounded up.
    pub fn by_steps(spans: &[Span<F>]) -> Result<Self, Error> {
        check_phase_count(spans.len())?;
        let (mut ends, mut sum) = ([0.0; MAX_PHASES], 0.0);
        for (e, span) in ends.iter_mut().zip(spans) {
            sum += check::non_negative("steps", span.length)?;
            *e = sum;
        }
        let total = libm::ceil(sum);
        if total >= 18_446_744_073_709_551_615.0 {
            return Err(Error::Overflow { param: "steps" });
        }
        Self::from_spans(total as u64, spans, &ends)
    }

    fn from_spans(total_steps: u64, spans: &[Span<F>], ends: &[f64]) -> Result<Self, Error> {
        let mut phases = [Phase::new(0.0, F::zero(), F::zero(), Anneal::Constant); MAX_PHASES];
        for ((phase, span), &end) in phases.iter_mut().zip(spans).zip(ends) {
            *phase = Phase::new(end, span.start_value, span.end_value, span.anneal);
        }
        Self::from_phases(total_steps, &phases[..spans.len()])
    }

    /// The phases, in order.
    pub fn phases(&self) -> &[Phase<F>] {
        &self.phases[..usize::from(self.len)]
    }

    /// The index of the phase `step` falls in.
    pub fn phase_index(&self, step: u64) -> usize {
        match self.rule {
            Rule::EndSteps => self.locate(step).0,
            Rule::Fractions => self.combine(self.fraction(step)).0,
        }
    }

    /// The step's position: PyTorch's `step_num`, held at the last step.
    fn position(&self, step: u64) -> f64 {
        step_f64(step.min(self.total_steps - 1))
    }

    /// The step's fastai position `k / n`, rounded to float32.
    fn fraction(&self, step: u64) -> f32 {
        (self.position(step) / step_f64(self.total_steps)) as f32
    }

    /// PyTorch's phase of `step` and the progress `pct` through it. Where
    /// PyTorch divides by zero (a phase of no length) the phase is over:
    /// `pct` is 1. Elsewhere the clamp
    /// changes nothing (PyTorch's `pct` lies in `[0, 1]`) but keeps the
    /// steps past a last phase that ends early, or backwards, from
    /// extrapolating.
    pub(crate) fn locate(&self, step: u64) -> (usize, f64) {
        let position = self.position(step);
        let last = usize::from(self.len) - 1;
        let mut start = 0.0;
        for (i, phase) in self.phases().iter().enumerate() {
            if position <= phase.end || i == last {
                let pct = (position - start) / (phase.end - start);
                return (i, unit_progress(pct));
            }
            start = phase.end;
        }
        (last, 1.0)
    }

    /// Phase `i`'s [`torch_wave`](Anneal::torch_wave) at progress `pct`:
    /// what every value annealed over that phase shares.
    pub(crate) fn torch_wave(&self, i: usize, pct: f64) -> F {
        self.phases[i].anneal.torch_wave(F::from_f64(pct))
    }

    /// Phase `i`'s value at `wave`, by PyTorch's curves.
    pub(crate) fn torch_at(&self, i: usize, wave: F) -> F {
        let p = self.phases[i];
        p.anneal.torch_at(p.start_value, p.end_value, wave)
    }

    /// fastai's `combine_scheds` phase of `pos` and its `actual_pos`, in
    /// float32. A position in a phase of no length (only reachable past
    /// `pos = 1`) is that phase's end.
    pub(crate) fn combine(&self, pos: f32) -> (usize, f32) {
        let phases = self.phases();
        let idx = phases[..phases.len() - 1]
            .iter()
            .take_while(|p| pos >= p.end as f32)
            .count();
        let start = if idx == 0 {
            0.0
        } else {
            phases[idx - 1].end as f32
        };
        let actual = (pos - start) / (phases[idx].end as f32 - start);
        (idx, if actual.is_finite() { actual } else { 1.0 })
    }

    /// Phase `i`'s [`fastai_wave`](Anneal::fastai_wave) at fastai's
    /// `actual_pos`.
    pub(crate) fn fastai_wave(&self, i: usize, actual: f32) -> F {
        let pos = F::from_f64(f64::from(actual));
        self.phases[i].anneal.fastai_wave(pos)
    }

    /// Phase `i`'s value at `wave`, by fastai's curves.
    pub(crate) fn fastai_at(&self, i: usize, wave: F) -> F {
        let p = self.phases[i];
        p.anneal.fastai_at(p.start_value, p.end_value, wave)
    }
}

fn invalid(param: &'static str, v: f64, expected: Expected) -> Error {
    Error::Invalid {
        param,
        value: Value::Float(v),
        expected,
    }
}

fn sum_to_one(sum: f64) -> Error {
    invalid("pcts", sum, Expected::SumToOne)
}

/// fastai's phase ends: float32 fractions that never decrease and end at
/// 1 (as float32 sums of lengths that add up to 1 do, within a few ulp).
#[cfg(feature = "serde")]
fn check_fractions<F>(phases: &[Phase<F>]) -> Result<(), Error> {
    let mut last = 0.0;
    for phase in phases {
        let end = phase.end;
        if !(last..=1.0 + 1e-6).contains(&end) || f64::from(end as f32) != end {
            return Err(invalid("end", end, Expected::UnitInterval));
        }
        last = end;
    }
    if (last - 1.0).abs() > 1e-6 {
        return Err(sum_to_one(last));
    }
    Ok(())
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
        match self.rule {
            Rule::EndSteps => {
                let (i, pct) = self.locate(step);
                self.torch_at(i, self.torch_wave(i, pct))
            }
            Rule::Fractions => {
                let (i, actual) = self.combine(self.fraction(step));
                self.fastai_at(i, self.fastai_wave(i, actual))
            }
        }
    }

    fn total_steps(&self) -> Option<u64> {
        Some(self.total_steps)
    }
}
