//! Branch-free cosine kernels for the schedules' arguments.
//!
//! The schedules take the cosine of `pi * pct` (and of the seed's
//! `x*pi/f - pi`, of `pi*T_cur/T_i`): arguments in `[-pi, pi]`. There
//! `cos x = -sin(|x| - pi/2)` with `t = |x| - pi/2` in `[-pi/2, pi/2]`, and
//! one odd polynomial (a minimax fit to `t^17` in `f64`; Taylor's to `t^13`
//! for an `f32` result still in `f64`; a minimax fit to `t^9` in `f32`
//! arithmetic for [`cos_half_turn`]'s `f32` arguments in `[0, pi]`)
//! evaluates `sin t` with no branch and no table: a loop over many arguments vectorises, and random
//! arguments cost no misprediction, where `libm` picks one of two kernels
//! and one of several reductions by branches. `pi/2` is split in two so
//! that `|x| - pi/2` is exact from `pi/4` on (Sterbenz) and the second half
//! carries the rest: the result is within 4 ulp of `libm` in `f64` and 2 in `f32` (tested), so the
//! schedules stay within 1e-12 of their references (the parity tests).
//!
//! Where the schedule knows the progress `pct` itself (cosine phases,
//! warm restarts, the seed's half-waves as lines), [`cos_pi64`] and
//! [`cos_pi32`] take it in half turns, `w = pct - 1/2`, with the same
//! polynomials' coefficients scaled by powers of `pi`: no `pi·pct` to
//! round, and two dependent operations fewer on a lookup's chain.
//!
//! Off `[-pi, pi]` ([`fast`] is false, NaN included) the callers use
//! `libm` itself. Owning the kernel also keeps values independent of the
//! build graph: `num_traits::Float::cos` is `libm` or the platform's `std`
//! cosine depending on whether some other crate turned on `num-traits/std`.

use crate::real::{is_f32, Real};

/// Where the kernels are used: `|x| <= pi` (`t` within `±pi/2`, where the
/// final `t + t·z·P(z)` does not cancel).
const FAST_MAX: f64 = core::f64::consts::PI;

// ---- f64 ------------------------------------------------------------------

/// `pi/2` rounded, and the rest.
const PIO2_HI: f64 = core::f64::consts::FRAC_PI_2;
const PIO2_LO: f64 = 6.123_233_995_736_766e-17;

/// `sin t = t + t·z·P(z)`, `z = t²`: `P` of degree 7 fitted (Lawson's
/// minimax iteration, weighted by `z`) to `sin` over `|t| <= pi/2`. Its
/// relative error there is 2.5e-18 with these rounded coefficients, far
/// below the rounding of the evaluation; Taylor's series needs three more
/// terms (to `t^23`) for the same accuracy.
const S: [f64; 8] = [
    -0.166_666_666_666_666_66,
    0.008_333_333_333_333_212,
    -0.000_198_412_698_412_153_5,
    2.755_731_921_214_348_3e-6,
    -2.505_210_696_127_984_4e-8,
    1.605_894_398_719_534_2e-10,
    -7.643_098_965_319_05e-13,
    2.722_268_628_679_969_7e-15,
];

/// Whether [`cos64_fast`] is used at `x` (false for NaN).
#[inline(always)]
pub(crate) fn fast64(x: f64) -> bool {
    x.abs() <= FAST_MAX
}

/// `cos x` for `|x| <= pi`, branch-free.
#[inline(always)]
pub(crate) fn cos64_fast(x: f64) -> f64 {
    cos64_nonnegative(x.abs())
}

/// [`cos64_fast`] for `x` in `[0, pi]` (or `-0`), without the `abs`.
#[inline(always)]
fn cos64_nonnegative(x: f64) -> f64 {
    let t = (x - PIO2_HI) - PIO2_LO;
    let z = t * t;
    // Q(z) = (P(z) - S[0]) / z by Estrin's scheme: a random lookup is
    // bound by this dependency chain (five multiply-adds deep instead of
    // Horner's seven), and its extra products overlap. The leading
    // `t³·S[0]` is added apart from the rest, which keeps the ends exact
    // (`cos 0 = 1`, `cos pi = -1`).
    let z2 = z * z;
    let low = (S[1] + S[2] * z) + z2 * (S[3] + S[4] * z);
    let high = (S[5] + S[6] * z) + z2 * S[7];
    let q = low + (z2 * z2) * high;
    let t3 = t * z;
    -(t + (t3 * S[0] + t3 * z * q))
}

