//! `Fit` on Candle: what the step closure is given, what the history
//! records, where the run stops, its errors, `f32` schedules and guards.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use clr_candle::{AdapterError, Error, Fit, MomentumSgd, SgdParams};
use clr_core::{Cycle, HyperSchedule, KerasOneCycle, OneCycleLr, PastEnd, Scheduler};
use clr_train::{Batch, BoxError, Evaluation, FitStop, StepOutput};

/// A variable `name` of `varmap` holding `values`.
fn var_in(varmap: &VarMap, name: &str, values: &[f32]) -> Var {
    let init = candle_nn::Init::Const(0.0);
    varmap
        .get(values.len(), name, init, DType::F32, &Device::Cpu)
        .unwrap();
    let var = varmap.data().lock().unwrap()[name].clone();
    var.set(&Tensor::new(values, &Device::Cpu).unwrap())
        .unwrap();
    var
}

fn setup() -> (VarMap, Var, MomentumSgd) {
    let varmap = VarMap::new();
    let w = var_in(&varmap, "w", &[1.0, -2.0, 0.5]);
    let sgd = MomentumSgd::new(
        vec![w.clone()],
        SgdParams {
            momentum: 0.9,
            ..SgdParams::default()
        },
    )
    .unwrap();
    (varmap, w, sgd)
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
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = one_cycle(cycle.iterations());
    let mut seen: Vec<Batch> = Vec::new();
    let mut fit = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .validation(|_, epoch| Ok(Evaluation::new(epoch as f64).metric("mae", 2.0 * epoch as f64)));
    let outcome = fit
        .run(&mut varmap, &mut sgd, |_, batch| {
            seen.push(batch);
            Ok(StepOutput::new(loss(&w)?).metric("acc", batch.index as f64))
        })
        .unwrap();
    assert_eq!(outcome.stop, FitStop::Finished);
    let history = &outcome.history;

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
        .run(&mut varmap, &mut sgd, |_, b| {
            iterations.push(b.iteration);
            Ok(loss(&w)?)
        })
        .unwrap();
    assert!(iterations.is_empty());
    assert_eq!(&again.history, history);
    // Past a cycle that stops at its end is refused, not cut short (issue 22).
    let e = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .epochs(10)
        .run(&mut varmap, &mut sgd, |_, _| Ok(loss(&w)?))
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

/// Each batch its own target, so that skipping or repeating one shows.
fn batch_loss(w: &Var, b: &Batch) -> Result<Tensor, BoxError> {
    let target = Tensor::new(&[b.index as f32, 1.0, -(b.epoch as f32)], &Device::Cpu)?;
    Ok((w.as_tensor() - target)?.sqr()?.sum_all()?)
}

/// A `Fit` given a resumed `Scheduler` goes on from the scheduler's
/// iteration, at the right epoch and batch (issue 22): with the weights and
/// `MomentumSgd`'s state saved where a run broke down, the resumed run ends
/// with the uninterrupted run's weights, bit for bit.
#[test]
fn a_resumed_fit_ends_with_the_uninterrupted_weights() {
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = one_cycle(cycle.iterations());
    let (mut varmap, w, mut sgd) = setup();
    Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut sgd, |_, b| batch_loss(&w, &b))
        .unwrap();
    let whole = bits(&w);

    for crash in [13, 10] {
        let (mut varmap, w, mut sgd) = setup();
        let mut fit = Fit::new(schedule, cycle).unwrap().quiet(true);
        let e = fit.run(&mut varmap, &mut sgd, |_, b| {
            if b.iteration == crash {
                return Err("crash".into());
            }
            batch_loss(&w, &b)
        });
        assert!(e.is_err());
        // Saved where it stood: weights, optimizer state, scheduler state.
        let (saved_w, saved_sgd) = (w.as_tensor().copy().unwrap(), sgd.state().unwrap());
        let state = fit.scheduler().state();
        assert_eq!(state.iteration, crash);

        // A new process: the same model and configuration, loaded.
        let (mut varmap, w, _) = setup();
        w.set(&saved_w).unwrap();
        let mut sgd = MomentumSgd::new(vec![w.clone()], SgdParams::default()).unwrap();
        sgd.load_state(&saved_sgd).unwrap();
        let scheduler = Scheduler::new(schedule, cycle)
            .unwrap()
            .stop_at_end()
            .resume(state);
        let mut trained = Vec::new();
        let outcome = Fit::with_scheduler(scheduler)
            .quiet(true)
            .run(&mut varmap, &mut sgd, |_, b| {
                trained.push(b.iteration);
                batch_loss(&w, &b)
            })
            .unwrap();
        assert_eq!(trained, (crash..20).collect::<Vec<_>>());
        // Its history: the epochs it trained (the one resumed midway included).
        assert_eq!(outcome.history.epochs(), (crash / 5..4).collect::<Vec<_>>());
        assert_eq!(bits(&w), whole, "crash at {crash}");
    }
}

