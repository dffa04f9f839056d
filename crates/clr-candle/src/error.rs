//! [`Error`]: everything `clr-candle` can fail with: Candle's errors,
//! `clr-core`'s and the failures every adapter shares (`clr-train`'s
//! [`AdapterError`]).

pub use clr_train::AdapterError;

/// Everything `clr-candle` can fail with. Nothing in this crate panics on
/// bad input: a hyper-parameter an optimizer cannot take or has no slot
/// for, a missing parameter group, a loss that is not a scalar and a
/// snapshot that no longer fits its `VarMap` are all reported here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from Candle (a tensor operation, a shape, a device).
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// A schedule, scheduler or range-test configuration was refused by
    /// `clr-core`, or per-group learning-rate factors that do not fit the
    /// optimizer (`Invalid { param: "lr_factors", .. }`).
    #[error(transparent)]
    Core(#[from] clr_core::Error),
    /// What any adapter can fail with (see [`AdapterError`]): a
    /// hyper-parameter an optimizer cannot take or has no slot for
    /// (momentum for candle-nn's `SGD`), a missing parameter group, a loss
    /// that is not a single number, a snapshot, state or checkpoint that
    /// does not fit, an error of the user's closures.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_parameter_value_and_optimizer() {
        let e = Error::from(AdapterError::Unsupported {
            optimizer: "candle_nn::SGD",
            param: "momentum",
            value: 0.9,
        });
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
        let e = Error::from(candle_core::Error::Msg("no device".into()));
        assert_eq!(e.to_string(), "candle: no device");
    }
}