// ---- f64, by half turns ---------------------------------------------------

/// [`S`] scaled for `sin(pi·w) = pi·w + w·y·Q(y)`, `y = w²`: `Q(y) =
/// pi³·P(pi²·y)`, so `W[k] = S[k]·pi^(2k+3)` (rounded from 200 bits).
const W: [f64; 8] = [
    -5.167_712_780_049_969,
    2.550_164_039_877_308,
    -0.599_264_529_319_146_3,
    0.082_145_886_575_827_08,
    -0.007_370_430_526_720_205,
    0.000_466_299_906_456_709_7,
    -2.190_370_458_065_917e-5,
    7.699_788_822_442_958e-7,
];

/// `cos(pi·pct)` for `pct` in `[0, 1]` (a cosine phase's progress),
/// branch-free: `-sin(pi·w)` with `w = pct - 1/2`, the polynomial of
/// [`cos64_nonnegative`] in `w` itself. That takes two roundings and two
/// dependent operations less than forming `pi·pct` and then `pi·pct - pi/2`
/// (a random lookup is bound by this chain): the result is within 3 ulp of
/// the exact `cos(pi·pct)` (tested), so within a few of `libm`'s cosine of
/// `pi·pct` rounded, whose own argument rounds; the ends are exact
/// (`cos 0 = 1`, `cos pi = -1`), and no value leaves `[-1, 1]` (tested).
#[inline(always)]
pub(crate) fn cos_pi64(pct: f64) -> f64 {
    // Exact from pct = 1/4 on (Sterbenz); below, the rounding is below
    // an ulp of the result.
    let w = pct - 0.5;
    let y = w * w;
    let y2 = y * y;
    let low = (W[1] + W[2] * y) + y2 * (W[3] + W[4] * y);
    // Horner's, not Estrin's, for the last three terms: as fast (it waits
    // on `y²·y²` anyway), and not shaped like `low`'s halves, which LLVM
    // otherwise packs with them into pairs whose shuffles lengthen the
    // chain of a random lookup.
    let high = W[5] + y * (W[6] + y * W[7]);
    let q = low + (y2 * y2) * high;
    // The tail first, then the leading term: adding the two leading terms
    // first (ready three operations before the tail, so a shorter chain)
    // went an ulp past 1 near the ends (at pct = 1 - 7.1e-10), and a
    // cosine phase's value past its end by as much.
    -(core::f64::consts::PI * w + (w * y) * (W[0] + y * q))
}

// ---- f32 ------------------------------------------------------------------

/// `(-1)^k / (2k + 1)!`, `k = 1..=6` (Taylor's series to `t^13`): enough
/// for an `f32` result.
const SF: [f64; 6] = [
    -1.666_666_666_666_666_6e-1,
    8.333_333_333_333_333e-3,
    -1.984_126_984_126_984e-4,
    2.755_731_922_398_589_3e-6,
    -2.505_210_838_544_172e-8,
    1.605_904_383_682_161_3e-10,
];

/// Whether [`cos32_fast`] is used at `x` (false for NaN).
#[inline(always)]
pub(crate) fn fast32(x: f32) -> bool {
    f64::from(x.abs()) <= FAST_MAX
}

/// `cos x` for `|x| <= pi`, branch-free: the same polynomial, shorter,
/// evaluated in `f64` (`t` is then exact enough that the `f32` result is
/// correctly rounded but for near-ties: `cos 0 = 1`, `cos pi = -1`).
#[inline(always)]
pub(crate) fn cos32_fast(x: f32) -> f32 {
    let t = (f64::from(x.abs()) - PIO2_HI) - PIO2_LO;
    let z = t * t;
    let p = SF[0] + z * (SF[1] + z * (SF[2] + z * (SF[3] + z * (SF[4] + z * SF[5]))));
    (-(t + t * z * p)) as f32
}

/// `pi/2` rounded to `f32`, and the rest (to 1.7e-15).
const PIO2_HI_F: f32 = core::f32::consts::FRAC_PI_2;
const PIO2_LO_F: f32 = -4.371_139e-8;

/// `sin t = t + t·z·P(z)` in `f32`: `P` of degree 3 fitted (minimax,
/// weighted by `z`) over `|t| <= pi/2`, relative error 3.4e-8 with these
/// rounded coefficients (half an `f32` ulp near 1 is 6e-8).
const SF32: [f32; 4] = [
    -0.166_666_61,
    0.008_333_088,
    -0.000_198_111_13,
    2.608_932_4e-6,
];

