//! Every plot rendered for real: PNGs decoded (size, not blank, the series'
//! colours present), SVGs parsed (axis labels, legend entries, one line per
//! series), terminal text measured, files written and refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clr_core::{
    Action, Bundle, Constant, Cycle, HyperSchedule, OneCycleLr, RangeTest, RangeTestConfig, Report,
    Scheduler, Smoothing,
};
use clr_viz::{
    Boundary, Curve, Error, Figure, Format, History, HistoryPlot, RangeTestPlot, SchedulePlot,
    Sweep, XScale, TAB10,
};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("clr-viz-render");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Decodes `png`, checks its size and that it is a drawing on white: mostly
/// white, some ink, many shades (anti-aliasing), and each `colors` present.
fn check_png(png: &[u8], size: (u32, u32), colors: &[(u8, u8, u8)]) {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("a PNG")
        .to_rgb8();
    assert_eq!(img.dimensions(), size);
    let total = img.pixels().len();
    let white = img.pixels().filter(|p| p.0 == [255, 255, 255]).count();
    assert!(white * 10 > total * 6, "mostly white: {white}/{total}");
    let ink = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 200))
        .count();
    assert!(ink * 100 > total, "not blank: {ink}/{total} dark pixels");
    let shades: BTreeSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(shades.len() > 50, "anti-aliased: {} shades", shades.len());
    for &(r, g, b) in colors {
        let near = img.pixels().any(|p| {
            let [pr, pg, pb] = p.0;
            pr.abs_diff(r) <= 6 && pg.abs_diff(g) <= 6 && pb.abs_diff(b) <= 6
        });
        assert!(near, "colour #{r:02x}{g:02x}{b:02x} is drawn");
    }
}

/// What an SVG shows: its texts and the stroke colours of its series lines
/// (2-pixel polylines).
struct Svg {
    width: u32,
    height: u32,
    texts: Vec<String>,
    series: BTreeSet<String>,
}

