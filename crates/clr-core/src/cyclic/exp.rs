//! Branch-free `exp(y)` for `y <= 0`: `exp_range`'s `gamma^iteration`.
//!
//! `libm::exp` picks its reduction and its result scaling by branches, so a
//! loop over many iterations does not vectorise. Here `y = n·ln2 + r` with
//! `n = round(y/ln2)` found by the 1.5·2^52 shifter (its bits hold `n`, so no
//! float-to-integer conversion), `e^r` is a fixed polynomial and `2^n` is
//! two exact powers of two built from the bits (each normal, so results down
//! to the subnormals round once). Every step is an SSE2 lane operation.

/// `ln 2` split: the high part has 32 bits, so `n·LN2_HI` is exact.
const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const INV_LN2: f64 = core::f64::consts::LOG2_E;
/// 1.5·2^52: adding it rounds to a whole number kept in the low bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// Below this `e^y` is 0 in `f64` (`e^-746` already rounds to 0).
const FLOOR: f64 = -1100.0;

/// `1/k!`, `k = 2..=13`: Taylor's `e^r` on `|r| <= ln2/2`, whose first
/// omitted term is below 5e-18 relative.
const C: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `exp(y)` for `y <= 0` (within 2 ulp of `libm::exp`, tested), branch-free.
#[inline(always)]
pub(crate) fn exp64(y: f64) -> f64 {
    let y = if y < FLOOR { FLOOR } else { y };
    let t = y * INV_LN2 + SHIFTER;
    let n = t - SHIFTER;
    let r = (y - n * LN2_HI) - n * LN2_LO;
    // -n in [0, 1587] from the bits; halved so that each power stays normal.
    let m = SHIFTER.to_bits().wrapping_sub(t.to_bits());
    let h = m >> 1;
    let a = f64::from_bits(1023_u64.wrapping_sub(h) << 52);
    let b = f64::from_bits(1023_u64.wrapping_sub(m - h) << 52);
    poly64(r) * a * b
}

/// `e^r` by Estrin's scheme: a short dependency chain.
#[inline(always)]
fn poly64(r: f64) -> f64 {
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (1.0 + r) + (C[0] + C[1] * r) * r2;
    let q1 = (C[2] + C[3] * r) + (C[4] + C[5] * r) * r2;
    let q2 = (C[6] + C[7] * r) + (C[8] + C[9] * r) * r2;
    let q3 = C[10] + C[11] * r;
    (q0 + q1 * r4) + (q2 + q3 * r4) * r8
}

/// The `f32` reduction: `ln 2` split with 12 bits high.
const LN2_HI_32: f32 = 0.693_145_751_953_125;
const LN2_LO_32: f32 = 1.428_606_765_330_187e-6;
const INV_LN2_32: f32 = core::f32::consts::LOG2_E;
const SHIFTER_32: f32 = 12_582_912.0;
/// Below this `e^y` is 0 in `f32`.
const FLOOR_32: f64 = -104.0;

/// `exp(y)` for `y <= 0` in `f32` arithmetic after rounding `y` to `f32`
/// (within 2 ulp of `libm::expf` of that `y`, tested), branch-free: four
/// lanes per SSE2 operation.
#[inline(always)]
pub(crate) fn exp32(y: f64) -> f32 {
    let y = (if y < FLOOR_32 { FLOOR_32 } else { y }) as f32;
    let t = y * INV_LN2_32 + SHIFTER_32;
    let n = t - SHIFTER_32;
    let r = (y - n * LN2_HI_32) - n * LN2_LO_32;
    let m = SHIFTER_32.to_bits().wrapping_sub(t.to_bits());
    let h = m >> 1;
    let a = f32::from_bits(127_u32.wrapping_sub(h) << 23);
    let b = f32::from_bits(127_u32.wrapping_sub(m - h) << 23);
    poly32(r) * a * b
}

/// `e^r` to `r^7/7!` (the next term is below 5e-9 relative).
#[inline(always)]
fn poly32(r: f32) -> f32 {
    let r2 = r * r;
    let r4 = r2 * r2;
    let q0 = (1.0 + r) + (0.5 + r * (1.0 / 6.0)) * r2;
    let q1 = ((1.0 / 24.0) + r * (1.0 / 120.0)) + ((1.0 / 720.0) + r * (1.0 / 5_040.0)) * r2;
    q0 + q1 * r4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps64(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    fn ulps32(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// The arguments `exp_range` asks for: a dense sweep of `[-760, 0]`,
    /// exact zero and the far tail.
    fn arguments() -> impl Iterator<Item = f64> {
        let n = if cfg!(debug_assertions) {
            200_000
        } else {
            2_000_000
        };
        (0..=n)
            .map(move |k| -760.0 * f64::from(k) / f64::from(n))
            .chain([0.0, -0.0, -1e-300, -1e-17, -745.2, -1e4, -1e300, f64::MIN])
    }

    #[test]
    fn f64_within_two_ulp_of_libm() {
        for y in arguments() {
            let (got, want) = (exp64(y), libm::exp(y));
            // Subnormal results: compare absolutely, at their own ulp.
            assert!(
                ulps64(got, want) <= 2 || (got - want).abs() <= 2.0 * 5e-324,
                "exp({y:e}) = {got:e}, libm {want:e}"
            );
        }
        assert_eq!(exp64(0.0), 1.0);
    }

    #[test]
    fn f32_within_two_ulp_of_libm() {
        for y in arguments() {
            let (got, want) = (exp32(y), libm::expf(y as f32));
            assert!(
                ulps32(got, want) <= 2 || (got - want).abs() <= 2.0 * 1.5e-45,
                "exp({y:e}) = {got:e}, libm {want:e}"
            );
        }
        assert_eq!(exp32(0.0), 1.0);
    }
}
