//! [`ScheduledOptimizer`] (the core's trait) and [`TchStep`]: what a
//! schedule's hyper-parameters are applied to and what steps, and
//! [`TchOptimizer`], libtorch's SGD, Adam, AdamW and RMSprop with every
//! hyper-parameter settable per parameter group without a panic.
//!
//! | optimizer | `lr` | `momentum` | `weight_decay` |
//! |---|---|---|---|
//! | [`nn::Sgd`](tch::nn::Sgd) | per group | per group (`momentum`, any finite `>= 0`) | per group (L2) |
//! | [`nn::Adam`](tch::nn::Adam) | per group | all groups at once (`beta1`, in `[0, 1)`) | per group (L2) |
//! | [`nn::AdamW`](tch::nn::AdamW) | per group | all groups at once (`beta1`, in `[0, 1)`) | per group (decoupled) |
//! | [`nn::RmsProp`](tch::nn::RmsProp) | per group | all groups at once (`momentum`, any finite `>= 0`) | per group (L2) |
//!
//! The momentum ranges are PyTorch's optimizers' own. A value out of range
//! is an [`AdapterError::Invalid`] naming the optimizer, the parameter group
//! (`None` for a configuration) and the value.
//!
//! # Why a wrapper
//! tch's [`nn::Optimizer`](tch::nn::Optimizer) neither says which optimizer it is nor how many
//! parameter groups it has, and its setters `unwrap` libtorch's errors: a
//! group index past the last panics, and `set_momentum_group` panics for
//! Adam and AdamW (tch 0.26 — and for RMSprop too: libtorch's
//! `ato_set_momentum_group` sets the value, then throws "unexpected
//! optimizer" for every optimizer but SGD). [`TchOptimizer`] is built on the
//! same libtorch optimizer ([`tch::COptimizer`], whose calls return errors),
//! knows its kind and groups, checks every value and index before calling
//! libtorch, and never calls `set_momentum_group` but for SGD: for the Adam
//! family and RMSprop it sets the momentum of all groups at once. Since a
//! schedule scales only the learning rate per group, every group gets the
//! same momentum from [`ScheduledOptimizer::apply_all`] anyway; [`ScheduledOptimizer::apply`]
//! asking one of several groups for a different value is an
//! [`Error::SharedMomentum`].
//!
//! It also remembers what each group holds (libtorch cannot be asked), so
//! [`ScheduledOptimizer::current`] answers and unchanged values are not
//! set again.
//!
//! ```
//! use clr_core::Hypers;
//! use clr_tch::{AdapterError, Error, ScheduledOptimizer, TchOptimizer};
//! use tch::nn::{self, VarStore};
//! use tch::Device;
//!
//! let vs = VarStore::new(Device::Cpu);
//! let _body = vs.root().set_group(0).zeros("body", &[4]);
//! let _head = vs.root().set_group(1).zeros("head", &[2]);
//! let mut adam = TchOptimizer::new(&vs, nn::Adam::default(), 1e-3)?;
//! assert_eq!(adam.groups(), 2);
//!
//! // Discriminative learning rates: the body at a tenth of the head's.
//! let h = Hypers { lr: 0.01, momentum: Some(0.85), weight_decay: Some(1e-4) };
//! adam.apply_all(&h, &[0.1, 1.0])?;
//! assert_eq!(adam.lr(0)?, 0.01 * 0.1);
//! assert_eq!(adam.current(1)?, h);
//!
//! // What tch would panic on is an error here.
//! assert!(matches!(adam.apply(2, &h), Err(Error::Adapter(AdapterError::NoSuchGroup { group: 2, groups: 2 }))));
//! let beta1_alone = Hypers { momentum: Some(0.9), ..h };
//! assert!(matches!(adam.apply(1, &beta1_alone), Err(Error::SharedMomentum { .. })));
//! let bad = Hypers { momentum: Some(1.0), ..h };
//! assert!(matches!(adam.apply_all(&bad, &[]), Err(Error::Adapter(AdapterError::Invalid { param: "beta1", .. }))));
//! assert_eq!(adam.current(0)?.momentum, Some(0.85)); // unchanged
//! # Ok::<(), clr_tch::Error>(())
//! ```

use std::fmt;
use std::sync::{Arc, Mutex};

use clr_core::{check_factors, Hypers, ScheduledOptimizer};
use clr_train::AdapterError;
use tch::nn::{VarStore, Variables};
use tch::{COptimizer, Tensor};

