//! Learning-rate suggestions on hand-made curves: edge cases (empty,
//! NaN, ties, the references' window rules) and a property test that no
//! input makes them panic. Parity with the references is in `suggest.rs`.

use clr_core::suggest::{self, fastai, torch_lr_finder, Suggestions};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------

fn lrs(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 1e-7 * 10f64.powf(8.0 * i as f64 / 100.0))
        .collect()
}

fn all_raw(lrs: &[f64], losses: &[f64]) -> [Option<f64>; 5] {
    let mut scratch = vec![0; lrs.len().max(losses.len())];
    [
        suggest::valley(lrs, losses, &mut scratch),
        suggest::slide(lrs, losses),
        suggest::minimum(lrs, losses),
        suggest::steep(lrs, losses),
        suggest::gradient(lrs, losses),
    ]
}

fn all_pipelines(lrs: &[f64], losses: &[f64], num_it: usize) -> [Option<f64>; 5] {
    let mut scratch = vec![0; lrs.len().max(losses.len())];
    let s = Suggestions::compute(lrs, losses, num_it, &mut scratch);
    [s.valley, s.slide, s.minimum, s.steep, s.gradient]
}

#[test]
fn empty_curves_give_none() {
    assert_eq!(all_raw(&[], &[]), [None; 5]);
    assert_eq!(all_pipelines(&[], &[], 100), [None; 5]);
    assert_eq!(all_pipelines(&[], &[], 0), [None; 5]);
    assert_eq!(
        Suggestions::<f64>::default(),
        Suggestions::compute(&[], &[], 100, &mut [])
    );
}

#[test]
fn one_point() {
    let (l, x) = ([0.1], [2.0]);
    // valley and minimum work on one point, the others need two.
    assert_eq!(
        all_raw(&l, &x),
        [Some(0.1), None, Some(0.1 / 10.0), None, None]
    );
    // the pipelines trim it away
    assert_eq!(all_pipelines(&l, &x, 100), [None; 5]);
    assert_eq!(all_pipelines(&l, &x, 0), [None; 5]);
}

#[test]
fn two_points() {
    let (l, x) = ([0.1, 1.0], [2.0, 1.0]);
    // valley: a 2-point valley from the first point: index -1, the last lr.
    assert_eq!(
        all_raw(&l, &x),
        [Some(1.0), None, Some(1.0 / 10.0), Some(0.1), Some(0.1)]
    );
}

#[test]
fn valley_python_negative_index() {
    // fastai: max_start = -1, max_end = 1 -> idx = -1 -> lrs[-1]
    let l = [1.0, 2.0, 3.0, 4.0, 5.0];
    let mut s = [0; 5];
    assert_eq!(
        suggest::valley(&l, &[2.0, 1.0, 3.0, 4.0, 5.0], &mut s),
        Some(5.0)
    );
    // increasing: no valley, the first point
    assert_eq!(
        suggest::valley(&l, &[1.0, 2.0, 3.0, 4.0, 5.0], &mut s),
        Some(1.0)
    );
    // decreasing over 5 points: max_start=-1, max_end=4, s=5/3 -> idx -1+1+0 = 0
    assert_eq!(
        suggest::valley(&l, &[5.0, 4.0, 3.0, 2.0, 1.0], &mut s),
        Some(1.0)
    );
}

#[test]
fn valley_scratch_too_short() {
    let l = lrs(10);
    let x: Vec<f64> = (0..10).map(|i| 10.0 - i as f64).collect();
    assert_eq!(suggest::valley(&l, &x, &mut [0; 9]), None);
    assert!(suggest::valley(&l, &x, &mut [0; 10]).is_some());
    assert!(suggest::valley(&l, &x, &mut [7; 64]).is_some());
    assert_eq!(
        suggest::valley(&l, &x, &mut [0; 10]),
        suggest::valley(&l, &x, &mut [99; 64])
    );
}