fn parse_svg(svg: &str) -> Svg {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let dim = |a: &str| root.attribute(a).unwrap().parse::<u32>().unwrap();
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect();
    let series = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("2"))
        .filter_map(|n| n.attribute("stroke").map(str::to_owned))
        .collect();
    Svg {
        width: dim("width"),
        height: dim("height"),
        texts,
        series,
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

impl Svg {
    fn has(&self, text: &str) -> bool {
        self.texts.iter().any(|t| t == text)
    }
    fn assert_has(&self, texts: &[&str]) {
        for t in texts {
            assert!(self.has(t), "text {t:?} in {:?}", self.texts);
        }
    }
}

fn one_cycle(n: u64) -> (Vec<f64>, Vec<f64>) {
    let s = OneCycleLr::builder(0.01, n).build().unwrap();
    (0..n)
        .map(|i| {
            let h = s.hypers(i);
            (h.lr, h.momentum.unwrap())
        })
        .unzip()
}

#[test]
fn schedule_with_momentum_and_boundaries() {
    let (lr, m) = one_cycle(500);
    let plot = SchedulePlot::from_lr(&lr)
        .momentum(&m)
        .unwrap()
        .boundaries(&[Boundary::phase(149), Boundary::cycle(400)])
        .title("one-cycle");
    assert_eq!(plot.size(), (1200, 460));
    check_png(&plot.to_png().unwrap(), (1200, 460), &[TAB10[0], TAB10[1]]);

    let svg = parse_svg(&plot.to_svg().unwrap());
    assert_eq!((svg.width, svg.height), (1200, 460));
    svg.assert_has(&[
        "one-cycle",
        "learning rate",
        "momentum",
        "iteration",
        "phase change",
        "cycle start",
    ]);
    assert_eq!(svg.texts.iter().filter(|t| *t == "iteration").count(), 2);
    assert_eq!(svg.series, [hex(TAB10[0]), hex(TAB10[1])].into());
}

#[test]
fn schedule_lr_only_has_one_panel_and_no_legend() {
    let (lr, _) = one_cycle(100);
    let steps: Vec<u64> = (1000..1100).collect();
    let plot = SchedulePlot::new(&steps, &lr).unwrap().with_size(640, 400);
    check_png(&plot.to_png().unwrap(), (640, 400), &[TAB10[0]]);
    let svg = parse_svg(&plot.to_svg().unwrap());
    svg.assert_has(&["Schedule", "learning rate", "iteration", "1000"]);
    assert!(!svg.has("momentum") && !svg.has("phase change"));
    assert_eq!(svg.series.len(), 1);

    assert!(matches!(
        SchedulePlot::new(&steps[..3], &lr),
        Err(Error::Length { .. })
    ));
    assert!(SchedulePlot::from_lr(&lr).momentum(&lr[..5]).is_err());
    let empty = SchedulePlot::from_lr(&[]);
    assert!(matches!(empty.to_svg(), Err(Error::Empty { .. })));
}

/// `from_schedule` plots a schedule's own values (issue 24: no
/// hand-built vectors): its learning rate and, when it sets one, its
/// momentum, widened to `f64` from an `f32` schedule.
#[test]
fn schedule_from_a_schedule_is_its_values() {
    let (lr, m) = one_cycle(300);
    let s = OneCycleLr::builder(0.01, 300).build().unwrap();
    let by_hand = SchedulePlot::from_lr(&lr).momentum(&m).unwrap();
    assert_eq!(SchedulePlot::from_schedule(&s, 300), by_hand);

    let s32 = OneCycleLr::builder(0.01_f32, 300).build().unwrap();
    let lr32: Vec<f64> = (0..300).map(|i| f64::from(s32.hypers(i).lr)).collect();
    let m32: Vec<f64> = (0..300)
        .map(|i| f64::from(s32.hypers(i).momentum.unwrap()))
        .collect();
    let want = SchedulePlot::from_lr(&lr32).momentum(&m32).unwrap();
    assert_eq!(SchedulePlot::from_schedule(&s32, 300), want);

    let constant = Bundle::lr_only(Constant::new(0.1).unwrap());
    let plot = SchedulePlot::from_schedule(&constant, 50);
    assert_eq!(plot, SchedulePlot::from_lr(&[0.1; 50]));
    let svg = parse_svg(&plot.to_svg().unwrap());
    assert!(!svg.has("momentum"));
}

/// A made-up model: loss falls from 2.3 to a floor near lr = 1e-2 and
/// explodes past 1; weight decay raises the floor.
fn range_test(wd_list: Vec<f64>, validation: bool) -> clr_core::RangeTestResult<f64> {
    range_test_with(wd_list, validation, Smoothing::None)
}

fn range_test_with(
    wd_list: Vec<f64>,
    validation: bool,
    smoothing: Smoothing,
) -> clr_core::RangeTestResult<f64> {
    let mut test = RangeTest::new(RangeTestConfig::<f64> {
        lr_range: (1e-6, 10.0),
        steps: 80,
        batches_per_step: 1,
        wd_list,
        validation_batches: validation.then_some(2),
        smoothing,
        ..Default::default()
    })
    .unwrap();
    let mut action = test.start();
    let mut last = 0.0;
    let mut i = 0_u32;
    loop {
        action = match action {
            Action::Train {
                lr, weight_decay, ..
            } => {
                i += 1;
                let x = lr.log10();
                let floor = 0.4 + 10.0 * weight_decay.unwrap_or(0.0);
                let wiggle = 0.02 * f64::from(i % 7) / 7.0;
                last = floor
                    + (2.3 - floor) / (1.0 + ((x + 3.0) * 2.0).exp())
                    + (x * 3.0).exp()
                    + wiggle;
                test.report(Report::TrainLoss(last)).unwrap()
            }
            Action::Validate { .. } => test.report(Report::ValidationLoss(last * 1.1)).unwrap(),
            Action::Restore { .. } => test.report(Report::Restored).unwrap(),
            Action::Done => break,
        };
    }
    test.result().clone()
}

#[test]
fn range_test_one_series_per_weight_decay() {
    let result = range_test(vec![0.0, 1e-4, 1e-3, 1e-2], false);
    let plot = RangeTestPlot::from_result(&result)
        .unwrap()
        .methods(&["valley"]);
    let (w, h) = plot.size();
    check_png(&plot.to_png().unwrap(), (w, h), &TAB10[..4]);

    let svg = parse_svg(&plot.to_svg().unwrap());
    svg.assert_has(&[
        "LR range test",
        "learning rate (log scale)",
        "train loss",
        "wd=0",
        "wd=1.0e-4",
        "wd=1.0e-3",
        "wd=1.0e-2",
        "10⁻⁶",
        "10⁻³",
        "10⁰",
    ]);
    assert_eq!(svg.series, TAB10[..4].iter().map(|&c| hex(c)).collect());
    // Every sweep diverged: one legend entry for the stops, one valley each.
    assert!(svg.has("where a sweep stopped"));
    let valleys = svg
        .texts
        .iter()
        .filter(|t| t.starts_with("valley "))
        .count();
    assert_eq!(valleys, 4, "{:?}", svg.texts);
    for (i, sweep) in result.sweeps.iter().enumerate() {
        let valley = result.suggestions(i).unwrap().valley.unwrap();
        let label = format!("valley {valley:.1e}");
        assert!(svg.has(&label), "{label} in {:?}", svg.texts);
        assert!(sweep.stop.is_early());
    }
}

#[test]
fn range_test_validation_smoothing_and_linear_axis() {
    let result = range_test(vec![1e-4], true);
    let plot = RangeTestPlot::from_result(&result)
        .unwrap()
        .curve(Curve::MovingAverage { window: 5 })
        .unwrap()
        .x_scale(XScale::Linear)
        .title("validation");
    let svg = parse_svg(&plot.to_svg().unwrap());
    svg.assert_has(&[
        "validation",
        "learning rate",
        "validation loss (moving average of 5)",
        "wd=1.0e-4",
    ]);
    assert!(!svg.has("learning rate (log scale)"));
    assert_eq!(svg.series.len(), 1);
    // One sweep: every suggestion in the legend with its own marker colour.
    for method in ["valley", "slide", "minimum", "steep", "gradient"] {
        let lr = result.suggestions(0).unwrap().get(method).unwrap();
        if let Some(lr) = lr {
            assert!(
                svg.has(&format!("{method} {lr:.1e}")),
                "{method}: {:?}",
                svg.texts
            );
        }
    }
    let stop = match result.sweeps[0].stop {
        clr_core::SweepStop::Diverged { step, .. } => step as usize,
        other => panic!("expected a divergence, got {other:?}"),
    };
    assert!(svg.has(&format!("stopped at {:.1e}", result.lrs[stop])));
    check_png(&plot.to_png().unwrap(), plot.size(), &[TAB10[0]]);

    let ema = RangeTestPlot::from_result(&result)
        .unwrap()
        .curve(Curve::Smoothed(Smoothing::EmaDebiased { beta: 0.9 }))
        .unwrap();
    assert!(parse_svg(&ema.to_svg().unwrap()).has("validation loss (debiased EMA β=0.9)"));
    let bad = Curve::Smoothed(Smoothing::Ema { smooth_f: 2.0 });
    assert!(matches!(
        RangeTestPlot::from_result(&result).unwrap().curve(bad),
        Err(Error::Core(_))
    ));
}

/// With smoothing, the range test's plot draws the curve it judged (its
/// suggestions' curve) and its raw losses faint behind (issue 22); without,
/// only the one curve.
#[test]
fn range_test_draws_the_judged_curve_and_the_raw_faint() {
    let faint_lines = |svg: &str| {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("opacity") == Some("0.3"))
            .filter(|n| n.attribute("stroke") == Some(hex(TAB10[0]).as_str()))
            .count()
    };
    let plain = range_test_with(vec![0.0], false, Smoothing::None);
    let plot = RangeTestPlot::from_result(&plain).unwrap();
    let svg = plot.to_svg().unwrap();
    assert_eq!(faint_lines(&svg), 0);
    assert!(parse_svg(&svg).has("train loss"));

    let smoothed = range_test_with(vec![0.0], false, Smoothing::FASTAI);
    let plot = RangeTestPlot::from_result(&smoothed).unwrap();
    let svg = plot.to_svg().unwrap();
    assert!(faint_lines(&svg) >= 1);
    let parsed = parse_svg(&svg);
    assert!(parsed.has("train loss, smoothed as judged (raw faint)"));
    assert_eq!(parsed.series, [hex(TAB10[0])].into());
    let valley = smoothed.suggestions(0).unwrap().valley.unwrap();
    assert!(
        parsed.has(&format!("valley {valley:.1e}")),
        "{:?}",
        parsed.texts
    );
    check_png(&plot.to_png().unwrap(), plot.size(), &[TAB10[0]]);
}

