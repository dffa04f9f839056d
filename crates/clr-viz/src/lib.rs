//! `clr-viz`: plots of learning-rate schedules, LR range tests and training
//! histories, as PNG, SVG or terminal text, with no system dependency (the
//! font, DejaVu Sans, ships inside the `dejavu` crate).
//!
//! ```
//! use clr_core::OneCycleLr;
//! use clr_viz::{Boundary, Figure, History, HistoryPlot, SchedulePlot};
//!
//! // The Keras package's `test_run()`: lr and momentum per iteration, the peak marked.
//! let s = OneCycleLr::builder(0.01_f64, 200).build()?;
//! let plot = SchedulePlot::from_schedule(&s, 200)
//!     .boundaries(&[Boundary::phase(59)])
//!     .title("one-cycle");
//! let png: Vec<u8> = plot.to_png()?; // or plot.save(Path::new("schedule.svg"))
//! assert!(png.starts_with(b"\x89PNG"));
//! print!("{}", plot.to_terminal(80, 24, false));
//!
//! // A training history, saved as the Keras package's CSV and drawn per epoch.
//! let mut history = History::new();
//! history.push_epoch(0, &[("loss", 0.9), ("val_loss", 1.1)]);
//! history.push_epoch(1, &[("loss", 0.5), ("val_loss", 0.7)]);
//! let svg = HistoryPlot::new(&history).to_svg()?;
//! assert!(svg.contains("validation"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is here
//! - [`SchedulePlot`]: learning rate and momentum against the iteration
//!   (a schedule's own, [`SchedulePlot::from_schedule`], or any values), with
//!   phase ends and cycle starts ([`Boundary`]) marked.
//! - [`RangeTestPlot`]: loss against learning rate (log or linear x), one
//!   curve per weight decay, as given or smoothed ([`Curve`]), suggestions and
//!   early stops marked; [`RangeTestPlot::from_result`] takes a
//!   [`clr_core::RangeTestResult`] as it is and draws the curve the test
//!   judged (its suggestions' curve), the raw losses faint behind it.
//! - [`HistoryPlot`]: a [`History`] (`clr-train`'s per-epoch series, which
//!   [`Fit`](clr_train::Fit) returns), one run or several compared.
//! - [`Figure`]: every plot renders to PNG ([`Figure::to_png`]), SVG
//!   ([`Figure::to_svg`]) or a file by its extension ([`Figure::save`]);
//!   schedules and range tests also to terminal text (`to_terminal`).
//!
//! Plots take plain data (slices of values, names), so they draw any
//! schedule, not only this workspace's presets. Nothing here panics on bad
//! data: lengths, empty or non-finite series and unwritable files are
//! [`Error`]s that name the file.
//!
//! This crate has no feature flags.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod axes;
pub mod error;
pub mod figure;
pub mod history_plot;
mod legend;
mod lines;
pub mod range_test_plot;
pub mod schedule_plot;
mod style;
mod terminal;

/// The per-epoch history the plots draw: `clr-train`'s, re-exported.
pub use clr_train::History;
pub use error::Error;
pub use figure::{Figure, Format};
pub use history_plot::HistoryPlot;
pub use range_test_plot::{wd_label, Curve, RangeTestPlot, Suggestion, Sweep, XScale};
pub use schedule_plot::{Boundary, BoundaryKind, SchedulePlot};
pub use style::{FONT, TAB10};
