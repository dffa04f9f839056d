//! What a framework adapter implements so that the shared builders,
//! [`Fit`](super::Fit) and [`RangeTestRunner`](crate::range_test::RangeTestRunner),
//! drive its framework: [`Adapter`] (its error, loss and history types),
//! [`Backprop`] (the backward pass and optimizer step) and
//! [`RangeTestBackend`] (snapshots and the range test's driver).
//!
//! The traits are implemented by a marker type of the adapter
//! (`clr_candle::Candle`, `clr_tch::Tch`), never by users: each adapter
//! names the shared builders with its marker (`clr_candle::Fit` is
//! `clr_core::train::Fit<Candle, …>`), so its users see one builder.

use super::adapter_error::AdapterError;
use crate::error::Error;
use crate::range_test::RangeTest;
use crate::scheduler::Records;

/// A framework adapter, named by its marker type.
pub trait Adapter {
    /// The adapter's error: it carries this crate's [`Error`] and the
    /// shared [`AdapterError`].
    type Error: From<Error> + From<AdapterError>;

    /// The framework's loss: a tensor that should hold one number.
    type Loss;

    /// What [`Fit::run`](super::Fit::run) returns, built from the
    /// scheduler's records (the per-epoch `clr_viz::History`; this crate
    /// cannot name it, clr-viz depending on it).
    type History: for<'a> From<&'a Records<f64>>;

    /// The loss's value; an [`AdapterError::LossShape`] unless it holds
    /// exactly one element.
    fn loss_value(loss: &Self::Loss) -> Result<f64, Self::Error>;

    /// Runs `evaluate` (validation) with gradient tracking off. The default
    /// just calls it, for frameworks that only record a graph on demand
    /// (Candle); libtorch records one on every operation and overrides it.
    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        evaluate()
    }
}

/// How the adapter trains one batch with optimizer `O`.
pub trait Backprop<O: ?Sized>: Adapter {
    /// The marker `O` implements [`ScheduledOptimizer`](super::ScheduledOptimizer)
    /// under (`()` unless the adapter needs one for coherence).
    type Marker;

    /// Called before the step closure computes the loss. The default does
    /// nothing; libtorch accumulates gradients in the parameters, so its
    /// adapter clears them here.
    fn begin_step(_optimizer: &mut O) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Back-propagates `loss` and steps `optimizer` with the gradients.
    fn backward_step(optimizer: &mut O, loss: &Self::Loss) -> Result<(), Self::Error>;
}

/// How the adapter runs a range test on model `M` (its variable store)
/// with optimizer `O`.
pub trait RangeTestBackend<M: ?Sized, O: ?Sized>: Backprop<O> {
    /// The model's variables and the optimizer's state, as they were before
    /// the test.
    type Saved;

    /// Copies the model's variables and the optimizer's state.
    fn save(model: &M, optimizer: &O) -> Result<Self::Saved, Self::Error>;

    /// Puts `saved` back: all of it that can be, even when a part fails
    /// (the first failure is returned), since it also runs after an error.
    fn restore(saved: &Self::Saved, model: &M, optimizer: &mut O) -> Result<(), Self::Error>;

    /// Runs `test` from the start: trains micro-batch `i` with the loss of
    /// `train(i)` at the learning rate (times `lr_factors`) and weight
    /// decay the test asks for, averaging gradients over
    /// `accumulation_steps`, validates with `validation`, and
    /// [`restore`](Self::restore)s `saved` whenever the test says so.
    ///
    /// [`RangeTestRunner::run`](crate::range_test::RangeTestRunner::run)
    /// has checked `lr_factors` and that `validation` is there when the
    /// configuration needs it, and restores `saved` when this fails.
    fn sweep<T, V>(
        test: &mut RangeTest<f64>,
        saved: &Self::Saved,
        model: &M,
        optimizer: &mut O,
        train: T,
        validation: Option<V>,
        lr_factors: &[f64],
    ) -> Result<(), Self::Error>
    where
        T: FnMut(u64) -> Result<Self::Loss, Self::Error>,
        V: FnMut(u64) -> Result<f64, Self::Error>;
}
