//! Branch-free `exp(y)` for `y <= 0`: `exp_range`'s `gamma^iteration`.
//!
//! `libm::exp` picks its reduction and its result scaling by branches, so a
//! loop over many iterations does not vectorise. Here `y = (k/64)·ln2 + r`
//! with `k = round(64·y/ln2)` found by the 1.5·2^52 shifter (its bits hold
//! `k`, so no float-to-integer conversion), `e^r` is a short polynomial,
//! `2^(k/64)` is a table entry whose exponent field takes `k/64 + 64`
//! from the same bits, and a last exact factor 2^-64 brings results down
//! into the subnormals with one rounding. No step branches.

/// `ln 2 / 64` split: the high part has 32 bits, so `k·LN2_HI` is exact.
const LN2_HI: f64 = 6.931_471_803_691_238e-1 / 64.0;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10 / 64.0;
const INV_LN2: f64 = 64.0 * core::f64::consts::LOG2_E;
/// 1.5·2^52: adding it rounds to a whole number kept in the low bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// Below this `e^y` is 0 in `f64` (`e^-746` already rounds to 0), and the
/// biased exponent `k/64 + 64 + 1023` stays positive.
const FLOOR: f64 = -750.0;
/// The bias taken back at the end: results below 2^-1022 round here, once.
const TWO_M64: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// `2^(j/64)`, `j = 0..64`, correctly rounded.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const TABLE: [f64; 64] = [
    1.0,
    1.0108892860517005,
    1.0218971486541166,
    1.0330248790212284,
    1.0442737824274138,
    1.0556451783605572,
    1.0671404006768237,
    1.0787607977571199,
    1.0905077326652577,
    1.102382583307841,
    1.1143867425958924,
    1.1265216186082418,
    1.1387886347566916,
    1.1511892299529827,
    1.1637248587775775,
    1.1763969916502812,
    1.189207115002721,
    1.202156731452703,
    1.215247359980469,
    1.22848053610687,
    1.241857812073484,
    1.255380757024691,
    1.2690509571917332,
    1.2828700160787783,
    1.2968395546510096,
    1.3109612115247644,
    1.3252366431597413,
    1.339667524053303,
    1.3542555469368927,
    1.3690024229745905,
    1.383909881963832,
    1.3989796725383112,
    core::f64::consts::SQRT_2,
    1.42961333839197,
    1.4451808069770467,
    1.460917794180647,
    1.4768261459394993,
    1.4929077282912648,
    1.5091644275934228,
    1.5255981507445384,
    1.5422108254079407,
    1.559004400237837,
    1.5759808451078865,
    1.593142151342267,
    1.6104903319492543,
    1.6280274218573478,
    1.645755478153965,
    1.6636765803267364,
    1.681792830507429,
    1.7001063537185235,
    1.718619298122478,
    1.7373338352737062,
    1.7562521603732995,
    1.7753764925265212,
    1.7947090750031072,
    1.8142521755003989,
    1.8340080864093424,
    1.8539791250833855,
    1.8741676341103,
    1.8945759815869656,
    1.9152065613971474,
    1.9360617934922943,
    1.9571441241754002,
    1.978456026387951,
];

/// `exp(y)` for `y <= 0` (within 2 ulp of `libm::exp`, tested), branch-free.
#[inline(always)]
pub(crate) fn exp64(y: f64) -> f64 {
    let y = if y < FLOOR { FLOOR } else { y };
    let t = y * INV_LN2 + SHIFTER;
    let k = t - SHIFTER;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let bits = t.to_bits();
    // The low bits of `bits` are 2^51 + k: k mod 64 and, shifted, k/64 + 2^45
    // (the 2^45 leaves through the top when moved into the exponent).
    let power = TABLE[(bits & 63) as usize].to_bits();
    let s = f64::from_bits(power.wrapping_add(((bits >> 6) + 64) << 52));
    // s·(e^r - 1) to r^5/5! (the next term is below 4e-17 relative), with
    // `s` multiplied into the powers of `r` rather than into the sum: `s` is
    // ready long before `r` (it comes from `t`'s bits), so the products by
    // it leave the chain, and the two halves of the polynomial (Estrin's
    // scheme) meet in one addition: a random lookup waits on this chain.
    let r2 = r * r;
    let sr2 = s * r2;
    let low = s * r + sr2 * (0.5 + r * (1.0 / 6.0));
    let high = (sr2 * r2) * ((1.0 / 24.0) + r * (1.0 / 120.0));
    (s + (low + high)) * TWO_M64
}

