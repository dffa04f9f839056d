//! The Keras package's half-waves, which its `OneCycle` and `CLR` share: at
//! `x` in `[0, 1]` of a cycle whose rise takes `f` of it,
//!
//! ```text
//! rise (x < f):  (np.cos(x * np.pi / f - np.pi) + 1) * amp / 2.0
//! fall:          (np.cos((x - f) * np.pi / (1 - f)) + 1) / 2.0 * amp
//! ```
//!
//! to which the callers add their base (the package adds it on some halves
//! only). numpy computes in float64; an `f32` schedule takes the angle in
//! `f64` and the rest in `f32`.

use core::f64::consts::PI;

use crate::error::{check, Error};
use crate::real::Real;

/// `np.cos(angle) + 1` at one position, and which half it is on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wave<F> {
    full: F,
    pub(crate) rise: bool,
}

impl<F: Real> Wave<F> {
    /// The wave at `x` with rise fraction `f`. Where numpy divides by zero
    /// (a rise or fall of no length, reached by a rounding of `x` just past
    /// `[0, 1]`) the half is at its end: the fall's start.
    #[inline]
    pub(crate) fn at(x: f64, f: f64) -> Self {
        let rise = x < f && f > 0.0;
        let angle = if rise {
            x * PI / f - PI
        } else if f < 1.0 {
            (x - f) * PI / (1.0 - f)
        } else {
            0.0
        };
        Wave {
            full: F::from_f64(angle).cos() + F::one(),
            rise,
        }
    }

    /// The wave times `amp`, halved: `full * amp / 2.0` on the rise and
    /// `full / 2.0 * amp` on the fall, the package's two orders.
    #[inline]
    pub(crate) fn times(self, amp: F) -> F {
        let two = F::one() + F::one();
        if self.rise {
            self.full * amp / two
        } else {
            self.full / two * amp
        }
    }
}

/// `lr_range = (lo, hi)`: `0 <= lo <= hi`, `hi > 0`.
pub(crate) fn check_lr_range<F: Real>((lo, hi): (F, F)) -> Result<(), Error> {
    check::non_negative("lr_range.0", lo.to_f64())?;
    check::positive("lr_range.1", hi.to_f64())?;
    check::ordered("lr_range.0", lo.to_f64(), "lr_range.1", hi.to_f64())
}

/// `momentum_range = (m1, m2)`: any finite values `>= 0`.
pub(crate) fn check_momentum_range<F: Real>(range: Option<(F, F)>) -> Result<(), Error> {
    if let Some((m1, m2)) = range {
        check::non_negative("momentum_range.0", m1.to_f64())?;
        check::non_negative("momentum_range.1", m2.to_f64())?;
    }
    Ok(())
}
