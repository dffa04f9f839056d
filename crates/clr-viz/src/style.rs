//! The look shared by every plot: palette, font, sizes, number formats, and
//! the pieces drawn by hand (legend, markers, frame, clipped lines).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::{Circle, Cross, EmptyElement, PathElement, Polygon, Rectangle};
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor, ShapeStyle, TextStyle};

use crate::error::Error;

/// The colours of successive series: matplotlib's and seaborn's `tab10`.
pub const TAB10: [(u8, u8, u8); 10] = [
    (0x1f, 0x77, 0xb4), // blue
    (0xff, 0x7f, 0x0e), // orange
    (0x2c, 0xa0, 0x2c), // green
    (0xd6, 0x27, 0x28), // red
    (0x94, 0x67, 0xbd), // purple
    (0x8c, 0x56, 0x4b), // brown
    (0xe3, 0x77, 0xc2), // pink
    (0x7f, 0x7f, 0x7f), // grey
    (0xbc, 0xbd, 0x22), // olive
    (0x17, 0xbe, 0xcf), // cyan
];

/// The font family every text is drawn in: DejaVu Sans, shipped by the
/// `dejavu` crate and registered under the generic name, so an SVG viewer
/// without DejaVu still uses a sans-serif face.
pub const FONT: &str = "sans-serif";

/// The `i`-th palette colour (cycling).
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = TAB10[i % TAB10.len()];
    RGBColor(r, g, b)
}

pub(crate) const TEXT: RGBColor = RGBColor(0x26, 0x26, 0x26);
pub(crate) const MUTED: RGBColor = RGBColor(0x59, 0x59, 0x59);
pub(crate) const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub(crate) const GRID_MINOR: RGBColor = RGBColor(0xf3, 0xf3, 0xf3);
pub(crate) const FRAME: RGBColor = RGBColor(0xb8, 0xb8, 0xb8);
pub(crate) const MARK: RGBColor = RGBColor(0x80, 0x80, 0x80);

/// Registers DejaVu Sans (regular and bold) with plotters, once.
pub(crate) fn ensure_fonts() -> Result<(), Error> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::draw(
            None,
            "the DejaVu Sans font could not be loaded",
        ))
    }
}

/// Pixel sizes at scale 1, multiplied by the render scale (PNGs are drawn
/// larger and filtered down, which anti-aliases the lines).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    k: f64,
    bitmap: bool,
}

impl Scale {
    /// SVG: sizes as they are.
    pub(crate) const SVG: Scale = Scale {
        k: 1.0,
        bitmap: false,
    };

    /// A bitmap drawn `k` times larger than its final size.
    pub(crate) fn bitmap(k: f64) -> Scale {
        Scale { k, bitmap: true }
    }

    /// How far to move a vertically centred text of `size` down so its
    /// capitals are centred: plotters' ab_glyph layout puts them ~0.22 of
    /// the size too high in bitmaps (SVG viewers centre them themselves).
    pub(crate) fn center_dy(self, size: f64) -> i32 {
        if self.bitmap {
            (0.216 * size * self.k).round() as i32
        } else {
            0
        }
    }

    pub(crate) fn px(self, x: f64) -> i32 {
        (x * self.k).round() as i32
    }
    pub(crate) fn upx(self, x: f64) -> u32 {
        (x * self.k).round().max(1.0) as u32
    }
    pub(crate) fn font(self, size: f64) -> TextStyle<'static> {
        (FONT, size * self.k).into_font().color(&TEXT)
    }
    pub(crate) fn bold(self, size: f64) -> TextStyle<'static> {
        // `FontDesc::style` keeps the regular face's data: name the style
        // when the font is made.
        (FONT, size * self.k, FontStyle::Bold)
            .into_font()
            .color(&TEXT)
    }
    pub(crate) fn title(self) -> TextStyle<'static> {
        self.bold(20.0)
    }
    pub(crate) fn subtitle(self) -> TextStyle<'static> {
        self.bold(15.0)
    }
    pub(crate) fn axis_desc(self) -> TextStyle<'static> {
        self.font(15.0)
    }
    pub(crate) fn tick(self) -> TextStyle<'static> {
        (FONT, 13.0 * self.k).into_font().color(&MUTED)
    }
    pub(crate) fn legend(self) -> TextStyle<'static> {
        self.font(13.5)
    }
    pub(crate) fn line(self, color: RGBColor) -> ShapeStyle {
        color.stroke_width(self.upx(2.0))
    }
}

