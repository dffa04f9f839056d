//! The adapter's per-step overhead: applying a schedule's learning rate and
//! momentum to a libtorch optimizer (`TchOptimizer::apply_all`) against the
//! optimizer step alone, on small MLPs, for SGD with momentum and Adam.
//!
//! ```text
//! eval "$(bash scripts/provision-libtorch.sh)"
//! cargo bench -p clr-tch --bench overhead
//! ```
//!
//! Group ids: `<optimizer>/<model>`; function ids: `step` (the optimizer
//! step alone, on gradients computed once), `apply` (the scheduled
//! hyper-parameters of the next step set on every group: a new learning
//! rate and momentum each time, so every setter runs), `apply+step` (what
//! a training step adds up to without the forward and backward passes),
//! `tch-setters` (the same two libtorch setter calls made bare on a
//! `tch::COptimizer`, without the adapter's checks and bookkeeping).
//! The overhead is `apply / step`. libtorch runs on one thread.

use clr_core::{HyperSchedule, Hypers, OneCycleLr};
use clr_tch::{OptimizerSpec, ScheduledOptimizer, TchOptimizer, TchStep};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tch::nn::{self, Module, VarStore};
use tch::{COptimizer, Device, Kind, Tensor};

/// A ReLU MLP of the given widths.
fn mlp(vs: &VarStore, widths: &[i64]) -> nn::Sequential {
    let mut seq = nn::seq();
    for (i, w) in widths.windows(2).enumerate() {
        seq = seq.add(nn::linear(
            vs.root() / format!("l{i}"),
            w[0],
            w[1],
            Default::default(),
        ));
        if i + 2 < widths.len() {
            seq = seq.add_fn(|t| t.relu());
        }
    }
    seq
}

/// libtorch's optimizer for `spec` over `vs`, without the adapter.
fn raw_optimizer(vs: &VarStore, spec: &OptimizerSpec) -> COptimizer {
    let mut opt = match *spec {
        OptimizerSpec::Sgd(c) => COptimizer::sgd(1e-3, c.momentum, c.dampening, c.wd, c.nesterov),
        OptimizerSpec::Adam(c) => COptimizer::adam(1e-3, c.beta1, c.beta2, c.wd, c.eps, c.amsgrad),
        _ => unreachable!("benchmarked: SGD and Adam"),
    }
    .unwrap();
    for t in vs.trainable_variables() {
        opt.add_parameters(&t, 0).unwrap();
    }
    opt
}

fn bench(c: &mut Criterion) {
    tch::set_num_threads(1);
    tch::manual_seed(0);
    // One cycle's values, one per step, cycled through.
    let schedule = OneCycleLr::builder(0.1_f64, 1000).build().unwrap();
    let hypers: Vec<Hypers<f64>> = (0..1000).map(|s| schedule.hypers(s)).collect();
    let models: [(&str, &[i64]); 2] = [
        ("1-20-1", &[1, 20, 1]),                // the Keras package's network
        ("64-128-128-10", &[64, 128, 128, 10]), // a small MLP
    ];
    let specs: [(&str, OptimizerSpec); 2] = [
        (
            "sgd-momentum",
            nn::Sgd {
                momentum: 0.9,
                ..Default::default()
            }
            .into(),
        ),
        ("adam", nn::Adam::default().into()),
    ];
    for (opt_name, spec) in specs {
        for (model_name, widths) in models {
            let vs = VarStore::new(Device::Cpu);
            let model = mlp(&vs, widths);
            let x = Tensor::randn([32, widths[0]], (Kind::Float, Device::Cpu));
            let mut opt = TchOptimizer::new(&vs, spec, 1e-3).unwrap();
            // Gradients once; every step below reuses them.
            opt.zero_grad().unwrap();
            model.forward(&x).square().mean(Kind::Float).backward();
            // Tiny learning rates keep the weights finite over millions of steps.
            let tiny: Vec<Hypers<f64>> = hypers.iter().map(|h| h.scale_lr(1e-6)).collect();

            let mut g = c.benchmark_group(format!("{opt_name}/{model_name}"));
            g.bench_function("step", |b| b.iter(|| opt.optimizer_step().unwrap()));
            let mut i = 0;
            g.bench_function("apply", |b| {
                b.iter(|| {
                    i = (i + 1) % tiny.len();
                    opt.apply_all(black_box(&tiny[i]), &[]).unwrap();
                })
            });
            // The same libtorch setters called bare, without the adapter's
            // checks and bookkeeping: the floor of any tch adapter.
            let mut raw = raw_optimizer(&vs, &spec);
            let shared = spec.kind().momentum_is_shared();
            g.bench_function("tch-setters", |b| {
                b.iter(|| {
                    i = (i + 1) % tiny.len();
                    let h = black_box(&tiny[i]);
                    raw.set_learning_rate_group(0, h.lr).unwrap();
                    let m = h.momentum.unwrap_or(0.9);
                    if shared {
                        raw.set_momentum(m).unwrap();
                    } else {
                        raw.set_momentum_group(0, m).unwrap();
                    }
                })
            });
            g.bench_function("apply+step", |b| {
                b.iter(|| {
                    i = (i + 1) % tiny.len();
                    opt.apply_all(black_box(&tiny[i]), &[]).unwrap();
                    opt.optimizer_step().unwrap();
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
