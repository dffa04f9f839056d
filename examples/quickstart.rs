//! The Keras package's demo on Candle: a 1→20→1 network (batch norm, ReLU) on the
//! Keras package's 1-D regression data, SGD with momentum 0.95, batches of 16.
//!
//! 1. A learning-rate range test, and its suggestions.
//! 2. Three trainings from the same initial weights: one-cycle (40 epochs,
//!    lr 2e-3 → 1e-2 then down to ~0, momentum 0.95 → 0.85 → 0.95, the
//!    Keras package's `OneCycle`), CLR (60 epochs,
//!    3 cycles, amplitude × 1/3 per cycle) and a constant lr of 5e-3 (40
//!    epochs), with a table of their final and best validation losses.
//! 3. Plots (PNG and SVG) and histories (CSV) in `target/clr-quickstart/`.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use clr::train::{Evaluation, History, RangeTestOutcome};
use clr::{
    Amplitude, Bundle, Constant, Cycle, HyperSchedule, KerasClr, KerasOneCycle, RangeTestConfig,
    SweepStop,
};
use clr_candle::candle_core::Tensor;
use clr_candle::candle_nn::VarMap;
use clr_candle::{Error, Fit, MomentumSgd, RangeTestRunner, SgdParams, VarMapSnapshot};
use clr_viz::{Boundary, Figure, HistoryPlot, RangeTestPlot, SchedulePlot};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "common/keras_demo.rs"]
mod keras_demo;
use keras_demo::{keras_data, Batches, Mlp};

/// How big a run is: the README's (`full`) or a test's (`small`).
pub struct Settings {
    /// Epochs of the one-cycle, CLR and constant-lr runs.
    pub epochs: [u64; 3],
    /// Learning rates in the range test.
    pub range_steps: u64,
    /// Where the plots and histories go (`None`: nowhere).
    pub out_dir: Option<PathBuf>,
    /// No progress bars.
    pub quiet: bool,
}

impl Settings {
    /// The demo as the README runs it.
    pub fn full() -> Self {
        Settings {
            epochs: [40, 60, 40],
            range_steps: 100,
            out_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clr-quickstart")),
            quiet: false,
        }
    }

    /// A quarter of the epochs, for tests.
    pub fn small(out_dir: Option<PathBuf>) -> Self {
        Settings {
            epochs: [10, 15, 10],
            range_steps: 40,
            out_dir,
            quiet: true,
        }
    }
}

/// One training's outcome.
pub struct Run {
    /// `one-cycle`, `clr` or `constant`.
    pub name: &'static str,
    /// Its per-epoch history (`loss`, `val_loss`, `momentum`, `lr`).
    pub history: History,
}

impl Run {
    /// The last epoch's validation loss.
    pub fn final_val(&self) -> f64 {
        self.history.last("val_loss").unwrap_or(f64::NAN)
    }

    /// The best validation loss and its epoch.
    pub fn best_val(&self) -> (f64, u64) {
        let val = self.history.get("val_loss").unwrap_or(&[]);
        val.iter()
            .zip(self.history.epochs())
            .filter(|(v, _)| v.is_finite())
            .fold((f64::NAN, 0), |best, (&v, &e)| {
                if best.0.is_nan() || v < best.0 {
                    (v, e)
                } else {
                    best
                }
            })
    }
}

/// What the demo found.
pub struct Report {
    /// The range test.
    pub range_test: RangeTestOutcome<f64>,
    /// The three trainings, in the order one-cycle, CLR, constant.
    pub runs: Vec<Run>,
    /// The files written.
    pub files: Vec<PathBuf>,
}

const SEED: u64 = 99;

fn sgd(varmap: &VarMap) -> Result<MomentumSgd, Error> {
    MomentumSgd::new(
        varmap.all_vars(),
        SgdParams {
            lr: 5e-3,
            momentum: 0.95,
            ..SgdParams::default()
        },
    )
}

/// Trains one policy from the weights in `start`.
fn train<S: HyperSchedule<f64>>(
    name: &'static str,
    schedule: S,
    cycle: Cycle,
    settings: &Settings,
    (varmap, model, start): (&mut VarMap, &Mlp, &VarMapSnapshot),
    data: &[Tensor; 4],
) -> Result<Run, Error> {
    start.restore(varmap)?;
    let mut opt = sgd(varmap)?;
    let mut batches = Batches::new(&data[0], &data[1], SEED + 1);
    let outcome = Fit::new(schedule, cycle)?
        .quiet(settings.quiet)
        .label(name)
        .validation(|_, _| Ok(Evaluation::new(model.eval_mse(&data[2], &data[3])?)))
        .run(varmap, &mut opt, |_, batch| {
            let (x, y) = batches.get(batch.index)?;
            Ok(model.mse(&x, &y, true)?)
        })?;
    Ok(Run {
        name,
        history: outcome.history,
    })
}

