//! The Keras package's range test on burn, on a small classification task:
//! two interleaved half-moons (1000 training and 200 validation points),
//! a 2→32→32→2 network with batch norm, `clr::burn::ScheduledAdamW`. A
//! learning-rate sweep for each weight decay of a grid, judged on the
//! validation loss (10 batches after every step, the Keras package's
//! `batches_per_val`); the module (batch norm's running statistics too)
//! and the optimizer's moments are put back bit for bit after every sweep.
//! Then one cycle at the suggested learning rate with the weight decay
//! whose sweep reached the lowest validation loss.
//!
//! ```text
//! cargo run --release --features burn --example burn_range_test
//! ```

use std::error::Error as StdError;

// `#[derive(Module)]` names `burn::…`: the facade's re-export.
use clr::burn::burn;
use clr::burn::burn::module::Module;
use clr::burn::burn::nn::loss::CrossEntropyLoss;
use clr::burn::burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use clr::burn::burn::tensor::activation::relu;
use clr::burn::burn::tensor::{Device, Int, Tensor, TensorData};
use clr::burn::{AdamWParams, Fit, ModuleSnapshot, RangeTestRunner, ScheduledAdamW};
use clr::{Constant, Cycle, HyperSchedule, KerasOneCycle, RangeTestConfig, SweepStop};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// Samples per batch.
const BATCH: usize = 32;

/// Two half-moons, scikit-learn's `make_moons` with noise 0.15: points and
/// their classes, training and validation sets.
struct Moons {
    x_train: Tensor<2>,
    y_train: Tensor<1, Int>,
    x_valid: Tensor<2>,
    y_valid: Tensor<1, Int>,
    loss: CrossEntropyLoss,
}

impl Moons {
    fn new(rng: &mut StdRng, device: &Device) -> Moons {
        let noise = Normal::new(0.0, 0.15).expect("a valid normal");
        let mut points: Vec<([f32; 2], i64)> = (0..1200)
            .map(|i| {
                let (class, t) = (i % 2, std::f64::consts::PI * (i / 2) as f64 / 599.0);
                let (x, y) = match class {
                    0 => (t.cos(), t.sin()),
                    _ => (1.0 - t.cos(), 0.5 - t.sin()),
                };
                let point = [x + noise.sample(rng), y + noise.sample(rng)];
                (point.map(|v| v as f32), class)
            })
            .collect();
        points.shuffle(rng);
        let valid = points.split_off(1000);
        let x = |p: &[([f32; 2], i64)]| {
            let values: Vec<f32> = p.iter().flat_map(|(x, _)| *x).collect();
            Tensor::from_data(TensorData::new(values, [p.len(), 2]), device)
        };
        let y = |p: &[([f32; 2], i64)]| {
            let classes: Vec<i64> = p.iter().map(|(_, c)| *c).collect();
            Tensor::from_data(TensorData::new(classes, [p.len()]), device)
        };
        Moons {
            x_train: x(&points),
            y_train: y(&points),
            x_valid: x(&valid),
            y_valid: y(&valid),
            loss: CrossEntropyLoss::new(None, device),
        }
    }

    fn batches_per_epoch(&self) -> u64 {
        self.x_train.dims()[0].div_ceil(BATCH) as u64
    }

    /// The cross-entropy of training batch `index` (modulo the epoch).
    fn train_loss(&self, model: &Net, index: u64) -> Tensor<1> {
        let n = self.x_train.dims()[0];
        let start = (index % self.batches_per_epoch()) as usize * BATCH;
        let len = BATCH.min(n - start);
        let logits = model.forward(self.x_train.clone().narrow(0, start, len));
        let targets = self.y_train.clone().narrow(0, start, len);
        self.loss.forward(logits, targets)
    }

    /// The cross-entropy and accuracy of `len` validation points from
    /// `start`, in inference mode.
    fn evaluate(&self, model: &Net, start: usize, len: usize) -> (f64, f64) {
        let model = model.valid();
        let x = self
            .x_valid
            .clone()
            .narrow(0, start, len)
            .without_autodiff();
        let y = self
            .y_valid
            .clone()
            .narrow(0, start, len)
            .without_autodiff();
        let logits = model.forward(x);
        let right = logits.clone().argmax(1).reshape([len]).equal(y.clone());
        let accuracy = right.int().sum().into_scalar::<f64>() / len as f64;
        let loss = self.loss.valid().forward(logits, y).into_scalar::<f64>();
        (loss, accuracy)
    }

