//! A toy framework for the shared builders: one weight, minimising
//! (w - 3)², each loss carrying its own gradient. No tensor library needed,
//! so the plumbing every adapter shares is tested here once rather than
//! only through Candle and libtorch.
#![allow(dead_code)]

use std::cell::Cell;
use std::fmt;
use std::path::Path;

use clr_core::{Hypers, ScheduledOptimizer};
use clr_train::{Adapter, AdapterError, Backprop, OptimizerState};

/// The toy adapter's marker.
pub struct Toy;

/// The toy adapter's error.
#[derive(Debug)]
pub enum ToyError {
    Core(clr_core::Error),
    Adapter(AdapterError),
}

impl fmt::Display for ToyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToyError::Core(e) => write!(f, "{e}"),
            ToyError::Adapter(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ToyError {}

impl From<clr_core::Error> for ToyError {
    fn from(e: clr_core::Error) -> Self {
        ToyError::Core(e)
    }
}

impl From<AdapterError> for ToyError {
    fn from(e: AdapterError) -> Self {
        ToyError::Adapter(e)
    }
}

/// The toy's model: one weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub w: f64,
}

/// A loss with its gradient.
pub struct Loss {
    pub value: f64,
    pub grad: f64,
}

/// The loss of `(w - 3)²`.
pub fn loss(model: &Model) -> Loss {
    Loss {
        value: (model.w - 3.0).powi(2),
        grad: 2.0 * (model.w - 3.0),
    }
}

/// SGD with momentum, counting its steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub velocity: f64,
    pub steps: u64,
}

impl ScheduledOptimizer<f64> for Sgd {
    type Error = ToyError;
    fn name(&self) -> &'static str {
        "toy SGD"
    }
    fn apply(&mut self, _group: usize, h: &Hypers<f64>) -> Result<(), ToyError> {
        self.lr = AdapterError::non_negative("toy SGD", "lr", h.lr)?;
        if let Some(m) = h.momentum {
            self.momentum = m;
        }
        Ok(())
    }
    fn current(&self, _group: usize) -> Result<Hypers<f64>, ToyError> {
        Ok(Hypers {
            lr: self.lr,
            momentum: Some(self.momentum),
            weight_decay: None,
        })
    }
}

thread_local! {
    /// Whether the toy is in `no_grad`.
    pub static NO_GRAD: Cell<bool> = const { Cell::new(false) };
}

fn io(path: &Path, source: std::io::Error) -> ToyError {
    ToyError::Adapter(AdapterError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A number's bits in a file.
fn write_bits(path: &Path, x: f64) -> Result<(), ToyError> {
    std::fs::write(path, x.to_bits().to_string()).map_err(|e| io(path, e))
}

fn read_bits(path: &Path) -> Result<f64, ToyError> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    let bits = text.trim().parse::<u64>().map_err(|_| {
        ToyError::Adapter(AdapterError::Checkpoint {
            path: path.to_path_buf(),
            reason: "not a number's bits".into(),
        })
    })?;
    Ok(f64::from_bits(bits))
}

impl Adapter for Toy {
    type Model = Model;
    type Loss = Loss;
    type Snapshot = Model;
    type Error = ToyError;

    fn loss_value(loss: &Loss) -> Result<f64, ToyError> {
        Ok(loss.value)
    }

    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        NO_GRAD.with(|g| g.set(true));
        let r = evaluate();
        NO_GRAD.with(|g| g.set(false));
        r
    }

    fn snapshot(model: &Model) -> Result<Model, ToyError> {
        Ok(*model)
    }

    fn restore(snapshot: &Model, model: &mut Model) -> Result<(), ToyError> {
        *model = *snapshot;
        Ok(())
    }

    fn weights_finite(model: &Model) -> Result<bool, ToyError> {
        Ok(model.w.is_finite())
    }

    fn save_weights(model: &Model, path: &Path) -> Result<(), ToyError> {
        write_bits(path, model.w)
    }

    fn load_weights(model: &mut Model, path: &Path) -> Result<(), ToyError> {
        model.w = read_bits(path)?;
        Ok(())
    }
}

impl Backprop<Sgd> for Toy {
    type Marker = ();
    type Grads = f64;

    fn backward(
        _model: &Model,
        _optimizer: &mut Sgd,
        loss: Loss,
        micro_batches: u64,
        pending: Option<f64>,
    ) -> Result<f64, ToyError> {
        Ok(pending.unwrap_or(0.0) + loss.grad / micro_batches as f64)
    }

    fn step(model: &mut Model, optimizer: &mut Sgd, grad: f64) -> Result<(), ToyError> {
        optimizer.velocity = optimizer.momentum * optimizer.velocity + grad;
        model.w -= optimizer.lr * optimizer.velocity;
        optimizer.steps += 1;
        Ok(())
    }

    fn save_optimizer(_model: &Model, optimizer: &Sgd, path: &Path) -> Result<(), ToyError> {
        write_bits(path, optimizer.velocity)
    }

    fn load_optimizer(_model: &Model, optimizer: &mut Sgd, path: &Path) -> Result<(), ToyError> {
        optimizer.velocity = read_bits(path)?;
        Ok(())
    }
}

/// Everything it holds.
impl OptimizerState for Sgd {
    type State = Sgd;

    fn save_state(&self) -> Result<Sgd, ToyError> {
        Ok(self.clone())
    }

    fn load_state(&mut self, state: &Sgd) -> Result<(), ToyError> {
        *self = state.clone();
        Ok(())
    }
}

/// The toy's `Fit`, as an adapter names it.
pub type Fit<S, N = S, V = clr_train::NoValidation, F = f64> = clr_train::Fit<Toy, S, N, V, F>;

/// The toy's `RangeTestRunner`.
pub type RangeTestRunner<T, V = clr_train::NoValidation> = clr_train::RangeTestRunner<Toy, T, V>;
