//! Schedule evaluation speed: every preset in `f32` and `f64`, three ways —
//! random access over scattered steps, sequential stepping through the
//! `Scheduler`, bulk `fill` of one whole 1,000,000-step schedule — each
//! beside its naive baseline (the reference's formula transcribed with
//! `std` math, `common/naive.rs`) in the same criterion group.
//!
//! ```text
//! cargo bench --bench schedules                     # everything (~10 min)
//! cargo bench --bench schedules -- 'random/.*/f64'  # a regex over group/id
//! ```
//!
//! Group ids: `{random,sequential,fill}/<preset>/<f32|f64>`; function ids:
//! `clr` (random access, fill), `scheduler` (stepping through the
//! `Scheduler`: `batch_begin` is `hypers(iteration)` to the bit), `naive`.
//! Values are consumed as a trainer would (each through `black_box`), not
//! collected. Throughput is per value: per step for `random` and
//! `sequential` (learning rate and momentum together), per element for
//! `fill`.

mod common;

use clr::core::{Bundle, Cycle, CyclicMode, HyperSchedule, Real, Schedule, Scheduler};
use common::naive::{self, Naive, StdMath};
use common::{scattered_steps, SCATTERED, TOTAL};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn type_name<F: Real>() -> &'static str {
    if core::mem::size_of::<F>() == 4 {
        "f32"
    } else {
        "f64"
    }
}

/// `hypers(step)` over `SCATTERED` scattered steps.
fn random<F: Real, S: HyperSchedule<F>, N: Naive<F>>(
    c: &mut Criterion,
    preset: &str,
    schedule: &S,
    naive: &N,
) {
    let steps = scattered_steps();
    let mut g = c.benchmark_group(format!("random/{preset}/{}", type_name::<F>()));
    g.throughput(Throughput::Elements(SCATTERED as u64));
    g.bench_function("clr", |b| {
        b.iter(|| {
            for &k in &steps {
                let h = schedule.hypers(black_box(k));
                black_box(h.lr);
                black_box(h.momentum.unwrap_or(F::zero()));
            }
        })
    });
    g.bench_function("naive", |b| {
        b.iter(|| {
            for &k in &steps {
                let (lr, momentum) = naive.hypers(black_box(k));
                black_box(lr);
                black_box(momentum);
            }
        })
    });
    g.finish();
}

/// One training step per criterion iteration: `batch_begin` + `batch_end`,
/// over and over the whole `TOTAL`-step cycle (records off: a record is an
/// allocation, by design).
fn sequential<F: Real, S: HyperSchedule<F> + Clone, N: Naive<F>>(
    c: &mut Criterion,
    preset: &str,
    schedule: &S,
    mut naive: N,
) {
    let cycle = Cycle::new(1, TOTAL).expect("valid");
    let mut g = c.benchmark_group(format!("sequential/{preset}/{}", type_name::<F>()));
    g.throughput(Throughput::Elements(1));
    g.bench_function("scheduler", |b| {
        let s = Scheduler::<S, S, F>::new(schedule.clone(), cycle)
            .expect("valid")
            .record_every(u64::MAX)
            .expect("valid");
        // On the heap, as a trainer's state usually is.
        let mut s = Box::new(s);
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                if let Ok(h) = s.batch_begin() {
                    black_box(h.lr);
                    black_box(h.momentum.unwrap_or(F::zero()));
                }
                s.batch_end(F::zero());
                if s.state().iteration == TOTAL {
                    s.train_begin();
                }
            }
            start.elapsed()
        })
    });
    g.bench_function("naive", |b| {
        let mut k = 0;
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let (lr, momentum) = naive.step(k);
                black_box(lr);
                black_box(momentum);
                k += 1;
                if k == TOTAL {
                    k = 0;
                }
            }
            start.elapsed()
        })
    });
    g.finish();
}

/// `fill` of a whole `TOTAL`-step schedule's learning rates.
fn fill<F: Real, S: Schedule<F>, N: Naive<F>>(
    c: &mut Criterion,
    preset: &str,
    schedule: &S,
    naive: &N,
) {
    let mut buf = vec![F::zero(); TOTAL as usize];
    let mut g = c.benchmark_group(format!("fill/{preset}/{}", type_name::<F>()));
    g.throughput(Throughput::Elements(TOTAL));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(20);
    g.bench_function("clr", |b| {
        b.iter(|| {
            schedule.fill(black_box(&mut buf), 0);
            black_box(&buf);
        })
    });
    g.bench_function("naive", |b| {
        b.iter(|| {
            for (k, v) in black_box(&mut buf).iter_mut().enumerate() {
                *v = naive.lr(k as u64);
            }
            black_box(&buf);
        })
    });
    g.finish();
}

fn all_three<F: Real, S: HyperSchedule<F> + Clone, N: Naive<F>>(
    c: &mut Criterion,
    preset: &str,
    schedule: S,
    naive: impl Fn() -> N,
) {
    random(c, preset, &schedule, &naive());
    sequential(c, preset, &schedule, naive());
    fill(c, preset, &schedule.lr(), &naive());
}

fn presets<F: StdMath>(c: &mut Criterion) {
    all_three(
        c,
        "torch_one_cycle_2phase",
        common::torch_one_cycle::<F>(false),
        || naive::TorchOneCycle::<F>::new(0.1, false),
    );
    all_three(
        c,
        "torch_one_cycle_3phase",
        common::torch_one_cycle::<F>(true),
        || naive::TorchOneCycle::<F>::new(0.1, true),
    );
    all_three(
        c,
        "cyclic_triangular2",
        common::torch_cyclic::<F>(CyclicMode::Triangular2),
        || naive::TorchCyclic::<F>::new(0.001, 0.1, common::STEP_SIZE, false),
    );
    all_three(
        c,
        "cyclic_exp_range",
        common::torch_cyclic::<F>(CyclicMode::ExpRange {
            gamma: common::GAMMA,
        }),
        || naive::TorchCyclic::<F>::new(0.001, 0.1, common::STEP_SIZE, true),
    );
    all_three(
        c,
        "warm_restarts",
        Bundle::lr_only(common::warm_restarts::<F>()),
        || naive::TorchRestarts::<F>::new(0.1, 1000, 2),
    );
    all_three(c, "keras_one_cycle", common::keras_one_cycle::<F>(), || {
        naive::KerasOneCycle::<F>::new((0.01, 0.1), (0.95, 0.85))
    });
    all_three(c, "keras_clr", common::keras_clr::<F>(), || {
        naive::KerasClr::<F>::new(10, (0.002, 0.01), (0.95, 0.85))
    });
    all_three(
        c,
        "fastai_one_cycle",
        common::fastai_one_cycle::<F>(),
        || naive::FastaiOneCycle::<F>::new(1e-3),
    );
}

fn f32_presets(c: &mut Criterion) {
    presets::<f32>(c);
}

fn f64_presets(c: &mut Criterion) {
    presets::<f64>(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = f64_presets, f32_presets
}
criterion_main!(benches);
