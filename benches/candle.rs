//! clr-candle against bare Candle loops, on Candle's CPU backend with one
//! thread (`RAYON_NUM_THREADS=1`):
//!
//! - `range-test`: `RangeTestRunner` and a hand-written loop doing the same
//!   (the sweep's rate set, forward, backward, step, the loss read and
//!   smoothed; the model copied before and put back after) on the Keras
//!   package's demo task;
//! - `fit`: `Fit` and a hand-written loop doing the same optimizer steps
//!   (the schedule's learning rate and momentum set before each, the loss
//!   read after) on the demo network and on a 64→128→128→10 MLP.
//!
//! ```text
//! cargo bench -p clr-benches --bench candle -- range-test 100 1000 --repeats 5
//! cargo bench -p clr-benches --bench candle -- fit --repeats 15
//! ```
//!
//! Both loops use clr-candle's `MomentumSgd` (candle-nn has no SGD with
//! momentum) through candle-nn's `Optimizer` trait.

use clr::core::HyperSchedule;
use clr_benches::{
    bare_sweep, batches_per_epoch, one_cycle, range_test_config, time_fit, time_range_test, Args,
    Classes, Demo, Order, BATCH, HIDDEN, LR_RANGE, MOMENTUM, POINTS, STEPS,
};
use clr_candle::candle_core::{self, DType, Device, Module, ModuleT, Tensor};
use clr_candle::candle_nn::{self, BatchNorm, Linear, Optimizer, VarBuilder, VarMap};
use clr_candle::{AdapterError, Error, Fit, MomentumSgd, RangeTestRunner, SgdParams};

type Result<T> = std::result::Result<T, Error>;

/// An error of the benchmark's own.
fn user(message: impl Into<String>) -> Error {
    Error::from(AdapterError::user(message.into()))
}

fn main() -> Result<()> {
    // Candle's CPU kernels take their thread count from here (read lazily).
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let args = Args::parse().map_err(user)?;
    match args {
        Args::RangeTest {
            iterations,
            repeats,
        } => range_test(&iterations, repeats),
        Args::Fit { repeats } => fit(repeats),
    }
}

/// The Keras package's 1→20→1 network with batch norm.
struct DemoNet {
    hidden: Linear,
    norm: BatchNorm,
    out: Linear,
}

impl DemoNet {
    /// The network in `varmap`, with the demo's initial weights.
    fn new(varmap: &VarMap, demo: &Demo) -> Result<Self> {
        let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
        let net = DemoNet {
            hidden: candle_nn::linear(1, HIDDEN, vb.pp("hidden"))?,
            norm: candle_nn::batch_norm(HIDDEN, 1e-5, vb.pp("norm"))?,
            out: candle_nn::linear(HIDDEN, 1, vb.pp("out"))?,
        };
        let data = varmap
            .data()
            .lock()
            .map_err(|_| user("VarMap lock poisoned"))?;
        for (name, values, shape) in [
            ("hidden.weight", &demo.hidden_weight, (HIDDEN, 1)),
            ("hidden.bias", &demo.hidden_bias, (HIDDEN, 1)),
            ("out.weight", &demo.out_weight, (1, HIDDEN)),
            ("out.bias", &demo.out_bias, (1, 1)),
        ] {
            let var = &data[name];
            let value = Tensor::from_slice(values, shape, &Device::Cpu)?;
            var.set(&value.reshape(var.shape())?)?;
        }
        drop(data);
        Ok(net)
    }

    /// The mean squared error on `(x, y)`, batch norm in training mode.
    fn loss(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let h = self
            .norm
            .forward_t(&self.hidden.forward(x)?, true)?
            .relu()?;
        Ok(candle_nn::loss::mse(&self.out.forward(&h)?, y)?)
    }
}

/// The demo's data, in a new order every epoch.
struct Loader {
    x: Tensor,
    y: Tensor,
    order: Order,
    shuffled: (Tensor, Tensor),
}

impl Loader {
    fn new(demo: &Demo) -> Result<Self> {
        let x = Tensor::from_slice(&demo.x, (POINTS, 1), &Device::Cpu)?;
        let y = Tensor::from_slice(&demo.y, (POINTS, 1), &Device::Cpu)?;
        Ok(Loader {
            shuffled: (x.clone(), y.clone()),
            x,
            y,
            order: Order::new(POINTS),
        })
    }

    /// Batch `index` (counted over all epochs); reshuffles at an epoch's start.
    fn batch(&mut self, index: u64) -> Result<(Tensor, Tensor)> {
        let index = (index % batches_per_epoch(POINTS)) as usize;
        if index == 0 {
            let order = Tensor::new(self.order.shuffle(), &Device::Cpu)?;
            self.shuffled = (
                self.x.index_select(&order, 0)?,
                self.y.index_select(&order, 0)?,
            );
        }
        let (start, len) = (index * BATCH, BATCH.min(POINTS - index * BATCH));
        Ok((
            self.shuffled.0.narrow(0, start, len)?,
            self.shuffled.1.narrow(0, start, len)?,
        ))
    }
}

fn sgd(varmap: &VarMap, lr: f64) -> Result<MomentumSgd> {
    let params = SgdParams {
        lr,
        momentum: MOMENTUM,
        ..SgdParams::default()
    };
    MomentumSgd::new(varmap.all_vars(), params)
}