#[test]
fn all_nan_losses() {
    let l = lrs(100);
    let x = vec![f64::NAN; 100];
    // fastai cuts at the first NaN: nothing left.
    let p = all_pipelines(&l, &x, 100);
    assert_eq!(&p[..4], &[None; 4]);
    // torch-lr-finder has no NaN handling: np.argmin returns the first NaN.
    assert_eq!(p[4], Some(l[10]));
    // raw methods: NaN comparisons are false, argmins pick the first NaN.
    let r = all_raw(&l, &x);
    assert_eq!(r[0], Some(l[0]));
    assert_eq!(r[1], Some(l[100 - 16])); // no slide step: lrs[-16]
    assert_eq!(r[2], Some(l[0] / 10.0));
    assert_eq!(r[3], Some(l[0]));
    assert_eq!(r[4], Some(l[0]));
}

#[test]
fn nan_at_start() {
    let l = lrs(100);
    let mut x: Vec<f64> = (0..100)
        .map(|i| ((i as f64) - 60.0).powi(2) / 100.0 + 1.0)
        .collect();
    // A NaN among the first num_it/10 points is sliced away before the NaN cut.
    x[0] = f64::NAN;
    x[3] = f64::NAN;
    let clean = {
        let mut c = x.clone();
        c[0] = 5.0;
        c[3] = 5.0;
        c
    };
    assert_eq!(all_pipelines(&l, &x, 100), all_pipelines(&l, &clean, 100));
    assert!(all_pipelines(&l, &x, 100).iter().all(Option::is_some));
    // ... unless num_it says fewer points are skipped.
    assert_eq!(&all_pipelines(&l, &x, 0)[..4], &[None; 4]);
    // Raw minimum/steep/gradient pick the NaN.
    let r = all_raw(&l, &x);
    assert_eq!(r[2], Some(l[0] / 10.0));
    assert_eq!(r[3], Some(l[0]));
    assert_eq!(r[4], Some(l[0]));
}

#[test]
fn nan_cut_keeps_infinity() {
    let l = lrs(100);
    let mut x: Vec<f64> = (0..100).map(|i| 3.0 - i as f64 * 0.01).collect();
    x[50] = f64::INFINITY;
    assert_eq!(fastai::window(&l, &x, 100), 10..95);
    x[60] = f64::NAN;
    assert_eq!(fastai::window(&l, &x, 100), 10..60);
    // NaN in the dropped tail: no cut.
    let mut y: Vec<f64> = (0..100).map(|i| 3.0 - i as f64 * 0.01).collect();
    y[97] = f64::NAN;
    assert_eq!(fastai::window(&l, &y, 100), 10..95);
    // num_it counts the iterations asked for, not those recorded.
    assert_eq!(fastai::window(&l[..50], &y[..50], 200), 20..45);
    assert_eq!(fastai::window(&l[..20], &y[..20], 200), 15..15);
    assert_eq!(fastai::window(&l[..3], &y[..3], 100), 0..0);
}

#[test]
fn torch_lr_finder_window() {
    assert_eq!(torch_lr_finder::window(100, 10, 5), 10..95);
    assert_eq!(torch_lr_finder::window(100, 10, 0), 10..100);
    assert_eq!(torch_lr_finder::window(12, 10, 5), 7..7);
    assert_eq!(torch_lr_finder::window(3, 0, 5), 0..0);
    assert_eq!(torch_lr_finder::window(3, 10, 0), 3..3);
    let l = lrs(20);
    let x: Vec<f64> = (0..20).map(|i| (i as f64 - 8.0).powi(2)).collect();
    // [10:-5] has 5 points: np.gradient works
    assert!(torch_lr_finder::gradient(&l, &x).is_some());
    // [10:-9] has 1 point: ValueError -> None
    assert_eq!(torch_lr_finder::gradient_with(&l, &x, 10, 9), None);
    assert_eq!(
        torch_lr_finder::gradient_with(&l, &x, 0, 0),
        suggest::gradient(&l, &x)
    );
}

