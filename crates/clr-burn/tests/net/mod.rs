//! What the training tests share: a 1→8→1 network with batch norm and
//! fixed initial weights, 64 points of y = sin(3x) in 8 batches, and every
//! float tensor of the network read directly from its fields, as bits.

#![allow(dead_code)]

use burn::module::{Module, Param, ParamId};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use clr_burn::{MomentumSgd, SgdParams};

/// Linear(1, 8) → BatchNorm → ReLU → Linear(8, 1).
#[derive(Module, Debug)]
pub struct Net {
    pub l1: Linear,
    pub bn: BatchNorm,
    pub l2: Linear,
}

/// A `[rows, cols]` parameter of sines shifted by `seed`: fixed weights.
fn fixed<const D: usize>(shape: [usize; D], seed: f32, device: &Device) -> Param<Tensor<D>> {
    let n: usize = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|i| (0.7 * i as f32 + seed).sin()).collect();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

impl Net {
    /// The network on `device` (an autodiff device, to train it), its
    /// linear layers' weights fixed by `seed`.
    pub fn new(device: &Device, seed: f32) -> Net {
        let mut l1 = LinearConfig::new(1, 8).init(device);
        l1.weight = fixed([1, 8], seed, device);
        l1.bias = Some(fixed([8], seed + 1.0, device));
        let mut l2 = LinearConfig::new(8, 1).init(device);
        l2.weight = fixed([8, 1], seed + 2.0, device);
        l2.bias = Some(fixed([1], seed + 3.0, device));
        Net {
            l1,
            bn: BatchNormConfig::new(8).init(device),
            l2,
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.bn.forward(self.l1.forward(x)).clamp_min(0.0);
        self.l2.forward(h)
    }
}

/// 64 points of y = sin(3x) on [-1, 1], in 8 batches of 8 that each spread
/// over the whole interval.
pub struct Data {
    pub x: Tensor<2>,
    pub y: Tensor<2>,
}

impl Data {
    pub fn new(device: &Device) -> Data {
        let x: Vec<f32> = (0..64)
            .map(|i| -1.0 + 2.0 * ((i % 8) * 8 + i / 8) as f32 / 63.0)
            .collect();
        let y: Vec<f32> = x.iter().map(|x| (3.0 * x).sin()).collect();
        Data {
            x: Tensor::from_data(TensorData::new(x, [64, 1]), device),
            y: Tensor::from_data(TensorData::new(y, [64, 1]), device),
        }
    }

    /// The mean squared error of batch `batch % 8`, in training mode.
    pub fn batch_loss(&self, net: &Net, batch: u64) -> Tensor<1> {
        let i = 8 * (batch % 8) as usize;
        let pred = net.forward(self.x.clone().narrow(0, i, 8));
        (pred - self.y.clone().narrow(0, i, 8)).square().mean()
    }

    /// The mean squared error on all 64 points, in inference mode.
    pub fn val_loss(&self, net: &Net) -> f64 {
        let net = net.valid();
        let pred = net.forward(self.x.clone().without_autodiff());
        let loss = (pred - self.y.clone().without_autodiff()).square().mean();
        loss.into_scalar::<f64>()
    }
}

/// SGD with momentum 0.9 and weight decay 1e-4 at lr 0.05.
pub fn sgd() -> MomentumSgd {
    MomentumSgd::new(SgdParams {
        lr: 0.05,
        momentum: 0.9,
        weight_decay: 1e-4,
        ..SgdParams::default()
    })
    .unwrap()
}

fn bits<const D: usize>(name: &str, id: ParamId, tensor: Tensor<D>) -> (String, ParamId, Vec<u8>) {
    (name.to_owned(), id, tensor.into_data().as_bytes().to_vec())
}

/// Every float tensor of `net` read from its fields (not through the
/// crate's visitors): name, id and bytes. The running statistics are read
/// up to date (`value_sync`).
pub fn weights(net: &Net) -> Vec<(String, ParamId, Vec<u8>)> {
    let linear = |name: &str, l: &Linear| {
        let bias = l.bias.as_ref().unwrap();
        [
            bits(&format!("{name}.weight"), l.weight.id, l.weight.val()),
            bits(&format!("{name}.bias"), bias.id, bias.val()),
        ]
    };
    let bn = &net.bn;
    let mut all = Vec::new();
    all.extend(linear("l1", &net.l1));
    all.extend(linear("l2", &net.l2));
    all.push(bits("bn.gamma", bn.gamma.id, bn.gamma.val()));
    all.push(bits("bn.beta", bn.beta.id, bn.beta.val()));
    all.push(bits(
        "bn.mean",
        ParamId::from(0),
        bn.running_mean.value_sync(),
    ));
    all.push(bits(
        "bn.var",
        ParamId::from(0),
        bn.running_var.value_sync(),
    ));
    all
}
