//! The builders the adapters share (`train::Fit`, `range_test::RangeTestRunner`)
//! on a toy framework: one weight, minimising (w - 3)², each loss carrying
//! its own gradient. No tensor library needed, so the shared plumbing is
//! tested here once rather than only through Candle and libtorch.
#![cfg(feature = "alloc")]

use std::cell::Cell;
use std::fmt;

use clr_core::range_test::RangeTestRunner;
use clr_core::train::Batch;
use clr_core::train::{Adapter, AdapterError, Backprop, Fit, RangeTestBackend, ScheduledOptimizer};
use clr_core::{
    Cycle, Hypers, KerasOneCycle, PastEnd, RangeTest, RangeTestConfig, RangeTestDriver, Records,
    Scheduler, SchedulerState,
};

struct Toy;

#[derive(Debug)]
enum ToyError {
    Core(clr_core::Error),
    Adapter(AdapterError),
}

impl fmt::Display for ToyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToyError::Core(e) => write!(f, "{e}"),
            ToyError::Adapter(e) => write!(f, "{e}"),
        }
    }
}

impl From<clr_core::Error> for ToyError {
    fn from(e: clr_core::Error) -> Self {
        ToyError::Core(e)
    }
}

impl From<AdapterError> for ToyError {
    fn from(e: AdapterError) -> Self {
        ToyError::Adapter(e)
    }
}

struct Loss {
    value: f64,
    grad: f64,
}

fn loss(w: f64) -> Loss {
    Loss {
        value: (w - 3.0).powi(2),
        grad: 2.0 * (w - 3.0),
    }
}

struct Sgd<'a> {
    w: &'a Cell<f64>,
    lr: f64,
    begun: u64,
}

impl ScheduledOptimizer<f64> for Sgd<'_> {
    type Error = ToyError;
    fn name(&self) -> &'static str {
        "toy SGD"
    }
    fn apply(&mut self, _group: usize, h: &Hypers<f64>) -> Result<(), ToyError> {
        self.lr = AdapterError::non_negative("toy SGD", "lr", h.lr)?;
        Ok(())
    }
    fn current(&self, _group: usize) -> Result<Hypers<f64>, ToyError> {
        Ok(Hypers {
            lr: self.lr,
            momentum: None,
            weight_decay: None,
        })
    }
}

/// The per-epoch mean losses.
struct Losses(Vec<f64>);

impl From<&Records<f64>> for Losses {
    fn from(records: &Records<f64>) -> Self {
        let loss = |m: &[(String, f64)]| m.iter().find(|(n, _)| n == "loss").map(|p| p.1);
        Losses(
            records
                .epochs
                .iter()
                .filter_map(|e| loss(&e.metrics))
                .collect(),
        )
    }
}

thread_local! {
    static NO_GRAD: Cell<bool> = const { Cell::new(false) };
}

impl Adapter for Toy {
    type Error = ToyError;
    type Loss = Loss;
    type History = Losses;

    fn loss_value(loss: &Loss) -> Result<f64, ToyError> {
        Ok(loss.value)
    }

    fn no_grad<R>(evaluate: impl FnOnce() -> R) -> R {
        NO_GRAD.with(|g| g.set(true));
        let r = evaluate();
        NO_GRAD.with(|g| g.set(false));
        r
    }
}

impl<'a> Backprop<Sgd<'a>> for Toy {
    type Marker = ();

    fn begin_step(optimizer: &mut Sgd<'a>) -> Result<(), ToyError> {
        optimizer.begun += 1;
        Ok(())
    }

    fn backward_step(optimizer: &mut Sgd<'a>, loss: &Loss) -> Result<(), ToyError> {
        optimizer
            .w
            .set(optimizer.w.get() - optimizer.lr * loss.grad);
        Ok(())
    }
}

struct Driver<'s, 'a, T, V> {
    saved: &'s (f64, f64),
    w: &'s Cell<f64>,
    optimizer: &'s mut Sgd<'a>,
    train: T,
    validation: Option<V>,
    lr_factors: &'s [f64],
    batch: u64,
}

