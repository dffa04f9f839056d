//! `clr`: one-cycle, cyclical learning rates, warm restarts and the
//! learning-rate range test for Rust trainers — the one dependency a user
//! adds.
//!
//! The schedules and state machines are here at the root (`clr-core`'s
//! items: [`OneCycleLr`], [`Scheduler`], [`RangeTest`], …, also as
//! [`core`]); the training layer is [`train`] (`Fit`, the range-test
//! runner, checkpoints, the per-epoch `History`); the framework adapters
//! and the plots come with features.
//!
//! ```
//! use clr::{HyperSchedule, OneCycleLr};
//!
//! // PyTorch: OneCycleLR(optimizer, max_lr=0.1, total_steps=100)
//! let schedule = OneCycleLr::<f64>::builder(0.1, 100).build()?;
//! // PyTorch's cosine gives 0.004 up to rounding at step 0.
//! assert!((schedule.hypers(0).lr - 0.1 / 25.0).abs() < 1e-15);
//! # Ok::<(), clr::Error>(())
//! ```
//!
//! # Features
//! - `candle`: the Candle adapter, `clr::candle` (`clr-candle`).
//! - `tch`: the tch (libtorch 2.13) adapter, `clr::tch` (`clr-tch`);
//!   needs libtorch to build (see the README's "Using clr-tch").
//! - `burn`: the burn 0.22 adapter, `clr::burn` (`clr-burn`); needs rustc
//!   1.95, as burn does.
//! - `viz`: plots of schedules, range tests and histories as PNG, SVG or
//!   terminal text, `clr::viz` (`clr-viz`).
//! - `serde`: (de)serialize every schedule and state.
//!
//! None is on by default.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The schedules, the training loop's and the range test's state
/// machines, suggestions (`clr-core`), also at the root of this crate.
pub use clr_core as core;
pub use clr_core::*;

/// The training layer (`clr-train`): `Fit`, the range-test runner,
/// checkpoints, guard rails, the live log and the per-epoch `History`,
/// for every adapter.
pub use clr_train as train;

/// The Candle adapter (`clr-candle`; `candle` feature).
#[cfg(feature = "candle")]
pub use clr_candle as candle;

/// The tch (libtorch 2.13) adapter (`clr-tch`; `tch` feature, needs
/// libtorch: see the README's "Using clr-tch").
#[cfg(feature = "tch")]
pub use clr_tch as tch;

/// Plots (`clr-viz`; `viz` feature).
#[cfg(feature = "viz")]
pub use clr_viz as viz;

/// The burn 0.22 adapter (`clr-burn`; `burn` feature, needs rustc 1.95).
#[cfg(feature = "burn")]
pub use clr_burn as burn;

// The README's Rust examples run as doc tests; its Candle snippet needs the
// `candle` feature, its burn snippet runs with `burn` as well
// (`cargo test -p clr --features candle,burn --doc`).
#[cfg(all(doctest, feature = "candle"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
