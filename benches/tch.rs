//! clr-tch against bare tch loops, on libtorch 2.13's CPU with one thread:
//!
//! - `range-test`: `RangeTestRunner` and a hand-written loop doing the same
//!   (the sweep's rate set, forward, backward, step, the loss read and
//!   smoothed; the model copied before and put back after, the optimizer
//!   built again: tch cannot read its momentum buffers) on the Keras
//!   package's demo task;
//! - `fit`: `Fit` and a hand-written loop doing the same optimizer steps
//!   (the schedule's learning rate and momentum set with tch's own setters
//!   before each, the loss read after) on the demo network and on a
//!   64→128→128→10 MLP.
//!
//! ```text
//! eval "$(bash scripts/provision-libtorch.sh)"
//! cargo bench -p clr-benches --features tch --bench tch -- range-test 100 1000 --repeats 5
//! cargo bench -p clr-benches --features tch --bench tch -- fit --repeats 15
//! ```

use std::error::Error as StdError;

use clr_benches::{
    bare_sweep, batches_per_epoch, one_cycle, range_test_config, time_fit, time_range_test, Args,
    Classes, Demo, Order, BATCH, HIDDEN, LR_RANGE, MOMENTUM, POINTS, STEPS,
};
use clr_tch::clr_core::HyperSchedule;
use clr_tch::tch::nn::{self, Module, ModuleT, OptimizerConfig, VarStore};
use clr_tch::tch::{self, Device, Reduction, Tensor};
use clr_tch::{Error, Fit, RangeTestRunner, TchOptimizer};

type Result<T> = std::result::Result<T, Error>;

fn main() -> std::result::Result<(), Box<dyn StdError>> {
    tch::set_num_threads(1);
    tch::set_num_interop_threads(1);
    match Args::parse()? {
        Args::RangeTest {
            iterations,
            repeats,
        } => range_test(&iterations, repeats)?,
        Args::Fit { repeats } => fit(repeats)?,
    }
    Ok(())
}

/// SGD with the demo's momentum.
fn sgd() -> nn::Sgd {
    nn::Sgd {
        momentum: MOMENTUM,
        ..Default::default()
    }
}

/// The Keras package's 1→20→1 network with batch norm, in `vs`, with the
/// demo's initial weights.
fn demo_net(vs: &VarStore, demo: &Demo) -> Result<nn::SequentialT> {
    let root = vs.root();
    let hidden = nn::linear(&root / "hidden", 1, HIDDEN as i64, Default::default());
    let out = nn::linear(&root / "out", HIDDEN as i64, 1, Default::default());
    tch::no_grad(|| -> Result<()> {
        for (var, values) in [
            (&hidden.ws, &demo.hidden_weight),
            (&out.ws, &demo.out_weight),
        ]
        .into_iter()
        .chain(hidden.bs.iter().zip([&demo.hidden_bias]))
        .chain(out.bs.iter().zip([&demo.out_bias]))
        {
            let value = Tensor::from_slice(values).f_view_(var.size().as_slice())?;
            var.shallow_clone().f_copy_(&value)?;
        }
        Ok(())
    })?;
    Ok(nn::seq_t()
        .add(hidden)
        .add(nn::batch_norm1d(
            &root / "norm",
            HIDDEN as i64,
            Default::default(),
        ))
        .add_fn(|t| t.relu())
        .add(out))
}

fn mse(net: &nn::SequentialT, (x, y): &(Tensor, Tensor)) -> Tensor {
    net.forward_t(x, true).mse_loss(y, Reduction::Mean)
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
        let x = Tensor::from_slice(&demo.x).f_view_([POINTS as i64, 1])?;
        let y = Tensor::from_slice(&demo.y).f_view_([POINTS as i64, 1])?;
        Ok(Loader {
            shuffled: (x.shallow_clone(), y.shallow_clone()),
            x,
            y,
            order: Order::new(POINTS),
        })
    }

    /// Batch `index` (counted over all epochs); reshuffles at an epoch's start.
    fn batch(&mut self, index: u64) -> Result<(Tensor, Tensor)> {
        let index = (index % batches_per_epoch(POINTS)) as i64;
        if index == 0 {
            let order: Vec<i64> = self.order.shuffle().iter().map(|&i| i64::from(i)).collect();
            let order = Tensor::from_slice(&order);
            self.shuffled = (
                self.x.f_index_select(0, &order)?,
                self.y.f_index_select(0, &order)?,
            );
        }
        let (batch, points) = (BATCH as i64, POINTS as i64);
        let (start, len) = (index * batch, batch.min(points - index * batch));
        Ok((
            self.shuffled.0.f_narrow(0, start, len)?,
            self.shuffled.1.f_narrow(0, start, len)?,
        ))
    }
}

