//! `clr-candle`: one-cycle, cyclical learning rates and the learning-rate
//! range test for [Candle](https://github.com/huggingface/candle) trainers,
//! driven by the schedules and state machines of [`clr_core`] through the
//! training layer of [`clr_train`].
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{Module, VarBuilder, VarMap};
//! use clr_candle::{Fit, MomentumSgd, RangeTestRunner, SgdParams, VarMapSnapshot};
//! use clr_core::{Cycle, KerasOneCycle, RangeTestConfig};
//!
//! // y = 3x - 1 at 32 points of [0, 1), shuffled: 4 batches of 8.
//! let xs: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 / 32.0).collect();
//! let x = Tensor::from_vec(xs, (32, 1), &Device::Cpu)?;
//! let y = x.affine(3.0, -1.0)?;
//! let mut varmap = VarMap::new();
//! let model = candle_nn::linear(1, 1, VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu))?;
//! let batch_loss = |batch: u64| -> candle_core::Result<Tensor> {
//!     let i = 8 * (batch % 4) as usize;
//!     candle_nn::loss::mse(&model.forward(&x.narrow(0, i, 8)?)?, &y.narrow(0, i, 8)?)
//! };
//! let mut sgd = MomentumSgd::new(varmap.all_vars(), SgdParams { momentum: 0.95, ..Default::default() })?;
//!
//! // 1. The range test; the model and optimizer come back as they were.
//! let before = VarMapSnapshot::take(&varmap)?;
//! let config = RangeTestConfig { lr_range: (1e-4, 10.0), steps: 40, batches_per_step: 2, ..Default::default() };
//! let found = RangeTestRunner::new(config, |_, b| Ok(batch_loss(b)?))
//!     .quiet(true)
//!     .run(&mut varmap, &mut sgd)?;
//! assert!(found.result.sweeps[0].stop.is_early()); // lr = 10 diverges
//! assert!(before.is_identical(&varmap)?);
//! let lr_max = found.suggestions[0].valley.unwrap_or(0.1).clamp(1e-3, 0.5);
//!
//! // 2. One cycle over 20 epochs: lr from lr_max/5 to lr_max and back, momentum 0.95 -> 0.85 -> 0.95.
//! let cycle = Cycle::new(20, 4)?;
//! let schedule = KerasOneCycle::builder((lr_max / 5.0, lr_max), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let outcome = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .run(&mut varmap, &mut sgd, |_, batch| Ok(batch_loss(batch.index)?))?;
//! let loss = outcome.history.get("loss").unwrap();
//! assert!(loss[19] < loss[0]);
//! # Ok::<(), clr_candle::Error>(())
//! ```
//!
//! # What is here
//! - [`ScheduledOptimizer`] (`clr-core`'s trait, re-exported) and
//!   [`CandleStep`]: a schedule's learning rate, momentum (beta1) and
//!   weight decay applied to candle-nn's `SGD` and `AdamW` and to
//!   [`MomentumSgd`] (PyTorch's SGD with momentum, dampening, Nesterov and
//!   weight decay, which candle-nn lacks), per parameter group
//!   ([`ParamGroups`]). What an optimizer cannot take is an [`Error`],
//!   never ignored.
//! - [`Candle`], the marker that binds Candle to `clr-train`: [`Fit`] and
//!   [`RangeTestRunner`] are `clr-train`'s builders on it (the model is a
//!   [`VarMap`](candle_nn::VarMap)), with checkpoints of the weights and of
//!   the optimizer's state keyed by variable name ([`VarNames`]).
//! - [`VarMapSnapshot`], [`OptimizerState`] (`clr-train`'s, re-exported,
//!   for every optimizer here), [`Rebuild`]: bit-exact restores of the
//!   `VarMap` and optimizer after a range test.
//!
//! Optimizer state in checkpoints: `MomentumSgd`'s momentum buffers and
//! plain `SGD`'s (empty) state are saved; candle-nn keeps `AdamW`'s moments
//! private, so a run with checkpoints and it is refused with an
//! [`AdapterError::StateUnreadable`] before it trains, rather than left to
//! write a file that would resume differently.
//!
//! Candle, `clr-core` and `clr-train` are re-exported ([`candle_core`],
//! [`candle_nn`], [`clr_core`], [`clr_train`]) so versions always match.
//! This crate has no feature flags.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checkpoint;
mod error;
pub mod optim;
pub mod sgd;
pub mod snapshot;
pub mod train;

pub use candle_core;
pub use candle_nn;
pub use clr_core;
pub use clr_train;

pub use checkpoint::VarNames;
pub use clr_core::ScheduledOptimizer;
pub use clr_train::OptimizerState;
pub use error::{AdapterError, Error};
pub use optim::{Candle, CandleStep, ParamGroups};
pub use sgd::{MomentumSgd, SgdParams, SgdState};
pub use snapshot::{Rebuild, VarMapSnapshot};
pub use train::{Fit, RangeTestRunner};