/// Maps a plotters drawing error to ours.
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> Error {
    Error::draw(None, e)
}

/// The shapes that mark points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Triangle,
    TriangleDown,
    Square,
    Diamond,
    Cross,
}

impl Shape {
    pub(crate) const ALL: [Shape; 5] = [
        Shape::Circle,
        Shape::Triangle,
        Shape::Square,
        Shape::Diamond,
        Shape::TriangleDown,
    ];
}

/// Draws a marker of `radius` pixels at `at` (in `area`'s coordinates):
/// filled with `color` and edged in white, a cross in `color`.
pub(crate) fn marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    shape: Shape,
    color: RGBColor,
    radius: i32,
    s: Scale,
) -> Result<(), Error>
where
    CT::From: Clone + 'static,
{
    let fill = color.filled();
    let edge = WHITE.stroke_width(s.upx(1.2));
    let r = radius;
    match shape {
        Shape::Circle => {
            area.draw(&(EmptyElement::at(at.clone()) + Circle::new((0, 0), r, fill)))
                .map_err(draw_err)?;
            area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), r, edge)))
                .map_err(draw_err)?;
        }
        Shape::Square => {
            let q = (f64::from(r) * 0.85).round() as i32;
            area.draw(&(EmptyElement::at(at.clone()) + Rectangle::new([(-q, -q), (q, q)], fill)))
                .map_err(draw_err)?;
            area.draw(&(EmptyElement::at(at) + Rectangle::new([(-q, -q), (q, q)], edge)))
                .map_err(draw_err)?;
        }
        Shape::Triangle | Shape::TriangleDown | Shape::Diamond => {
            let r2 = (f64::from(r) * 1.25).round() as i32;
            let h = (f64::from(r2) * 0.5).round() as i32;
            let w = (f64::from(r2) * 0.866).round() as i32;
            let points = if shape == Shape::Triangle {
                vec![(0, -r2), (w, h), (-w, h)]
            } else if shape == Shape::TriangleDown {
                vec![(0, r2), (w, -h), (-w, -h)]
            } else {
                vec![(0, -r2), (r, 0), (0, r2), (-r, 0)]
            };
            let mut closed = points.clone();
            closed.push(points[0]);
            area.draw(&(EmptyElement::at(at.clone()) + Polygon::new(points, fill)))
                .map_err(draw_err)?;
            area.draw(&(EmptyElement::at(at) + PathElement::new(closed, edge)))
                .map_err(draw_err)?;
        }
        Shape::Cross => {
            area.draw(
                &(EmptyElement::at(at) + Cross::new((0, 0), r, color.stroke_width(s.upx(2.5)))),
            )
            .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// How a legend entry's sample is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Glyph {
    /// A line, solid or dashed, optionally with a marker on it.
    Line {
        color: RGBColor,
        dashed: bool,
        marker: Option<Shape>,
    },
    /// A marker alone.
    Marker { shape: Shape, color: RGBColor },
    /// A thin vertical rule, as drawn for boundaries.
    Rule { color: RGBColor, dashed: bool },
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub glyph: Glyph,
    pub label: String,
}

impl Entry {
    pub(crate) fn new(glyph: Glyph, label: impl Into<String>) -> Self {
        Entry {
            glyph,
            label: label.into(),
        }
    }
}

const LEGEND_ROW: f64 = 22.0;
const LEGEND_SAMPLE: f64 = 30.0;
const LEGEND_PAD: f64 = 10.0;

/// The width a legend of these entries needs (0 when empty).
pub(crate) fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: Option<&str>,
    entries: &[Entry],
    s: Scale,
) -> u32 {
    if entries.is_empty() {
        return 0;
    }
    let style = s.legend();
    let mut widest = entries
        .iter()
        .map(|e| {
            area.estimate_text_size(&e.label, &style)
                .map_or(0, |(w, _)| w)
        })
        .max()
        .unwrap_or(0);
    if let Some(h) = heading {
        let w = area
            .estimate_text_size(h, &s.bold(13.5))
            .map_or(0, |(w, _)| w);
        widest = widest.max(w.saturating_sub(s.upx(LEGEND_SAMPLE + 8.0)));
    }
    widest + s.upx(LEGEND_SAMPLE + 8.0 + 2.0 * LEGEND_PAD + 16.0)
}