use crate::error::Error;
use crate::spec::{OptimizerKind, OptimizerSpec};

/// The marker naming this adapter: [`Fit`](crate::Fit) is
/// `clr_train::Fit<Tch, …>` and [`RangeTestRunner`](crate::RangeTestRunner)
/// `clr_train::RangeTestRunner<Tch, …>`; it implements `clr-train`'s
/// [`Adapter`](clr_train::Adapter) traits, which tell the shared builders
/// how libtorch trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tch;

/// A [`ScheduledOptimizer`] that libtorch can step: what [`Fit`](crate::Fit)
/// and [`RangeTestRunner`](crate::RangeTestRunner) drive.
///
/// Implemented by [`TchOptimizer`]; implement it (and the core's
/// `ScheduledOptimizer<f64>`, with `Error = clr_tch::Error`) for a
/// hand-written optimizer.
///
/// Its state goes into [`Fit`](crate::Fit)'s checkpoints as named tensors
/// ([`state_tensors`](Self::state_tensors)); the defaults say it cannot be
/// read ([`AdapterError::StateUnreadable`]).
pub trait TchStep: ScheduledOptimizer<f64, Error = Error> {
    /// Clears the gradients of every parameter it updates.
    fn zero_grad(&mut self) -> Result<(), Error>;

    /// One update with the gradients the parameters hold (from
    /// `loss.backward()`).
    fn optimizer_step(&mut self) -> Result<(), Error>;

    /// What it keeps between steps, as tensors named after the variables of
    /// `vs` they belong to.
    fn state_tensors(&self, _vs: &VarStore) -> Result<Vec<(String, Tensor)>, Error> {
        Err(unreadable(self.name()))
    }

    /// Puts back what [`state_tensors`](Self::state_tensors) gave.
    fn load_state_tensors(
        &mut self,
        _vs: &VarStore,
        _tensors: Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        Err(unreadable(self.name()))
    }

    /// Refuses an optimizer whose [`state_tensors`](Self::state_tensors)
    /// will fail once it steps with `first` (see `clr-train`'s
    /// `Backprop::check_saveable`); by default, when they fail now.
    fn check_saveable(&self, vs: &VarStore, _first: &Hypers<f64>) -> Result<(), Error> {
        self.state_tensors(vs).map(drop)
    }
}

/// The error of an optimizer whose state cannot be read.
fn unreadable(optimizer: &'static str) -> Error {
    Error::from(AdapterError::StateUnreadable {
        optimizer,
        reason: "libtorch keeps its moments and momentum buffers where tch cannot read \
                 them, so a run resumed from a checkpoint would start them afresh; \
                 checkpoint plain SGD (no momentum), or save the weights alone \
                 (VarStore::save)",
    })
}

impl<O: TchStep + ?Sized> TchStep for &mut O {
    fn zero_grad(&mut self) -> Result<(), Error> {
        (**self).zero_grad()
    }
    fn optimizer_step(&mut self) -> Result<(), Error> {
        (**self).optimizer_step()
    }
    fn state_tensors(&self, vs: &VarStore) -> Result<Vec<(String, Tensor)>, Error> {
        (**self).state_tensors(vs)
    }
    fn load_state_tensors(
        &mut self,
        vs: &VarStore,
        tensors: Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        (**self).load_state_tensors(vs, tensors)
    }
    fn check_saveable(&self, vs: &VarStore, first: &Hypers<f64>) -> Result<(), Error> {
        (**self).check_saveable(vs, first)
    }
}

/// A libtorch optimizer (SGD, Adam, AdamW or RMSprop) over the trainable
/// variables of a [`VarStore`], one parameter group per variable group
/// (`vs.root().set_group(i)`), whose learning rate, momentum (beta1) and
/// weight decay a schedule sets per group; see the [module docs](self).
///
/// It does what tch's [`nn::Optimizer`](tch::nn::Optimizer) does — variables added to the
/// `VarStore` later join it at the next call — with checks instead of
/// panics. tch cannot save an optimizer's moments; [`rebuild`](Self::rebuild)
/// builds it afresh from its configuration instead.
pub struct TchOptimizer {
    opt: COptimizer,
    spec: OptimizerSpec,
    lr: f64,
    variables: Arc<Mutex<Variables>>,
    /// Trainable variables already given to libtorch.
    added: usize,
    /// What each of libtorch's parameter groups holds.
    groups: Vec<Hypers<f64>>,
    /// What libtorch gives a group created later (its `defaults()`).
    defaults: Hypers<f64>,
    /// Scratch for all-or-nothing updates (no allocation per step).
    before: Vec<Hypers<f64>>,
    /// Whether libtorch may hold state between steps (moments, momentum
    /// buffers): set by a step of any kind but SGD, or of SGD with a
    /// momentum; cleared by [`rebuild`](Self::rebuild).
    stateful: bool,
}

