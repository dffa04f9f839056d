//! [`ModuleSnapshot`]: a copy of a burn module to put back bit for bit,
//! and what the adapter reads of a module's float tensors (parameters and
//! running statistics) by name.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::{Shape, Tensor, TensorReadError};

use crate::error::Error;

/// A copy of a burn module — its parameters, their ids and training
/// flags, and its buffers (batch norm's running statistics) — kept apart
/// from it: what a range test puts back after every sweep.
///
/// A burn module is a value, but not all of it: batch norm's running
/// statistics live in a cell that the module's clones share and that a
/// training forward pass updates, so a clone alone would follow the
/// training it should undo. A snapshot holds the module in validation form
/// ([`Module::valid`], which folds in a pending update and gives the copy
/// cells of its own); [`restore`](Self::restore) returns it to training
/// ([`Module::train`]) with new cells again. No tensor is copied: burn's
/// tensors are immutable values, shared until an operation replaces them.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::{BatchNorm, BatchNormConfig};
/// use burn::tensor::{Device, Tensor};
/// use clr_burn::ModuleSnapshot;
///
/// let device = Device::default().autodiff();
/// let mut norm: BatchNorm = BatchNormConfig::new(3).init(&device);
/// let snapshot = ModuleSnapshot::take(&norm);
/// // A training forward pass moves the running statistics...
/// let _ = norm.forward(Tensor::<2>::ones([4, 3], &device));
/// assert!(!snapshot.is_identical(&norm)?);
/// // ...and the snapshot puts them back.
/// norm = snapshot.restore();
/// assert!(snapshot.is_identical(&norm)?);
/// # Ok::<(), clr_burn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModuleSnapshot<M> {
    module: M,
}

impl<M: Module> ModuleSnapshot<M> {
    /// A copy of `module` as it is now.
    pub fn take(module: &M) -> Self {
        ModuleSnapshot {
            module: module.valid(),
        }
    }

    /// The module as it was, ready to train (a new value each call, with
    /// running statistics of its own).
    pub fn restore(&self) -> M {
        self.module.clone().train()
    }

    /// Whether `module` holds what the snapshot holds, bit for bit: every
    /// float tensor (parameters and running statistics) by name, with the
    /// same id, shape, type and bytes (NaNs included).
    pub fn is_identical(&self, module: &M) -> Result<bool, Error> {
        let (ours, theirs) = (floats(&self.module), floats(&module.valid()));
        if ours.len() != theirs.len() {
            return Ok(false);
        }
        for (a, b) in ours.into_iter().zip(theirs) {
            let same_slot = a.path == b.path && a.id == b.id && a.shape == b.shape;
            if !same_slot || a.values.dtype() != b.values.dtype() {
                return Ok(false);
            }
            let read = |t: Tensor<1>| t.try_into_data().map_err(TensorReadError::from);
            let (a, b) = (read(a.values)?, read(b.values)?);
            if a.as_bytes() != b.as_bytes() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// One float tensor of a module.
pub(crate) struct Float {
    /// Its path in the module, as burn's records name it (`hidden.weight`).
    pub(crate) path: String,
    pub(crate) id: ParamId,
    pub(crate) shape: Shape,
    /// Its values, flattened.
    pub(crate) values: Tensor<1>,
}

/// Every float tensor of `module` (parameters and running statistics) in
/// the order burn visits them. Read it from a module in validation form:
/// a training module's running statistics may lag one update behind.
pub(crate) fn floats<M: Module>(module: &M) -> Vec<Float> {
    let mut walk = Walk::default();
    module.visit(&mut walk);
    walk.floats
}

/// Whether every float tensor of `module` is finite.
pub(crate) fn all_finite<M: Module>(module: &M) -> Result<bool, Error> {
    for float in floats(&module.valid()) {
        if !float.values.is_finite().all().try_into_scalar::<bool>()? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The visitor behind [`floats`], keeping the path as burn's records do.
#[derive(Default)]
struct Walk {
    path: Vec<String>,
    floats: Vec<Float>,
}

impl ModuleVisitor for Walk {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        self.floats.push(Float {
            path: self.path.join("."),
            id: param.id,
            shape: value.shape(),
            values: value.flatten(0, D.saturating_sub(1)),
        });
    }
}
