//! Checkpoints on Candle (issue 24): a `Fit` run killed mid-cycle resumes
//! from its checkpoint in a fresh setup (a new `VarMap`, model and
//! optimizer, loaded from the files) and ends with the weights of the
//! uninterrupted run, bit for bit; optimizer state is keyed by variable
//! name, not by the `VarMap`'s hash order; an optimizer whose state cannot
//! be read is a typed error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use clr_candle::{AdapterError, CandleStep, Error, Fit, MomentumSgd, ParamGroups, SgdParams};
use clr_core::{Bundle, Cycle, HyperSchedule, KerasOneCycle, Lr};
use clr_train::{Batch, BoxError, Checkpoints};

struct Net {
    l1: Linear,
    l2: Linear,
}

impl Net {
    /// A 1-8-1 network; `seed` picks fixed initial weights (candle's CPU
    /// random numbers cannot be seeded).
    fn new(varmap: &VarMap, seed: f32) -> Net {
        let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
        let net = Net {
            l1: candle_nn::linear(1, 8, vb.pp("l1")).unwrap(),
            l2: candle_nn::linear(8, 1, vb.pp("l2")).unwrap(),
        };
        let data = varmap.data().lock().unwrap();
        let mut names: Vec<&String> = data.keys().collect();
        names.sort();
        for (k, name) in names.into_iter().enumerate() {
            let var = &data[name];
            let values: Vec<f32> = (0..var.elem_count())
                .map(|i| (0.7 * (i + 8 * k) as f32 + seed).sin())
                .collect();
            var.set(&Tensor::from_vec(values, var.shape(), &Device::Cpu).unwrap())
                .unwrap();
        }
        drop(data);
        net
    }

    fn loss(&self, batch: &Batch) -> Result<Tensor, BoxError> {
        // 4 batches of 8 points of y = sin(3x), each batch its own.
        let x: Vec<f32> = (0..8)
            .map(|i| -1.0 + (i * 4 + batch.index as usize) as f32 / 16.0)
            .collect();
        let y: Vec<f32> = x.iter().map(|x| (3.0 * x).sin()).collect();
        let x = Tensor::from_vec(x, (8, 1), &Device::Cpu)?;
        let y = Tensor::from_vec(y, (8, 1), &Device::Cpu)?;
        let pred = self.l2.forward(&self.l1.forward(&x)?.tanh()?)?;
        Ok(candle_nn::loss::mse(&pred, &y)?)
    }
}

/// Every variable's bits, by name.
fn weights(varmap: &VarMap) -> BTreeMap<String, Vec<u32>> {
    let data = varmap.data().lock().unwrap();
    data.iter()
        .map(|(name, var)| {
            let v = var
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            (name.clone(), v.iter().map(|x| x.to_bits()).collect())
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-candle-{name}-{}", std::process::id()));
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

fn sgd(vars: Vec<candle_core::Var>) -> MomentumSgd {
    let params = SgdParams {
        momentum: 0.9,
        weight_decay: 1e-3,
        ..SgdParams::default()
    };
    MomentumSgd::new(vars, params).unwrap()
}

/// Trains a fresh net with the optimizer `build` makes, uninterrupted, then
/// killed after 15 batches (mid-epoch 3: the last checkpoint is epoch 2's)
/// and resumed in a fresh setup; the weights must agree bit for bit.
fn killed_and_resumed<O, S>(name: &str, schedule: S, build: impl Fn(&VarMap) -> O)
where
    O: CandleStep,
    S: HyperSchedule<f64> + Copy,
{
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 0.3);
    let mut opt = build(&varmap);
    Fit::new(schedule, cycle())
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut opt, |_, b| net.loss(&b))
        .unwrap();
    let whole = weights(&varmap);

    let dir = scratch(name);
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 0.3);
    let mut opt = build(&varmap);
    let killed = Fit::new(schedule, cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut varmap, &mut opt, |_, b| {
            if b.iteration == 15 {
                return Err("killed".into());
            }
            net.loss(&b)
        });
    assert!(killed.is_err());
    drop((varmap, net, opt));

    // A fresh process: other initial weights, a new VarMap (another hash
    // order) and optimizer, all loaded from the checkpoint.
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 1.9);
    let mut opt = build(&varmap);
    let mut trained = Vec::new();
    Fit::new(schedule, cycle())
        .unwrap()
        .quiet(true)
        .resume_from(&dir)
        .unwrap()
        .run(&mut varmap, &mut opt, |_, b| {
            trained.push(b.iteration);
            net.loss(&b)
        })
        .unwrap();
    assert_eq!(trained, (12..24).collect::<Vec<_>>(), "{name}");
    assert_eq!(weights(&varmap), whole, "{name}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_momentum_sgd_run_resumes_bit_identically() {
    killed_and_resumed("sgd", schedule(), |varmap| sgd(varmap.all_vars()));
}

