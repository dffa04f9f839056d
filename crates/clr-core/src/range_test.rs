//! The learning-rate range test as a state machine: it tells the driver what
//! to do next (train a batch at a learning rate and weight decay, evaluate
//! validation, restore the model, stop) and takes the losses back.
//!
//! It reproduces the Keras package's `LrRangeTest` (sweep, averaging over
//! `batches_per_step`, early stop when the loss exceeds `threshold_multiplier`
//! × the best, a weight-decay grid, restoring the model between sweeps and at
//! the end) and adds loss smoothing, gradient accumulation, a linear sweep,
//! an early stop that can be switched off and non-finite losses treated as
//! divergence. [`RangeTestConfig`]'s presets mirror the defaults of the
//! Keras package's `LrRangeTest`, fastai's `lr_find` and torch-lr-finder's
//! `range_test`.
//!
//! ```
//! use clr_core::{Action, RangeTest, RangeTestConfig, Report};
//!
//! let mut test = RangeTest::new(RangeTestConfig::<f64> { steps: 20, ..Default::default() })?;
//! let mut action = test.start();
//! loop {
//!     action = match action {
//!         // A model whose loss is best at lr = 0.01 and explodes past 1.
//!         Action::Train { lr, .. } => test.report(Report::TrainLoss(1.0 + (lr.log10() + 2.0).powi(2)))?,
//!         Action::Validate { .. } => unreachable!("no validation configured"),
//!         Action::Restore { .. } => test.report(Report::Restored)?,
//!         Action::Done => break,
//!     };
//! }
//! let result = test.result();
//! assert!(result.sweeps[0].stop.is_early());
//! # Ok::<(), clr_core::Error>(())
//! ```

mod config;
mod result;
mod smoothing;

pub use config::RangeTestConfig;
pub use result::{moving_average, RangeTestOutcome, RangeTestResult, SweepResult, SweepStop};
pub use smoothing::Smoothing;

use alloc::vec;
use alloc::vec::Vec;

use crate::error::Error;
use crate::real::Real;
use crate::schedule::Schedule;
use crate::sweep::LrSweep;

/// What the driver should do next.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Action<F> {
    /// Train one (micro-)batch at `lr` (and `weight_decay`, when given), then
    /// [`Report::TrainLoss`]. Step the optimizer only when `optimizer_step`
    /// (the last micro-batch of an accumulation group).
    Train {
        /// Learning rate to set.
        lr: F,
        /// Weight decay to set; `None` = keep the optimizer's own.
        weight_decay: Option<F>,
        /// Whether this micro-batch ends an accumulation group.
        optimizer_step: bool,
    },
    /// Evaluate the mean loss over `batches` validation batches, then
    /// [`Report::ValidationLoss`].
    Validate {
        /// How many validation batches.
        batches: u64,
    },
    /// Restore the model and optimizer state saved before the test, then
    /// [`Report::Restored`]. When `finished`, also put back the original
    /// learning rate (and weight decay): the test is over.
    Restore {
        /// Whether this is the final restore.
        finished: bool,
    },
    /// The test is over; read [`RangeTest::result`].
    Done,
}

/// What the driver reports back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Report<F> {
    /// The loss of the batch just trained.
    TrainLoss(F),
    /// The mean validation loss just evaluated.
    ValidationLoss(F),
    /// The model and optimizer are restored.
    Restored,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    NotStarted,
    Training,
    Validating,
    Restoring { finished: bool },
    Done,
}

/// What a framework adapter implements to run a [`RangeTest`] with
/// [`RangeTest::run`]: the four things the test asks of a driver.
pub trait RangeTestDriver<F> {
    /// The framework's error.
    type Error;
    /// Sets `lr` (and `weight_decay` when `Some`), trains one (micro-)batch,
    /// steps the optimizer when `optimizer_step`, and returns the loss.
    fn train(
        &mut self,
        lr: F,
        weight_decay: Option<F>,
        optimizer_step: bool,
    ) -> Result<F, Self::Error>;
    /// The mean loss over `batches` validation batches.
    fn validate(&mut self, batches: u64) -> Result<F, Self::Error>;
    /// Restores the model and optimizer saved before the test; when
    /// `finished`, also the original learning rate and weight decay.
    fn restore(&mut self, finished: bool) -> Result<(), Self::Error>;
}

/// The range test's state machine; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct RangeTest<F> {
    config: RangeTestConfig<F>,
    sweep: LrSweep<F>,
    phase: Phase,
    wd_index: usize,
    step: u64,
    micro: u64,
    loss_sum: f64,
    best: f64,
    ema: f64,
    result: RangeTestResult<F>,
}

