//! `clr-train`: the training layer of `clr`, for any framework adapter
//! (`clr-candle`, `clr-tch`, …): [`Fit`], a training run under a schedule
//! with validation, per-group learning-rate factors, checkpoints that
//! resume bit-identically ([`Checkpoints`]), guard rails against NaN
//! ([`Fit::terminate_on_nan`]), a progress bar and a live per-epoch log
//! ([`Observer`], [`EpochTable`]); [`RangeTestRunner`], the learning-rate
//! range test that puts the model back; and [`History`], the per-epoch
//! log that runs return and `clr-viz` plots.
//!
//! An adapter implements [`Adapter`] and [`Backprop`] once, on a marker
//! type, and [`OptimizerState`] for its optimizers, and names the builders
//! with it
//! (`clr_candle::Fit` is `Fit<Candle, …>`); users meet the builders through
//! their adapter.
//!
//! ```
//! use clr_train::History;
//!
//! let mut history = History::new();
//! history.push_epoch(0, &[("loss", 0.9), ("val_loss", 1.1)]);
//! history.push_epoch(1, &[("loss", 0.5), ("val_loss", 0.7)]);
//! assert_eq!(history.last("val_loss"), Some(0.7));
//! ```
//!
//! # What is here
//! - [`Fit`] and [`FitOutcome`] (its [`History`] and [`FitStop`]); the loop
//!   it runs, [`fit`], with a [`Trainer`] for hand-written frameworks.
//! - [`RangeTestRunner`] over `clr-core`'s [`RangeTest`](clr_core::RangeTest).
//! - [`Adapter`], [`Backprop`], [`OptimizerState`]: what an adapter
//!   implements; [`AdapterError`]: what every adapter can fail with;
//!   [`SgdParams`], PyTorch SGD's hyper-parameters, which every adapter's
//!   `MomentumSgd` takes.
//! - [`Batch`], [`StepOutput`], [`BatchOutput`], [`Evaluation`]: what a
//!   batch is and gives; [`Validation`], [`NoValidation`].
//! - [`Checkpoints`], [`Observer`], [`EpochTable`]; [`Named`], values by
//!   name (the adapters' snapshots of a model's variables).
//! - [`History`] with CSV ([`history::csv`]) and JSON (serde).
//!
//! This crate has no feature flags.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
mod adapter_error;
mod batch;
mod checkpoint;
mod fit;
mod fit_builder;
pub mod history;
mod named;
mod observer;
mod progress;
mod range_test;
mod sgd_params;
mod validation;

pub use adapter::{Adapter, Backprop, OptimizerState};
pub use adapter_error::{AdapterError, BoxError};
pub use batch::{Batch, BatchOutput, Evaluation, FitStop, StepOutput};
pub use checkpoint::Checkpoints;
/// What a range test found (`clr-core`'s), as [`RangeTestRunner::run`] returns it.
pub use clr_core::range_test::RangeTestOutcome;
pub use fit::{fit, EpochEnd, Trainer};
pub use fit_builder::{Fit, FitOutcome};
pub use history::{History, HistoryError};
pub use named::Named;
pub use observer::{EpochTable, Observer};
pub use range_test::RangeTestRunner;
pub use sgd_params::SgdParams;
pub use validation::{NoValidation, Validation};