#[test]
fn constant_losses() {
    let l = lrs(100);
    let x = vec![1.25; 100];
    // valley: no decrease, first point; slide: zero gradient differences,
    // lrs[-16]; minimum, steep, gradient: first of the ties.
    assert_eq!(
        all_raw(&l, &x),
        [
            Some(l[0]),
            Some(l[84]),
            Some(l[0] / 10.0),
            Some(l[0]),
            Some(l[0])
        ]
    );
    let f = |v: f64| f64::from(v as f32);
    assert_eq!(
        all_pipelines(&l, &x, 100),
        [
            Some(f(l[10])),
            Some(f(l[79])),
            Some(f(l[10]) / 10.0),
            Some(f(l[10])),
            Some(l[10])
        ]
    );
}

#[test]
fn mismatched_lengths_use_the_shorter() {
    let l = lrs(100);
    let x: Vec<f64> = (0..100)
        .map(|i| ((i as f64) - 60.0).powi(2) / 100.0 + 1.0)
        .collect();
    assert_eq!(all_raw(&l, &x[..70]), all_raw(&l[..70], &x[..70]));
    assert_eq!(all_raw(&l[..70], &x), all_raw(&l[..70], &x[..70]));
    assert_eq!(
        all_pipelines(&l, &x[..70], 100),
        all_pipelines(&l[..70], &x[..70], 100)
    );
    assert_eq!(
        all_pipelines(&l[..70], &x, 100),
        all_pipelines(&l[..70], &x[..70], 100)
    );
}

#[test]
fn zero_and_negative_lrs() {
    let l = [0.0, -1.0, 1e-3, 1e-3, 1e-2, -0.0, 1.0];
    let x = [3.0, 2.0, 1.5, 1.0, 0.5, 0.7, 2.0];
    // steep: ln(0) = -inf, ln(-1) = NaN: slopes are NaN or 0 or +-inf, no panic.
    let r = all_raw(&l, &x);
    assert_eq!(r[3], Some(0.0)); // (2-3)/(NaN - -inf) = NaN, the first NaN
                                 // repeated lr: (1.0-1.5)/0 = -inf is the steepest
    let l2 = [1e-3, 1e-3, 1e-2];
    assert_eq!(suggest::steep(&l2, &[1.5, 1.0, 0.9]), Some(1e-3));
    assert_eq!(
        suggest::steep(&[1e-4, 1e-3, 1e-3], &[1.5, 1.4, 1.0]),
        Some(1e-3)
    );
}

#[test]
fn slide_parameters() {
    let l = lrs(30);
    let x: Vec<f64> = (0..30).map(|i| (i as f64 - 12.0).powi(2)).collect();
    // lr_diff >= len: fastai's lrs[-1 - lr_diff] raises
    assert_eq!(suggest::slide_with(&l, &x, 30, 0.005, 1.0), None);
    assert!(suggest::slide_with(&l, &x, 29, 0.005, 1.0).is_some());
    // a negative threshold slides all the way to the first point
    assert_eq!(suggest::slide_with(&l, &x, 5, -1.0, 1.0), Some(l[0]));
    // a NaN threshold never slides: lrs[-1 - lr_diff]
    assert_eq!(suggest::slide_with(&l, &x, 5, f64::NAN, 1.0), Some(l[24]));
    // lr_diff = 0 compares a gradient with itself
    assert_eq!(
        suggest::slide_with(&l, &x, 0, 0.005, 2.0),
        Some(l[29] * 2.0)
    );
    // adjust_value multiplies in f64 after rounding the lr to f32 (fastai)
    let want = suggest::slide_with(&l[..25], &x[..25], 15, 0.005, 1.0).unwrap();
    let got = fastai::slide_with(&l, &x, 0, 15, 0.005, 3.0).unwrap();
    assert_eq!(want, l[0]);
    assert_eq!(got, f64::from(want as f32) * 3.0);
    // slide's gradients are per point: the bowl's gradient 2(i-12) differs by
    // 2*lr_diff everywhere: it slides to the first point.
    assert_eq!(suggest::slide(&l, &x), Some(l[0]));
}

