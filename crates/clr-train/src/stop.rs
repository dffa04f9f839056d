//! [`FitStop`]: why a training run ended.

use crate::batch::Batch;

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
