//! [`AdapterError`]: the failures every framework adapter has in common,
//! naming the optimizer, the parameter, the value or the file involved.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What the user's closures may fail with: any error, boxed (`?` works on
/// every error type). [`Fit::run`](crate::Fit::run) hands it back as the
/// adapter's own error when it is one, else as [`AdapterError::User`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What any framework adapter can fail with, whatever the framework: a
/// hyper-parameter an optimizer cannot take or has no slot for, a missing
/// parameter group, a
/// loss that is not a single number, a snapshot or optimizer state that no
/// longer fits, an optimizer state the framework does not let us read, a
/// checkpoint that cannot be written or read or does not fit the run, a
/// range test without its validation closure, and the errors of the
/// user's closures.
///
/// Each adapter's own error wraps it (`clr_candle::Error::Adapter`,
/// `clr_tch::Error::Adapter`) next to its framework's errors, so the
/// variants and their messages are written once.
#[derive(Debug)]
#[non_exhaustive]
pub enum AdapterError {
    /// A hyper-parameter outside what the optimizer accepts.
    Invalid {
        /// The optimizer, as `candle_nn::AdamW` or `tch Adam`.
        optimizer: &'static str,
        /// The parameter group it was set on (`None` for an optimizer's
        /// configuration, before any group).
        group: Option<usize>,
        /// The hyper-parameter (`lr`, `momentum`, `beta1`, `weight_decay`, …).
        param: &'static str,
        /// The value given.
        value: f64,
        /// What it accepts, as "a finite number >= 0".
        expected: &'static str,
    },
    /// The schedule gives a hyper-parameter the optimizer has no slot for
    /// (momentum for candle-nn's `SGD`, say): an error, never a value
    /// silently dropped.
    Unsupported {
        /// The optimizer, as `candle_nn::SGD`.
        optimizer: &'static str,
        /// The hyper-parameter (`momentum`, `weight_decay`).
        param: &'static str,
        /// The value the schedule gave.
        value: f64,
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
        /// The loss tensor's shape (empty for a tensor that holds nothing).
        shape: Vec<usize>,
    },
    /// A snapshot cannot be restored into the model's variables: a variable
    /// was added after it was taken, or changed shape, type or device.
    Snapshot {
        /// The variable's name in the model's store.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An optimizer state loaded into an optimizer it does not fit (other
    /// variables, other groups).
    StateMismatch {
        /// The optimizer.
        optimizer: &'static str,
        /// What differs.
        reason: &'static str,
    },
    /// The optimizer's state between steps cannot be read (libtorch's
    /// optimizers through tch, candle-nn's `AdamW`), so a checkpoint
    /// cannot hold it: resuming would start its moments afresh and differ
    /// from the uninterrupted run.
    StateUnreadable {
        /// The optimizer.
        optimizer: &'static str,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// Reading or writing a checkpoint's file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A checkpoint that is malformed or does not fit the run resuming it
    /// (another cycle, another schedule, a file it names is missing).
    Checkpoint {
        /// The checkpoint's file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The range test's configuration asks for validation but no
    /// validation closure was given.
    NoValidation {
        /// The configuration's `validation_batches`.
        batches: u64,
    },
    /// An error from the user's training or validation closure.
    User(BoxError),
}

impl AdapterError {
    /// Wraps any error of the user's closures.
    pub fn user(error: impl Into<BoxError>) -> Self {
        AdapterError::User(error.into())
    }

    /// `value` if it is finite and `>= 0`, else an [`AdapterError::Invalid`].
    pub fn non_negative(
        optimizer: &'static str,
        param: &'static str,
        value: f64,
    ) -> Result<f64, AdapterError> {
        if value.is_finite() && value >= 0.0 {
            return Ok(value);
        }
        Err(invalid(optimizer, param, value, "a finite number >= 0"))
    }

    /// `value` if it is in `[0, 1]` (`[0, 1)` when `open`), else an
    /// [`AdapterError::Invalid`].
    pub fn unit(
        optimizer: &'static str,
        param: &'static str,
        value: f64,
        open: bool,
    ) -> Result<f64, AdapterError> {
        match (value >= 0.0, open) {
            (true, true) if value < 1.0 => Ok(value),
            (true, false) if value <= 1.0 => Ok(value),
            (_, true) => Err(invalid(optimizer, param, value, "a number in [0, 1)")),
            (_, false) => Err(invalid(optimizer, param, value, "a number in [0, 1]")),
        }
    }

    /// PyTorch's rule for SGD's Nesterov momentum: it needs a `momentum`
    /// `> 0` and no `dampening`; otherwise an [`AdapterError::Invalid`]
    /// naming the one at fault.
    pub fn nesterov(
        optimizer: &'static str,
        momentum: f64,
        dampening: f64,
    ) -> Result<(), AdapterError> {
        if momentum <= 0.0 {
            Err(invalid(
                optimizer,
                "momentum",
                momentum,
                "a number > 0 with nesterov",
            ))
        } else if dampening != 0.0 {
            Err(invalid(
                optimizer,
                "dampening",
                dampening,
                "0 with nesterov",
            ))
        } else {
            Ok(())
        }
    }

    /// The error, an [`AdapterError::Invalid`] naming parameter group
    /// `group` (the value was set on it); any other error as it is.
    pub fn in_group(self, group: usize) -> Self {
        match self {
            AdapterError::Invalid {
                optimizer,
                param,
                value,
                expected,
                ..
            } => AdapterError::Invalid {
                optimizer,
                group: Some(group),
                param,
                value,
                expected,
            },
            other => other,
        }
    }
}

/// An [`AdapterError::Invalid`] of a configuration (no group yet).
fn invalid(
    optimizer: &'static str,
    param: &'static str,
    value: f64,
    expected: &'static str,
) -> AdapterError {
    AdapterError::Invalid {
        optimizer,
        group: None,
        param,
        value,
        expected,
    }
}

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdapterError::Invalid {
                optimizer,
                group,
                param,
                value,
                expected,
            } => {
                write!(f, "{optimizer}")?;
                if let Some(group) = group {
                    write!(f, ", parameter group {group}")?;
                }
                write!(f, ": `{param}` = {value}: expected {expected}")
            }
            AdapterError::Unsupported {
                optimizer,
                param,
                value,
            } => write!(
                f,
                "{optimizer} has no `{param}`, but the schedule sets it to {value}; \
                 use an optimizer that takes it or a schedule without it"
            ),
            AdapterError::NoSuchGroup { group, groups } => write!(
                f,
                "parameter group {group} does not exist: the optimizer has {groups}"
            ),
            AdapterError::LossShape { shape } => write!(
                f,
                "the loss must be a single number, got a tensor of shape {shape:?}"
            ),
            AdapterError::Snapshot { name, reason } => {
                write!(f, "cannot restore variable `{name}`: {reason}")
            }
            AdapterError::StateMismatch { optimizer, reason } => {
                write!(f, "cannot load this {optimizer} state: {reason}")
            }
            AdapterError::StateUnreadable { optimizer, reason } => {
                write!(f, "cannot save the state of {optimizer}: {reason}")
            }
            AdapterError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            AdapterError::Checkpoint { path, reason } => {
                write!(f, "checkpoint {}: {reason}", path.display())
            }
            AdapterError::NoValidation { batches } => write!(
                f,
                "the range test evaluates {batches} validation batches per step \
                 (validation_batches), but no validation closure was given"
            ),
            AdapterError::User(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AdapterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AdapterError::User(e) => Some(e.as_ref()),
            AdapterError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_parameter_value_and_optimizer() {
        let e = AdapterError::non_negative("AdamW", "lr", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "AdamW: `lr` = -1: expected a finite number >= 0"
        );
        assert!(AdapterError::non_negative("tch Adam", "lr", f64::INFINITY).is_err());
        assert!(AdapterError::unit("AdamW", "beta1", 1.0, true).is_err());
        assert!(AdapterError::unit("SGD", "momentum", 1.0, false).is_ok());
        assert!(AdapterError::unit("SGD", "momentum", f64::NAN, false).is_err());
        let e = AdapterError::unit("AdamW", "beta1", 1.0, true)
            .unwrap_err()
            .in_group(2);
        assert_eq!(
            e.to_string(),
            "AdamW, parameter group 2: `beta1` = 1: expected a number in [0, 1)"
        );
        let e = AdapterError::user("no data");
        assert_eq!(e.to_string(), "no data");
        assert!(std::error::Error::source(&e).is_some());
    }
}
