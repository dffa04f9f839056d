//! [`Error`]: everything `clr-burn` can fail with, and [`RecordError`], why
//! a learning-rate scheduler record was refused.

use std::fmt;

/// Everything `clr-burn` can fail with. Nothing in this crate panics on bad
/// input: an optimizer hyper-parameter out of range, a parameter group that
/// does not exist and a scheduler record from another schedule are all
/// reported here, naming the optimizer, the group and the value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// `clr-core` refused a value: a schedule's configuration, or a
    /// learning-rate factor (`Invalid { param: "lr_factor", .. }`).
    Core(clr_core::Error),
    /// A hyper-parameter outside what the optimizer accepts.
    Invalid {
        /// The optimizer, as `clr_burn::ScheduledAdamW`.
        optimizer: &'static str,
        /// The parameter group it was meant for (0 for all parameters).
        group: usize,
        /// The hyper-parameter, by PyTorch's name (`lr`, `momentum`, `beta1`, …).
        param: &'static str,
        /// The value given.
        value: f64,
        /// What it accepts, as "a number in [0, 1)".
        expected: &'static str,
    },
    /// A parameter group that does not exist.
    NoSuchGroup {
        /// The optimizer.
        optimizer: &'static str,
        /// The group asked for.
        group: usize,
        /// How many groups the optimizer has.
        groups: usize,
    },
    /// A learning-rate scheduler record that is not this schedule's.
    Record(RecordError),
    /// A [`Snapshot`](crate::Snapshot) restored into an optimizer other
    /// than the one it was taken from.
    ForeignSnapshot {
        /// The optimizer.
        optimizer: &'static str,
    },
}

/// Why a [`ClrScheduler`](crate::ClrScheduler) refused an
/// `LrSchedulerRecord`: it must come from a scheduler of the same schedule
/// (the same length, the same values) to continue it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// The record lacks one of the keys a `ClrScheduler` writes: it was
    /// written by another scheduler, or is empty (a parameter group the
    /// saved run did not have).
    Missing {
        /// The key, as `clr.step`.
        key: &'static str,
    },
    /// The record's schedule has another length.
    Length {
        /// Its length in the record (`None`: unbounded).
        record: Option<u64>,
        /// This scheduler's schedule's length (`None`: unbounded).
        scheduler: Option<u64>,
    },
    /// The record's schedule has this one's length but other values:
    /// another configuration (or learning-rate factor).
    Values {
        /// The fingerprint of the values in the record.
        record: u64,
        /// The fingerprint of this scheduler's values.
        scheduler: u64,
    },
}

impl Error {
    /// The error for `value` of `param` in `group` of `optimizer`.
    pub(crate) fn invalid(
        optimizer: &'static str,
        group: usize,
        param: &'static str,
        value: f64,
        expected: &'static str,
    ) -> Self {
        Error::Invalid {
            optimizer,
            group,
            param,
            value,
            expected,
        }
    }
}

fn steps(n: Option<u64>) -> String {
    n.map_or_else(|| String::from("unbounded"), |n| format!("{n} steps"))
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Missing { key } => write!(
                f,
                "the LrSchedulerRecord has no `{key}`: it was not written by a ClrScheduler"
            ),
            RecordError::Length { record, scheduler } => write!(
                f,
                "the LrSchedulerRecord is from another schedule: its length is {}, \
                 this ClrScheduler's is {}",
                steps(*record),
                steps(*scheduler)
            ),
            RecordError::Values { record, scheduler } => write!(
                f,
                "the LrSchedulerRecord is from another schedule of the same length: \
                 its values differ (fingerprint {record:#018x} in the record, {scheduler:#018x} here)"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => write!(f, "{e}"),
            Error::Invalid {
                optimizer,
                group,
                param,
                value,
                expected,
            } => write!(
                f,
                "{optimizer}, group {group}: `{param}` = {value}: expected {expected}"
            ),
            Error::NoSuchGroup {
                optimizer,
                group,
                groups,
            } => write!(
                f,
                "{optimizer}: parameter group {group} does not exist: it has {groups}"
            ),
            Error::Record(e) => write!(f, "{e}"),
            Error::ForeignSnapshot { optimizer } => write!(
                f,
                "{optimizer}: this snapshot was taken from another optimizer; \
                 a snapshot restores only its own"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Core(e) => Some(e),
            Error::Record(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for RecordError {}

impl From<clr_core::Error> for Error {
    fn from(e: clr_core::Error) -> Self {
        Error::Core(e)
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::Record(e)
    }
}