/// Draws a legend box at the top-left of `area` (a column beside a chart),
/// starting `top` pixels down.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    heading: Option<&str>,
    entries: &[Entry],
    s: Scale,
) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, _) = area.dim_in_pixel();
    let row = s.px(LEGEND_ROW);
    let pad = s.px(LEGEND_PAD);
    let x0 = s.px(8.0);
    let x1 = w as i32 - s.px(8.0);
    let rows = entries.len() as i32 + i32::from(heading.is_some());
    let y1 = top + 2 * pad + rows * row - s.px(4.0);
    area.draw(&Rectangle::new([(x0, top), (x1, y1)], WHITE.filled()))
        .map_err(draw_err)?;
    area.draw(&Rectangle::new(
        [(x0, top), (x1, y1)],
        FRAME.stroke_width(s.upx(1.0)),
    ))
    .map_err(draw_err)?;
    let mut y = top + pad + row / 2 - s.px(2.0);
    let sx = x0 + pad;
    let sample = s.px(LEGEND_SAMPLE);
    let text_x = sx + sample + s.px(8.0);
    let text_style = s.legend().pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Left,
        plotters::style::text_anchor::VPos::Center,
    ));
    if let Some(h) = heading {
        let style = s.bold(13.5).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw_text(h, &style, (sx, y + s.center_dy(13.5)))
            .map_err(draw_err)?;
        y += row;
    }
    for entry in entries {
        match entry.glyph {
            Glyph::Line {
                color,
                dashed,
                marker: m,
            } => {
                let t = s.px(1.0).max(1);
                if dashed {
                    let dash = s.px(7.0);
                    let gap = s.px(4.0);
                    let mut x = sx;
                    while x < sx + sample {
                        let end = (x + dash).min(sx + sample);
                        area.draw(&Rectangle::new([(x, y - t), (end, y + t)], color.filled()))
                            .map_err(draw_err)?;
                        x = end + gap;
                    }
                } else {
                    area.draw(&Rectangle::new(
                        [(sx, y - t), (sx + sample, y + t)],
                        color.filled(),
                    ))
                    .map_err(draw_err)?;
                }
                if let Some(shape) = m {
                    marker(area, (sx + sample / 2, y), shape, color, s.px(4.0), s)?;
                }
            }
            Glyph::Marker { shape, color } => {
                marker(area, (sx + sample / 2, y), shape, color, s.px(5.5), s)?;
            }
            Glyph::Rule { color, dashed } => {
                let h = s.px(8.0);
                let t = (s.px(0.5)).max(1);
                let cx = sx + sample / 2;
                if dashed {
                    let mut yy = y - h;
                    while yy < y + h {
                        let end = (yy + s.px(3.0)).min(y + h);
                        area.draw(&Rectangle::new(
                            [(cx - t, yy), (cx + t, end)],
                            color.filled(),
                        ))
                        .map_err(draw_err)?;
                        yy = end + s.px(2.5);
                    }
                } else {
                    area.draw(&Rectangle::new(
                        [(cx - t, y - h), (cx + t, y + h)],
                        color.filled(),
                    ))
                    .map_err(draw_err)?;
                }
            }
        }
        area.draw_text(&entry.label, &text_style, (text_x, y + s.center_dy(13.5)))
            .map_err(draw_err)?;
        y += row;
    }
    Ok(())
}

/// Draws `text` centred at the top of `area`; returns the height used.
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    s: Scale,
) -> Result<i32, Error> {
    let (w, _) = area.dim_in_pixel();
    let style = s.title().pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    area.draw_text(text, &style, (w as i32 / 2, s.px(14.0)))
        .map_err(draw_err)?;
    Ok(s.px(48.0))
}