impl<'a, T, V> RangeTestDriver<f64> for Driver<'_, 'a, T, V>
where
    T: FnMut(u64) -> Result<Loss, ToyError>,
    V: FnMut(u64) -> Result<f64, ToyError>,
{
    type Error = ToyError;
    fn train(&mut self, lr: f64, _wd: Option<f64>, _step: bool) -> Result<f64, ToyError> {
        let h = Hypers {
            lr,
            momentum: None,
            weight_decay: None,
        };
        self.optimizer.apply_all(&h, self.lr_factors)?;
        let l = (self.train)(self.batch)?;
        self.batch += 1;
        Toy::backward_step(self.optimizer, &l)?;
        Ok(l.value)
    }
    fn validate(&mut self, batches: u64) -> Result<f64, ToyError> {
        match self.validation.as_mut() {
            Some(v) => Toy::no_grad(|| v(batches)),
            None => Err(AdapterError::NoValidation { batches }.into()),
        }
    }
    fn restore(&mut self, _finished: bool) -> Result<(), ToyError> {
        Toy::restore(self.saved, self.w, self.optimizer)
    }
}

impl<'a> RangeTestBackend<Cell<f64>, Sgd<'a>> for Toy {
    type Saved = (f64, f64);

    fn save(w: &Cell<f64>, optimizer: &Sgd<'a>) -> Result<(f64, f64), ToyError> {
        Ok((w.get(), optimizer.lr))
    }

    fn restore(saved: &(f64, f64), w: &Cell<f64>, optimizer: &mut Sgd<'a>) -> Result<(), ToyError> {
        w.set(saved.0);
        optimizer.lr = saved.1;
        Ok(())
    }

    fn sweep<T, V>(
        test: &mut RangeTest<f64>,
        saved: &(f64, f64),
        w: &Cell<f64>,
        optimizer: &mut Sgd<'a>,
        train: T,
        validation: Option<V>,
        lr_factors: &[f64],
    ) -> Result<(), ToyError>
    where
        T: FnMut(u64) -> Result<Loss, ToyError>,
        V: FnMut(u64) -> Result<f64, ToyError>,
    {
        let mut driver = Driver {
            saved,
            w,
            optimizer,
            train,
            validation,
            lr_factors,
            batch: 0,
        };
        test.run(&mut driver).map(|_| ())
    }
}

#[test]
fn fit_trains_validates_without_gradients_and_returns_the_history() {
    let w = Cell::new(0.0);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.0,
        begun: 0,
    };
    let cycle = Cycle::new(10, 5).unwrap();
    let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations())
        .build()
        .unwrap();
    let mut fit = Fit::<Toy, _>::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .label("toy")
        .validation(|_epoch| {
            assert!(NO_GRAD.with(|g| g.get()), "validation runs under no_grad");
            Ok(loss(w.get()).value)
        });
    let history = fit.run(&mut sgd, |_batch| Ok(loss(w.get()))).unwrap();
    assert_eq!(history.0.len(), 10);
    assert!(history.0[9] < history.0[0]);
    assert_eq!(sgd.begun, 50, "begin_step before every batch");
    assert!((w.get() - 3.0).abs() < 1e-3);
    assert!(fit.scheduler().records().epochs[0]
        .metrics
        .iter()
        .any(|(n, _)| n == "val_loss"));
}

#[test]
fn fit_refuses_factors_that_do_not_fit_the_optimizer() {
    let w = Cell::new(0.0);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.0,
        begun: 0,
    };
    let cycle = Cycle::new(2, 2).unwrap();
    let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations())
        .build()
        .unwrap();
    let e = Fit::<Toy, _>::new(schedule, cycle)
        .unwrap()
        .quiet(true)
        .lr_factors(vec![1.0, 0.5])
        .run(&mut sgd, |_| Ok(loss(w.get())))
        .err()
        .unwrap();
    assert!(matches!(e, ToyError::Core(_)), "{e}");
    assert_eq!(sgd.begun, 0);
}

/// A one-cycle over 4 epochs of 5 batches, as `Fit::new` drives it.
fn four_epochs() -> (KerasOneCycle<f64>, Cycle) {
    let cycle = Cycle::new(4, 5).unwrap();
    let schedule = KerasOneCycle::builder((0.05, 0.4), cycle.iterations())
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    (schedule, cycle)
}

