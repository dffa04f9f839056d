//! Renders every kind of plot into a directory (default `target/gallery`):
//! a one-cycle and a cosine-restarts schedule, a range test over four
//! weight decays, a single run's history and three runs compared.
//!
//! `cargo run -p clr-viz --example gallery -- DIR`

use std::error::Error;
use std::path::{Path, PathBuf};

use clr_core::{
    Action, Bundle, CosineRestarts, OneCycleLr, RangeTest, RangeTestConfig, Report, Smoothing,
};
use clr_viz::{Boundary, Figure, History, HistoryPlot, RangeTestPlot, SchedulePlot};

/// A deterministic noise source (no `rand` needed).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

fn save(plot: &impl Figure, dir: &Path, name: &str) -> Result<(), Box<dyn Error>> {
    plot.save(&dir.join(format!("{name}.png")))?;
    plot.save(&dir.join(format!("{name}.svg")))?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/gallery".into()),
    );
    std::fs::create_dir_all(&dir)?;

    // One-cycle, as `clr schedule one-cycle --max-lr 0.01 --total-steps 1000`.
    let n = 1000;
    let s = OneCycleLr::builder(0.01, n).build()?;
    let plot = SchedulePlot::from_schedule(&s, n)
        .boundaries(&[Boundary::phase(299)])
        .title("one-cycle (PyTorch OneCycleLR), 1000 steps");
    save(&plot, &dir, "schedule")?;
    print!("{}", plot.to_terminal(80, 24, true));

    // SGDR: T_0 = 100, T_mult = 2.
    let r = CosineRestarts::builder(0.1, 100)
        .t_mult(2.0)
        .eta_min(1e-3)
        .build()?;
    // An lr-only schedule, as a bundle without momentum.
    let plot = SchedulePlot::from_schedule(&Bundle::lr_only(r), 1500)
        .boundaries(&[
            Boundary::cycle(100),
            Boundary::cycle(300),
            Boundary::cycle(700),
        ])
        .title("cosine warm restarts (T_0 = 100, T_mult = 2)");
    save(&plot, &dir, "restarts")?;

    // A range test over four weight decays on a made-up loss landscape.
    let mut test = RangeTest::new(RangeTestConfig::<f64> {
        lr_range: (1e-6, 10.0),
        steps: 120,
        batches_per_step: 1,
        threshold_multiplier: Some(4.0),
        wd_list: vec![0.0, 1e-4, 1e-3, 1e-2],
        smoothing: Smoothing::FASTAI,
        ..Default::default()
    })?;
    let mut noise = Noise(7);
    let mut action = test.start();
    loop {
        action = match action {
            Action::Train {
                lr, weight_decay, ..
            } => {
                let x = lr.log10();
                let wd = weight_decay.unwrap_or(0.0);
                let floor = 0.45 + 8.0 * wd;
                let drop = 2.3 - floor;
                let descent = 2.3 - drop / (1.0 + (-(x + 3.2) * 2.2).exp());
                let blowup = ((x + 0.6 - 40.0 * wd) * 3.0).exp();
                let loss = (descent + blowup) * (1.0 + 0.04 * noise.next());
                test.report(Report::TrainLoss(loss))?
            }
            Action::Validate { .. } => test.report(Report::ValidationLoss(1.0))?,
            Action::Restore { .. } => test.report(Report::Restored)?,
            Action::Done => break,
        };
    }
    let result = test.result();
    let plot = RangeTestPlot::from_result(result)?.methods(&["valley"]);
    save(&plot, &dir, "range_test")?;
    print!("{}", plot.to_terminal(80, 24, true));
    // One sweep: every suggestion on the smoothed curve, the raw losses faint.
    let first = RangeTestPlot::from_result(&clr_core::RangeTestResult {
        lrs: result.lrs.clone(),
        sweeps: result.sweeps[..1].to_vec(),
    })?;
    save(&first, &dir, "range_test_one")?;

    // Histories: one run, then three policies compared on validation loss.
    let mut noise = Noise(11);
    let mut run = |speed: f64, floor: f64, wobble: f64| {
        let mut h = History::new();
        for epoch in 0..30_u64 {
            let t = epoch as f64;
            let loss = floor + 2.0 * (-speed * t).exp() + 0.02 * noise.next();
            let val = floor * 1.15
                + 2.1 * (-speed * 0.9 * t).exp()
                + wobble * (t * 0.9).sin().abs()
                + 0.03 * noise.next();
            h.push_epoch(epoch, &[("loss", loss), ("val_loss", val)]);
        }
        h
    };
    let one_cycle = run(0.25, 0.25, 0.0);
    let clr = run(0.18, 0.3, 0.08);
    let constant = run(0.1, 0.42, 0.0);
    save(
        &HistoryPlot::new(&one_cycle).title("one-cycle, 30 epochs"),
        &dir,
        "history",
    )?;
    let compare = HistoryPlot::compare(&[
        ("one-cycle", &one_cycle),
        ("CLR", &clr),
        ("constant lr", &constant),
    ])
    .series(&["val_loss"])
    .title("Comparing validation loss")
    .y_label("validation loss");
    save(&compare, &dir, "compare")?;
    println!("wrote {}", dir.display());
    Ok(())
}