impl<F: Real> RangeTest<F> {
    /// Validates `config` and prepares the test.
    pub fn new(config: RangeTestConfig<F>) -> Result<Self, Error> {
        let sweep = config.validate()?;
        let n = usize::try_from(config.steps).map_err(|_| Error::Overflow { param: "steps" })?;
        let lrs: Vec<F> = sweep.iter().collect();
        let validating = config.validation_batches.is_some();
        let wds: Vec<Option<F>> = if config.wd_list.is_empty() {
            vec![None]
        } else {
            config.wd_list.iter().map(|w| Some(*w)).collect()
        };
        let sweeps = wds
            .into_iter()
            .map(|weight_decay| SweepResult {
                weight_decay,
                train_loss: vec![F::nan(); n],
                val_loss: if validating {
                    vec![F::nan(); n]
                } else {
                    Vec::new()
                },
                smoothed: vec![F::nan(); n],
                stop: SweepStop::Completed,
            })
            .collect();
        Ok(RangeTest {
            config,
            sweep,
            phase: Phase::NotStarted,
            wd_index: 0,
            step: 0,
            micro: 0,
            loss_sum: 0.0,
            best: f64::INFINITY,
            ema: 0.0,
            result: RangeTestResult { lrs, sweeps },
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RangeTestConfig<F> {
        &self.config
    }

    /// Starts (or restarts) the test; the first action is always a batch to train.
    pub fn start(&mut self) -> Action<F> {
        let config = self.config.clone();
        if let Ok(fresh) = Self::new(config) {
            *self = fresh;
        }
        self.phase = Phase::Training;
        self.action()
    }

    /// The action the test waits on.
    pub fn action(&self) -> Action<F> {
        match self.phase {
            Phase::NotStarted | Phase::Training => {
                let per_step = self.config.accumulation_steps;
                Action::Train {
                    lr: self.sweep.at(self.step),
                    weight_decay: self.result.sweeps[self.wd_index].weight_decay,
                    optimizer_step: (self.micro + 1) % per_step == 0,
                }
            }
            Phase::Validating => Action::Validate {
                batches: self.config.validation_batches.unwrap_or(1),
            },
            Phase::Restoring { finished } => Action::Restore { finished },
            Phase::Done => Action::Done,
        }
    }

    /// Takes the driver's report and returns the next action.
    pub fn report(&mut self, report: Report<F>) -> Result<Action<F>, Error> {
        match (self.phase, report) {
            (Phase::Training, Report::TrainLoss(loss)) => self.on_train(loss),
            (Phase::Validating, Report::ValidationLoss(loss)) => {
                let i = self.step as usize;
                self.result.sweeps[self.wd_index].val_loss[i] = loss;
                self.end_step(loss.to_f64());
            }
            (Phase::Restoring { finished }, Report::Restored) => {
                self.phase = if finished {
                    Phase::Done
                } else {
                    Phase::Training
                };
            }
            (phase, got) => {
                return Err(Error::OutOfTurn {
                    got: match got {
                        Report::TrainLoss(_) => "a train loss",
                        Report::ValidationLoss(_) => "a validation loss",
                        Report::Restored => "a restore",
                    },
                    expected: match phase {
                        Phase::NotStarted => "start() first",
                        Phase::Training => "a train loss",
                        Phase::Validating => "a validation loss",
                        Phase::Restoring { .. } => "a restore",
                        Phase::Done => "nothing: the test is done",
                    },
                })
            }
        }
        Ok(self.action())
    }

    fn on_train(&mut self, loss: F) {
        self.loss_sum += loss.to_f64();
        self.micro += 1;
        let per_step = self.config.batches_per_step * self.config.accumulation_steps;
        if self.micro < per_step {
            return;
        }
        // Mean over optimizer steps of the mean over micro-batches.
        let mean = self.loss_sum / per_step as f64;
        let i = self.step as usize;
        self.result.sweeps[self.wd_index].train_loss[i] = F::from_f64(mean);
        if self.config.validation_batches.is_some() {
            self.phase = Phase::Validating;
        } else {
            self.end_step(mean);
        }
    }

    fn end_step(&mut self, loss: f64) {
        let judged = self.smooth(loss);
        let i = self.step as usize;
        let sweep = &mut self.result.sweeps[self.wd_index];
        sweep.smoothed[i] = F::from_f64(judged);
        let stop = if !judged.is_finite() {
            Some(SweepStop::NonFinite { step: self.step })
        } else {
            self.best = self.best.min(judged);
            let limit = self
                .config
                .threshold_multiplier
                .map(|m| self.best * m.to_f64());
            limit
                .is_some_and(|limit| judged > limit)
                .then(|| SweepStop::Diverged {
                    step: self.step,
                    loss: F::from_f64(judged),
                    best: F::from_f64(self.best),
                })
        };
        self.step += 1;
        self.micro = 0;
        self.loss_sum = 0.0;
        match stop {
            Some(stop) => self.end_sweep(stop),
            None if self.step == self.config.steps => self.end_sweep(SweepStop::Completed),
            None => self.phase = Phase::Training,
        }
    }

    fn smooth(&mut self, loss: f64) -> f64 {
        self.config.smoothing.next(&mut self.ema, self.step, loss)
    }

    fn end_sweep(&mut self, stop: SweepStop<F>) {
        self.result.sweeps[self.wd_index].stop = stop;
        let last = self.wd_index + 1 == self.result.sweeps.len();
        if !last {
            self.wd_index += 1;
        }
        self.step = 0;
        self.best = f64::INFINITY;
        self.ema = 0.0;
        self.phase = Phase::Restoring { finished: last };
    }

    /// Runs the whole test with `driver`, from the start. On a driver error
    /// the test stops where it is and the error is returned (the driver
    /// should then restore the model itself).
    pub fn run<D: RangeTestDriver<F>>(
        &mut self,
        driver: &mut D,
    ) -> Result<&RangeTestResult<F>, D::Error> {
        let mut action = self.start();
        loop {
            let report = match action {
                Action::Train {
                    lr,
                    weight_decay,
                    optimizer_step,
                } => Report::TrainLoss(driver.train(lr, weight_decay, optimizer_step)?),
                Action::Validate { batches } => Report::ValidationLoss(driver.validate(batches)?),
                Action::Restore { finished } => {
                    driver.restore(finished)?;
                    Report::Restored
                }
                Action::Done => return Ok(&self.result),
            };
            // The report always answers the action just taken.
            action = self.report(report).unwrap_or(Action::Done);
        }
    }

    /// Whether the test is over.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The losses so far (complete once [`Action::Done`]).
    pub fn result(&self) -> &RangeTestResult<F> {
        &self.result
    }
}