    /// The mean validation loss of `batches` batches of `BATCH` points.
    fn val_loss(&self, model: &Net, batches: u64) -> f64 {
        let n = self.x_valid.dims()[0];
        let sum: f64 = (0..batches as usize)
            .map(|b| {
                let start = (b * BATCH) % n;
                self.evaluate(model, start, BATCH.min(n - start)).0
            })
            .sum();
        sum / batches as f64
    }
}

/// Linear(2, 32) → BatchNorm → ReLU → Linear(32, 32) → ReLU → Linear(32, 2).
#[derive(Module, Debug)]
struct Net {
    l1: Linear,
    bn: BatchNorm,
    l2: Linear,
    l3: Linear,
}

impl Net {
    fn new(device: &Device) -> Net {
        Net {
            l1: LinearConfig::new(2, 32).init(device),
            bn: BatchNormConfig::new(32).init(device),
            l2: LinearConfig::new(32, 32).init(device),
            l3: LinearConfig::new(32, 2).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = relu(self.bn.forward(self.l1.forward(x)));
        self.l3.forward(relu(self.l2.forward(h)))
    }
}

fn main() -> Result<(), Box<dyn StdError>> {
    let device = Device::default().autodiff();
    device.seed(7); // burn's initializers
    let data = Moons::new(&mut StdRng::seed_from_u64(7), &device);
    let mut model = Net::new(&device);
    let before = ModuleSnapshot::take(&model);
    let params = AdamWParams {
        lr: 1e-3,
        ..AdamWParams::default()
    };
    let mut optimizer = ScheduledAdamW::new(params)?;
    let bpe = data.batches_per_epoch();

    // The Keras package's LrRangeTest, with a weight-decay grid and validation.
    let config = RangeTestConfig {
        lr_range: (1e-5, 10.0),
        steps: 100,
        batches_per_step: 3,
        wd_list: vec![0.0, 1e-4, 1e-3, 1e-2],
        validation_batches: Some(10),
        ..Default::default()
    };
    let mut runner = RangeTestRunner::new(config, |model: &Net, i| Ok(data.train_loss(model, i)))
        .validation(|model: &Net, batches| Ok(data.val_loss(model, batches)));
    println!(
        "range test: {} sweeps of {} learning rates ({} epochs of {bpe} batches)",
        runner.config().wd_list.len(),
        runner.config().steps,
        runner.n_epochs(bpe)?
    );
    let outcome = runner.run(&mut model, &mut optimizer)?;
    if !before.is_identical(&model)? {
        return Err("the range test did not restore the module".into());
    }

    let lrs = &outcome.result.lrs;
    println!("weight_decay  stop                 best val_loss  at lr      valley     steep");
    for (sweep, s) in outcome.result.sweeps.iter().zip(&outcome.suggestions) {
        let (best_i, best) = sweep
            .val_loss
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
        let stop = match sweep.stop {
            SweepStop::Completed => "completed".to_owned(),
            SweepStop::Diverged { step, .. } => format!("diverged at step {step}"),
            SweepStop::NonFinite { step } => format!("non-finite at {step}"),
        };
        let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2e}"));
        println!(
            "{:<12.0e}  {stop:<20} {best:>13.5}  {:<9.2e}  {:<9}  {}",
            sweep.weight_decay.unwrap_or(0.0),
            lrs[best_i],
            show(s.valley),
            show(s.steep),
        );
    }

    // One cycle at the suggestion, with the best sweep's weight decay.
    let best = outcome.best_sweep().unwrap_or(0);
    let wd = outcome.result.sweeps[best].weight_decay.unwrap_or(0.0);
    let lr_max = outcome.suggestions[best]
        .valley
        .unwrap_or(1e-2)
        .clamp(1e-4, 1.0);
    println!(
        "one cycle: lr {:.2e} .. {lr_max:.2e}, beta1 0.95 .. 0.85, weight decay {wd:e}",
        lr_max / 10.0
    );
    let cycle = Cycle::new(20, bpe)?;
    let schedule = KerasOneCycle::builder((lr_max / 10.0, lr_max), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()?
        .with_weight_decay(Constant::new(wd)?);
    Fit::new(schedule, cycle)?
        .validation(|model: &Net, _| Ok(data.val_loss(model, 7)))
        .run(&mut model, &mut optimizer, |model, batch| {
            Ok(data.train_loss(model, batch.index))
        })?;
    let n = data.x_valid.dims()[0];
    let (loss, accuracy) = data.evaluate(&model, 0, n);
    println!(
        "after 20 epochs: validation loss {loss:.4}, accuracy {:.1}%",
        100.0 * accuracy
    );
    Ok(())
}
