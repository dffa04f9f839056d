//! [`RangeTestPlot`]: loss against learning rate, one curve per weight decay,
//! the Keras package's `LrRangeTest.plot()` with suggestions and stops marked.

use plotters::prelude::*;

use clr_core::{RangeTestResult, Real, SweepStop};

mod draw;
mod sweep;

use sweep::same_curve;
pub use sweep::{wd_label, Curve, Suggestion, Sweep};

use crate::axes;
use crate::error::Error;
use crate::legend::{Entry, Glyph, Shape};
use crate::style;
use crate::terminal::{self, Panel, Series, VLine};

/// The x axis of a range-test plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XScale {
    /// Logarithmic, ticks at every decade (the default).
    #[default]
    Log,
    /// Linear.
    Linear,
}

/// A range-test plot: loss against learning rate, one curve per sweep.
///
/// ```
/// use clr_viz::{Figure, RangeTestPlot, Sweep};
///
/// let lrs: Vec<f64> = (0..50).map(|i| 10f64.powf(-5.0 + i as f64 / 10.0)).collect();
/// let loss: Vec<f64> = lrs.iter().map(|lr| 1.0 + (lr.log10() + 2.0).powi(2) / 4.0).collect();
/// let plot = RangeTestPlot::new(&lrs)
///     .sweep(Sweep::new("wd=0", &loss).suggest("valley", 1e-2))?;
/// let svg = plot.to_svg()?;
/// assert!(svg.contains("wd=0") && svg.contains("valley 1.0e-2"));
/// # Ok::<(), clr_viz::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RangeTestPlot {
    lrs: Vec<f64>,
    sweeps: Vec<Sweep>,
    curve: Curve,
    x_scale: XScale,
    loss_label: String,
    title: String,
    size: Option<(u32, u32)>,
}

impl RangeTestPlot {
    /// A plot over these learning rates (add curves with [`sweep`](Self::sweep)).
    pub fn new(lrs: &[f64]) -> Self {
        RangeTestPlot {
            lrs: lrs.to_vec(),
            sweeps: Vec::new(),
            curve: Curve::Raw,
            x_scale: XScale::Log,
            loss_label: "loss".into(),
            title: "LR range test".into(),
            size: None,
        }
    }

    /// Every sweep of a range test, labelled by weight decay: the curve the
    /// test judged (its losses smoothed as configured; of the validation
    /// loss when it validated), with where it stopped and the five
    /// suggestions of [`RangeTestResult::suggestions`], which were computed
    /// on that curve, so their markers sit on it. Where the smoothing
    /// changed the losses, the raw ones are drawn faint behind it.
    pub fn from_result<F: Real>(result: &RangeTestResult<F>) -> Result<Self, Error> {
        let lrs: Vec<f64> = result.lrs.iter().map(|&v| Real::to_f64(v)).collect();
        let f64s = |v: &[F]| -> Vec<f64> { v.iter().map(|&x| Real::to_f64(x)).collect() };
        let validated = result.sweeps.iter().any(|s| !s.val_loss.is_empty());
        let mut smoothed = false;
        let mut plot = RangeTestPlot::new(&lrs);
        for (i, sweep) in result.sweeps.iter().enumerate() {
            let judged = f64s(&sweep.smoothed);
            let raw = f64s(if validated {
                &sweep.val_loss
            } else {
                &sweep.train_loss
            });
            let mut curve = Sweep::new(wd_label(sweep.weight_decay.map(Real::to_f64)), &judged);
            if !same_curve(&raw, &judged) {
                smoothed = true;
                curve = curve.raw(&raw);
            }
            curve.stopped_at = match sweep.stop {
                SweepStop::Completed => None,
                SweepStop::Diverged { step, .. } | SweepStop::NonFinite { step } => {
                    usize::try_from(step).ok()
                }
            };
            if let Some(suggestions) = result.suggestions(i) {
                for (method, lr) in suggestions.iter() {
                    if let Some(lr) = lr {
                        curve = curve.suggest(method, Real::to_f64(lr));
                    }
                }
            }
            plot = plot.sweep(curve)?;
        }
        let loss = if validated {
            "validation loss"
        } else {
            "train loss"
        };
        Ok(plot.loss_label(if smoothed {
            format!("{loss}, smoothed as judged (raw faint)")
        } else {
            loss.to_owned()
        }))
    }