#[test]
fn range_test_by_hand_and_edge_cases() {
    let lrs: Vec<f64> = (0..30).map(|i| 1e-4 * 1.3_f64.powi(i)).collect();
    let loss: Vec<f64> = (0..30)
        .map(|i| {
            if i < 25 {
                2.0 - 0.05 * i as f64
            } else {
                f64::NAN
            }
        })
        .collect();
    let plot = RangeTestPlot::new(&lrs)
        .sweep(
            Sweep::new("run A", &loss)
                .stopped_at(25)
                .suggest("valley", lrs[10])
                .suggest("my rule", lrs[29]),
        )
        .unwrap();
    let svg = parse_svg(&plot.to_svg().unwrap());
    let rule = format!("my rule {:.1e}", lrs[29]);
    let stop = format!("stopped at {:.1e}", lrs[25]);
    svg.assert_has(&["run A", &rule, &stop]);
    check_png(&plot.to_png().unwrap(), plot.size(), &[TAB10[0]]);

    // Nothing to draw.
    assert!(RangeTestPlot::new(&lrs).to_svg().is_err());
    let nan = vec![f64::NAN; 30];
    let plot = RangeTestPlot::new(&lrs)
        .sweep(Sweep::new("x", &nan))
        .unwrap();
    assert!(matches!(plot.to_png(), Err(Error::Empty { .. })));
    let negative = RangeTestPlot::new(&[-1.0, 0.0])
        .sweep(Sweep::new("x", &[1.0, 2.0]))
        .unwrap();
    assert!(negative.to_svg().is_err());
    assert!(negative.x_scale(XScale::Linear).to_svg().is_ok());
}

