//! What the benchmarks share: the presets at their benchmark sizes, scattered
//! steps and the naive baselines.
#![allow(dead_code)]

pub mod naive;

use clr::core::{
    CosineRestarts, CyclicLr, CyclicMode, FitOneCycle, KerasClr, KerasOneCycle, OneCycleLr, Real,
};

/// Steps of every finite preset (and the cut of the unbounded ones): the
/// bulk `fill` covers one whole schedule.
pub const TOTAL: u64 = 1_000_000;

/// Steps in one random-access batch.
pub const SCATTERED: usize = 4096;

/// `SCATTERED` steps spread over `0..TOTAL` (xorshift64*, fixed seed): no
/// two neighbours share a cache line of anything, and branches on the
/// phase are as unpredictable as they get.
pub fn scattered_steps() -> Vec<u64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..SCATTERED)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D) % TOTAL
        })
        .collect()
}

fn f<F: Real>(x: f64) -> F {
    F::from_f64(x)
}

/// PyTorch `OneCycleLR(max_lr=0.1, total_steps=TOTAL)`, default momentum.
pub fn torch_one_cycle<F: Real>(three_phase: bool) -> OneCycleLr<F> {
    OneCycleLr::builder(f(0.1), TOTAL)
        .three_phase(three_phase)
        .build()
        .expect("valid")
}

/// Steps of the cyclic presets' rise (and fall): 25 cycles in `TOTAL`.
pub const STEP_SIZE: u64 = 20_000;

/// PyTorch `CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=STEP_SIZE, mode)`.
pub fn torch_cyclic<F: Real>(mode: CyclicMode) -> CyclicLr<F> {
    CyclicLr::builder(f(0.001), f(0.1))
        .step_size_up(STEP_SIZE)
        .mode(mode)
        .build()
        .expect("valid")
}

/// `gamma` of the exp_range preset.
pub const GAMMA: f64 = 0.999_99;

/// PyTorch `CosineAnnealingWarmRestarts(T_0=1000, T_mult=2)`, lr 0.1.
pub fn warm_restarts<F: Real>() -> CosineRestarts<F> {
    CosineRestarts::builder(f(0.1), 1000)
        .t_mult(2.0)
        .build()
        .expect("valid")
}

/// The Keras package's `OneCycle(lr_range=(0.01, 0.1), momentum_range=(0.95, 0.85))`.
pub fn keras_one_cycle<F: Real>() -> KerasOneCycle<F> {
    KerasOneCycle::builder((f(0.01), f(0.1)), TOTAL)
        .momentum_range(f(0.95), f(0.85))
        .build()
        .expect("valid")
}

/// The Keras package's `CLR(cyc=10, lr_range=(0.002, 0.01), momentum_range=(0.95, 0.85))`.
pub fn keras_clr<F: Real>() -> KerasClr<F> {
    KerasClr::builder(10, (f(0.002), f(0.01)), TOTAL)
        .momentum_range(f(0.95), f(0.85))
        .build_keras()
        .expect("valid")
}

/// fastai `fit_one_cycle(lr_max=1e-3)` over `TOTAL` batches.
pub fn fastai_one_cycle<F: Real>() -> FitOneCycle<F> {
    FitOneCycle::builder(f(1e-3), TOTAL).build().expect("valid")
}
