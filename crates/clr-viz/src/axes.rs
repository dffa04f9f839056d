//! The chart every plot draws on: axes with ticks chosen here, grid,
//! frame, and the number formats of ticks and labels.

use plotters::coord::Shift;
use plotters::element::Rectangle;
use plotters::prelude::*;

use crate::error::Error;
use crate::style::{draw_err, Scale, FRAME, GRID, GRID_MINOR};

/// A number in a legend or a label: `3.2e-3` style, `0` for zero.
pub(crate) fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x:.1e}")
    }
}

/// Tick labels for a linear axis over `[lo, hi]`: plain decimals with just
/// enough digits for the tick spacing, scientific for tiny or huge ranges.
pub(crate) fn tick_format(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let span = (hi - lo).abs();
    let magnitude = lo.abs().max(hi.abs());
    let step = span / 6.0;
    let scientific = magnitude > 0.0 && !(1e-3..1e5).contains(&magnitude);
    let decimals = if step > 0.0 && step.is_finite() {
        (-(step.log10().floor()) as i32 + 1).clamp(0, 8) as usize
    } else {
        2
    };
    move |v: &f64| {
        let v = if v.abs() < span * 1e-9 { 0.0 } else { *v };
        if v == 0.0 {
            "0".to_owned()
        } else if scientific {
            let s = format!("{v:.1e}");
            s.replace(".0e", "e")
        } else {
            let s = format!("{v:.decimals$}");
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                s
            }
        }
    }
}

/// `10⁻³` for a decade exponent.
pub(crate) fn decade_label(exponent: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::from("10");
    if exponent < 0 {
        out.push('⁻');
    }
    for d in exponent.unsigned_abs().to_string().bytes() {
        out.push(SUP[usize::from(d - b'0')]);
    }
    out
}

/// The finite range of `values`, widened by `pad` of its span on each side
/// (a flat series gets a small band around it).
pub(crate) fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
    let span = hi - lo;
    if span > 0.0 && span.is_finite() {
        Some((lo - pad * span, hi + pad * span))
    } else {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
        Some((lo - d, hi + d))
    }
}

/// Draws a light frame around a chart's plotting area.
pub(crate) fn frame<DB: DrawingBackend, CT: CoordTranslate>(
    plot: &DrawingArea<DB, CT>,
    s: Scale,
) -> Result<(), Error> {
    let (xr, yr) = plot.get_pixel_range();
    let root = plot.strip_coord_spec();
    let (x0, y0) = (0, 0);
    let (x1, y1) = (xr.end - xr.start - 1, yr.end - yr.start - 1);
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        FRAME.stroke_width(s.upx(1.0)),
    ))
    .map_err(draw_err)
}

/// A linear `f64` axis with tick positions chosen here (grid lines at
/// `bold`, fainter ones at `light`).
#[derive(Clone)]
pub(crate) struct Ticked {
    inner: plotters::coord::types::RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl plotters::coord::ranged1d::Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// The chart type every plot draws on: both axes with explicit tick positions.
pub(crate) type Chart<'a, DB> =
    plotters::chart::ChartContext<'a, DB, plotters::coord::cartesian::Cartesian2d<Ticked, Ticked>>;

/// What [`chart`] draws: ranges, ticks, labels.
pub(crate) struct Axes<'f> {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_ticks: Vec<f64>,
    pub x_minor: Vec<f64>,
    pub y_ticks: Vec<f64>,
    pub x_desc: String,
    pub y_desc: String,
    pub caption: Option<String>,
    pub x_fmt: &'f dyn Fn(&f64) -> String,
    pub y_fmt: &'f dyn Fn(&f64) -> String,
}

