//! PyTorch 2.13's `torch.optim.lr_scheduler` schedules, one file each: the
//! value at step `k` is what the optimizer holds after `step()` was called
//! `k` times.

/// PyTorch's momentum setters (`cycle_momentum`, `base_momentum`,
/// `max_momentum`), for a builder with a `momentum: Option<(F, F)>` field
/// (PyTorch's `(base_momentum, max_momentum)`).
macro_rules! momentum_setters {
    () => {
        /// Cycles momentum against the learning rate: `start` where the
        /// learning rate is lowest (PyTorch's `max_momentum`), `at_peak`
        /// where it peaks (`base_momentum`); any finite values `>= 0`.
        ///
        /// The momentum at the start comes first, in every preset:
        /// `KerasOneCycle::momentum_range(0.95, 0.85)`,
        /// `FitOneCycle::moms(0.95, 0.85, 0.95)` and this
        /// `momentum_range(0.95, 0.85)` all start at 0.95.
        pub fn momentum_range(mut self, start: F, at_peak: F) -> Self {
            self.momentum = Some((at_peak, start));
            self
        }

        /// Leaves momentum alone (PyTorch's `cycle_momentum=False`).
        pub fn no_momentum(mut self) -> Self {
            self.momentum = None;
            self
        }
    };
}

mod cyclic;
mod one_cycle;
mod restarts;

pub use cyclic::{CyclicLr, CyclicLrBuilder, CyclicMode, ScaleMode};
pub use one_cycle::{AnnealStrategy, Length, OneCycleLr, OneCycleLrBuilder};
pub use restarts::{CosineRestarts, CosineRestartsBuilder};