/// numpy >= 2 compares float32 with a Python float in float32 (NEP 50).
#[test]
fn slide_threshold_is_compared_in_f32() {
    let l = lrs(40);
    let d = f64::from(0.005_f32); // 0.004999999888...
                                  // gradients (per point): grad[17] = 0, grad[18] = d, grad[19] = 1, and 0
                                  // on the right end of the window 0..35.
    let mut x = vec![0.0; 40];
    x[19] = 2.0 * d;
    x[20..].fill(2.0);
    // A threshold just below d that rounds to d in f32.
    let thresh = d - 1e-12;
    assert_eq!(thresh as f32, 0.005_f32);
    assert_eq!(fastai::window(&l, &x, 0), 0..35);
    // r=34, l=19: |0 - 1| > thresh, slide; r=33, l=18: |0 - d| > thresh is
    // true in f64 but false in f32 (numpy 2), so fastai stops at lrs[19].
    let got = fastai::slide_with(&l, &x, 0, 15, thresh, 1.0);
    assert_eq!(got, Some(f64::from(l[19] as f32)));
    // The raw f64 method compares in f64 and slides one more point.
    assert_eq!(
        suggest::slide_with(&l[..35], &x[..35], 15, thresh, 1.0),
        Some(l[18])
    );
    // The raw f32 method agrees with fastai.
    let l32: Vec<f32> = l[..35].iter().map(|&v| v as f32).collect();
    let x32: Vec<f32> = x[..35].iter().map(|&v| v as f32).collect();
    assert_eq!(
        suggest::slide_with(&l32, &x32, 15, thresh as f32, 1.0),
        Some(l32[19])
    );
}

#[test]
fn minimum_ties_and_infinities() {
    let l = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(suggest::minimum(&l, &[2.0, 1.0, 1.0, 3.0]), Some(0.2));
    assert_eq!(
        suggest::minimum(&l, &[2.0, f64::NEG_INFINITY, f64::NEG_INFINITY, 3.0]),
        Some(0.2)
    );
    assert_eq!(suggest::minimum(&l, &[2.0, 1.0, f64::NAN, 0.0]), Some(0.3));
}

#[test]
fn f32_values_tie_in_fastai() {
    // 1.8 + 1e-9 and 1.8 are different f64 but the same f32: fastai's
    // minimum takes the first of the tie, the raw f64 minimum the second.
    let l = lrs(40);
    let mut x: Vec<f64> = (0..40)
        .map(|i| if i < 20 { 3.0 - 0.01 * i as f64 } else { 2.5 })
        .collect();
    x[20] = 1.8 + 1e-9;
    x[21] = 1.8;
    assert_eq!(suggest::minimum(&l, &x), Some(l[21] / 10.0));
    assert_eq!(
        fastai::minimum(&l, &x, 0),
        Some(f64::from(l[20] as f32) / 10.0)
    );
}

// ---------------------------------------------------------------------------
// Property test: no input panics; answers are input learning rates
// ---------------------------------------------------------------------------

fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -1e3..1e3_f64,
        2 => 1e-8..10.0_f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(f64::MAX),
        1 => Just(1.0),
        1 => any::<f64>(),
    ]
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) || a == b
}

