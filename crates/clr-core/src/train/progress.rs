//! [`Progress`]: the progress bar of [`Fit`](super::Fit) and
//! [`RangeTestRunner`](crate::range_test::RangeTestRunner).
//!
//! It lives here, behind the optional `progress` feature (which pulls in
//! indicatif and std, as argmin's optional progress observers do), because
//! the shared builders that drive the bar live here; clr-viz, the other
//! crate both adapters use, depends on this one and so cannot be called
//! from it. Without the feature the bar is a no-op and the crate stays
//! `no_std`.

#[cfg(feature = "progress")]
use std::io::IsTerminal;

/// A progress bar on stderr; hidden when quiet, when stderr is not a
/// terminal, and without the `progress` feature.
pub(crate) struct Progress {
    #[cfg(feature = "progress")]
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `prefix`.
    #[cfg(feature = "progress")]
    pub(crate) fn new(len: u64, quiet: bool, prefix: &str) -> Self {
        use indicatif::{ProgressBar, ProgressStyle};
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
        bar.set_prefix(alloc::string::String::from(prefix));
        Progress { bar }
    }

    /// No bar without the `progress` feature.
    #[cfg(not(feature = "progress"))]
    pub(crate) fn new(_len: u64, _quiet: bool, _prefix: &str) -> Self {
        Progress {}
    }

    /// One more step done.
    pub(crate) fn inc(&self) {
        #[cfg(feature = "progress")]
        self.bar.inc(1);
    }

    /// Shows `message` after the bar (the last epoch's summary).
    pub(crate) fn message(&self, message: alloc::string::String) {
        #[cfg(feature = "progress")]
        self.bar.set_message(message);
        #[cfg(not(feature = "progress"))]
        drop(message);
    }

    /// Takes the bar off the terminal.
    pub(crate) fn finish(&self) {
        #[cfg(feature = "progress")]
        self.bar.finish_and_clear();
    }
}
