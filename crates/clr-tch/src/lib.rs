//! `clr-tch`: one-cycle, cyclical learning rates and the learning-rate
//! range test for [tch](https://github.com/LaurentMazare/tch-rs) (libtorch
//! 2.13) trainers, driven by the schedules and state machines of
//! [`clr_core`] through the training layer of [`clr_train`].
//!
//! ```
//! use clr_core::{Cycle, KerasOneCycle, RangeTestConfig};
//! use clr_tch::{Fit, RangeTestRunner, TchOptimizer};
//! use tch::nn::{self, Module, VarStore};
//! use tch::{Device, Kind, Tensor};
//!
//! // A linear model of y = 3x - 1, 4 batches of 8 samples.
//! tch::manual_seed(0);
//! let x = Tensor::arange(32, (Kind::Float, Device::Cpu)).reshape([32, 1]) / 32.0;
//! let y = &x * 3.0 - 1.0;
//! let mut vs = VarStore::new(Device::Cpu);
//! let model = nn::linear(vs.root(), 1, 1, Default::default());
//! let batch_loss = |batch: u64| {
//!     let i = 8 * (batch % 4) as i64;
//!     model.forward(&x.narrow(0, i, 8)).mse_loss(&y.narrow(0, i, 8), tch::Reduction::Mean)
//! };
//! let mut sgd = TchOptimizer::new(&vs, nn::Sgd { momentum: 0.95, ..Default::default() }, 0.01)?;
//!
//! // 1. The range test; the model comes back as it was, the optimizer rebuilt.
//! let config = RangeTestConfig { lr_range: (1e-4, 10.0), steps: 40, batches_per_step: 2, ..Default::default() };
//! let found = RangeTestRunner::new(config, |_, b| Ok(batch_loss(b)))
//!     .quiet(true)
//!     .run(&mut vs, &mut sgd)?;
//! let lr_max = found.suggestions[0].valley.unwrap_or(0.1).clamp(1e-3, 0.5);
//!
//! // 2. One cycle over 20 epochs: lr from lr_max/5 to lr_max and back, momentum 0.95 -> 0.85 -> 0.95.
//! let cycle = Cycle::new(20, 4)?;
//! let schedule = KerasOneCycle::builder((lr_max / 5.0, lr_max), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let outcome = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .run(&mut vs, &mut sgd, |_, batch| Ok(batch_loss(batch.index)))?;
//! let loss = outcome.history.get("loss").unwrap();
//! assert!(loss[19] < loss[0]);
//! # Ok::<(), clr_tch::Error>(())
//! ```
//!
//! # What is here
//! - [`TchOptimizer`]: libtorch's SGD, Adam, AdamW and RMSprop over a
//!   [`VarStore`](tch::nn::VarStore), with the learning rate, momentum
//!   (beta1 for the Adam family) and weight decay of every parameter group
//!   set by [`ScheduledOptimizer`] (`clr-core`'s trait, re-exported; the
//!   step is [`TchStep`]) — checked first, so nothing panics where
//!   tch's own setters would (a group index past the last,
//!   `set_momentum_group` on Adam). Per-group learning-rate factors give
//!   fastai's discriminative learning rates
//!   ([`ScheduledOptimizer::apply_all`]).
//! - [`Tch`], the marker that binds libtorch to `clr-train`: [`Fit`] and
//!   [`RangeTestRunner`] are `clr-train`'s builders on it (the model is a
//!   `VarStore`), with checkpoints of the weights by variable name.
//! - [`VarStoreSnapshot`]: bit-exact restores of the `VarStore` after every
//!   weight-decay sweep of a range test and at the end; the optimizer is
//!   rebuilt from its configuration instead ([`OptimizerState`],
//!   `clr-train`'s, re-exported).
//!
//! # Optimizer state
//! tch cannot read a libtorch optimizer's moments or momentum buffers.
//! A range test therefore rebuilds the optimizer (exact for a fresh one,
//! the usual case), and a run with checkpoints of an optimizer that will
//! hold such state (Adam, AdamW, RMSprop; SGD stepping with a momentum) is
//! refused with an [`AdapterError::StateUnreadable`] before it trains, not
//! left to write a file that would resume differently. Plain SGD
//! checkpoints and resumes bit-identically.
//!
//! # libtorch
//! tch 0.26 links libtorch 2.13.0. `bash scripts/provision-libtorch.sh`
//! (in this repository) installs it from the PyPI wheel `torch==2.13.0`
//! into `.cache/libtorch` and prints the `LIBTORCH` and `LD_LIBRARY_PATH`
//! to export; see the README's "Using clr-tch".
//!
//! tch, `clr-core` and `clr-train` are re-exported ([`tch`], [`clr_core`],
//! [`clr_train`]) so versions always match. This crate has no feature
//! flags.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod optim;
pub mod snapshot;
pub mod spec;
pub mod train;

pub use clr_core;
pub use clr_train;
pub use tch;

pub use clr_core::ScheduledOptimizer;
pub use clr_train::OptimizerState;
pub use error::{AdapterError, Error};
pub use optim::{Tch, TchOptimizer, TchStep};
pub use snapshot::{tensor_bytes, TchOptimizerState, VarStoreSnapshot};
pub use spec::{OptimizerKind, OptimizerSpec};
pub use train::{Fit, RangeTestRunner};
