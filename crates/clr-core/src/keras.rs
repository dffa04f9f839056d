//! The Keras package `keras_one_cycle_clr` (psklight): its `OneCycle` and
//! `CLR` callbacks, one file each, on its shared half-waves
//! ([`wave`](self::wave)), quirks included; and its `CLR` with its quirk
//! fixed ([`CosineCycles`]).

/// The Keras package's shared setters, for a builder with
/// `momentum_range: Option<(F, F)>` and `phase_one_fraction: f64` fields.
macro_rules! wave_setters {
    () => {
        /// Cycles momentum `m1 → m2 → m1` (in every cycle), any finite
        /// values `>= 0`: the momentum at the start first, as in every
        /// preset (`OneCycleLr::momentum_range`, `FitOneCycle::moms`).
        pub fn momentum_range(mut self, m1: F, m2: F) -> Self {
            self.momentum_range = Some((m1, m2));
            self
        }

        /// Sets `phase_one_fraction` (the rise's share of a cycle), in `[0, 1]`.
        pub fn phase_one_fraction(mut self, fraction: f64) -> Self {
            self.phase_one_fraction = fraction;
            self
        }
    };
}

mod clr;
mod one_cycle;
mod wave;

pub use clr::{Amplitude, ClrBuilder, CosineCycles, KerasClr};
pub use one_cycle::{KerasOneCycle, KerasOneCycleBuilder};
