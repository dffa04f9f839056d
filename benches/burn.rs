//! clr-burn against bare burn loops, on burn's ndarray backend (built
//! without its `multi-threads` feature: one thread):
//!
//! - `range-test`: `RangeTestRunner` and a hand-written loop doing the same
//!   (the sweep's rate set, forward, backward, step, the loss read and
//!   smoothed; the module kept in validation form before and put back
//!   after, a new optimizer) on the Keras package's demo task;
//! - `fit`: `Fit` and a hand-written loop doing the same optimizer steps
//!   (the schedule's learning rate and momentum set before each, the loss
//!   read after) on the demo network and on a 64→128→128→10 MLP.
//!
//! ```text
//! cargo bench -p clr-benches --bench burn -- range-test 100 1000 --repeats 5
//! cargo bench -p clr-benches --bench burn -- fit --repeats 15
//! ```
//!
//! Both loops use clr-burn's `MomentumSgd`: burn's own SGD fixes its
//! momentum when built, so a bare loop could not follow the schedule's.

use clr::core::HyperSchedule;
use clr_benches::{
    bare_sweep, batches_per_epoch, one_cycle, range_test_config, time_fit, time_range_test, Args,
    Classes, Demo, Order, BATCH, HIDDEN, LR_RANGE, MOMENTUM, POINTS, STEPS,
};
// burn's `Module` derive names the crate `burn`.
use clr_burn::burn;
use clr_burn::burn::module::{Module, Param};
use clr_burn::burn::nn::loss::CrossEntropyLossConfig;
use clr_burn::burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use clr_burn::burn::optim::GradientsParams;
use clr_burn::burn::tensor::{activation::relu, Device, Int, Tensor, TensorData};
use clr_burn::{AdapterError, Error, Fit, MomentumSgd, RangeTestRunner, SgdParams};

type Result<T> = std::result::Result<T, Error>;

/// An error of the benchmark's own.
fn user(message: impl Into<String>) -> Error {
    Error::from(AdapterError::user(message.into()))
}

fn main() -> Result<()> {
    let args = Args::parse().map_err(user)?;
    let device = Device::default().autodiff();
    match args {
        Args::RangeTest {
            iterations,
            repeats,
        } => range_test(&device, &iterations, repeats),
        Args::Fit { repeats } => fit(&device, repeats),
    }
}

/// A parameter of `values` in `shape` (burn lays a linear layer's weight
/// out `[in, out]`: with one side 1, the demo's order is the same).
fn param<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(
        TensorData::new(values.to_vec(), shape),
        device,
    ))
}

/// The Keras package's 1→20→1 network with batch norm.
#[derive(Module, Debug)]
struct DemoNet {
    hidden: Linear,
    norm: BatchNorm,
    out: Linear,
}

impl DemoNet {
    /// The network with the demo's initial weights.
    fn new(demo: &Demo, device: &Device) -> Self {
        let mut hidden = LinearConfig::new(1, HIDDEN).init(device);
        hidden.weight = param(&demo.hidden_weight, [1, HIDDEN], device);
        hidden.bias = Some(param(&demo.hidden_bias, [HIDDEN], device));
        let mut out = LinearConfig::new(HIDDEN, 1).init(device);
        out.weight = param(&demo.out_weight, [HIDDEN, 1], device);
        out.bias = Some(param(&demo.out_bias, [1], device));
        DemoNet {
            hidden,
            norm: BatchNormConfig::new(HIDDEN).init(device),
            out,
        }
    }

    /// The mean squared error on `(x, y)`, batch norm in training mode.
    fn loss(&self, (x, y): &(Tensor<2>, Tensor<2>)) -> Tensor<1> {
        let h = relu(self.norm.forward(self.hidden.forward(x.clone())));
        (self.out.forward(h) - y.clone()).square().mean()
    }
}

/// The demo's data, in a new order every epoch.
struct Loader {
    x: Tensor<2>,
    y: Tensor<2>,
    order: Order,
    shuffled: (Tensor<2>, Tensor<2>),
}

impl Loader {
    fn new(demo: &Demo, device: &Device) -> Self {
        let column =
            |v: &[f32]| Tensor::from_data(TensorData::new(v.to_vec(), [POINTS, 1]), device);
        let (x, y) = (column(&demo.x), column(&demo.y));
        Loader {
            shuffled: (x.clone(), y.clone()),
            x,
            y,
            order: Order::new(POINTS),
        }
    }

    /// Batch `index` (counted over all epochs); reshuffles at an epoch's start.
    fn batch(&mut self, index: u64) -> (Tensor<2>, Tensor<2>) {
        let index = (index % batches_per_epoch(POINTS)) as usize;
        if index == 0 {
            let order: Vec<i64> = self.order.shuffle().iter().map(|&i| i64::from(i)).collect();
            let order = Tensor::<1, Int>::from_ints(order.as_slice(), &self.x.device());
            self.shuffled = (
                self.x.clone().select(0, order.clone()),
                self.y.clone().select(0, order),
            );
        }
        let (start, len) = (index * BATCH, BATCH.min(POINTS - index * BATCH));
        (
            self.shuffled.0.clone().narrow(0, start, len),
            self.shuffled.1.clone().narrow(0, start, len),
        )
    }
}

fn sgd(lr: f64) -> Result<MomentumSgd> {
    MomentumSgd::new(SgdParams {
        lr,
        momentum: MOMENTUM,
        ..SgdParams::default()
    })
}

