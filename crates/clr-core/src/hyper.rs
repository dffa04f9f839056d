//! Hyper-parameter bundles: learning rate, momentum (or Adam's beta1) and
//! weight decay for one step, and per-parameter-group scale factors.

use crate::error::{check, Error};
use crate::real::Real;
use crate::schedule::Schedule;

/// The hyper-parameters an optimizer should hold for one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Hypers<F> {
    /// Learning rate.
    pub lr: F,
    /// Momentum for SGD/RMSprop, beta1 for the Adam family; `None` = leave as is.
    pub momentum: Option<F>,
    /// Weight decay; `None` = leave as is.
    pub weight_decay: Option<F>,
}

impl<F: Real> Hypers<F> {
    /// The same values with the learning rate multiplied by `factor`: the
    /// values of one parameter group under discriminative learning rates.
    #[inline]
    pub fn scale_lr(self, factor: F) -> Self {
        Hypers {
            lr: self.lr * factor,
            ..self
        }
    }
}

/// A schedule of a whole hyper-parameter bundle: `hypers = schedule.hypers(step)`.
///
/// Whether momentum and weight decay are scheduled is fixed per schedule:
/// `hypers(step).momentum.is_some() == has_momentum()` for every step.
pub trait HyperSchedule<F: Real> {
    /// The hyper-parameters for the optimizer's `step`-th update.
    fn hypers(&self, step: u64) -> Hypers<F>;

    /// `Some(n)` for one pass of `n` steps, `None` when unbounded.
    fn total_steps(&self) -> Option<u64>;

    /// Whether `hypers(step).momentum` is `Some`.
    fn has_momentum(&self) -> bool;

    /// Whether `hypers(step).weight_decay` is `Some`.
    fn has_weight_decay(&self) -> bool {
        false
    }

    /// Writes `hypers(first_step + i)` into `out[i]` for every `i` (steps
    /// saturate at `u64::MAX`, as in [`Schedule::fill`]).
    ///
    /// Implementations may override it; the values must stay those of
    /// [`HyperSchedule::hypers`].
    fn fill_hypers(&self, out: &mut [Hypers<F>], first_step: u64) {
        let mut step = first_step;
        for h in out.iter_mut() {
            *h = self.hypers(step);
            step = step.saturating_add(1);
        }
    }

    /// The learning-rate component as a [`Schedule`].
    fn lr(&self) -> Lr<&Self>
    where
        Self: Sized,
    {
        Lr(self)
    }

    /// The momentum component as a [`Schedule`], when it is scheduled.
    fn momentum(&self) -> Option<Momentum<&Self>>
    where
        Self: Sized,
    {
        self.has_momentum().then_some(Momentum(self))
    }

    /// Adds a weight-decay schedule to this bundle.
    fn with_weight_decay<W: Schedule<F>>(self, weight_decay: W) -> WithWeightDecay<Self, W>
    where
        Self: Sized,
    {
        WithWeightDecay {
            inner: self,
            weight_decay,
        }
    }
}

impl<F: Real, S: HyperSchedule<F> + ?Sized> HyperSchedule<F> for &S {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        (**self).hypers(step)
    }
    fn total_steps(&self) -> Option<u64> {
        (**self).total_steps()
    }
    fn has_momentum(&self) -> bool {
        (**self).has_momentum()
    }
    fn has_weight_decay(&self) -> bool {
        (**self).has_weight_decay()
    }
    fn fill_hypers(&self, out: &mut [Hypers<F>], first_step: u64) {
        (**self).fill_hypers(out, first_step)
    }
}

/// The learning rate of a [`HyperSchedule`], seen as a [`Schedule`].
#[derive(Debug, Clone, Copy)]
pub struct Lr<H>(pub H);

impl<F: Real, H: HyperSchedule<F>> Schedule<F> for Lr<H> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.0.hypers(step).lr
    }
    fn total_steps(&self) -> Option<u64> {
        self.0.total_steps()
    }
}

/// The momentum of a [`HyperSchedule`], seen as a [`Schedule`] (NaN where unscheduled).
#[derive(Debug, Clone, Copy)]
pub struct Momentum<H>(pub H);

impl<F: Real, H: HyperSchedule<F>> Schedule<F> for Momentum<H> {
    #[inline]
    fn at(&self, step: u64) -> F {
        self.0.hypers(step).momentum.unwrap_or(F::nan())
    }
    fn total_steps(&self) -> Option<u64> {
        self.0.total_steps()
    }
}

/// A bundle built from scalar schedules: a learning rate, and optionally a
/// momentum and a weight decay.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bundle<L, M> {
    lr: L,
    momentum: Option<M>,
}

impl<L> Bundle<L, L> {
    /// A bundle that schedules only the learning rate.
    pub fn lr_only(lr: L) -> Self {
        Bundle { lr, momentum: None }
    }
}

impl<L, M> Bundle<L, M> {
    /// A bundle scheduling the learning rate and the momentum.
    pub fn new(lr: L, momentum: M) -> Self {
        Bundle {
            lr,
            momentum: Some(momentum),
        }
    }
}

impl<F: Real, L: Schedule<F>, M: Schedule<F>> HyperSchedule<F> for Bundle<L, M> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        Hypers {
            lr: self.lr.at(step),
            momentum: self.momentum.as_ref().map(|m| m.at(step)),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.lr.total_steps()
    }
    fn has_momentum(&self) -> bool {
        self.momentum.is_some()
    }
}

/// A bundle with a weight-decay schedule added, from [`HyperSchedule::with_weight_decay`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WithWeightDecay<H, W> {
    inner: H,
    weight_decay: W,
}

impl<F: Real, H: HyperSchedule<F>, W: Schedule<F>> HyperSchedule<F> for WithWeightDecay<H, W> {
    #[inline]
    fn hypers(&self, step: u64) -> Hypers<F> {
        Hypers {
            weight_decay: Some(self.weight_decay.at(step)),
            ..self.inner.hypers(step)
        }
    }
    fn total_steps(&self) -> Option<u64> {
        self.inner.total_steps()
    }
    fn has_momentum(&self) -> bool {
        self.inner.has_momentum()
    }
    fn has_weight_decay(&self) -> bool {
        true
    }
}

/// fastai's `even_mults(lo, hi, n)`: `n` learning-rate factors spaced
/// geometrically from `lo` to `hi`, written into `out` (its length is `n`).
///
/// With a schedule built for `hi`, group `i` trains at `out[i] / hi` times the
/// scheduled rate: fastai's `lr_max=slice(lo, hi)`.
pub fn even_mults<F: Real>(lo: F, hi: F, out: &mut [F]) -> Result<(), Error> {
    check::positive("lo", lo.to_f64())?;
    check::positive("hi", hi.to_f64())?;
    let n = out.len();
    if let [only] = out {
        *only = hi;
        return Ok(());
    }
    let step = (hi / lo).powf(F::one() / F::from_f64(n.saturating_sub(1) as f64));
    for (i, v) in out.iter_mut().enumerate() {
        // fastai computes start * step**i; a running product would drift.
        *v = lo * step.powf(F::from_f64(i as f64));
    }
    Ok(())
}
