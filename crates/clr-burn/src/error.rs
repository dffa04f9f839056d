//! [`Error`]: everything `clr-burn` can fail with, and [`RecordError`], why
//! a learning-rate scheduler record was refused.

use std::fmt;
use std::path::PathBuf;

use burn::tensor::TensorReadError;
pub use clr_train::AdapterError;

/// Everything `clr-burn` can fail with. Nothing in this crate panics on bad
/// input: an optimizer hyper-parameter out of range, a parameter group that
/// does not exist, a scheduler record from another schedule, a loss that
/// is not a single tracked number and a checkpoint that does not fit are
/// all reported here, naming the optimizer, the group, the value or the
/// file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `clr-core` refused a value: a schedule's configuration, or a
    /// learning-rate factor (`Invalid { param: "lr_factor", .. }`).
    Core(clr_core::Error),
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
    /// What any `clr-train` adapter can fail with (see [`AdapterError`]):
    /// an optimizer hyper-parameter out of range ([`AdapterError::Invalid`],
    /// naming the optimizer, the group, the parameter and the value), a
    /// loss that is not a single number, an optimizer state that does not
    /// fit, a checkpoint that does not fit the run, an error of the user's
    /// closures.
    Adapter(AdapterError),
    /// burn could not write or read a record file (a checkpoint's weights
    /// or optimizer state), or the file does not fit the module: a
    /// parameter missing, left over or of another shape.
    File {
        /// The file.
        path: PathBuf,
        /// What burn said.
        source: burn::store::RecordError,
    },
    /// burn could not read a tensor's values (a loss, a weight).
    Read(TensorReadError),
    /// The loss does not track gradients, so there is nothing to
    /// back-propagate: the module's parameters are not on an autodiff
    /// device (`Device::default().autodiff()`), or are frozen.
    Untracked,
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
            Error::Adapter(e) => write!(f, "{e}"),
            Error::File { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Read(e) => write!(f, "burn could not read a tensor: {e}"),
            Error::Untracked => write!(
                f,
                "the loss does not track gradients: put the module on an autodiff \
                 device (`Device::default().autodiff()`) and do not freeze it"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Core(e) => Some(e),
            Error::Record(e) => Some(e),
            Error::Adapter(e) => Some(e),
            Error::File { source, .. } => Some(source),
            Error::Read(e) => Some(e),
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

impl From<AdapterError> for Error {
    fn from(e: AdapterError) -> Self {
        Error::Adapter(e)
    }
}

impl From<TensorReadError> for Error {
    fn from(e: TensorReadError) -> Self {
        Error::Read(e)
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::Record(e)
    }
}
