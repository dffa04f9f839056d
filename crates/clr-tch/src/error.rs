//! [`Error`]: everything `clr-tch` can fail with: libtorch's errors,
//! `clr-core`'s, the failures every adapter shares (`clr-train`'s
//! [`AdapterError`]) and
//! those only tch has (a momentum tch sets for all groups at once, a
//! poisoned `VarStore` lock).

use std::fmt;

pub use clr_train::AdapterError;

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
    /// What any adapter can fail with: an invalid hyper-parameter for an
    /// optimizer, a missing parameter group, a loss that is not a single
    /// number, a snapshot or optimizer state that does not fit, a missing
    /// validation closure, an error of the user's closures.
    Adapter(AdapterError),
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
    /// The `VarStore`'s lock is poisoned: a thread panicked while holding it.
    Poisoned,
}

impl Error {
    /// Wraps any error of the user's closures ([`AdapterError::User`]).
    pub fn user(error: impl Into<clr_train::BoxError>) -> Self {
        Error::Adapter(AdapterError::user(error))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Tch(e) => write!(f, "libtorch: {e}"),
            Error::Core(e) => write!(f, "{e}"),
            Error::Adapter(e) => write!(f, "{e}"),
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
            Error::Poisoned => write!(
                f,
                "the VarStore's lock is poisoned (a thread panicked while holding it)"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Tch(e) => Some(e),
            Error::Core(e) => Some(e),
            Error::Adapter(e) => Some(e),
            Error::SharedMomentum { .. } | Error::Poisoned => None,
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
        let e = Error::from(AdapterError::non_negative("tch Adam", "lr", -1.0).unwrap_err());
        assert_eq!(
            e.to_string(),
            "tch Adam: `lr` = -1: expected a finite number >= 0"
        );
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
