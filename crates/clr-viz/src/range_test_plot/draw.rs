//! How a [`RangeTestPlot`] draws itself: axes, curves, suggestion markers
//! on the judged curve, stops, the legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{RangeTestPlot, XScale};
use crate::axes::{self, Axes};
use crate::error::Error;
use crate::figure::sealed::Draw;
use crate::legend::{self, Shape};
use crate::lines;
use crate::style::{self, Scale};

/// Linear interpolation of `points` (x increasing) at `x`.
pub(super) fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    for w in finite.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if (x0 <= x && x <= x1) || (x1 <= x && x <= x0) {
            if x1 == x0 {
                return y0;
            }
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    match finite.as_slice() {
        [(px, py)] if *px == x => *py,
        _ => f64::NAN,
    }
}

/// The y of the finite point of `points` nearest to `x`.
pub(super) fn nearest(points: &[(f64, f64)], x: f64) -> f64 {
    points
        .iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
        .map_or(f64::NAN, |p| p.1)
}

impl Draw for RangeTestPlot {
    fn dimensions(&self) -> (u32, u32) {
        let (w, h) = self.size.unwrap_or((1100, 620));
        // Title, legend rows, paddings: keep every legend row inside.
        let needed = 48 + 40 + 22 * self.legend_rows() as u32 + 20;
        (w, h.max(needed))
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> Result<(), Error> {
        if self.sweeps.is_empty() {
            return Err(Error::Empty {
                what: "the range-test plot has no sweep",
            });
        }
        let curves = self.curves();
        let (x0, x1) = self.x_range().ok_or(Error::Empty {
            what: "no positive learning rate for a log axis",
        })?;
        let (y0, y1) = self.y_range(&curves, 0.05).ok_or(Error::Empty {
            what: "no finite loss in any sweep",
        })?;
        root.fill(&WHITE).map_err(style::draw_err)?;
        let top = style::draw_title(root, &self.title, s)?;
        let (_, body) = root.split_vertically(top);
        let legend = self.legend();
        let legend_w = legend::legend_width(&body, None, &legend, s);
        let (w, _) = body.dim_in_pixel();
        let (area, side) = body.split_horizontally(w.saturating_sub(legend_w));
        let area = area.margin(0, s.px(8.0), s.px(10.0), s.px(6.0));

        let log = self.x_scale == XScale::Log;
        let (x_ticks, x_minor) = if log {
            decades(x0, x1)
        } else {
            (axes::nice_ticks(x0, x1, 6), Vec::new())
        };
        let lin_fmt = axes::tick_format(x0, x1);
        let x_fmt = move |v: &f64| {
            if log {
                axes::decade_label(v.round() as i32)
            } else {
                lin_fmt(v)
            }
        };
        let y_fmt = axes::tick_format(y0, y1);
        let axes = Axes {
            x: (x0, x1),
            y: (y0, y1),
            x_ticks,
            x_minor,
            y_ticks: axes::nice_ticks(y0, y1, 6),
            x_desc: if log {
                "learning rate (log scale)".into()
            } else {
                "learning rate".into()
            },
            y_desc: self.y_desc(),
            caption: None,
            x_fmt: &x_fmt,
            y_fmt: &y_fmt,
        };
        let mut chart = axes::chart(&area, &axes, s)?;

        // Where each sweep stopped: a dotted rule, a cross on the x axis.
        for (i, (sweep, points)) in self.sweeps.iter().zip(&curves).enumerate() {
            let Some(k) = sweep.stopped_at else { continue };
            let Some(&(x, _)) = points.get(k) else {
                continue;
            };
            if !(x >= x0 && x <= x1) {
                continue;
            }
            let color = style::color(i);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, y0), (x, y1)],
                    s.px(2.0),
                    s.px(4.0),
                    color.mix(0.7).stroke_width(s.upx(1.0)),
                ))
                .map_err(style::draw_err)?;
            legend::marker(
                chart.plotting_area(),
                (x, y0),
                Shape::Cross,
                style::MUTED,
                s.px(6.0),
                s,
            )?;
        }

        let (pw, _) = chart.plotting_area().dim_in_pixel();
        // The raw losses faint behind the curves drawn.
        for (i, sweep) in self.sweeps.iter().enumerate() {
            let points = lines::decimate(&self.points(&sweep.raw), pw as usize);
            let faint = style::color(i).mix(0.3).stroke_width(s.upx(1.0));
            for run in lines::clip(&points, (x0, x1), (y0, y1)) {
                chart
                    .draw_series(LineSeries::new(run, faint))
                    .map_err(style::draw_err)?;
            }
        }
        for (i, points) in curves.iter().enumerate() {
            let points = lines::decimate(points, pw as usize);
            for run in lines::clip(&points, (x0, x1), (y0, y1)) {
                chart
                    .draw_series(LineSeries::new(run, s.line(style::color(i))))
                    .map_err(style::draw_err)?;
            }
        }

        // Suggestions: a marker on the curve (at the nearest finite value
        // when the curve has none there), kept inside the box.
        for (i, (sweep, points)) in self.sweeps.iter().zip(&curves).enumerate() {
            for (j, sug) in sweep.suggestions.iter().enumerate() {
                let x = self.x_of(sug.lr);
                if !(x >= x0 && x <= x1) {
                    continue;
                }
                let y = interpolate(points, x);
                let y = if y.is_finite() { y } else { nearest(points, x) };
                let y = if y.is_finite() { y.clamp(y0, y1) } else { y0 };
                let (shape, color) = self.suggestion_style(i, j, &sug.method);
                legend::marker(chart.plotting_area(), (x, y), shape, color, s.px(6.0), s)?;
            }
        }
        legend::draw_legend(&side, s.px(6.0), None, &legend, s)
    }
}

/// Decade ticks (integer log10 values) and the minor ticks between them.
pub(super) fn decades(x0: f64, x1: f64) -> (Vec<f64>, Vec<f64>) {
    let (a, b) = (x0.ceil() as i64, x1.floor() as i64);
    let mut major: Vec<f64> = (a..=b).map(|k| k as f64).collect();
    let mut minor = Vec::new();
    for k in (x0.floor() as i64)..=(x1.floor() as i64) {
        for m in 2..10 {
            let v = k as f64 + f64::from(m).log10();
            if v >= x0 && v <= x1 {
                minor.push(v);
            }
        }
    }
    if major.len() < 2 {
        // Less than a decade: label round values inside it instead.
        major = axes::nice_ticks(x0, x1, 4);
        minor.clear();
    }
    (major, minor)
}
