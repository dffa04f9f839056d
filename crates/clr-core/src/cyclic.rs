//! Cyclical learning rates: PyTorch's `CyclicLR`, the seed's `CLR` (quirks
//! included) and [`CosineCycles`], the seed's CLR with its quirks fixed.

use crate::error::{check, Error};
use crate::hyper::{HyperSchedule, Hypers};
use crate::one_cycle::{check_lr_range, check_momentum_range, seed_wave, SeedWave};
use crate::real::Real;

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
        /// Decay per iteration, > 0.
        gamma: f64,
    },
    /// A custom `scale_fn`, applied to the cycle number (1-based, as in
    /// PyTorch) or to the iteration.
    Custom {
        /// The scale function; plain `fn` so the schedule stays `Copy` and `no_std`.
        #[cfg_attr(feature = "serde", serde(skip, default = "unit_scale"))]
        scale_fn: fn(f64) -> f64,
        /// What the function is applied to.
        scale_mode: ScaleMode,
    },
}

#[cfg(feature = "serde")]
fn unit_scale() -> fn(f64) -> f64 {
    |_| 1.0
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
    #[inline]
    fn scale(self, cycle: f64, iteration: u64) -> f64 {
        match self {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / libm::pow(2.0, cycle - 1.0),
            CyclicMode::ExpRange { gamma } => libm::pow(gamma, iteration as f64),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Cycle,
            } => scale_fn(cycle),
            CyclicMode::Custom {
                scale_fn,
                scale_mode: ScaleMode::Iterations,
            } => scale_fn(iteration as f64),
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CyclicLr<F> {
    config: CyclicLrBuilder<F>,
    total_size: f64,
    step_ratio: f64,
}

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

    /// Cycles momentum between `base_momentum` (at the peak lr) and `max_momentum`.
    pub fn momentum(mut self, base_momentum: F, max_momentum: F) -> Self {
        self.momentum = Some((base_momentum, max_momentum));
        self
    }

    /// Leaves momentum alone (PyTorch's `cycle_momentum=False`).
    pub fn no_momentum(mut self) -> Self {
        self.momentum = None;
        self
    }

    /// Validates the configuration and builds the schedule.
    pub fn build(&self) -> Result<CyclicLr<F>, Error> {
        // PyTorch accepts base_lr > max_lr (an inverted triangle), and so do we.
        check::non_negative("base_lr", self.base_lr.to_f64())?;
        check::non_negative("max_lr", self.max_lr.to_f64())?;
        let up = check::nonzero("step_size_up", self.step_size_up)?;
        // A fall of 0 steps is PyTorch's saw-tooth; only the rise divides.
        let down = self.step_size_down.unwrap_or(up);
        let total = up
            .checked_add(down)
            .filter(|t| *t <= 1 << 53)
            .ok_or(Error::Overflow {
                param: "step_size_up",
            })?;
        if let CyclicMode::ExpRange { gamma } = self.mode {
            check::positive("gamma", gamma)?;
        }
        if let Some((base, max)) = self.momentum {
            check::unit("base_momentum", base.to_f64())?;
            check::unit("max_momentum", max.to_f64())?;
        }
        let total_size = total as f64;
        Ok(CyclicLr {
            config: *self,
            total_size,
            step_ratio: up as f64 / total_size,
        })
    }
}

impl<F: Real> HyperSchedule<F> for CyclicLr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let c = &self.config;
        // PyTorch's expressions in PyTorch's order.
        let ratio = step as f64 / self.total_size;
        let cycle = libm::floor(1.0 + ratio);
        let x = 1.0 + ratio - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let scale = F::from_f64(c.mode.scale(cycle, step));
        let factor = F::from_f64(scale_factor);
        let lr = c.base_lr + (c.max_lr - c.base_lr) * factor * scale;
        let momentum = c
            .momentum
            .map(|(base, max)| max - (max - base) * factor * scale);
        Hypers {
            lr,
            momentum,
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

/// The amplitude of cycle `c` (0-based) relative to the first.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Amplitude {
    /// `decay^c` (`1.0` = constant, the seed's default).
    Decay(f64),
    /// A custom `amplitude_fn(c)`.
    Custom(#[cfg_attr(feature = "serde", serde(skip, default = "unit_scale"))] fn(f64) -> f64),
}

impl Amplitude {
    #[inline]
    fn at(self, cycle: f64) -> f64 {
        match self {
            Amplitude::Decay(d) => libm::pow(d, cycle),
            Amplitude::Custom(f) => f(cycle),
        }
    }

    fn validate(self) -> Result<Self, Error> {
        if let Amplitude::Decay(d) = self {
            check::positive("amplitude_decay", d)?;
        }
        Ok(self)
    }
}

/// Builder shared by [`KerasClr`] and [`CosineCycles`]: the seed's `CLR` names.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClrBuilder<F> {
    /// Number of cycles in the run (the seed's `cyc`).
    pub cycles: u64,
    /// `(lo, hi)`: floor and first peak of the learning rate.
    pub lr_range: (F, F),
    /// Iterations in the whole run.
    pub total_steps: u64,
    /// `(m1, m2)`: momentum at cycle start/end and at the peak; `None` = not cycled.
    pub momentum_range: Option<(F, F)>,
    /// Share of each cycle spent rising (default 0.3).
    pub phase_one_fraction: f64,
    /// Amplitude of each cycle (default constant).
    pub amplitude: Amplitude,
}

impl<F: Real> ClrBuilder<F> {
    fn new(cycles: u64, lr_range: (F, F), total_steps: u64) -> Self {
        ClrBuilder {
            cycles,
            lr_range,
            total_steps,
            momentum_range: None,
            phase_one_fraction: 0.3,
            amplitude: Amplitude::Decay(1.0),
        }
    }

    /// Cycles momentum `m1 → m2 → m1` in every cycle.
    pub fn momentum_range(mut self, m1: F, m2: F) -> Self {
        self.momentum_range = Some((m1, m2));
        self
    }

    /// Sets `phase_one_fraction`, in `[0, 1]`.
    pub fn phase_one_fraction(mut self, fraction: f64) -> Self {
        self.phase_one_fraction = fraction;
        self
    }

    /// Sets the amplitude policy (the seed's `amplitude_fn`).
    pub fn amplitude(mut self, amplitude: Amplitude) -> Self {
        self.amplitude = amplitude;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        check::nonzero("cycles", self.cycles)?;
        check::nonzero("total_steps", self.total_steps)?;
        check_lr_range(self.lr_range)?;
        check_momentum_range(self.momentum_range)?;
        check::unit("phase_one_fraction", self.phase_one_fraction)?;
        self.amplitude.validate()?;
        Ok(())
    }

    /// Builds the seed's `CLR`, quirks included.
    pub fn build_keras(&self) -> Result<KerasClr<F>, Error> {
        self.validate()?;
        Ok(KerasClr { config: *self })
    }

    /// Builds [`CosineCycles`]: the seed's shape with each cycle returning to `lo`.
    pub fn build_fixed(&self) -> Result<CosineCycles<F>, Error> {
        self.validate()?;
        Ok(CosineCycles { config: *self })
    }

    // The seed's (cycle, position in cycle) of step k: x = k/n, c = floor(x*cyc),
    // x = (x - c/cyc)*cyc.
    #[inline]
    fn position(&self, step: u64) -> (f64, f64) {
        let n = self.total_steps;
        let cyc = self.cycles as f64;
        let x = step.min(n - 1) as f64 / n as f64;
        let c = libm::floor(x * cyc);
        (c, (x - c / cyc) * cyc)
    }
}

/// The seed's `keras_one_cycle_clr.CLR`, quirks included: within each of
/// `cycles` cycles the learning rate rises by cosine from `lo` to
/// `lo + (hi - lo) * amplitude(c)` and then falls to 0 (the seed's phase two
/// ends at zero, not at `lo`). Use [`CosineCycles`] for the fixed shape.
///
/// ```
/// use clr_core::{HyperSchedule, KerasClr};
///
/// let s = KerasClr::builder(3, (0.002_f64, 0.01), 600).build_keras()?;
/// assert_eq!(s.hypers(0).lr, 0.002);
/// assert_eq!(s.hypers(200).lr, 0.002); // a new cycle starts every 200 steps
/// assert!(s.hypers(199).lr < 0.002); // ...after falling towards 0
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KerasClr<F> {
    config: ClrBuilder<F>,
}

impl<F: Real> KerasClr<F> {
    /// A builder with the seed's defaults.
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real> HyperSchedule<F> for KerasClr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let c = &self.config;
        let (cycle, x) = c.position(step);
        let (lo, hi) = c.lr_range;
        let amp_0 = hi - lo;
        let amp_mod = F::from_f64(c.amplitude.at(cycle));
        let wave = seed_wave::<F>(x, c.phase_one_fraction);
        let lr = match wave {
            SeedWave::Rise(_) => wave.times(amp_0 * amp_mod) + lo,
            SeedWave::Fall(_) => wave.times(amp_0 * amp_mod + lo),
        };
        let momentum = c.momentum_range.map(|(m1, m2)| wave.times(m2 - m1) + m1);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
}

/// The seed's CLR with its quirk fixed: every cycle rises by cosine from `lo`
/// to `lo + (hi - lo) * amplitude(c)` and falls back to `lo`.
///
/// ```
/// use clr_core::{Amplitude, CosineCycles, HyperSchedule};
///
/// let s = CosineCycles::builder(3, (0.002_f64, 0.01), 600)
///     .amplitude(Amplitude::Decay(1.0 / 3.0))
///     .build_fixed()?;
/// assert!(s.hypers(199).lr >= 0.002);
/// # Ok::<(), clr_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineCycles<F> {
    config: ClrBuilder<F>,
}

impl<F: Real> CosineCycles<F> {
    /// A builder with the seed's defaults; finish with [`ClrBuilder::build_fixed`].
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real> HyperSchedule<F> for CosineCycles<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        let c = &self.config;
        let (cycle, x) = c.position(step);
        let (lo, hi) = c.lr_range;
        let amp = (hi - lo) * F::from_f64(c.amplitude.at(cycle));
        let wave = seed_wave::<F>(x, c.phase_one_fraction);
        let lr = wave.times(amp) + lo;
        let momentum = c.momentum_range.map(|(m1, m2)| wave.times(m2 - m1) + m1);
        Hypers {
            lr,
            momentum,
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
}
