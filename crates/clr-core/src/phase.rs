//! Piecewise schedules: consecutive phases, each annealing between two values.
//!
//! This is the engine behind the one-cycle presets, fastai's `combine_scheds`
//! and optax's `piecewise_interpolate_schedule`. Phase `i` ends at a position
//! `end_i` measured in steps; it covers `(end_{i-1}, end_i]` (the first phase
//! starts at 0) and its progress is `(step - end_{i-1}) / (end_i - end_{i-1})`,
//! exactly as PyTorch's `OneCycleLR` computes it. Steps past the last phase's
//! end stay in the last phase (PyTorch's rule), and steps past
//! [`total_steps`](Schedule::total_steps) hold the value of the last step.

use crate::anneal::Anneal;
use crate::error::{check, Error, Expected, Value};
use crate::real::Real;
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Piecewise<F> {
    phases: [Phase<F>; MAX_PHASES],
    len: u8,
    total_steps: u64,
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
        Ok(Piecewise {
            phases: all,
            len: phases.len() as u8,
            total_steps,
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
        let position = self.clamp(step) as f64;
        let last = usize::from(self.len) - 1;
        self.phases[..last]
            .iter()
            .position(|p| position <= p.end)
            .unwrap_or(last)
    }

    #[inline]
    fn clamp(&self, step: u64) -> u64 {
        step.min(self.total_steps - 1)
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
        let i = self.phase_index(step);
        let phase = &self.phases[i];
        let start = if i == 0 { 0.0 } else { self.phases[i - 1].end };
        let position = self.clamp(step) as f64;
        let pct = (position - start) / (phase.end - start);
        // A phase of zero length is over as soon as it begins (PyTorch would
        // divide by zero here).
        let pct = if pct.is_nan() { 1.0 } else { pct };
        phase
            .anneal
            .apply(phase.start_value, phase.end_value, F::from_f64(pct))
    }

    fn total_steps(&self) -> Option<u64> {
        Some(self.total_steps)
    }
}
