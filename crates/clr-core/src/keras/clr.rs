//! The Keras package's `CLR.get_current_lr` and `get_current_momentum`:
//!
//! ```text
//! x = float(current_iter) / n_iter
//! c = np.floor(x * cyc)              # the cycle
//! x = (x - c / cyc) * cyc            # the position in it
//! amp = (hi - lo) * amplitude_fn(c)
//! lr:       rise: wave(x) * amp / 2.0 + lo;      fall: wave(x) / 2.0 * (amp + lo)
//! momentum: as OneCycle's, in every cycle
//! ```
//!
//! with `wave` the package's half-waves ([`Wave`]): its fall ends at 0, not
//! at `lo`. [`CosineCycles`] is the same with every half between `lo` and
//! the peak (`wave(x) * amp / 2.0 + lo` on both).

use super::wave::{check_lr_range, check_momentum_range, Wave};
use crate::error::{check, Error, Expected, Value};
use crate::hyper::{HyperSchedule, Hypers};
use crate::real::{floor_non_negative, step_f64, Real};

/// The amplitude of cycle `c` (0-based) relative to the first: the
/// package's `amplitude_fn`.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Amplitude {
    /// `decay^c` (`1.0` = constant, the package's default).
    Decay(f64),
    /// A custom `amplitude_fn(c)`.
    ///
    /// A function cannot be written: serializing (or deserializing) a
    /// schedule with one is an [`Error::Unserializable`] naming
    /// `amplitude_fn`.
    Custom(
        #[cfg_attr(
            feature = "serde",
            serde(
                serialize_with = "crate::written::write_amplitude_fn",
                deserialize_with = "crate::written::read_amplitude_fn"
            )
        )]
        fn(f64) -> f64,
    ),
}

impl Amplitude {
    /// The amplitude of cycle `c` (as `f64`).
    fn at(self, cycle: f64) -> f64 {
        match self {
            // pow(1, c) is 1 for every c: the default skips the call.
            Amplitude::Decay(1.0) => 1.0,
            Amplitude::Decay(d) => Real::powf(d, cycle),
            Amplitude::Custom(f) => f(cycle),
        }
    }
}

/// Builder shared by [`KerasClr`] and [`CosineCycles`]: the Keras package's
/// `CLR` names.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClrBuilder<F> {
    /// Number of cycles in the run (the package's `cyc`).
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

    wave_setters!();

    /// Sets the amplitude policy (the package's `amplitude_fn`).
    pub fn amplitude(mut self, amplitude: Amplitude) -> Self {
        self.amplitude = amplitude;
        self
    }

    fn validate(&self) -> Result<Self, Error> {
        check::nonzero("cycles", self.cycles)?;
        check::nonzero("total_steps", self.total_steps)?;
        check_lr_range(self.lr_range)?;
        check_momentum_range(self.momentum_range)?;
        check::unit("phase_one_fraction", self.phase_one_fraction)?;
        if let Amplitude::Decay(d) = self.amplitude {
            check::positive("amplitude_decay", d)?;
            // A growing amplitude (the package allows it) must stay finite up
            // to the last cycle, or the troughs meet 0 * inf.
            let last = self.amplitude.at(self.cycles.saturating_sub(1) as f64);
            let height = (self.lr_range.1 - self.lr_range.0).to_f64().abs() * last;
            if height.is_nan() || height > check::MAX_MAGNITUDE {
                return Err(Error::Invalid {
                    param: "amplitude_decay",
                    value: Value::Float(d),
                    expected: Expected::Magnitude(check::MAX_MAGNITUDE),
                });
            }
        }
        Ok(*self)
    }

    /// Builds the Keras package's `CLR`, quirks included.
    pub fn build_keras(&self) -> Result<KerasClr<F>, Error> {
        Ok(KerasClr {
            config: self.validate()?,
        })
    }

    /// Builds [`CosineCycles`]: the package's shape with each cycle
    /// returning to `lo`.
    pub fn build_fixed(&self) -> Result<CosineCycles<F>, Error> {
        Ok(CosineCycles {
            config: self.validate()?,
        })
    }

    /// The hyper-parameters of `step`; the fall ends at 0 (the package) or
    /// at `lo` (`to_lo`).
    #[inline]
    fn hypers(&self, step: u64, to_lo: bool) -> Hypers<F> {
        let n = self.total_steps;
        let cyc = step_f64(self.cycles);
        let x = step_f64(step.min(n - 1)) / step_f64(n);
        let c = floor_non_negative(x * cyc);
        // Within a cycle the position lies in [0, 1]; past 2^53 cycles the
        // product rounds it far outside, and a rise of subnormal length
        // then turned it into an infinite angle (NaN).
        let x = ((x - c / cyc) * cyc).clamp(0.0, 1.0);
        let wave = Wave::<F>::at(x, self.phase_one_fraction);
        let (lo, hi) = self.lr_range;
        let amp = (hi - lo) * F::from_f64(self.amplitude.at(c));
        Hypers {
            lr: if wave.rise || to_lo {
                wave.times(amp) + lo
            } else {
                wave.times(amp + lo)
            },
            momentum: self.momentum_range.map(|(m1, m2)| wave.times(m2 - m1) + m1),
            weight_decay: None,
        }
    }
}

/// The Keras package's `keras_one_cycle_clr.CLR`, quirks included: within
/// each of `cycles` cycles the learning rate rises by cosine from `lo` to
/// `lo + (hi - lo) * amplitude(c)` and then falls to 0 (the package's phase
/// two ends at zero, not at `lo`). Use [`CosineCycles`] for the fixed shape.
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
pub struct KerasClr<F> {
    config: ClrBuilder<F>,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(KerasClr, ClrBuilder, build_keras);

/// The Keras package's CLR with its quirk fixed: every cycle rises by cosine
/// from `lo` to `lo + (hi - lo) * amplitude(c)` and falls back to `lo`.
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
pub struct CosineCycles<F> {
    config: ClrBuilder<F>,
}

#[cfg(feature = "serde")]
crate::written::written_as_builder!(CosineCycles, ClrBuilder, build_fixed);

impl<F: Real> KerasClr<F> {
    /// A builder with the package's defaults; finish with [`ClrBuilder::build_keras`].
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real> CosineCycles<F> {
    /// A builder with the package's defaults; finish with [`ClrBuilder::build_fixed`].
    pub fn builder(cycles: u64, lr_range: (F, F), total_steps: u64) -> ClrBuilder<F> {
        ClrBuilder::new(cycles, lr_range, total_steps)
    }
}

impl<F: Real> HyperSchedule<F> for KerasClr<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        self.config.hypers(step, false)
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
}

impl<F: Real> HyperSchedule<F> for CosineCycles<F> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        self.config.hypers(step, true)
    }
    fn total_steps(&self) -> Option<u64> {
        Some(self.config.total_steps)
    }
    fn has_momentum(&self) -> bool {
        self.config.momentum_range.is_some()
    }
}
