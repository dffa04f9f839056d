//! [`Error`]: everything `clr-candle` can fail with: Candle's errors,
//! `clr-core`'s, the failures every adapter shares (`clr-train`'s
//! [`AdapterError`]) and
//! the one only Candle has (an optimizer without a slot for a scheduled
//! value).

use std::fmt;

pub use clr_train::AdapterError;

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
    /// What any adapter can fail with: an invalid hyper-parameter for an
    /// optimizer, a missing parameter group, a loss that is not a single
    /// number, a snapshot or optimizer state that does not fit, a missing
    /// validation closure, an error of the user's closures.
    Adapter(AdapterError),
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
}

impl Error {
    /// The error, naming parameter group `group` when it is an
    /// [`AdapterError::Invalid`] value ([`AdapterError::in_group`]).
    pub(crate) fn in_group(self, group: usize) -> Self {
        match self {
            Error::Adapter(e) => Error::Adapter(e.in_group(group)),
            other => other,
        }
    }

    /// Wraps any error of the user's closures ([`AdapterError::User`]).
    pub fn user(error: impl Into<clr_train::BoxError>) -> Self {
        Error::Adapter(AdapterError::user(error))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Candle(e) => write!(f, "candle: {e}"),
            Error::Core(e) => write!(f, "{e}"),
            Error::Adapter(e) => write!(f, "{e}"),
            Error::Unsupported {
                optimizer,
                param,
                value,
            } => write!(
                f,
                "{optimizer} has no `{param}`, but the schedule sets it to {value}; \
                 use an optimizer that takes it or a schedule without it"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Candle(e) => Some(e),
            Error::Core(e) => Some(e),
            Error::Adapter(e) => Some(e),
            Error::Unsupported { .. } => None,
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

impl From<AdapterError> for Error {
    fn from(e: AdapterError) -> Self {
        Error::Adapter(e)
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
        let e = Error::from(AdapterError::non_negative("AdamW", "lr", -1.0).unwrap_err());
        assert_eq!(
            e.to_string(),
            "AdamW: `lr` = -1: expected a finite number >= 0"
        );
    }
}