fn range_test(iterations: &[u64], repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let mut vs = VarStore::new(Device::Cpu);
    let net = demo_net(&vs, &demo)?;
    let mut optimizer = TchOptimizer::new(&vs, sgd(), LR_RANGE.0)?;
    for &n in iterations {
        time_range_test("clr-tch", n, repeats, || {
            let mut loader = Loader::new(&demo)?;
            let config = range_test_config(n);
            let outcome = RangeTestRunner::new(config, |_, i| Ok(mse(&net, &loader.batch(i)?)))
                .quiet(true)
                .run(&mut vs, &mut optimizer)?;
            Ok::<_, Error>(outcome.result.sweeps[0].recorded() as u64)
        })?;
        time_range_test("bare tch", n, repeats, || {
            bare_range_test(&vs, &net, &demo, n)
        })?;
    }
    Ok(())
}

/// The range test by hand: torch-lr-finder's sweep and smoothing, no
/// divergence stop but a non-finite loss; returns the batches trained.
fn bare_range_test(vs: &VarStore, net: &nn::SequentialT, demo: &Demo, n: u64) -> Result<u64> {
    let variables = vs.variables();
    let saved = tch::no_grad(|| {
        variables
            .iter()
            .map(|(name, var)| Ok((name.clone(), var.f_detach()?.copy())))
            .collect::<Result<Vec<_>>>()
    })?;
    let mut optimizer = sgd().build(vs, LR_RANGE.0)?;
    let mut loader = Loader::new(demo)?;
    let batches = bare_sweep(n, |i, lr| {
        optimizer.set_lr(lr);
        let loss = mse(net, &loader.batch(i)?);
        optimizer.backward_step(&loss);
        Ok::<_, Error>(loss.f_double_value(&[])?)
    })?;
    tch::no_grad(|| {
        for (name, value) in &saved {
            variables[name].shallow_clone().f_copy_(value)?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(batches)
}

/// One epoch's batches of the demo's data.
fn demo_batches(demo: &Demo) -> Result<Vec<(Tensor, Tensor)>> {
    let mut loader = Loader::new(demo)?;
    (0..batches_per_epoch(POINTS))
        .map(|i| loader.batch(i))
        .collect()
}

/// The 64→128→128→10 ReLU MLP and one epoch of its batches.
fn mlp(vs: &VarStore) -> Result<(nn::Sequential, Vec<(Tensor, Tensor)>)> {
    let mut net = nn::seq();
    let widths = Classes::WIDTHS.map(|w| w as i64);
    for (i, w) in widths.windows(2).enumerate() {
        net = net.add(nn::linear(
            vs.root() / format!("l{i}"),
            w[0],
            w[1],
            Default::default(),
        ));
        if i + 2 < widths.len() {
            net = net.add_fn(|t| t.relu());
        }
    }
    let classes = Classes::new(32 * BATCH);
    let x = Tensor::from_slice(&classes.x).f_view_([32 * BATCH as i64, widths[0]])?;
    let labels: Vec<i64> = classes.labels.iter().map(|&l| i64::from(l)).collect();
    let labels = Tensor::from_slice(&labels);
    let batch = BATCH as i64;
    let batches = (0..32)
        .map(|b| {
            Ok((
                x.f_narrow(0, b * batch, batch)?,
                labels.f_narrow(0, b * batch, batch)?,
            ))
        })
        .collect::<Result<_>>()?;
    Ok((net, batches))
}

fn fit(repeats: usize) -> Result<()> {
    let demo = Demo::new();
    let mut vs = VarStore::new(Device::Cpu);
    let net = demo_net(&vs, &demo)?;
    let batches = demo_batches(&demo)?;
    fit_pair("demo 1-20-1", &mut vs, &batches, repeats, |b| mse(&net, b))?;
    let mut vs = VarStore::new(Device::Cpu);
    let (net, batches) = mlp(&vs)?;
    fit_pair(
        "MLP 64-128-128-10",
        &mut vs,
        &batches,
        repeats,
        |(x, labels)| net.forward(x).cross_entropy_for_logits(labels),
    )
}

/// `Fit` against the hand-written loop on one model: a one-cycle of
/// [`STEPS`] steps, learning rate and momentum, in epochs of `batches`.
fn fit_pair(
    model: &str,
    vs: &mut VarStore,
    batches: &[(Tensor, Tensor)],
    repeats: usize,
    loss: impl Fn(&(Tensor, Tensor)) -> Tensor,
) -> Result<()> {
    let (schedule, cycle) = one_cycle(batches.len() as u64)?;
    let loss_of = |index: u64| loss(&batches[index as usize % batches.len()]);
    let mut bare_optimizer = sgd().build(vs, 1e-3)?;
    let mut our_optimizer = TchOptimizer::new(vs, sgd(), 1e-3)?;
    let bare = || {
        let mut sum = 0.0;
        for k in 0..STEPS {
            let h = schedule.hypers(k);
            bare_optimizer.set_lr(h.lr);
            bare_optimizer.set_momentum(h.momentum.unwrap_or(MOMENTUM));
            let loss = loss_of(k);
            bare_optimizer.backward_step(&loss);
            sum += loss.f_double_value(&[])?;
        }
        std::hint::black_box(sum);
        Ok::<_, Error>(())
    };
    let ours = || {
        Fit::new(schedule, cycle)?
            .quiet(true)
            .run(vs, &mut our_optimizer, |_, batch| Ok(loss_of(batch.index)))?;
        Ok::<_, Error>(())
    };
    time_fit(("clr-tch", model), STEPS, repeats, bare, ours)
}
