use super::*;

// ---------------------------------------------------------------------------
// The checkers themselves: they report the failing step and never panic.
// ---------------------------------------------------------------------------

#[test]
pub(crate) fn checkers_report_the_failing_step() {
    let sweep = LrSweep::new((1.0_f64, 100.0), 3, SweepMode::Linear).unwrap();
    // 1, 50.5, 100
    assert_eq!(check_bounded(&sweep, 1.0, 100.0, 0..10), Ok(()));
    let err = check_bounded(&sweep, 1.0, 50.0, 0..3).unwrap_err();
    assert_eq!(err.step(), 1);
    assert!(matches!(err, Violation::OutOfBounds { value, .. } if value == 50.5));
    assert!(err.to_string().contains("step 1"), "{err}");

    let err = check_continuous_within(&sweep, 0..3, 49.0).unwrap_err();
    assert!(matches!(err, Violation::Jump { step: 0, .. }), "{err:?}");
    assert_eq!(check_continuous_within(&sweep, 0..3, 49.5), Ok(()));
    assert_eq!(check_continuous_within(&sweep, 5..5, 0.0), Ok(()));

    let err = check_periodic(&sweep, 1, 0..2).unwrap_err();
    assert!(
        matches!(
            err,
            Violation::NotPeriodic {
                step: 0,
                period: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // Past the end a finite schedule holds its last value: periodic with any period.
    assert_eq!(check_periodic(&sweep, 1, 2..100), Ok(()));
    // Steps whose later step would overflow are skipped.
    assert_eq!(check_periodic(&sweep, 5, [u64::MAX - 1, u64::MAX]), Ok(()));

    let zero = Scaled::new(sweep, 0.0).unwrap();
    assert_eq!(check_bounded(&zero, 0.0, 0.0, 0..3), Ok(()));
    // NaN bounds accept nothing.
    assert!(check_bounded(&zero, f64::NAN, 1.0, [0]).is_err());
    // 1e100 scaled three times by 1e100 overflows to infinity.
    let big = Scaled::new(Constant::new(1e100).unwrap(), 1e100).unwrap();
    let inf = Scaled::new(Scaled::new(big, 1e100).unwrap(), 1e100).unwrap();
    let err = check_bounded(&inf, 0.0, 1.0, [7]).unwrap_err();
    assert!(
        matches!(err, Violation::NotFinite { step: 7, .. }),
        "{err:?}"
    );
    assert!(check_periodic(&inf, 1, [0]).is_err());
    assert!(check_continuous_within(&inf, 0..2, f64::INFINITY).is_err());
}

/// The peak of restart `i`: the height above `eta_min` decays by `peak_decay`.
pub(crate) fn peak_of(b: &clr_core::CosineRestartsBuilder<f64>, i: f64) -> f64 {
    if b.peak_decay == 1.0 {
        b.lr
    } else {
        b.eta_min + (b.lr - b.eta_min) * libm::pow(b.peak_decay, i)
    }
}
