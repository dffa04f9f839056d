//! How many values equal their reference's to the last bit, per fixture
//! file: 100% of PyTorch's (OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts)
//! and of fastai's with the `std` feature on Linux, where both call the same
//! C math library (glibc); `parity.rs` holds every value within 1e-12
//! elsewhere. Prints every figure, the `libm` one (without `std`:
//! `cargo test -p clr-core --no-default-features --test bits -- --nocapture`)
//! and the Keras package's (numpy) included. (The range test's sweep keeps
//! its rates within their range where numpy's `10**log10(x)` rounds a hair
//! past it: its equal-bounds case is the one difference.)

mod common;

use clr_core::HyperSchedule;
use common::{build, load, Case};

/// `(bit-identical values, values)` of one case's rows.
fn count(case: &Case, schedule: &dyn HyperSchedule<f64>) -> (usize, usize) {
    let (mut same, mut all) = (0, 0);
    let steps = case.row_steps();
    for (&k, &want) in steps.iter().zip(&case.lr) {
        same += usize::from(schedule.hypers(k).lr.to_bits() == want.to_bits());
        all += 1;
    }
    for (&k, &want) in steps.iter().zip(case.momentum.iter().flatten()) {
        let got = schedule.hypers(k).momentum.expect("momentum");
        same += usize::from(got.to_bits() == want.to_bits());
        all += 1;
    }
    (same, all)
}

/// `(bit-identical values, values)` over a fixture file, its cases and the
/// rows its reference gave before raising.
fn file(name: &str) -> (usize, usize) {
    let fixture = load(name);
    let partial = fixture.errors.into_iter().filter(|e| e.raised_at_step > 0);
    let cases = fixture.cases.into_iter().chain(partial.map(|e| e.case));
    cases.fold((0, 0), |(same, all), case| {
        let schedule = build::<f64>(&case).expect("a fixture case builds");
        let (s, a) = count(&case, schedule.as_ref());
        (same + s, all + a)
    })
}

fn report(name: &str) -> (usize, usize) {
    let (same, all) = file(name);
    let math = if cfg!(feature = "std") { "std" } else { "libm" };
    println!(
        "{name} ({math}): {same} of {all} values bit-identical ({:.2}%)",
        100.0 * same as f64 / all as f64
    );
    (same, all)
}

/// Where the references' own C math library is ours.
const SAME_LIBRARY: bool = cfg!(all(feature = "std", target_os = "linux"));

#[test]
fn pytorch_to_the_bit() {
    for name in [
        "torch_one_cycle.json",
        "torch_cyclic.json",
        "torch_restarts.json",
    ] {
        let (same, all) = report(name);
        assert!(all > 0);
        if SAME_LIBRARY {
            assert_eq!(same, all, "{name}");
        }
    }
}

#[test]
fn fastai_to_the_bit() {
    for name in ["fastai_one_cycle.json", "fastai_epochs.json"] {
        let (same, all) = report(name);
        if SAME_LIBRARY {
            assert_eq!(same, all, "{name}");
        }
    }
}

#[test]
fn keras_and_sweep_figures() {
    for name in ["keras_one_cycle.json", "keras_clr.json", "range_sweep.json"] {
        let (_, all) = report(name);
        assert!(all > 0);
    }
}
