//! One-cycle with candle-nn's AdamW, cycling beta1 as the momentum:
//! PyTorch's `OneCycleLR(max_lr, total_steps, base_momentum=0.85,
//! max_momentum=0.95)` drives lr up then down while beta1 goes
//! 0.95 → 0.85 → 0.95, and a constant weight decay of 1e-4 is set every
//! step too, all through `AdamW::set_params`.
//!
//! A range test first picks `max_lr` (AdamW's moments cannot be read, so the
//! optimizer is wrapped in `Rebuild`, which builds it afresh to restore it).
//!
//! ```text
//! cargo run --release --example adamw_candle
//! ```

use std::error::Error;
use std::path::Path;

use clr::{Constant, Cycle, HyperSchedule, OneCycleLr, RangeTestConfig, Smoothing};
use clr_candle::candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
use clr_candle::{Fit, RangeTestRunner, Rebuild};
use clr_viz::{Figure, HistoryPlot, SchedulePlot};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "common/keras_demo.rs"]
mod keras_demo;
use keras_demo::{keras_data, Batches, Mlp};

const EPOCHS: u64 = 30;

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(99);
    let [x_train, y_train, x_val, y_val] = keras_data(&mut rng)?;
    let mut varmap = VarMap::new();
    let model = Mlp::new(&varmap, &mut rng)?;
    let params = ParamsAdamW {
        lr: 1e-3,
        weight_decay: 1e-4,
        ..ParamsAdamW::default()
    };
    let vars = varmap.all_vars();
    let mut adam = Rebuild::new(|| AdamW::new(vars.clone(), params.clone()))?;
    let mut batches = Batches::new(&x_train, &y_train, 7);
    let batches_per_epoch = batches.per_epoch();

    // 1. Range test: fastai's smoothing and suggestions.
    let config = RangeTestConfig {
        lr_range: (1e-5, 1.0),
        steps: 100,
        batches_per_step: 1,
        smoothing: Smoothing::FASTAI,
        ..RangeTestConfig::default()
    };
    let found = RangeTestRunner::new(config, |_, i| {
        let (x, y) = batches.get(i)?;
        Ok(model.mse(&x, &y, true)?)
    })
    .run(&mut varmap, &mut adam)?;
    // fastai passes the valley to fit_one_cycle as lr_max.
    let valley = found.suggestions[0].valley.unwrap_or(1e-2);
    let max_lr = valley.clamp(1e-4, 1e-1);
    println!("range test: valley {valley:.2e} -> one-cycle max_lr {max_lr:.2e}");

    // 2. One-cycle, beta1 cycled, weight decay set every step.
    let cycle = Cycle::new(EPOCHS, batches_per_epoch)?;
    let schedule = OneCycleLr::builder(max_lr, cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()?
        .with_weight_decay(Constant::new(1e-4)?);
    let mut adam = adam.into_inner();
    let mut fit = Fit::new(schedule, cycle)?
        .label("adamw one-cycle")
        .validation(|_, _| Ok(model.eval_mse(&x_val, &y_val)?));
    let history = fit
        .run(&mut varmap, &mut adam, |_, b| {
            let (x, y) = batches.get(b.index)?;
            Ok(model.mse(&x, &y, true)?)
        })?
        .history;

    println!("\nepoch   lr         beta1    loss      val_loss");
    let column = |name: &str| history.get(name).unwrap_or(&[]).to_vec();
    let (lr, beta1, loss, val) = (
        column("lr"),
        column("momentum"),
        column("loss"),
        column("val_loss"),
    );
    for (i, epoch) in history.epochs().iter().enumerate() {
        if epoch % 3 == 0 || i + 1 == history.len() {
            println!(
                "{epoch:>5}   {:<9.3e}  {:.4}   {:.5}   {:.5}",
                lr[i], beta1[i], loss[i], val[i]
            );
        }
    }
    let p = adam.params();
    println!(
        "\nAdamW now: lr {:.3e}, beta1 {}, weight decay {} (the schedule's last step)",
        adam.learning_rate(),
        p.beta1,
        p.weight_decay
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clr-adamw");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let plot = SchedulePlot::from_schedule(&schedule, cycle.iterations())
        .title("AdamW one-cycle: lr and beta1 per iteration");
    let losses = HistoryPlot::new(&history).title("AdamW one-cycle");
    for ext in ["png", "svg"] {
        plot.save(&dir.join(format!("schedule.{ext}")))?;
        losses.save(&dir.join(format!("history.{ext}")))?;
    }
    println!("plots in {}", dir.display());
    Ok(())
}