fn history(epochs: u64, speed: f64, floor: f64) -> History {
    let mut h = History::new();
    for e in 0..epochs {
        let t = e as f64;
        h.push_epoch(
            e,
            &[
                ("loss", floor + 2.0 * (-speed * t).exp()),
                ("val_loss", floor * 1.2 + 2.0 * (-speed * 0.8 * t).exp()),
                ("lr", 0.01),
            ],
        );
    }
    h
}

#[test]
fn history_train_and_validation() {
    let h = history(20, 0.3, 0.2);
    let plot = HistoryPlot::new(&h).title("one run");
    assert_eq!(plot.size(), (1000, 560));
    check_png(&plot.to_png().unwrap(), (1000, 560), &[TAB10[0], TAB10[1]]);
    let svg = parse_svg(&plot.to_svg().unwrap());
    svg.assert_has(&["one run", "epoch", "loss", "train", "validation", "0", "15"]);
    assert_eq!(svg.series, [hex(TAB10[0]), hex(TAB10[1])].into());

    // A history without val_loss draws train only.
    let mut only = History::new();
    only.push_epoch(0, &[("loss", 1.0)]);
    only.push_epoch(1, &[("loss", 0.5)]);
    let svg = parse_svg(&HistoryPlot::new(&only).to_svg().unwrap());
    assert!(svg.has("train") && !svg.has("validation"));
    // Nothing of the asked series.
    assert!(HistoryPlot::new(&only).series(&["acc"]).to_svg().is_err());
}

#[test]
fn histories_compared_and_concatenated() {
    let a = history(30, 0.3, 0.2);
    let b = history(30, 0.2, 0.3);
    let c = history(30, 0.1, 0.4);
    let plot = HistoryPlot::compare(&[("one-cycle", &a), ("CLR", &b), ("constant lr", &c)])
        .series(&["val_loss"])
        .y_label("validation loss")
        .title("Comparing validation");
    check_png(&plot.to_png().unwrap(), plot.size(), &TAB10[..3]);
    let svg = parse_svg(&plot.to_svg().unwrap());
    svg.assert_has(&[
        "Comparing validation",
        "validation loss",
        "one-cycle",
        "CLR",
        "constant lr",
    ]);
    assert_eq!(svg.series.len(), 3);

    // Two series per run: the second dashed, labelled with the run.
    let both = HistoryPlot::compare(&[("a", &a), ("b", &b)]);
    let svg = parse_svg(&both.to_svg().unwrap());
    svg.assert_has(&["a (train)", "a (validation)", "b (train)", "b (validation)"]);
    assert_eq!(svg.series.len(), 2);

    // Two one-cycle runs joined: epochs 0..60 on one axis.
    let joined = History::concatenate(&[a.clone(), a], true);
    assert_eq!(joined.epochs().last(), Some(&59));
    let svg = parse_svg(&HistoryPlot::new(&joined).to_svg().unwrap());
    svg.assert_has(&["50"]);
}