impl fmt::Debug for TchOptimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TchOptimizer")
            .field("spec", &self.spec)
            .field("lr", &self.lr)
            .field("groups", &self.groups)
            .field("defaults", &self.defaults)
            .finish_non_exhaustive()
    }
}

impl TchOptimizer {
    /// An optimizer of configuration `spec` (`nn::Sgd`, `nn::Adam`,
    /// `nn::AdamW`, `nn::RmsProp`) at learning rate `lr` over the trainable
    /// variables of `vs`, as `spec.build(&vs, lr)` would make it. Every value
    /// is checked first.
    pub fn new(vs: &VarStore, spec: impl Into<OptimizerSpec>, lr: f64) -> Result<Self, Error> {
        let spec = spec.into();
        let opt = spec.build(lr)?;
        let defaults = spec.hypers(lr);
        let mut optimizer = TchOptimizer {
            opt,
            spec,
            lr,
            variables: Arc::clone(&vs.variables_),
            added: 0,
            groups: Vec::new(),
            defaults,
            before: Vec::new(),
            stateful: false,
        };
        optimizer.sync()?;
        Ok(optimizer)
    }

    /// Builds the optimizer again from its configuration and learning rate:
    /// fresh moments and momentum buffers, every group back at the
    /// configured hyper-parameters. The parameters and their gradients are
    /// not touched. (tch cannot save an optimizer's state; this is what the
    /// range test does instead.)
    pub fn rebuild(&mut self) -> Result<(), Error> {
        self.opt = self.spec.build(self.lr)?;
        self.defaults = self.spec.hypers(self.lr);
        self.added = 0;
        self.groups.clear();
        self.stateful = false;
        self.sync()
    }

    /// Whether libtorch may hold state between steps (moments, momentum
    /// buffers) that tch cannot read: after a step of Adam, AdamW or
    /// RMSprop, or of SGD with a momentum, until [`rebuild`](Self::rebuild).
    pub fn has_state(&self) -> bool {
        self.stateful
    }

