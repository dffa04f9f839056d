//! The Keras package's demo problem, shared by the Candle examples: its 1-D
//! regression data, a 1→20→1 network with batch norm and ReLU, and a loader
//! that reshuffles every epoch. Everything is drawn from one seeded
//! generator, so a run is reproducible (candle's own CPU random numbers
//! cannot be seeded).

// Each example uses its own part of this module.
#![allow(dead_code)]

use clr_candle::candle_core::{DType, Device, Module, ModuleT, Tensor};
use clr_candle::candle_nn::{self, BatchNorm, Linear, VarBuilder, VarMap};
use clr_candle::{AdapterError, Error};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};

#[path = "keras_points.rs"]
mod keras_points;
use keras_points::keras_points;

/// An error of the demo's own (a distribution's parameters, a lock).
fn user(error: impl Into<clr::train::BoxError>) -> Error {
    Error::from(AdapterError::user(error))
}

/// The batch size.
pub const BATCH: usize = 16;
/// Hidden units.
pub const HIDDEN: usize = 20;

/// The Keras package's data: `x` on [-1, 1] in 1001 points, its formula with noise
/// N(0, 0.1), shuffled, 20% held out for validation (201 points; 800
/// train). Returns `[x_train, y_train, x_val, y_val]`, each `(n, 1)`.
pub fn keras_data(rng: &mut StdRng) -> Result<[Tensor; 4], Error> {
    let (points, valid) = keras_points(rng).map_err(user)?;
    let column = |p: &[(f32, f32)], f: fn(&(f32, f32)) -> f32| {
        Tensor::from_vec(
            p.iter().map(f).collect::<Vec<_>>(),
            (p.len(), 1),
            &Device::Cpu,
        )
    };
    Ok([
        column(&points, |p| p.0)?,
        column(&points, |p| p.1)?,
        column(&valid, |p| p.0)?,
        column(&valid, |p| p.1)?,
    ])
}

/// Linear(1, 20) → BatchNorm → ReLU → Linear(20, 1).
pub struct Mlp {
    hidden: Linear,
    norm: BatchNorm,
    out: Linear,
}

impl Mlp {
    /// The network, its variables in `varmap`, the linear layers' initial
    /// weights drawn from `rng` as candle-nn draws them (Kaiming-normal
    /// weights, uniform ±1/√fan_in biases); batch norm starts at 1 and 0.
    pub fn new(varmap: &VarMap, rng: &mut StdRng) -> Result<Self, Error> {
        let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
        let mlp = Mlp {
            hidden: candle_nn::linear(1, HIDDEN, vb.pp("hidden"))?,
            norm: candle_nn::batch_norm(HIDDEN, 1e-5, vb.pp("norm"))?,
            out: candle_nn::linear(HIDDEN, 1, vb.pp("out"))?,
        };
        let data = varmap
            .data()
            .lock()
            .map_err(|_| user("VarMap lock poisoned"))?;
        for (layer, fan_in) in [("hidden", 1.0_f64), ("out", HIDDEN as f64)] {
            let weight = Normal::new(0.0, (2.0 / fan_in).sqrt()).map_err(user)?;
            let bound = 1.0 / fan_in.sqrt();
            let bias = Uniform::new(-bound, bound).map_err(user)?;
            for name in ["weight", "bias"] {
                let Some(var) = data.get(&format!("{layer}.{name}")) else {
                    continue;
                };
                let values: Vec<f32> = (0..var.elem_count())
                    .map(|_| {
                        let v = if name == "weight" {
                            weight.sample(rng)
                        } else {
                            bias.sample(rng)
                        };
                        v as f32
                    })
                    .collect();
                var.set(&Tensor::from_vec(values, var.shape(), &Device::Cpu)?)?;
            }
        }
        drop(data);
        Ok(mlp)
    }

    /// The prediction; `train`: batch statistics (and running-statistics
    /// updates), else the running statistics.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor, Error> {
        let h = self.hidden.forward(x)?;
        let h = self.norm.forward_t(&h, train)?.relu()?;
        Ok(self.out.forward(&h)?)
    }

    /// The mean squared error on `(x, y)`.
    pub fn mse(&self, x: &Tensor, y: &Tensor, train: bool) -> Result<Tensor, Error> {
        Ok(candle_nn::loss::mse(&self.forward(x, train)?, y)?)
    }

    /// The mean squared error on `(x, y)` in eval mode, as a number.
    pub fn eval_mse(&self, x: &Tensor, y: &Tensor) -> Result<f64, Error> {
        Ok(f64::from(self.mse(x, y, false)?.to_scalar::<f32>()?))
    }
}

/// The training set in a new random order every epoch, served by batch.
pub struct Batches {
    x: Tensor,
    y: Tensor,
    order: Vec<u32>,
    shuffled: (Tensor, Tensor),
    rng: StdRng,
}

impl Batches {
    /// Batches of `(x, y)`, shuffled with a generator seeded with `seed`.
    pub fn new(x: &Tensor, y: &Tensor, seed: u64) -> Self {
        Batches {
            x: x.clone(),
            y: y.clone(),
            order: (0..x.dims()[0] as u32).collect(),
            shuffled: (x.clone(), y.clone()),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Batches in an epoch (the last one may be short).
    pub fn per_epoch(&self) -> u64 {
        self.order.len().div_ceil(BATCH) as u64
    }

    /// Batch `index` of the epoch (taken modulo [`per_epoch`](Self::per_epoch));
    /// reshuffles at index 0.
    pub fn get(&mut self, index: u64) -> Result<(Tensor, Tensor), Error> {
        let index = index % self.per_epoch();
        if index == 0 {
            self.order.shuffle(&mut self.rng);
            let order = Tensor::new(self.order.as_slice(), &Device::Cpu)?;
            self.shuffled = (
                self.x.index_select(&order, 0)?,
                self.y.index_select(&order, 0)?,
            );
        }
        let start = index as usize * BATCH;
        let len = BATCH.min(self.order.len() - start);
        Ok((
            self.shuffled.0.narrow(0, start, len)?,
            self.shuffled.1.narrow(0, start, len)?,
        ))
    }
}
