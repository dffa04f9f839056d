//! What a batch is and what training it gives back: [`Batch`] (what the
//! step closure is asked to train), [`StepOutput`] (the closure's loss
//! tensor and metrics), [`BatchOutput`] (the loss as a number, for the
//! loop, and whether a guard stops the run after it: [`FitStop`]) and
//! [`Evaluation`] (what validation gives).

use clr_core::Hypers;

/// The batch a step closure (or a [`Trainer`](crate::Trainer)) is asked to
/// train.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batch {
    /// The epoch (0-based).
    pub epoch: u64,
    /// The batch within the epoch (0-based): pick the data with it, and
    /// reshuffle when it is 0 (from a seed and the epoch, so that a resumed
    /// run sees the same batches).
    pub index: u64,
    /// Batches trained before this one, in the whole run.
    pub iteration: u64,
    /// The hyper-parameters already set on the optimizer (before the
    /// per-group learning-rate factors), in `f64` whatever the schedule's
    /// value type.
    pub hypers: Hypers<f64>,
}

/// What a step closure returns: the batch's loss (a framework tensor `L`
/// with one element, whose gradients step the optimizer) and named
/// metrics. A bare loss converts into one.
#[derive(Debug, Clone)]
pub struct StepOutput<L> {
    /// The loss to minimise.
    pub loss: L,
    /// Metrics of the batch (averaged over the epoch in the history).
    pub metrics: Vec<(String, f64)>,
}

impl<L> StepOutput<L> {
    /// A loss without metrics.
    pub fn new(loss: L) -> Self {
        StepOutput {
            loss,
            metrics: Vec::new(),
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

impl<L> From<L> for StepOutput<L> {
    fn from(loss: L) -> Self {
        StepOutput::new(loss)
    }
}

/// What training one batch gave the loop: its loss, named metrics, and
/// whether a guard stops the run after it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchOutput {
    /// The batch's loss.
    pub loss: f64,
    /// Metrics of the batch (averaged over the epoch in the log).
    pub metrics: Vec<(String, f64)>,
    /// `Some` when the run stops after this batch, and why (a non-finite
    /// loss or weights).
    pub stop: Option<FitStop>,
}

impl BatchOutput {
    /// A loss without metrics.
    pub fn new(loss: f64) -> Self {
        BatchOutput {
            loss,
            ..BatchOutput::default()
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

/// What validation gave: logged as `val_loss` and `val_<name>`. A bare
/// `f64` converts into one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// The validation loss.
    pub loss: f64,
    /// Validation metrics.
    pub metrics: Vec<(String, f64)>,
}

impl Evaluation {
    /// A loss without metrics.
    pub fn new(loss: f64) -> Self {
        Evaluation {
            loss,
            metrics: Vec::new(),
        }
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.push((name.into(), value));
        self
    }
}

impl From<f64> for Evaluation {
    fn from(loss: f64) -> Self {
        Evaluation::new(loss)
    }
}

/// Why a training run ended: it trained every epoch asked for (or the
/// scheduler stopped it at the end of its cycle), or a guard of
/// [`Fit::terminate_on_nan`](crate::Fit::terminate_on_nan) (Keras's
/// `TerminateOnNaN`) stopped it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FitStop {
    /// Every epoch was trained, or the cycle ended under
    /// [`PastEnd::Stop`](clr_core::PastEnd::Stop).
    Finished,
    /// The loss of `batch` was NaN or infinite. The optimizer was not
    /// stepped with it: the weights are those before the batch.
    NonFiniteLoss {
        /// The batch.
        batch: Batch,
        /// Its loss.
        loss: f64,
    },
    /// A weight was NaN or infinite after the optimizer step of `batch`
    /// (whose loss was finite).
    NonFiniteWeights {
        /// The batch.
        batch: Batch,
    },
}

impl FitStop {
    /// Whether the run trained what it was asked to, no guard stopping it.
    pub fn is_finished(&self) -> bool {
        matches!(self, FitStop::Finished)
    }
}

impl std::fmt::Display for FitStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitStop::Finished => write!(f, "finished"),
            FitStop::NonFiniteLoss { batch, loss } => write!(
                f,
                "stopped: loss {loss} at epoch {} batch {} (iteration {}, lr {:e})",
                batch.epoch, batch.index, batch.iteration, batch.hypers.lr
            ),
            FitStop::NonFiniteWeights { batch } => write!(
                f,
                "stopped: a weight is not finite after epoch {} batch {} (iteration {}, lr {:e})",
                batch.epoch, batch.index, batch.iteration, batch.hypers.lr
            ),
        }
    }
}
