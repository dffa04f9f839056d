//! What a framework adapter implements, once, on a marker type of its own
//! (`clr_candle::Candle`, `clr_tch::Tch`), so that [`Fit`](crate::Fit) and
//! [`RangeTestRunner`](crate::RangeTestRunner) drive its framework:
//! [`Adapter`] (the model, the loss, the weights: their snapshots and
//! files) and [`Backprop`] (gradients, the optimizer step and the
//! optimizer's state in files); and, for its optimizers, [`OptimizerState`]
//! (their state in memory, which a range test puts back).
//!
//! The model is whatever holds the weights: Candle's `VarMap`, tch's
//! `VarStore`, a burn module. The builders hand it to the user's closures
//! (`&Model`, to compute a loss with) and to the adapter (`&mut Model` to
//! step and restore it), so a framework whose optimizer step returns a new
//! module (burn: `model = optim.step(lr, model, grads)`) fits as well as
//! one that updates variables in place.

use std::path::Path;

use clr_core::{Hypers, ScheduledOptimizer};

use crate::adapter_error::{AdapterError, BoxError};

/// A framework adapter, named by its marker type.
pub trait Adapter {
    /// What holds the model's weights (`candle_nn::VarMap`,
    /// `tch::nn::VarStore`, a burn module).
    type Model;

    /// The framework's loss: a tensor that should hold one number.
    type Loss;

    /// A copy of the model's weights, kept apart from them (a range test
    /// puts it back after every sweep).
    type Snapshot;

    /// The extension of the files [`save_weights`](Self::save_weights) and
    /// [`Backprop::save_optimizer`] write (without the dot).
    const FILE_EXTENSION: &'static str = "safetensors";

    /// The adapter's error: it carries `clr-core`'s errors and the shared
    /// [`AdapterError`].
    type Error: From<clr_core::Error>
        + From<AdapterError>
        + std::error::Error
        + Send
        + Sync
        + 'static;

    /// The loss's value; an [`AdapterError::LossShape`] unless it holds
    /// exactly one element.
    fn loss_value(loss: &Self::Loss) -> Result<f64, Self::Error>;

    /// Runs `evaluate` (validation) with gradient tracking off. The default
    /// just calls it, for frameworks that only record a graph on demand
    /// (Candle); libtorch records one on every operation and overrides it.
    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        evaluate()
    }

    /// Copies every weight of `model` (buffers such as batch norm's running
    /// statistics included).
    fn snapshot(model: &Self::Model) -> Result<Self::Snapshot, Self::Error>;

    /// Puts `snapshot` back into `model`, bit for bit; a variable added
    /// since, or of another shape or type, is an error and nothing is
    /// changed.
    fn restore(snapshot: &Self::Snapshot, model: &mut Self::Model) -> Result<(), Self::Error>;

    /// Whether every weight of `model` is finite (the guard of
    /// [`Fit::terminate_on_nan`](crate::Fit::terminate_on_nan)).
    fn weights_finite(model: &Self::Model) -> Result<bool, Self::Error>;

    /// Writes every weight of `model` to `path` (safetensors unless
    /// [`FILE_EXTENSION`](Self::FILE_EXTENSION) says otherwise), keyed by
    /// the variable's name.
    fn save_weights(model: &Self::Model, path: &Path) -> Result<(), Self::Error>;

    /// Reads the weights [`save_weights`](Self::save_weights) wrote into
    /// `model`, bit for bit, by name; a variable missing from the file, or
    /// of another shape or type, is an error and nothing is changed.
    fn load_weights(model: &mut Self::Model, path: &Path) -> Result<(), Self::Error>;
}

/// How the adapter trains `Self::Model` with optimizer `O`.
pub trait Backprop<O: ?Sized>: Adapter {
    /// The marker `O` implements
    /// [`ScheduledOptimizer`](clr_core::ScheduledOptimizer) under (`()`
    /// unless the adapter needs one for coherence).
    type Marker;

