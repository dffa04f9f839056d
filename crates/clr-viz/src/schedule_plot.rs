//! [`SchedulePlot`]: the learning rate (and momentum) per iteration, the
//! Keras package's `test_run()` picture, with phase and cycle boundaries marked.

use clr_core::{HyperSchedule, Real};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axes::{self, Axes};
use crate::error::Error;
use crate::figure::sealed::Draw;
use crate::legend::{self, Entry, Glyph};
use crate::lines;
use crate::style::{self, Scale};
use crate::terminal::{self, Panel, Series, VLine};

/// What a marked step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoundaryKind {
    /// The end of a phase inside a cycle (e.g. the peak of a one-cycle).
    Phase,
    /// The start of a cycle (a restart).
    Cycle,
}

/// A step to mark with a vertical rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Boundary {
    /// The iteration.
    pub step: u64,
    /// Phase end or cycle start.
    pub kind: BoundaryKind,
}

impl Boundary {
    /// A phase boundary at `step`.
    pub fn phase(step: u64) -> Self {
        Boundary {
            step,
            kind: BoundaryKind::Phase,
        }
    }

    /// A cycle start at `step`.
    pub fn cycle(step: u64) -> Self {
        Boundary {
            step,
            kind: BoundaryKind::Cycle,
        }
    }
}

/// A schedule preview: a learning-rate panel and, when momentum is given, a
/// momentum panel beside it; x is the iteration.
///
/// ```
/// use clr_core::OneCycleLr;
/// use clr_viz::{Boundary, Figure, SchedulePlot};
///
/// // A schedule's own values: lr and momentum of iterations 0..200.
/// let one_cycle = OneCycleLr::builder(0.01_f64, 200).build()?;
/// let plot = SchedulePlot::from_schedule(&one_cycle, 200).boundaries(&[Boundary::phase(59)]);
/// assert!(plot.to_svg()?.contains("momentum"));
///
/// // Or any values at all.
///
/// let lr: Vec<f64> = (0..100).map(|i| if i < 30 { i as f64 / 30.0 } else { (100 - i) as f64 / 70.0 }).collect();
/// let plot = SchedulePlot::from_lr(&lr)
///     .boundaries(&[Boundary::phase(29)])
///     .title("triangle");
/// let svg = plot.to_svg()?;
/// assert!(svg.contains("learning rate"));
/// let text = plot.to_terminal(60, 12, false);
/// assert!(text.lines().count() > 10);
/// # Ok::<(), clr_viz::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulePlot {
    steps: Vec<u64>,
    lr: Vec<f64>,
    momentum: Option<Vec<f64>>,
    boundaries: Vec<Boundary>,
    title: String,
    size: Option<(u32, u32)>,
}

impl SchedulePlot {
    /// The learning rate `lr[i]` at iteration `steps[i]` (same lengths).
    pub fn new(steps: &[u64], lr: &[f64]) -> Result<Self, Error> {
        if steps.len() != lr.len() {
            return Err(Error::Length {
                name: "lr".into(),
                expected: steps.len(),
                found: lr.len(),
            });
        }
        Ok(SchedulePlot {
            steps: steps.to_vec(),
            lr: lr.to_vec(),
            momentum: None,
            boundaries: Vec::new(),
            title: "Schedule".into(),
            size: None,
        })
    }

    /// The learning rate of iterations `0..lr.len()`.
    pub fn from_lr(lr: &[f64]) -> Self {
        SchedulePlot {
            steps: (0..lr.len() as u64).collect(),
            lr: lr.to_vec(),
            momentum: None,
            boundaries: Vec::new(),
            title: "Schedule".into(),
            size: None,
        }
    }

