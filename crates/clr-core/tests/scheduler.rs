//! The training-loop state machine.
#![cfg(feature = "alloc")]

use clr_core::{
    Bundle, Control, CosineRestarts, Cycle, CyclicLr, Error, HyperSchedule, KerasClr,
    KerasOneCycle, OneCycleLr, PastEnd, Scheduler,
};

fn one_cycle(cycle: Cycle) -> KerasOneCycle<f64> {
    KerasOneCycle::builder((0.002, 0.01), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap()
}

/// Runs `epochs` epochs, reporting loss = iteration; returns the lrs used.
fn run<N: HyperSchedule<f64>>(
    s: &mut Scheduler<KerasOneCycle<f64>, N, f64>,
    epochs: u64,
) -> Vec<f64> {
    let mut lrs = vec![];
    'outer: for _ in 0..epochs {
        for _ in 0..s.cycle().batches_per_epoch() {
            let h = s.batch_begin().unwrap();
            lrs.push(h.lr);
            let loss = s.state().iteration as f64;
            if s.batch_end_with(loss, &[("acc", 0.5)]) == Control::Stop {
                break 'outer;
            }
        }
        s.epoch_end(&[("val_loss", 1.0)]);
    }
    lrs
}

#[test]
fn batches_get_the_schedules_values() {
    let cycle = Cycle::from_samples(4, 801, 16).unwrap();
    assert_eq!(cycle.batches_per_epoch(), 51);
    assert_eq!(cycle.iterations(), 204);
    let schedule = one_cycle(cycle);
    let mut s = Scheduler::new(schedule, cycle).unwrap();
    for k in 0..cycle.iterations() {
        assert_eq!(s.batch_begin().unwrap(), schedule.hypers(k));
        assert_eq!(s.batch_end(0.0), Control::Continue);
    }
}

#[test]
fn records_every_kth_batch_and_every_epoch() {
    let cycle = Cycle::new(3, 7).unwrap();
    let mut s = Scheduler::new(one_cycle(cycle), cycle)
        .unwrap()
        .record_every(4)
        .unwrap();
    run(&mut s, 3);
    let r = s.records();
    let iters: Vec<u64> = r.batches.iter().map(|b| b.iteration).collect();
    assert_eq!(iters, [0, 4, 8, 12, 16, 20]);
    for b in &r.batches {
        assert_eq!(b.lr, one_cycle(cycle).hypers(b.iteration).lr);
        assert_eq!(b.loss, b.iteration as f64);
        assert_eq!(b.metrics, [("acc".to_string(), 0.5)]);
        assert!(b.momentum.is_some());
    }
    assert_eq!(r.epochs.len(), 3);
    assert_eq!(r.epochs[1].epoch, 1);
    // The epoch's lr is that of its last batch (iteration 13).
    assert_eq!(r.epochs[1].lr, one_cycle(cycle).hypers(13).lr);
    assert_eq!(r.epochs[2].metrics, [("val_loss".to_string(), 1.0)]);
    assert!(Scheduler::new(one_cycle(cycle), cycle)
        .unwrap()
        .record_every(0)
        .is_err());
}

#[test]
fn default_record_frequency_is_the_keras_packages() {
    let cycle = Cycle::new(1, 25).unwrap();
    let mut s = Scheduler::new(one_cycle(cycle), cycle).unwrap();
    run(&mut s, 1);
    let iters: Vec<u64> = s.records().batches.iter().map(|b| b.iteration).collect();
    assert_eq!(iters, [0, 10, 20]);
}

#[test]
fn stop_at_the_end_of_the_cycle() {
    let cycle = Cycle::new(2, 5).unwrap();
    let mut s = Scheduler::new(one_cycle(cycle), cycle)
        .unwrap()
        .stop_at_end();
    let lrs = run(&mut s, 100);
    assert_eq!(lrs.len(), 10);
    assert_eq!(s.state().iteration, 10);
}

#[test]
fn past_end_policies() {
    let cycle = Cycle::new(1, 10).unwrap();
    let sched = one_cycle(cycle);
    let last = sched.hypers(9);

    let hold = Scheduler::new(sched, cycle).unwrap();
    assert_eq!(hold.hypers_at(10).unwrap(), last);
    assert_eq!(hold.hypers_at(u64::MAX).unwrap(), last);
    let mut hold = hold;
    assert_eq!(run(&mut hold, 3).len(), 30, "hold never stops");

    let error = Scheduler::new(sched, cycle)
        .unwrap()
        .past_end(PastEnd::Error)
        .unwrap();
    assert_eq!(error.hypers_at(9).unwrap(), last);
    assert_eq!(
        error.hypers_at(10),
        Err(Error::PastEnd {
            step: 10,
            total_steps: 10
        })
    );

    let restart = Scheduler::new(sched, cycle)
        .unwrap()
        .past_end(PastEnd::Restart)
        .unwrap();
    assert_eq!(restart.hypers_at(10).unwrap(), sched.hypers(0));
    assert_eq!(restart.hypers_at(23).unwrap(), sched.hypers(3));

    let tail = OneCycleLr::builder(0.001, 50).build().unwrap();
    let cont = Scheduler::new(sched, cycle).unwrap().then(tail);
    assert_eq!(cont.hypers_at(9).unwrap(), last);
    assert_eq!(cont.hypers_at(10).unwrap(), tail.hypers(0));
    assert_eq!(cont.hypers_at(59).unwrap(), tail.hypers(49));

    let no_next = Scheduler::new(sched, cycle)
        .unwrap()
        .past_end(PastEnd::Continue);
    assert!(no_next.is_err());
}

