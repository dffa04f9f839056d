//! PyTorch 2.13's `torch.optim.lr_scheduler` schedules, one file each: the
//! value at step `k` is what the optimizer holds after `step()` was called
//! `k` times.

/// PyTorch's momentum setters (`cycle_momentum`, `base_momentum`,
/// `max_momentum`), for a builder with a `momentum: Option<(F, F)>` field.
macro_rules! momentum_setters {
    () => {
        /// Cycles momentum between `base_momentum` (at the peak lr) and
        /// `max_momentum`, any finite values `>= 0`.
        pub fn momentum(mut self, base_momentum: F, max_momentum: F) -> Self {
            self.momentum = Some((base_momentum, max_momentum));
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
