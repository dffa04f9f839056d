//! CSV in the Keras package's pandas layout: a header `epoch,<names…>` and one row
//! per epoch, written so that floats read back bit-exact (`nan`, `inf`,
//! `-inf` for the non-finite), read back from this layout or from pandas'
//! own (an unnamed index column, empty cells).

use std::io::{Read, Write};
use std::path::Path;

use super::{History, HistoryError};

impl History {
    /// Writes CSV: a header `epoch,<names…>` and one row per epoch (the
    /// Keras package's `save_history_to_csv`). Floats are written so they read back
    /// bit-exact; `NaN` is `nan`, infinities `inf` and `-inf`.
    pub fn to_csv<W: Write>(&self, writer: W) -> Result<(), HistoryError> {
        let mut out = csv::Writer::from_writer(writer);
        let header = std::iter::once("epoch").chain(self.names());
        out.write_record(header).map_err(csv_error)?;
        let mut row: Vec<String> = Vec::with_capacity(self.series.len() + 1);
        for (i, epoch) in self.epochs.iter().enumerate() {
            row.clear();
            row.push(epoch.to_string());
            row.extend(
                self.series
                    .iter()
                    .map(|(_, column)| format_value(column.get(i).copied().unwrap_or(f64::NAN))),
            );
            out.write_record(&row).map_err(csv_error)?;
        }
        out.flush().map_err(|e| csv_error(csv::Error::from(e)))
    }

    /// Reads CSV written by [`to_csv`](Self::to_csv) or by pandas: the first
    /// column (named `epoch`, or unnamed as pandas writes an index) holds the
    /// epochs; empty cells, `nan` and `NaN` read as `NaN`.
    pub fn from_csv<R: Read>(reader: R) -> Result<Self, HistoryError> {
        let mut input = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = input.headers().map_err(csv_error)?.clone();
        let mut fields = header.iter();
        match fields.next() {
            Some("epoch" | "") => {}
            other => {
                return Err(HistoryError::Csv {
                    path: None,
                    line: 1,
                    message: format!(
                        "the first column must be `epoch`, found `{}`",
                        other.unwrap_or_default()
                    ),
                })
            }
        }
        let names: Vec<String> = fields.map(str::to_owned).collect();
        let mut series: Vec<(String, Vec<f64>)> =
            names.into_iter().map(|name| (name, Vec::new())).collect();
        let mut epochs = Vec::new();
        for record in input.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            let bad = |message: String| HistoryError::Csv {
                path: None,
                line,
                message,
            };
            let cell = record.get(0).unwrap_or_default();
            let epoch = parse_epoch(cell)
                .ok_or_else(|| bad(format!("epoch `{cell}` is not a non-negative integer")))?;
            epochs.push(epoch);
            for (j, (name, column)) in series.iter_mut().enumerate() {
                let cell = record.get(j + 1).unwrap_or_default();
                let value = parse_value(cell)
                    .ok_or_else(|| bad(format!("`{name}` value `{cell}` is not a number")))?;
                column.push(value);
            }
        }
        History::from_parts(epochs, series).map_err(|e| match e {
            HistoryError::Duplicate { name } => HistoryError::Csv {
                path: None,
                line: 1,
                message: format!("column `{name}` appears twice"),
            },
            other => other,
        })
    }

    /// Writes the CSV to `path`.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<(), HistoryError> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|e| HistoryError::io(path, e))?;
        self.to_csv(std::io::BufWriter::new(file))
            .map_err(|e| e.at(path))
    }

    /// Reads a CSV from `path`.
    pub fn load_csv(path: impl AsRef<Path>) -> Result<Self, HistoryError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| HistoryError::io(path, e))?;
        History::from_csv(std::io::BufReader::new(file)).map_err(|e| e.at(path))
    }
}

fn csv_error(e: csv::Error) -> HistoryError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.into_kind() {
        // The caller that knows the file fills the path in (`Error::at`).
        csv::ErrorKind::Io(source) => {
            return HistoryError::Io {
                path: std::path::PathBuf::new(),
                source,
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        other => format!("{other:?}"),
    };
    HistoryError::Csv {
        path: None,
        line,
        message,
    }
}

/// Shortest round-trip form, `nan`, `inf`, `-inf`.
fn format_value(x: f64) -> String {
    if x.is_nan() {
        "nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{x:?}")
    }
}

