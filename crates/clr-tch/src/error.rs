//! [`Error`]: everything `clr-tch` can fail with, naming the parameter, the
//! value and the optimizer involved.

use std::fmt;

/// Everything `clr-tch` can fail with. Nothing in this crate panics on bad
/// input: a hyper-parameter an optimizer cannot take, a parameter group that
/// does not exist, a loss that is not a scalar and a snapshot that no longer
/// fits its `VarStore` are all reported here, before libtorch is called.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An error from libtorch (a tensor operation, a shape, a device).
    Tch(tch::TchError),
    /// A schedule, scheduler or range-test configuration was refused by
    /// `clr-core`, or per-group learning-rate factors that do not fit the
    /// optimizer (`Invalid { param: "lr_factors", .. }`).
    Core(clr_core::Error),
    /// A plot or history file could not be written.
    Viz(clr_viz::Error),
    /// A hyper-parameter outside what the optimizer accepts.
    Invalid {
        /// The optimizer, as `tch Adam`.
        optimizer: &'static str,
        /// The hyper-parameter (`lr`, `momentum`, `beta1`, `weight_decay`, …).
        param: &'static str,
        /// The value given.
        value: f64,
        /// What it accepts, as "a finite number >= 0".
        expected: &'static str,
    },
    /// A momentum (beta1) for one parameter group of an optimizer whose
    /// momentum tch can only set for all groups at once (Adam, AdamW,
    /// RMSprop), different from the other groups' value. Set it for every
    /// group with [`ScheduledOptimizer::apply_all`](crate::ScheduledOptimizer::apply_all).
    SharedMomentum {
        /// The optimizer.
        optimizer: &'static str,
        /// The group asked for.
        group: usize,
        /// The momentum (beta1) asked for.
        value: f64,
        /// The value the other groups hold.
        others: f64,
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
        /// The loss tensor's shape (empty for an undefined tensor).
        shape: Vec<i64>,
    },
    /// A snapshot cannot be restored into this `VarStore`: a variable was
    /// added after it was taken, or changed shape, type or device.
    Snapshot {
        /// The variable's name in the `VarStore`.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An optimizer state loaded into an optimizer it does not fit (another
    /// `VarStore`, more groups than there are).
    StateMismatch {
        /// The optimizer.
        optimizer: &'static str,
        /// What differs.
        reason: &'static str,
    },
    /// The `VarStore`'s lock is poisoned: a thread panicked while holding it.
    Poisoned,
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
            Error::Tch(e) => write!(f, "libtorch: {e}"),
            Error::Core(e) => write!(f, "{e}"),
            Error::Viz(e) => write!(f, "{e}"),
            Error::Invalid {
                optimizer,
                param,
                value,
                expected,
            } => write!(f, "{optimizer}: `{param}` = {value}: expected {expected}"),
            Error::SharedMomentum {
                optimizer,
                group,
                value,
                others,
            } => write!(
                f,
                "{optimizer}: `momentum` = {value} for parameter group {group} alone, but tch \
                 sets it for all groups at once and the others hold {others}; \
                 set it for every group (apply_all)"
            ),
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
            Error::Poisoned => write!(
                f,
                "the VarStore's lock is poisoned (a thread panicked while holding it)"
            ),
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
            Error::Tch(e) => Some(e),
            Error::Core(e) => Some(e),
            Error::Viz(e) => Some(e),
            Error::User(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<tch::TchError> for Error {
    fn from(e: tch::TchError) -> Self {
        Error::Tch(e)
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
        let e = non_negative("tch Adam", "lr", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tch Adam: `lr` = -1: expected a finite number >= 0"
        );
        assert!(non_negative("tch Adam", "lr", f64::INFINITY).is_err());
        assert!(unit("tch Adam", "beta1", 1.0, true).is_err());
        assert!(unit("tch SGD", "momentum", 1.0, false).is_ok());
        assert!(unit("tch SGD", "momentum", f64::NAN, false).is_err());
        let e = Error::SharedMomentum {
            optimizer: "tch Adam",
            group: 1,
            value: 0.8,
            others: 0.9,
        };
        let text = e.to_string();
        assert!(
            text.contains("group 1") && text.contains("0.8") && text.contains("0.9"),
            "{text}"
        );
    }
}
