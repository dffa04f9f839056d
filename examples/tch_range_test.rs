//! The Keras package's range test on tch (libtorch 2.13): a learning-rate sweep for
//! each weight decay of a grid, judged on the validation loss (10 batches
//! after every step, the Keras package's `batches_per_val`), on the Keras package's data and
//! network (from `tch_one_cycle.rs`). The model — batch norm's running
//! statistics included — is put back bit for bit after every sweep; then one cycle trains at the suggested learning
//! rate with the weight decay whose sweep reached the lowest loss.
//!
//! ```text
//! eval "$(bash scripts/provision-libtorch.sh)"
//! cargo run --release --features tch --example tch_range_test
//! ```

use clr_tch::clr_core::{
    Constant, Cycle, HyperSchedule, KerasOneCycle, RangeTestConfig, SweepStop,
};
use clr_tch::tch::nn::{self, VarStore};
use clr_tch::tch::{self, Device, Kind, Tensor};
use clr_tch::{Error, Fit, RangeTestRunner, TchOptimizer, VarStoreSnapshot};

// The Keras package's data and model.
#[allow(dead_code)]
#[path = "tch_one_cycle.rs"]
mod demo;

use demo::{Data, BATCH};

fn main() -> Result<(), Error> {
    tch::set_num_threads(1); // a tiny network: see tch_one_cycle.rs
    tch::manual_seed(99);
    let data = Data::seed();
    let mut vs = VarStore::new(Device::Cpu);
    let model = demo::mlp(&vs);
    let before = VarStoreSnapshot::take(&vs)?;
    let sgd = nn::Sgd {
        momentum: 0.95,
        ..Default::default()
    };
    let mut optimizer = TchOptimizer::new(&vs, sgd, 1e-3)?;
    let bpe = data.batches_per_epoch();

    // The Keras package's LrRangeTest defaults, with a weight-decay grid and validation.
    let config = RangeTestConfig {
        lr_range: (1e-5, 10.0),
        steps: 100,
        batches_per_step: 5,
        wd_list: vec![0.0, 1e-4, 1e-3, 1e-2],
        validation_batches: Some(10),
        ..Default::default()
    };
    let valid_len = data.x_valid.size()[0];
    let mut order = Tensor::arange(data.train_len(), (Kind::Int64, Device::Cpu));
    let mut runner = RangeTestRunner::new(config, |_, index| {
        let batch = index % bpe;
        if batch == 0 {
            order = Tensor::randperm(data.train_len(), (Kind::Int64, Device::Cpu));
        }
        Ok(data.train_loss(&model, &order, batch))
    })
    .validation(|_, batches| {
        // The mean of `batches` validation batches of BATCH samples, in eval mode.
        let mut sum = 0.0;
        for b in 0..batches as i64 {
            let start = (b * BATCH) % valid_len;
            sum += data.val_loss_of(&model, start, BATCH.min(valid_len - start))?;
        }
        Ok(sum / batches as f64)
    });
    println!(
        "range test: {} sweeps of {} learning rates ({} epochs of {bpe} batches)",
        runner.config().wd_list.len(),
        runner.config().steps,
        runner.n_epochs(bpe)?
    );
    let outcome = runner.run(&mut vs, &mut optimizer)?;
    assert!(
        before.is_identical(&vs)?,
        "the range test restores the model"
    );

    let lrs = &outcome.result.lrs;
    println!("weight_decay  stop                 best val_loss  at lr      valley     steep");
    for (sweep, s) in outcome.result.sweeps.iter().zip(&outcome.suggestions) {
        let (best_i, best) = sweep
            .val_loss
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
        let stop = match sweep.stop {
            SweepStop::Completed => "completed".to_owned(),
            SweepStop::Diverged { step, .. } => format!("diverged at step {step}"),
            SweepStop::NonFinite { step } => format!("non-finite at {step}"),
        };
        let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2e}"));
        println!(
            "{:<12.0e}  {stop:<20} {best:>13.5}  {:<9.2e}  {:<9}  {}",
            sweep.weight_decay.unwrap_or(0.0),
            lrs[best_i],
            show(s.valley),
            show(s.steep),
        );
    }

    // One cycle at the suggestion, with the best sweep's weight decay.
    let best = outcome.best_sweep().unwrap_or(0);
    let wd = outcome.result.sweeps[best].weight_decay.unwrap_or(0.0);
    let lr_max = outcome.suggestions[best]
        .valley
        .unwrap_or(1e-2)
        .clamp(1e-4, 1.0);
    println!(
        "one cycle: lr {:.2e} .. {lr_max:.2e}, weight decay {wd:e}",
        lr_max / 5.0
    );
    let cycle = Cycle::new(40, bpe)?;
    let schedule = KerasOneCycle::builder((lr_max / 5.0, lr_max), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()?
        .with_weight_decay(Constant::new(wd)?);
    let outcome = Fit::new(schedule, cycle)?
        .validation(|_, _| Ok(data.val_loss(&model)?))
        .run(&mut vs, &mut optimizer, |_, batch| {
            if batch.index == 0 {
                order = Tensor::randperm(data.train_len(), (Kind::Int64, Device::Cpu));
            }
            Ok(data.train_loss(&model, &order, batch.index))
        })?;
    println!(
        "val_loss after 40 epochs: {:.5}",
        outcome.history.last("val_loss").unwrap_or(f64::NAN)
    );
    Ok(())
}
