//! Checkpoints on the toy framework: a run killed mid-cycle resumes from
//! its last checkpoint in a fresh setup and ends bit-identical to the
//! uninterrupted run, history included; checkpoints that do not fit are
//! refused, naming why.

mod common;

use std::num::NonZeroU64;
use std::path::PathBuf;

use clr_core::{Cycle, KerasOneCycle};
use clr_train::{AdapterError, Batch, Checkpoints, FitStop};
use common::{loss, Fit, Loss, Model, Sgd, ToyError};

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn schedule(cycle: Cycle) -> KerasOneCycle<f64> {
    KerasOneCycle::builder((0.01, 0.1), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap()
}

/// Each batch its own target, so that skipping or repeating one shows.
fn batch_loss(model: &Model, batch: Batch) -> Loss {
    let target = 3.0 + (batch.iteration % 7) as f64 / 10.0;
    Loss {
        value: (model.w - target).powi(2),
        grad: 2.0 * (model.w - target),
    }
}

#[test]
fn a_killed_run_resumes_from_its_checkpoint_bit_identically() {
    let cycle = Cycle::new(6, 5).unwrap();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let whole = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .validation(|m, _| Ok(loss(m).value))
        .run(&mut model, &mut sgd, |m, b| Ok(batch_loss(m, b)))
        .unwrap();
    let end = model.w;

    let dir = dir("resume");
    let checkpoints = Checkpoints::new(&dir).every(NonZeroU64::new(2).unwrap());
    assert!(!checkpoints.exists());
    // Killed after 27 batches: mid-epoch, mid-cycle; the last checkpoint
    // is the one after epoch 4 (iteration 20).
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let mut fit = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .checkpoints(checkpoints.clone())
        .validation(|m, _| Ok(loss(m).value));
    let killed = fit.run(&mut model, &mut sgd, |m, b| {
        if b.iteration == 27 {
            return Err("killed".into());
        }
        Ok(batch_loss(m, b))
    });
    assert!(killed.is_err());
    drop(fit);
    assert!(checkpoints.exists());
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut files = files;
    files.sort();
    assert_eq!(
        files,
        [
            "checkpoint.json",
            "optimizer-20.safetensors",
            "weights-20.safetensors"
        ]
    );

    // A fresh process: new model and optimizer objects, loaded from files.
    let (mut model, mut sgd) = (Model { w: f64::NAN }, Sgd::default());
    let mut trained = Vec::new();
    let resumed = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .checkpoints(checkpoints.clone())
        .resume_from(&dir)
        .unwrap()
        .validation(|m, _| Ok(loss(m).value))
        .run(&mut model, &mut sgd, |m, b| {
            trained.push(b.iteration);
            Ok(batch_loss(m, b))
        })
        .unwrap();
    assert_eq!(trained, (20..30).collect::<Vec<_>>());
    assert_eq!(resumed.stop, FitStop::Finished);
    assert_eq!(model.w.to_bits(), end.to_bits());
    assert_eq!(resumed.history, whole.history);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run of 4 epochs of 5 batches killed at iteration 12, leaving the
/// checkpoint of iteration 10 in `dir`.
fn killed_run(dir: &std::path::Path) {
    let cycle = Cycle::new(4, 5).unwrap();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let killed = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .checkpoints(Checkpoints::new(dir))
        .run(&mut model, &mut sgd, |m, b| {
            if b.iteration == 12 {
                return Err("killed".into());
            }
            Ok(batch_loss(m, b))
        });
    assert!(killed.is_err());
}

/// A checkpoint of another cycle, of another schedule, with a file
/// missing, or none at all, is refused, naming why.
#[test]
fn checkpoints_that_do_not_fit_are_refused() {
    let dir = dir("refuse");
    killed_run(&dir);
    let refusal = |schedule: KerasOneCycle<f64>, cycle: Cycle| {
        Fit::new(schedule, cycle)
            .unwrap()
            .resume_from(&dir)
            .err()
            .unwrap()
            .to_string()
    };
    let cycle = Cycle::new(4, 5).unwrap();
    let other = Cycle::new(5, 4).unwrap();
    let e = refusal(schedule(other), other);
    assert!(
        e.contains("saved from a cycle of 4 epochs of 5 batches, this run's has 5 of 4"),
        "{e}"
    );
    let faster = KerasOneCycle::builder((0.01, 0.2), cycle.iterations())
        .build()
        .unwrap();
    let e = refusal(faster, cycle);
    assert!(e.contains("learning rate at iteration 9 was"), "{e}");

    std::fs::remove_file(dir.join("optimizer-10.safetensors")).unwrap();
    let e = refusal(schedule(cycle), cycle);
    assert!(e.contains("optimizer-10.safetensors is missing"), "{e}");

    std::fs::remove_dir_all(&dir).unwrap();
    let e = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .resume_from(&dir)
        .err()
        .unwrap();
    assert!(
        matches!(e, ToyError::Adapter(AdapterError::Io { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("checkpoint.json"), "{e}");
}

/// No checkpoint is saved after a guard stopped the run: the last one
/// kept is from before the NaN.
#[test]
fn no_checkpoint_of_a_run_a_guard_stopped() {
    let dir = dir("guard");
    let cycle = Cycle::new(4, 5).unwrap();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let outcome = Fit::new(schedule(cycle), cycle)
        .unwrap()
        .quiet(true)
        .terminate_on_nan(true)
        .checkpoints(Checkpoints::new(&dir))
        .run(&mut model, &mut sgd, |m, b| {
            let mut l = batch_loss(m, b);
            if b.iteration == 12 {
                l.value = f64::NAN;
            }
            Ok(l)
        })
        .unwrap();
    assert!(!outcome.stop.is_finished());
    assert!(dir.join("weights-10.safetensors").is_file());
    assert!(!dir.join("weights-13.safetensors").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