/// Builds a chart on `area`: white plotting area, light grid at the ticks,
/// a light frame, tick labels and axis descriptions.
pub(crate) fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: &Axes<'_>,
    s: Scale,
) -> Result<Chart<'a, DB>, Error> {
    let tick_w = axes
        .y_ticks
        .iter()
        .map(|v| {
            area.estimate_text_size(&(axes.y_fmt)(v), &s.tick())
                .map_or(0, |(w, _)| w)
        })
        .max()
        .unwrap_or(0);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(s.px(6.0))
        .margin_right(s.px(14.0))
        .margin_left(s.px(6.0))
        .margin_bottom(s.px(4.0))
        .x_label_area_size(s.px(50.0))
        .y_label_area_size(tick_w as i32 + s.px(36.0));
    if let Some(caption) = &axes.caption {
        builder.caption(caption, s.subtitle());
    }
    let x = Ticked {
        inner: (axes.x.0..axes.x.1).into(),
        bold: axes.x_ticks.clone(),
        light: axes.x_minor.clone(),
    };
    let y = Ticked {
        inner: (axes.y.0..axes.y.1).into(),
        bold: axes.y_ticks.clone(),
        light: Vec::new(),
    };
    let mut chart = builder.build_cartesian_2d(x, y).map_err(draw_err)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID.stroke_width(s.upx(1.0)))
        .light_line_style(GRID_MINOR.stroke_width(s.upx(1.0)))
        .axis_style(FRAME.stroke_width(s.upx(1.0)))
        .set_all_tick_mark_size(s.px(4.0))
        .y_label_offset(s.center_dy(13.0))
        .x_label_style(s.tick())
        .y_label_style(s.tick())
        .x_label_formatter(axes.x_fmt)
        .y_label_formatter(axes.y_fmt)
        .axis_desc_style(s.axis_desc())
        .x_desc(axes.x_desc.as_str())
        .y_desc(axes.y_desc.as_str())
        .draw()
        .map_err(draw_err)?;
    frame(chart.plotting_area(), s)?;
    Ok(chart)
}

/// About `n` round tick positions covering `[lo, hi]` (steps of 1, 2, 2.5
/// or 5 times a power of ten).
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) || n == 0 {
        return vec![lo];
    }
    let raw = span / n as f64;
    let mag = 10_f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&st| st >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            // Round off the representation noise of k × step.
            let digits = (-(step.log10().floor()) as i32 + 2).clamp(0, 15);
            let p = 10_f64.powi(digits);
            (v * p).round() / p
        })
        .collect()
}

/// Integer tick positions for a step or epoch axis.
pub(crate) fn integer_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let ticks = nice_ticks(lo, hi, n);
    let mut out: Vec<f64> = ticks.into_iter().filter(|t| t.fract() == 0.0).collect();
    if out.is_empty() {
        out.push(lo.ceil());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(sci(3.2e-3), "3.2e-3");
        assert_eq!(sci(1e-4), "1.0e-4");
        assert_eq!(sci(0.0), "0");
        assert_eq!(decade_label(-3), "10⁻³");
        assert_eq!(decade_label(0), "10⁰");
        assert_eq!(decade_label(12), "10¹²");
        let f = tick_format(0.0, 0.01);
        assert_eq!(f(&0.004), "0.004");
        assert_eq!(f(&0.0), "0");
        let f = tick_format(0.0, 1e-4);
        assert_eq!(f(&5e-5), "5e-5");
        let f = tick_format(0.85, 0.95);
        assert_eq!(f(&0.875), "0.875");
        assert_eq!(f(&0.9), "0.9");
        let f = tick_format(0.0, 1000.0);
        assert_eq!(f(&200.0), "200");
    }

    #[test]
    fn ranges() {
        assert_eq!(padded_range([1.0, 3.0].into_iter(), 0.5), Some((0.0, 4.0)));
        assert_eq!(padded_range([f64::NAN].into_iter(), 0.5), None);
        let (lo, hi) = padded_range([2.0, 2.0].into_iter(), 0.1).unwrap();
        assert!(lo < 2.0 && hi > 2.0);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(0.84, 0.96, 5),
            vec![0.85, 0.875, 0.9, 0.925, 0.95]
        );
        assert_eq!(integer_ticks(0.0, 3.0, 8), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            integer_ticks(-0.5, 999.0, 6),
            vec![0.0, 200.0, 400.0, 600.0, 800.0]
        );
        assert_eq!(nice_ticks(1.0, 1.0, 5), vec![1.0]);
    }
}
