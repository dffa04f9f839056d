//! Parity with the references: every fixture case (PyTorch 2.13 run for real,
//! the seed's and fastai's formulas transcribed; see
//! `scripts/fixtures/gen_schedules.py`) rebuilt through the public API.

mod common;

use clr_core::HyperSchedule;
use common::{build, load, Case, Tolerance};

fn check_file(file: &str) {
    let fixture = load(file);
    assert!(!fixture.cases.is_empty(), "{file}: no cases");
    for case in &fixture.cases {
        let schedule = build::<f64>(case).unwrap_or_else(|e| panic!("{file} / {}: {e}", case.name));
        check_case(file, case, schedule.as_ref());
    }
}

fn check_case(file: &str, case: &Case, schedule: &dyn HyperSchedule<f64>) {
    let tol = Tolerance::for_source(file, case);
    assert_eq!(case.lr.len(), case.steps, "{}", case.name);
    for (k, &want) in case.lr.iter().enumerate() {
        let got = schedule.hypers(k as u64).lr;
        assert!(
            tol.accepts(got, want),
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
    for (k, &want) in case.momentum.iter().flatten().enumerate() {
        let got = schedule.hypers(k as u64).momentum.expect("momentum");
        assert!(
            tol.accepts_momentum(got, want),
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