    /// Adds a curve (one loss per learning rate).
    pub fn sweep(mut self, sweep: Sweep) -> Result<Self, Error> {
        let raw = (!sweep.raw.is_empty()).then_some(sweep.raw.len());
        for found in [Some(sweep.losses.len()), raw].into_iter().flatten() {
            if found != self.lrs.len() {
                return Err(Error::Length {
                    name: sweep.label,
                    expected: self.lrs.len(),
                    found,
                });
            }
        }
        self.sweeps.push(sweep);
        Ok(self)
    }

    /// Keeps only the suggestions of these methods (e.g. `["valley"]`).
    pub fn methods(mut self, methods: &[&str]) -> Self {
        for sweep in &mut self.sweeps {
            sweep
                .suggestions
                .retain(|s| methods.contains(&s.method.as_str()));
        }
        self
    }

    /// The losses as given (the default), a moving average, or smoothed as
    /// a range test smooths ([`Curve`]); an error names a smoothing
    /// parameter out of range.
    pub fn curve(mut self, curve: Curve) -> Result<Self, Error> {
        curve.apply(&[])?;
        self.curve = curve;
        Ok(self)
    }

    /// Log (default) or linear x axis.
    pub fn x_scale(mut self, x_scale: XScale) -> Self {
        self.x_scale = x_scale;
        self
    }

    /// The y axis' name (default `loss`).
    pub fn loss_label(mut self, label: impl Into<String>) -> Self {
        self.loss_label = label.into();
        self
    }

