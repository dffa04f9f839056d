//! The Keras package's demo problem on burn, shared by the burn examples
//! and `tests/demo.rs`: its 1-D regression data (the Candle
//! quickstart's, drawn from the same seeded generator), a 1→20→1 network
//! with batch norm and ReLU, and batches reshuffled every epoch.

// Each user takes its own part of this module.
#![allow(dead_code)]

// `#[derive(Module)]` names `burn::…`: the facade's re-export.
use clr_burn::burn;
use clr_burn::burn::module::{Module, Param};
use clr_burn::burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use clr_burn::burn::tensor::activation::relu;
use clr_burn::burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};

#[path = "../../../../examples/common/keras_points.rs"]
mod keras_points;
use keras_points::keras_points;

/// The batch size.
pub const BATCH: usize = 16;
/// Hidden units.
pub const HIDDEN: usize = 20;

/// The Keras package's data: `x` on [-1, 1] in 1001 points, its formula
/// with noise N(0, 0.1), shuffled, 20% held out for validation (800 train,
/// 201 validation points), each `[n, 1]`.
pub struct Data {
    pub x_train: Tensor<2>,
    pub y_train: Tensor<2>,
    pub x_valid: Tensor<2>,
    pub y_valid: Tensor<2>,
}

impl Data {
    /// The data on `device`, drawn from `rng`.
    pub fn new(rng: &mut StdRng, device: &Device) -> Data {
        let (points, valid) = keras_points(rng).expect("a valid normal");
        let column = |p: &[(f32, f32)], f: fn(&(f32, f32)) -> f32| {
            let values: Vec<f32> = p.iter().map(f).collect();
            Tensor::from_data(TensorData::new(values, [p.len(), 1]), device)
        };
        Data {
            x_train: column(&points, |p| p.0),
            y_train: column(&points, |p| p.1),
            x_valid: column(&valid, |p| p.0),
            y_valid: column(&valid, |p| p.1),
        }
    }

    /// Batches in an epoch (the last one short, as Keras counts them).
    pub fn batches_per_epoch(&self) -> u64 {
        self.x_train.dims()[0].div_ceil(BATCH) as u64
    }

    /// The mean squared error on the whole validation set, in inference
    /// mode (batch norm on its running statistics).
    pub fn val_loss(&self, model: &Mlp) -> f64 {
        let x = self.x_valid.clone().without_autodiff();
        let y = self.y_valid.clone().without_autodiff();
        mse(model.valid().forward(x), y).into_scalar::<f64>()
    }
}

/// The mean of the squared differences.
pub fn mse(pred: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    (pred - y).square().mean()
}

/// Linear(1, 20) → BatchNorm → ReLU → Linear(20, 1).
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Linear,
    norm: BatchNorm,
    out: Linear,
}

impl Mlp {
    /// The network on `device` (an autodiff device, to train it), the
    /// linear layers' initial weights drawn from `rng` as the Candle demo
    /// draws them (Kaiming-normal weights, uniform ±1/√fan_in biases);
    /// batch norm starts at 1 and 0.
    pub fn new(rng: &mut StdRng, device: &Device) -> Mlp {
        let mut linear = |fan_in: usize, fan_out: usize| {
            let weight = Normal::new(0.0, (2.0 / fan_in as f64).sqrt()).expect("a valid normal");
            let bound = 1.0 / (fan_in as f64).sqrt();
            let bias = Uniform::new(-bound, bound).expect("a valid range");
            let w: Vec<f32> = (0..fan_in * fan_out)
                .map(|_| weight.sample(rng) as f32)
                .collect();
            let b: Vec<f32> = (0..fan_out).map(|_| bias.sample(rng) as f32).collect();
            let mut layer = LinearConfig::new(fan_in, fan_out).init(device);
            layer.weight = Param::from_data(TensorData::new(w, [fan_in, fan_out]), device);
            layer.bias = Some(Param::from_data(TensorData::new(b, [fan_out]), device));
            layer
        };
        let hidden = linear(1, HIDDEN);
        let out = linear(HIDDEN, 1);
        Mlp {
            hidden,
            norm: BatchNormConfig::new(HIDDEN).init(device),
            out,
        }
    }

    /// The prediction: batch statistics on a training device, running
    /// statistics on a module in inference mode (`valid()`).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = relu(self.norm.forward(self.hidden.forward(x)));
        self.out.forward(h)
    }
}

/// The training set in a new random order every epoch, served by batch.
pub struct Batches {
    order: Vec<i64>,
    rng: StdRng,
}

impl Batches {
    /// Batches of `data`'s training set, shuffled with a generator seeded
    /// with `seed`.
    pub fn new(data: &Data, seed: u64) -> Batches {
        Batches {
            order: (0..data.x_train.dims()[0] as i64).collect(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The mean squared error of batch `index` of the epoch (taken modulo
    /// the batches per epoch), in training mode; reshuffles at index 0.
    pub fn loss(&mut self, data: &Data, model: &Mlp, index: u64) -> Tensor<1> {
        let index = (index % data.batches_per_epoch()) as usize;
        if index == 0 {
            self.order.shuffle(&mut self.rng);
        }
        let rows = &self.order[index * BATCH..self.order.len().min((index + 1) * BATCH)];
        let device = data.x_train.device();
        let rows =
            Tensor::<1, Int>::from_data(TensorData::new(rows.to_vec(), [rows.len()]), &device);
        let x = data.x_train.clone().select(0, rows.clone());
        let y = data.y_train.clone().select(0, rows);
        mse(model.forward(x), y)
    }
}
