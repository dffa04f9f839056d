//! Checkpoints on tch (issue 24): a `Fit` run killed mid-cycle resumes
//! from its checkpoint in a fresh setup (a new `VarStore`, model and
//! optimizer, loaded from the files) and ends with the weights of the
//! uninterrupted run, bit for bit. tch cannot read a libtorch optimizer's
//! moments or momentum buffers: a checkpoint of one that holds them is a
//! typed error, not a file that resumes differently.

use std::path::PathBuf;

use clr_core::{Bundle, Cycle, KerasOneCycle, Lr};
use clr_tch::{AdapterError, Error, Fit, TchOptimizer};
use clr_train::{Batch, BoxError, Checkpoints};
use tch::nn::{self, Module, VarStore};
use tch::{Device, Kind, Tensor};

/// A 1-8-1 network; `seed` picks fixed initial weights (not libtorch's
/// global random generator, which tests running in parallel share).
fn net(vs: &VarStore, seed: f64) -> nn::Sequential {
    let root = vs.root();
    let net = nn::seq()
        .add(nn::linear(&root / "l1", 1, 8, Default::default()))
        .add_fn(|t| t.tanh())
        .add(nn::linear(&root / "l2", 8, 1, Default::default()));
    let mut variables = vs.variables().into_iter().collect::<Vec<_>>();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (k, (_, mut var)) in variables.into_iter().enumerate() {
            let n = var.numel() as i64;
            let values = ((Tensor::arange(n, (Kind::Float, Device::Cpu)) + 8.0 * k as f64) * 0.7
                + seed)
                .sin()
                .reshape(var.size());
            var.copy_(&values);
        }
    });
    net
}

/// 4 batches of 8 points of y = sin(3x), each batch its own.
fn loss(net: &nn::Sequential, batch: &Batch) -> Result<Tensor, BoxError> {
    let x = (Tensor::arange(8, (Kind::Float, Device::Cpu)) * 4.0 + batch.index as f64) / 16.0 - 1.0;
    let x = x.reshape([8, 1]);
    let y = (&x * 3.0).sin();
    Ok(net.forward(&x).mse_loss(&y, tch::Reduction::Mean))
}

/// Every variable's bits, by name.
fn weights(vs: &VarStore) -> Vec<(String, Vec<u32>)> {
    let mut all: Vec<(String, Vec<u32>)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| {
            let v = Vec::<f32>::try_from(t.detach().flatten(0, -1)).expect("f32 variable");
            (name, v.into_iter().map(f32::to_bits).collect())
        })
        .collect();
    all.sort();
    all
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-tch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cycle() -> Cycle {
    Cycle::new(6, 4).unwrap()
}

/// A one-cycle learning rate, no momentum: plain SGD keeps no state.
fn lr_only() -> Bundle<Lr<KerasOneCycle<f64>>, Lr<KerasOneCycle<f64>>> {
    let one_cycle = KerasOneCycle::builder((0.02, 0.1), cycle().iterations())
        .build()
        .unwrap();
    Bundle::lr_only(Lr(one_cycle))
}

fn sgd(vs: &VarStore) -> TchOptimizer {
    TchOptimizer::new(
        vs,
        nn::Sgd {
            wd: 1e-3,
            ..Default::default()
        },
        0.1,
    )
    .unwrap()
}

#[test]
fn a_killed_sgd_run_resumes_from_its_checkpoint_bit_identically() {
    let mut vs = VarStore::new(Device::Cpu);
    let model = net(&vs, 0.3);
    let mut opt = sgd(&vs);
    Fit::new(lr_only(), cycle())
        .unwrap()
        .quiet(true)
        .run(&mut vs, &mut opt, |_, b| loss(&model, &b))
        .unwrap();
    let whole = weights(&vs);

    // Killed after 15 batches: mid-epoch 3, the last checkpoint is epoch 2's.
    let dir = scratch("resume");
    let mut vs = VarStore::new(Device::Cpu);
    let model = net(&vs, 0.3);
    let mut opt = sgd(&vs);
    let killed = Fit::new(lr_only(), cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut vs, &mut opt, |_, b| {
            if b.iteration == 15 {
                return Err("killed".into());
            }
            loss(&model, &b)
        });
    assert!(killed.is_err());
    drop((vs, model, opt));

    // A fresh process: other initial weights, a new VarStore and
    // optimizer, loaded from the checkpoint.
    let mut vs = VarStore::new(Device::Cpu);
    let model = net(&vs, 1.9);
    assert_ne!(weights(&vs), whole);
    let mut opt = sgd(&vs);
    let mut trained = Vec::new();
    let outcome = Fit::new(lr_only(), cycle())
        .unwrap()
        .quiet(true)
        .resume_from(&dir)
        .unwrap()
        .run(&mut vs, &mut opt, |_, b| {
            trained.push(b.iteration);
            loss(&model, &b)
        })
        .unwrap();
    assert_eq!(trained, (12..24).collect::<Vec<_>>());
    assert_eq!(
        outcome.history.len(),
        6,
        "the checkpoint's epochs and the rest"
    );
    assert_eq!(weights(&vs), whole);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// libtorch's Adam keeps moments tch cannot read; SGD keeps momentum
/// buffers once it stepped with a momentum: their checkpoints are typed
/// errors naming the optimizer, given when the run starts, before it
/// trains a batch.
#[test]
fn optimizer_state_tch_cannot_read_is_a_typed_error() {
    let momentum = KerasOneCycle::builder((0.02, 0.1), cycle().iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    let dir = scratch("sgd-momentum");
    let mut vs = VarStore::new(Device::Cpu);
    let model = net(&vs, 0.3);
    let spec = nn::Sgd {
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = TchOptimizer::new(&vs, spec, 0.1).unwrap();
    assert!(!opt.has_state());
    let mut batches = 0;
    let e = Fit::new(momentum, cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut vs, &mut opt, |_, b| {
            batches += 1;
            loss(&model, &b)
        })
        .unwrap_err();
    assert_eq!(batches, 0, "refused before training");
    assert!(!opt.has_state());
    assert!(
        matches!(
            e,
            Error::Adapter(AdapterError::StateUnreadable {
                optimizer: "tch::nn::Sgd",
                ..
            })
        ),
        "{e}"
    );
    assert!(!Checkpoints::new(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);

    let dir = scratch("adam");
    let mut vs = VarStore::new(Device::Cpu);
    let model = net(&vs, 0.3);
    let mut adam = TchOptimizer::new(&vs, nn::AdamW::default(), 1e-3).unwrap();
    let e = Fit::new(momentum, cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut vs, &mut adam, |_, b| {
            batches += 1;
            loss(&model, &b)
        })
        .unwrap_err();
    assert_eq!(batches, 0, "refused before training");
    assert!(
        e.to_string()
            .starts_with("cannot save the state of tch::nn::AdamW: libtorch keeps its moments"),
        "{e}"
    );
    assert!(!adam.has_state(), "refused before a step");
    // Once it steps it holds state; rebuilt, it holds none again.
    let x = Tensor::ones([8, 1], (Kind::Float, Device::Cpu));
    adam.backward_step(&model.forward(&x).mean(Kind::Float))
        .unwrap();
    assert!(adam.has_state());
    adam.rebuild().unwrap();
    assert!(!adam.has_state());
    let _ = std::fs::remove_dir_all(&dir);
}
