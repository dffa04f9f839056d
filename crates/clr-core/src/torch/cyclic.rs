//! PyTorch 2.13's `torch.optim.lr_scheduler.CyclicLR.get_lr`:
//!
//! ```text
//! total_size = float(step_size_up) + float(step_size_down)
//! step_ratio = float(step_size_up) / total_size
//! cycle = math.floor(1 + last_epoch / total_size)
//! x = 1.0 + last_epoch / total_size - cycle
//! scale_factor = x / step_ratio if x <= step_ratio else (x - 1) / (step_ratio - 1)
//! lr       = base_lr + (max_lr - base_lr) * scale_factor * scale_fn(cycle or last_epoch)
//! momentum = max_momentum - (max_momentum - base_momentum) * scale_factor * scale_fn(...)
//! scale_fn: triangular 1.0, triangular2 1 / (2.0 ** (cycle - 1)), exp_range gamma ** last_epoch
//! ```

use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::{floor_non_negative, step_f64, Real};

/// PyTorch's `CyclicLR` modes.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CyclicMode {
    /// Constant amplitude.
    Triangular,
    /// Amplitude halves every cycle.
    Triangular2,
    /// Amplitude `gamma^iteration`.
    ExpRange {
        /// Decay per iteration, in `(0, 1]`.
        gamma: f64,
    },
    /// A custom `scale_fn`, applied to the cycle number (1-based, as in
    /// PyTorch) or to the iteration.
    ///
    /// A function cannot be written: serializing (or deserializing) a
    /// schedule of this mode is an [`Error::Unserializable`] naming
    /// `scale_fn`.
    Custom {
        /// The scale function; plain `fn` so the schedule stays `Copy` and `no_std`.
        #[cfg_attr(
            feature = "serde",
            serde(
                serialize_with = "crate::written::write_scale_fn",
                deserialize_with = "crate::written::read_scale_fn"
            )
        )]
        scale_fn: fn(f64) -> f64,
        /// What the function is applied to.
        scale_mode: ScaleMode,
    },
}

/// What a [`CyclicMode::Custom`] scale function is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ScaleMode {
    /// The 1-based cycle number.
    Cycle,
    /// The iteration (step).
    Iterations,
}

impl CyclicMode {
    /// PyTorch's `scale_fn` at `cycle` (1-based) and `last_epoch`, in `F`
    /// (`ln_gamma` is `ln(gamma)`: an `f32` schedule's exp_range takes its
    /// power through it, see [`Real::pow_f64`]).
    #[inline]
    fn scale<F: Real>(self, cycle: f64, last_epoch: f64, ln_gamma: f64) -> F {
        match self {
            CyclicMode::Triangular => F::one(),
            // 1/2^(cycle - 1), exactly PyTorch's power of two: built from
            // its exponent.
            CyclicMode::Triangular2 => {
                F::from_f64(libm::scalbn(1.0, -((cycle - 1.0).min(2000.0) as i32)))
            }
            CyclicMode::ExpRange { gamma } => F::pow_f64(gamma, ln_gamma, last_epoch),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Cycle,
            } => F::from_f64(scale_fn(cycle)),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Iterations,
            } => F::from_f64(scale_fn(last_epoch)),
        }
    }
}

