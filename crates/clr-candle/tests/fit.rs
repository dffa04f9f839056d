//! `Fit`: what the step closure is given, what the history records, where
//! the run stops, and its errors.

use candle_core::{DType, Device, Tensor, Var};
use clr_candle::{AdapterError, Batch, Error, Evaluation, Fit, MomentumSgd, SgdParams, StepOutput};
use clr_core::{Cycle, HyperSchedule, KerasOneCycle, PastEnd, Scheduler};

fn setup() -> (Var, MomentumSgd) {
    let w = Var::new(&[1.0_f32, -2.0, 0.5], &Device::Cpu).unwrap();
    let sgd = MomentumSgd::new(
        vec![w.clone()],
        SgdParams {
            momentum: 0.9,
            ..SgdParams::default()
        },
    )
    .unwrap();
    (w, sgd)
}

fn loss(w: &Var) -> Result<Tensor, Error> {
    Ok(w.as_tensor().sqr()?.sum_all()?)
}

fn one_cycle(steps: u64) -> KerasOneCycle<f64> {
    KerasOneCycle::builder((0.01, 0.05), steps)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap()
}

#[test]
fn batches_history_and_stop_at_the_end_of_the_cycle() {
    let (w, mut sgd) = setup();
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = one_cycle(cycle.iterations());
    let mut seen: Vec<Batch> = Vec::new();
    let mut fit = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .validation(|epoch| Ok(Evaluation::new(epoch as f64).metric("mae", 2.0 * epoch as f64)));
    let history = fit
        .run(&mut sgd, |batch| {
            seen.push(batch);
            Ok(StepOutput::new(loss(&w)?).metric("acc", batch.index as f64))
        })
        .unwrap();

    assert_eq!(seen.len(), 20, "stopped at the end of the cycle");
    for (i, b) in seen.iter().enumerate() {
        let i = i as u64;
        assert_eq!((b.epoch, b.index, b.iteration), (i / 5, i % 5, i));
        assert_eq!(b.hypers, schedule.hypers(i));
    }
    assert_eq!(history.epochs(), &[0, 1, 2, 3]);
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        ["loss", "acc", "val_loss", "val_mae", "momentum", "lr"]
    );
    assert_eq!(history.get("acc").unwrap(), &[2.0; 4]); // mean of 0..5
    assert_eq!(history.get("val_loss").unwrap(), &[0.0, 1.0, 2.0, 3.0]);
    assert_eq!(history.get("val_mae").unwrap(), &[0.0, 2.0, 4.0, 6.0]);
    let lr = history.get("lr").unwrap();
    let momentum = history.get("momentum").unwrap();
    for epoch in 0..4 {
        let last = schedule.hypers(epoch * 5 + 4);
        assert_eq!(lr[epoch as usize], last.lr);
        assert_eq!(momentum[epoch as usize], last.momentum.unwrap());
    }
    let losses = history.get("loss").unwrap();
    assert!(losses[3] < losses[0], "{losses:?}");

    // Every 10th batch recorded by the scheduler, with its values.
    let records = &fit.scheduler().records().batches;
    assert_eq!(
        records.iter().map(|r| r.iteration).collect::<Vec<_>>(),
        [0, 10]
    );
    assert_eq!(records[1].lr, schedule.hypers(10).lr);
    assert_eq!(records[1].metrics, [("acc".to_owned(), 0.0)]);

    // Run again, it goes on from where it stopped: the end of the cycle.
    let mut iterations = Vec::new();
    let again = fit
        .run(&mut sgd, |b| {
            iterations.push(b.iteration);
            loss(&w)
        })
        .unwrap();
    assert!(iterations.is_empty());
    assert_eq!(again, history);
    // Past a cycle that stops at its end is refused, not cut short (issue 22).
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .epochs(10)
        .run(&mut sgd, |_| loss(&w))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid epochs = 10: must not exceed the cycle's epochs under PastEnd::Stop = 4"
    );
}

/// The weights' bits, for comparing runs.
fn bits(w: &Var) -> Vec<u32> {
    let v = w.as_tensor().to_vec1::<f32>().unwrap();
    v.iter().map(|x| x.to_bits()).collect()
}

