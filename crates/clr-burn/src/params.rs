//! [`Params`]: the hyper-parameters of one of this crate's optimizers
//! ([`SgdParams`](crate::SgdParams), [`AdamWParams`](crate::AdamWParams)),
//! and the cell a group's update rule reads them from.

use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock};

use clr_core::Hypers;

use crate::error::Error;

/// The hyper-parameters of one parameter group of a
/// [`Scheduled`](crate::Scheduled) optimizer. Implemented by
/// [`SgdParams`](crate::SgdParams) and [`AdamWParams`](crate::AdamWParams)
/// only.
pub trait Params: Copy + Debug + PartialEq + Send + Sync + 'static + sealed::Rule {
    /// The optimizer's name in messages, as `clr_burn::MomentumSgd`.
    const OPTIMIZER: &'static str;

    /// Checks every field; the error names the optimizer, `group`, the
    /// first field out of range and its value.
    fn validate(&self, group: usize) -> Result<(), Error>;

    /// The learning rate.
    fn lr(&self) -> f64;

    /// The values a schedule sets: the learning rate, the momentum (SGD's
    /// momentum, AdamW's beta1) and the weight decay.
    fn hypers(&self) -> Hypers<f64>;

    /// These parameters with `h`'s learning rate, and its momentum and
    /// weight decay where they are `Some` (not validated).
    fn with_hypers(self, h: &Hypers<f64>) -> Self;
}

/// A group's hyper-parameters, shared by the group's update rule (which
/// burn's `ModuleOptimizer` keeps behind an `Arc` and never hands back) and
/// the optimizer that sets them before every step.
#[derive(Debug)]
pub struct Shared<P>(Arc<RwLock<P>>);

impl<P: Copy> Shared<P> {
    pub(crate) fn new(params: P) -> Self {
        Shared(Arc::new(RwLock::new(params)))
    }

    /// The current values. A poisoned lock still holds whole values (they
    /// are written in one assignment), so it is read through.
    pub(crate) fn get(&self) -> P {
        *self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set(&self, params: P) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = params;
    }

    /// Whether `self` and `other` are the same cell.
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<P> Clone for Shared<P> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

pub(crate) mod sealed {
    use super::Shared;

    /// The update rule of a [`Params`](super::Params) type, as burn's
    /// `ModuleOptimizer` takes it; not for use outside this crate.
    pub trait Rule: Sized {
        /// burn's per-tensor optimizer that reads its values from a `Shared`.
        type Rule: burn::optim::Optimizer;

        /// The rule reading `shared`.
        fn rule(shared: &Shared<Self>) -> Self::Rule;
    }
}