/// The `f32` reduction: `ln 2` split, the high part short enough that
/// `n·LN2_HI_32` is exact.
const LN2_HI_32: f32 = 0.693_145_75;
const LN2_LO_32: f32 = 1.428_606_8e-6;
const INV_LN2_32: f32 = core::f32::consts::LOG2_E;
const SHIFTER_32: f32 = 12_582_912.0;
/// Below this `e^y` is 0 in `f32` (and `n + 32 + 127` stays positive).
const FLOOR_32: f32 = -104.0;
const TWO_M32: f32 = 1.0 / 4_294_967_296.0;

/// `exp(y)` for `y <= 0` in `f32` arithmetic (within 2 ulp of
/// `libm::expf`, tested), branch-free: four lanes per SSE2 operation.
#[inline(always)]
pub(crate) fn exp32(y: f32) -> f32 {
    exp32_above_floor(if y < FLOOR_32 { FLOOR_32 } else { y })
}

/// Whether [`exp32`] leaves `y` as it is (no clamp to the floor): over a
/// run of such `y`, bulk loops call [`exp32_above_floor`] directly.
#[inline(always)]
pub(crate) fn above_floor32(y: f32) -> bool {
    y >= FLOOR_32
}

/// [`exp32`] where [`above_floor32`] holds.
#[inline(always)]
pub(crate) fn exp32_above_floor(y: f32) -> f32 {
    let (n, r) = reduce32(y);
    // 2^(n + 32), then 2^-32: one rounding.
    poly32(r) * power32(n, 127 + 32) * TWO_M32
}

/// `y = n·ln2 + r`: the bits of `2^22 + n` (the shifter's sum, whose low
/// bits hold `n`, so no float-to-integer conversion) and `r`.
#[inline(always)]
fn reduce32(y: f32) -> (u32, f32) {
    let t = y * INV_LN2_32 + SHIFTER_32;
    let n = t - SHIFTER_32;
    (t.to_bits(), (y - n * LN2_HI_32) - n * LN2_LO_32)
}

/// `2^(n + bias - 127)` from [`reduce32`]'s bits of `n`.
#[inline(always)]
fn power32(n: u32, bias: u32) -> f32 {
    f32::from_bits(n.wrapping_add(bias) << 23)
}

/// Whether [`exp32`] of `y` is a normal number: there it equals
/// [`exp32_normal`].
#[inline(always)]
pub(crate) fn normal32(y: f32) -> bool {
    y >= NORMAL_32
}

/// Above this `e^y` rounds to `n` with `n >= -125`, and `e^r·2^n` is normal.
const NORMAL_32: f32 = -86.5;

/// [`exp32`] where [`normal32`] holds, to the bit: both scalings by powers
/// of two are exact when the result is normal, so 2^n alone gives the same
/// number, with one multiplication less on the chain.
#[inline(always)]
pub(crate) fn exp32_normal(y: f32) -> f32 {
    let (n, r) = reduce32(y);
    poly32(r) * power32(n, 127)
}

/// `e^r` for `|r| <= ln2/2`: `1 + r + r²·(c2 + … + c6·r⁴)`, the
/// coefficients fitted to the least largest relative error (3.1e-9, below
/// the degree-7 Taylor sum's 5e-9) by `scripts/fit_exp32.py`. Degree 6
/// with `1 + r` exact is two operations and one step of the chain
/// shorter than Taylor's degree 7: a bulk loop waits on this chain.
#[inline(always)]
fn poly32(r: f32) -> f32 {
    let r2 = r * r;
    let r4 = r2 * r2;
    let q0 = (1.0 + r) + (0.499_999_94 + r * 0.166_665_2) * r2;
    let q1 = (0.041_668_393 + r * 0.008_368_751) + 0.001_381_452_1 * r2;
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
            let (got, want) = (exp32(y as f32), libm::expf(y as f32));
            assert!(
                ulps32(got, want) <= 2 || (got - want).abs() <= 2.0 * 1.5e-45,
                "exp({y:e}) = {got:e}, libm {want:e}"
            );
        }
        assert_eq!(exp32(0.0), 1.0);
    }

    /// `f32`s from the normal bound up to 0 (every 16th in release, every
    /// 512th in debug: about 2^26 and 2^21 of 2^30) and all 2^16 nearest
    /// the bound, where the result is smallest; then the first below it.
    #[test]
    fn f32_normal_is_exp32() {
        let stride = if cfg!(debug_assertions) { 512 } else { 16 };
        let (first, last) = (NORMAL_32.to_bits(), (-0.0f32).to_bits());
        let sweep = (last..=first).step_by(stride);
        for bits in sweep.chain(first - (1 << 16)..=first) {
            let y = f32::from_bits(bits);
            assert!(normal32(y));
            assert_eq!(exp32_normal(y).to_bits(), exp32(y).to_bits(), "exp({y:e})");
            assert!(exp32(y).is_normal(), "exp({y:e})");
        }
        assert!(!normal32(f32::from_bits(first + 1)));
    }
}
