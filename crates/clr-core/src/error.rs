//! Typed errors: every constructor names the parameter and the value it refused.

use core::fmt;

/// A value a parameter was given, kept in its own type for the message.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Value {
    /// A real number (learning rates, fractions, factors).
    Float(f64),
    /// A count (steps, cycles, batches).
    Int(u64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Scientific notation where plain digits would run long (1e-320).
            Value::Float(v) if *v != 0.0 && !(1e-5..1e16).contains(&v.abs()) => write!(f, "{v:e}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
        }
    }
}

/// What a parameter accepts; the tail of the error message.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Expected {
    /// Any finite number.
    Finite,
    /// A finite number > 0.
    Positive,
    /// A finite number >= 0.
    NonNegative,
    /// A finite number in `[0, 1]`.
    UnitInterval,
    /// A finite number in `(0, 1)`.
    OpenUnitInterval,
    /// A finite number >= the bound.
    AtLeast(f64),
    /// An integer >= 1.
    NonZero,
    /// A count no larger than the bound.
    AtMost(u64),
    /// Fractions that add up to 1.
    SumToOne,
    /// Exactly this many values (one per parameter group).
    Count(u64),
    /// A decay factor in `(0, 1]`.
    Decay,
    /// A finite number of magnitude at most the bound.
    Magnitude(f64),
    /// A whole divisor of the count.
    DivisorOf(u64),
    /// Exactly this value (the one another parameter fixes).
    Equal(f64),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Finite => f.write_str("expected a finite number"),
            Expected::Positive => f.write_str("expected a finite number > 0"),
            Expected::NonNegative => f.write_str("expected a finite number >= 0"),
            Expected::UnitInterval => f.write_str("expected a number in [0, 1]"),
            Expected::OpenUnitInterval => f.write_str("expected a number in (0, 1)"),
            Expected::AtLeast(b) => write!(f, "expected a finite number >= {b}"),
            Expected::NonZero => f.write_str("expected an integer >= 1"),
            Expected::AtMost(b) => write!(f, "expected at most {b}"),
            Expected::SumToOne => f.write_str("expected fractions that sum to 1"),
            Expected::Count(n) => write!(f, "expected {n} values, one per parameter group"),
            Expected::Decay => f.write_str("expected a decay factor in (0, 1]"),
            Expected::Magnitude(b) => {
                write!(f, "expected a finite number of magnitude at most {b:e}")
            }
            Expected::DivisorOf(n) => write!(f, "expected a divisor of {n}"),
            Expected::Equal(v) => write!(f, "expected {}", Value::Float(*v)),
        }
    }
}

/// How one parameter must compare with another, in an [`Error::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Comparison {
    /// Strictly below the other (a range that must rise).
    Below,
    /// Equal to the other (a schedule's length and its cycle's).
    Equal,
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Comparison::Below => "must be below",
            Comparison::Equal => "must equal",
        })
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Error {
    /// One parameter is out of its domain.
    Invalid {
        /// The parameter's name, as the reference library spells it.
        param: &'static str,
        /// The value given.
        value: Value,
        /// What it accepts.
        expected: Expected,
    },
    /// Two parameters are in the wrong order (a lower bound above an upper one).
    Order {
        /// The parameter that must be the smaller.
        low: &'static str,
        /// Its value.
        low_value: f64,
        /// The parameter that must be the larger.
        high: &'static str,
        /// Its value.
        high_value: f64,
    },
    /// A parameter does not compare with another as it must: strictly below
    /// it ([`Comparison::Below`]) or equal to it ([`Comparison::Equal`]).
    Compare {
        /// The parameter refused.
        param: &'static str,
        /// Its value.
        value: f64,
        /// What it is compared with.
        other: &'static str,
        /// That value.
        other_value: f64,
        /// How it must compare.
        must: Comparison,
    },
    /// A computed quantity (such as a step count) does not fit in a `u64`.
    Overflow {
        /// The parameter whose value made it overflow.
        param: &'static str,
    },
    /// A combinator needs a finite schedule and got an unbounded one.
    Unbounded {
        /// The parameter that must be a finite schedule.
        param: &'static str,
    },
    /// A training loop asked for a step past the end of its cycle under
    /// [`PastEnd::Error`](crate::PastEnd::Error).
    PastEnd {
        /// The step asked for.
        step: u64,
        /// The cycle's length.
        total_steps: u64,
    },
    /// A schedule holding a user's function (a `scale_fn`, an
    /// `amplitude_fn`) was to be serialized or deserialized: a function
    /// cannot be written, so it is refused rather than dropped.
    Unserializable {
        /// The parameter holding the function.
        param: &'static str,
    },
    /// A state machine was told something out of turn (a loss when it asked
    /// for a restore, say).
    OutOfTurn {
        /// What it was told.
        got: &'static str,
        /// What it expected.
        expected: &'static str,
    },
}

