//! The seed's demo, core only: a 1→20→1 ReLU network on the seed's 1-D
//! regression data, trained by a hand-written SGD with momentum under three
//! policies — one-cycle (40 epochs), CLR (60 epochs, 3 cycles, amplitude
//! 1/3 per cycle) and a constant learning rate (40 epochs) — and a table of
//! their validation losses.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use clr::core::{Amplitude, HyperSchedule, Hypers, KerasClr, KerasOneCycle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

const HIDDEN: usize = 20;
const BATCH: usize = 16;

/// `(x, y)` samples.
type Data = Vec<(f64, f64)>;

/// The seed's data: `x` on [-1, 1] in 1001 points, its formula, noise 0.1,
/// 20% held out for validation.
fn seed_data(rng: &mut StdRng) -> (Data, Data) {
    let noise = Normal::new(0.0, 0.1).expect("valid normal");
    let mut points: Data = (0..1001)
        .map(|i| {
            let x = -1.0 + 2.0 * i as f64 / 1000.0;
            let y = x.powi(3) - 0.5 * x * x - x + noise.sample(rng) + (-x.abs()).exp()
                - ((x + 1.0) / 2.0).round() * (3.0 - x * x).sqrt()
                + ((x + 1.0 - 0.5) / 2.0).round() * (3.0 - x).powf(0.33);
            (x, y)
        })
        .collect();
    points.shuffle(rng);
    let split = (0.8 * points.len() as f64).ceil() as usize;
    let valid = points.split_off(split);
    (points, valid)
}

/// A 1→20→1 ReLU network with He-normal initial weights.
#[derive(Clone)]
struct Mlp {
    w1: [f64; HIDDEN],
    b1: [f64; HIDDEN],
    w2: [f64; HIDDEN],
    b2: f64,
}

impl Mlp {
    fn new(rng: &mut StdRng) -> Self {
        let he1 = Normal::new(0.0, 2.0_f64.sqrt()).expect("valid normal");
        let he2 = Normal::new(0.0, (2.0 / HIDDEN as f64).sqrt()).expect("valid normal");
        Mlp {
            w1: std::array::from_fn(|_| he1.sample(rng)),
            b1: [0.0; HIDDEN],
            w2: std::array::from_fn(|_| he2.sample(rng)),
            b2: 0.0,
        }
    }

    fn predict(&self, x: f64) -> f64 {
        (0..HIDDEN)
            .map(|j| self.w2[j] * (self.w1[j] * x + self.b1[j]).max(0.0))
            .sum::<f64>()
            + self.b2
    }

    fn mse(&self, data: &[(f64, f64)]) -> f64 {
        data.iter()
            .map(|&(x, y)| (self.predict(x) - y).powi(2))
            .sum::<f64>()
            / data.len() as f64
    }

    /// Mean-squared-error gradient over a batch, flattened like `params`.
    fn grad(&self, batch: &[(f64, f64)]) -> Vec<f64> {
        let mut g = vec![0.0; 3 * HIDDEN + 1];
        let scale = 2.0 / batch.len() as f64;
        for &(x, y) in batch {
            let err = (self.predict(x) - y) * scale;
            for j in 0..HIDDEN {
                let pre = self.w1[j] * x + self.b1[j];
                if pre > 0.0 {
                    g[j] += err * self.w2[j] * x;
                    g[HIDDEN + j] += err * self.w2[j];
                }
                g[2 * HIDDEN + j] += err * pre.max(0.0);
            }
            g[3 * HIDDEN] += err;
        }
        g
    }

    fn params_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.w1
            .iter_mut()
            .chain(self.b1.iter_mut())
            .chain(self.w2.iter_mut())
            .chain(std::iter::once(&mut self.b2))
    }
}

/// SGD with momentum as Keras applies it: `v = m·v - lr·g; p += v`.
fn sgd_step(model: &mut Mlp, velocity: &mut [f64], grad: &[f64], h: Hypers<f64>) {
    let m = h.momentum.unwrap_or(0.95);
    for ((p, v), g) in model.params_mut().zip(velocity.iter_mut()).zip(grad) {
        *v = m * *v - h.lr * g;
        *p += *v;
    }
}

/// Trains `epochs` epochs under `policy`; returns validation loss per epoch.
fn fit(
    start: &Mlp,
    train: &[(f64, f64)],
    valid: &[(f64, f64)],
    epochs: usize,
    policy: &dyn HyperSchedule<f64>,
    rng: &mut StdRng,
) -> Vec<f64> {
    let mut model = start.clone();
    let mut velocity = vec![0.0; 3 * HIDDEN + 1];
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut step = 0u64;
    (0..epochs)
        .map(|_| {
            order.shuffle(rng);
            for chunk in order.chunks(BATCH) {
                let batch: Vec<(f64, f64)> = chunk.iter().map(|&i| train[i]).collect();
                let grad = model.grad(&batch);
                sgd_step(&mut model, &mut velocity, &grad, policy.hypers(step));
                step += 1;
            }
            model.mse(valid)
        })
        .collect()
}

/// A learning rate that never changes, momentum 0.95.
struct ConstantLr(f64);

impl HyperSchedule<f64> for ConstantLr {
    fn hypers(&self, _step: u64) -> Hypers<f64> {
        Hypers {
            lr: self.0,
            momentum: Some(0.95),
            weight_decay: None,
        }
    }
    fn total_steps(&self) -> Option<u64> {
        None
    }
    fn has_momentum(&self) -> bool {
        true
    }
}

fn main() -> Result<(), clr::core::Error> {
    let mut rng = StdRng::seed_from_u64(99);
    let (train, valid) = seed_data(&mut rng);
    let start = Mlp::new(&mut rng);
    let batches = train.len().div_ceil(BATCH) as u64;

    let one_cycle = KerasOneCycle::builder((1e-2 / 5.0, 1e-2), 40 * batches)
        .momentum_range(0.95, 0.85)
        .build()?;
    let clr = KerasClr::builder(3, (1e-2 / 5.0, 1e-2), 60 * batches)
        .momentum_range(0.95, 0.85)
        .amplitude(Amplitude::Decay(1.0 / 3.0))
        .build_fixed()?;
    let runs: [(&str, usize, &dyn HyperSchedule<f64>); 3] = [
        ("one-cycle", 40, &one_cycle),
        ("clr", 60, &clr),
        ("constant", 40, &ConstantLr(5e-3)),
    ];

    println!("policy      epochs  final val_loss  best val_loss");
    for (name, epochs, policy) in runs {
        let losses = fit(&start, &train, &valid, epochs, policy, &mut rng);
        let best = losses.iter().copied().fold(f64::INFINITY, f64::min);
        let last = losses.last().copied().unwrap_or(f64::NAN);
        println!("{name:<10}  {epochs:>6}  {last:>14.5}  {best:>13.5}");
    }
    Ok(())
}
