//! [`Progress`]: the progress bar of [`Fit`](crate::Fit) and
//! [`RangeTestRunner`](crate::RangeTestRunner) (indicatif, on stderr).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr; hidden when quiet and when stderr is not a
/// terminal (CI logs, notebooks: the per-epoch log is what they show).
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `prefix`.
    pub(crate) fn new(len: u64, quiet: bool, prefix: &str) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {pos}/{len} {elapsed_precise} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(prefix.to_owned());
        Progress { bar }
    }

    /// One more step done.
    pub(crate) fn inc(&self) {
        self.bar.inc(1);
    }

    /// Shows `message` after the bar (the last epoch's summary).
    pub(crate) fn message(&self, message: String) {
        self.bar.set_message(message);
    }

    /// Runs `print` with the bar off the terminal, so lines printed to
    /// stderr do not tear it.
    pub(crate) fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Takes the bar off the terminal.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
