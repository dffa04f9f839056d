//! Snapshots: [`VarMapSnapshot`] copies every variable of a [`VarMap`] and
//! puts them back bit for bit; `clr-train`'s [`OptimizerState`] does the
//! same for this crate's optimizers, and [`Rebuild`] gives it to optimizers
//! whose state cannot be read (candle-nn's `AdamW`) by building them afresh.
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{VarBuilder, VarMap};
//! use clr_candle::VarMapSnapshot;
//!
//! let varmap = VarMap::new();
//! let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
//! let layer = candle_nn::linear(3, 2, vb.pp("layer"))?;
//! let snapshot = VarMapSnapshot::take(&varmap)?;
//! for var in varmap.all_vars() {
//!     var.set(&var.as_tensor().affine(2.0, 1.0)?)?; // training changes them
//! }
//! assert!(!snapshot.is_identical(&varmap)?);
//! snapshot.restore(&varmap)?;
//! assert!(snapshot.is_identical(&varmap)?);
//! # let _ = layer;
//! # Ok::<(), clr_candle::Error>(())
//! ```

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarMap, SGD};
use clr_core::ScheduledOptimizer;
use clr_train::{AdapterError, Named, OptimizerState};

use crate::checkpoint::{self, poisoned, VarNames};
use crate::error::Error;
use crate::optim::{Candle, CandleStep, ParamGroups};
use crate::sgd::{MomentumSgd, SgdState};

/// Deep copies of every variable of a [`VarMap`], by name.
#[derive(Debug, Clone)]
pub struct VarMapSnapshot {
    tensors: Named<Tensor>,
}

impl VarMapSnapshot {
    /// Copies every variable of `varmap` (new storage: later training does
    /// not reach the copies).
    pub fn take(varmap: &VarMap) -> Result<Self, Error> {
        let data = varmap.data().lock().map_err(|_| poisoned())?;
        let tensors = data
            .iter()
            .map(|(name, var)| Ok((name.clone(), var.as_detached_tensor().copy()?)))
            .collect::<Result<Named<_>, Error>>()?;
        Ok(VarMapSnapshot { tensors })
    }

