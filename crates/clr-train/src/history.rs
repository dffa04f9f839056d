//! [`History`]: what a training run logged per epoch (Keras' `History`, as
//! the Keras package uses it), with concatenation; CSV in the Keras package's
//! pandas layout and JSON are in [`csv`] and `json`. [`Fit`](crate::Fit) returns it, the
//! adapters share it and `clr-viz` plots it.
//!
//! ```
//! use clr_train::History;
//!
//! let mut first = History::new();
//! first.push_epoch(0, &[("loss", 0.9), ("val_loss", 1.0)]);
//! first.push_epoch(1, &[("loss", 0.5), ("val_loss", 0.7)]);
//! let mut second = History::new();
//! second.push_epoch(0, &[("loss", 0.4), ("val_loss", 0.6)]);
//!
//! // The Keras package's `concatenate_history([hist1, hist2], reindex_epoch=True)`.
//! let all = History::concatenate(&[first, second], true);
//! assert_eq!(all.epochs(), &[0, 1, 2]);
//! assert_eq!(all.get("loss"), Some(&[0.9, 0.5, 0.4][..]));
//!
//! let mut csv = Vec::new();
//! all.to_csv(&mut csv)?;
//! assert!(csv.starts_with(b"epoch,loss,val_loss\n0,0.9,1.0\n"));
//! assert_eq!(History::from_csv(&csv[..])?, all);
//! # Ok::<(), clr_train::HistoryError>(())
//! ```

pub mod csv;
mod error;
mod json;

pub use error::HistoryError;

use clr_core::{Real, Records};

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
    pub fn from_parts(
        epochs: Vec<u64>,
        series: Vec<(String, Vec<f64>)>,
    ) -> Result<Self, HistoryError> {
        for (i, (name, values)) in series.iter().enumerate() {
            if values.len() != epochs.len() {
                return Err(HistoryError::Length {
                    name: name.clone(),
                    expected: epochs.len(),
                    found: values.len(),
                });
            }
            if series[..i].iter().any(|(other, _)| other == name) {
                return Err(HistoryError::Duplicate { name: name.clone() });
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
    pub fn insert(&mut self, name: &str, values: Vec<f64>) -> Result<(), HistoryError> {
        if values.len() != self.epochs.len() {
            return Err(HistoryError::Length {
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

    /// Joins the histories of several runs, one after the other (the Keras package's
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
            Err(HistoryError::Length {
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
            Err(HistoryError::Duplicate { .. })
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
}
