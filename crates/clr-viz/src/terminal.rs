//! Braille charts for a terminal (through `textplots`), used by
//! [`crate::SchedulePlot::to_terminal`] and [`crate::RangeTestPlot::to_terminal`].
//!
//! A panel is a heading line, `rows - 2` chart lines (the highest value of
//! the y range printed after the first, the lowest after the last) and a
//! line with the x range under the chart's left and right ends. No line is
//! wider than the `cols` asked for.

use textplots::{Chart, ColorPlot, Shape};

/// Narrowest chart textplots accepts is 32 dots, i.e. 17 columns; with labels
/// and a useful width we ask for more.
pub(crate) const MIN_COLS: usize = 40;
/// The fewest lines of a panel: heading, 2 chart lines, x labels.
pub(crate) const MIN_ROWS: usize = 4;
/// Wider or taller asks are cut to these.
pub(crate) const MAX_COLS: usize = 2000;
/// See [`MAX_COLS`].
pub(crate) const MAX_ROWS: usize = 1000;

/// One curve.
pub(crate) struct Series {
    pub points: Vec<(f64, f64)>,
    pub color: (u8, u8, u8),
}

/// A vertical dotted line at `x` (`dense`: every dot, else every other).
pub(crate) struct VLine {
    pub x: f64,
    pub dense: bool,
}

/// One chart with its labels.
pub(crate) struct Panel<'f> {
    pub heading: String,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub series: Vec<Series>,
    pub vlines: Vec<VLine>,
    pub x_label: &'f dyn Fn(f64) -> String,
    pub y_label: &'f dyn Fn(f64) -> String,
}

/// `text` in 24-bit colour.
pub(crate) fn paint(text: &str, (r, g, b): (u8, u8, u8)) -> String {
    format!("\x1b[38;2;{r};{g};{b}m{text}\x1b[0m")
}

/// With `color`, `text` as it is (textplots colours the curves when stdout
/// is a terminal); without, every ANSI sequence removed.
pub(crate) fn finish(text: String, color: bool) -> String {
    if color {
        text
    } else {
        strip_ansi(&text)
    }
}

/// An integer label, `1.2e6` style past six digits.
pub(crate) fn compact_int(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{v:.1e}")
    } else {
        format!("{v:.0}")
    }
}

