//! `clr`: cyclical learning-rate and momentum policies for Rust trainers.
//!
//! This facade re-exports the workspace's crates so one dependency brings
//! them all; see [`core`] for the schedules.
//!
//! ```
//! use clr::core::{OneCycleLr, HyperSchedule};
//!
//! let sched = OneCycleLr::<f64>::builder(0.1, 100).build().unwrap();
//! assert_eq!(sched.hypers(0).lr, 0.1 / 25.0);
//! ```

#![forbid(unsafe_code)]

/// The `no_std` schedule core (re-export of the `clr-core` crate).
pub use clr_core as core;
