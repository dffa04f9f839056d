//! Snapshots: [`VarStoreSnapshot`] copies every variable of a [`VarStore`]
//! and puts them back bit for bit; `clr-train`'s [`OptimizerState`] does
//! what can be done for an optimizer's state in tch.
//!
//! ```
//! use clr_tch::VarStoreSnapshot;
//! use tch::nn::{self, VarStore};
//! use tch::Device;
//!
//! let vs = VarStore::new(Device::Cpu);
//! let layer = nn::linear(vs.root() / "layer", 3, 2, Default::default());
//! let snapshot = VarStoreSnapshot::take(&vs)?;
//! tch::no_grad(|| {
//!     let mut ws = layer.ws.shallow_clone();
//!     let _ = ws.f_mul_scalar_(f64::NAN); // training went wrong
//! });
//! assert!(!snapshot.is_identical(&vs)?);
//! snapshot.restore(&vs)?;
//! assert!(snapshot.is_identical(&vs)?);
//! # Ok::<(), clr_tch::Error>(())
//! ```
//!
//! # Optimizer state
//! tch cannot read or write a libtorch optimizer's moments and momentum
//! buffers. [`TchOptimizer`]'s [`OptimizerState`] is therefore the
//! hyper-parameters of every group, and loading it builds the optimizer
//! again from its configuration (fresh moments) before putting them back:
//! exact when the optimizer was fresh when the state was saved — the usual
//! case of a range test run before training — and otherwise a restart of
//! the moments.

use std::path::Path;

use clr_core::{Hypers, ScheduledOptimizer};
use clr_train::{AdapterError, Named, OptimizerState};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::error::Error;
use crate::optim::{TchOptimizer, TchStep};
use crate::spec::OptimizerKind;

/// Deep copies of every variable of a [`VarStore`] (trainable or not), by name.
#[derive(Debug)]
pub struct VarStoreSnapshot {
    tensors: Named<Tensor>,
}

impl VarStoreSnapshot {
    /// Copies every variable of `vs` (new storage: later training does not
    /// reach the copies).
    pub fn take(vs: &VarStore) -> Result<Self, Error> {
        let variables = vs.variables_.lock().map_err(|_| Error::Poisoned)?;
        let _no_grad = tch::no_grad_guard();
        let tensors = variables
            .named_variables
            .iter()
            .map(|(name, var)| {
                let mut copy = var.f_detach()?.f_zeros_like()?;
                copy.f_copy_(var)?;
                Ok((name.clone(), copy))
            })
            .collect::<Result<Named<_>, Error>>()?;
        Ok(VarStoreSnapshot { tensors })
    }