/// `cos x` for `x` in `[0, pi]` (`pi` rounded to `f32` included),
/// branch-free and in `f32` arithmetic only, so that a loop of it runs
/// four lanes wide on SSE2. `x - pi/2` is exact in the first subtraction
/// from `pi/4` on (Sterbenz), and nearer the zero at `pi/2` the rest of
/// `pi/2` is far below the result's ulp: within 2 ulp of `libm::cosf`
/// (tested).
#[inline(always)]
pub(crate) fn cos32_poly(x: f32) -> f32 {
    let t = (x - PIO2_HI_F) - PIO2_LO_F;
    let z = t * t;
    // As in `cos64_fast`: the leading term apart keeps the ends exact.
    let q = (SF32[1] + SF32[2] * z) + SF32[3] * (z * z);
    let t3 = t * z;
    -(t + (t3 * SF32[0] + t3 * z * q))
}

/// [`SF32`] scaled for half turns, `WF32[k] = SF32[k]·pi^(2k+3)` rounded
/// to `f32` (as [`W`] is [`S`] scaled).
const WF32: [f32; 4] = [-5.167_711_3, 2.550_089, -0.598_353_7, 0.077_769_93];

/// `cos(pi·pct)` for `pct` in `[0, 1]` in `f32` arithmetic, as
/// [`cos_pi64`] in `f64`: `-sin(pi·w)` with `w = pct - 1/2` (exact from
/// `pct = 1/4` on), so no `pi·pct` is rounded and no `pi/2` subtracted in
/// two parts. Within 3 ulp of the exact `cos(pi·pct)` over every `f32` in
/// `[0, 1]` (tested), near its zero at `1/2` included, where the cosine of
/// a rounded `pi·pct` is off by that rounding; the ends are exact, and no
/// value leaves `[-1, 1]` (tested: adding the leading terms first went an
/// ulp past 1 near the ends, and a schedule's value past its peak by as
/// much; [`cos_pi64`] sums in the same order for the same reason).
#[inline(always)]
pub(crate) fn cos_pi32(pct: f32) -> f32 {
    let w = pct - 0.5;
    let y = w * w;
    let q = (WF32[1] + WF32[2] * y) + WF32[3] * (y * y);
    -(core::f32::consts::PI * w + (w * y) * (WF32[0] + y * q))
}

// ---- generic --------------------------------------------------------------

/// The cosine of `x` in `F`: the kernel where [`fast`], `libm` elsewhere.
#[inline(always)]
pub(crate) fn cos<F: Real>(x: F) -> F {
    if fast(x) {
        cos_fast(x)
    } else if is_f32::<F>() {
        F::from_f64(f64::from(libm::cosf(x.to_f64() as f32)))
    } else {
        F::from_f64(libm::cos(x.to_f64()))
    }
}

/// Whether [`cos_fast`] is exact at `x`.
#[inline(always)]
pub(crate) fn fast<F: Real>(x: F) -> bool {
    if is_f32::<F>() {
        fast32(x.to_f64() as f32)
    } else {
        fast64(x.to_f64())
    }
}

/// The branch-free kernel: `cos(x)` wherever [`fast`] holds.
#[inline(always)]
pub(crate) fn cos_fast<F: Real>(x: F) -> F {
    if is_f32::<F>() {
        F::from_f64(f64::from(cos32_fast(x.to_f64() as f32)))
    } else {
        F::from_f64(cos64_fast(x.to_f64()))
    }
}

/// `cos x` for `x` in `[0, pi]`, `F`'s `pi` included (the argument
/// `pi * pct` of a progress `pct` in `[0, 1]`): the branch-free kernels with
/// no range check, in `F`'s own arithmetic ([`cos32_poly`] for `f32`).
#[inline(always)]
pub(crate) fn cos_half_turn<F: Real>(x: F) -> F {
    if is_f32::<F>() {
        F::from_f64(f64::from(cos32_poly(x.to_f64() as f32)))
    } else {
        F::from_f64(cos64_nonnegative(x.to_f64()))
    }
}

// ---- bulk -----------------------------------------------------------------

