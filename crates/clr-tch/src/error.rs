//! [`Error`]: everything `clr-tch` can fail with: libtorch's errors,
//! `clr-core`'s, the failures every adapter shares (`clr-train`'s
//! [`AdapterError`]) and those only tch has (a momentum tch sets for all
//! groups at once, a poisoned `VarStore` lock).

pub use clr_train::AdapterError;

/// Everything `clr-tch` can fail with. Nothing in this crate panics on bad
/// input: a hyper-parameter an optimizer cannot take, a parameter group that
/// does not exist, a loss that is not a scalar and a snapshot that no longer
/// fits its `VarStore` are all reported here, before libtorch is called.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from libtorch (a tensor operation, a shape, a device).
    #[error("libtorch: {0}")]
    Tch(#[from] tch::TchError),
    /// Refused by `clr-core`: a schedule, scheduler or range-test
    /// configuration, or per-group learning-rate factors that do not fit
    /// the optimizer (`Invalid { param: "lr_factors", .. }`).
    #[error(transparent)]
    Core(#[from] clr_core::Error),
    /// What any adapter can fail with (see [`AdapterError`]).
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// A momentum (beta1) for one parameter group of an optimizer whose
    /// momentum tch can only set for all groups at once (Adam, AdamW,
    /// RMSprop), different from the other groups' value. Set it for every
    /// group with [`ScheduledOptimizer::apply_all`](crate::ScheduledOptimizer::apply_all).
    #[error(
        "{optimizer}: `momentum` = {value} for parameter group {group} alone, but tch \
         sets it for all groups at once and the others hold {others}; \
         set it for every group (apply_all)"
    )]
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
    #[error("the VarStore's lock is poisoned (a thread panicked while holding it)")]
    Poisoned,
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
