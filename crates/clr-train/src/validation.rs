//! [`Validation`]: the validation closure of [`Fit`](crate::Fit) and
//! [`RangeTestRunner`](crate::RangeTestRunner), or [`NoValidation`].

use crate::adapter_error::BoxError;
use crate::batch::Evaluation;

/// Evaluates a model on held-out data: any closure
/// `FnMut(&Model, u64) -> Result<E, BoxError>` whose `E` converts into an
/// [`Evaluation`] (an `f64` loss does), or [`NoValidation`].
///
/// The number it is given is the epoch for [`Fit`](crate::Fit) and the
/// number of validation batches to evaluate for
/// [`RangeTestRunner`](crate::RangeTestRunner).
pub trait Validation<M> {
    /// Whether there is a validation at all.
    fn given(&self) -> bool;

    /// Evaluates `model`; `None` when there is no validation.
    fn validate(&mut self, model: &M, n: u64) -> Result<Option<Evaluation>, BoxError>;
}

/// No validation: the runs log no `val_loss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoValidation;

impl<M> Validation<M> for NoValidation {
    fn given(&self) -> bool {
        false
    }

    fn validate(&mut self, _model: &M, _n: u64) -> Result<Option<Evaluation>, BoxError> {
        Ok(None)
    }
}

impl<M, W, E> Validation<M> for W
where
    W: FnMut(&M, u64) -> Result<E, BoxError>,
    E: Into<Evaluation>,
{
    fn given(&self) -> bool {
        true
    }

    fn validate(&mut self, model: &M, n: u64) -> Result<Option<Evaluation>, BoxError> {
        Ok(Some(self(model, n)?.into()))
    }
}