/// Elements per chunk of the bulk loops: offsets within a chunk convert
/// from `i32`.
pub(crate) const CHUNK: usize = 512;

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps64(a: f64, b: f64) -> u64 {
        let key = |x: f64| {
            let bits = x.to_bits() as i64;
            if bits < 0 {
                i64::MIN - bits
            } else {
                bits
            }
        };
        key(a).abs_diff(key(b))
    }

    fn ulps32(a: f32, b: f32) -> u32 {
        let key = |x: f32| {
            let bits = x.to_bits() as i32;
            if bits < 0 {
                i32::MIN - bits
            } else {
                bits
            }
        };
        key(a).abs_diff(key(b))
    }

    /// xorshift64*.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn f64_within_four_ulp_of_libm() {
        let mut next = rng(7);
        let n = if cfg!(debug_assertions) {
            200_000
        } else {
            2_000_000
        };
        let mut worst = 0;
        let mut check = |x: f64| {
            assert!(fast64(x));
            let (got, want) = (cos(x), libm::cos(x));
            let d = ulps64(got, want);
            // Near the zero at pi/2 the result is tiny: compare absolutely there.
            assert!(
                d <= 4 || (got - want).abs() <= 1e-32,
                "cos({x:e}) = {got:e}, libm {want:e}"
            );
            worst = worst.max(if (got - want).abs() <= 1e-32 { 0 } else { d });
        };
        for _ in 0..n {
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            check(u * core::f64::consts::PI);
            check(-u * core::f64::consts::PI);
            check(core::f64::consts::PI * u); // what the schedules ask
        }
        for n in 1..=200u32 {
            for k in 0..=n {
                check(core::f64::consts::PI * (f64::from(k) / f64::from(n)));
            }
        }
        for x in [
            0.0,
            -0.0,
            1e-300,
            5e-324,
            1e-9,
            core::f64::consts::FRAC_PI_2,
        ] {
            check(x);
        }
        // The ends of a cosine phase are exact.
        assert_eq!(cos(0.0_f64), 1.0);
        assert_eq!(cos(core::f64::consts::PI), -1.0);
        assert!(worst <= 4, "{worst}");
    }

    #[test]
    fn f64_half_turns_within_three_ulp_of_the_cosine() {
        // cos(pi·pct) to about half an ulp: `pi·pct = x + lo` with `x` the
        // rounded product, `lo` its error (by a fused multiply-add) and
        // pi's own rounding, then `cos(x + lo) = cos x - lo·sin x`.
        const PI_LO: f64 = 1.224_646_799_147_353_2e-16;
        let reference = |pct: f64| {
            let x = core::f64::consts::PI * pct;
            let lo = libm::fma(core::f64::consts::PI, pct, -x) + PI_LO * pct;
            libm::cos(x) - lo * libm::sin(x)
        };
        let mut next = rng(11);
        let n = if cfg!(debug_assertions) {
            200_000
        } else {
            2_000_000
        };
        let mut worst = 0;
        let mut check = |pct: f64| {
            let (got, want) = (cos_pi64(pct), reference(pct));
            // Near the zero at 1/2 compare absolutely (the reference's
            // own cancellation).
            if (got - want).abs() > 1e-31 {
                let d = ulps64(got, want);
                assert!(d <= 3, "cos(pi·{pct:e}) = {got:e}, want {want:e}");
                worst = worst.max(d);
            }
        };
        for _ in 0..n {
            check((next() >> 11) as f64 / (1u64 << 53) as f64);
        }
        for n in 1..=300u32 {
            for k in 0..=n {
                check(f64::from(k) / f64::from(n));
            }
        }
        for pct in [
            0.0,
            5e-324,
            1e-300,
            1e-9,
            0.25,
            0.5,
            0.75,
            1.0 - f64::EPSILON / 2.0,
            1.0,
        ] {
            check(pct);
        }
        assert_eq!(cos_pi64(0.0), 1.0);
        assert_eq!(cos_pi64(1.0), -1.0);
        assert!(worst <= 3, "{worst}");
    }

    /// A cosine phase's value stays between its ends only if the cosine
    /// stays in `[-1, 1]`: every kernel near `pct = 0` and `1`, at every
    /// scale down to the last ulps (`cos_pi64`'s sum, the leading terms
    /// first, once went an ulp past -1 at `pct = 1 - 7.1e-10`).
    #[test]
    fn f64_half_turns_stay_within_one() {
        let mut next = rng(13);
        let per_scale = if cfg!(debug_assertions) {
            2_000
        } else {
            50_000
        };
        for scale in 1..=60 {
            let width = 0.5f64.powi(scale);
            for _ in 0..per_scale {
                let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                for pct in [u * width, 1.0 - u * width] {
                    let c = cos_pi64(pct);
                    assert!((-1.0..=1.0).contains(&c), "cos(pi·{pct:e}) = {c:e}");
                    let x = core::f64::consts::PI * pct;
                    let c = cos64_fast(x);
                    assert!((-1.0..=1.0).contains(&c), "cos({x:e}) = {c:e}");
                    let x = x as f32;
                    for c in [cos32_poly(x), cos32_fast(x)] {
                        assert!((-1.0..=1.0).contains(&c), "cos({x:e}) = {c:e}");
                    }
                }
            }
        }
    }

    #[test]
    fn f64_off_the_kernel_range_is_libm() {
        for x in [3.1415926535897936, -3.2, 10.0, 1e300, f64::INFINITY] {
            assert!(!fast64(x));
            assert_eq!(cos(x).to_bits(), libm::cos(x).to_bits());
        }
        assert!(cos(f64::NAN).is_nan());
    }

    #[test]
    fn f32_half_turns_within_three_ulp_of_the_cosine() {
        // Every f32 in [0, 1] in release, a stride in debug; the reference
        // is `cos(pi·pct)` in `f64`, whose own error is far below `f32`'s.
        let stride = if cfg!(debug_assertions) { 997 } else { 1 };
        let top = 1.0_f32.to_bits();
        let mut bits = 0u32;
        let mut worst = 0;
        while bits <= top {
            let pct = f32::from_bits(bits);
            let exact = libm::cos(core::f64::consts::PI * f64::from(pct));
            let got = cos_pi32(pct);
            assert!(got.abs() <= 1.0, "cos(pi·{pct:e}) = {got:e}");
            // Within 1e-14 of a zero the sign of the rounded value may
            // differ: compare absolutely there.
            if (f64::from(got) - exact).abs() > 1e-14 {
                let d = ulps32(got, exact as f32);
                assert!(d <= 3, "cos(pi·{pct:e}) = {got:e}, want {exact:e}");
                worst = worst.max(d);
            }
            bits += stride;
        }
        assert!(worst <= 3, "{worst}");
        assert_eq!(cos_pi32(0.0), 1.0);
        assert_eq!(cos_pi32(1.0), -1.0);
    }

    #[test]
    fn f32_arithmetic_kernel_within_two_ulp_of_libm() {
        // Every f32 in [0, pi] in release, a stride in debug.
        let stride = if cfg!(debug_assertions) { 997 } else { 1 };
        let top = core::f32::consts::PI.to_bits();
        let mut bits = 0u32;
        let mut worst = 0;
        while bits <= top {
            let x = f32::from_bits(bits);
            let (got, want) = (cos32_poly(x), libm::cosf(x));
            // Near the zero at pi/2 compare absolutely (the rest of pi/2).
            if (got - want).abs() > 1e-14 {
                let d = ulps32(got, want);
                assert!(d <= 2, "cos({x:e}) = {got:e}, libm {want:e}");
                worst = worst.max(d);
            }
            bits += stride;
        }
        assert!(worst <= 2, "{worst}");
        assert_eq!(cos_half_turn(0.0_f32), 1.0);
        assert_eq!(cos_half_turn(core::f32::consts::PI), -1.0);
        assert_eq!(cos_half_turn(core::f64::consts::PI), -1.0);
    }

    #[test]
    fn f32_within_two_ulp_of_libm() {
        // Every 13th f32 in [0, pi] (and its negative) in release, a wider
        // stride in debug.
        let stride = if cfg!(debug_assertions) { 9973 } else { 13 };
        let top = core::f32::consts::PI.to_bits();
        let mut bits = 0u32;
        while bits <= top {
            let x = f32::from_bits(bits);
            for x in [x, -x] {
                let (got, want) = (cos(x), libm::cosf(x));
                assert!(
                    ulps32(got, want) <= 2 || (got - want).abs() <= 1e-14,
                    "cosf({x:e}) = {got:e}, libm {want:e}"
                );
            }
            bits += stride;
        }
        assert_eq!(cos(0.0_f32), 1.0);
        assert_eq!(cos(core::f32::consts::PI), -1.0);
        for x in [3.15f32, -5.0, 1e30, f32::INFINITY] {
            assert_eq!(cos(x).to_bits(), libm::cosf(x).to_bits());
        }
        assert!(cos(f32::NAN).is_nan());
    }
}
