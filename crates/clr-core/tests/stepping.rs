//! The incremental [`Stepper`] against the direct formula: within 1e-12
//! relative at every step, and a function of the step alone.
//!
//! The 10^7-step run is slow without optimisations; `scripts/test.sh` runs
//! it with `cargo test --release -p clr-core --test stepping`.

use clr_core::{
    Amplitude, Bundle, Control, CosineCycles, CosineRestarts, Cycle, CyclicLr, CyclicMode,
    FitOneCycle, HyperSchedule, Hypers, KerasClr, KerasOneCycle, OneCycleLr, PastEnd, Real,
    Schedule, Scheduler, SchedulerState, Stepper,
};

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs() || got == want
}

/// The smallest and largest of the values seen.
#[derive(Clone, Copy)]
struct Hull(f64, f64);

impl Hull {
    const EMPTY: Hull = Hull(f64::INFINITY, f64::NEG_INFINITY);

    fn add(&mut self, v: f64) {
        *self = Hull(self.0.min(v), self.1.max(v));
    }

    fn within(self, outer: Hull) -> bool {
        self.0 >= outer.0 && self.1 <= outer.1
    }
}

/// Steps `0..steps` one by one; every value within 1e-12 relative of
/// `hypers`, and no stepped value outside the range of the direct ones (a
/// phase's ends are evaluated directly, so the recurrence's last roundings
/// do not put a peak above `max_lr`). Returns the largest relative
/// difference seen.
fn check<S: HyperSchedule<f64> + ?Sized>(name: &str, s: &S, steps: u64) -> f64 {
    let mut stepper = s.stepper(0);
    let mut worst = 0.0_f64;
    let mut rel = |got: f64, want: f64| {
        if want != 0.0 {
            worst = worst.max((got - want).abs() / want.abs());
        }
    };
    // Learning rate and momentum: stepped, direct.
    let mut hulls = [[Hull::EMPTY; 2]; 2];
    for k in 0..steps {
        assert_eq!(stepper.step(), k);
        let got: Hypers<f64> = s.stepped(&stepper);
        let want = s.hypers(k);
        assert!(
            close(got.lr, want.lr),
            "{name}: lr at {k}: {} vs {}",
            got.lr,
            want.lr
        );
        rel(got.lr, want.lr);
        hulls[0][0].add(got.lr);
        hulls[0][1].add(want.lr);
        match (got.momentum, want.momentum) {
            (Some(g), Some(w)) => {
                assert!(close(g, w), "{name}: momentum at {k}: {g} vs {w}");
                rel(g, w);
                hulls[1][0].add(g);
                hulls[1][1].add(w);
            }
            (None, None) => {}
            other => panic!("{name}: momentum at {k}: {other:?}"),
        }
        s.advance(&mut stepper);
    }
    assert_within(name, hulls);
    worst
}

/// Every stepped hull (learning rate, momentum) within its direct one.
fn assert_within(name: &str, hulls: [[Hull; 2]; 2]) {
    for (what, [stepped, direct]) in ["lr", "momentum"].into_iter().zip(hulls) {
        assert!(
            stepped.within(direct),
            "{name}: stepped {what} in [{:e}, {:e}], direct in [{:e}, {:e}]",
            stepped.0,
            stepped.1,
            direct.0,
            direct.1
        );
    }
}

/// A fresh stepper at `k` gives the bits that stepping from 0 gave.
fn deterministic<S: HyperSchedule<f64> + ?Sized>(name: &str, s: &S, steps: u64) {
    let mut stepper = s.stepper(0);
    let probes: Vec<u64> = (0..40)
        .map(|i| (i * 7919 * steps / 40_000 + i * 37) % steps)
        .collect();
    for k in 0..steps {
        if probes.contains(&k) {
            let fresh = s.stepper(k);
            assert_eq!(s.stepped(&fresh), s.stepped(&stepper), "{name}: step {k}");
        }
        s.advance(&mut stepper);
    }
}

