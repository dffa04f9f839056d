//! The Keras package's demo on burn (`cargo test -p clr-burn --test demo`):
//!
//! - a hand-written burn loop, the calls burn-train's `Learner` makes
//!   (`lr = scheduler.step()`, then `optimizer.step(lr, model, grads)` with
//!   burn's own SGD), trains the demo under a clr one-cycle as burn's
//!   `LrScheduler`, each step at exactly the schedule's learning rate;
//! - `examples/burn_one_cycle.rs` at a quarter of its epochs runs end to
//!   end, writes its plots, and one-cycle ends below the constant rate.
//!
//! burn-train itself is not built here: burn's `train` feature takes
//! burn's dependency tree from 139 crates to 205 (see the README's burn
//! section).

#[allow(dead_code)]
#[path = "../examples/burn_one_cycle.rs"]
mod burn_one_cycle;

use burn_one_cycle::burn_demo::{Batches, Data, Mlp};
use clr_burn::burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use clr_burn::burn::optim::momentum::MomentumConfig;
use clr_burn::burn::optim::{GradientsParams, SgdConfig};
use clr_burn::burn::tensor::Device;
use clr_burn::ClrScheduler;
use clr_core::{HyperSchedule, KerasOneCycle};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
fn a_burn_loop_trains_the_demo_under_a_clr_one_cycle_scheduler() {
    let device = Device::default().autodiff();
    let mut rng = StdRng::seed_from_u64(99);
    let data = Data::new(&mut rng, &device);
    let mut model = Mlp::new(&mut rng, &device);
    let before = data.val_loss(&model);

    // What a burn user hands the Learner: a scheduler and burn's SGD
    // (momentum fixed at 0.95; burn's dampening off, as the Keras package's).
    let epochs = 12;
    let bpe = data.batches_per_epoch();
    let schedule = KerasOneCycle::builder((2e-3_f64, 1e-2), epochs * bpe)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    let mut scheduler: ModuleLrScheduler = ClrScheduler::new(schedule).into();
    let momentum = MomentumConfig {
        momentum: 0.95,
        dampening: 0.0,
        nesterov: false,
    };
    let mut optimizer = SgdConfig::new().with_momentum(Some(momentum)).init();

    let mut batches = Batches::new(&data, 100);
    for k in 0..epochs * bpe {
        let lr = scheduler.step();
        assert_eq!(lr.base().to_bits(), schedule.hypers(k).lr.to_bits(), "{k}");
        let loss = batches.loss(&data, &model, k);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(lr, model, grads);
    }
    let after = data.val_loss(&model);
    eprintln!("validation loss {before:.4} -> {after:.4}");
    // The data's jumps keep a 1→20→1 network's error well above the noise
    // (0.01): `Fit` on the same demo ends near 0.13–0.15 (second test).
    assert!(after < before / 3.0 && after < 0.2, "{before} -> {after}");
}

#[test]
fn the_burn_example_runs_and_one_cycle_beats_a_constant_lr() {
    let dir = std::env::temp_dir().join(format!("clr-burn-example-{}", std::process::id()));
    let settings = burn_one_cycle::Settings::small(Some(dir.clone()));
    let report = burn_one_cycle::run(&settings).unwrap();

    let sweep = &report.range_test.result.sweeps[0];
    assert_eq!(sweep.train_loss.len(), 40);
    assert!(report.range_test.suggestions[0]
        .iter()
        .any(|(_, lr)| lr.is_some()));
    let [one_cycle, clr, constant] = &report.runs[..] else {
        panic!("three runs");
    };
    assert_eq!(one_cycle.history.len(), 10);
    assert_eq!(clr.history.len(), 15);
    assert_eq!(constant.history.len(), 10);
    for run in &report.runs {
        eprintln!(
            "{:<10} final {:.5} best {:.5}",
            run.name,
            run.final_val(),
            run.best_val()
        );
        assert!(run.final_val().is_finite(), "{}", run.name);
    }
    assert!(
        one_cycle.final_val() < constant.final_val(),
        "one-cycle {} vs constant {}",
        one_cycle.final_val(),
        constant.final_val()
    );
    assert_eq!(report.files.len(), 3);
    for file in &report.files {
        let len = std::fs::metadata(file).unwrap().len();
        assert!(len > 200, "{}: {len} bytes", file.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
