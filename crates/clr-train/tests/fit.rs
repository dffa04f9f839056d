//! `Fit` on the toy framework: what the closures get, the history, resumed
//! schedulers, refusals, `f32` schedules, user errors, guards and the log.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use clr_core::{
    Cycle, HyperSchedule, KerasOneCycle, OneCycleLr, PastEnd, Scheduler, SchedulerState,
};
use clr_train::{AdapterError, Batch, EpochEnd, EpochTable, FitStop, Observer};
use common::{loss, Fit, Model, Sgd, ToyError, NO_GRAD};

/// A one-cycle over 4 epochs of 5 batches, as `Fit::new` drives it.
fn four_epochs() -> (KerasOneCycle<f64>, Cycle) {
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    (schedule, cycle)
}

#[test]
fn fit_trains_validates_without_gradients_and_returns_the_history() {
    let mut model = Model { w: 0.0 };
    let mut sgd = Sgd::default();
    let cycle = Cycle::new(10, 5).unwrap();
    let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations())
        .build()
        .unwrap();
    let mut fit = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .label("toy")
        .validation(|model, _epoch| {
            assert!(NO_GRAD.with(|g| g.get()), "validation runs under no_grad");
            Ok(loss(model).value)
        });
    let outcome = fit
        .run(&mut model, &mut sgd, |model, _batch| Ok(loss(model)))
        .unwrap();
    assert_eq!(outcome.stop, FitStop::Finished);
    let history = &outcome.history;
    assert_eq!(history.len(), 10);
    let losses = history.get("loss").unwrap();
    assert!(losses[9] < losses[0]);
    assert_eq!(sgd.steps, 50, "one optimizer step a batch");
    assert!((model.w - 3.0).abs() < 1e-3);
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        ["loss", "val_loss", "lr"]
    );
    assert!(fit.scheduler().records().epochs[0]
        .metrics
        .iter()
        .any(|(n, _)| n == "val_loss"));
    assert_eq!(fit.history(), history);
}

#[test]
fn fit_refuses_factors_that_do_not_fit_the_optimizer() {
    let mut model = Model { w: 0.0 };
    let mut sgd = Sgd::default();
    let (schedule, cycle) = four_epochs();
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .lr_factors(vec![1.0, 0.5])
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .err()
        .unwrap();
    assert!(matches!(e, ToyError::Core(_)), "{e}");
    assert_eq!(sgd.steps, 0);
}

/// A `Fit` given a resumed `Scheduler` goes on from its iteration (issue
/// 22): the batches it trains, their hyper-parameters and the weight at
/// the end are the uninterrupted run's, to the bit, whether it was
/// interrupted midway through an epoch or between two.
#[test]
fn a_resumed_fit_goes_on_from_the_schedulers_iteration() {
    let (schedule, cycle) = four_epochs();
    let run = |model: &mut Model, sgd: &mut Sgd, scheduler, crash_at: Option<u64>| {
        let mut seen: Vec<Batch> = Vec::new();
        let mut fit = Fit::with_scheduler(scheduler).quiet(true);
        let result = fit.run(model, sgd, |model, batch| {
            if Some(batch.iteration) == crash_at {
                return Err("crash".into());
            }
            seen.push(batch);
            Ok(loss(model))
        });
        (result.is_ok(), seen, fit.scheduler().state())
    };
    let fresh = || Scheduler::new(schedule, cycle).unwrap().stop_at_end();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let (ok, whole, _) = run(&mut model, &mut sgd, fresh(), None);
    assert!(ok && whole.len() == 20);
    let end = model.w;

    for crash in [13, 10] {
        // The run breaks down at a batch; the weight, the optimizer and the
        // scheduler's state are saved where it stood.
        let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
        let (ok, head, state) = run(&mut model, &mut sgd, fresh(), Some(crash));
        assert!(!ok);
        assert_eq!(state.iteration, crash);
        // A new process: the same configuration, resumed.
        let (mut model, mut sgd) = (model, sgd.clone());
        let (ok, tail, _) = run(&mut model, &mut sgd, fresh().resume(state), None);
        assert!(ok);
        assert_eq!(head.len() + tail.len(), 20, "crash at {crash}");
        assert_eq!([head, tail].concat(), whole, "crash at {crash}");
        assert_eq!(model.w.to_bits(), end.to_bits(), "crash at {crash}");
    }
}

/// A state whose epoch does not match its iteration (an epoch's end that
/// never ran) is refused before any training, naming it.
#[test]
fn a_resumed_fit_refuses_a_state_whose_epoch_disagrees() {
    let (schedule, cycle) = four_epochs();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let state = SchedulerState {
        iteration: 10,
        epoch: 1,
    };
    let scheduler = Scheduler::new(schedule, cycle).unwrap().resume(state);
    let e = Fit::with_scheduler(scheduler)
        .quiet(true)
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid state.epoch = 1: must equal state.iteration / batches_per_epoch = 2"
    );
    assert_eq!(sgd.steps, 0);
}