/// PyTorch 2.13's `torch.optim.lr_scheduler.CyclicLR`: a triangle between
/// `base_lr` and `max_lr` rising for `step_size_up` steps and falling for
/// `step_size_down`, its height scaled by the mode; momentum moves the
/// other way between `max_momentum` and `base_momentum`. Unbounded.
///
/// ```
/// use clr_core::{CyclicLr, HyperSchedule};
///
/// let s = CyclicLr::builder(0.001_f64, 0.006).step_size_up(4).build()?;
/// assert_eq!(s.hypers(0).lr, 0.001);
/// assert_eq!(s.hypers(4).lr, 0.006);
/// assert_eq!(s.hypers(8).lr, 0.001);
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CyclicLr<F> {
    config: CyclicLrBuilder<F>,
    /// PyTorch's `total_size` and `step_ratio`, as it computes them once.
    total_size: f64,
    step_ratio: f64,
    /// `ln(gamma)` of exp_range (NaN otherwise).
    ln_gamma: f64,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(CyclicLr, CyclicLrBuilder, build);

/// Builder of [`CyclicLr`] with PyTorch's names and defaults.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CyclicLrBuilder<F> {
    /// Lower learning rate.
    pub base_lr: F,
    /// Upper learning rate (before scaling).
    pub max_lr: F,
    /// Steps of the rise (default 2000).
    pub step_size_up: u64,
    /// Steps of the fall (default: `step_size_up`; 0 makes a saw-tooth).
    pub step_size_down: Option<u64>,
    /// The amplitude policy (default triangular).
    pub mode: CyclicMode,
    /// `(base_momentum, max_momentum)`, default `(0.8, 0.9)`; `None` = not cycled.
    pub momentum: Option<(F, F)>,
}

impl<F: Real> CyclicLr<F> {
    /// A builder with PyTorch's defaults.
    pub fn builder(base_lr: F, max_lr: F) -> CyclicLrBuilder<F> {
        CyclicLrBuilder {
            base_lr,
            max_lr,
            step_size_up: 2000,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            momentum: Some((F::from_f64(0.8), F::from_f64(0.9))),
        }
    }

    /// Steps in one cycle (`step_size_up + step_size_down`).
    pub fn cycle_len(&self) -> u64 {
        self.total_size as u64
    }
}

impl<F: Real> CyclicLrBuilder<F> {
    /// Sets `step_size_up`.
    pub fn step_size_up(mut self, steps: u64) -> Self {
        self.step_size_up = steps;
        self
    }

    /// Sets `step_size_down`.
    pub fn step_size_down(mut self, steps: u64) -> Self {
        self.step_size_down = Some(steps);
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: CyclicMode) -> Self {
        self.mode = mode;
        self
    }

    momentum_setters!();

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<CyclicLr<F>, Error> {
        // PyTorch accepts base_lr > max_lr (an inverted triangle), and so do we.
        check::non_negative("base_lr", self.base_lr.to_f64())?;
        check::non_negative("max_lr", self.max_lr.to_f64())?;
        let up = check::nonzero("step_size_up", self.step_size_up)?.get();
        // A fall of 0 steps is PyTorch's saw-tooth; only the rise divides.
        let down = self.step_size_down.unwrap_or(up);
        let total = up
            .checked_add(down)
            .filter(|&t| t <= 1 << 53)
            .ok_or(Error::Overflow {
                param: "step_size_up",
            })?;
        if let CyclicMode::ExpRange { gamma } = self.mode {
            // gamma > 1 grows without bound and meets 0 * inf at the troughs.
            check::decay("gamma", gamma)?;
        }
        if let Some((base, max)) = self.momentum {
            check::non_negative("base_momentum", base.to_f64())?;
            check::non_negative("max_momentum", max.to_f64())?;
        }
        let total_size = total as f64;
        let ln_gamma = match self.mode {
            CyclicMode::ExpRange { gamma } => Real::ln(gamma),
            _ => f64::NAN,
        };
        Ok(CyclicLr {
            config: *self,
            total_size,
            step_ratio: up as f64 / total_size,
            ln_gamma,
        })
    }
}

impl<F: Real> HyperSchedule<F> for CyclicLr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let last_epoch = step_f64(step);
        let ratio = last_epoch / self.total_size;
        let cycle = floor_non_negative(1.0 + ratio);
        let x = 1.0 + ratio - cycle;
        let factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let factor = F::from_f64(factor);
        let scale = self.config.mode.scale(cycle, last_epoch, self.ln_gamma);
        let c = &self.config;
        Hypers {
            lr: c.base_lr + (c.max_lr - c.base_lr) * factor * scale,
            momentum: c
                .momentum
                .map(|(base, max)| max - (max - base) * factor * scale),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        None
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum.is_some()
    }
}
