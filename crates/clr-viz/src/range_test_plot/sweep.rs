//! What a range-test plot draws for each sweep: its curve ([`Curve`]),
//! its losses, suggestions and stop ([`Sweep`]).

use clr_core::Smoothing;

use crate::axes;
use crate::error::Error;

/// Which curve of each sweep is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Curve {
    /// The losses as given (the default): for
    /// [`RangeTestPlot::from_result`](crate::RangeTestPlot::from_result),
    /// the curve the range test judged, on which its suggestions were
    /// computed.
    #[default]
    Raw,
    /// The Keras package's moving average: the mean of the last `window` losses
    /// (pandas `rolling(window, min_periods=1).mean()`, NaN skipped).
    MovingAverage {
        /// Points averaged, at least 1.
        window: usize,
    },
    /// The losses smoothed as a range test smooths them
    /// ([`Smoothing::apply`]: fastai's debiased EMA, torch-lr-finder's EMA).
    Smoothed(Smoothing),
}

impl Curve {
    /// The curve drawn for `losses`; an error when the smoothing's
    /// parameter is out of range.
    pub fn apply(self, losses: &[f64]) -> Result<Vec<f64>, Error> {
        Ok(match self {
            Curve::Raw => losses.to_vec(),
            Curve::MovingAverage { window } => clr_core::moving_average(losses, window),
            Curve::Smoothed(smoothing) => smoothing.apply(losses)?,
        })
    }

    pub(super) fn describe(self) -> Option<String> {
        match self {
            Curve::Raw | Curve::Smoothed(Smoothing::None) => None,
            Curve::MovingAverage { window } => Some(format!("moving average of {window}")),
            Curve::Smoothed(Smoothing::EmaDebiased { beta }) => {
                Some(format!("debiased EMA β={beta}"))
            }
            Curve::Smoothed(Smoothing::Ema { smooth_f }) => Some(format!("EMA f={smooth_f}")),
        }
    }
}

/// A suggested learning rate to mark on a curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The method's name (`valley`, `slide`, `minimum`, `steep`, `gradient`, …).
    pub method: String,
    /// The learning rate it suggests.
    pub lr: f64,
}

/// One sweep (one weight decay) of a range test.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The legend entry, e.g. `wd=1.0e-4`.
    pub label: String,
    /// The loss at each learning rate (NaN where the sweep never got).
    pub losses: Vec<f64>,
    /// Losses drawn faint behind the curve (a range test's raw losses
    /// behind the smoothed ones it judged); empty for none.
    pub raw: Vec<f64>,
    /// The index of the step where the sweep stopped early, if it did.
    pub stopped_at: Option<usize>,
    /// The suggestions to mark on this curve.
    pub suggestions: Vec<Suggestion>,
}

impl Sweep {
    /// A sweep with its losses, no stop and no suggestion.
    pub fn new(label: impl Into<String>, losses: &[f64]) -> Self {
        Sweep {
            label: label.into(),
            losses: losses.to_vec(),
            raw: Vec::new(),
            stopped_at: None,
            suggestions: Vec::new(),
        }
    }

    /// Draws `raw` faint behind the curve (one value per learning rate).
    pub fn raw(mut self, raw: &[f64]) -> Self {
        self.raw = raw.to_vec();
        self
    }

    /// Marks where the sweep stopped.
    pub fn stopped_at(mut self, index: usize) -> Self {
        self.stopped_at = Some(index);
        self
    }

    /// Adds a suggestion to mark.
    pub fn suggest(mut self, method: impl Into<String>, lr: f64) -> Self {
        self.suggestions.push(Suggestion {
            method: method.into(),
            lr,
        });
        self
    }
}

/// The legend label of a weight decay: `wd=1.0e-4`, `wd=0`, or `wd=default`
/// when the optimizer's own was kept.
pub fn wd_label(weight_decay: Option<f64>) -> String {
    match weight_decay {
        Some(wd) => format!("wd={}", axes::sci(wd)),
        None => "wd=default".to_owned(),
    }
}

/// Whether two curves hold the same values (NaN where the other has NaN).
pub(super) fn same_curve(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}