/// Training past a schedule that stops at its end (what `Fit::new` sets)
/// or errs there is refused up front, naming `epochs` and the schedule's
/// length (issue 22); a policy that says what happens past the end
/// (hold, restart, continue) trains every epoch asked for.
#[test]
fn epochs_past_the_schedule_need_a_policy_that_says_what_happens() {
    let (schedule, cycle) = four_epochs();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .epochs(10)
        .quiet(true)
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid epochs = 10: must not exceed the cycle's epochs under PastEnd::Stop = 4"
    );
    assert_eq!(sgd.steps, 0, "nothing trained");
    let erring = Scheduler::new(schedule, cycle)
        .unwrap()
        .past_end(PastEnd::Error)
        .unwrap();
    let e = Fit::with_scheduler(erring)
        .epochs(5)
        .quiet(true)
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid epochs = 5: must not exceed the cycle's epochs under PastEnd::Error = 4"
    );
    assert_eq!(sgd.steps, 0, "nothing trained");

    for policy in [PastEnd::Hold, PastEnd::Restart] {
        let scheduler = Scheduler::new(schedule, cycle)
            .unwrap()
            .past_end(policy)
            .unwrap();
        let outcome = Fit::with_scheduler(scheduler)
            .epochs(10)
            .quiet(true)
            .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
            .unwrap();
        assert_eq!(outcome.history.len(), 10, "{policy:?}");
    }
    assert_eq!(sgd.steps, 100);
}

/// An `f32` schedule drives the `f64` optimizers (issue 24: it was refused
/// for want of `HyperSchedule<f64>`): every batch gets the schedule's values
/// widened exactly, and the scheduler records them in `f32`.
#[test]
fn f32_schedules_train_too() {
    let cycle = Cycle::new(3, 4).unwrap();
    let schedule = OneCycleLr::builder(0.1_f32, cycle.iterations())
        .build()
        .unwrap();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let mut seen = Vec::new();
    let mut fit = Fit::new(schedule, cycle).unwrap().quiet(true);
    let outcome = fit
        .run(&mut model, &mut sgd, |m, batch| {
            seen.push(batch.hypers);
            Ok(loss(m))
        })
        .unwrap();
    assert_eq!(outcome.history.len(), 3);
    for (i, h) in seen.iter().enumerate() {
        let want = schedule.hypers(i as u64);
        assert_eq!(h.lr, f64::from(want.lr));
        assert_eq!(h.momentum, want.momentum.map(f64::from));
    }
    let records = &fit.scheduler().records().batches;
    assert_eq!(records[0].lr, schedule.hypers(0).lr);
}

/// The closures may fail with any error (`?` on anything): a foreign error
/// comes back as `AdapterError::User`, the adapter's own error as itself.
#[test]
fn closures_may_return_their_own_errors() {
    let (schedule, cycle) = four_epochs();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .run(
            &mut model,
            &mut sgd,
            |_, _| -> Result<_, clr_train::BoxError> {
                let data = std::fs::read("/no/such/file/of/data")?;
                Ok(common::Loss {
                    value: data.len() as f64,
                    grad: 0.0,
                })
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, ToyError::Adapter(AdapterError::User(inner)) if inner.is::<std::io::Error>()),
        "{e}"
    );
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .validation(|_, _| {
            Err::<f64, _>(
                ToyError::from(AdapterError::NoSuchGroup {
                    group: 3,
                    groups: 1,
                })
                .into(),
            )
        })
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .unwrap_err();
    assert!(
        matches!(
            e,
            ToyError::Adapter(AdapterError::NoSuchGroup { group: 3, .. })
        ),
        "{e}"
    );
}

/// `terminate_on_nan` stops at the first non-finite loss without stepping
/// with it (the weight is the one before) and says so; off, the run goes on
/// through the NaNs, as before.
#[test]
fn terminate_on_nan_stops_at_the_first_non_finite_loss() {
    let (schedule, cycle) = four_epochs();
    let poisoned = |m: &Model, b: Batch| {
        let mut l = loss(m);
        if b.iteration >= 7 {
            l.value = f64::NAN;
        }
        Ok(l)
    };
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let mut fit = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .terminate_on_nan(true);
    let outcome = fit.run(&mut model, &mut sgd, poisoned).unwrap();
    let FitStop::NonFiniteLoss { batch, loss } = outcome.stop else {
        panic!("{:?}", outcome.stop);
    };
    assert_eq!((batch.epoch, batch.index, batch.iteration), (1, 2, 7));
    assert!(loss.is_nan());
    assert_eq!(batch.hypers, schedule.hypers(7));
    assert_eq!(sgd.steps, 7, "the NaN batch is not stepped");
    assert!(model.w.is_finite());
    // The epoch it stopped in is logged, with its NaN.
    assert_eq!(outcome.history.len(), 2);
    assert!(outcome.history.get("loss").unwrap()[1].is_nan());
    assert!(!outcome.stop.is_finished());
    assert!(
        outcome.stop.to_string().contains("iteration 7"),
        "{}",
        outcome.stop
    );

    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let outcome = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .run(&mut model, &mut sgd, poisoned)
        .unwrap();
    assert_eq!(outcome.stop, FitStop::Finished);
    assert_eq!(sgd.steps, 20);
}

