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
//! - [`anneal`]: the curves (cos, linear, exp, poly, constant).
//! - [`Piecewise`]: phases by end position, by fraction (fastai's
//!   `combine_scheds`) or by step count.
//! - Presets: [`OneCycleLr`] (PyTorch), [`FitOneCycle`] (fastai),
//!   [`KerasOneCycle`] and [`KerasClr`] (the seed), [`CyclicLr`] (PyTorch),
//!   [`CosineRestarts`] (PyTorch's warm restarts and beyond), [`LrSweep`]
//!   (the range test's learning rates), [`CosineCycles`] (the seed's CLR fixed).
//! - Combinators: [`Constant`], [`Sequence`], [`Scaled`], [`Clamped`], [`Repeat`].
//! - [`HyperSchedule`]: learning rate, momentum and weight decay per step;
//!   [`Hypers::scale_lr`] and [`even_mults`] for discriminative learning rates.
//! - [`Scheduler`] and [`RangeTest`]: the training loop's and the range
//!   test's state machines; [`ScheduledOptimizer`], what a framework
//!   adapter implements for its optimizers (the loops that drive them are
//!   the `clr-train` crate's).
//!
//! # Features
//! - `serde`: (de)serialize every configuration and schedule.
//! - `alloc`, `std`: needed by training records, the range test and
//!   [`ScheduledOptimizer`] only; the schedules need neither.
//! - `proptest`: strategies for valid configurations and invariant checkers.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod anneal;
mod combine;
mod cyclic;
mod error;
mod hyper;
mod one_cycle;
#[cfg(feature = "alloc")]
mod optimizer;
mod phase;
/// proptest strategies for valid configurations and invariant checkers.
#[cfg(feature = "proptest")]
pub mod proptest;
#[cfg(feature = "alloc")]
pub mod range_test;
mod real;
mod restarts;
mod schedule;
mod scheduler;
mod stepper;
pub mod suggest;
mod sweep;

pub use anneal::Anneal;
pub use combine::{Clamped, Constant, Repeat, Scaled, Sequence};
pub use cyclic::{
    Amplitude, ClrBuilder, ClrShape, CosineCycles, CyclicLr, CyclicLrBuilder, CyclicMode,
    FixedShape, KerasClr, KerasShape, ScaleMode, SeedClr,
};
pub use error::{Comparison, Error, Expected, Value};
pub use hyper::{even_mults, Bundle, HyperSchedule, Hypers, Lr, Momentum, WithWeightDecay};
pub use one_cycle::{
    combined_cos, AnnealStrategy, FitOneCycle, FitOneCycleBuilder, KerasOneCycle,
    KerasOneCycleBuilder, Length, OneCycleLr, OneCycleLrBuilder,
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
pub use restarts::{CosineRestarts, CosineRestartsBuilder};
pub use schedule::{Iter, Schedule, Stepper};
pub use scheduler::{batches_per_epoch, Control, Cycle, PastEnd, Scheduler, SchedulerState};
#[cfg(feature = "alloc")]
pub use scheduler::{BatchRecord, EpochRecord, Records};
pub use sweep::{LrSweep, SweepMode};