/// Every preset, in `F`.
fn presets<F: Real>(n: u64) -> Vec<(&'static str, Box<dyn HyperSchedule<F>>)> {
    let f = F::from_f64;
    let cyclic = |mode| {
        CyclicLr::builder(f(0.001), f(0.1))
            .step_size_up(n / 50)
            .mode(mode)
            .build()
            .unwrap()
    };
    vec![
        (
            "torch one-cycle",
            Box::new(OneCycleLr::builder(f(0.1), n).build().unwrap()),
        ),
        (
            "torch one-cycle three-phase",
            Box::new(
                OneCycleLr::builder(f(0.1), n)
                    .three_phase(true)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "torch one-cycle overlapping phases",
            Box::new(
                OneCycleLr::builder(f(1.0), n)
                    .three_phase(true)
                    .pct_start(0.6)
                    .final_div_factor(f(1e9))
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "cyclic triangular2",
            Box::new(cyclic(CyclicMode::Triangular2)),
        ),
        (
            "cyclic exp_range",
            Box::new(cyclic(CyclicMode::ExpRange {
                gamma: 1.0 - 10.0 / n as f64,
            })),
        ),
        (
            "cyclic saw-tooth from 0",
            Box::new(
                CyclicLr::builder(f(0.0), f(0.1))
                    .step_size_up(1000)
                    .step_size_down(0)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "warm restarts",
            Box::new(Bundle::lr_only(
                CosineRestarts::builder(f(0.1), n / 1000)
                    .t_mult(2.0)
                    .build()
                    .unwrap(),
            )),
        ),
        (
            "warm restarts with warm-up and decay",
            Box::new(Bundle::lr_only(
                CosineRestarts::builder(f(0.1), n / 300)
                    .t_mult(3.0)
                    .warmup(n / 3000)
                    .peak_decay(0.5)
                    .eta_min(f(1e-6))
                    .build()
                    .unwrap(),
            )),
        ),
        (
            "seed one-cycle",
            Box::new(
                KerasOneCycle::builder((f(0.01), f(0.1)), n)
                    .momentum_range(f(0.95), f(0.85))
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "seed clr",
            Box::new(
                KerasClr::builder(10, (f(0.002), f(0.01)), n)
                    .momentum_range(f(0.95), f(0.85))
                    .build_keras()
                    .unwrap(),
            ),
        ),
        (
            "cosine cycles, decaying",
            Box::new(
                CosineCycles::builder(7, (f(0.001), f(0.1)), n)
                    .amplitude(Amplitude::Decay(0.5))
                    .phase_one_fraction(0.1)
                    .build_fixed()
                    .unwrap(),
            ),
        ),
        (
            "fastai one-cycle",
            Box::new(FitOneCycle::builder(f(1e-3), n).build().unwrap()),
        ),
    ]
}

#[test]
fn within_1e_12_of_the_direct_formula_short_runs() {
    for n in [1, 2, 3, 10, 997, 20_000] {
        for (name, s) in presets::<f64>(n.max(3000)) {
            check(name, s.as_ref(), n.max(3000) + 5);
        }
        let tiny = OneCycleLr::builder(0.1, n).build().unwrap();
        check("tiny one-cycle", &tiny, n + 3);
    }
}

/// Ten million steps of every preset: the recurrence never drifts past
/// 1e-12 relative (re-synchronised every 256 steps, direct where a value
/// nears zero).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow without optimisations: run with --release"
)]
fn within_1e_12_of_the_direct_formula_over_ten_million_steps() {
    let n = 10_000_000;
    for (name, s) in presets::<f64>(n) {
        let worst = check(name, s.as_ref(), n);
        println!("{name}: largest relative difference {worst:.2e}");
    }
}

/// Values that sink to the subnormals are the direct formula's: an
/// `exp_range` momentum whose `gamma^k` underflows, a warm restart's peak
/// decayed below 1e-300 (both found by `tests/properties.rs` at 4000
/// cases). There the recurrence's error bound underflowed to a zero that
/// trusted any window, and the direct formula rounds to a grid coarser
/// than 1e-12 of its values.
#[test]
fn values_sinking_to_the_subnormals_are_the_direct_formula() {
    let exp_range = CyclicLr::builder(1.0, 1.0)
        .step_size_up(4)
        .mode(CyclicMode::ExpRange {
            gamma: 0.9522569732636905,
        })
        .momentum(0.8, 0.0)
        .build()
        .unwrap();
    assert!(exp_range.hypers(15_227).momentum.unwrap() < f64::MIN_POSITIVE);
    check("exp_range to the subnormals", &exp_range, 20_000);
    let restarts = CosineRestarts::builder(2.716838955258677e-6, 12)
        .peak_decay(0.8843834651734483)
        .build()
        .unwrap();
    assert!(restarts.at(69_052) < 1e-300);
    check(
        "warm restarts to the subnormals",
        &Bundle::lr_only(restarts),
        75_000,
    );
}

/// `f32` schedules step in `f64` and round once, where `hypers` computes
/// in `f32` arithmetic, whose own error is a few `f32` ulps of the
/// values it combines (PyTorch's `1.0 - 0.48·(1 + cos)` at a one-cycle's
/// start loses 1e-6 of its result): every stepped value within 16 `f32`
/// ulps of the schedule's peak of `hypers` (a million steps of every
/// preset in release). No stepped value passes the largest direct one (a
/// phase's ends are `hypers`' bits, and rounding once to `f32` cannot
/// carry a value past a peak that `f32` holds). At the low end the
/// stepped values may lie below the direct ones by the direct arithmetic's
/// own error: the overlapping-phases one-cycle starts at `f32(1/25)` =
/// 0.039999999 stepped a step in, where `hypers` gives 0.040000021.
#[test]
fn f32_stepped_values_are_hypers_within_a_few_ulp_and_never_pass_its_peak() {
    let n: u64 = if cfg!(debug_assertions) {
        30_000
    } else {
        1_000_000
    };
    for (name, s) in presets::<f32>(n) {
        let mut stepper = s.stepper(0);
        let (mut worst, mut peak) = (0.0_f64, 0.0_f64);
        // Learning rate and momentum: stepped, direct.
        let mut hulls = [[Hull::EMPTY; 2]; 2];
        for k in 0..n {
            let (got, want) = (s.stepped(&stepper), s.hypers(k));
            let pairs = [(Some(got.lr), Some(want.lr)), (got.momentum, want.momentum)];
            for (i, (g, w)) in pairs.into_iter().enumerate() {
                let Some((g, w)) = g.zip(w) else { continue };
                let (g, w) = (f64::from(g), f64::from(w));
                worst = worst.max((g - w).abs());
                peak = peak.max(w.abs());
                hulls[i][0].add(g);
                hulls[i][1].add(w);
            }
            s.advance(&mut stepper);
        }
        let ulps = worst / (peak * f64::from(f32::EPSILON));
        assert!(
            ulps <= 16.0,
            "{name}: {ulps:.1} f32 ulps of the peak {peak:e}"
        );
        for (what, [stepped, direct]) in ["lr", "momentum"].into_iter().zip(hulls) {
            assert!(
                stepped.1 <= direct.1,
                "{name}: stepped {what} up to {:e}, direct up to {:e}",
                stepped.1,
                direct.1
            );
        }
    }
}

#[test]
fn values_depend_on_the_step_alone() {
    for (name, s) in presets::<f64>(100_000) {
        deterministic(name, s.as_ref(), 100_000);
    }
}

#[test]
fn an_incremental_scheduler_resumes_bit_identically() {
    let n = 5000;
    let cycle = Cycle::new(5, n / 5).unwrap();
    let schedule = OneCycleLr::builder(0.1, n).build().unwrap();
    let run = |from: u64| {
        let mut s = Scheduler::new(schedule, cycle)
            .unwrap()
            .incremental()
            .resume(SchedulerState {
                iteration: from,
                epoch: 0,
            });
        let mut out = vec![];
        while s.state().iteration < n {
            out.push(s.batch_begin().unwrap());
            s.batch_end(0.0);
        }
        out
    };
    let whole = run(0);
    for from in [1, 31, 127, 128, 129, 255, 256, 257, 1499, 2345] {
        let resumed = run(from);
        assert_eq!(resumed.len(), whole.len() - from as usize);
        for (k, (a, b)) in whole[from as usize..].iter().zip(&resumed).enumerate() {
            assert!(
                a == b,
                "resumed at {from}: step {}: {a:?} vs {b:?}",
                from as usize + k
            );
        }
    }
    for (k, h) in whole.iter().enumerate() {
        let want = schedule.hypers(k as u64);
        assert!(close(h.lr, want.lr) && close(h.momentum.unwrap(), want.momentum.unwrap()));
    }
    // The default scheduler stays exact.
    let mut exact = Scheduler::new(schedule, cycle).unwrap();
    for k in 0..n {
        assert_eq!(exact.batch_begin().unwrap(), schedule.hypers(k));
        exact.batch_end(0.0);
    }
}

#[test]
fn a_default_stepper_counts() {
    let s = Stepper::new(7);
    assert_eq!(s.step(), 7);
    let schedule = OneCycleLr::builder(0.1_f64, 100).build().unwrap();
    assert_eq!(schedule.stepped(&s), schedule.hypers(7));
}

/// The learning rates of `iterations` batches through `s`.
fn drive<S: HyperSchedule<f64>>(s: &mut Scheduler<S, S, f64>, iterations: u64) -> Vec<f64> {
    (0..iterations)
        .map(|_| {
            let lr = s.batch_begin().unwrap().lr;
            s.batch_end(0.0);
            lr
        })
        .collect()
}

#[test]
fn an_incremental_scheduler_keeps_its_past_the_end_policy() {
    // An unbounded schedule whose stepping windows run on past the cycle's
    // end (200 is not a multiple of 256): the stepper must stop there.
    let n = 200;
    let cycle = Cycle::new(4, n / 4).unwrap();
    let schedule = CyclicLr::builder(0.001, 0.1)
        .step_size_up(70)
        .build()
        .unwrap();
    let want = |k: u64| schedule.hypers(k).lr;
    let scheduler = || Scheduler::new(schedule, cycle).unwrap().incremental();

    let hold = drive(&mut scheduler(), n + 60);
    for (k, lr) in hold.iter().enumerate() {
        let k = (k as u64).min(n - 1);
        assert!(close(*lr, want(k)), "hold, step {k}: {lr} vs {}", want(k));
    }
    let mut restart = scheduler().past_end(PastEnd::Restart).unwrap();
    for (k, lr) in drive(&mut restart, 2 * n + 30).iter().enumerate() {
        assert!(close(*lr, want(k as u64 % n)), "restart, step {k}");
    }
    let mut stop = scheduler().stop_at_end();
    assert_eq!(drive(&mut stop, n - 1).len() as u64, n - 1);
    stop.batch_begin().unwrap();
    assert_eq!(stop.batch_end(0.0), Control::Stop);
}

/// A one-cycle schedule of 1000 steps and an incremental scheduler of it.
fn incremental_one_cycle() -> (
    OneCycleLr<f64>,
    Scheduler<OneCycleLr<f64>, OneCycleLr<f64>, f64>,
) {
    let n = 1000;
    let schedule = OneCycleLr::builder(0.1, n).build().unwrap();
    let cycle = Cycle::new(1, n).unwrap();
    (
        schedule,
        Scheduler::new(schedule, cycle).unwrap().incremental(),
    )
}

#[test]
fn an_incremental_scheduler_follows_its_iteration_when_it_jumps() {
    let (schedule, mut s) = incremental_one_cycle();
    let first = drive(&mut s, 300);
    s.train_begin();
    assert_eq!(drive(&mut s, 300), first, "after train_begin");
    // Backwards into the same window, and forwards across several.
    for from in [290, 5, 777] {
        s = s.resume(SchedulerState {
            iteration: from,
            epoch: 0,
        });
        for (k, lr) in (from..).zip(drive(&mut s, 100)) {
            assert!(
                close(lr, schedule.hypers(k).lr),
                "resumed at {from}, step {k}"
            );
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn an_incremental_scheduler_survives_a_serde_round_trip() {
    let (_, mut s) = incremental_one_cycle();
    drive(&mut s, 333);
    let json = serde_json::to_string(&s).unwrap();
    let mut back: Scheduler<OneCycleLr<f64>, OneCycleLr<f64>, f64> =
        serde_json::from_str(&json).unwrap();
    assert_eq!(drive(&mut back, 400), drive(&mut s, 400));
}
