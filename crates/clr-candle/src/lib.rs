//! `clr-candle`: one-cycle, cyclical learning rates and the learning-rate
//! range test for [Candle](https://github.com/huggingface/candle) trainers,
//! driven by the schedules and state machines of [`clr_core`].
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{Module, VarBuilder, VarMap};
//! use clr_candle::{Fit, MomentumSgd, RangeTestRunner, SgdParams};
//! use clr_core::{Cycle, KerasOneCycle, RangeTestConfig};
//!
//! // y = 3x - 1 at 32 points of [0, 1), shuffled: 4 batches of 8.
//! let xs: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 / 32.0).collect();
//! let x = Tensor::from_vec(xs, (32, 1), &Device::Cpu)?;
//! let y = x.affine(3.0, -1.0)?;
//! let varmap = VarMap::new();
//! let model = candle_nn::linear(1, 1, VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu))?;
//! let batch_loss = |batch: u64| -> candle_core::Result<Tensor> {
//!     let i = 8 * (batch % 4) as usize;
//!     candle_nn::loss::mse(&model.forward(&x.narrow(0, i, 8)?)?, &y.narrow(0, i, 8)?)
//! };
//! let mut sgd = MomentumSgd::new(varmap.all_vars(), SgdParams { momentum: 0.95, ..Default::default() })?;
//!
//! // 1. The range test; the model and optimizer come back as they were.
//! let config = RangeTestConfig { lr_range: (1e-4, 10.0), steps: 40, batches_per_step: 2, ..Default::default() };
//! let found = RangeTestRunner::new(config, |b| Ok(batch_loss(b)?)).quiet(true).run(&varmap, &mut sgd)?;
//! let lr_max = found.suggestions[0].valley.unwrap_or(0.1).clamp(1e-3, 0.5);
//!
//! // 2. One cycle over 20 epochs: lr from lr_max/5 to lr_max and back, momentum 0.95 -> 0.85 -> 0.95.
//! let cycle = Cycle::new(20, 4)?;
//! let schedule = KerasOneCycle::builder((lr_max / 5.0, lr_max), cycle.iterations())
//!     .momentum_range(0.95, 0.85)
//!     .build()?;
//! let history = Fit::new(schedule, cycle)?
//!     .quiet(true)
//!     .run(&mut sgd, |batch| Ok(batch_loss(batch.index)?))?;
//! let loss = history.get("loss").unwrap();
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
//!   ([`ParamGroups`], [`apply_all`]). What an optimizer cannot take is an
//!   [`Error`], never ignored.
//! - [`Fit`]: `clr-core`'s training loop ([`clr_core::train::fit`]) over
//!   epochs and batches, driven by [`clr_core::Scheduler`], with Candle's
//!   backward pass and optimizer step, returning a [`clr_viz::History`],
//!   with a progress bar.
//! - [`RangeTestRunner`]: the range test ([`clr_core::RangeTest`]) with
//!   bit-exact restores of the [`VarMap`](candle_nn::VarMap) and optimizer
//!   ([`VarMapSnapshot`], [`OptimizerState`], [`Rebuild`]).
//!
//! Candle, `clr-core` and `clr-viz` are re-exported ([`candle_core`],
//! [`candle_nn`], [`clr_core`], [`clr_viz`]) so versions always match.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod fit;
pub mod optim;
pub mod range_test;
pub mod sgd;
pub mod snapshot;

pub use candle_core;
pub use candle_nn;
pub use clr_core;
pub use clr_viz;

pub use clr_core::train::{apply_all, check_factors, ScheduledOptimizer};
pub use error::{AdapterError, Error};
pub use fit::{loss_value, Batch, Evaluation, Fit, NoValidation, StepOutput};
pub use optim::{Candle, CandleStep, ParamGroups};
pub use range_test::{RangeTestOutcome, RangeTestRunner};
pub use sgd::{MomentumSgd, SgdParams, SgdState};
pub use snapshot::{OptimizerState, Rebuild, VarMapSnapshot};
