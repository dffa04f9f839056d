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
    /// `base^exponent` of `f64` operands, in `Self`: in `f64` as the
    /// references compute it (`pow`); in `f32` as `exp(exponent·ln_base)`,
    /// the product in `f64` (`ln_base = ln(base)`, which the caller takes
    /// once) and the exponential in `f32`, at `f32`'s cost and within a
    /// few `f32` ulps of the `f64` power.
    fn pow_f64(base: f64, ln_base: f64, exponent: f64) -> Self;
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
    #[inline]
    fn pow_f64(_base: f64, ln_base: f64, exponent: f64) -> Self {
        Real::exp((exponent * ln_base) as f32)
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
    math!(cos() => cos);
    math!(exp() => exp);
    math!(ln() => log);
    math!(log10() => log10);
    math!(powf(n) => pow);
    #[inline]
    fn pow_f64(base: f64, _ln_base: f64, exponent: f64) -> Self {
        Real::powf(base, exponent)
    }
}

/// A step as `f64`, rounded to nearest as `step as f64` is: below 2^63 by
/// the signed conversion, one instruction where the unsigned one takes
/// five (SSE2) on every lookup's chain.
#[inline(always)]
pub(crate) fn step_f64(step: u64) -> f64 {
    if step < 1 << 63 {
        step as i64 as f64
    } else {
        huge_step_f64(step)
    }
}

/// [`step_f64`] from 2^63 on, out of line: inline, the compiler would merge
/// the two conversions back into the unsigned one.
#[cold]
#[inline(never)]
fn huge_step_f64(step: u64) -> f64 {
    step as f64
}

/// `x` kept in `[0, 1]`, NaN taken to 1: a phase's progress where its
/// reference divides `0/0` (a phase of no length) is its end.
#[inline(always)]
#[allow(clippy::manual_clamp)] // `clamp` would keep the NaN; `min` takes the 1
pub(crate) fn unit_progress(x: f64) -> f64 {
    x.min(1.0).max(0.0)
}

/// `floor(x)` for `x >= 0` (a cycle's index): below 2^52 the truncation,
/// two instructions where a call to a `floor` would be one on every
/// lookup's chain; from 2^52 on every `f64` is whole.
#[inline(always)]
pub(crate) fn floor_non_negative(x: f64) -> f64 {
    if x < 4_503_599_627_370_496.0 {
        x as i64 as f64
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::{floor_non_negative, step_f64, Real};

    #[test]
    fn floor_of_non_negatives_is_floor() {
        for x in [
            0.0,
            0.5,
            1.0,
            1.5,
            2.999_999_999,
            1e15 + 0.5,
            4_503_599_627_370_495.5,
            1e300,
        ] {
            assert_eq!(floor_non_negative(x), libm::floor(x), "{x}");
        }
    }

    #[test]
    fn steps_convert_as_the_unsigned_conversion() {
        for step in [0, 1, (1 << 53) + 1, (1 << 63) - 1, 1 << 63, u64::MAX] {
            assert_eq!(step_f64(step).to_bits(), (step as f64).to_bits(), "{step}");
        }
    }

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
