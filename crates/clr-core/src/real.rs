//! The floating-point types schedules are generic over, and their math.

use core::fmt::{Debug, Display};
use num_traits::float::{FloatConst, FloatCore};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: the value type of every schedule.
///
/// Positions inside a schedule (which step, which fraction of a phase) are
/// computed in `f64`, as the references compute them, so `u64` steps stay
/// exact up to 2^53 even for `f32` schedules; the curve is evaluated in
/// `Self`.
///
/// The transcendental functions are the platform's C math library's (through
/// `std`: `f64::cos` and friends) with the `std` feature, and the `libm`
/// crate's without it. PyTorch, fastai and numpy call the C library too, so
/// with `std` the presets give their values to the bit on the same platform;
/// `libm` differs from it in the last bit of a few values in a hundred.
pub trait Real:
    FloatCore + FloatConst + Debug + Display + Default + Send + Sync + 'static + sealed::Sealed
{
    /// Converts from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// The cosine.
    fn cos(self) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// The natural logarithm.
    fn ln(self) -> Self;
    /// The base-10 logarithm.
    fn log10(self) -> Self;
    /// `self^n`.
    fn powf(self, n: Self) -> Self;
}

/// One function of [`Real`]: `std`'s inherent method with the `std`
/// feature, the `libm` function otherwise.
macro_rules! math {
    ($name:ident($($arg:ident),*) => $libm:ident) => {
        #[inline]
        fn $name(self $(, $arg: Self)*) -> Self {
            #[cfg(feature = "std")]
            {
                // The inherent method (inherent methods take precedence
                // over this trait's).
                Self::$name(self $(, $arg)*)
            }
            #[cfg(not(feature = "std"))]
            {
                libm::$libm(self $(, $arg)*)
            }
        }
    };
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
    math!(cos() => cosf);
    math!(exp() => expf);
    math!(ln() => logf);
    math!(log10() => log10f);
    math!(powf(n) => powf);
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
    math!(cos() => cos);
    math!(exp() => exp);
    math!(ln() => log);
    math!(log10() => log10);
    math!(powf(n) => pow);
}

#[cfg(test)]
mod tests {
    use super::Real;

    /// The inherent methods, not this trait's: a call that resolved to the
    /// trait would recurse forever.
    #[test]
    fn math_is_the_math_library() {
        assert_eq!(Real::cos(0.0_f64), 1.0);
        assert_eq!(Real::exp(0.0_f32), 1.0);
        assert_eq!(Real::ln(1.0_f64), 0.0);
        assert_eq!(Real::log10(1000.0_f64), 3.0);
        assert_eq!(Real::powf(2.0_f32, 10.0), 1024.0);
    }
}