impl Panel<'_> {
    /// The panel in `cols` columns and `rows` lines (see the module docs).
    pub(crate) fn render(&self, cols: usize, rows: usize) -> String {
        let cols = cols.clamp(MIN_COLS, MAX_COLS);
        let rows = rows.clamp(MIN_ROWS, MAX_ROWS);
        let (y_hi, y_lo) = ((self.y_label)(self.y.1), (self.y_label)(self.y.0));
        let label_w = y_hi.chars().count().max(y_lo.chars().count()) + 1;
        let chart_cols = cols.saturating_sub(label_w).max(17);
        let chart_rows = rows - 2;
        // textplots' canvas is width/2 + 1 columns and height/4 + 1 lines.
        let width = 2 * (chart_cols as u32 - 1);
        let height = 4 * (chart_rows as u32 - 1);

        let (x0, x1) = finite_span(self.x);
        let (y0, y1) = finite_span(self.y);
        let dy = (y1 - y0) / f64::from(height.max(1));
        // (points, colour, is a vertical rule)
        type Drawn = (Vec<(f32, f32)>, (u8, u8, u8), bool);
        let mut data: Vec<Drawn> = Vec::new();
        for v in &self.vlines {
            if !(v.x >= x0 && v.x <= x1) {
                continue;
            }
            let every = if v.dense { 1 } else { 2 };
            let points = (0..=height)
                .step_by(every)
                .map(|k| (v.x as f32, (y0 + f64::from(k) * dy) as f32))
                .collect();
            data.push((points, (0x80, 0x80, 0x80), true));
        }
        for s in &self.series {
            // Cut where a curve leaves the box (textplots would drop the
            // outside points and join across the gap).
            for run in crate::lines::clip(&s.points, (x0, x1), (y0, y1)) {
                let points = run.iter().map(|&(x, y)| (x as f32, y as f32)).collect();
                data.push((points, s.color, false));
            }
        }
        let shapes: Vec<(Shape<'_>, (u8, u8, u8))> = data
            .iter()
            .map(|(points, color, is_rule)| {
                let shape = if *is_rule {
                    Shape::Points(points)
                } else {
                    Shape::Lines(points)
                };
                (shape, *color)
            })
            .collect();
        let mut chart =
            Chart::new_with_y_range(width, height, x0 as f32, x1 as f32, y0 as f32, y1 as f32);
        let mut c = &mut chart;
        for (shape, (r, g, b)) in &shapes {
            c = c.linecolorplot(
                shape,
                rgb::RGB8 {
                    r: *r,
                    g: *g,
                    b: *b,
                },
            );
        }
        c.figures();
        let frame = c.frame();

        let mut out = truncate(&self.heading, cols);
        out.push('\n');
        let lines: Vec<&str> = frame.lines().collect();
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            out.push_str(line);
            if i == 0 {
                out.push(' ');
                out.push_str(&y_hi);
            } else if i == last {
                out.push(' ');
                out.push_str(&y_lo);
            }
            out.push('\n');
        }
        let (xl, xr) = ((self.x_label)(x0), (self.x_label)(x1));
        let gap = chart_cols.saturating_sub(xl.chars().count() + xr.chars().count());
        out.push_str(&xl);
        out.push_str(&" ".repeat(gap.max(1)));
        out.push_str(&xr);
        out.push('\n');
        out
    }
}

/// `text` cut to `cols` characters, an ellipsis marking the cut.
pub(crate) fn truncate(text: &str, cols: usize) -> String {
    if text.chars().count() <= cols {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(cols.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A usable range: finite, with `hi > lo`.
fn finite_span((lo, hi): (f64, f64)) -> (f64, f64) {
    if lo.is_finite() && hi.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    }
}

/// Removes ANSI colour sequences (for measuring).
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_has_the_asked_size() {
        for (cols, rows) in [(40, 4), (80, 20), (123, 17), (10, 1)] {
            let panel = Panel {
                heading: "lr".into(),
                x: (0.0, 99.0),
                y: (0.0, 1.0),
                series: vec![Series {
                    points: (0..100)
                        .map(|i| (i as f64, (i as f64 / 10.0).sin().abs()))
                        .collect(),
                    color: (1, 2, 3),
                }],
                vlines: vec![
                    VLine {
                        x: 30.0,
                        dense: false,
                    },
                    VLine {
                        x: 60.0,
                        dense: true,
                    },
                ],
                x_label: &compact_int,
                y_label: &|v| format!("{v:.2}"),
            };
            let text = strip_ansi(&panel.render(cols, rows));
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), rows.max(MIN_ROWS), "{cols}x{rows}:\n{text}");
            let widest = lines.iter().map(|l| l.chars().count()).max().unwrap();
            assert_eq!(widest, cols.max(MIN_COLS), "{cols}x{rows}:\n{text}");
            assert!(lines[1].ends_with(" 1.00"), "{text}");
            assert!(lines[lines.len() - 2].ends_with(" 0.00"), "{text}");
            assert!(lines[lines.len() - 1].starts_with('0'));
            assert!(lines[lines.len() - 1].ends_with("99"));
            let dots: usize = text
                .chars()
                .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
                .count();
            assert!(dots > 20, "{text}");
        }
    }

    #[test]
    fn strips_ansi() {
        assert_eq!(strip_ansi("\x1b[38;2;1;2;3mab\x1b[0mc"), "abc");
        assert_eq!(compact_int(1234.4), "1234");
        assert_eq!(compact_int(2.5e6), "2.5e6");
    }
}
