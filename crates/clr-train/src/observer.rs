//! The live log of a run: [`Observer`] is told of every epoch and of the
//! end of the run; [`EpochTable`], the one [`Fit`](crate::Fit) uses unless
//! told otherwise, prints a line per epoch as fastai's table does.
//!
//! ```
//! use std::time::Duration;
//! use clr_core::SchedulerState;
//! use clr_train::{EpochEnd, EpochTable, Observer};
//!
//! let mut table = EpochTable::new(Vec::new());
//! let logged = [("loss", 0.52), ("val_loss", 0.61)];
//! let state = SchedulerState { iteration: 10, epoch: 1 };
//! table.epoch_end(&EpochEnd { epoch: 0, logged: &logged, lr: 2e-3, state }, Duration::from_secs(75));
//! let text = String::from_utf8(table.into_inner()).unwrap();
//! assert_eq!(
//!     text,
//!     "epoch  loss        val_loss    lr          time\n\
//!      0      0.520000    0.610000    2.0000e-3   01:15\n"
//! );
//! ```

use std::io::Write;
use std::time::Duration;

use crate::batch::FitStop;
use crate::fit::EpochEnd;

/// Told of a run's progress by [`Fit::run`](crate::Fit::run): replace the
/// default [`EpochTable`] with [`Fit::observer`](crate::Fit::observer) to
/// log elsewhere (a metrics store, a notebook widget, a test).
pub trait Observer {
    /// An epoch ended: what it logged and how long it took (training and
    /// validation).
    fn epoch_end(&mut self, epoch: &EpochEnd<'_>, elapsed: Duration);

    /// The run ended, and why. The default does nothing.
    fn run_end(&mut self, _stop: &FitStop) {}
}

impl<O: Observer + ?Sized> Observer for Box<O> {
    fn epoch_end(&mut self, epoch: &EpochEnd<'_>, elapsed: Duration) {
        (**self).epoch_end(epoch, elapsed);
    }
    fn run_end(&mut self, stop: &FitStop) {
        (**self).run_end(stop);
    }
}

/// fastai's table, one plain line per epoch (no terminal needed: CI logs
/// and notebooks show it as it is): the epoch, every logged value (`loss`,
/// metrics, `val_loss`, …, `momentum`), `lr` and the epoch's time as
/// `mm:ss`. The header is printed before the first line and again when the
/// columns change; a guard's stop is printed as a line of its own.
///
/// Writing errors are ignored: a log that cannot be written must not stop
/// training.
#[derive(Debug)]
pub struct EpochTable<W> {
    out: W,
    columns: Vec<String>,
}

impl EpochTable<std::io::Stderr> {
    /// A table on stderr, what [`Fit`](crate::Fit) prints unless quiet.
    pub fn stderr() -> Self {
        EpochTable::new(std::io::stderr())
    }
}

impl<W: Write> EpochTable<W> {
    /// A table written to `out`.
    pub fn new(out: W) -> Self {
        EpochTable {
            out,
            columns: Vec::new(),
        }
    }

    /// The writer, giving the table up.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write_header(&mut self) -> std::io::Result<()> {
        let mut line = String::from("epoch  ");
        for name in &self.columns {
            line.push_str(&format!("{name:<12}"));
        }
        line.push_str("lr          time");
        writeln!(self.out, "{line}")
    }
}

/// `0.520000` where six decimals say enough, else `1.0000e-2`.
fn cell(x: f64) -> String {
    let magnitude = x.abs();
    if x == 0.0 || (1e-2..1e5).contains(&magnitude) {
        format!("{x:.6}")
    } else {
        format!("{x:.4e}")
    }
}

impl<W: Write> Observer for EpochTable<W> {
    fn epoch_end(&mut self, epoch: &EpochEnd<'_>, elapsed: Duration) {
        let names = epoch.logged.iter().map(|(name, _)| *name);
        if !names.clone().eq(self.columns.iter().map(String::as_str)) {
            self.columns = names.map(str::to_owned).collect();
            let _ = self.write_header();
        }
        let mut line = format!("{:<7}", epoch.epoch);
        for &(_, value) in epoch.logged {
            line.push_str(&format!("{:<12}", cell(value)));
        }
        let secs = elapsed.as_secs();
        line.push_str(&format!(
            "{:<12}{:02}:{:02}",
            cell(epoch.lr),
            secs / 60,
            secs % 60
        ));
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    fn run_end(&mut self, stop: &FitStop) {
        if !stop.is_finished() {
            let _ = writeln!(self.out, "{stop}");
            let _ = self.out.flush();
        }
    }
}