    /// The title (default `LR range test`).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The image size in pixels (default 1100 × 620, taller when the legend
    /// needs it).
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }

    /// The x position of a learning rate (log10 on a log axis).
    fn x_of(&self, lr: f64) -> f64 {
        match self.x_scale {
            XScale::Log if lr > 0.0 => lr.log10(),
            XScale::Log => f64::NAN,
            XScale::Linear => lr,
        }
    }

    fn y_desc(&self) -> String {
        match self.curve.describe() {
            Some(d) => format!("{} ({d})", self.loss_label),
            None => self.loss_label.clone(),
        }
    }

    /// Each sweep's drawn points `(x, y)`, in sweep order.
    fn curves(&self) -> Vec<Vec<(f64, f64)>> {
        self.sweeps
            .iter()
            .map(|sweep| {
                // `curve()` checked the curve: applying it cannot fail.
                let ys = self.curve.apply(&sweep.losses).unwrap_or_default();
                self.points(&ys)
            })
            .collect()
    }

    /// `ys` against the learning rates, as drawn.
    fn points(&self, ys: &[f64]) -> Vec<(f64, f64)> {
        self.lrs
            .iter()
            .zip(ys)
            .map(|(&lr, &y)| (self.x_of(lr), y))
            .collect()
    }

    fn x_range(&self) -> Option<(f64, f64)> {
        let xs = self
            .lrs
            .iter()
            .map(|&lr| self.x_of(lr))
            .filter(|x| x.is_finite());
        let (lo, hi) = xs.fold(None, |acc: Option<(f64, f64)>, x| match acc {
            None => Some((x, x)),
            Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
        })?;
        if hi > lo {
            Some((lo, hi))
        } else {
            Some((lo - 0.5, hi + 0.5))
        }
    }

    /// The y range: every value up to each sweep's stop (of its faint raw
    /// losses too), its top capped at three times the drop from the start
    /// so a divergence does not flatten the interesting part.
    fn y_range(&self, curves: &[Vec<(f64, f64)>], pad: f64) -> Option<(f64, f64)> {
        let mut values = Vec::new();
        let mut start = f64::NEG_INFINITY;
        for (sweep, points) in self.sweeps.iter().zip(curves) {
            let end = |n: usize| sweep.stopped_at.map_or(n, |k| (k + 1).min(n));
            let finite = |points: &[(f64, f64)]| -> Vec<f64> {
                points[..end(points.len())]
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|p| p.1)
                    .collect()
            };
            let drawn = finite(points);
            if let Some(&first) = drawn.first() {
                start = start.max(first);
            }
            values.extend(drawn);
            values.extend(finite(&self.points(&sweep.raw)));
        }
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return None;
        }
        let cap = lo + 3.0 * (start - lo);
        let hi = if cap > lo && cap < hi { cap } else { hi };
        axes::padded_range([lo, hi].into_iter(), pad)
    }

    fn legend(&self) -> Vec<Entry> {
        let single = self.sweeps.len() == 1;
        let mut entries = Vec::new();
        for (i, sweep) in self.sweeps.iter().enumerate() {
            entries.push(Entry::new(
                Glyph::Line {
                    color: style::color(i),
                    dashed: false,
                    marker: None,
                },
                sweep.label.clone(),
            ));
            for (j, s) in sweep.suggestions.iter().enumerate() {
                let (shape, color) = self.suggestion_style(i, j, &s.method);
                let label = if single {
                    format!("{} {}", s.method, axes::sci(s.lr))
                } else {
                    format!("  {} {}", s.method, axes::sci(s.lr))
                };
                entries.push(Entry::new(Glyph::Marker { shape, color }, label));
            }
        }
        let stops: Vec<(usize, usize)> = self
            .sweeps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.stopped_at.map(|k| (i, k)))
            .collect();
        if let [(i, k)] = stops.as_slice() {
            let label = match self.lrs.get(*k) {
                Some(&lr) if single => format!("stopped at {}", axes::sci(lr)),
                _ => format!("{} stopped", self.sweeps[*i].label),
            };
            entries.push(Entry::new(
                Glyph::Marker {
                    shape: Shape::Cross,
                    color: style::MUTED,
                },
                label,
            ));
        } else if !stops.is_empty() {
            entries.push(Entry::new(
                Glyph::Marker {
                    shape: Shape::Cross,
                    color: style::MUTED,
                },
                "where a sweep stopped",
            ));
        }
        entries
    }

    /// Marker shape and colour of suggestion `j` of sweep `i`: one shape per
    /// method; with one sweep each its own colour, else the sweep's colour.
    fn suggestion_style(&self, i: usize, j: usize, method: &str) -> (Shape, RGBColor) {
        let k = clr_core::suggest::Suggestions::<f64>::METHODS
            .iter()
            .position(|m| *m == method)
            .unwrap_or(j);
        let shape = Shape::ALL[k % Shape::ALL.len()];
        let color = if self.sweeps.len() == 1 {
            style::color(k + 1)
        } else {
            style::color(i)
        };
        (shape, color)
    }

    fn legend_rows(&self) -> usize {
        self.legend().len()
    }

    /// The plot as text for a terminal, `cols` characters wide and about
    /// `rows` lines high: a title line, the braille chart (x in log10 of the
    /// learning rate on a log axis; stops as dotted columns), then one line
    /// per sweep with its label and suggestions. With `color`, curves and
    /// their lines are coloured (ANSI; the curves only when stdout is a
    /// terminal); without, the text has no escape sequence at all.
    pub fn to_terminal(&self, cols: usize, rows: usize, color: bool) -> String {
        let cols = cols.clamp(terminal::MIN_COLS, terminal::MAX_COLS);
        let rows = rows.min(terminal::MAX_ROWS);
        let curves = self.curves();
        let x = self.x_range().unwrap_or((0.0, 1.0));
        let y = self.y_range(&curves, 0.0).unwrap_or((0.0, 1.0));
        let footer = self.sweeps.len().max(1);
        let chart_rows = rows.saturating_sub(footer).max(terminal::MIN_ROWS);
        let log = self.x_scale == XScale::Log;
        let y_fmt = axes::tick_format(y.0, y.1);
        let panel = Panel {
            heading: format!("{}: {} vs learning rate", self.title, self.y_desc()),
            x,
            y,
            series: curves
                .iter()
                .enumerate()
                .map(|(i, points)| Series {
                    points: points.clone(),
                    color: style::TAB10[i % style::TAB10.len()],
                })
                .collect(),
            vlines: self
                .sweeps
                .iter()
                .filter_map(|s| s.stopped_at)
                .filter_map(|k| self.lrs.get(k))
                .map(|&lr| VLine {
                    x: self.x_of(lr),
                    dense: false,
                })
                .collect(),
            x_label: &|v: f64| {
                if log {
                    format!("lr {}", axes::sci(10_f64.powf(v)))
                } else {
                    format!("lr {}", axes::sci(v))
                }
            },
            y_label: &|v: f64| y_fmt(&v),
        };
        let mut out = panel.render(cols, chart_rows);
        if self.sweeps.is_empty() {
            out.push_str("(no sweep)\n");
        }
        for (i, sweep) in self.sweeps.iter().enumerate() {
            let mut line = format!("━━ {}", sweep.label);
            for s in &sweep.suggestions {
                line.push_str(&format!("  {} {}", s.method, axes::sci(s.lr)));
            }
            if let Some(&lr) = sweep.stopped_at.and_then(|k| self.lrs.get(k)) {
                line.push_str(&format!("  stopped at {}", axes::sci(lr)));
            }
            let line = terminal::truncate(&line, cols);
            if color {
                out.push_str(&terminal::paint(
                    &line,
                    style::TAB10[i % style::TAB10.len()],
                ));
            } else {
                out.push_str(&line);
            }
            out.push('\n');
        }
        terminal::finish(out, color)
    }
}