#[test]
fn history_from_a_scheduler_round_trips_csv() {
    let schedule = Bundle::lr_only(Constant::new(0.1).unwrap());
    let mut s = Scheduler::new(schedule, Cycle::new(3, 2).unwrap()).unwrap();
    for epoch in 0..3 {
        for _ in 0..2 {
            s.batch_begin().unwrap();
            s.batch_end(1.0);
        }
        s.epoch_end(&[("loss", 1.0 / f64::from(epoch + 1)), ("val_loss", f64::NAN)]);
    }
    let h = History::from(s.records());
    let path = scratch("scheduler.csv");
    h.save_csv(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "epoch,loss,val_loss,lr\n0,1.0,nan,0.1\n1,0.5,nan,0.1\n2,0.3333333333333333,nan,0.1\n"
    );
    let back = History::load_csv(&path).unwrap();
    assert_eq!(back.epochs(), h.epochs());
    assert_eq!(back.get("loss"), h.get("loss"));
    let svg = parse_svg(&HistoryPlot::new(&back).to_svg().unwrap());
    assert!(svg.has("train") && !svg.has("validation"));
}

#[test]
fn files_by_extension_and_unwritable_paths() {
    let (lr, _) = one_cycle(50);
    let plot = SchedulePlot::from_lr(&lr);
    for name in ["schedule.png", "schedule.SVG"] {
        let path = scratch(name);
        plot.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        match Format::from_path(&path).unwrap() {
            Format::Png => check_png(&bytes, plot.size(), &[TAB10[0]]),
            Format::Svg => {
                assert!(parse_svg(std::str::from_utf8(&bytes).unwrap()).has("iteration"))
            }
        }
    }
    let path = scratch("explicit.bin");
    plot.save_as(&path, Format::Png).unwrap();
    check_png(&std::fs::read(&path).unwrap(), plot.size(), &[]);

    let e = plot.save(&scratch("schedule.jpg")).unwrap_err();
    assert!(matches!(e, Error::Format { .. }), "{e}");
    let missing = scratch("no/such/dir/plot.png");
    let e = plot.save(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert_eq!(e.path(), Some(missing.as_path()));
    assert!(
        e.to_string().starts_with(&missing.display().to_string()),
        "{e}"
    );
    assert!(!e.to_string().contains('\n'));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut escape = false;
    for c in text.chars() {
        match (escape, c) {
            (false, '\x1b') => escape = true,
            (true, c) if c.is_ascii_alphabetic() => escape = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

fn measure(text: &str) -> (usize, usize) {
    let text = strip_ansi(text);
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    (widest, text.lines().count())
}

#[test]
fn terminal_sizes() {
    let (lr, m) = one_cycle(300);
    let plot = SchedulePlot::from_lr(&lr)
        .momentum(&m)
        .unwrap()
        .boundaries(&[Boundary::phase(89)])
        .title("one-cycle");
    for (cols, rows) in [(80, 25), (120, 41), (60, 17)] {
        let text = plot.to_terminal(cols, rows, false);
        assert!(!text.contains('\x1b'));
        assert_eq!(measure(&text), (cols, rows), "{cols}x{rows}:\n{text}");
        assert!(text.starts_with("one-cycle\nlearning rate\n"));
        assert!(text.contains("\nmomentum\n"));
    }
    let text = SchedulePlot::from_lr(&lr).to_terminal(70, 20, true);
    assert_eq!(measure(&text), (70, 20), "{text}");
    // Too small asks are raised to the minimum, not a panic.
    let (w, h) = measure(&plot.to_terminal(1, 1, false));
    assert!(w >= 40 && h >= 8);

    let result = range_test(vec![0.0, 1e-3], false);
    let all = RangeTestPlot::from_result(&result).unwrap();
    // Five suggestions do not fit in 60 columns: the line is cut.
    let text = all.to_terminal(60, 20, false);
    assert_eq!(measure(&text), (60, 20), "{text}");
    assert!(text.lines().last().unwrap().ends_with('…'));
    let plot = all.methods(&["valley"]);
    for (cols, rows) in [(80, 24), (100, 30)] {
        let text = plot.to_terminal(cols, rows, false);
        assert_eq!(measure(&text), (cols, rows), "{cols}x{rows}:\n{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("LR range test: train loss"));
        assert!(lines[rows - 3].starts_with("lr 1.0e-6"));
        assert!(lines[rows - 2].starts_with("━━ wd=0  valley "));
        assert!(lines[rows - 1].starts_with("━━ wd=1.0e-3  valley "));
        assert!(lines[rows - 1].contains("stopped at"));
    }
    let colored = plot.to_terminal(80, 24, true);
    assert!(colored.contains("\x1b[38;2;31;119;180m━━ wd=0"));
    assert_eq!(measure(&colored), (80, 24));
}