fn range_test(device: &Device, iterations: &[u64], repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let mut net = DemoNet::new(&demo, device);
    let mut optimizer = sgd(LR_RANGE.0)?;
    for &n in iterations {
        time_range_test("clr-burn", n, repeats, || {
            let mut loader = Loader::new(&demo, device);
            let config = range_test_config(n);
            let outcome =
                RangeTestRunner::new(config, |net: &DemoNet, i| Ok(net.loss(&loader.batch(i))))
                    .quiet(true)
                    .run(&mut net, &mut optimizer)?;
            Ok::<_, Error>(outcome.result.sweeps[0].recorded() as u64)
        })?;
        time_range_test("bare burn", n, repeats, || {
            bare_range_test(&mut net, &demo, device, n)
        })?;
    }
    Ok(())
}

/// The range test by hand: torch-lr-finder's sweep and smoothing, no
/// divergence stop but a non-finite loss; returns the batches trained.
fn bare_range_test(net: &mut DemoNet, demo: &Demo, device: &Device, n: u64) -> Result<u64> {
    // `valid()` copies batch norm's running statistics out of the cell
    // that the training module's clones share.
    let saved = net.valid();
    let mut optimizer = sgd(LR_RANGE.0)?;
    let mut loader = Loader::new(demo, device);
    // burn's step takes the module by value: it waits here between steps.
    let mut model = Some(net.clone());
    let batches = bare_sweep(n, |i, lr| {
        optimizer.set_params(
            0,
            SgdParams {
                lr,
                ..optimizer.params(0)?
            },
        )?;
        let now = model.take().ok_or_else(|| user("no module"))?;
        let loss = now.loss(&loader.batch(i));
        let grads = GradientsParams::from_grads(loss.backward(), &now);
        model = Some(optimizer.step(now, grads));
        Ok::<_, Error>(loss.into_scalar::<f64>())
    })?;
    *net = saved.train();
    Ok(batches)
}

/// The 64→128→128→10 ReLU MLP.
#[derive(Module, Debug)]
struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        let layers = Classes::WIDTHS
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Mlp { layers }
    }

    fn loss(&self, (x, labels): &(Tensor<2>, Tensor<1, Int>)) -> Tensor<1> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i + 1 < self.layers.len() {
                h = relu(h);
            }
        }
        CrossEntropyLossConfig::new()
            .init(&h.device())
            .forward(h, labels.clone())
    }
}

/// One epoch's batches of the demo's data.
fn demo_batches(demo: &Demo, device: &Device) -> Vec<(Tensor<2>, Tensor<2>)> {
    let mut loader = Loader::new(demo, device);
    (0..batches_per_epoch(POINTS))
        .map(|i| loader.batch(i))
        .collect()
}

/// One epoch of the MLP's batches.
fn mlp_batches(device: &Device) -> Vec<(Tensor<2>, Tensor<1, Int>)> {
    let classes = Classes::new(32 * BATCH);
    let x = Tensor::<2>::from_data(TensorData::new(classes.x, [32 * BATCH, 64]), device);
    let labels: Vec<i64> = classes.labels.iter().map(|&l| i64::from(l)).collect();
    let labels = Tensor::<1, Int>::from_ints(labels.as_slice(), device);
    (0..32)
        .map(|b| {
            (
                x.clone().narrow(0, b * BATCH, BATCH),
                labels.clone().narrow(0, b * BATCH, BATCH),
            )
        })
        .collect()
}

fn fit(device: &Device, repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let batches = demo_batches(&demo, device);
    let net = DemoNet::new(&demo, device);
    let epoch = batches.len() as u64;
    fit_pair(("demo 1-20-1", epoch), net, repeats, |net: &DemoNet, k| {
        net.loss(&batches[k as usize % batches.len()])
    })?;
    let batches = mlp_batches(device);
    fit_pair(
        ("MLP 64-128-128-10", batches.len() as u64),
        Mlp::new(device),
        repeats,
        |net: &Mlp, k| net.loss(&batches[k as usize % batches.len()]),
    )
}

/// `Fit` against the hand-written loop on one model: a one-cycle of
/// [`STEPS`] steps, learning rate and momentum, in epochs of `batches`.
fn fit_pair<M: Module>(
    (model, batches): (&str, u64),
    net: M,
    repeats: usize,
    loss_of: impl Fn(&M, u64) -> Tensor<1>,
) -> Result<()> {
    let (schedule, cycle) = one_cycle(batches)?;
    // The bare loop owns its module between blocks, as a user's would.
    let mut bare_net = Some(net.clone());
    let mut our_net = net;
    let mut bare_optimizer = sgd(1e-3)?;
    let mut our_optimizer = sgd(1e-3)?;
    let bare = || {
        let mut net = bare_net.take().ok_or_else(|| user("no module"))?;
        let mut sum = 0.0;
        for k in 0..STEPS {
            let h = schedule.hypers(k);
            bare_optimizer.set_params(
                0,
                SgdParams {
                    lr: h.lr,
                    momentum: h.momentum.unwrap_or(MOMENTUM),
                    ..bare_optimizer.params(0)?
                },
            )?;
            let loss = loss_of(&net, k);
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = bare_optimizer.step(net, grads);
            sum += loss.into_scalar::<f64>();
        }
        bare_net = Some(net);
        std::hint::black_box(sum);
        Ok::<_, Error>(())
    };
    let ours = || {
        Fit::new(schedule, cycle)?.quiet(true).run(
            &mut our_net,
            &mut our_optimizer,
            |net: &M, batch| Ok(loss_of(net, batch.index)),
        )?;
        Ok::<_, Error>(())
    };
    time_fit(("clr-burn", model), STEPS, repeats, bare, ours)
}
