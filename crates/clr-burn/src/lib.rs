//! `clr-burn`: one-cycle, cyclical learning rates, warm restarts and
//! momentum (beta1) cycling for [burn](https://burn.dev) 0.22 trainers,
//! driven by the schedules of [`clr_core`].
//!
//! ```
//! use burn::lr_scheduler::LrScheduler;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::optim::GradientsParams;
//! use burn::tensor::{Device, Tensor};
//! use clr_burn::{ClrScheduler, MomentumSgd, ScheduledOptimizer, SgdParams};
//! use clr_core::{HyperSchedule, KerasOneCycle};
//!
//! // y = 3x - 1 at 8 points of [0, 1).
//! let device = Device::default().autodiff();
//! let xs: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
//! let x = Tensor::<1>::from_floats(xs.as_slice(), &device).reshape([8, 1]);
//! let y = x.clone().mul_scalar(3.0).sub_scalar(1.0);
//! let mut model: Linear = LinearConfig::new(1, 1).init(&device);
//!
//! // One cycle over 200 steps: lr 0.05 -> 0.5 -> 0, momentum 0.95 -> 0.85 -> 0.95.
//! let schedule = KerasOneCycle::builder((0.05, 0.5), 200)
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let mut sgd = MomentumSgd::new(SgdParams { momentum: 0.95, ..SgdParams::default() })?;
//! let loss_of = |model: &Linear| (model.forward(x.clone()) - y.clone()).square().mean();
//! let first = loss_of(&model).into_scalar::<f32>();
//! for k in 0..200 {
//!     // The schedule's learning rate and momentum, set before the step.
//!     sgd.apply(0, &schedule.hypers(k))?;
//!     let grads = GradientsParams::from_grads(loss_of(&model).backward(), &model);
//!     model = sgd.step(model, grads);
//! }
//! assert!(loss_of(&model).into_scalar::<f32>() < first / 100.0);
//!
//! // The same learning rates as burn's `LrScheduler` (for burn's `Learner`).
//! let mut scheduler = ClrScheduler::new(schedule.clone());
//! assert_eq!(scheduler.step(), schedule.hypers(0).lr);
//! # Ok::<(), clr_burn::Error>(())
//! ```
//!
//! # What is here
//! - [`ClrScheduler`]: any clr schedule (every preset and combinator, `f64`
//!   or `f32`) as burn's `LrScheduler`, whose record resumes a run
//!   bit-identically mid-cycle and refuses another schedule's
//!   ([`RecordError`]); per-parameter-group factors through burn's
//!   `ModuleLrScheduler` ([`ClrScheduler::grouped`]).
//! - [`MomentumSgd`] and [`ScheduledAdamW`]: PyTorch's `SGD` (momentum,
//!   dampening, Nesterov, weight decay) and `AdamW` on burn, whose
//!   hyper-parameters (momentum and beta1 included, which burn's own
//!   optimizers fix when built) are set before every step, per parameter
//!   group, through `clr-core`'s [`ScheduledOptimizer`] (marker [`Burn`]).
//!   [`Snapshot`]s put their state back bit for bit.
//! - [`Fit`] and [`RangeTestRunner`]: `clr-train`'s training run and range
//!   test on a burn module (the adapter [`Burn`]): per-step hyper-parameters,
//!   validation, checkpoints of burn's own records that resume
//!   bit-identically, and a range test that puts the module
//!   ([`ModuleSnapshot`]) and the optimizer back bit for bit, NaN weights or
//!   not.
//!
//! Bad input (a hyper-parameter out of range, a group that does not exist,
//! a record of another schedule) is an [`Error`] naming it, never a panic.
//!
//! burn, `clr-core` and `clr-train` are re-exported ([`burn`],
//! [`clr_core`], [`clr_train`]) so versions always match. burn's libtorch
//! backend (its `tch` feature) is not available next to `clr-tch`: the two
//! pin different `tch` versions.
//!
//! This crate has no feature flags: burn comes with its `std`, `ndarray`,
//! `autodiff` and `optim` features (no GPU backend, no TUI).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adamw;
mod error;
mod marker;
mod module_snapshot;
mod params;
mod record;
mod scheduled;
mod scheduler;
mod sgd;
mod snapshot;
mod state;
mod train;

pub use burn;
pub use clr_core;
pub use clr_train;

pub use adamw::AdamWParams;
pub use clr_core::ScheduledOptimizer;
pub use clr_train::{OptimizerState, SgdParams};
pub use error::{AdapterError, Error, RecordError};
pub use marker::Burn;
pub use module_snapshot::ModuleSnapshot;
pub use params::Params;
pub use scheduled::{MomentumSgd, Scheduled, ScheduledAdamW};
pub use scheduler::ClrScheduler;
pub use snapshot::Snapshot;
pub use train::{Fit, RangeTestRunner};