/// A `Fit` given a resumed `Scheduler` goes on from its iteration (issue
/// 22): the batches it trains, their hyper-parameters and the weight at
/// the end are the uninterrupted run's, to the bit, whether it was
/// interrupted midway through an epoch or between two.
#[test]
fn a_resumed_fit_goes_on_from_the_schedulers_iteration() {
    let (schedule, cycle) = four_epochs();
    let run = |w: &Cell<f64>, lr: f64, scheduler, crash_at: Option<u64>| {
        let mut sgd = Sgd { w, lr, begun: 0 };
        let mut seen: Vec<Batch<f64>> = Vec::new();
        let mut fit = Fit::<Toy, _>::with_scheduler(scheduler).quiet(true);
        let result = fit.run(&mut sgd, |batch| {
            if Some(batch.iteration) == crash_at {
                return Err(AdapterError::user("crash").into());
            }
            seen.push(batch);
            Ok(loss(w.get()))
        });
        (result.is_ok(), seen, fit.scheduler().state(), sgd.lr)
    };
    let fresh = || Scheduler::new(schedule, cycle).unwrap().stop_at_end();
    let w = Cell::new(0.0);
    let (ok, whole, _, _) = run(&w, 0.0, fresh(), None);
    assert!(ok && whole.len() == 20);
    let end = w.get();

    for crash in [13, 10] {
        // The run breaks down at a batch; the weight, the optimizer's lr
        // and the scheduler's state are saved where it stood.
        let w = Cell::new(0.0);
        let (ok, head, state, lr) = run(&w, 0.0, fresh(), Some(crash));
        assert!(!ok);
        assert_eq!(state.iteration, crash);
        // A new process: the same configuration, resumed.
        let w = Cell::new(w.get());
        let (ok, tail, _, _) = run(&w, lr, fresh().resume(state), None);
        assert!(ok);
        assert_eq!(head.len() + tail.len(), 20, "crash at {crash}");
        assert_eq!([head, tail].concat(), whole, "crash at {crash}");
        assert_eq!(w.get().to_bits(), end.to_bits(), "crash at {crash}");
    }
}

/// A state whose epoch does not match its iteration (an epoch's end that
/// never ran) is refused before any training, naming it.
#[test]
fn a_resumed_fit_refuses_a_state_whose_epoch_disagrees() {
    let (schedule, cycle) = four_epochs();
    let w = Cell::new(0.0);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.0,
        begun: 0,
    };
    let state = SchedulerState {
        iteration: 10,
        epoch: 1,
    };
    let scheduler = Scheduler::new(schedule, cycle).unwrap().resume(state);
    let e = Fit::<Toy, _>::with_scheduler(scheduler)
        .quiet(true)
        .run(&mut sgd, |_| Ok(loss(w.get())))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid state.epoch = 1: must equal state.iteration / batches_per_epoch = 2"
    );
    assert_eq!(sgd.begun, 0);
}

/// Training past a schedule that stops at its end (what `Fit::new` sets)
/// or errs there is refused up front, naming `epochs` and the schedule's
/// length (issue 22); a policy that says what happens past the end
/// (hold, restart, continue) trains every epoch asked for.
#[test]
fn epochs_past_the_schedule_need_a_policy_that_says_what_happens() {
    let (schedule, cycle) = four_epochs();
    let w = Cell::new(0.0);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.0,
        begun: 0,
    };
    let e = Fit::<Toy, _>::new(schedule, cycle)
        .unwrap()
        .epochs(10)
        .quiet(true)
        .run(&mut sgd, |_| Ok(loss(w.get())))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid epochs = 10: must not exceed the cycle's epochs under PastEnd::Stop = 4"
    );
    assert_eq!(sgd.begun, 0, "nothing trained");
    let erring = Scheduler::new(schedule, cycle)
        .unwrap()
        .past_end(PastEnd::Error)
        .unwrap();
    let e = Fit::<Toy, _>::with_scheduler(erring)
        .epochs(5)
        .quiet(true)
        .run(&mut sgd, |_| Ok(loss(w.get())))
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid epochs = 5: must not exceed the cycle's epochs under PastEnd::Error = 4"
    );
    assert_eq!(sgd.begun, 0, "nothing trained");

    for policy in [PastEnd::Hold, PastEnd::Restart] {
        let scheduler = Scheduler::new(schedule, cycle)
            .unwrap()
            .past_end(policy)
            .unwrap();
        let history = Fit::<Toy, _>::with_scheduler(scheduler)
            .epochs(10)
            .quiet(true)
            .run(&mut sgd, |_| Ok(loss(w.get())))
            .unwrap();
        assert_eq!(history.0.len(), 10, "{policy:?}");
    }
    assert_eq!(sgd.begun, 100);
}