fn parse_value(cell: &str) -> Option<f64> {
    if cell.is_empty() {
        return Some(f64::NAN);
    }
    cell.parse::<f64>().ok()
}

/// `3`, or `3.0` as pandas writes a float index.
fn parse_epoch(cell: &str) -> Option<u64> {
    cell.parse::<u64>().ok().or_else(|| {
        let x = cell.parse::<f64>().ok()?;
        (x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53)).then_some(x as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(epochs: std::ops::Range<u64>, names: &[&str], base: f64) -> History {
        let mut h = History::new();
        for e in epochs {
            let values: Vec<(&str, f64)> = names.iter().map(|&n| (n, base + e as f64)).collect();
            h.push_epoch(e, &values);
        }
        h
    }

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn csv_round_trips_bit_exact_with_nan_and_inf() {
        let mut h = History::new();
        h.push_epoch(0, &[("loss", 0.1 + 0.2), ("val_loss", f64::NAN)]);
        h.push_epoch(1, &[("loss", 1e-300), ("val_loss", f64::INFINITY)]);
        h.push_epoch(2, &[("loss", -0.0), ("val_loss", f64::NEG_INFINITY)]);
        h.push_epoch(3, &[("loss", 12345678.9), ("lr", 3e-4)]);
        let mut out = Vec::new();
        h.to_csv(&mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(
            text,
            "epoch,loss,val_loss,lr\n\
             0,0.30000000000000004,nan,nan\n\
             1,1e-300,inf,nan\n\
             2,-0.0,-inf,nan\n\
             3,12345678.9,nan,0.0003\n"
        );
        let back = History::from_csv(&out[..]).unwrap();
        assert_eq!(back.epochs(), h.epochs());
        for (name, column) in h.series() {
            assert_eq!(bits(back.get(name).unwrap()), bits(column), "{name}");
        }
    }

    #[test]
    fn reads_pandas_csv() {
        // pandas: unnamed index column, empty cells for NaN, float index.
        let text = ",loss,val_loss\n0,0.5,\n1.0,0.4,NaN\n";
        let h = History::from_csv(text.as_bytes()).unwrap();
        assert_eq!(h.epochs(), &[0, 1]);
        assert_eq!(h.get("loss"), Some(&[0.5, 0.4][..]));
        assert!(h.get("val_loss").unwrap().iter().all(|x| x.is_nan()));
    }

    #[test]
    fn csv_errors_say_where() {
        let e = History::from_csv("step,loss\n0,1\n".as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the first column must be `epoch`, found `step`"
        );
        let e = History::from_csv("epoch,loss\n0,1\n1,abc\n".as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), "line 3: `loss` value `abc` is not a number");
        let e = History::from_csv("epoch,loss\n-1,1\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("epoch `-1`"), "{e}");
        let e = History::from_csv("epoch,loss\n0,1,2\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("expected 2 fields, found 3"), "{e}");
        let e = History::from_csv("epoch,a,a\n0,1,2\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("`a` appears twice"), "{e}");
    }

    #[test]
    fn files_round_trip_and_name_the_path() {
        let dir = std::env::temp_dir().join(format!("clr-viz-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.csv");
        let h = run(0..4, &["loss", "val_loss"], 1.0);
        h.save_csv(&path).unwrap();
        assert_eq!(History::load_csv(&path).unwrap(), h);

        let missing = dir.join("missing/h.csv");
        let e = h.save_csv(&missing).unwrap_err();
        assert!(matches!(e, HistoryError::Io { .. }));
        assert!(e.to_string().starts_with(&missing.display().to_string()));
        let e = History::load_csv(&missing).unwrap_err();
        assert_eq!(e.path(), Some(missing.as_path()));

        std::fs::write(&path, "epoch,loss\nx,1\n").unwrap();
        let e = History::load_csv(&path).unwrap_err();
        assert_eq!(e.path(), Some(path.as_path()));
        assert!(e
            .to_string()
            .starts_with(&format!("{}: line 2", path.display())));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