    /// Writes the copies to `path` as safetensors, keyed by name (what
    /// [`Fit`](crate::Fit)'s checkpoints hold).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        checkpoint::write(path, self.tensors.as_slice().to_vec())
    }

    /// Reads copies [`save`](Self::save)d to `path`, onto `device`.
    pub fn load(path: &Path, device: &Device) -> Result<Self, Error> {
        let tensors = checkpoint::read(path, device)?.into_iter().collect();
        Ok(VarMapSnapshot { tensors })
    }

    /// Puts every copied value back into its variable, bit for bit.
    ///
    /// The snapshot must hold exactly the variables of `varmap`, each with
    /// its shape and type; this is checked for all of them before any is
    /// written.
    pub fn restore(&self, varmap: &VarMap) -> Result<(), Error> {
        let data = varmap.data().lock().map_err(|_| poisoned())?;
        if let Some(name) = self.tensors.names().find(|n| !data.contains_key(*n)) {
            return Err(Error::from(AdapterError::Snapshot {
                name: name.to_owned(),
                reason: "it is in the snapshot but not in the VarMap",
            }));
        }
        let mut pairs = Vec::with_capacity(data.len());
        for (name, var) in data.iter() {
            let saved = self.tensors.get(name).ok_or_else(|| {
                Error::from(AdapterError::Snapshot {
                    name: name.clone(),
                    reason: "it was added to the VarMap after the snapshot was taken",
                })
            })?;
            if saved.shape() != var.shape() {
                return Err(Error::from(AdapterError::Snapshot {
                    name: name.clone(),
                    reason: "its shape changed since the snapshot",
                }));
            }
            if saved.dtype() != var.dtype() {
                return Err(Error::from(AdapterError::Snapshot {
                    name: name.clone(),
                    reason: "its type changed since the snapshot",
                }));
            }
            pairs.push((var, saved));
        }
        for (var, saved) in pairs {
            var.set(saved)?;
        }
        Ok(())
    }

    /// Whether every variable of `varmap` holds, bit for bit, its value in
    /// the snapshot (and no variable was added or removed).
    pub fn is_identical(&self, varmap: &VarMap) -> Result<bool, Error> {
        let data = varmap.data().lock().map_err(|_| poisoned())?;
        if data.len() != self.tensors.len() {
            return Ok(false);
        }
        for (name, saved) in self.tensors.iter() {
            let Some(var) = data.get(name) else {
                return Ok(false);
            };
            if var.shape() != saved.shape() || var.dtype() != saved.dtype() {
                return Ok(false);
            }
            if bits(var.as_detached_tensor())? != bits(saved.clone())? {
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

/// The bit patterns of a tensor's elements (floats widened exactly).
fn bits(t: Tensor) -> Result<Vec<u64>, Error> {
    let t = t.flatten_all()?;
    Ok(match t.dtype() {
        DType::F64 => t.to_vec1::<f64>()?.into_iter().map(f64::to_bits).collect(),
        d if d.is_float() => t
            .to_dtype(DType::F32)?
            .to_vec1::<f32>()?
            .into_iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        _ => t
            .to_dtype(DType::I64)?
            .to_vec1::<i64>()?
            .into_iter()
            .map(|x| x as u64)
            .collect(),
    })
}

/// candle-nn's `SGD` keeps only its learning rate.
impl OptimizerState<Candle> for SGD {
    type State = f64;
    fn save_state(&self) -> Result<f64, Error> {
        Ok(candle_nn::Optimizer::learning_rate(self))
    }
    fn load_state(&mut self, lr: &f64) -> Result<(), Error> {
        candle_nn::Optimizer::set_learning_rate(self, *lr);
        Ok(())
    }
}

/// Hyper-parameters and momentum buffers, copied.
impl OptimizerState<Candle> for MomentumSgd {
    type State = SgdState;
    fn save_state(&self) -> Result<SgdState, Error> {
        self.state()
    }
    fn load_state(&mut self, state: &SgdState) -> Result<(), Error> {
        MomentumSgd::load_state(self, state)
    }
}

/// One state per optimizer.
impl<O: OptimizerState<Candle> + CandleStep> OptimizerState<Candle> for ParamGroups<O> {
    type State = Vec<O::State>;
    fn save_state(&self) -> Result<Self::State, Error> {
        self.optimizers().iter().map(O::save_state).collect()
    }
    fn load_state(&mut self, state: &Self::State) -> Result<(), Error> {
        if state.len() != self.optimizers().len() {
            return Err(Error::from(AdapterError::StateMismatch {
                optimizer: "ParamGroups",
                reason: "it was saved from another number of optimizers",
            }));
        }
        self.optimizers_mut()
            .iter_mut()
            .zip(state)
            .try_for_each(|(o, s)| o.load_state(s))
    }
}

/// An optimizer whose state cannot be read (candle-nn's `AdamW` keeps its
/// moments private), made restorable by building it again: loading a state
/// replaces it with a fresh one from `build`.
///
/// This is exact when the optimizer was fresh when its state was saved, as
/// for a range test run before training (fastai's and the Keras package's use); a
/// state saved after some steps comes back with the moments of a fresh
/// optimizer (as tch, which cannot save optimizer state either).
///
/// ```
/// use candle_core::{DType, Device, Var};
/// use candle_nn::{AdamW, Optimizer, ParamsAdamW};
/// use clr_candle::{OptimizerState, Rebuild, ScheduledOptimizer};
///
/// let w = Var::zeros(3, DType::F32, &Device::Cpu)?;
/// let params = ParamsAdamW { lr: 1e-3, ..ParamsAdamW::default() };
/// let mut adam = Rebuild::new(|| AdamW::new(vec![w.clone()], params.clone()))?;
/// let saved = adam.save_state()?;
/// adam.get_mut().set_params(ParamsAdamW { lr: 0.5, ..params.clone() });
/// adam.load_state(&saved)?;
/// assert_eq!(adam.lr(0)?, 1e-3);
/// # Ok::<(), clr_candle::Error>(())
/// ```
pub struct Rebuild<O, F> {
    inner: O,
    build: F,
}

impl<O: std::fmt::Debug, F> std::fmt::Debug for Rebuild<O, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebuild")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<O, E: Into<Error>, F: FnMut() -> Result<O, E>> Rebuild<O, F> {
    /// Builds the optimizer with `build`, which will build it again on every
    /// [`load_state`](OptimizerState::load_state).
    pub fn new(mut build: F) -> Result<Self, Error> {
        let inner = build().map_err(Into::into)?;
        Ok(Rebuild { inner, build })
    }
}

impl<O, F> Rebuild<O, F> {
    /// The optimizer.
    pub fn get(&self) -> &O {
        &self.inner
    }

    /// The optimizer, mutably.
    pub fn get_mut(&mut self) -> &mut O {
        &mut self.inner
    }

    /// The optimizer, giving up the builder.
    pub fn into_inner(self) -> O {
        self.inner
    }
}

impl<O, E, F> OptimizerState<Candle> for Rebuild<O, F>
where
    O: CandleStep,
    E: Into<Error>,
    F: FnMut() -> Result<O, E>,
{
    /// Nothing: the state is the one `build` gives.
    type State = ();
    fn save_state(&self) -> Result<(), Error> {
        Ok(())
    }
    fn load_state(&mut self, _: &()) -> Result<(), Error> {
        self.inner = (self.build)().map_err(Into::into)?;
        Ok(())
    }
}

impl<O: CandleStep, F> ScheduledOptimizer<f64, Candle> for Rebuild<O, F> {
    type Error = Error;
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn groups(&self) -> usize {
        self.inner.groups()
    }
    fn apply(&mut self, group: usize, h: &clr_core::Hypers<f64>) -> Result<(), Error> {
        self.inner.apply(group, h)
    }
    fn current(&self, group: usize) -> Result<clr_core::Hypers<f64>, Error> {
        self.inner.current(group)
    }
}

/// The optimizer's own state in checkpoints (none for candle-nn's `AdamW`,
/// whose moments are private: an error).
impl<O: CandleStep, F> CandleStep for Rebuild<O, F> {
    fn optimizer_step(&mut self, grads: &candle_core::backprop::GradStore) -> Result<(), Error> {
        self.inner.optimizer_step(grads)
    }
    fn state_tensors(
        &self,
        names: &VarNames,
        prefix: &str,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<(), Error> {
        self.inner.state_tensors(names, prefix, out)
    }
    fn load_state_tensors(
        &mut self,
        names: &VarNames,
        prefix: &str,
        tensors: &mut HashMap<String, Tensor>,
    ) -> Result<(), Error> {
        self.inner.load_state_tensors(names, prefix, tensors)
    }
}