fn range_test(iterations: &[u64], repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let mut varmap = VarMap::new();
    let net = DemoNet::new(&varmap, &demo)?;
    let mut optimizer = sgd(&varmap, LR_RANGE.0)?;
    for &n in iterations {
        time_range_test("clr-candle", n, repeats, || {
            let mut loader = Loader::new(&demo)?;
            let outcome = RangeTestRunner::new(range_test_config(n), |_, i| {
                let (x, y) = loader.batch(i)?;
                Ok(net.loss(&x, &y)?)
            })
            .quiet(true)
            .run(&mut varmap, &mut optimizer)?;
            Ok::<_, Error>(outcome.result.sweeps[0].recorded() as u64)
        })?;
        time_range_test("bare candle", n, repeats, || {
            bare_range_test(&varmap, &net, &demo, n)
        })?;
    }
    Ok(())
}

/// The range test by hand: torch-lr-finder's sweep and smoothing, no
/// divergence stop but a non-finite loss; returns the batches trained.
fn bare_range_test(varmap: &VarMap, net: &DemoNet, demo: &Demo, n: u64) -> Result<u64> {
    let vars = varmap.all_vars();
    let saved = vars
        .iter()
        .map(|v| v.as_tensor().copy())
        .collect::<candle_core::Result<Vec<_>>>()?;
    let mut optimizer = sgd(varmap, LR_RANGE.0)?;
    let mut loader = Loader::new(demo)?;
    let batches = bare_sweep(n, |i, lr| {
        optimizer.set_learning_rate(lr);
        let (x, y) = loader.batch(i)?;
        let loss = net.loss(&x, &y)?;
        optimizer.backward_step(&loss)?;
        Ok::<_, Error>(f64::from(loss.to_scalar::<f32>()?))
    })?;
    for (var, saved) in vars.iter().zip(&saved) {
        var.set(saved)?;
    }
    Ok(batches)
}

/// The 64→128→128→10 ReLU MLP.
struct Mlp(Vec<Linear>);

impl Mlp {
    fn new(varmap: &VarMap) -> Result<Self> {
        let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
        let layers = Classes::WIDTHS
            .windows(2)
            .enumerate()
            .map(|(i, w)| candle_nn::linear(w[0], w[1], vb.pp(format!("l{i}"))))
            .collect::<candle_core::Result<_>>()?;
        Ok(Mlp(layers))
    }

    fn loss(&self, x: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.0.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.0.len() {
                h = h.relu()?;
            }
        }
        Ok(candle_nn::loss::cross_entropy(&h, labels)?)
    }
}

/// One epoch's batches of the demo's data, or of the MLP's.
fn demo_batches(demo: &Demo) -> Result<Vec<(Tensor, Tensor)>> {
    let mut loader = Loader::new(demo)?;
    (0..batches_per_epoch(POINTS))
        .map(|i| loader.batch(i))
        .collect()
}

fn mlp_batches() -> Result<Vec<(Tensor, Tensor)>> {
    let classes = Classes::new(32 * BATCH);
    let x = Tensor::from_slice(&classes.x, (32 * BATCH, 64), &Device::Cpu)?;
    let labels = Tensor::from_slice(&classes.labels, 32 * BATCH, &Device::Cpu)?;
    (0..32)
        .map(|b| {
            Ok((
                x.narrow(0, b * BATCH, BATCH)?,
                labels.narrow(0, b * BATCH, BATCH)?,
            ))
        })
        .collect()
}

fn fit(repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let mut varmap = VarMap::new();
    let net = DemoNet::new(&varmap, &demo)?;
    let batches = demo_batches(&demo)?;
    fit_pair("demo 1-20-1", &mut varmap, &batches, repeats, |x, y| {
        net.loss(x, y)
    })?;
    let mut varmap = VarMap::new();
    let mlp = Mlp::new(&varmap)?;
    let batches = mlp_batches()?;
    fit_pair(
        "MLP 64-128-128-10",
        &mut varmap,
        &batches,
        repeats,
        |x, y| mlp.loss(x, y),
    )
}

/// `Fit` against the hand-written loop on one model: a one-cycle of
/// [`STEPS`] steps, learning rate and momentum, in epochs of `batches`.
fn fit_pair(
    model: &str,
    varmap: &mut VarMap,
    batches: &[(Tensor, Tensor)],
    repeats: usize,
    loss: impl Fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> Result<()> {
    let (schedule, cycle) = one_cycle(batches.len() as u64)?;
    let loss_of = |index: u64| {
        let (x, y) = &batches[index as usize % batches.len()];
        loss(x, y)
    };
    let mut bare_optimizer = sgd(varmap, 1e-3)?;
    let mut our_optimizer = sgd(varmap, 1e-3)?;
    let bare = || {
        let mut sum = 0.0;
        for k in 0..STEPS {
            let h = schedule.hypers(k);
            bare_optimizer.set_params(SgdParams {
                lr: h.lr,
                momentum: h.momentum.unwrap_or(MOMENTUM),
                ..*bare_optimizer.params()
            })?;
            let loss = loss_of(k)?;
            bare_optimizer.backward_step(&loss)?;
            sum += f64::from(loss.to_scalar::<f32>()?);
        }
        std::hint::black_box(sum);
        Ok::<_, Error>(())
    };
    let ours = || {
        Fit::new(schedule, cycle)?
            .quiet(true)
            .run(varmap, &mut our_optimizer, |_, batch| {
                Ok(loss_of(batch.index)?)
            })?;
        Ok::<_, Error>(())
    };
    time_fit(("clr-candle", model), STEPS, repeats, bare, ours)
}
