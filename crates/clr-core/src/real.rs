//! The floating-point types schedules are generic over.

use core::fmt::{Debug, Display};
use num_traits::{Float, FloatConst};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: the value type of every schedule.
///
/// Positions inside a schedule (which step, which fraction of a phase) are
/// always computed in `f64` so that `u64` steps stay exact up to 2^53 even
/// for `f32` schedules; only the final curve is evaluated in `Self`.
pub trait Real:
    Float + FloatConst + Debug + Display + Default + Send + Sync + 'static + sealed::Sealed
{
    /// Converts from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// Whether `F` is `f32`: the schedules take `f32`-only arithmetic paths
/// on it (resolved at compile time).
#[inline(always)]
pub(crate) fn is_f32<F: Real>() -> bool {
    core::mem::size_of::<F>() == 4
}
