//! `clr-core`: one-cycle, cyclical and warm-restart learning-rate and
//! momentum schedules with exact parity to PyTorch, fastai and the Keras
//! package `keras_one_cycle_clr`, in `#![no_std]` Rust.
//!
//! A schedule is a pure function of the step: build it once (every builder
//! validates and returns a typed [`Error`]), then ask any step in any order.
//!
//! ```
//! use clr_core::{HyperSchedule, OneCycleLr};
//!
//! // PyTorch: OneCycleLR(opt, max_lr=0.01, total_steps=1000)
//! let schedule = OneCycleLr::builder(0.01_f64, 1000).build()?;
//!
//! let mut weight = 5.0_f64;
//! for step in 0..1000 {
//!     let h = schedule.hypers(step);
//!     let grad = 2.0 * weight; // d/dw of w^2
//!     weight -= h.lr * grad; // (momentum would go to the optimizer too)
//!     assert!(h.momentum.unwrap() >= 0.85);
//! }
//! assert!(weight.abs() < 5.0);
//! # Ok::<(), clr_core::Error>(())
//! ```
//!
//! # What is here
//! - Presets, each reproducing its reference to the bit (with `std`):
//!   [`OneCycleLr`], [`CyclicLr`] and [`CosineRestarts`] (PyTorch's
//!   warm restarts, and beyond), [`FitOneCycle`] (fastai), [`KerasOneCycle`]
//!   and [`KerasClr`] (the Keras package), [`CosineCycles`] (the Keras
//!   package's CLR fixed), [`LrSweep`] (the range test's learning rates).
//! - [`Piecewise`]: phases of [`Anneal`] curves by end position (PyTorch's
//!   rule), by fraction (fastai's `combine_scheds`) or by step count.
//! - Combinators: [`Constant`], [`Sequence`], [`Scaled`], [`Clamped`], [`Repeat`].
//! - [`HyperSchedule`]: learning rate, momentum and weight decay per step;
//!   [`Hypers::scale_lr`] and [`even_mults`] for discriminative learning rates.
//! - State machines: [`Scheduler`] (the training loop) and, with `alloc`,
//!   [`RangeTest`]; [`ScheduledOptimizer`], what a framework adapter
//!   implements for its optimizers (the loops that drive them are the
//!   `clr-train` crate's).
//!
//! # Features
//! - `std`: the platform's math library (`f64::cos`, ...), which the
//!   references call too, so values come out to their bits; without it
//!   `libm`, a last bit apart on a few values in a hundred.
//! - `serde`: (de)serialize every configuration and schedule.
//! - `alloc`: training records, the range test and [`ScheduledOptimizer`];
//!   the schedules need no allocator.
//! - `proptest`: strategies for valid configurations and invariant checkers.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod anneal;
mod combine;
mod error;
mod fastai;
mod hyper;
mod keras;
#[cfg(feature = "alloc")]
mod optimizer;
mod phase;
/// proptest strategies for valid configurations and invariant checkers.
#[cfg(feature = "proptest")]
pub mod proptest;
#[cfg(feature = "alloc")]
pub mod range_test;
mod real;
mod schedule;
mod scheduler;
pub mod suggest;
mod sweep;
mod torch;
#[cfg(feature = "serde")]
mod written;

pub use anneal::Anneal;
pub use combine::{Clamped, Constant, Repeat, Scaled, Sequence};
pub use error::{Comparison, Error, Expected, Value};
pub use fastai::{combined_cos, FitOneCycle, FitOneCycleBuilder};
pub use hyper::{even_mults, Bundle, HyperSchedule, Hypers, Lr, Momentum, WithWeightDecay};
pub use keras::{
    Amplitude, ClrBuilder, CosineCycles, KerasClr, KerasOneCycle, KerasOneCycleBuilder,
};
#[cfg(feature = "alloc")]
pub use optimizer::{check_factors, ScheduledOptimizer};
pub use phase::{Phase, Piecewise, Span, MAX_PHASES};
#[cfg(feature = "alloc")]
pub use range_test::{
    moving_average, Action, RangeTest, RangeTestConfig, RangeTestDriver, RangeTestResult, Report,
    Smoothing, SweepResult, SweepStop,
};
pub use real::Real;
pub use schedule::{Iter, Schedule};
pub use scheduler::{batches_per_epoch, Control, Cycle, PastEnd, Scheduler, SchedulerState};
#[cfg(feature = "alloc")]
pub use scheduler::{BatchRecord, EpochRecord, Records};
pub use sweep::{LrSweep, SweepMode};
pub use torch::{
    AnnealStrategy, CosineRestarts, CosineRestartsBuilder, CyclicLr, CyclicLrBuilder, CyclicMode,
    Length, OneCycleLr, OneCycleLrBuilder, ScaleMode,
};

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
