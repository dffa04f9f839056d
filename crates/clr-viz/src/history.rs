//! [`History`]: what a training run logged per epoch (the seed's Keras
//! `History`), with concatenation and CSV in the seed's pandas layout.
//!
//! ```
//! use clr_viz::History;
//!
//! let mut first = History::new();
//! first.push_epoch(0, &[("loss", 0.9), ("val_loss", 1.0)]);
//! first.push_epoch(1, &[("loss", 0.5), ("val_loss", 0.7)]);
//! let mut second = History::new();
//! second.push_epoch(0, &[("loss", 0.4), ("val_loss", 0.6)]);
//!
//! // The seed's `concatenate_history([hist1, hist2], reindex_epoch=True)`.
//! let all = History::concatenate(&[first, second], true);
//! assert_eq!(all.epochs(), &[0, 1, 2]);
//! assert_eq!(all.get("loss"), Some(&[0.9, 0.5, 0.4][..]));
//!
//! let mut csv = Vec::new();
//! all.to_csv(&mut csv)?;
//! assert!(csv.starts_with(b"epoch,loss,val_loss\n0,0.9,1.0\n"));
//! assert_eq!(History::from_csv(&csv[..])?, all);
//! # Ok::<(), clr_viz::Error>(())
//! ```

use std::io::{Read, Write};
use std::path::Path;

use clr_core::{Real, Records};

use crate::error::Error;

