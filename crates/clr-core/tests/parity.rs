//! Parity with the references: every fixture case (PyTorch 2.13 and fastai
//! 2.8.12 run for real, the Keras package's formulas transcribed; see
//! `scripts/fixtures/gen_schedules.py`) rebuilt through the public API,
//! every value within 1e-12 relative (`bits.rs` counts those equal to the
//! bit).

mod common;

use clr_core::HyperSchedule;
use common::{build, close, load, Case};

fn check_file(file: &str) {
    let fixture = load(file);
    assert!(!fixture.cases.is_empty(), "{file}: no cases");
    for case in &fixture.cases {
        assert_eq!(case.lr.len(), case.row_steps().len(), "{}", case.name);
        let schedule = build::<f64>(case).unwrap_or_else(|e| panic!("{file} / {}: {e}", case.name));
        check_case(file, case, schedule.as_ref());
    }
}

fn check_case(file: &str, case: &Case, schedule: &dyn HyperSchedule<f64>) {
    let steps = case.row_steps();
    for (&k, &want) in steps.iter().zip(&case.lr) {
        let got = schedule.hypers(k).lr;
        assert!(
            close(got, want),
            "{file} / {}: lr at step {k}: got {got:e}, want {want:e}",
            case.name
        );
    }
    assert_eq!(
        case.momentum.is_some(),
        schedule.has_momentum(),
        "{file} / {}: is momentum scheduled?",
        case.name
    );
    for (&k, &want) in steps.iter().zip(case.momentum.iter().flatten()) {
        let got = schedule.hypers(k).momentum.expect("momentum");
        assert!(
            close(got, want),
            "{file} / {}: momentum at step {k}: got {got:e}, want {want:e}",
            case.name
        );
    }
}

#[test]
fn torch_one_cycle() {
    check_file("torch_one_cycle.json");
}

#[test]
fn torch_cyclic() {
    check_file("torch_cyclic.json");
}

#[test]
fn torch_restarts() {
    check_file("torch_restarts.json");
}

#[test]
fn fastai_one_cycle() {
    check_file("fastai_one_cycle.json");
}

#[test]
fn fastai_epochs() {
    check_file("fastai_epochs.json");
}

#[test]
fn keras_one_cycle() {
    check_file("keras_one_cycle.json");
}

#[test]
fn keras_clr() {
    check_file("keras_clr.json");
}

#[test]
fn range_sweep() {
    check_file("range_sweep.json");
}

/// What PyTorch refused, or failed on part-way.
///
/// - Rows PyTorch produced before failing (a zero-length last phase divides
///   by zero on the step after the run) must match.
/// - A `ValueError` from the constructor must be an `Err` here too, unless
///   the configuration cannot even be written in Rust's types (a negative or
///   fractional count, an unknown mode, a missing length: the type system
///   and the CLI's parser refuse those) or it is one of our documented
///   extensions (a real-valued `T_mult`).
/// - A `ZeroDivisionError` in the constructor is a zero-length phase: we
///   define it (the phase's end value) instead of failing, except a zero-step
///   rise in `CyclicLR`, which we refuse.
#[test]
fn torch_errors() {
    let mut checked = 0;
    for file in [
        "torch_one_cycle.json",
        "torch_cyclic.json",
        "torch_restarts.json",
    ] {
        for e in load(file).errors {
            let name = &e.case.name;
            if !expressible(&e.case) {
                continue;
            }
            let built = build::<f64>(&e.case);
            checked += 1;
            if e.raised_at_step > 0 {
                let s = built.unwrap_or_else(|err| panic!("{name}: {err}"));
                check_case(file, &e.case, s.as_ref());
            } else if e.error.starts_with("ValueError") && !name.contains("t-mult 1.5") {
                assert!(built.is_err(), "{file} / {name}: PyTorch refuses it");
            } else if e.case.kind == "cyclic" {
                let err = built.err().expect("a zero-step rise is refused");
                assert_eq!(err.param(), "step_size_up", "{name}");
            } else if e.error.starts_with("ZeroDivisionError") {
                assert!(built.is_ok(), "{file} / {name}: defined here");
            }
        }
    }
    assert!(checked >= 15, "only {checked} reference errors checked");
}

/// Whether a configuration can be written with the builders' types at all.
fn expressible(case: &Case) -> bool {
    let p = &case.params;
    let counts = ["total-steps", "epochs", "steps-per-epoch", "t0", "steps"];
    let counts_ok = counts
        .iter()
        .all(|k| p.get(*k).is_none_or(|v| v.as_u64().is_some()));
    let words_ok = ["anneal", "mode"].iter().all(|k| {
        p.get(*k).and_then(|v| v.as_str()).is_none_or(|w| {
            ["cos", "linear", "triangular", "triangular2", "exp-range"].contains(&w)
        })
    });
    let length_ok = case.kind != "one-cycle"
        || p.contains_key("total-steps")
        || (p.contains_key("epochs") && p.contains_key("steps-per-epoch"));
    counts_ok && words_ok && length_ok
}
