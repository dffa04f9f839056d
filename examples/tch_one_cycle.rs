//! The Keras package's demo on tch (libtorch 2.13): the Keras package's 1-D regression data,
//! a 1→20→1 network with batch norm and ReLU, libtorch's SGD with momentum
//! 0.95, trained under three policies — one-cycle (40 epochs), CLR (60
//! epochs, 3 cycles, amplitude 1/3 per cycle) and a constant learning rate
//! (40 epochs) — from the same initial weights, and a table of their
//! validation losses.
//!
//! ```text
//! eval "$(bash scripts/provision-libtorch.sh)"
//! cargo run --release --features tch --example tch_one_cycle
//! ```

use clr_tch::clr_core::{
    Amplitude, Bundle, Constant, Cycle, HyperSchedule, KerasClr, KerasOneCycle,
};
use clr_tch::tch::nn::{self, ModuleT, VarStore};
use clr_tch::tch::{self, Device, Kind, Tensor};
use clr_tch::{Error, Fit, TchOptimizer, VarStoreSnapshot};

/// Hidden units.
pub const HIDDEN: i64 = 20;
/// Samples per batch.
pub const BATCH: i64 = 16;

/// The Keras package's data: `x` on [-1, 1] in 1001 points, its formula with noise
/// N(0, 0.1), shuffled, 20% held out for validation (201 points; 800 train).
pub struct Data {
    /// Training inputs, `[800, 1]`.
    pub x_train: Tensor,
    /// Training targets.
    pub y_train: Tensor,
    /// Validation inputs, `[201, 1]`.
    pub x_valid: Tensor,
    /// Validation targets.
    pub y_valid: Tensor,
}

impl Data {
    /// The Keras package's data, drawn with libtorch's generator (seed it first).
    pub fn seed() -> Data {
        let opts = (Kind::Float, Device::Cpu);
        let x = Tensor::linspace(-1.0, 1.0, 1001, opts).reshape([1001, 1]);
        let x2 = &x * &x;
        let noise = Tensor::randn([1001, 1], opts) * 0.1;
        let y = &x2 * &x - &x2 * 0.5 - &x + noise + x.abs().neg().exp()
            - ((&x + 1.0) / 2.0).round() * (-&x2 + 3.0).sqrt()
            + ((&x + 0.5) / 2.0).round() * (-&x + 3.0).pow_tensor_scalar(0.33);
        let order = Tensor::randperm(1001, (Kind::Int64, Device::Cpu));
        let (x, y) = (x.index_select(0, &order), y.index_select(0, &order));
        let n_train = 800; // 1001 - ceil(0.2 * 1001)
        Data {
            x_train: x.narrow(0, 0, n_train),
            y_train: y.narrow(0, 0, n_train),
            x_valid: x.narrow(0, n_train, 1001 - n_train),
            y_valid: y.narrow(0, n_train, 1001 - n_train),
        }
    }

    /// Training samples.
    pub fn train_len(&self) -> i64 {
        self.x_train.size()[0]
    }

    /// Batches per epoch (the last one partial, as Keras counts them).
    pub fn batches_per_epoch(&self) -> u64 {
        (self.train_len() as u64).div_ceil(BATCH as u64)
    }

    /// The mean-squared error of training batch `index` under the sample
    /// order `order`, in training mode (batch statistics).
    pub fn train_loss(&self, model: &impl ModuleT, order: &Tensor, index: u64) -> Tensor {
        let start = index as i64 * BATCH;
        let len = BATCH.min(self.train_len() - start);
        let rows = order.narrow(0, start, len);
        model
            .forward_t(&self.x_train.index_select(0, &rows), true)
            .mse_loss(&self.y_train.index_select(0, &rows), tch::Reduction::Mean)
    }

    /// The mean-squared error of `len` validation samples from `start`, in
    /// eval mode (running statistics).
    pub fn val_loss_of(&self, model: &impl ModuleT, start: i64, len: i64) -> Result<f64, Error> {
        let loss = model
            .forward_t(&self.x_valid.narrow(0, start, len), false)
            .mse_loss(&self.y_valid.narrow(0, start, len), tch::Reduction::Mean);
        Ok(loss.f_double_value(&[])?)
    }

    /// The mean-squared error on the whole validation set, in eval mode.
    pub fn val_loss(&self, model: &impl ModuleT) -> Result<f64, Error> {
        self.val_loss_of(model, 0, self.x_valid.size()[0])
    }
}