/// Per-epoch values of named series (`loss`, `val_loss`, `lr`, `momentum`,
/// any metric), in the order the names first appeared.
///
/// Every series has one value per epoch; a value that was not reported for
/// an epoch is `NaN` (written `nan` in CSV, `null` in JSON).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    epochs: Vec<u64>,
    series: Vec<(String, Vec<f64>)>,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// A history from its parts: every series must have one value per epoch
    /// and the names must be distinct.
    pub fn from_parts(epochs: Vec<u64>, series: Vec<(String, Vec<f64>)>) -> Result<Self, Error> {
        for (i, (name, values)) in series.iter().enumerate() {
            if values.len() != epochs.len() {
                return Err(Error::Length {
                    name: name.clone(),
                    expected: epochs.len(),
                    found: values.len(),
                });
            }
            if series[..i].iter().any(|(other, _)| other == name) {
                return Err(Error::Duplicate { name: name.clone() });
            }
        }
        Ok(History { epochs, series })
    }

    /// Appends an epoch. A name seen for the first time starts a series
    /// (earlier epochs `NaN`); a known series not given here gets `NaN`. A
    /// name given twice keeps its last value.
    pub fn push_epoch(&mut self, epoch: u64, values: &[(&str, f64)]) {
        let n = self.epochs.len();
        self.epochs.push(epoch);
        for (_, column) in &mut self.series {
            column.push(f64::NAN);
        }
        for &(name, value) in values {
            match self.series.iter_mut().find(|(known, _)| known == name) {
                Some((_, column)) => {
                    if let Some(last) = column.last_mut() {
                        *last = value;
                    }
                }
                None => {
                    let mut column = vec![f64::NAN; n];
                    column.push(value);
                    self.series.push((name.to_owned(), column));
                }
            }
        }
    }

    /// Adds a whole series, or replaces the one of that name.
    pub fn insert(&mut self, name: &str, values: Vec<f64>) -> Result<(), Error> {
        if values.len() != self.epochs.len() {
            return Err(Error::Length {
                name: name.to_owned(),
                expected: self.epochs.len(),
                found: values.len(),
            });
        }
        match self.series.iter_mut().find(|(known, _)| known == name) {
            Some((_, column)) => *column = values,
            None => self.series.push((name.to_owned(), values)),
        }
        Ok(())
    }

    /// The number of epochs.
    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    /// Whether no epoch has been recorded.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    /// The epoch numbers, one per row.
    pub fn epochs(&self) -> &[u64] {
        &self.epochs
    }

    /// The series called `name` (one value per epoch).
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.series
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, column)| column.as_slice())
    }

    /// The last value of the series called `name`.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|column| column.last().copied())
    }

    /// The series' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.series.iter().map(|(name, _)| name.as_str())
    }

    /// Every series, in order, as `(name, values)`.
    pub fn series(&self) -> impl Iterator<Item = (&str, &[f64])> {
        self.series
            .iter()
            .map(|(name, column)| (name.as_str(), column.as_slice()))
    }

    /// Joins the histories of several runs, one after the other (the seed's
    /// `concatenate_history`). Series are matched by name; a run without
    /// one contributes `NaN`s. With `reindex_epochs`, each run's epochs are
    /// shifted to follow on from the previous run's last epoch; without it
    /// they are kept as logged.
    pub fn concatenate(histories: &[History], reindex_epochs: bool) -> History {
        let mut names: Vec<&str> = Vec::new();
        for h in histories {
            for name in h.names() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let total = histories.iter().map(History::len).sum();
        let mut epochs = Vec::with_capacity(total);
        let mut next: Option<u64> = None;
        for h in histories {
            let (Some(&first), Some(&last)) = (h.epochs.first(), h.epochs.last()) else {
                continue;
            };
            match next.filter(|_| reindex_epochs) {
                Some(start) => {
                    // Shift so that `first` lands on `start`, keeping gaps.
                    epochs.extend(
                        h.epochs
                            .iter()
                            .map(|&e| start.saturating_add(e.saturating_sub(first))),
                    );
                    next = Some(start.saturating_add(last.saturating_sub(first)) + 1);
                }
                None => {
                    epochs.extend_from_slice(&h.epochs);
                    next = Some(last.saturating_add(1));
                }
            }
        }
        let series = names
            .into_iter()
            .map(|name| {
                let mut column = Vec::with_capacity(total);
                for h in histories {
                    match h.get(name) {
                        Some(values) => column.extend_from_slice(values),
                        None => column.extend(std::iter::repeat_n(f64::NAN, h.len())),
                    }
                }
                (name.to_owned(), column)
            })
            .collect();
        History { epochs, series }
    }

    /// Writes CSV: a header `epoch,<names…>` and one row per epoch (the
    /// seed's `save_history_to_csv`). Floats are written so they read back
    /// bit-exact; `NaN` is `nan`, infinities `inf` and `-inf`.
    pub fn to_csv<W: Write>(&self, writer: W) -> Result<(), Error> {
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
    pub fn from_csv<R: Read>(reader: R) -> Result<Self, Error> {
        let mut input = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = input.headers().map_err(csv_error)?.clone();
        let mut fields = header.iter();
        match fields.next() {
            Some("epoch" | "") => {}
            other => {
                return Err(Error::Csv {
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
            let bad = |message: String| Error::Csv {
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
            Error::Duplicate { name } => Error::Csv {
                path: None,
                line: 1,
                message: format!("column `{name}` appears twice"),
            },
            other => other,
        })
    }

    /// Writes the CSV to `path`.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        self.to_csv(std::io::BufWriter::new(file))
            .map_err(|e| e.at(path))
    }

    /// Reads a CSV from `path`.
    pub fn load_csv(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        History::from_csv(std::io::BufReader::new(file)).map_err(|e| e.at(path))
    }
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.into_kind() {
        // The caller that knows the file fills the path in (`Error::at`).
        csv::ErrorKind::Io(source) => {
            return Error::Io {
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
    Error::Csv {
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

impl<F: Real> From<&Records<F>> for History {
    /// The per-epoch records of a [`clr_core::Scheduler`]: each epoch's
    /// metrics (`loss`, `val_loss`, …) in the order reported, then `lr`
    /// (the learning rate of the epoch's last batch).
    fn from(records: &Records<F>) -> Self {
        let mut history = History::new();
        let mut values: Vec<(&str, f64)> = Vec::new();
        for record in &records.epochs {
            values.clear();
            values.extend(
                record
                    .metrics
                    .iter()
                    .map(|(name, v)| (name.as_str(), Real::to_f64(*v))),
            );
            if !values.iter().any(|(name, _)| *name == "lr") {
                values.push(("lr", Real::to_f64(record.lr)));
            }
            history.push_epoch(record.epoch, &values);
        }
        history
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! `{"epochs": [0, 1], "series": {"loss": [0.9, 0.5], "val_loss": [1.0, null]}}`:
    //! series as a map in order, `NaN` as `null` (JSON has no NaN).

    use super::History;
    use serde::de::{Error as _, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;

    struct Column<'a>(&'a [f64]);

    impl Serialize for Column<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|&x| (!x.is_nan()).then_some(x)))
        }
    }

    struct Columns<'a>(&'a [(String, Vec<f64>)]);

    impl Serialize for Columns<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (name, column) in self.0 {
                map.serialize_entry(name, &Column(column))?;
            }
            map.end()
        }
    }

    #[derive(Serialize)]
    struct Out<'a> {
        epochs: &'a [u64],
        series: Columns<'a>,
    }

    impl Serialize for History {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Out {
                epochs: &self.epochs,
                series: Columns(&self.series),
            }
            .serialize(s)
        }
    }

    struct OrderedColumns(Vec<(String, Vec<f64>)>);

    impl<'de> Deserialize<'de> for OrderedColumns {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = OrderedColumns;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a map of series names to arrays of numbers")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = Vec::new();
                    while let Some((name, column)) = map.next_entry::<String, Vec<Option<f64>>>()? {
                        out.push((
                            name,
                            column.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
                        ));
                    }
                    Ok(OrderedColumns(out))
                }
            }
            d.deserialize_map(V)
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        epochs: Vec<u64>,
        series: OrderedColumns,
    }

    impl<'de> Deserialize<'de> for History {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = In::deserialize(d)?;
            History::from_parts(raw.epochs, raw.series.0).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn push_epoch_backfills_and_pads_with_nan() {
        let mut h = History::new();
        assert!(h.is_empty());
        h.push_epoch(0, &[("loss", 1.0)]);
        h.push_epoch(1, &[("loss", 0.8), ("val_loss", 0.9)]);
        h.push_epoch(2, &[("val_loss", 0.7), ("val_loss", 0.6)]);
        assert_eq!(h.len(), 3);
        assert_eq!(h.names().collect::<Vec<_>>(), ["loss", "val_loss"]);
        assert_eq!(bits(h.get("loss").unwrap()), bits(&[1.0, 0.8, f64::NAN]));
        assert_eq!(
            bits(h.get("val_loss").unwrap()),
            bits(&[f64::NAN, 0.9, 0.6])
        );
        assert_eq!(h.last("val_loss"), Some(0.6));
        assert_eq!(h.get("lr"), None);
        h.insert("lr", vec![0.1, 0.2, 0.3]).unwrap();
        h.insert("lr", vec![0.3, 0.2, 0.1]).unwrap();
        assert_eq!(h.get("lr"), Some(&[0.3, 0.2, 0.1][..]));
        assert!(matches!(
            h.insert("x", vec![1.0]),
            Err(Error::Length {
                expected: 3,
                found: 1,
                ..
            })
        ));
    }

    #[test]
    fn from_parts_checks_lengths_and_names() {
        assert!(History::from_parts(vec![0, 1], vec![("a".into(), vec![1.0])]).is_err());
        assert!(matches!(
            History::from_parts(
                vec![0],
                vec![("a".into(), vec![1.0]), ("a".into(), vec![2.0])]
            ),
            Err(Error::Duplicate { .. })
        ));
        let h = History::from_parts(vec![5], vec![("a".into(), vec![1.0])]).unwrap();
        assert_eq!(h.epochs(), &[5]);
    }

    fn run(epochs: std::ops::Range<u64>, names: &[&str], base: f64) -> History {
        let mut h = History::new();
        for e in epochs {
            let values: Vec<(&str, f64)> = names.iter().map(|&n| (n, base + e as f64)).collect();
            h.push_epoch(e, &values);
        }
        h
    }

    #[test]
    fn concatenate_reindexes_and_matches_names() {
        let a = run(0..3, &["loss", "val_loss"], 10.0);
        let b = run(0..2, &["loss", "acc"], 20.0);
        let c = run(5..7, &["loss"], 30.0);
        let all = History::concatenate(&[a.clone(), History::new(), b.clone(), c.clone()], true);
        assert_eq!(all.epochs(), &[0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(all.names().collect::<Vec<_>>(), ["loss", "val_loss", "acc"]);
        assert_eq!(
            all.get("loss").unwrap(),
            &[10.0, 11.0, 12.0, 20.0, 21.0, 35.0, 36.0]
        );
        let acc = all.get("acc").unwrap();
        assert!(acc[..3].iter().all(|x| x.is_nan()) && acc[5..].iter().all(|x| x.is_nan()));
        assert_eq!(&acc[3..5], &[20.0, 21.0]);

        let kept = History::concatenate(&[a, b, c], false);
        assert_eq!(kept.epochs(), &[0, 1, 2, 0, 1, 5, 6]);
        assert!(History::concatenate(&[], true).is_empty());
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
        assert!(matches!(e, Error::Io { .. }));
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

    #[test]
    fn from_scheduler_records() {
        use clr_core::{Bundle, Constant, Cycle, Scheduler};
        let schedule = Bundle::lr_only(Constant::new(0.01_f32).unwrap());
        let mut s = Scheduler::new(schedule, Cycle::new(2, 3).unwrap()).unwrap();
        for epoch in 0..2 {
            for _ in 0..3 {
                s.batch_begin().unwrap();
                s.batch_end(1.0);
            }
            s.epoch_end(&[("loss", 0.5 / (epoch + 1) as f32), ("val_loss", 0.25)]);
        }
        let h = History::from(s.records());
        assert_eq!(h.epochs(), &[0, 1]);
        assert_eq!(h.names().collect::<Vec<_>>(), ["loss", "val_loss", "lr"]);
        assert_eq!(h.get("loss"), Some(&[0.5, 0.25][..]));
        assert_eq!(h.get("lr"), Some(&[0.01_f32 as f64; 2][..]));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_json_round_trip_with_nan_as_null() {
        let mut h = History::new();
        h.push_epoch(0, &[("val_loss", 1.5), ("loss", 0.25)]);
        h.push_epoch(1, &[("loss", 0.125)]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(
            json,
            r#"{"epochs":[0,1],"series":{"val_loss":[1.5,null],"loss":[0.25,0.125]}}"#
        );
        let back: History = serde_json::from_str(&json).unwrap();
        assert_eq!(back.names().collect::<Vec<_>>(), ["val_loss", "loss"]);
        assert_eq!(bits(back.get("val_loss").unwrap()), bits(&[1.5, f64::NAN]));
        let bad = r#"{"epochs":[0],"series":{"loss":[1,2]}}"#;
        let e = serde_json::from_str::<History>(bad).unwrap_err();
        assert!(
            e.to_string().contains("series `loss` has 2 values where 1"),
            "{e}"
        );
    }
}