/// A `Fit` given a resumed `Scheduler` goes on from the scheduler's
/// iteration, at the right epoch and batch (issue 22): with the weights and
/// `MomentumSgd`'s state saved where a run broke down, the resumed run ends
/// with the uninterrupted run's weights, bit for bit.
#[test]
fn a_resumed_fit_ends_with_the_uninterrupted_weights() {
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = one_cycle(cycle.iterations());
    // Each batch its own target, so that skipping or repeating one shows.
    let batch_loss = |w: &Var, b: &Batch| -> Result<Tensor, Error> {
        let target = Tensor::new(&[b.index as f32, 1.0, -(b.epoch as f32)], &Device::Cpu)?;
        Ok((w.as_tensor() - target)?.sqr()?.sum_all()?)
    };
    let (w, mut sgd) = setup();
    Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .run(&mut sgd, |b| batch_loss(&w, &b))
        .unwrap();
    let whole = bits(&w);

    for crash in [13, 10] {
        let (w, mut sgd) = setup();
        let mut fit = Fit::new(schedule, cycle).unwrap().quiet(true);
        let e = fit.run(&mut sgd, |b| {
            if b.iteration == crash {
                return Err(Error::user("crash"));
            }
            batch_loss(&w, &b)
        });
        assert!(e.is_err());
        // Saved where it stood: weights, optimizer state, scheduler state.
        let (saved_w, saved_sgd) = (w.as_tensor().copy().unwrap(), sgd.state().unwrap());
        let state = fit.scheduler().state();
        assert_eq!(state.iteration, crash);

        // A new process: the same model and configuration, loaded.
        let w = Var::from_tensor(&saved_w).unwrap();
        let mut sgd = MomentumSgd::new(vec![w.clone()], SgdParams::default()).unwrap();
        sgd.load_state(&saved_sgd).unwrap();
        let scheduler = Scheduler::new(schedule, cycle)
            .unwrap()
            .stop_at_end()
            .resume(state);
        let mut trained = Vec::new();
        let history = Fit::with_scheduler(scheduler)
            .quiet(true)
            .run(&mut sgd, |b| {
                trained.push(b.iteration);
                batch_loss(&w, &b)
            })
            .unwrap();
        assert_eq!(trained, (crash..20).collect::<Vec<_>>());
        // Its history: the epochs it trained (the one resumed midway included).
        assert_eq!(history.epochs(), (crash / 5..4).collect::<Vec<_>>());
        assert_eq!(bits(&w), whole, "crash at {crash}");
    }
}

#[test]
fn restart_policy_runs_past_the_cycle() {
    let (w, mut sgd) = setup();
    let cycle = Cycle::new(2, 3).unwrap();
    let schedule = one_cycle(cycle.iterations());
    let scheduler = Scheduler::new(schedule, cycle)
        .unwrap()
        .past_end(PastEnd::Restart)
        .unwrap();
    let mut hypers = Vec::new();
    let history = Fit::with_scheduler(scheduler)
        .quiet(true)
        .epochs(4)
        .run(&mut sgd, |b| {
            hypers.push(b.hypers);
            loss(&w)
        })
        .unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(hypers.len(), 12);
    assert_eq!(
        hypers[6..],
        hypers[..6],
        "the second cycle repeats the first"
    );
    assert!(history.get("val_loss").is_none());
}

#[test]
fn errors_stop_the_run() {
    let (w, mut sgd) = setup();
    let cycle = Cycle::new(2, 3).unwrap();
    let mut fit = Fit::new(one_cycle(6), cycle).unwrap().quiet(true);

    let e = fit.run(&mut sgd, |_| Ok(w.as_tensor().sqr()?)).unwrap_err();
    assert!(
        matches!(&e, Error::Adapter(AdapterError::LossShape { shape }) if shape == &[3]),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "the loss must be a single number, got a tensor of shape [3]"
    );

    let mut calls = 0;
    let e = fit
        .run(&mut sgd, |b| {
            calls += 1;
            if b.iteration == 4 {
                return Err(Error::user("bad batch"));
            }
            // A loss of shape [1] is a single number too.
            Ok(loss(&w)?.reshape(1)?)
        })
        .unwrap_err();
    assert_eq!(calls, 5);
    assert_eq!(e.to_string(), "bad batch");

    let e = Fit::new(one_cycle(7), cycle).unwrap_err();
    assert!(matches!(e, Error::Core(_)), "{e}");
    let e = Fit::new(one_cycle(6), cycle)
        .unwrap()
        .quiet(true)
        .validation(|_| Err::<f64, _>(Error::user("no validation data")))
        .run(&mut sgd, |_| loss(&w))
        .unwrap_err();
    assert_eq!(e.to_string(), "no validation data");
}

#[test]
fn f64_models_train_too() {
    let w = Var::new(&[3.0_f64], &Device::Cpu).unwrap();
    let mut sgd = MomentumSgd::new(vec![w.clone()], SgdParams::default()).unwrap();
    let cycle = Cycle::new(3, 10).unwrap();
    let history = Fit::new(one_cycle(30), cycle)
        .unwrap()
        .quiet(true)
        .run(&mut sgd, |_| Ok(w.as_tensor().sqr()?.sum_all()?))
        .unwrap();
    assert_eq!(w.dtype(), DType::F64);
    assert!(history.last("loss").unwrap() < 9.0);
}