fn config() -> RangeTestConfig<f64> {
    RangeTestConfig {
        lr_range: (1e-4, 10.0),
        steps: 30,
        batches_per_step: 1,
        ..Default::default()
    }
}

#[test]
fn range_test_restores_the_model_and_optimizer() {
    let w = Cell::new(0.5);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.01,
        begun: 0,
    };
    let outcome = RangeTestRunner::<Toy, _>::new(config(), |_| Ok(loss(w.get())))
        .quiet(true)
        .run(&w, &mut sgd)
        .unwrap();
    assert!(outcome.result.sweeps[0].stop.is_early()); // lr = 10 diverges
    assert_eq!((w.get(), sgd.lr), (0.5, 0.01));
}

#[test]
fn range_test_restores_on_error_and_checks_its_validation_closure() {
    let w = Cell::new(0.5);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.01,
        begun: 0,
    };
    let e = RangeTestRunner::<Toy, _>::new(config(), |batch| {
        if batch == 5 {
            Err(AdapterError::user("out of data").into())
        } else {
            Ok(loss(w.get()))
        }
    })
    .quiet(true)
    .run(&w, &mut sgd)
    .err()
    .unwrap();
    assert!(matches!(e, ToyError::Adapter(AdapterError::User(_))), "{e}");
    assert_eq!((w.get(), sgd.lr), (0.5, 0.01));

    let validating = RangeTestConfig {
        validation_batches: Some(3),
        ..config()
    };
    let e = RangeTestRunner::<Toy, _>::new(validating, |_| Ok(loss(w.get())))
        .quiet(true)
        .run(&w, &mut sgd)
        .err()
        .unwrap();
    assert!(
        matches!(
            e,
            ToyError::Adapter(AdapterError::NoValidation { batches: 3 })
        ),
        "{e}"
    );
}

/// A sweep that stopped early (here six or more steps before its end)
/// suggests on the points it recorded, as fastai and torch-lr-finder do on
/// theirs (issue 22): not on the NaN padding after the stop, which made
/// torch-lr-finder's gradient the divergence rate itself.
#[test]
fn range_test_suggests_on_the_points_recorded_before_an_early_stop() {
    let w = Cell::new(0.5);
    let mut sgd = Sgd {
        w: &w,
        lr: 0.01,
        begun: 0,
    };
    let config = RangeTestConfig {
        steps: 60,
        ..config()
    };
    let outcome = RangeTestRunner::<Toy, _>::new(config, |_| Ok(loss(w.get())))
        .quiet(true)
        .run(&w, &mut sgd)
        .unwrap();
    let recorded = early_stop_recorded(&outcome, 60);
    assert!(recorded >= 20, "{recorded} points");
}

/// Checks that sweep 0 of `outcome` stopped six or more steps before the
/// end of its `steps` and that its suggestions are the references' on the
/// points up to the stop; returns how many there are.
fn early_stop_recorded(
    outcome: &clr_core::range_test::RangeTestOutcome<f64>,
    steps: usize,
) -> usize {
    let (result, sweep) = (&outcome.result, &outcome.result.sweeps[0]);
    let stop = match sweep.stop {
        clr_core::SweepStop::Diverged { step, .. } => step as usize,
        other => panic!("expected a divergence, got {other:?}"),
    };
    assert!(stop + 6 <= steps, "stopped at {stop} of {steps}");
    assert_eq!(sweep.recorded(), stop + 1);
    let (lrs, judged) = (&result.lrs[..=stop], &sweep.smoothed[..=stop]);
    let mut scratch = vec![0; lrs.len()];
    let want = clr_core::suggest::Suggestions::compute(lrs, judged, steps, &mut scratch);
    assert_eq!(outcome.suggestions[0], want);
    assert!(want.gradient.is_some());
    assert_ne!(want.gradient, Some(result.lrs[stop]), "the divergence rate");
    stop + 1
}