#[cfg(test)]
mod tests {
    use super::draw::{decades, interpolate, nearest};
    use super::*;
    use clr_core::Smoothing;

    #[test]
    fn curves() {
        let raw = [1.0, 3.0, f64::NAN, 5.0];
        assert_eq!(Curve::Raw.apply(&raw).unwrap()[..2], [1.0, 3.0]);
        let ma = Curve::MovingAverage { window: 2 }.apply(&raw).unwrap();
        assert_eq!(ma[1], 2.0);
        assert_eq!(ma[2], 3.0);
        let ema = Curve::Smoothed(Smoothing::EmaDebiased { beta: 0.5 })
            .apply(&raw)
            .unwrap();
        assert_eq!(ema[0], 1.0);
        // avg = 0.5·0.5 + 0.5·3 = 1.75, / (1 - 0.25)
        assert!((ema[1] - 1.75 / 0.75).abs() < 1e-12);
        // A NaN carries on through the average, as in fastai.
        assert!(ema[2].is_nan() && ema[3].is_nan());
        let bad = Curve::Smoothed(Smoothing::EmaDebiased { beta: 1.5 });
        assert!(matches!(bad.apply(&raw), Err(Error::Core(e)) if e.param() == "beta"));
        assert!(RangeTestPlot::new(&[1.0]).curve(bad).is_err());
    }

    #[test]
    fn labels_and_interpolation() {
        assert_eq!(wd_label(Some(1e-4)), "wd=1.0e-4");
        assert_eq!(wd_label(Some(0.0)), "wd=0");
        assert_eq!(wd_label(None), "wd=default");
        let pts = [(0.0, 0.0), (1.0, 2.0), (2.0, f64::NAN)];
        assert_eq!(interpolate(&pts, 0.5), 1.0);
        assert!(interpolate(&pts, 1.5).is_nan());
        assert_eq!(nearest(&pts, 1.9), 2.0);
        let (major, minor) = decades(-5.0, 1.0);
        assert_eq!(major, vec![-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0]);
        assert_eq!(minor.len(), 6 * 8);
    }

    /// A range test smoothed as fastai smooths: the plot draws the curve
    /// its suggestions were computed on, so their markers sit on the line.
    #[test]
    fn from_result_draws_the_judged_curve() {
        use clr_core::{Action, RangeTest, RangeTestConfig, Report, Smoothing};
        let mut test = RangeTest::new(RangeTestConfig::<f64> {
            lr_range: (1e-5, 10.0),
            steps: 60,
            batches_per_step: 1,
            smoothing: Smoothing::FASTAI,
            ..Default::default()
        })
        .unwrap();
        let mut action = test.start();
        let mut i = 0_u32;
        while action != Action::Done {
            action = match action {
                Action::Train { lr, .. } => {
                    i += 1;
                    let wiggle = 0.3 * f64::from(i % 3);
                    let loss = 1.0 + (lr.log10() + 2.0).powi(2) + wiggle;
                    test.report(Report::TrainLoss(loss)).unwrap()
                }
                _ => test.report(Report::Restored).unwrap(),
            };
        }
        let result = test.result();
        let plot = RangeTestPlot::from_result(result).unwrap();
        let points = &plot.curves()[0];
        let drawn: Vec<f64> = points.iter().map(|p| p.1).collect();
        let sweep = &result.sweeps[0];
        assert_ne!(sweep.smoothed[..10], sweep.train_loss[..10]);
        assert!(same_curve(&drawn, &sweep.smoothed), "the judged curve");
        // The raw losses go faint behind it, and the label says so.
        assert!(same_curve(&plot.sweeps[0].raw, &sweep.train_loss));
        assert_eq!(plot.y_desc(), "train loss, smoothed as judged (raw faint)");
        // Every marker sits on the drawn curve, between its neighbours.
        assert_eq!(plot.sweeps[0].suggestions.len(), 5);
        for s in &plot.sweeps[0].suggestions {
            let x = plot.x_of(s.lr);
            let pair = points.windows(2).find(|w| w[0].0 <= x && x <= w[1].0);
            let (a, b) = pair.map(|w| (w[0].1, w[1].1)).unwrap();
            let y = interpolate(points, x);
            assert!(a.min(b) <= y && y <= a.max(b), "{}: {y}", s.method);
        }
    }

    #[test]
    fn length_mismatch_is_an_error() {
        let e = RangeTestPlot::new(&[1e-3, 1e-2])
            .sweep(Sweep::new("wd=0", &[1.0]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "series `wd=0` has 1 values where 2 are needed"
        );
    }
}