    /// Writes the copies to `path` as safetensors, keyed by name (what
    /// [`Fit`](crate::Fit)'s checkpoints hold).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        Ok(Tensor::write_safetensors(self.tensors.as_slice(), path)?)
    }

    /// Reads copies [`save`](Self::save)d to `path`, onto `device`.
    pub fn load(path: &Path, device: Device) -> Result<Self, Error> {
        let tensors = Tensor::read_safetensors(path)?
            .into_iter()
            .map(|(name, t)| Ok((name, t.f_to_device(device)?)))
            .collect::<Result<Named<_>, Error>>()?;
        Ok(VarStoreSnapshot { tensors })
    }

    /// Puts every copied value back into its variable, bit for bit, in
    /// place (the optimizer keeps pointing at the same tensors).
    ///
    /// The snapshot must hold exactly the variables of `vs`, each with its
    /// shape, type and device; this is checked for all of them before any
    /// is written.
    pub fn restore(&self, vs: &VarStore) -> Result<(), Error> {
        let variables = vs.variables_.lock().map_err(|_| Error::Poisoned)?;
        let known = |name: &str| variables.named_variables.contains_key(name);
        if let Some(name) = self.tensors.names().find(|n| !known(n)) {
            return Err(Error::from(AdapterError::Snapshot {
                name: name.to_owned(),
                reason: "it is in the snapshot but not in the VarStore",
            }));
        }
        let mut pairs = Vec::with_capacity(variables.named_variables.len());
        for (name, var) in &variables.named_variables {
            let saved = self.tensors.get(name).ok_or_else(|| {
                Error::from(AdapterError::Snapshot {
                    name: name.clone(),
                    reason: "it was added to the VarStore after the snapshot was taken",
                })
            })?;
            let reason = if var.size() != saved.size() {
                Some("its shape changed since the snapshot")
            } else if var.f_kind()? != saved.f_kind()? {
                Some("its type changed since the snapshot")
            } else if var.device() != saved.device() {
                Some("its device changed since the snapshot")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::from(AdapterError::Snapshot {
                    name: name.clone(),
                    reason,
                }));
            }
            pairs.push((var, saved));
        }
        let _no_grad = tch::no_grad_guard();
        for (var, saved) in pairs {
            var.shallow_clone().f_copy_(saved)?;
        }
        Ok(())
    }

    /// Whether every variable of `vs` holds, bit for bit, its value in the
    /// snapshot (NaN payloads included), and no variable was added or
    /// removed.
    pub fn is_identical(&self, vs: &VarStore) -> Result<bool, Error> {
        let variables = vs.variables_.lock().map_err(|_| Error::Poisoned)?;
        if variables.named_variables.len() != self.tensors.len() {
            return Ok(false);
        }
        for (name, saved) in self.tensors.iter() {
            let Some(var) = variables.named_variables.get(name) else {
                return Ok(false);
            };
            if var.size() != saved.size() || var.f_kind()? != saved.f_kind()? {
                return Ok(false);
            }
            if tensor_bytes(var)? != tensor_bytes(saved)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The copies, by variable name.
    pub fn tensors(&self) -> &Named<Tensor> {
        &self.tensors
    }
}

/// The raw bytes of a tensor's elements, in row-major order (copied to the
/// CPU when needed): what "bit for bit" compares.
pub fn tensor_bytes(t: &Tensor) -> Result<Vec<u8>, Error> {
    if !t.defined() {
        return Ok(Vec::new());
    }
    let kind: Kind = t.f_kind()?;
    let numel = t.size().iter().product::<i64>().max(0) as usize;
    let mut bytes = vec![0u8; numel * kind.elt_size_in_bytes()];
    t.f_copy_data_u8(&mut bytes, numel)?;
    Ok(bytes)
}

/// What can be saved of a [`TchOptimizer`]: its kind and every group's
/// hyper-parameters (not its moments: tch cannot read them).
#[derive(Debug, Clone, PartialEq)]
pub struct TchOptimizerState {
    kind: OptimizerKind,
    groups: Vec<Hypers<f64>>,
    defaults: Hypers<f64>,
}

impl TchOptimizerState {
    /// The hyper-parameters of every parameter group, in order.
    pub fn groups(&self) -> &[Hypers<f64>] {
        &self.groups
    }
}

/// Saves the hyper-parameters; loading rebuilds the optimizer from its
/// configuration ([`TchOptimizer::rebuild`]: fresh moments and momentum
/// buffers), puts them back and clears the gradients. See the
/// [module docs](self).
impl OptimizerState for TchOptimizer {
    type State = TchOptimizerState;

    fn save_state(&self) -> Result<TchOptimizerState, Error> {
        Ok(TchOptimizerState {
            kind: self.kind(),
            groups: self.group_hypers().to_vec(),
            defaults: self.defaults(),
        })
    }

    fn load_state(&mut self, state: &TchOptimizerState) -> Result<(), Error> {
        if state.kind != self.kind() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: self.name(),
                reason: "it was saved from another kind of optimizer",
            }));
        }
        if state.groups.len() > self.groups() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: self.name(),
                reason: "it has more parameter groups than this optimizer",
            }));
        }
        self.rebuild()?;
        self.restore_hypers(&state.groups, state.defaults)?;
        self.zero_grad()
    }
}
