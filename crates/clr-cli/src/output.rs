//! Writers of a schedule's table: one row per step, in the chosen [`Format`].
//!
//! A writer sees the whole [`Table`] (its kind, its length, whether momentum
//! is scheduled, and its rows on demand), so a writer that needs every value
//! first (a plot that scales its axes) fits as well as the streaming ones.
//! Adding a format is adding a [`Format`] variant and a [`TableWriter`].

use std::io::{self, Write};

use clap::ValueEnum;
use clr_core::HyperSchedule;
use clr_viz::{Boundary, Figure, SchedulePlot};

/// The output formats of `clr schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Comma-separated values: a header `step,lr` (or `step,lr,momentum`
    /// when momentum is scheduled), then one line per step.
    #[default]
    Csv,
    /// One JSON object:
    /// `{"kind":KIND,"steps":N,"rows":[{"step":0,"lr":LR,"momentum":M},...]}`,
    /// `momentum` present only when it is scheduled.
    Json,
    /// A braille chart for the terminal: learning rate (and momentum) per
    /// step, phase and cycle boundaries dotted.
    Term,
    /// An SVG image of the learning-rate (and momentum) panels.
    Svg,
    /// A PNG image of the learning-rate (and momentum) panels.
    Png,
}

impl Format {
    /// The writer of this format, at its default size.
    pub fn writer(self) -> Box<dyn TableWriter> {
        self.sized_writer(None, false)
    }

    /// The writer of this format; `size` is the image's width and height in
    /// pixels (svg, png) or the chart's columns and lines (term); `color`
    /// colours the terminal chart.
    pub fn sized_writer(self, size: Option<(u32, u32)>, color: bool) -> Box<dyn TableWriter> {
        match self {
            Format::Csv => Box::new(Csv),
            Format::Json => Box::new(Json),
            Format::Term => Box::new(Term {
                size: size.unwrap_or((80, 24)),
                color,
            }),
            Format::Svg | Format::Png => Box::new(Image {
                format: if self == Format::Svg {
                    clr_viz::Format::Svg
                } else {
                    clr_viz::Format::Png
                },
                size,
            }),
        }
    }

    /// Whether the output is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        self == Format::Png
    }
}

/// The values the optimizer holds for one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// The step, from 0.
    pub step: u64,
    /// The learning rate.
    pub lr: f64,
    /// The momentum (beta1 for Adam), when it is scheduled.
    pub momentum: Option<f64>,
}

/// A schedule to print: its first `steps` steps.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    kind: &'a str,
    steps: u64,
    schedule: &'a dyn HyperSchedule<f64>,
    title: &'a str,
    boundaries: &'a [Boundary],
}

impl<'a> Table<'a> {
    /// The first `steps` steps of `schedule`, labelled `kind` (e.g. `one-cycle`).
    pub fn new(kind: &'a str, steps: u64, schedule: &'a dyn HyperSchedule<f64>) -> Self {
        Table {
            kind,
            steps,
            schedule,
            title: kind,
            boundaries: &[],
        }
    }

    /// The title of a plot of the table (default: the kind).
    pub fn with_title(mut self, title: &'a str) -> Self {
        self.title = title;
        self
    }

    /// The phase and cycle boundaries a plot marks.
    pub fn with_boundaries(mut self, boundaries: &'a [Boundary]) -> Self {
        self.boundaries = boundaries;
        self
    }

    /// The title of a plot of the table.
    pub fn title(&self) -> &str {
        self.title
    }

    /// The boundaries a plot marks.
    pub fn boundaries(&self) -> &[Boundary] {
        self.boundaries
    }

    /// The table as a plot: the learning rate, and the momentum when it is
    /// scheduled, against the step.
    pub fn plot(&self) -> SchedulePlot {
        let rows: Vec<Row> = self.rows().collect();
        let lr: Vec<f64> = rows.iter().map(|r| r.lr).collect();
        let mut plot = SchedulePlot::from_lr(&lr)
            .title(self.title)
            .boundaries(self.boundaries);
        if self.has_momentum() {
            let momentum: Vec<f64> = rows
                .iter()
                .map(|r| r.momentum.unwrap_or(f64::NAN))
                .collect();
            // Same length as `lr` by construction.
            plot = plot.clone().momentum(&momentum).unwrap_or(plot);
        }
        plot
    }

    /// The schedule's kind, as typed on the command line.
    pub fn kind(&self) -> &str {
        self.kind
    }

    /// The number of rows.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Whether the rows carry a momentum.
    pub fn has_momentum(&self) -> bool {
        self.schedule.has_momentum()
    }

    /// The rows, step 0 first. Row `k` is what the optimizer holds for its
    /// `k`-th step; past a finite schedule's end its last value is held.
    pub fn rows(&self) -> impl Iterator<Item = Row> + 'a {
        let schedule = self.schedule;
        (0..self.steps).map(move |step| {
            let h = schedule.hypers(step);
            Row {
                step,
                lr: h.lr,
                momentum: h.momentum,
            }
        })
    }
}