#[test]
fn restart_policy_runs_past_the_cycle() {
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(2, 3).unwrap();
    let schedule = one_cycle(cycle.iterations());
    let scheduler = Scheduler::new(schedule, cycle)
        .unwrap()
        .past_end(PastEnd::Restart)
        .unwrap();
    let mut hypers = Vec::new();
    let outcome = Fit::with_scheduler(scheduler)
        .quiet(true)
        .epochs(4)
        .run(&mut varmap, &mut sgd, |_, b| {
            hypers.push(b.hypers);
            Ok(loss(&w)?)
        })
        .unwrap();
    assert_eq!(outcome.history.len(), 4);
    assert_eq!(hypers.len(), 12);
    assert_eq!(
        hypers[6..],
        hypers[..6],
        "the second cycle repeats the first"
    );
    assert!(outcome.history.get("val_loss").is_none());
}

#[test]
fn errors_stop_the_run() {
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(2, 3).unwrap();
    let mut fit = Fit::new(one_cycle(6), cycle).unwrap().quiet(true);

    let e = fit
        .run(&mut varmap, &mut sgd, |_, _| Ok(w.as_tensor().sqr()?))
        .unwrap_err();
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
        .run(&mut varmap, &mut sgd, |_, b| {
            calls += 1;
            if b.iteration == 4 {
                return Err("bad batch".into());
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
        .validation(|_, _| Err::<f64, _>("no validation data".into()))
        .run(&mut varmap, &mut sgd, |_, _| Ok(loss(&w)?))
        .unwrap_err();
    assert_eq!(e.to_string(), "no validation data");
    // The adapter's own error comes back as itself, not boxed.
    let e = Fit::new(one_cycle(6), cycle)
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut sgd, |_, _| -> Result<Tensor, BoxError> {
            Err(Error::from(candle_core::Error::Msg("device lost".into())).into())
        })
        .unwrap_err();
    assert!(matches!(e, Error::Candle(_)), "{e}");
}

#[test]
fn f64_models_train_too() {
    let mut varmap = VarMap::new();
    let w = varmap
        .get(
            1,
            "w",
            candle_nn::Init::Const(3.0),
            DType::F64,
            &Device::Cpu,
        )
        .unwrap();
    let mut sgd = MomentumSgd::new(varmap.all_vars(), SgdParams::default()).unwrap();
    let cycle = Cycle::new(3, 10).unwrap();
    let outcome = Fit::new(one_cycle(30), cycle)
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut sgd, |_, _| Ok(w.sqr()?.sum_all()?))
        .unwrap();
    assert_eq!(w.dtype(), DType::F64);
    assert!(outcome.history.last("loss").unwrap() < 9.0);
}

/// An `f32` schedule trains a Candle model (issue 24: `OneCycleLr<f32>`
/// was refused for want of `HyperSchedule<f64>`); the optimizer gets its
/// values widened exactly.
#[test]
fn f32_schedules_work_with_the_adapter() {
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(3, 4).unwrap();
    let schedule = OneCycleLr::builder(0.05_f32, cycle.iterations())
        .build()
        .unwrap();
    let mut lrs = Vec::new();
    let outcome = Fit::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .run(&mut varmap, &mut sgd, |_, b| {
            lrs.push(b.hypers.lr);
            Ok(loss(&w)?)
        })
        .unwrap();
    assert_eq!(outcome.history.len(), 3);
    let want: Vec<f64> = (0..12).map(|i| f64::from(schedule.hypers(i).lr)).collect();
    assert_eq!(lrs, want);
    assert_eq!(sgd.params().lr, want[11]);
}

/// `terminate_on_nan`: a loss that turns NaN stops the run before the
/// optimizer steps with it, and the outcome says where.
#[test]
fn a_nan_loss_stops_the_run_when_asked() {
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(4, 5).unwrap();
    let outcome = Fit::new(one_cycle(20), cycle)
        .unwrap()
        .quiet(true)
        .terminate_on_nan(true)
        .run(&mut varmap, &mut sgd, |_, b| {
            let l = loss(&w)?;
            Ok(if b.iteration == 6 { (l * f64::NAN)? } else { l })
        })
        .unwrap();
    let FitStop::NonFiniteLoss { batch, loss } = outcome.stop else {
        panic!("{:?}", outcome.stop);
    };
    assert_eq!(batch.iteration, 6);
    assert!(loss.is_nan());
    assert!(bits(&w).iter().all(|b| f32::from_bits(*b).is_finite()));
}

/// A finite loss whose gradient is infinite (`sqrt` at 0) makes the
/// weights infinite: the guard stops after that step.
#[test]
fn non_finite_weights_stop_the_run_when_asked() {
    let (mut varmap, w, mut sgd) = setup();
    let cycle = Cycle::new(4, 5).unwrap();
    let outcome = Fit::new(one_cycle(20), cycle)
        .unwrap()
        .quiet(true)
        .terminate_on_nan(true)
        .run(&mut varmap, &mut sgd, |_, b| {
            if b.iteration != 2 {
                return Ok(loss(&w)?);
            }
            let t = w.as_tensor();
            Ok((t - t.detach())?.sqrt()?.sum_all()?)
        })
        .unwrap();
    assert!(
        matches!(outcome.stop, FitStop::NonFiniteWeights { batch } if batch.iteration == 2),
        "{:?}",
        outcome.stop
    );
}
