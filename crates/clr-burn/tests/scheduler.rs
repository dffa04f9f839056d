//! `ClrScheduler` under burn's `LrScheduler`: every preset and combinator
//! gives exactly `schedule.hypers(k).lr` at step `k`, and a record saved at
//! step `k` and loaded into a fresh scheduler (directly, through burnpack
//! bytes, through burn's `ModuleLrScheduler` as its `Learner` does)
//! continues identically.

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use clr_burn::ClrScheduler;
use clr_core::{
    Anneal, Bundle, Clamped, Constant, CosineCycles, CosineRestarts, CyclicLr, CyclicMode, Error,
    FitOneCycle, HyperSchedule, KerasClr, KerasOneCycle, LrSweep, OneCycleLr, Piecewise, Real,
    Repeat, Scaled, Schedule, Sequence, Span, SweepMode,
};

/// Steps checked: a finite schedule's and 10 past its end, or 3000.
fn horizon(total_steps: Option<u64>) -> u64 {
    total_steps.map_or(3000, |n| n + 10)
}

/// burn's learning rate at every step is the schedule's, to the bit; a
/// record taken at several steps resumes to the same learning rates.
fn check<S, F>(name: &str, schedule: S)
where
    S: HyperSchedule<F> + Clone + Send + Sync + 'static,
    F: Real,
{
    let n = horizon(schedule.total_steps());
    let mut scheduler = ClrScheduler::new(schedule.clone());
    for k in 0..n {
        let want = schedule.hypers(k).lr.to_f64();
        assert_eq!(
            scheduler.step().to_bits(),
            want.to_bits(),
            "{name} step {k}"
        );
    }
    for k in [0, 1, n / 3, n / 2, n - 1] {
        resumes(name, &schedule, k);
    }
}

fn resumes<S, F>(name: &str, schedule: &S, k: u64)
where
    S: HyperSchedule<F> + Clone + Send + Sync + 'static,
    F: Real,
{
    let mut original = ClrScheduler::new(schedule.clone());
    (0..k).for_each(|_| {
        original.step();
    });
    let record = original.to_record();
    let bytes = record.clone().into_bytes().expect("burnpack bytes");
    let from_bytes = LrSchedulerRecord::from_bytes(bytes).expect("read back");

    let mut direct = ClrScheduler::new(schedule.clone());
    direct.try_load_record(&record).expect("own record");
    let mut through_trait = ClrScheduler::new(schedule.clone());
    LrScheduler::load_record(&mut through_trait, from_bytes);
    // burn's Learner: a ModuleLrScheduler's record, loaded into a fresh one.
    let module_record = ModuleLrScheduler::new(original.clone()).to_record();
    let mut module =
        ModuleLrScheduler::new(ClrScheduler::new(schedule.clone())).load_record(module_record);
    assert_eq!(direct.next_step(), k);
    for j in 0..50 {
        let want = original.step().to_bits();
        let at = format!("{name} saved at {k}, step {}", k + j);
        assert_eq!(direct.step().to_bits(), want, "{at}");
        assert_eq!(through_trait.step().to_bits(), want, "{at}");
        assert_eq!(module.step().base().to_bits(), want, "{at}");
    }
}

#[test]
fn pytorch_presets() -> Result<(), Error> {
    check("OneCycleLr", OneCycleLr::builder(0.1, 1000).build()?);
    check(
        "OneCycleLr f32",
        OneCycleLr::builder(0.1_f32, 1000).build()?,
    );
    let three_phase = OneCycleLr::builder(0.05, 777)
        .three_phase(true)
        .pct_start(0.2);
    check("OneCycleLr three-phase", three_phase.build()?);
    let triangular2 = CyclicLr::builder(0.001, 0.1).step_size_up(200);
    check(
        "CyclicLr",
        triangular2.mode(CyclicMode::Triangular2).build()?,
    );
    let exp_range = CyclicLr::builder(0.001_f32, 0.1)
        .step_size_up(150)
        .step_size_down(50);
    let exp_range = exp_range
        .mode(CyclicMode::ExpRange { gamma: 0.999 })
        .build()?;
    check("CyclicLr exp_range f32", exp_range);
    let restarts = CosineRestarts::builder(0.1, 100).t_mult(2.0).eta_min(1e-4);
    check("CosineRestarts", Bundle::lr_only(restarts.build()?));
    Ok(())
}

#[test]
fn fastai_and_keras_presets() -> Result<(), Error> {
    check("FitOneCycle", FitOneCycle::builder(0.01, 500).build()?);
    check(
        "FitOneCycle f32",
        FitOneCycle::builder(0.01_f32, 500).build()?,
    );
    let keras = KerasOneCycle::builder((0.05, 0.5), 500).momentum_range(0.95, 0.85);
    check("KerasOneCycle", keras.build()?);
    check(
        "KerasClr",
        KerasClr::builder(3, (0.01, 0.1), 600).build_keras()?,
    );
    check(
        "CosineCycles",
        CosineCycles::builder(4, (0.01_f32, 0.1), 601).build_fixed()?,
    );
    Ok(())
}

#[test]
fn sweeps_phases_and_combinators() -> Result<(), Error> {
    let sweep = LrSweep::new((1e-5, 10.0), 100, SweepMode::Exp)?;
    check("LrSweep", Bundle::lr_only(sweep));
    let spans = [
        Span::new(0.3, 0.01, 0.1, Anneal::Linear),
        Span::new(0.7, 0.1, 0.0, Anneal::Cos),
    ];
    let piecewise = Piecewise::by_fractions(1000, &spans)?;
    check("Piecewise", Bundle::lr_only(piecewise));
    let restarts = CosineRestarts::builder(0.1, 100).t_mult(1.5).build()?;
    let warm = Sequence::new(piecewise, restarts)?;
    check("Sequence", Bundle::lr_only(warm));
    check("Scaled", Bundle::lr_only(Scaled::new(restarts, 0.5)?));
    check(
        "Clamped",
        Bundle::lr_only(Clamped::new(piecewise, 0.02, 0.08)?),
    );
    check("Constant", Bundle::lr_only(Constant::new(0.01)?));
    let one_cycle = OneCycleLr::builder(0.1, 300).build()?;
    check("Repeat", Repeat::of_hypers(one_cycle, Some(3))?);
    let momentum = Constant::new(0.9)?;
    check("Bundle", Bundle::new(Scaled::new(restarts, 2.0)?, momentum));
    let decayed = one_cycle.with_weight_decay(Constant::new(1e-4)?);
    check("WithWeightDecay", decayed);
    Ok(())
}

#[test]
fn lr_only_takes_a_scalar_schedule() -> Result<(), Error> {
    let restarts = CosineRestarts::builder(0.1_f32, 10).build()?;
    let mut scheduler = ClrScheduler::lr_only(restarts);
    for k in 0..40 {
        assert_eq!(scheduler.step(), f64::from(restarts.at(k)));
    }
    assert_eq!(scheduler.hypers().momentum, None);
    Ok(())
}