fn is_one_of(got: Option<f64>, candidates: impl IntoIterator<Item = f64>) -> bool {
    match got {
        None => true,
        Some(g) => candidates.into_iter().any(|c| same(g, c)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_and_returns_input_lrs(
        lrs in prop::collection::vec(wild_f64(), 0..48),
        losses in prop::collection::vec(wild_f64(), 0..48),
        num_it in 0usize..120,
        lr_diff in 0usize..50,
        thresh in wild_f64(),
        skip in (0usize..20, 0usize..20),
    ) {
        let n = lrs.len().min(losses.len());
        let used = &lrs[..n];
        let mut scratch = vec![0; n];

        let raw = all_raw(&lrs, &losses);
        prop_assert!(is_one_of(raw[0], used.iter().copied()));
        prop_assert!(is_one_of(raw[1], used.iter().copied()));
        prop_assert!(is_one_of(raw[2], used.iter().map(|&l| l / 10.0)));
        prop_assert!(is_one_of(raw[3], used.iter().copied()));
        prop_assert!(is_one_of(raw[4], used.iter().copied()));
        prop_assert_eq!(raw[0].is_some(), n > 0);
        prop_assert_eq!(raw[2].is_some(), n > 0);
        prop_assert_eq!(raw[3].is_some(), n > 1);
        prop_assert_eq!(raw[4].is_some(), n > 1);
        prop_assert_eq!(raw[1].is_some(), n > suggest::SLIDE_LR_DIFF);

        let s = suggest::slide_with(&lrs, &losses, lr_diff, thresh, 1.0);
        prop_assert!(is_one_of(s, used.iter().copied()));
        prop_assert_eq!(s.is_some(), n >= 2 && lr_diff < n);

        // fastai: f32-rounded input learning rates, from its window
        let w = fastai::window(&lrs, &losses, num_it);
        prop_assert!(w.end <= n && w.start <= w.end);
        prop_assert!(losses[w.clone()].iter().all(|l| !l.is_nan()));
        let win = &lrs[w.clone()];
        let r32 = |l: f64| f64::from(l as f32);
        let p = [
            fastai::valley(&lrs, &losses, num_it, &mut scratch),
            fastai::slide(&lrs, &losses, num_it),
            fastai::minimum(&lrs, &losses, num_it),
            fastai::steep(&lrs, &losses, num_it),
        ];
        prop_assert!(is_one_of(p[0], win.iter().map(|&l| r32(l))));
        prop_assert!(is_one_of(p[1], win.iter().map(|&l| r32(l))));
        prop_assert!(is_one_of(p[2], win.iter().map(|&l| r32(l) / 10.0)));
        prop_assert!(is_one_of(p[3], win.iter().map(|&l| r32(l))));
        let fs = fastai::slide_with(&lrs, &losses, num_it, lr_diff, thresh, 1.0);
        prop_assert!(is_one_of(fs, win.iter().map(|&l| r32(l))));

        // torch-lr-finder: an input learning rate of its window
        let tw = torch_lr_finder::window(n, skip.0, skip.1);
        let g = torch_lr_finder::gradient_with(&lrs, &losses, skip.0, skip.1);
        prop_assert!(is_one_of(g, lrs[tw.clone()].iter().copied()));
        prop_assert_eq!(g.is_some(), tw.len() >= 2);

        // the summary agrees with the parts
        let sum = Suggestions::compute(&lrs, &losses, num_it, &mut scratch);
        prop_assert_eq!(sum.valley.map(f64::to_bits), p[0].map(f64::to_bits));
        prop_assert_eq!(sum.minimum.map(f64::to_bits), p[2].map(f64::to_bits));
        prop_assert_eq!(
            sum.gradient.map(f64::to_bits),
            torch_lr_finder::gradient(&lrs, &losses).map(f64::to_bits)
        );

        // f32 curves and too-short scratch: no panic either
        let l32: Vec<f32> = lrs.iter().map(|&x| x as f32).collect();
        let x32: Vec<f32> = losses.iter().map(|&x| x as f32).collect();
        let _ = Suggestions::compute(&l32, &x32, num_it, &mut []);
        let _ = suggest::valley(&l32, &x32, &mut [0; 3]);
        let _ = suggest::slide_with(&l32, &x32, lr_diff, thresh as f32, f32::NAN);
        let _ = suggest::steep(&l32, &x32);
    }
}