/// Weights that turn non-finite under a finite loss stop the run after the
/// step that made them so.
#[test]
fn terminate_on_nan_stops_at_non_finite_weights() {
    let (schedule, cycle) = four_epochs();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let outcome = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .terminate_on_nan(true)
        .run(&mut model, &mut sgd, |m, b| {
            let mut l = loss(m);
            if b.iteration == 3 {
                l.grad = f64::INFINITY;
            }
            Ok(l)
        })
        .unwrap();
    let FitStop::NonFiniteWeights { batch } = outcome.stop else {
        panic!("{:?}", outcome.stop);
    };
    assert_eq!(batch.iteration, 3);
    assert_eq!(sgd.steps, 4);
    assert_eq!(outcome.history.len(), 1);
}

/// What an observer was told of an epoch: its number, what it logged, its
/// last learning rate and the scheduler's state after it.
type Told = (u64, Vec<(String, f64)>, f64, SchedulerState);

/// What an observer was told.
#[derive(Default)]
struct Seen {
    epochs: Vec<Told>,
    end: Option<FitStop>,
}

struct Recorder(Rc<RefCell<Seen>>);

impl Observer for Recorder {
    fn epoch_end(&mut self, end: &EpochEnd<'_>, _elapsed: Duration) {
        let logged = end.logged.iter().map(|&(n, v)| (n.to_owned(), v)).collect();
        self.0
            .borrow_mut()
            .epochs
            .push((end.epoch, logged, end.lr, end.state));
    }
    fn run_end(&mut self, stop: &FitStop) {
        self.0.borrow_mut().end = Some(*stop);
    }
}

/// A user's observer replaces the table and is told every epoch (even
/// when quiet) and the end of the run.
#[test]
fn an_observer_is_told_every_epoch_and_the_end() {
    let (schedule, cycle) = four_epochs();
    let (mut model, mut sgd) = (Model { w: 0.0 }, Sgd::default());
    let seen = Rc::new(RefCell::new(Seen::default()));
    let outcome = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .observer(Recorder(Rc::clone(&seen)))
        .validation(|m, _| Ok(loss(m).value))
        .run(&mut model, &mut sgd, |m, _| Ok(loss(m)))
        .unwrap();
    let seen = seen.borrow();
    assert_eq!(seen.epochs.len(), 4);
    assert_eq!(seen.end, Some(FitStop::Finished));
    for (i, (epoch, logged, lr, state)) in seen.epochs.iter().enumerate() {
        let i = i as u64;
        assert_eq!(*epoch, i);
        let names: Vec<&str> = logged.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["loss", "val_loss", "momentum"]);
        assert_eq!(*lr, schedule.hypers(5 * i + 4).lr);
        assert_eq!(
            *state,
            SchedulerState {
                iteration: 5 * (i + 1),
                epoch: i + 1
            }
        );
        assert_eq!(
            logged[1].1,
            outcome.history.get("val_loss").unwrap()[i as usize]
        );
    }
}

/// The default log: fastai's table, one line per epoch, plain text; a
/// header again when the columns change, and a guard's stop as a line.
#[test]
fn the_epoch_table_prints_a_line_per_epoch() {
    let mut table = EpochTable::new(Vec::new());
    let state = SchedulerState::default();
    let first = [("loss", 0.5), ("momentum", 0.95)];
    table.epoch_end(
        &EpochEnd {
            epoch: 0,
            logged: &first,
            lr: 2e-3,
            state,
        },
        Duration::from_millis(1500),
    );
    table.epoch_end(
        &EpochEnd {
            epoch: 1,
            logged: &first,
            lr: 1e-2,
            state,
        },
        Duration::from_secs(61),
    );
    let second = [("loss", 0.25), ("val_loss", f64::NAN)];
    table.epoch_end(
        &EpochEnd {
            epoch: 2,
            logged: &second,
            lr: 0.0,
            state,
        },
        Duration::from_secs(3600),
    );
    let batch = Batch {
        epoch: 2,
        index: 1,
        iteration: 11,
        hypers: clr_core::Hypers {
            lr: 0.5,
            momentum: None,
            weight_decay: None,
        },
    };
    table.run_end(&FitStop::NonFiniteLoss {
        batch,
        loss: f64::INFINITY,
    });
    table.run_end(&FitStop::Finished);
    let text = String::from_utf8(table.into_inner()).unwrap();
    assert_eq!(
        text,
        "epoch  loss        momentum    lr          time\n\
         0      0.500000    0.950000    2.0000e-3   00:01\n\
         1      0.500000    0.950000    0.010000    01:01\n\
         epoch  loss        val_loss    lr          time\n\
         2      0.250000    NaN         0.000000    60:00\n\
         stopped: loss inf at epoch 2 batch 1 (iteration 11, lr 5e-1)\n"
    );
}
