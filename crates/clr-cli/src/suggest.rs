//! `clr suggest --input FILE`: learning-rate suggestions from a range-test
//! curve saved as CSV.
//!
//! The input has a header naming the columns `lr` and `loss` (in any order;
//! other columns are ignored), then one row per range-test step. A loss may
//! be `nan`/`NaN` or `inf`/`-inf` (a diverged step: the methods' own NaN
//! handling decides); a learning rate must be a finite number `> 0`. Fields are read with the `csv` crate, so quoted fields
//! and blank lines work as usual, and spaces around a value are trimmed.
//!
//! The output is CSV `method,lr` with one row per method, in the order of
//! [`Suggestions::METHODS`]: `valley`, `slide`, `minimum`, `steep` (fastai's
//! `lr_find`, its trimming and float32 arithmetic included) and `gradient`
//! (torch-lr-finder's `plot`, `lrs[10:-5]`). A method with no answer (too few
//! points) has an empty `lr` field.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use clr_core::suggest::Suggestions;

use crate::error::CliError;
use crate::parse::count;

/// What `clr suggest --help` adds after the options.
pub const SUGGEST_HELP: &str = "\
Input: CSV with a header naming the columns `lr` and `loss` (any order, other columns
  ignored), one row per range-test step; a loss may be nan or inf, a learning rate
  must be a finite number > 0.