    /// The learning rate of `schedule`'s iterations `0..steps`, and its
    /// momentum panel when it sets a momentum (`NaN`, a gap, at a step
    /// where it sets none), in `f64` whatever the schedule's value type. A
    /// learning-rate-only `Schedule` (`CosineRestarts`, `LrSweep`) is
    /// plotted as `Bundle::lr_only(schedule)`.
    pub fn from_schedule<F, S>(schedule: &S, steps: u64) -> Self
    where
        F: Real,
        S: HyperSchedule<F> + ?Sized,
    {
        let hypers: Vec<_> = (0..steps).map(|step| schedule.hypers(step)).collect();
        let lr: Vec<f64> = hypers.iter().map(|h| h.lr.to_f64()).collect();
        let plot = SchedulePlot::from_lr(&lr);
        if hypers.iter().all(|h| h.momentum.is_none()) {
            return plot;
        }
        let momentum = hypers
            .iter()
            .map(|h| h.momentum.map_or(f64::NAN, Real::to_f64))
            .collect();
        SchedulePlot {
            momentum: Some(momentum),
            ..plot
        }
    }

    /// Adds the momentum panel: one value per iteration.
    pub fn momentum(mut self, momentum: &[f64]) -> Result<Self, Error> {
        if momentum.len() != self.lr.len() {
            return Err(Error::Length {
                name: "momentum".into(),
                expected: self.lr.len(),
                found: momentum.len(),
            });
        }
        self.momentum = Some(momentum.to_vec());
        Ok(self)
    }

    /// Marks these steps (phase ends, cycle starts) in every panel.
    pub fn boundaries(mut self, boundaries: &[Boundary]) -> Self {
        self.boundaries = boundaries.to_vec();
        self
    }

    /// The title above the panels (default `Schedule`).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The image size in pixels (default 1200 × 460 with momentum, 820 × 460
    /// without).
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }

    fn x_range(&self) -> (f64, f64) {
        let lo = self.steps.iter().copied().min().unwrap_or(0) as f64;
        let hi = self.steps.iter().copied().max().unwrap_or(0) as f64;
        if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        }
    }

    fn panels(&self) -> Vec<(&'static str, &[f64], usize)> {
        let mut panels = vec![("learning rate", self.lr.as_slice(), 0)];
        if let Some(m) = &self.momentum {
            panels.push(("momentum", m.as_slice(), 1));
        }
        panels
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        if self
            .boundaries
            .iter()
            .any(|b| b.kind == BoundaryKind::Phase)
        {
            entries.push(Entry::new(
                Glyph::Rule {
                    color: style::MARK,
                    dashed: true,
                },
                "phase change",
            ));
        }
        if self
            .boundaries
            .iter()
            .any(|b| b.kind == BoundaryKind::Cycle)
        {
            entries.push(Entry::new(
                Glyph::Rule {
                    color: style::MUTED,
                    dashed: false,
                },
                "cycle start",
            ));
        }
        entries
    }

    /// The preview as text for a terminal, `cols` characters wide and about
    /// `rows` lines high (at least 40 × 8): a title line, then per panel a
    /// heading and a braille chart with its y range on the right and its x
    /// range below. Boundaries are dotted columns. With `color`, the curves
    /// are coloured (ANSI) when stdout is a terminal; without, the text has
    /// no escape sequence at all.
    ///
    /// The text is exactly `rows` lines (the first panel takes the odd one)
    /// and its widest line exactly `cols` characters.
    pub fn to_terminal(&self, cols: usize, rows: usize, color: bool) -> String {
        let cols = cols.clamp(terminal::MIN_COLS, terminal::MAX_COLS);
        let rows = rows.min(terminal::MAX_ROWS);
        let (x0, x1) = self.x_range();
        let panels = self.panels();
        let rows = rows.max(8);
        let n = panels.len();
        let body = rows.saturating_sub(1);
        let mut out = terminal::truncate(&self.title, cols);
        out.push('\n');
        for (i, (name, values, color)) in panels.into_iter().enumerate() {
            let panel_rows = (body / n + usize::from(i < body % n)).max(terminal::MIN_ROWS);
            let points: Vec<(f64, f64)> = self
                .steps
                .iter()
                .zip(values)
                .map(|(&s, &v)| (s as f64, v))
                .collect();
            let y = axes::padded_range(values.iter().copied(), 0.0).unwrap_or((0.0, 1.0));
            let vlines: Vec<VLine> = self
                .boundaries
                .iter()
                .map(|b| VLine {
                    x: b.step as f64,
                    dense: b.kind == BoundaryKind::Cycle,
                })
                .collect();
            let panel = Panel {
                heading: name.to_string(),
                x: (x0, x1),
                y,
                series: vec![Series {
                    points,
                    color: style::TAB10[color],
                }],
                vlines,
                x_label: &|v: f64| terminal::compact_int(v),
                y_label: &|v: f64| axes::tick_format(y.0, y.1)(&v),
            };
            out.push_str(&panel.render(cols, panel_rows));
        }
        terminal::finish(out, color)
    }
}