    /// Whether a step with `groups`' hyper-parameters leaves libtorch with
    /// state: any step of Adam, AdamW or RMSprop, one of SGD with a momentum.
    fn steps_into_state<'a>(&self, mut groups: impl Iterator<Item = &'a Hypers<f64>>) -> bool {
        self.kind() != OptimizerKind::Sgd || groups.any(|h| h.momentum.is_some_and(|m| m != 0.0))
    }

    /// The configuration it was built from.
    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// Which optimizer it is.
    pub fn kind(&self) -> OptimizerKind {
        self.spec.kind()
    }

    /// The learning rate it was built with.
    pub fn initial_lr(&self) -> f64 {
        self.lr
    }

    /// Clears the gradients, back-propagates `loss` and steps: tch's
    /// `backward_step`, with errors instead of panics.
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<(), Error> {
        self.zero_grad()?;
        loss.f_backward()?;
        self.optimizer_step()
    }

    /// The hyper-parameters a group created later starts with.
    pub(crate) fn defaults(&self) -> Hypers<f64> {
        self.defaults
    }

    /// The hyper-parameters of every group libtorch has.
    pub(crate) fn group_hypers(&self) -> &[Hypers<f64>] {
        &self.groups
    }

    /// Gives libtorch the trainable variables added to the `VarStore` since
    /// the last call (creating their groups), as tch does before a step.
    fn sync(&mut self) -> Result<(), Error> {
        let variables = self.variables.lock().map_err(|_| Error::Poisoned)?;
        let all = &variables.trainable_variables;
        if all.len() > self.added {
            for var in &all[self.added..] {
                self.opt.add_parameters(&var.tensor, var.group)?;
                if var.group >= self.groups.len() {
                    self.groups.resize(var.group + 1, self.defaults);
                }
                self.added += 1;
            }
        }
        Ok(())
    }

    /// Groups of variables added to the `VarStore` but not yet given to
    /// libtorch (they join at the next `&mut` call).
    fn pending_groups(&self) -> usize {
        match self.variables.lock() {
            Ok(v) => v
                .trainable_variables
                .get(self.added..)
                .into_iter()
                .flatten()
                .map(|var| var.group + 1)
                .max()
                .unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// Checks `h` against this optimizer's ranges; an error names `group`.
    fn check(&self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        let kind = self.kind();
        let in_group = |e: AdapterError| Error::from(e.in_group(group));
        AdapterError::non_negative(kind.name(), "lr", h.lr).map_err(in_group)?;
        if let Some(m) = h.momentum {
            kind.check_momentum(m).map_err(in_group)?;
        }
        if let Some(wd) = h.weight_decay {
            AdapterError::non_negative(kind.name(), "weight_decay", wd).map_err(in_group)?;
        }
        Ok(())
    }

    /// Sets the momentum of every group (and of the defaults) at once: the
    /// only momentum setter tch has that works for the Adam family and
    /// RMSprop.
    fn write_shared_momentum(&mut self, m: f64) -> Result<(), Error> {
        let unchanged =
            self.defaults.momentum == Some(m) && self.groups.iter().all(|g| g.momentum == Some(m));
        if !unchanged {
            self.opt.set_momentum(m)?;
            self.defaults.momentum = Some(m);
            for g in &mut self.groups {
                g.momentum = Some(m);
            }
        }
        Ok(())
    }

    /// Writes `new` into `group` (already checked), calling libtorch only
    /// for what changed; a shared momentum is not written here.
    fn write_group(&mut self, group: usize, new: &Hypers<f64>) -> Result<(), Error> {
        let shared = self.kind().momentum_is_shared();
        let Some(old) = self.groups.get_mut(group) else {
            return Err(Error::from(AdapterError::NoSuchGroup {
                group,
                groups: self.groups.len(),
            }));
        };
        if old.lr.to_bits() != new.lr.to_bits() {
            self.opt.set_learning_rate_group(group, new.lr)?;
            old.lr = new.lr;
        }
        if let (Some(m), false) = (new.momentum, shared) {
            if old.momentum != Some(m) {
                // SGD only: tch's set_momentum_group throws for every other kind.
                self.opt.set_momentum_group(group, m)?;
                old.momentum = Some(m);
            }
        }
        if let Some(wd) = new.weight_decay {
            if old.weight_decay != Some(wd) {
                self.opt.set_weight_decay_group(group, wd)?;
                old.weight_decay = Some(wd);
            }
        }
        Ok(())
    }

    /// Puts back `self.before` (best effort, after a libtorch error).
    fn roll_back(&mut self) {
        let before = std::mem::take(&mut self.before);
        if let (true, Some(m)) = (
            self.kind().momentum_is_shared(),
            before.first().and_then(|h| h.momentum),
        ) {
            let _ = self.write_shared_momentum(m);
        }
        for (group, old) in before.iter().enumerate() {
            let _ = self.write_group(group, old);
        }
        self.before = before;
    }

    /// Puts back hyper-parameters saved with `group_hypers` and `defaults`.
    pub(crate) fn restore_hypers(
        &mut self,
        groups: &[Hypers<f64>],
        defaults: Hypers<f64>,
    ) -> Result<(), Error> {
        if groups.len() > self.groups.len() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: self.name(),
                reason: "it has more parameter groups than this optimizer",
            }));
        }
        if let (true, Some(m)) = (self.kind().momentum_is_shared(), defaults.momentum) {
            self.write_shared_momentum(m)?;
        }
        for (group, h) in groups.iter().enumerate() {
            self.write_group(group, h)?;
        }
        Ok(())
    }
}

impl ScheduledOptimizer<f64> for TchOptimizer {
    type Error = Error;

