//! The Keras package's learning-rate and weight-decay range test on Candle:
//!
//! ```python
//! lrrt_cb = clr.LrRangeTest(lr_range=(1e-3, 1), wd_list=[0, 1e-4, 1e-3, 1e-2, 1e-1],
//!                           steps=steps, batches_per_step=b,
//!                           validation_data=(x_test, y_test), batches_per_val=5,
//!                           threshold_multiplier=5.)
//! n_epoch = lrrt_cb.find_n_epoch(x_train, batch_size)
//! ```
//!
//! One sweep of the learning rate per weight decay, each judged on the
//! validation loss and each starting from the same weights (the runner puts
//! the model and optimizer back between sweeps and at the end). Prints the
//! sweeps and their suggestions, and draws them all on one plot in
//! `target/clr-range-test/`.
//!
//! ```text
//! cargo run --release --example range_test_candle
//! ```

use std::error::Error;
use std::path::Path;

use clr::{RangeTestConfig, SweepStop};
use clr_candle::candle_nn::VarMap;
use clr_candle::{MomentumSgd, RangeTestRunner, SgdParams, VarMapSnapshot};
use clr_viz::{wd_label, Figure, RangeTestPlot};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "common/keras_demo.rs"]
mod keras_demo;
use keras_demo::{keras_data, Mlp, BATCH};

const VAL_BATCH: usize = 40;

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(99);
    let [x_train, y_train, x_val, y_val] = keras_data(&mut rng)?;
    let mut varmap = VarMap::new();
    let model = Mlp::new(&varmap, &mut rng)?;
    let mut sgd = MomentumSgd::new(
        varmap.all_vars(),
        SgdParams {
            lr: 1e-3,
            momentum: 0.95,
            ..SgdParams::default()
        },
    )?;
    let before = VarMapSnapshot::take(&varmap)?;

    let config = RangeTestConfig {
        lr_range: (1e-3, 1.0),
        steps: 60,
        batches_per_step: 5,
        threshold_multiplier: Some(5.0),
        wd_list: vec![0.0, 1e-4, 1e-3, 1e-2, 1e-1],
        validation_batches: Some(5),
        ..RangeTestConfig::default()
    };
    let batches_per_epoch = (x_train.dims()[0] / BATCH) as u64;
    let runner = RangeTestRunner::new(config, |_, i| {
        // The training set in order, epoch after epoch (the Keras package's generator).
        let start = (i % batches_per_epoch) as usize * BATCH;
        Ok(model.mse(
            &x_train.narrow(0, start, BATCH)?,
            &y_train.narrow(0, start, BATCH)?,
            true,
        )?)
    });
    println!(
        "find_n_epoch: {} epochs of {batches_per_epoch} batches for the whole grid",
        runner.n_epochs(batches_per_epoch)?
    );
    let mut next_val = 0;
    let outcome = runner
        .validation(|_, batches| {
            // `batches` validation batches of 40, in turn (the Keras package's batches_per_val).
            let mut sum = 0.0;
            for _ in 0..batches {
                let start = next_val * VAL_BATCH;
                next_val = (next_val + 1) % (200 / VAL_BATCH);
                sum += model.eval_mse(
                    &x_val.narrow(0, start, VAL_BATCH)?,
                    &y_val.narrow(0, start, VAL_BATCH)?,
                )?;
            }
            Ok(sum / batches as f64)
        })
        .run(&mut varmap, &mut sgd)?;

    println!("\nweight decay   stopped at        lowest val_loss   valley    minimum");
    let lrs = &outcome.result.lrs;
    for (sweep, suggestions) in outcome.result.sweeps.iter().zip(&outcome.suggestions) {
        let stop = match sweep.stop {
            SweepStop::Completed => "completed".to_owned(),
            SweepStop::Diverged { step, .. } => format!("diverged, lr {:.2e}", lrs[step as usize]),
            SweepStop::NonFinite { step } => format!("NaN, lr {:.2e}", lrs[step as usize]),
        };
        let lowest = sweep
            .val_loss
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let show = |lr: Option<f64>| lr.map_or("-".to_owned(), |lr| format!("{lr:.2e}"));
        println!(
            "{:<14} {stop:<17} {lowest:>15.5}   {:<9} {}",
            wd_label(sweep.weight_decay),
            show(suggestions.valley),
            show(suggestions.minimum),
        );
    }
    if let Some(best) = outcome.best_sweep() {
        println!(
            "\nlowest validation loss with {}",
            wd_label(outcome.result.sweeps[best].weight_decay)
        );
    }
    println!(
        "model restored bit for bit: {}; lr back to {}",
        before.is_identical(&varmap)?,
        sgd.params().lr
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clr-range-test");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let plot = RangeTestPlot::from_result(&outcome.result)?
        .methods(&["valley"])
        .title("LR x weight decay range test (validation loss)");
    for ext in ["png", "svg"] {
        let path = dir.join(format!("range_test_wd.{ext}"));
        plot.save(&path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