impl Draw for SchedulePlot {
    fn dimensions(&self) -> (u32, u32) {
        self.size.unwrap_or(if self.momentum.is_some() {
            (1200, 460)
        } else {
            (820, 460)
        })
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> Result<(), Error> {
        if self.lr.is_empty() {
            return Err(Error::Empty {
                what: "the schedule has no steps",
            });
        }
        root.fill(&WHITE).map_err(style::draw_err)?;
        let top = style::draw_title(root, &self.title, s)?;
        let (_, body) = root.split_vertically(top);
        let legend = self.legend();
        let legend_w = legend::legend_width(&body, None, &legend, s);
        let (w, _) = body.dim_in_pixel();
        let (charts, side) = body.split_horizontally(w.saturating_sub(legend_w));
        let panels = self.panels();
        let areas = charts.split_evenly((1, panels.len()));
        let (x0, x1) = self.x_range();
        let x_ticks = axes::integer_ticks(x0, x1, 6);
        let x_fmt = |v: &f64| format!("{v:.0}");
        for ((name, values, color), area) in panels.into_iter().zip(&areas) {
            let area = area.margin(0, s.px(8.0), s.px(10.0), s.px(6.0));
            let (y0, y1) =
                axes::padded_range(values.iter().copied(), 0.05).ok_or(Error::Empty {
                    what: "no finite value in the schedule",
                })?;
            let y_fmt = axes::tick_format(y0, y1);
            let axes = Axes {
                x: (x0, x1),
                y: (y0, y1),
                x_ticks: x_ticks.clone(),
                x_minor: Vec::new(),
                y_ticks: axes::nice_ticks(y0, y1, 6),
                x_desc: "iteration".into(),
                y_desc: name.into(),
                caption: None,
                x_fmt: &x_fmt,
                y_fmt: &y_fmt,
            };
            let mut chart = axes::chart(&area, &axes, s)?;
            for b in &self.boundaries {
                let x = b.step as f64;
                if x < x0 || x > x1 {
                    continue;
                }
                let line = [(x, y0), (x, y1)];
                match b.kind {
                    BoundaryKind::Phase => chart
                        .draw_series(DashedLineSeries::new(
                            line,
                            s.px(6.0),
                            s.px(4.0),
                            style::MARK.stroke_width(s.upx(1.0)),
                        ))
                        .map(|_| ()),
                    BoundaryKind::Cycle => chart
                        .draw_series(LineSeries::new(line, style::MUTED.stroke_width(s.upx(1.0))))
                        .map(|_| ()),
                }
                .map_err(style::draw_err)?;
            }
            let points: Vec<(f64, f64)> = self
                .steps
                .iter()
                .zip(values)
                .map(|(&st, &v)| (st as f64, v))
                .collect();
            let (pw, _) = chart.plotting_area().dim_in_pixel();
            let points = lines::decimate(&points, pw as usize);
            for run in lines::clip(&points, (x0, x1), (y0, y1)) {
                chart
                    .draw_series(LineSeries::new(run, s.line(style::color(color))))
                    .map_err(style::draw_err)?;
            }
        }
        let chart_top = s.px(6.0) + s.px(28.0);
        legend::draw_legend(&side, chart_top, None, &legend, s)
    }
}