/// Splits a polyline into the runs inside `[x0, x1] × [y0, y1]`: non-finite
/// points break it, and a segment crossing the box is cut at its edge.
pub(crate) fn clip(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let inside = |p: &(f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    let flush = |current: &mut Vec<(f64, f64)>, runs: &mut Vec<Vec<(f64, f64)>>| {
        if !current.is_empty() {
            runs.push(std::mem::take(current));
        }
    };
    for (i, p) in points.iter().enumerate() {
        if !finite(p) {
            flush(&mut current, &mut runs);
            continue;
        }
        let prev = if i > 0 { points.get(i - 1) } else { None };
        match prev.filter(|q| finite(q)) {
            None => {
                if inside(p) {
                    current.push(*p);
                }
            }
            Some(q) => match clip_segment(*q, *p, x, y) {
                Some((a, b)) => {
                    if current.is_empty() || current.last() != Some(&a) {
                        flush(&mut current, &mut runs);
                        current.push(a);
                    }
                    current.push(b);
                    if b != *p {
                        flush(&mut current, &mut runs);
                    }
                }
                None => flush(&mut current, &mut runs),
            },
        }
    }
    flush(&mut current, &mut runs);
    runs
}

/// Liang–Barsky: the part of segment `a`–`b` inside the box.
fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.0 - x.0),
        (dx, x.1 - a.0),
        (-dy, a.1 - y.0),
        (dy, y.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_at_edges_and_breaks_on_nan() {
        let runs = clip(
            &[
                (0.0, 0.0),
                (1.0, 2.0),
                (2.0, 0.0),
                (3.0, f64::NAN),
                (4.0, 0.5),
            ],
            (0.0, 10.0),
            (0.0, 1.0),
        );
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0], vec![(0.0, 0.0), (0.5, 1.0)]);
        assert_eq!(runs[1], vec![(1.5, 1.0), (2.0, 0.0)]);
        assert_eq!(runs[2], vec![(4.0, 0.5)]);
        let all_in = clip(
            &[(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)],
            (0.0, 2.0),
            (0.0, 1.0),
        );
        assert_eq!(all_in, vec![vec![(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)]]);
        assert!(clip(&[(0.0, 5.0), (1.0, 6.0)], (0.0, 1.0), (0.0, 1.0)).is_empty());
    }

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

/// Keeps at most about `buckets × 4` points of a long series with x
/// increasing: per bucket of x, its first, lowest, highest and last point, in
/// order, so the drawn envelope is exact at image resolution.
pub(crate) fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= buckets.saturating_mul(4) || buckets == 0 {
        return points.to_vec();
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let (x0, x1) = (first.0, last.0);
    let width = (x1 - x0) / buckets as f64;
    if !(width > 0.0 && width.is_finite()) {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(buckets * 4);
    let mut start = 0;
    while start < points.len() {
        let b = ((points[start].0 - x0) / width).floor();
        let mut end = start + 1;
        while end < points.len() && ((points[end].0 - x0) / width).floor() == b {
            end += 1;
        }
        let chunk = &points[start..end];
        let mut keep = vec![0, chunk.len() - 1];
        let finite = chunk.iter().enumerate().filter(|(_, p)| p.1.is_finite());
        if let Some((i, _)) = finite.clone().min_by(|a, b| a.1 .1.total_cmp(&b.1 .1)) {
            keep.push(i);
        }
        if let Some((i, _)) = finite.max_by(|a, b| a.1 .1.total_cmp(&b.1 .1)) {
            keep.push(i);
        }
        // NaN gaps must survive decimation.
        keep.extend(
            chunk
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.1.is_finite())
                .map(|(i, _)| i),
        );
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| chunk[i]));
        start = end;
    }
    out
}

#[cfg(test)]
mod tick_tests {
    use super::*;

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

    #[test]
    fn decimation_keeps_extremes_and_gaps() {
        let pts: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    i as f64,
                    if i == 5000 {
                        f64::NAN
                    } else {
                        (i as f64).sin()
                    },
                )
            })
            .collect();
        let d = decimate(&pts, 100);
        assert!(d.len() <= 100 * 5 && d.len() > 100);
        assert!(d.iter().any(|p| p.1.is_nan()));
        let max = d
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(f64::MIN, f64::max);
        assert!(max > 0.9999);
        assert_eq!(decimate(&pts[..10], 100).len(), 10);
    }
}
