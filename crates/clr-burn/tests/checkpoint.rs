//! Checkpoints on burn: a `Fit` run killed mid-cycle resumes from its
//! checkpoint in a fresh setup (another module, with other weights and
//! parameter ids, a new optimizer, loaded from the files) and ends with the
//! weights of the uninterrupted run, bit for bit, batch norm's running
//! statistics included; a file that does not fit is a typed error.

mod net;

use std::path::PathBuf;

use burn::module::{Module, ParamGroup};
use burn::tensor::Device;
use clr_burn::{
    AdamWParams, AdapterError, Error, Fit, MomentumSgd, Params, Scheduled, ScheduledAdamW,
    SgdParams,
};
use clr_burn::{Burn, ScheduledOptimizer};
use clr_core::{Cycle, KerasOneCycle};
use clr_train::{Adapter, Batch, Checkpoints};
use net::{weights, Data, Net};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-burn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cycle() -> Cycle {
    Cycle::new(6, 4).unwrap()
}

fn schedule() -> KerasOneCycle<f64> {
    KerasOneCycle::builder((0.02, 0.1), cycle().iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap()
}

/// Batches 0..4 of the data: 4 batches an epoch.
fn loss(data: &Data, net: &Net, batch: &Batch) -> burn::tensor::Tensor<1> {
    data.batch_loss(net, batch.index)
}

/// The weights' names and bytes (a fresh module has other ids).
fn values(net: &Net) -> Vec<(String, Vec<u8>)> {
    weights(net).into_iter().map(|(n, _, b)| (n, b)).collect()
}

/// Trains uninterrupted; then killed after 15 batches (mid-epoch 3: the
/// last checkpoint is epoch 2's) and resumed in a fresh setup: the weights
/// must agree bit for bit.
fn killed_and_resumed<P: Params>(name: &str, build: impl Fn(&Net) -> Scheduled<P>) {
    let device = Device::default().autodiff();
    let data = Data::new(&device);
    let mut net = Net::new(&device, 0.3);
    let mut opt = build(&net);
    Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .run(&mut net, &mut opt, |net, b| Ok(loss(&data, net, &b)))
        .unwrap();
    let whole = values(&net);

    let dir = scratch(name);
    let mut net = Net::new(&device, 0.3);
    let mut opt = build(&net);
    let killed = Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut net, &mut opt, |net, b| {
            if b.iteration == 15 {
                return Err("killed".into());
            }
            Ok(loss(&data, net, &b))
        });
    assert!(killed.is_err());
    assert!(dir.join("weights-12.bpk").is_file());
    drop((net, opt));

    // A fresh process: other initial weights and parameter ids, a new
    // optimizer, all loaded from the checkpoint.
    let mut net = Net::new(&device, 1.9);
    let mut opt = build(&net);
    let mut trained = Vec::new();
    Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .resume_from(&dir)
        .unwrap()
        .run(&mut net, &mut opt, |net, b| {
            trained.push(b.iteration);
            Ok(loss(&data, net, &b))
        })
        .unwrap();
    assert_eq!(trained, (12..24).collect::<Vec<_>>(), "{name}");
    assert_eq!(values(&net), whole, "{name}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn sgd() -> MomentumSgd {
    let params = SgdParams {
        momentum: 0.9,
        weight_decay: 1e-3,
        ..SgdParams::default()
    };
    MomentumSgd::new(params).unwrap()
}

#[test]
fn a_killed_momentum_sgd_run_resumes_bit_identically() {
    killed_and_resumed("sgd", |_| sgd());
}

#[test]
fn a_killed_adamw_run_of_two_groups_resumes_bit_identically() {
    killed_and_resumed("adamw", |_| {
        let params = AdamWParams {
            weight_decay: 1e-2,
            ..AdamWParams::default()
        };
        ScheduledAdamW::new(params)
            .unwrap()
            .with_group(ParamGroup::from_path("l2"), params)
            .unwrap()
    });
}

/// The first checkpoint of a short SGD run in `dir`.
fn checkpointed(dir: &PathBuf, device: &Device) {
    let data = Data::new(device);
    let mut net = Net::new(device, 0.3);
    Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(dir))
        .run(&mut net, &mut sgd(), |net, b| {
            if b.iteration == 4 {
                return Err("stop".into());
            }
            Ok(loss(&data, net, &b))
        })
        .unwrap_err();
}

#[test]
fn another_optimizers_state_is_refused() {
    let dir = scratch("other-optimizer");
    let device = Device::default().autodiff();
    checkpointed(&dir, &device);
    let data = Data::new(&device);
    let mut net = Net::new(&device, 1.9);
    let mut adamw = ScheduledAdamW::new(AdamWParams::default()).unwrap();
    let e = Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .resume_from(&dir)
        .unwrap()
        .run(&mut net, &mut adamw, |net, b| Ok(loss(&data, net, &b)))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Adapter(AdapterError::StateMismatch {
                optimizer: "clr_burn::ScheduledAdamW",
                ..
            })
        ),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A module of another shape, or a file that is not a record: an error
/// naming the file, and the module unchanged.
#[test]
fn weights_that_do_not_fit_are_refused() {
    let dir = scratch("other-module");
    let device = Device::default().autodiff();
    checkpointed(&dir, &device);
    let file = dir.join("weights-4.bpk");
    let mut linear = burn::nn::LinearConfig::new(1, 8).init(&device);
    let before = linear.clone().into_record();
    let e = Burn::<burn::nn::Linear>::load_weights(&mut linear, &file).unwrap_err();
    assert!(
        matches!(&e, Error::File { path, .. } if path == &file),
        "{e}"
    );
    assert!(
        e.to_string().starts_with(&file.display().to_string()),
        "{e}"
    );
    let after = linear.into_record();
    assert_eq!(
        before.into_bytes().unwrap().to_vec(),
        after.into_bytes().unwrap().to_vec()
    );

    let mut net = Net::new(&device, 0.3);
    let e = Burn::<Net>::load_weights(&mut net, &dir.join("checkpoint.json")).unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e}");
    let e = Burn::<Net>::load_weights(&mut net, &dir.join("missing.bpk")).unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_loaded_module_continues_with_the_optimizers_state() {
    // The weights' file gives the module the saved parameter ids, which the
    // optimizer's state is keyed by: the next step uses the buffers.
    let dir = scratch("ids");
    let device = Device::default().autodiff();
    checkpointed(&dir, &device);
    let mut net = Net::new(&device, 1.9);
    Burn::<Net>::load_weights(&mut net, &dir.join("weights-4.bpk")).unwrap();
    let mut opt = sgd();
    assert!(opt.to_record().is_empty());
    <Burn<Net> as clr_train::Backprop<MomentumSgd>>::load_optimizer(
        &net,
        &mut opt,
        &dir.join("optimizer-4.bpk"),
    )
    .unwrap();
    assert_eq!(opt.to_record().len(), 6, "a buffer per parameter");
    assert_eq!(opt.groups(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
