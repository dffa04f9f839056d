//! [`HistoryPlot`]: train and validation loss per epoch (the Keras package's
//! `plot_from_history`), for one run or several compared on one plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axes::{self, Axes};
use crate::error::Error;
use crate::figure::sealed::Draw;
use crate::legend::{self, Entry, Glyph, Shape};
use crate::lines;
use crate::style::{self, Scale};
use clr_train::History;

/// How a series is called in a legend: `loss` is `train`, `val_loss` is
/// `validation`, other names as they are.
pub fn display_name(series: &str) -> &str {
    match series {
        "loss" => "train",
        "val_loss" => "validation",
        other => other,
    }
}

/// Losses (or any series) of one or more [`History`]s against the epoch.
///
/// With one run, each series has its own colour (train blue, validation
/// orange). With several runs, each run has its colour and the series are
/// told apart by line style (the first solid, the others dashed).
///
/// ```
/// use clr_viz::{Figure, History, HistoryPlot};
///
/// let mut h = History::new();
/// for epoch in 0..10 {
///     let t = epoch as f64;
///     h.push_epoch(epoch, &[("loss", 1.0 / (1.0 + t)), ("val_loss", 1.2 / (1.0 + 0.8 * t))]);
/// }
/// let svg = HistoryPlot::new(&h).to_svg()?;
/// assert!(svg.contains("\ntrain\n") && svg.contains("\nvalidation\n"));
/// # Ok::<(), clr_viz::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPlot {
    runs: Vec<(String, History)>,
    series: Vec<String>,
    title: String,
    y_label: String,
    size: Option<(u32, u32)>,
}

impl HistoryPlot {
    /// One run: its `loss` and `val_loss` (those it has).
    pub fn new(history: &History) -> Self {
        HistoryPlot {
            runs: vec![(String::new(), history.clone())],
            series: vec!["loss".into(), "val_loss".into()],
            title: "Training history".into(),
            y_label: "loss".into(),
            size: None,
        }
    }

    /// Several runs on one plot, each with its legend name (the Keras package's
    /// "comparing validation" figure: `.series(&["val_loss"])`).
    pub fn compare(runs: &[(&str, &History)]) -> Self {
        HistoryPlot {
            runs: runs
                .iter()
                .map(|(name, h)| ((*name).to_owned(), (*h).clone()))
                .collect(),
            series: vec!["loss".into(), "val_loss".into()],
            title: "Training history".into(),
            y_label: "loss".into(),
            size: None,
        }
    }

    /// The series to draw, by name (default `loss` and `val_loss`); a run
    /// without one of them (or with no finite value in it) does not draw it.
    pub fn series(mut self, names: &[&str]) -> Self {
        self.series = names.iter().map(|n| (*n).to_owned()).collect();
        self
    }

    /// The title (default `Training history`).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The y axis' name (default `loss`).
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// The image size in pixels (default 1000 × 560).
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }

    /// Every drawn line.
    fn lines(&self) -> Vec<Line> {
        let single = self.runs.len() == 1;
        let mut lines = Vec::new();
        for (r, (run, history)) in self.runs.iter().enumerate() {
            for (k, name) in self.series.iter().enumerate() {
                let Some(values) = history.get(name) else {
                    continue;
                };
                if !values.iter().any(|v| v.is_finite()) {
                    continue;
                }
                let points = history
                    .epochs()
                    .iter()
                    .zip(values)
                    .map(|(&e, &v)| (e as f64, v))
                    .collect();
                let label = if single {
                    display_name(name).to_owned()
                } else if self.series.len() == 1 {
                    run.clone()
                } else {
                    format!("{run} ({})", display_name(name))
                };
                let (color, dashed) = if single { (k, false) } else { (r, k > 0) };
                lines.push(Line {
                    label,
                    color,
                    dashed,
                    points,
                });
            }
        }
        lines
    }
}

/// One drawn line: its legend label, palette index, style and points.
struct Line {
    label: String,
    color: usize,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

impl Draw for HistoryPlot {
    fn dimensions(&self) -> (u32, u32) {
        let (w, h) = self.size.unwrap_or((1000, 560));
        let needed = 48 + 40 + 22 * self.lines().len() as u32 + 20;
        (w, h.max(needed))
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> Result<(), Error> {
        let lines = self.lines();
        if lines.is_empty() {
            return Err(Error::Empty {
                what: "no history has any of the series to plot",
            });
        }
        let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (x0, x1) = match axes::padded_range(xs, 0.0) {
            Some((a, b)) if b - a >= 1.0 => (a, b),
            Some((a, _)) => (a.round() - 0.5, a.round() + 0.5),
            None => (0.0, 1.0),
        };
        let ys = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
        let (y0, y1) = axes::padded_range(ys, 0.05).ok_or(Error::Empty {
            what: "no finite value in the histories",
        })?;
        let x_span = x1 - x0;
        let (x0, x1) = (x0 - 0.02 * x_span, x1 + 0.02 * x_span);

        root.fill(&WHITE).map_err(style::draw_err)?;
        let top = style::draw_title(root, &self.title, s)?;
        let (_, body) = root.split_vertically(top);
        let many_points = lines.iter().map(|l| l.points.len()).max().unwrap_or(0) > 60;
        let legend: Vec<Entry> = lines
            .iter()
            .map(|line| {
                Entry::new(
                    Glyph::Line {
                        color: style::color(line.color),
                        dashed: line.dashed,
                        marker: (!many_points).then_some(Shape::Circle),
                    },
                    line.label.clone(),
                )
            })
            .collect();
        let legend_w = legend::legend_width(&body, None, &legend, s);
        let (w, _) = body.dim_in_pixel();
        let (area, side) = body.split_horizontally(w.saturating_sub(legend_w));
        let area = area.margin(0, s.px(8.0), s.px(10.0), s.px(6.0));
        let x_fmt = |v: &f64| format!("{v:.0}");
        let y_fmt = axes::tick_format(y0, y1);
        let axes = Axes {
            x: (x0, x1),
            y: (y0, y1),
            x_ticks: axes::integer_ticks(x0, x1, 8),
            x_minor: Vec::new(),
            y_ticks: axes::nice_ticks(y0, y1, 6),
            x_desc: "epoch".into(),
            y_desc: self.y_label.clone(),
            caption: None,
            x_fmt: &x_fmt,
            y_fmt: &y_fmt,
        };
        let mut chart = axes::chart(&area, &axes, s)?;
        for line in &lines {
            let color = style::color(line.color);
            let points = &line.points;
            for run in lines::clip(points, (x0, x1), (y0, y1)) {
                if line.dashed {
                    chart
                        .draw_series(DashedLineSeries::new(
                            run,
                            s.px(8.0),
                            s.px(5.0),
                            s.line(color),
                        ))
                        .map_err(style::draw_err)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(run, s.line(color)))
                        .map_err(style::draw_err)?;
                }
            }
            if !many_points {
                for &(x, y) in points.iter().filter(|p| p.1.is_finite()) {
                    if y >= y0 && y <= y1 {
                        legend::marker(
                            chart.plotting_area(),
                            (x, y),
                            Shape::Circle,
                            color,
                            s.px(3.5),
                            s,
                        )?;
                    }
                }
            }
        }
        legend::draw_legend(&side, s.px(6.0), None, &legend, s)
    }
}