#[test]
fn a_killed_run_of_parameter_groups_resumes_bit_identically() {
    killed_and_resumed("groups", schedule(), |varmap| {
        let data = varmap.data().lock().unwrap();
        let group = |prefix: &str| {
            data.iter()
                .filter(|(n, _)| n.starts_with(prefix))
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        ParamGroups::new(vec![sgd(group("l1.")), sgd(group("l2."))])
    });
}

#[test]
fn plain_sgd_checkpoints_resume_too() {
    // candle-nn's SGD has no momentum: the schedule's learning rate only.
    let lr_only = Bundle::lr_only(Lr(schedule()));
    killed_and_resumed("plain", lr_only, |varmap| {
        candle_nn::SGD::new(varmap.all_vars(), 0.05).unwrap()
    });
}

/// candle-nn keeps `AdamW`'s moments private: a checkpoint of it is a
/// typed error naming the optimizer, not a file that resumes differently,
/// given when the run starts, before it trains a batch.
#[test]
fn adamw_state_cannot_be_checkpointed() {
    let dir = scratch("adamw");
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 0.3);
    let mut adam = AdamW::new(varmap.all_vars(), ParamsAdamW::default()).unwrap();
    let mut batches = 0;
    let e = Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut varmap, &mut adam, |_, b| {
            batches += 1;
            net.loss(&b)
        })
        .unwrap_err();
    assert_eq!(batches, 0, "refused before training");
    assert!(
        matches!(
            e,
            Error::Adapter(AdapterError::StateUnreadable {
                optimizer: "candle_nn::AdamW",
                ..
            })
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("cannot save the state of candle_nn::AdamW"),
        "{e}"
    );
    assert!(!Checkpoints::new(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A checkpoint's optimizer state does not fit an optimizer over other
/// variables: refused, naming the optimizer.
#[test]
fn optimizer_state_of_other_variables_is_refused() {
    let dir = scratch("mismatch");
    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 0.3);
    let mut opt = sgd(varmap.all_vars());
    Fit::new(schedule(), cycle())
        .unwrap()
        .quiet(true)
        .epochs(6)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut varmap, &mut opt, |_, b| net.loss(&b))
        .unwrap();

    let mut varmap = VarMap::new();
    let net = Net::new(&varmap, 0.3);
    let only_l1: Vec<_> = {
        let data = varmap.data().lock().unwrap();
        data.iter()
            .filter(|(n, _)| n.starts_with("l1."))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let mut opt = sgd(only_l1);
    let e = Fit::new(schedule(), cycle())
        .unwrap()
        .resume_from(&dir)
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut opt, |_, b| net.loss(&b))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Adapter(AdapterError::StateMismatch {
                optimizer: "MomentumSgd",
                ..
            })
        ),
        "{e}"
    );
    let _ = opt.learning_rate();
    std::fs::remove_dir_all(&dir).unwrap();
}
