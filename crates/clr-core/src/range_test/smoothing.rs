//! [`Smoothing`]: how a range test smooths its losses before judging them
//! (the divergence check and the suggestions), as fastai and
//! torch-lr-finder do; also applied to a whole curve for plots.

use alloc::vec::Vec;

use crate::error::{check, Error};
use crate::real::Real;

/// How losses are smoothed before the divergence check and the suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Smoothing {
    /// Raw step losses (the Keras package).
    #[default]
    None,
    /// `avg = beta·avg + (1-beta)·loss; smoothed = avg / (1 - beta^(i+1))`
    /// (fastai's and Lightning's, beta 0.98).
    EmaDebiased {
        /// The decay, in `[0, 1)`.
        beta: f64,
    },
    /// `smoothed = f·loss + (1-f)·previous`, the first loss unsmoothed
    /// (torch-lr-finder, `smooth_f` 0.05).
    Ema {
        /// The weight of the new loss, in `(0, 1]`.
        smooth_f: f64,
    },
}

impl Smoothing {
    /// fastai's and Lightning's default.
    pub const FASTAI: Smoothing = Smoothing::EmaDebiased { beta: 0.98 };
    /// torch-lr-finder's default.
    pub const TORCH_LR_FINDER: Smoothing = Smoothing::Ema { smooth_f: 0.05 };

    /// `losses` smoothed as the range test judges them, in order from the
    /// first step (one sweep's curve): the same arithmetic, value for
    /// value. A NaN carries on through an average, as in fastai. An error
    /// names `beta` or `smooth_f` when out of range.
    pub fn apply<F: Real>(self, losses: &[F]) -> Result<Vec<F>, Error> {
        self.validate()?;
        let mut ema = 0.0;
        Ok((0u64..)
            .zip(losses)
            .map(|(i, &loss)| F::from_f64(self.next(&mut ema, i, loss.to_f64())))
            .collect())
    }

    /// The judged value of step `i`'s `loss`, `ema` the running average
    /// (0 before the first step), updated.
    pub(super) fn next(self, ema: &mut f64, i: u64, loss: f64) -> f64 {
        match self {
            Smoothing::None => loss,
            Smoothing::EmaDebiased { beta } => {
                *ema = beta * *ema + (1.0 - beta) * loss;
                *ema / (1.0 - libm::pow(beta, i as f64 + 1.0))
            }
            Smoothing::Ema { smooth_f } => {
                *ema = if i == 0 {
                    loss
                } else {
                    smooth_f * loss + (1.0 - smooth_f) * *ema
                };
                *ema
            }
        }
    }

    pub(super) fn validate(self) -> Result<Self, Error> {
        match self {
            Smoothing::None => {}
            Smoothing::EmaDebiased { beta } => {
                check::unit("beta", beta)?;
                if beta >= 1.0 {
                    return Err(Error::Invalid {
                        param: "beta",
                        value: crate::error::Value::Float(beta),
                        expected: crate::error::Expected::AtLeast(0.0),
                    });
                }
            }
            Smoothing::Ema { smooth_f } => {
                check::unit("smooth_f", smooth_f)?;
                check::positive("smooth_f", smooth_f)?;
            }
        }
        Ok(self)
    }
}