    fn name(&self) -> &'static str {
        self.kind().name()
    }

    fn groups(&self) -> usize {
        self.groups.len().max(self.pending_groups())
    }

    fn apply(&mut self, group: usize, h: &Hypers<f64>) -> Result<(), Error> {
        self.sync()?;
        let groups = self.groups.len();
        if group >= groups {
            return Err(Error::from(AdapterError::NoSuchGroup { group, groups }));
        }
        self.check(group, h)?;
        let shared = self.kind().momentum_is_shared();
        if let (Some(m), true) = (h.momentum, shared) {
            let other = self
                .groups
                .iter()
                .enumerate()
                .find(|&(g, o)| g != group && o.momentum != Some(m));
            if let Some((_, o)) = other {
                return Err(Error::SharedMomentum {
                    optimizer: self.name(),
                    group,
                    value: m,
                    others: o.momentum.unwrap_or(f64::NAN),
                });
            }
        }
        self.before.clear();
        self.before.extend_from_slice(&self.groups);
        let result = match (h.momentum, shared) {
            (Some(m), true) => self.write_shared_momentum(m),
            _ => Ok(()),
        }
        .and_then(|()| self.write_group(group, h));
        if result.is_err() {
            self.roll_back();
        }
        result
    }

    fn current(&self, group: usize) -> Result<Hypers<f64>, Error> {
        match self.groups.get(group) {
            Some(h) => Ok(*h),
            // A group of variables added since the last call: it will get
            // libtorch's defaults.
            None if group < self.groups() => Ok(self.defaults),
            None => Err(Error::from(AdapterError::NoSuchGroup {
                group,
                groups: self.groups(),
            })),
        }
    }

    /// One libtorch call per hyper-parameter that changed (per group; once
    /// for a shared momentum), after every value and factor is checked.
    fn apply_all(&mut self, h: &Hypers<f64>, lr_factors: &[f64]) -> Result<(), Error> {
        self.sync()?;
        let groups = self.groups.len();
        check_factors(groups, lr_factors)?;
        // Every value before any is set: the same for all groups but the
        // scaled lr, so an error names the first group it would reach.
        self.check(0, h)?;
        for (group, &factor) in lr_factors.iter().enumerate() {
            AdapterError::non_negative(self.name(), "lr", h.lr * factor)
                .map_err(|e| e.in_group(group))?;
        }
        self.before.clear();
        self.before.extend_from_slice(&self.groups);
        let shared = self.kind().momentum_is_shared();
        let mut result = match (h.momentum, shared) {
            (Some(m), true) => self.write_shared_momentum(m),
            _ => Ok(()),
        };
        for group in 0..groups {
            if result.is_err() {
                break;
            }
            let scaled = match lr_factors.get(group) {
                Some(&factor) => h.scale_lr(factor),
                None => *h,
            };
            result = self.write_group(group, &scaled);
        }
        if result.is_err() {
            self.roll_back();
        }
        result
    }
}

impl TchStep for TchOptimizer {
    fn zero_grad(&mut self) -> Result<(), Error> {
        self.sync()?;
        Ok(self.opt.zero_grad()?)
    }

    fn optimizer_step(&mut self) -> Result<(), Error> {
        self.sync()?;
        self.opt.step()?;
        self.stateful |= self.steps_into_state(self.groups.iter());
        Ok(())
    }

    /// Nothing while [`has_state`](TchOptimizer::has_state) is false (plain
    /// SGD, or a fresh optimizer); an [`AdapterError::StateUnreadable`]
    /// once libtorch holds state tch cannot read.
    fn state_tensors(&self, _vs: &VarStore) -> Result<Vec<(String, Tensor)>, Error> {
        if self.stateful {
            return Err(unreadable(self.name()));
        }
        Ok(Vec::new())
    }

    /// The empty state: an optimizer that has state is built afresh
    /// ([`rebuild`](TchOptimizer::rebuild)), as the saved one was.
    fn load_state_tensors(
        &mut self,
        _vs: &VarStore,
        tensors: Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        if !tensors.is_empty() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: self.name(),
                reason: "the file holds state, which a libtorch optimizer cannot take",
            }));
        }
        if self.stateful {
            self.rebuild()?;
        }
        Ok(())
    }

    /// Refuses Adam, AdamW and RMSprop, and SGD that will step with a
    /// momentum (`first`'s, or its groups' when `first` has none), since
    /// libtorch then keeps state tch cannot read.
    fn check_saveable(&self, _vs: &VarStore, first: &Hypers<f64>) -> Result<(), Error> {
        let steps_into_state = match first.momentum {
            Some(_) => self.steps_into_state(std::iter::once(first)),
            None => self.steps_into_state(std::iter::once(&self.defaults).chain(&self.groups)),
        };
        if self.stateful || steps_into_state {
            return Err(unreadable(self.name()));
        }
        Ok(())
    }
}