/// Linear(1, 20) → BatchNorm → ReLU → Linear(20, 1), in `vs`: Kaiming-normal
/// weights and uniform ±1/√fan_in biases, as the Candle demo draws them.
pub fn mlp(vs: &VarStore) -> nn::SequentialT {
    let init = |fan_in: f64| nn::LinearConfig {
        ws_init: nn::Init::Randn {
            mean: 0.0,
            stdev: (2.0 / fan_in).sqrt(),
        },
        bs_init: Some(nn::Init::Uniform {
            lo: -1.0 / fan_in.sqrt(),
            up: 1.0 / fan_in.sqrt(),
        }),
        bias: true,
    };
    let root = vs.root();
    nn::seq_t()
        .add(nn::linear(&root / "hidden", 1, HIDDEN, init(1.0)))
        .add(nn::batch_norm1d(&root / "norm", HIDDEN, Default::default()))
        .add_fn(|t| t.relu())
        .add(nn::linear(&root / "out", HIDDEN, 1, init(HIDDEN as f64)))
}

/// One policy's run.
pub struct Row {
    /// The policy.
    pub name: &'static str,
    /// Validation loss after every epoch.
    pub val_loss: Vec<f64>,
}

/// Trains `epochs` epochs under `schedule` with a fresh optimizer; returns
/// the validation loss per epoch.
fn train<S: HyperSchedule<f64>>(
    data: &Data,
    (vs, model): (&mut VarStore, &nn::SequentialT),
    optimizer: &mut TchOptimizer,
    schedule: S,
    epochs: u64,
) -> Result<Vec<f64>, Error> {
    let cycle = Cycle::new(epochs, data.batches_per_epoch())?;
    let mut order = Tensor::arange(data.train_len(), (Kind::Int64, Device::Cpu));
    let outcome = Fit::new(schedule, cycle)?
        .validation(|_, _epoch| Ok(data.val_loss(model)?))
        .run(vs, optimizer, |_, batch| {
            if batch.index == 0 {
                order = Tensor::randperm(data.train_len(), (Kind::Int64, Device::Cpu));
            }
            Ok(data.train_loss(model, &order, batch.index))
        })?;
    Ok(outcome.history.get("val_loss").unwrap_or_default().to_vec())
}

/// Runs the three policies for `epochs` = (one-cycle, CLR, constant)
/// epochs from the same initial weights. Returns the untrained model's
/// validation loss and one row per policy.
pub fn run(epochs: [u64; 3]) -> Result<(f64, Vec<Row>), Error> {
    // One libtorch thread: on a network this small a thread pool only adds
    // synchronization (100x slower on a busy machine).
    tch::set_num_threads(1);
    tch::manual_seed(99);
    let data = Data::seed();
    let mut vs = VarStore::new(Device::Cpu);
    let model = mlp(&vs);
    let start = VarStoreSnapshot::take(&vs)?;
    let initial = tch::no_grad(|| data.val_loss(&model))?;
    // the Keras package's demo sets SGD's momentum to 0.95; the schedules set it.
    let sgd = nn::Sgd {
        momentum: 0.95,
        ..Default::default()
    };
    let mut optimizer = TchOptimizer::new(&vs, sgd, 5e-3)?;
    let bpe = data.batches_per_epoch();
    let (lo, hi) = (1e-2 / 5.0, 1e-2);
    let [one_cycle_epochs, clr_epochs, constant_epochs] = epochs;

    let mut rows = Vec::new();
    let mut policy = |name: &'static str, val_loss: Vec<f64>| rows.push(Row { name, val_loss });

    let one_cycle = KerasOneCycle::builder((lo, hi), one_cycle_epochs * bpe)
        .momentum_range(0.95, 0.85)
        .build()?;
    policy(
        "one-cycle",
        train(
            &data,
            (&mut vs, &model),
            &mut optimizer,
            one_cycle,
            one_cycle_epochs,
        )?,
    );

    start.restore(&vs)?;
    optimizer.rebuild()?;
    let clr = KerasClr::builder(3, (lo, hi), clr_epochs * bpe)
        .momentum_range(0.95, 0.85)
        .amplitude(Amplitude::Decay(1.0 / 3.0))
        .build_fixed()?;
    policy(
        "clr",
        train(&data, (&mut vs, &model), &mut optimizer, clr, clr_epochs)?,
    );

    start.restore(&vs)?;
    optimizer.rebuild()?;
    let constant = Bundle::new(Constant::new(5e-3)?, Constant::new(0.95)?);
    policy(
        "constant",
        train(
            &data,
            (&mut vs, &model),
            &mut optimizer,
            constant,
            constant_epochs,
        )?,
    );
    Ok((initial, rows))
}

fn main() -> Result<(), Error> {
    let (initial, rows) = run([40, 60, 40])?;
    println!("untrained val_loss {initial:.5}");
    println!("policy      epochs  final val_loss  best val_loss");
    for row in rows {
        let best = row.val_loss.iter().copied().fold(f64::INFINITY, f64::min);
        let last = row.val_loss.last().copied().unwrap_or(f64::NAN);
        println!(
            "{:<10}  {:>6}  {last:>14.5}  {best:>13.5}",
            row.name,
            row.val_loss.len()
        );
    }
    Ok(())
}