Output: CSV `method,lr`, one row each for valley, slide, minimum, steep (fastai's
  lr_find: lrs[num_it//10:-5], cut at the first NaN loss, float32) and gradient
  (torch-lr-finder's plot: lrs[10:-5], float64); the lr field is empty where a
  method has no answer. Numbers in Rust's Display for f64 (shortest round trip).
--plot FILE.png|FILE.svg also draws the curve (loss against lr, log x) with every
  suggestion marked and, where the loss first becomes nan or inf, where the run stopped.
A bad file, and a plot that cannot be written, print one line on stderr naming the file
(and the line), and exit with status 2.";

/// The arguments of `clr suggest`.
#[derive(Debug, Args)]
#[command(after_long_help = SUGGEST_HELP)]
pub struct SuggestArgs {
    /// The range-test curve: CSV with the columns `lr` and `loss`.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// fastai's `lr_find(num_it=N)`, the iterations asked for (fastai skips the
    /// first N/10 points) [default: the number of rows].
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    pub num_it: Option<u64>,
    /// Also draw the curve with the suggestions marked, as PNG or SVG (by the extension).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// A range-test curve read from a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    /// The learning rates, one per row.
    pub lrs: Vec<f64>,
    /// The losses, one per row.
    pub losses: Vec<f64>,
}

impl SuggestArgs {
    /// Reads the file and computes the five suggestions.
    pub fn suggestions(&self) -> Result<Suggestions<f64>, CliError> {
        self.curve_and_suggestions().map(|(_, s)| s)
    }

    /// Reads the file; the curve and its five suggestions.
    pub fn curve_and_suggestions(&self) -> Result<(Curve, Suggestions<f64>), CliError> {
        let curve = read_curve(&self.input)?;
        let num_it = match self.num_it {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => curve.lrs.len(),
        };
        let mut scratch = vec![0_usize; curve.lrs.len()];
        let suggestions = Suggestions::compute(&curve.lrs, &curve.losses, num_it, &mut scratch);
        Ok((curve, suggestions))
    }
}

/// The plot of `curve` (read from `input`) with its suggestions, rendered
/// in the format `path`'s extension names.
pub fn plot(
    input: &Path,
    curve: &Curve,
    suggestions: &Suggestions<f64>,
    path: &Path,
) -> Result<Vec<u8>, CliError> {
    use clr_viz::{Figure, RangeTestPlot, Sweep, XScale};

    let bad =
        |e: clr_viz::Error| CliError::usage(format!("cannot plot '{}': {e}", input.display()));
    let format = clr_viz::Format::from_path(path)
        .map_err(|e| CliError::usage(format!("invalid value for '--plot': {e}")))?;
    let mut sweep = Sweep::new("loss", &curve.losses);
    sweep.stopped_at = curve.losses.iter().position(|l| !l.is_finite());
    for (method, lr) in suggestions.iter() {
        if let Some(lr) = lr {
            sweep = sweep.suggest(method, lr);
        }
    }
    let name = input.file_name().map_or_else(
        || input.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut plot = RangeTestPlot::new(&curve.lrs)
        .title(format!("LR range test: {name}"))
        .sweep(sweep)
        .map_err(bad)?;
    if curve.lrs.iter().any(|&lr| lr <= 0.0) {
        plot = plot.x_scale(XScale::Linear);
    }
    match format {
        clr_viz::Format::Svg => plot.to_svg().map(String::into_bytes),
        clr_viz::Format::Png => plot.to_png(),
    }
    .map_err(bad)
}

/// Writes the suggestions as CSV `method,lr` (an empty `lr` for `None`).
pub fn write_csv(suggestions: &Suggestions<f64>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "method,lr")?;
    for (method, lr) in suggestions.iter() {
        match lr {
            Some(lr) => writeln!(out, "{method},{lr}")?,
            None => writeln!(out, "{method},")?,
        }
    }
    Ok(())
}

/// A bad-input error about `path` at `line`.
fn at(path: &Path, line: u64, message: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("{} line {line}: {message}", path.display()))
}

/// Reads a curve from the CSV file at `path` (see the [module docs](self)).
pub fn read_curve(path: &Path) -> Result<Curve, CliError> {
    let data = fs::read(path)
        .map_err(|e| CliError::usage(format!("{}: cannot read the file: {e}", path.display())))?;
    parse_curve(path, &data)
}

/// The 1-based line of byte `offset` of `data`.
///
/// The `csv` crate's own line numbers do not count blank lines, and a
/// record's position is where the blank lines before it begin: skip them.
fn line_at(data: &[u8], offset: u64) -> u64 {
    let mut end = usize::try_from(offset).map_or(data.len(), |o| o.min(data.len()));
    while end < data.len() && matches!(data[end], b'\n' | b'\r') {
        end += 1;
    }
    1 + data[..end].iter().filter(|&&b| b == b'\n').count() as u64
}

/// Parses a curve from CSV text; `path` only names the input in errors.
pub fn parse_curve(path: &Path, data: &[u8]) -> Result<Curve, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let line_of = |pos: Option<&csv::Position>| pos.map_or(1, |p| line_at(data, p.byte()));
    let csv_err = |e: csv::Error| {
        let line = line_of(e.position());
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_string(),
            csv::ErrorKind::Io(err) => format!("cannot read the file: {err}"),
            _ => e.to_string(),
        };
        at(path, line, message)
    };
    let headers = reader.headers().map_err(csv_err)?.clone();
    let header_line = line_of(headers.position());
    if headers.iter().all(str::is_empty) {
        return Err(at(
            path,
            header_line,
            "empty file: expected a header naming the columns 'lr' and 'loss'",
        ));
    }
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            at(
                path,
                header_line,
                format!(
                    "missing column '{name}' in the header '{}' (expected the columns 'lr' and 'loss')",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )
        })
    };
    let (lr_col, loss_col) = (column("lr")?, column("loss")?);
    let mut curve = Curve::default();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = line_of(record.position());
        let field = |col: usize, name: &str| -> Result<f64, CliError> {
            let text = record
                .get(col)
                .ok_or_else(|| at(path, line, format!("missing value in column {name}")))?;
            text.parse::<f64>().map_err(|_| {
                at(
                    path,
                    line,
                    format!("'{text}' is not a number in column {name}"),
                )
            })
        };
        let lr = field(lr_col, "lr")?;
        // Every suggestion is one of these rates (steep takes their log):
        // one that is not a rate would give empty or meaningless answers.
        if !(lr.is_finite() && lr > 0.0) {
            let text = record.get(lr_col).unwrap_or_default().trim();
            return Err(at(
                path,
                line,
                format!(
                    "'{text}' in column lr is not a learning rate: expected a finite number > 0"
                ),
            ));
        }
        let loss = field(loss_col, "loss")?;
        curve.lrs.push(lr);
        curve.losses.push(loss);
    }
    if curve.lrs.is_empty() {
        return Err(at(path, header_line + 1, "no data rows after the header"));
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Curve, String> {
        parse_curve(Path::new("t.csv"), text.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn columns_by_name_in_any_order() {
        let c = parse("step,loss,lr\n0,2.5,0.001\n1,nan,0.01\n2,inf,0.1\n").unwrap();
        assert_eq!(c.lrs, [0.001, 0.01, 0.1]);
        assert_eq!(c.losses[0], 2.5);
        assert!(c.losses[1].is_nan());
        assert_eq!(c.losses[2], f64::INFINITY);
        let c = parse(" lr , loss \n 1e-3 , NaN \n").unwrap();
        assert_eq!(c.lrs, [1e-3]);
        assert!(c.losses[0].is_nan());
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("lr,loss\n0.1,1\n0.2,abc\n").unwrap_err();
        assert_eq!(
            e,
            "error: t.csv line 3: 'abc' is not a number in column loss"
        );
        let e = parse("lr,los\n0.1,1\n").unwrap_err();
        assert!(
            e.starts_with("error: t.csv line 1: missing column 'loss'"),
            "{e}"
        );
        let e = parse("").unwrap_err();
        assert!(e.starts_with("error: t.csv line 1: empty file"), "{e}");
        let e = parse("lr,loss\n").unwrap_err();
        assert!(e.starts_with("error: t.csv line 2: no data rows"), "{e}");
        let e = parse("lr,loss\n0.1\n").unwrap_err();
        assert!(
            e.starts_with("error: t.csv line 2: missing value in column loss"),
            "{e}"
        );
        let e = parse("lr,loss\nNaN,1\n").unwrap_err();
        assert!(
            e.starts_with("error: t.csv line 2: 'NaN' in column lr is not a learning rate"),
            "{e}"
        );
    }

    #[test]
    fn none_is_an_empty_field() {
        let mut out = Vec::new();
        let s = Suggestions {
            valley: Some(0.5),
            ..Default::default()
        };
        write_csv(&s, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "method,lr\nvalley,0.5\nslide,\nminimum,\nsteep,\ngradient,\n"
        );
    }
}
