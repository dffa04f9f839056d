//! [`Scheduled`]: burn's `ModuleOptimizer` over this crate's update rules,
//! with hyper-parameters per parameter group that may be set before every
//! step, and its [`ScheduledOptimizer`] implementation.

use std::fmt;

use burn::lr_scheduler::module_lr_scheduler::{ModuleLearningRate, ModuleLrScheduler};
use burn::module::{Module, ParamGroup};
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use clr_core::Hypers;
use clr_core::ScheduledOptimizer;

use crate::adamw::AdamWParams;
use crate::error::Error;
use crate::marker::Burn;
use crate::params::{Params, Shared};
use clr_train::SgdParams;

/// SGD with momentum, dampening, Nesterov momentum and weight decay in
/// PyTorch's semantics, every one of them settable before every step.
pub type MomentumSgd = Scheduled<SgdParams>;

/// AdamW in PyTorch's semantics, with its learning rate, beta1 and weight
/// decay settable before every step.
pub type ScheduledAdamW = Scheduled<AdamWParams>;

/// An optimizer of a burn module whose parameter groups each have
/// hyper-parameters `P` ([`SgdParams`], [`AdamWParams`]) that may change
/// before every step: burn's own `ModuleOptimizer` (its per-parameter
/// states, records and group matching) over update rules that read them.
///
/// Group 0 holds every parameter; [`with_group`](Self::with_group) adds
/// groups by burn's [`ParamGroup`] (the last group a parameter matches
/// decides, as in burn). Each group's learning rate goes to burn as a
/// per-group learning rate.
///
/// It is not `Clone`: a copy would share the original's hyper-parameters.
/// [`snapshot`](Self::snapshot) and [`restore`](Self::restore) copy and put
/// back its whole state.
pub struct Scheduled<P: Params> {
    pub(crate) inner: ModuleOptimizer,
    pub(crate) groups: Vec<Group<P>>,
}

pub(crate) struct Group<P> {
    /// `None` for group 0, every parameter.
    matcher: Option<ParamGroup>,
    pub(crate) shared: Shared<P>,
}

impl<P: Params> Scheduled<P> {
    /// An optimizer of every parameter with `params` (checked).
    pub fn new(params: P) -> Result<Self, Error> {
        params.validate(0)?;
        let shared = Shared::new(params);
        Ok(Scheduled {
            inner: ModuleOptimizer::from(P::rule(&shared)),
            groups: vec![Group {
                matcher: None,
                shared,
            }],
        })
    }

    /// Adds a group of the parameters matching `group`, with `params`
    /// (checked): group number [`groups()`](ScheduledOptimizer::groups)
    /// before the call. Add groups before the first step: burn forgets the
    /// state of the parameters a new group takes.
    pub fn with_group(mut self, group: ParamGroup, params: P) -> Result<Self, Error> {
        params.validate(self.groups.len())?;
        let shared = Shared::new(params);
        self.inner = self.inner.with_group(group.clone(), P::rule(&shared), None);
        self.groups.push(Group {
            matcher: Some(group),
            shared,
        });
        Ok(self)
    }

    /// Group `group`'s hyper-parameters.
    pub fn params(&self, group: usize) -> Result<P, Error> {
        Ok(self.group(group)?.shared.get())
    }

    /// Replaces group `group`'s hyper-parameters (checked first; on error
    /// nothing changes).
    pub fn set_params(&mut self, group: usize, params: P) -> Result<(), Error> {
        let cell = &self.group(group)?.shared;
        params.validate(group)?;
        cell.set(params);
        Ok(())
    }

    /// One update of `module` with `grads`, each group with its
    /// hyper-parameters: burn's `ModuleOptimizer::step`, which wants the
    /// module's parameters on an autodiff device, as in training.
    pub fn step<M: Module>(&mut self, module: M, grads: GradientsParams) -> M {
        let lr = self.learning_rates();
        self.inner.step(lr, module, grads)
    }

    /// The groups' learning rates as burn takes them.
    pub fn learning_rates(&self) -> ModuleLearningRate {
        let base = self.groups[0].shared.get().lr();
        let mut scheduler = ModuleLrScheduler::new(base);
        for g in &self.groups[1..] {
            if let Some(matcher) = &g.matcher {
                scheduler = scheduler.with_group(matcher.clone(), g.shared.get().lr());
            }
        }
        scheduler.step()
    }

    /// burn's record of the per-parameter states (momentum buffers,
    /// moments and step counts; not the hyper-parameters, which a schedule
    /// sets again before the next step).
    pub fn to_record(&self) -> OptimizerRecord {
        self.inner.to_record()
    }

    /// Loads per-parameter states from `record`, as burn's
    /// `ModuleOptimizer::load_record` does (a parameter whose state the
    /// record lacks starts afresh).
    pub fn load_record(&mut self, record: OptimizerRecord) {
        self.inner = self.inner.clone().load_record(record);
    }

    /// Loads per-parameter states from `record` unless it holds state this
    /// optimizer cannot read (another optimizer's: burn would drop it and
    /// start those parameters afresh), which is an
    /// [`AdapterError::StateMismatch`](clr_train::AdapterError::StateMismatch)
    /// and changes nothing.
    pub fn try_load_record(&mut self, record: OptimizerRecord) -> Result<(), Error> {
        let tensors = record.len();
        let loaded = self.inner.clone().load_record(record);
        if loaded.to_record().len() != tensors {
            return Err(clr_train::AdapterError::StateMismatch {
                optimizer: P::OPTIMIZER,
                reason: "the record holds state it cannot read (another optimizer's)",
            }
            .into());
        }
        self.inner = loaded;
        Ok(())
    }

    fn group(&self, group: usize) -> Result<&Group<P>, Error> {
        self.groups.get(group).ok_or(Error::NoSuchGroup {
            optimizer: P::OPTIMIZER,
            group,
            groups: self.groups.len(),
        })
    }
}

impl<P: Params> ScheduledOptimizer<f64, Burn> for Scheduled<P> {
    type Error = Error;

    fn name(&self) -> &'static str {
        P::OPTIMIZER
    }

    fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Sets the learning rate, and the momentum (beta1 for AdamW) and
    /// weight decay where they are `Some`; all checked first.
    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        let params = self.params(group)?.with_hypers(h);
        self.set_params(group, params)
    }

    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        Ok(self.params(group)?.hypers())
    }
}

impl<P: Params> fmt::Debug for Scheduled<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<P> = self.groups.iter().map(|g| g.shared.get()).collect();
        f.debug_struct(P::OPTIMIZER)
            .field("groups", &params)
            .finish_non_exhaustive()
    }
}
