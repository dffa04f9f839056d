//! A `ClrScheduler` refuses a record of another schedule (another length,
//! another configuration, another factor, another float type, not a clr
//! record at all) with a typed error and keeps its step, through its
//! checked method and through burn's trait method alike; per-group factors
//! through burn's `ModuleLrScheduler`.

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::module::{ParamGroup, ParamId};
use clr_burn::{ClrScheduler, Error, RecordError};
use clr_core::{CyclicLr, Expected, HyperSchedule, OneCycleLr, Value};

type OneCycle = ClrScheduler<OneCycleLr<f64>>;

fn one_cycle(max_lr: f64, total_steps: u64) -> OneCycle {
    ClrScheduler::new(OneCycleLr::builder(max_lr, total_steps).build().unwrap())
}

/// `scheduler` after `k` steps.
fn at<S: LrScheduler>(mut scheduler: S, k: u64) -> S {
    (0..k).for_each(|_| {
        scheduler.step();
    });
    scheduler
}

/// `record` is refused with `expected`, by both load paths, and the
/// scheduler stays at its step 7.
fn refused(record: &LrSchedulerRecord, expected: RecordError) {
    let mut scheduler = at(one_cycle(0.1, 1000), 7);
    let before = scheduler.clone();
    let check = scheduler.check_record(record);
    assert!(
        matches!(check, Err(Error::Record(e)) if e == expected),
        "{check:?}"
    );
    let load = scheduler.try_load_record(record);
    assert!(
        matches!(load, Err(Error::Record(e)) if e == expected),
        "{load:?}"
    );
    LrScheduler::load_record(&mut scheduler, record.clone());
    assert_eq!(scheduler.next_step(), 7);
    assert_eq!(scheduler.step(), at(before, 0).step());
}

#[test]
fn another_length_is_refused() {
    let record = at(one_cycle(0.1, 500), 100).to_record();
    let length = RecordError::Length {
        record: Some(500),
        scheduler: Some(1000),
    };
    refused(&record, length);
    let cyclic = CyclicLr::builder(0.001, 0.1).build().unwrap();
    let unbounded = ClrScheduler::new(cyclic).to_record();
    let length = RecordError::Length {
        record: None,
        scheduler: Some(1000),
    };
    refused(&unbounded, length);
    assert_eq!(
        Error::Record(length).to_string(),
        "the LrSchedulerRecord is from another schedule: its length is unbounded, \
         this ClrScheduler's is 1000 steps"
    );
}

#[test]
fn another_configuration_factor_or_type_is_refused() {
    let fingerprint = |s: &OneCycle| s.to_record().scalar::<u64>("clr.fingerprint").unwrap();
    let ours = fingerprint(&one_cycle(0.1, 1000));
    let others = [
        one_cycle(0.2, 1000).to_record(),
        one_cycle(0.1, 1000).lr_factor(0.5).unwrap().to_record(),
        ClrScheduler::new(OneCycleLr::builder(0.1_f32, 1000).build().unwrap()).to_record(),
    ];
    for record in &others {
        let theirs = record.scalar::<u64>("clr.fingerprint").unwrap();
        assert_ne!(theirs, ours);
        let values = RecordError::Values {
            record: theirs,
            scheduler: ours,
        };
        refused(record, values);
        assert!(Error::Record(values)
            .to_string()
            .contains("its values differ"));
    }
}

#[test]
fn a_record_of_no_clr_scheduler_is_refused() {
    refused(
        &LrSchedulerRecord::new(),
        RecordError::Missing { key: "clr.step" },
    );
    // burn's own cosine scheduler writes its iteration under another key.
    let burn_record = LrSchedulerRecord::new().with_scalar("current_iter", 3_u64);
    refused(&burn_record, RecordError::Missing { key: "clr.step" });
    let no_fingerprint = LrSchedulerRecord::new().with_scalar("clr.step", 3_u64);
    refused(
        &no_fingerprint,
        RecordError::Missing {
            key: "clr.fingerprint",
        },
    );
    // A step of another type is no step.
    let mut wrong = at(one_cycle(0.1, 1000), 5).to_record();
    wrong = wrong.with_scalar("clr.step", 5.0_f64);
    refused(&wrong, RecordError::Missing { key: "clr.step" });
}

#[test]
fn a_factor_must_be_finite_and_non_negative() {
    for factor in [-0.1, f64::NAN, f64::INFINITY] {
        let e = one_cycle(0.1, 100).lr_factor(factor).unwrap_err();
        assert!(
            matches!(e, Error::Core(clr_core::Error::Invalid { param: "lr_factor", value: Value::Float(v), expected: Expected::NonNegative }) if v.to_bits() == factor.to_bits()),
            "{e:?}"
        );
        let groups = [(ParamGroup::from_predicate("head"), factor)];
        assert!(one_cycle(0.1, 100).grouped(groups).is_err());
    }
    let e = one_cycle(0.1, 100).lr_factor(-2.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid lr_factor = -2: expected a finite number >= 0"
    );
}

#[test]
fn groups_take_their_factors_and_resume() {
    let schedule = OneCycleLr::builder(0.1, 200).build().unwrap();
    let make = || {
        let groups = [
            (ParamGroup::from_predicate("body"), 0.1),
            (ParamGroup::from_predicate("head"), 3.0),
        ];
        ClrScheduler::new(schedule).grouped(groups).unwrap()
    };
    let id = ParamId::new();
    let mut scheduler = make();
    for k in 0..60 {
        let lr = scheduler.step();
        let want = schedule.hypers(k).lr;
        assert_eq!(lr.lr_from_param(id, Some("model.other.weight")), want);
        assert_eq!(lr.lr_from_param(id, Some("model.body.weight")), want * 0.1);
        assert_eq!(lr.lr_from_param(id, Some("model.head.bias")), want * 3.0);
    }
    let mut resumed: ModuleLrScheduler = make().load_record(scheduler.to_record());
    for _ in 0..40 {
        let (a, b) = (scheduler.step(), resumed.step());
        for path in ["model.other.weight", "model.body.weight", "model.head.bias"] {
            let (a, b) = (
                a.lr_from_param(id, Some(path)),
                b.lr_from_param(id, Some(path)),
            );
            assert_eq!(a.to_bits(), b.to_bits(), "{path}");
        }
    }
}