/// The whole demo.
pub fn run(settings: &Settings) -> Result<Report, Box<dyn StdError>> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let data = keras_data(&mut rng)?;
    let mut varmap = VarMap::new();
    let model = Mlp::new(&varmap, &mut rng)?;
    let start = VarMapSnapshot::take(&varmap)?;
    let bpe = Batches::new(&data[0], &data[1], 0).per_epoch();

    // 1. The range test (the Keras package's defaults but a narrower range).
    let config = RangeTestConfig {
        lr_range: (1e-4, 1.0),
        steps: settings.range_steps,
        batches_per_step: 5,
        ..RangeTestConfig::default()
    };
    let mut opt = sgd(&varmap)?;
    let mut batches = Batches::new(&data[0], &data[1], SEED + 2);
    let range_test = RangeTestRunner::new(config, |_, i| {
        let (x, y) = batches.get(i)?;
        Ok(model.mse(&x, &y, true)?)
    })
    .quiet(settings.quiet)
    .run(&mut varmap, &mut opt)?;

    // 2. Three policies from the same weights.
    let (lo, hi) = (1e-2 / 5.0, 1e-2);
    let [e_one, e_clr, e_const] = settings.epochs;
    let one_cycle_len = Cycle::new(e_one, bpe)?;
    let one_cycle = KerasOneCycle::builder((lo, hi), one_cycle_len.iterations())
        .momentum_range(0.95, 0.85)
        .build()?;
    let clr_len = Cycle::new(e_clr, bpe)?;
    let clr = KerasClr::builder(3, (lo, hi), clr_len.iterations())
        .momentum_range(0.95, 0.85)
        .amplitude(Amplitude::Decay(1.0 / 3.0))
        .build_fixed()?;
    let constant = Bundle::lr_only(Constant::new(5e-3)?);
    let runs = vec![
        train(
            "one-cycle",
            one_cycle,
            one_cycle_len,
            settings,
            (&mut varmap, &model, &start),
            &data,
        )?,
        train(
            "clr",
            clr,
            clr_len,
            settings,
            (&mut varmap, &model, &start),
            &data,
        )?,
        train(
            "constant",
            constant,
            Cycle::new(e_const, bpe)?,
            settings,
            (&mut varmap, &model, &start),
            &data,
        )?,
    ];

    // 3. Plots and histories.
    let mut files = Vec::new();
    if let Some(dir) = &settings.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut save = |name: &str, figure: &dyn Fn(&Path) -> Result<(), clr_viz::Error>| {
            for ext in ["png", "svg"] {
                let path = dir.join(format!("{name}.{ext}"));
                figure(&path)?;
                files.push(path);
            }
            Ok::<(), clr_viz::Error>(())
        };
        let rt = RangeTestPlot::from_result(&range_test.result)?
            .title("LR range test (SGD, momentum 0.95)");
        save("range_test", &|p| rt.save(p))?;

        let n = one_cycle_len.iterations();
        let schedule = SchedulePlot::from_schedule(&one_cycle, n);
        let peak = (0..n).fold(0, |best, i| {
            if one_cycle.hypers(i).lr > one_cycle.hypers(best).lr {
                i
            } else {
                best
            }
        });
        let schedule = schedule
            .boundaries(&[Boundary::phase(peak)])
            .title(format!("One cycle: {e_one} epochs of {bpe} batches"));
        save("schedule", &|p| schedule.save(p))?;

        let n = clr_len.iterations();
        let starts: Vec<Boundary> = (1..3).map(|c| Boundary::cycle(c * n / 3)).collect();
        let schedule = SchedulePlot::from_schedule(&clr, n)
            .boundaries(&starts)
            .title(format!(
                "CLR: 3 cycles over {e_clr} epochs, amplitude x1/3 per cycle"
            ));
        save("schedule_clr", &|p| schedule.save(p))?;

        let history =
            HistoryPlot::new(&runs[0].history).title("One cycle: train and validation loss");
        save("history", &|p| history.save(p))?;

        let named: Vec<(&str, &History)> = runs.iter().map(|r| (r.name, &r.history)).collect();
        let comparison = HistoryPlot::compare(&named)
            .series(&["val_loss"])
            .y_label("validation loss")
            .title("Validation loss: one-cycle, CLR, constant lr");
        save("comparison", &|p| comparison.save(p))?;

        for run in &runs {
            let path = dir.join(format!("history_{}.csv", run.name));
            run.history.save_csv(&path)?;
            files.push(path);
        }
    }
    Ok(Report {
        range_test,
        runs,
        files,
    })
}

fn main() -> Result<(), Box<dyn StdError>> {
    let started = std::time::Instant::now();
    let report = run(&Settings::full())?;

    let result = &report.range_test.result;
    let sweep = &result.sweeps[0];
    let stop = match sweep.stop {
        SweepStop::Completed => "completed".to_owned(),
        SweepStop::Diverged { step, .. } => {
            format!(
                "stopped at lr {:.2e}: loss above 5x the best",
                result.lrs[step as usize]
            )
        }
        SweepStop::NonFinite { step } => {
            format!(
                "stopped at lr {:.2e}: loss not finite",
                result.lrs[step as usize]
            )
        }
    };
    println!(
        "LR range test, {} learning rates from {:.0e} to {:.0e}: {stop}",
        result.lrs.len(),
        result.lrs[0],
        result.lrs[result.lrs.len() - 1],
    );
    println!("suggested learning rates:");
    if let Some(s) = report.range_test.suggestions.first() {
        for (method, lr) in s.iter() {
            match lr {
                Some(lr) => println!("  {method:<9} {lr:.2e}"),
                None => println!("  {method:<9} (too few points)"),
            }
        }
    }
    println!();
    println!("policy      epochs  final val_loss  best val_loss (epoch)");
    for run in &report.runs {
        let (best, epoch) = run.best_val();
        println!(
            "{:<10}  {:>6}  {:>14.5}  {:>13.5} ({epoch})",
            run.name,
            run.history.len(),
            run.final_val(),
            best,
        );
    }
    println!();
    if let Some(dir) = report.files.first().and_then(|f| f.parent()) {
        println!("{} files in {}", report.files.len(), dir.display());
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
