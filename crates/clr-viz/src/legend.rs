//! Markers and the legend, drawn by hand beside the chart so it never
//! hides a curve.

use plotters::coord::Shift;
use plotters::element::{Circle, Cross, EmptyElement, PathElement, Polygon, Rectangle};
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::error::Error;
use crate::style::{draw_err, Scale, FRAME};

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