impl Error {
    /// The name of the parameter the error is about (the first, for [`Error::Order`]).
    pub fn param(&self) -> &'static str {
        match *self {
            Error::Invalid { param, .. } => param,
            Error::Order { low, .. } => low,
            Error::Compare { param, .. } => param,
            Error::Overflow { param }
            | Error::Unbounded { param }
            | Error::Unserializable { param } => param,
            Error::PastEnd { .. } => "step",
            Error::OutOfTurn { .. } => "report",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                param,
                value,
                expected,
            } => write!(f, "invalid {param} = {value}: {expected}"),
            Error::Order {
                low,
                low_value,
                high,
                high_value,
            } => write!(
                f,
                "invalid {low} = {low_value}: must not exceed {high} = {high_value}"
            ),
            Error::Compare {
                param,
                value,
                other,
                other_value,
                must,
            } => write!(
                f,
                "invalid {param} = {value}: {must} {other} = {other_value}"
            ),
            Error::Overflow { param } => write!(f, "invalid {param}: the step count overflows u64"),
            Error::PastEnd { step, total_steps } => write!(
                f,
                "invalid step = {step}: past the end of a cycle of {total_steps} steps"
            ),
            Error::OutOfTurn { got, expected } => {
                write!(f, "invalid report: got {got}, expected {expected}")
            }
            Error::Unbounded { param } => {
                write!(
                    f,
                    "invalid {param}: expected a schedule with a finite length"
                )
            }
            Error::Unserializable { param } => write!(
                f,
                "invalid {param}: a function cannot be serialized; build the schedule in code"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// Validation helpers shared by every builder.
pub(crate) mod check {
    use super::{Error, Expected, Value};
    use core::num::NonZeroU64;

    fn invalid(param: &'static str, value: f64, expected: Expected) -> Error {
        Error::Invalid {
            param,
            value: Value::Float(value),
            expected,
        }
    }

    /// The largest magnitude a value may have: far beyond any learning rate,
    /// and small enough that the schedules' arithmetic cannot overflow.
    pub(crate) const MAX_MAGNITUDE: f64 = 1e100;

    fn huge(param: &'static str, v: f64) -> Result<(), Error> {
        if v.is_finite() && v.abs() > MAX_MAGNITUDE {
            Err(invalid(param, v, Expected::Magnitude(MAX_MAGNITUDE)))
        } else {
            Ok(())
        }
    }

    pub(crate) fn decay(param: &'static str, v: f64) -> Result<f64, Error> {
        if v > 0.0 && v <= 1.0 {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::Decay))
        }
    }

    pub(crate) fn finite(param: &'static str, v: f64) -> Result<f64, Error> {
        huge(param, v)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::Finite))
        }
    }

    pub(crate) fn positive(param: &'static str, v: f64) -> Result<f64, Error> {
        huge(param, v)?;
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::Positive))
        }
    }

    pub(crate) fn non_negative(param: &'static str, v: f64) -> Result<f64, Error> {
        huge(param, v)?;
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::NonNegative))
        }
    }

    pub(crate) fn unit(param: &'static str, v: f64) -> Result<f64, Error> {
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::UnitInterval))
        }
    }

    pub(crate) fn at_least(param: &'static str, v: f64, bound: f64) -> Result<f64, Error> {
        huge(param, v)?;
        if v.is_finite() && v >= bound {
            Ok(v)
        } else {
            Err(invalid(param, v, Expected::AtLeast(bound)))
        }
    }

    /// A quotient of checked operands (`max_lr / div_factor`) can still
    /// overflow or vanish: blame the divisor, which is what the user typed.
    pub(crate) fn quotient(param: &'static str, divisor: f64, quotient: f64) -> Result<(), Error> {
        if quotient.is_finite() && quotient > 0.0 && quotient <= MAX_MAGNITUDE {
            Ok(())
        } else {
            Err(invalid(param, divisor, Expected::Positive))
        }
    }

    /// `v` as the non-zero it was checked to be: a divisor that needs no
    /// zero check (and no panic path) where it is used.
    pub(crate) fn nonzero(param: &'static str, v: u64) -> Result<NonZeroU64, Error> {
        NonZeroU64::new(v).ok_or(Error::Invalid {
            param,
            value: Value::Int(v),
            expected: Expected::NonZero,
        })
    }

    pub(crate) fn ordered(
        low: &'static str,
        low_value: f64,
        high: &'static str,
        high_value: f64,
    ) -> Result<(), Error> {
        if low_value <= high_value {
            Ok(())
        } else {
            Err(Error::Order {
                low,
                low_value,
                high,
                high_value,
            })
        }
    }
}