#[test]
fn unbounded_schedules_end_with_the_cycle() {
    let cycle = Cycle::new(2, 10).unwrap();
    let cyclic = CyclicLr::builder(0.001, 0.01)
        .step_size_up(3)
        .build()
        .unwrap();
    let s = Scheduler::new(cyclic, cycle).unwrap();
    assert_eq!(s.hypers_at(25).unwrap(), cyclic.hypers(19));
    let restarts = Bundle::lr_only(CosineRestarts::builder(0.1, 5).build().unwrap());
    assert!(Scheduler::new(restarts, cycle).is_ok());
}

#[test]
fn a_finite_schedule_must_fill_the_cycle() {
    let cycle = Cycle::new(2, 10).unwrap();
    let wrong = KerasClr::builder(3, (0.001, 0.01), 30)
        .build_keras()
        .unwrap();
    let e = Scheduler::new(wrong, cycle).unwrap_err();
    assert_eq!(e.param(), "total_steps");
    assert!(Cycle::new(0, 3).is_err() && Cycle::new(u64::MAX, 3).is_err());
    assert!(Cycle::from_samples(1, 10, 0).is_err());
}

/// The rule is equality, shorter or longer (issue 22): the message says so
/// and names both lengths.
#[test]
fn a_schedule_of_another_length_says_they_must_be_equal() {
    let cycle = Cycle::new(5, 100).unwrap();
    for (steps, message) in [
        (
            250,
            "invalid total_steps = 250: must equal epochs x batches_per_epoch = 500",
        ),
        (
            600,
            "invalid total_steps = 600: must equal epochs x batches_per_epoch = 500",
        ),
    ] {
        let schedule = OneCycleLr::builder(0.1, steps).build().unwrap();
        let e = Scheduler::new(schedule, cycle).unwrap_err();
        assert_eq!(e.to_string(), message);
        assert_eq!(e.param(), "total_steps");
    }
}

#[test]
fn resume_mid_cycle_is_bit_identical() {
    let cycle = Cycle::new(5, 13).unwrap();
    let mut whole = Scheduler::new(one_cycle(cycle), cycle).unwrap();
    let all = run(&mut whole, 5);

    let mut first = Scheduler::new(one_cycle(cycle), cycle).unwrap();
    let mut head = vec![];
    for _ in 0..29 {
        head.push(first.batch_begin().unwrap().lr);
        first.batch_end(0.0);
    }
    let saved = first.state();
    // A fresh process: a new scheduler from the same configuration and the state.
    let mut second = Scheduler::new(one_cycle(cycle), cycle)
        .unwrap()
        .resume(saved);
    let mut tail = vec![];
    while second.state().iteration < cycle.iterations() {
        tail.push(second.batch_begin().unwrap().lr);
        second.batch_end(0.0);
    }
    head.extend(tail);
    assert_eq!(head.len(), all.len());
    for (a, b) in head.iter().zip(&all) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
}

#[test]
fn train_begin_resets_as_the_keras_package_meant() {
    let cycle = Cycle::new(1, 10).unwrap();
    let mut s = Scheduler::new(one_cycle(cycle), cycle).unwrap();
    run(&mut s, 1);
    assert_eq!(s.state().iteration, 10);
    s.train_begin();
    assert_eq!(s.state().iteration, 0);
    assert!(s.records().batches.is_empty());
    assert_eq!(s.batch_begin().unwrap(), one_cycle(cycle).hypers(0));
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_mid_cycle() {
    let cycle = Cycle::new(3, 11).unwrap();
    let mut s = Scheduler::new(one_cycle(cycle), cycle)
        .unwrap()
        .record_every(3)
        .unwrap();
    for _ in 0..17 {
        s.batch_begin().unwrap();
        s.batch_end(1.5);
    }
    let json = serde_json::to_string(&s).unwrap();
    let mut back: Scheduler<KerasOneCycle<f64>, KerasOneCycle<f64>, f64> =
        serde_json::from_str(&json).unwrap();
    assert_eq!(back.state(), s.state());
    assert_eq!(back.records(), s.records());
    for _ in 17..33 {
        assert_eq!(
            back.batch_begin().unwrap().lr.to_bits(),
            s.batch_begin().unwrap().lr.to_bits()
        );
        back.batch_end(1.0);
        s.batch_end(1.0);
    }
    let state_json = serde_json::to_string(&s.state()).unwrap();
    assert_eq!(
        serde_json::from_str::<clr_core::SchedulerState>(&state_json).unwrap(),
        s.state()
    );
}

/// `batch_begin` is `hypers_at(iteration)` to the bit, with records due
/// every few batches, at the cycle's end and past it under every policy.
#[test]
fn batch_begin_is_hypers_at_everywhere() {
    let cycle = Cycle::new(3, 70).unwrap();
    let tail = OneCycleLr::builder(0.001, 500).build().unwrap();
    let policies = [
        PastEnd::Hold,
        PastEnd::Restart,
        PastEnd::Error,
        PastEnd::Continue,
    ];
    for (policy, every) in policies
        .into_iter()
        .flat_map(|p| [(p, 7), (p, 1), (p, 1000)])
    {
        let base = Scheduler::new(one_cycle(cycle), cycle)
            .unwrap()
            .then(tail)
            .record_every(every)
            .unwrap();
        let mut s = match policy {
            PastEnd::Continue => base,
            p => base.past_end(p).unwrap(),
        };
        for k in 0..cycle.iterations() + 300 {
            assert_eq!(
                s.batch_begin(),
                s.hypers_at(k),
                "{policy:?} k={k} every={every}"
            );
            s.batch_end(0.0);
        }
    }
}
