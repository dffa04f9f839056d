//! The Keras package's demo on burn (ndarray backend, autodiff): a 1→20→1
//! network (batch norm, ReLU) on the Keras package's 1-D regression data
//! (1001 points), `clr::burn::MomentumSgd` with momentum 0.95, batches of
//! 16.
//!
//! 1. A learning-rate range test, and its suggestions.
//! 2. Three trainings from the same initial weights: one-cycle (40 epochs,
//!    lr 2e-3 → 1e-2 then down to ~0, momentum 0.95 → 0.85 → 0.95), CLR
//!    (60 epochs, 3 cycles, amplitude × 1/3 per cycle) and a constant lr of
//!    5e-3 (40 epochs), with a table of their final and best validation
//!    losses.
//! 3. Plots (PNG) of the range test, the one-cycle schedule and the
//!    validation losses in `target/clr-burn-one-cycle/`.
//!
//! ```text
//! cargo run --release --features burn --example burn_one_cycle
//! ```

use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use clr::burn::burn::tensor::Device;
use clr::burn::{Error, Fit, ModuleSnapshot, MomentumSgd, RangeTestRunner, SgdParams};
use clr::train::{History, RangeTestOutcome};
use clr::{
    Amplitude, Bundle, Constant, Cycle, HyperSchedule, KerasClr, KerasOneCycle, RangeTestConfig,
};
use clr_viz::{Figure, HistoryPlot, RangeTestPlot, SchedulePlot};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "common/burn_demo.rs"]
pub mod burn_demo;
use burn_demo::{Batches, Data, Mlp};

/// How big a run is: the README's (`full`) or a test's (`small`).
pub struct Settings {
    /// Epochs of the one-cycle, CLR and constant-lr runs.
    pub epochs: [u64; 3],
    /// Learning rates in the range test.
    pub range_steps: u64,
    /// Where the plots go (`None`: nowhere).
    pub out_dir: Option<PathBuf>,
    /// No progress bars or per-epoch lines.
    pub quiet: bool,
}

impl Settings {
    /// The demo as the README runs it.
    pub fn full() -> Self {
        Settings {
            epochs: [40, 60, 40],
            range_steps: 100,
            out_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clr-burn-one-cycle")),
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

/// One training's policy and per-epoch history.
pub struct Run {
    pub name: &'static str,
    pub history: History,
}

impl Run {
    /// The last epoch's validation loss.
    pub fn final_val(&self) -> f64 {
        self.history.last("val_loss").unwrap_or(f64::NAN)
    }

    /// The lowest validation loss of any epoch.
    pub fn best_val(&self) -> f64 {
        let val = self.history.get("val_loss").unwrap_or(&[]);
        val.iter().copied().fold(f64::NAN, f64::min)
    }
}

/// What the demo found.
pub struct Report {
    pub range_test: RangeTestOutcome<f64>,
    /// One-cycle, CLR, constant.
    pub runs: Vec<Run>,
    pub files: Vec<PathBuf>,
}

const SEED: u64 = 99;

fn sgd() -> Result<MomentumSgd, Error> {
    MomentumSgd::new(SgdParams {
        lr: 5e-3,
        momentum: 0.95,
        ..SgdParams::default()
    })
}

/// Trains one policy from the initial weights in `start`.
fn train<S: HyperSchedule<f64>>(
    (name, schedule, cycle): (&'static str, S, Cycle),
    start: &ModuleSnapshot<Mlp>,
    data: &Data,
    quiet: bool,
) -> Result<Run, Error> {
    let mut model = start.restore();
    let mut batches = Batches::new(data, SEED + 1);
    let outcome = Fit::new(schedule, cycle)?
        .quiet(quiet)
        .label(name)
        .validation(|model: &Mlp, _| Ok(data.val_loss(model)))
        .run(&mut model, &mut sgd()?, |model, batch| {
            Ok(batches.loss(data, model, batch.index))
        })?;
    Ok(Run {
        name,
        history: outcome.history,
    })
}

/// The whole demo.
pub fn run(settings: &Settings) -> Result<Report, Box<dyn StdError>> {
    let device = Device::default().autodiff();
    let mut rng = StdRng::seed_from_u64(SEED);
    let data = Data::new(&mut rng, &device);
    let mut model = Mlp::new(&mut rng, &device);
    let start = ModuleSnapshot::take(&model);
    let bpe = data.batches_per_epoch();

    // 1. The range test (the Keras package's defaults but a narrower range);
    //    the module comes back as it was.
    let config = RangeTestConfig {
        lr_range: (1e-4, 1.0),
        steps: settings.range_steps,
        batches_per_step: 5,
        ..RangeTestConfig::default()
    };
    let mut batches = Batches::new(&data, SEED + 2);
    let range_test =
        RangeTestRunner::new(config, |model: &Mlp, i| Ok(batches.loss(&data, model, i)))
            .quiet(settings.quiet)
            .run(&mut model, &mut sgd()?)?;
    if !start.is_identical(&model)? {
        return Err("the range test did not restore the module".into());
    }

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
    let quiet = settings.quiet;
    let runs = vec![
        train(
            ("one-cycle", one_cycle, one_cycle_len),
            &start,
            &data,
            quiet,
        )?,
        train(("clr", clr, clr_len), &start, &data, quiet)?,
        train(
            ("constant", constant, Cycle::new(e_const, bpe)?),
            &start,
            &data,
            quiet,
        )?,
    ];

    // 3. Plots.
    let mut files = Vec::new();
    if let Some(dir) = &settings.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let range_plot = RangeTestPlot::from_result(&range_test.result)?
            .title("LR range test on burn (SGD, momentum 0.95)");
        let schedule = SchedulePlot::from_schedule(&one_cycle, one_cycle_len.iterations())
            .title(format!("One cycle: {e_one} epochs of {bpe} batches"));
        let named: Vec<(&str, &History)> = runs.iter().map(|r| (r.name, &r.history)).collect();
        let comparison = HistoryPlot::compare(&named)
            .series(&["val_loss"])
            .y_label("validation loss")
            .title("Validation loss on burn: one-cycle, CLR, constant lr");
        files = ["range_test.png", "schedule.png", "comparison.png"]
            .map(|name| dir.join(name))
            .to_vec();
        range_plot.save(&files[0])?;
        schedule.save(&files[1])?;
        comparison.save(&files[2])?;
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
    println!(
        "LR range test, {} learning rates from {:.0e} to {:.0e}: {:?}",
        result.lrs.len(),
        result.lrs[0],
        result.lrs[result.lrs.len() - 1],
        result.sweeps[0].stop,
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
    println!("policy      epochs  final val_loss  best val_loss");
    for run in &report.runs {
        println!(
            "{:<10}  {:>6}  {:>14.5}  {:>13.5}",
            run.name,
            run.history.len(),
            run.final_val(),
            run.best_val(),
        );
    }
    println!();
    if let Some(dir) = report.files.first().and_then(|f| f.parent()) {
        println!("{} plots in {}", report.files.len(), dir.display());
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