impl std::fmt::Debug for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("kind", &self.kind)
            .field("steps", &self.steps)
            .field("has_momentum", &self.has_momentum())
            .finish()
    }
}

/// Writes a [`Table`] in one format.
pub trait TableWriter {
    /// Writes the whole table to `out`.
    fn write_table(&self, table: &Table<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// CSV: `step,lr[,momentum]`, values in Rust's `Display` for `f64` (the
/// shortest text that reads back as the same number, never an exponent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl TableWriter for Csv {
    fn write_table(&self, table: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
        let momentum = table.has_momentum();
        out.write_all(if momentum {
            b"step,lr,momentum\n"
        } else {
            b"step,lr\n"
        })?;
        for row in table.rows() {
            match (momentum, row.momentum) {
                (true, Some(m)) => writeln!(out, "{},{},{}", row.step, row.lr, m)?,
                (true, None) => writeln!(out, "{},{},", row.step, row.lr)?,
                (false, _) => writeln!(out, "{},{}", row.step, row.lr)?,
            }
        }
        Ok(())
    }
}

/// JSON: `{"kind":KIND,"steps":N,"rows":[{"step":0,"lr":LR,"momentum":M},...]}`,
/// one row per line, numbers as in [`Csv`]; a non-finite value is `null`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl TableWriter for Json {
    fn write_table(&self, table: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"{\"kind\":")?;
        write_json_string(out, table.kind())?;
        write!(out, ",\"steps\":{},\"rows\":[", table.steps())?;
        let momentum = table.has_momentum();
        for row in table.rows() {
            if row.step > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\n{{\"step\":{},\"lr\":", row.step)?;
            write_json_number(out, row.lr)?;
            if momentum {
                out.write_all(b",\"momentum\":")?;
                match row.momentum {
                    Some(m) => write_json_number(out, m)?,
                    None => out.write_all(b"null")?,
                }
            }
            out.write_all(b"}")?;
        }
        out.write_all(b"\n]}\n")
    }
}

/// A braille chart of `size` (columns, lines).
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// Columns and lines.
    pub size: (u32, u32),
    /// Colour the curves (ANSI).
    pub color: bool,
}

impl TableWriter for Term {
    fn write_table(&self, table: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
        let (cols, rows) = self.size;
        out.write_all(
            table
                .plot()
                .to_terminal(cols as usize, rows as usize, self.color)
                .as_bytes(),
        )
    }
}

/// An SVG or PNG image, at `size` pixels or the plot's default.
#[derive(Debug, Clone, Copy)]
pub struct Image {
    /// SVG or PNG.
    pub format: clr_viz::Format,
    /// Width and height in pixels.
    pub size: Option<(u32, u32)>,
}

impl TableWriter for Image {
    fn write_table(&self, table: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut plot = table.plot();
        if let Some((w, h)) = self.size {
            plot = plot.with_size(w, h);
        }
        let bytes = match self.format {
            clr_viz::Format::Svg => plot.to_svg().map(String::into_bytes),
            clr_viz::Format::Png => plot.to_png(),
        }
        .map_err(io::Error::other)?;
        out.write_all(&bytes)
    }
}

fn write_json_number(out: &mut dyn Write, value: f64) -> io::Result<()> {
    if value.is_finite() {
        write!(out, "{value}")
    } else {
        out.write_all(b"null")
    }
}

fn write_json_string(out: &mut dyn Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    for c in s.chars() {
        match c {
            '"' => out.write_all(b"\\\"")?,
            '\\' => out.write_all(b"\\\\")?,
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
            c => write!(out, "{c}")?,
        }
    }
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clr_core::{Bundle, CosineRestarts, OneCycleLr};

    fn render(format: Format, table: &Table<'_>) -> String {
        let mut out = Vec::new();
        format.writer().write_table(table, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_with_and_without_momentum() {
        let s = OneCycleLr::builder(0.1, 3).build().unwrap();
        let text = render(Format::Csv, &Table::new("one-cycle", 3, &s));
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], "step,lr,momentum");
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("0,"));

        let r = Bundle::lr_only(CosineRestarts::builder(0.1, 2).build().unwrap());
        let text = render(Format::Csv, &Table::new("cosine-restarts", 2, &r));
        assert_eq!(text, "step,lr\n0,0.1\n1,0.05\n");
    }

    #[test]
    fn json_shape() {
        let r = Bundle::lr_only(CosineRestarts::builder(0.1, 2).build().unwrap());
        let text = render(Format::Json, &Table::new("cosine-restarts", 2, &r));
        assert_eq!(
            text,
            "{\"kind\":\"cosine-restarts\",\"steps\":2,\"rows\":[\n{\"step\":0,\"lr\":0.1},\n{\"step\":1,\"lr\":0.05}\n]}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["rows"][1]["lr"], 0.05);
    }

    #[test]
    fn json_non_finite_is_null() {
        let mut out = Vec::new();
        write_json_number(&mut out, f64::INFINITY).unwrap();
        write_json_number(&mut out, 1e-7).unwrap();
        assert_eq!(out, b"null0.0000001");
    }
}
