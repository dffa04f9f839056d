//! [`Error`]: everything `clr-candle` can fail with, naming the parameter,
//! the value and the optimizer involved.

use std::fmt;

/// Everything `clr-candle` can fail with. Nothing in this crate panics on
/// bad input: a hyper-parameter an optimizer cannot take, a missing
/// parameter group, a loss that is not a scalar and a snapshot that no
/// longer fits its `VarMap` are all reported here.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An error from Candle (a tensor operation, a shape, a device).
    Candle(candle_core::Error),
    /// A schedule, scheduler or range-test configuration was refused by
    /// `clr-core`, or per-group learning-rate factors that do not fit the
    /// optimizer (`Invalid { param: "lr_factors", .. }`).
    Core(clr_core::Error),
    /// A plot or history file could not be written.
    Viz(clr_viz::Error),
    /// The schedule gives a hyper-parameter this optimizer has no slot for
    /// (momentum for candle-nn's `SGD`, say).
    Unsupported {
        /// The optimizer, as `candle_nn::SGD`.
        optimizer: &'static str,
        /// The hyper-parameter (`momentum`, `weight_decay`).
        param: &'static str,
        /// The value the schedule gave.
        value: f64,
    },
    /// A hyper-parameter outside what the optimizer accepts.
    Invalid {
        /// The optimizer.
        optimizer: &'static str,
        /// The hyper-parameter (`lr`, `momentum`, `beta1`, `weight_decay`, `dampening`).
        param: &'static str,
        /// The value given.
        value: f64,
        /// What it accepts, as "a finite number >= 0".
        expected: &'static str,
    },
    /// A parameter group that does not exist.
    NoSuchGroup {
        /// The group asked for.
        group: usize,
        /// How many groups the optimizer has.
        groups: usize,
    },
    /// The training closure returned a loss that is not a single number.
    LossShape {
        /// The loss tensor's shape.
        shape: Vec<usize>,
    },
    /// A snapshot cannot be restored into this `VarMap`: a variable was
    /// added after it was taken, or changed shape or type.
    Snapshot {
        /// The variable's name in the `VarMap`.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An optimizer state saved from one optimizer loaded into another that
    /// does not match it (other variables, other groups).
    StateMismatch {
        /// The optimizer.
        optimizer: &'static str,
        /// What differs.
        reason: &'static str,
    },
    /// The range test's configuration asks for validation but no
    /// validation closure was given.
    NoValidation {
        /// The configuration's `validation_batches`.
        batches: u64,
    },
    /// An error from the user's training or validation closure.
    User(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Wraps any error of the user's closures.
    pub fn user(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::User(error.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Candle(e) => write!(f, "candle: {e}"),
            Error::Core(e) => write!(f, "{e}"),
            Error::Viz(e) => write!(f, "{e}"),
            Error::Unsupported {
                optimizer,
                param,
                value,
            } => write!(
                f,
                "{optimizer} has no `{param}`, but the schedule sets it to {value}; \
                 use an optimizer that takes it or a schedule without it"
            ),
            Error::Invalid {
                optimizer,
                param,
                value,
                expected,
            } => write!(f, "{optimizer}: `{param}` = {value}: expected {expected}"),
            Error::NoSuchGroup { group, groups } => write!(
                f,
                "parameter group {group} does not exist: the optimizer has {groups}"
            ),
            Error::LossShape { shape } => write!(
                f,
                "the loss must be a single number, got a tensor of shape {shape:?}"
            ),
            Error::Snapshot { name, reason } => {
                write!(f, "cannot restore variable `{name}`: {reason}")
            }
            Error::StateMismatch { optimizer, reason } => {
                write!(f, "cannot load this {optimizer} state: {reason}")
            }
            Error::NoValidation { batches } => write!(
                f,
                "the range test evaluates {batches} validation batches per step \
                 (validation_batches), but no validation closure was given"
            ),
            Error::User(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Candle(e) => Some(e),
            Error::Core(e) => Some(e),
            Error::Viz(e) => Some(e),
            Error::User(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Candle(e)
    }
}

impl From<clr_core::Error> for Error {
    fn from(e: clr_core::Error) -> Self {
        Error::Core(e)
    }
}

impl From<clr_viz::Error> for Error {
    fn from(e: clr_viz::Error) -> Self {
        Error::Viz(e)
    }
}

/// Checks that `value` is finite and `>= 0`.
pub(crate) fn non_negative(
    optimizer: &'static str,
    param: &'static str,
    value: f64,
) -> Result<f64, Error> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::Invalid {
            optimizer,
            param,
            value,
            expected: "a finite number >= 0",
        })
    }
}

/// Checks that `value` is in `[0, 1]` (`[0, 1)` when `open`).
pub(crate) fn unit(
    optimizer: &'static str,
    param: &'static str,
    value: f64,
    open: bool,
) -> Result<f64, Error> {
    let ok = value >= 0.0 && if open { value < 1.0 } else { value <= 1.0 };
    if ok {
        Ok(value)
    } else {
        Err(Error::Invalid {
            optimizer,
            param,
            value,
            expected: if open {
                "a number in [0, 1)"
            } else {
                "a number in [0, 1]"
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_parameter_value_and_optimizer() {
        let e = Error::Unsupported {
            optimizer: "candle_nn::SGD",
            param: "momentum",
            value: 0.9,
        };
        let text = e.to_string();
        assert!(
            text.contains("candle_nn::SGD") && text.contains("`momentum`") && text.contains("0.9"),
            "{text}"
        );
        let e = non_negative("AdamW", "lr", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "AdamW: `lr` = -1: expected a finite number >= 0"
        );
        assert!(unit("AdamW", "beta1", 1.0, true).is_err());
        assert!(unit("SGD", "momentum", 1.0, false).is_ok());
        assert!(unit("SGD", "momentum", f64::NAN, false).is_err());
    }
}