    /// Gradients on their way to an optimizer step: a gradient store
    /// (Candle, burn), or `()` where the framework keeps them in the
    /// parameters (libtorch).
    type Grads;

    /// Back-propagates `loss`: the gradients of `loss / micro_batches` (of
    /// `loss` itself when `micro_batches` is 1), added to `pending`, the
    /// gradients of the earlier micro-batches of the same optimizer step
    /// (`None` for the first).
    fn backward(
        model: &Self::Model,
        optimizer: &mut O,
        loss: Self::Loss,
        micro_batches: u64,
        pending: Option<Self::Grads>,
    ) -> Result<Self::Grads, Self::Error>;

    /// Steps `optimizer` with `grads`, updating `model`.
    fn step(
        model: &mut Self::Model,
        optimizer: &mut O,
        grads: Self::Grads,
    ) -> Result<(), Self::Error>;

    /// Writes what `optimizer` keeps between steps (momentum buffers,
    /// moments) to `path` (as [`save_weights`](Adapter::save_weights)
    /// does), keyed by the variables of `model` they belong to. An optimizer whose state the
    /// framework does not let us read is an
    /// [`AdapterError::StateUnreadable`], never a file that would resume
    /// differently.
    fn save_optimizer(model: &Self::Model, optimizer: &O, path: &Path) -> Result<(), Self::Error>;

    /// Refuses, before a run that saves checkpoints trains its first batch,
    /// an `optimizer` whose state [`save_optimizer`](Self::save_optimizer)
    /// will not be able to write once it steps with `first` (the run's
    /// first hyper-parameters), so that the error does not wait an epoch.
    /// By default it refuses nothing.
    fn check_saveable(
        _model: &Self::Model,
        _optimizer: &O,
        _first: &Hypers<f64>,
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Reads the state [`save_optimizer`](Self::save_optimizer) wrote into
    /// `optimizer`, by variable name.
    fn load_optimizer(
        model: &Self::Model,
        optimizer: &mut O,
        path: &Path,
    ) -> Result<(), Self::Error>;
}

/// An optimizer whose state between steps (its hyper-parameters, momentum
/// buffers, moments) can be copied and put back: what a range test
/// restores after every sweep. `Mk` is its adapter's marker (see
/// [`ScheduledOptimizer`]).
pub trait OptimizerState<Mk = ()>: ScheduledOptimizer<f64, Mk> {
    /// Everything the optimizer keeps between steps, or what it takes to
    /// build it again (where the framework does not let us read it).
    type State;

    /// A copy of the state.
    fn save_state(&self) -> Result<Self::State, Self::Error>;

    /// Puts back a state saved from this optimizer.
    fn load_state(&mut self, state: &Self::State) -> Result<(), Self::Error>;
}

impl<Mk, O: OptimizerState<Mk> + ?Sized> OptimizerState<Mk> for &mut O {
    type State = O::State;
    fn save_state(&self) -> Result<O::State, O::Error> {
        (**self).save_state()
    }
    fn load_state(&mut self, state: &O::State) -> Result<(), O::Error> {
        (**self).load_state(state)
    }
}

/// The error the user's closure returned, as the adapter's: unboxed when
/// it is the adapter's own error, an [`AdapterError`] or a `clr-core`
/// error, else wrapped as [`AdapterError::User`].
pub(crate) fn user_error<B: Adapter>(error: BoxError) -> B::Error {
    let error = match error.downcast::<B::Error>() {
        Ok(own) => return *own,
        Err(other) => other,
    };
    let error = match error.downcast::<AdapterError>() {
        Ok(shared) => return B::Error::from(*shared),
        Err(other) => other,
    };
    match error.downcast::<clr_core::Error>() {
        Ok(core) => B::Error::from(*core),
        Err(other) => B::Error::from(AdapterError::User(other)),
    }
}
