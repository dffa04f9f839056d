//! `clr`: cyclical learning-rate and momentum policies for Rust trainers.
//!
//! This facade re-exports the workspace's crates so one dependency brings
//! them all; see [`core`] for the schedules.
//!
//! ```
//! use clr::core::{OneCycleLr, HyperSchedule};
//!
//! let sched = OneCycleLr::<f64>::builder(0.1, 100).build().unwrap();
//! // PyTorch's cosine gives 0.004 up to rounding at step 0.
//! assert!((sched.hypers(0).lr - 0.1 / 25.0).abs() < 1e-15);
//! ```

#![forbid(unsafe_code)]

/// The `no_std` schedule core (re-export of the `clr-core` crate).
pub use clr_core as core;

/// The tch (libtorch 2.13) adapter (re-export of the `clr-tch` crate; `tch`
/// feature, needs libtorch: see the README's "Using clr-tch").
#[cfg(feature = "tch")]
pub use clr_tch as tch;

// The README's Rust examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
