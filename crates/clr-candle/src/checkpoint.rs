//! Tensors in and out of checkpoint files (safetensors, keyed by name) and
//! the names of a [`VarMap`]'s variables, by which an optimizer's state is
//! keyed: not the order of `varmap.all_vars()`, which is a hash map's and
//! changes from one process to the next.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor, TensorId, Var};
use candle_nn::VarMap;
use clr_train::AdapterError;

use crate::error::Error;

/// The name of every variable of a [`VarMap`], by variable.
#[derive(Debug, Clone, Default)]
pub struct VarNames {
    names: HashMap<TensorId, String>,
}

impl VarNames {
    /// The names of `varmap`'s variables.
    pub fn of(varmap: &VarMap) -> Result<Self, Error> {
        let data = varmap.data().lock().map_err(|_| poisoned())?;
        let names = data
            .iter()
            .map(|(name, var)| (var.as_tensor().id(), name.clone()))
            .collect();
        Ok(VarNames { names })
    }

    /// The name of `var` in the `VarMap`; an
    /// [`AdapterError::StateMismatch`] naming `optimizer` when it is not
    /// there.
    pub fn name(&self, var: &Var, optimizer: &'static str) -> Result<&str, Error> {
        match self.names.get(&var.as_tensor().id()) {
            Some(name) => Ok(name),
            None => Err(Error::from(AdapterError::StateMismatch {
                optimizer,
                reason: "it updates a variable that is not in the VarMap",
            })),
        }
    }
}

pub(crate) fn poisoned() -> Error {
    Error::from(AdapterError::Snapshot {
        name: "<VarMap>".into(),
        reason: "the VarMap's lock is poisoned (a thread panicked while holding it)",
    })
}

/// Every variable of `varmap`.
pub(crate) fn vars(varmap: &VarMap) -> Result<Vec<Var>, Error> {
    let data = varmap.data().lock().map_err(|_| poisoned())?;
    Ok(data.values().cloned().collect())
}

/// Where `varmap`'s variables live (the CPU for an empty one).
pub(crate) fn device(varmap: &VarMap) -> Result<Device, Error> {
    let data = varmap.data().lock().map_err(|_| poisoned())?;
    Ok(data
        .values()
        .next()
        .map_or(Device::Cpu, |var| var.device().clone()))
}

/// Writes `tensors` to `path` as safetensors.
pub(crate) fn write(path: &Path, tensors: Vec<(String, Tensor)>) -> Result<(), Error> {
    let map: HashMap<String, Tensor> = tensors.into_iter().collect();
    Ok(candle_core::safetensors::save(&map, path)?)
}

/// Reads the tensors of a safetensors file onto `device`.
pub(crate) fn read(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>, Error> {
    Ok(candle_core::safetensors::load(path, device)?)
}
