//! [`ScheduledOptimizer`]: an optimizer whose hyper-parameters a schedule
//! sets before every step. Each framework adapter implements it for its
//! optimizers (as burn's backend crates implement burn's traits); the
//! training loops of `clr-train` only see this trait.
//!
//! ```
//! use clr_core::{Error, HyperSchedule, Hypers, KerasOneCycle, ScheduledOptimizer};
//!
//! /// Plain SGD on one number.
//! struct Sgd { lr: f64 }
//!
//! impl ScheduledOptimizer<f64> for Sgd {
//!     type Error = Error;
//!     fn name(&self) -> &'static str { "Sgd" }
//!     fn apply(&mut self, _group: usize, h: &Hypers<f64>) -> Result<(), Error> {
//!         self.lr = h.lr;
//!         Ok(())
//!     }
//!     fn current(&self, _group: usize) -> Result<Hypers<f64>, Error> {
//!         Ok(Hypers { lr: self.lr, momentum: None, weight_decay: None })
//!     }
//! }
//!
//! let schedule = KerasOneCycle::builder((0.05, 0.4), 100).build()?;
//! let mut sgd = Sgd { lr: 0.0 };
//! sgd.apply_all(&schedule.hypers(0), &[])?;
//! assert_eq!(sgd.lr(0)?, schedule.hypers(0).lr);
//! # Ok::<(), clr_core::Error>(())
//! ```

use alloc::vec::Vec;

use crate::error::{check, Error, Expected, Value};
use crate::hyper::Hypers;
use crate::real::Real;

/// An optimizer whose hyper-parameters a schedule sets before every step.
///
/// `B` names the adapter (a marker type of its own, `()` by default). It is
/// there for Rust's coherence rules: an adapter may implement
/// `ScheduledOptimizer<f64, Marker>` for its framework's own optimizer
/// types (candle-nn's `AdamW`, say), which it could not do for
/// `ScheduledOptimizer<f64>`, neither the trait nor the type being its own.
pub trait ScheduledOptimizer<F: Real, B = ()> {
    /// The adapter's error; it must carry this crate's [`Error`].
    type Error: From<Error>;

    /// The optimizer's name, for messages (`candle_nn::AdamW`).
    fn name(&self) -> &'static str;

    /// How many parameter groups it has, each with its own hyper-parameters.
    fn groups(&self) -> usize {
        1
    }

    /// Sets group `group`'s hyper-parameters for the next step: `h.lr`
    /// always, `h.momentum` and `h.weight_decay` when `Some` (`None` leaves
    /// the optimizer's own). A value the optimizer has no slot for is an
    /// error, not a silent no-op. All or nothing: on error nothing changed.
    fn apply(&mut self, group: usize, h: &Hypers<F>) -> Result<(), Self::Error>;

    /// Group `group`'s hyper-parameters as the optimizer holds them;
    /// `momentum` / `weight_decay` are `None` where it has no such slot.
    fn current(&self, group: usize) -> Result<Hypers<F>, Self::Error>;

    /// Group `group`'s learning rate.
    fn lr(&self, group: usize) -> Result<F, Self::Error> {
        Ok(self.current(group)?.lr)
    }

    /// Sets `h` on every group, group `i`'s learning rate times
    /// `lr_factors[i]` (discriminative learning rates, see
    /// [`even_mults`](crate::even_mults)); an empty `lr_factors` means 1 for
    /// every group, otherwise it needs one finite factor `>= 0` per group
    /// ([`check_factors`]). All or nothing: when a group refuses its values,
    /// the groups already set are put back.
    ///
    /// The default calls [`apply`](Self::apply) group by group; override it
    /// when the framework sets some values for all groups at once.
    fn apply_all(&mut self, h: &Hypers<F>, lr_factors: &[F]) -> Result<(), Self::Error> {
        let groups = self.groups();
        check_factors(groups, lr_factors)?;
        let before = (0..groups)
            .map(|group| self.current(group))
            .collect::<Result<Vec<_>, _>>()?;
        for group in 0..groups {
            let factor = lr_factors.get(group).copied().unwrap_or(F::one());
            if let Err(e) = self.apply(group, &h.scale_lr(factor)) {
                // Best effort: a group that refused its new values takes its old ones.
                for (g, old) in before.iter().enumerate().take(group) {
                    let _ = self.apply(g, old);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

impl<F: Real, B, O: ScheduledOptimizer<F, B> + ?Sized> ScheduledOptimizer<F, B> for &mut O {
    type Error = O::Error;
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn groups(&self) -> usize {
        (**self).groups()
    }
    fn apply(&mut self, group: usize, h: &Hypers<F>) -> Result<(), Self::Error> {
        (**self).apply(group, h)
    }
    fn current(&self, group: usize) -> Result<Hypers<F>, Self::Error> {
        (**self).current(group)
    }
    fn lr(&self, group: usize) -> Result<F, Self::Error> {
        (**self).lr(group)
    }
    fn apply_all(&mut self, h: &Hypers<F>, lr_factors: &[F]) -> Result<(), Self::Error> {
        (**self).apply_all(h, lr_factors)
    }
}

/// Checks per-group learning-rate factors against `groups`: empty (all 1),
/// or one finite factor `>= 0` per group. Otherwise an [`Error::Invalid`]
/// for `lr_factors`, expecting [`Expected::Count`] or
/// [`Expected::NonNegative`].
pub fn check_factors<F: Real>(groups: usize, lr_factors: &[F]) -> Result<(), Error> {
    if !lr_factors.is_empty() && lr_factors.len() != groups {
        return Err(Error::Invalid {
            param: "lr_factors",
            value: Value::Int(lr_factors.len() as u64),
            expected: Expected::Count(groups as u64),
        });
    }
    for &factor in lr_factors {
        check::non_negative("lr_factors", factor.to_f64())?;
    }
    Ok(())
}
