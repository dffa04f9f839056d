//! The naive baselines: each reference's formula transcribed straight, in
//! the value type, with `std`'s math (`f64::cos`, `f64::powf`, ...), the way
//! one would port it without thinking about speed. Every benchmark group
//! times one of these beside the `clr` path, so each figure is a ratio
//! measured in the same run.

use super::{GAMMA, TOTAL};
use clr::core::Real;

/// `std`'s math on the value type (inherent methods, not `libm`).
pub trait StdMath: Real {
    /// `std` cosine.
    fn std_cos(self) -> Self;
    /// `std` power.
    fn std_powf(self, e: Self) -> Self;
    /// `std` floor.
    fn std_floor(self) -> Self;
    /// `std` natural logarithm.
    fn std_ln(self) -> Self;
}

impl StdMath for f64 {
    fn std_cos(self) -> Self {
        self.cos()
    }
    fn std_powf(self, e: Self) -> Self {
        self.powf(e)
    }
    fn std_floor(self) -> Self {
        self.floor()
    }
    fn std_ln(self) -> Self {
        self.ln()
    }
}

impl StdMath for f32 {
    fn std_cos(self) -> Self {
        self.cos()
    }
    fn std_powf(self, e: Self) -> Self {
        self.powf(e)
    }
    fn std_floor(self) -> Self {
        self.floor()
    }
    fn std_ln(self) -> Self {
        self.ln()
    }
}

fn c<F: Real>(x: f64) -> F {
    F::from_f64(x)
}

/// A naive schedule: learning rate (and momentum) of step `k`.
pub trait Naive<F> {
    /// `(lr, momentum)` of step `k`; momentum NaN when not scheduled.
    fn hypers(&self, k: u64) -> (F, F);
    /// The learning rate alone.
    fn lr(&self, k: u64) -> F;
    /// The next step's values when stepping one by one (PyTorch's `step()`):
    /// by default the formula at the next `last_epoch`.
    fn step(&mut self, k: u64) -> (F, F) {
        self.hypers(k)
    }
}

/// PyTorch's `_annealing_cos`.
#[inline]
fn annealing_cos<F: StdMath>(start: F, end: F, pct: F) -> F {
    let cos_out = (F::PI() * pct).std_cos() + F::one();
    end + (start - end) / c(2.0) * cos_out
}

struct TorchPhase<F> {
    end_step: F,
    start_lr: F,
    end_lr: F,
    start_momentum: F,
    end_momentum: F,
}

/// `torch.optim.lr_scheduler.OneCycleLR.get_lr`, one parameter group.
pub struct TorchOneCycle<F> {
    phases: Vec<TorchPhase<F>>,
}

impl<F: StdMath> TorchOneCycle<F> {
    /// `OneCycleLR(max_lr, total_steps=TOTAL, three_phase)`, the defaults otherwise.
    pub fn new(max_lr: f64, three_phase: bool) -> Self {
        let (pct_start, div_factor, final_div_factor) = (0.3, 25.0, 1e4);
        let (base_momentum, max_momentum) = (0.85, 0.95);
        let total_steps = TOTAL as f64;
        let initial_lr = max_lr / div_factor;
        let min_lr = initial_lr / final_div_factor;
        let phase = |end: f64, lr: (f64, f64), m: (f64, f64)| TorchPhase {
            end_step: c(end),
            start_lr: c(lr.0),
            end_lr: c(lr.1),
            start_momentum: c(m.0),
            end_momentum: c(m.1),
        };
        let phases = if three_phase {
            vec![
                phase(
                    pct_start * total_steps - 1.0,
                    (initial_lr, max_lr),
                    (max_momentum, base_momentum),
                ),
                phase(
                    2.0 * pct_start * total_steps - 2.0,
                    (max_lr, initial_lr),
                    (base_momentum, max_momentum),
                ),
                phase(
                    total_steps - 1.0,
                    (initial_lr, min_lr),
                    (max_momentum, max_momentum),
                ),
            ]
        } else {
            vec![
                phase(
                    pct_start * total_steps - 1.0,
                    (initial_lr, max_lr),
                    (max_momentum, base_momentum),
                ),
                phase(
                    total_steps - 1.0,
                    (max_lr, min_lr),
                    (base_momentum, max_momentum),
                ),
            ]
        };
        TorchOneCycle { phases }
    }

    fn phase(&self, k: u64) -> (&TorchPhase<F>, F) {
        let step_num: F = c(k as f64);
        let mut start_step = F::zero();
        for (i, phase) in self.phases.iter().enumerate() {
            let end_step = phase.end_step;
            if step_num <= end_step || i == self.phases.len() - 1 {
                let pct = (step_num - start_step) / (end_step - start_step);
                return (phase, pct);
            }
            start_step = phase.end_step;
        }
        unreachable!("the last phase takes every step")
    }
}

impl<F: StdMath> Naive<F> for TorchOneCycle<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        let (phase, pct) = self.phase(k);
        (
            annealing_cos(phase.start_lr, phase.end_lr, pct),
            annealing_cos(phase.start_momentum, phase.end_momentum, pct),
        )
    }
    fn lr(&self, k: u64) -> F {
        let (phase, pct) = self.phase(k);
        annealing_cos(phase.start_lr, phase.end_lr, pct)
    }
}

/// `torch.optim.lr_scheduler.CyclicLR.get_lr`, one parameter group.
pub struct TorchCyclic<F> {
    base_lr: F,
    max_lr: F,
    base_momentum: F,
    max_momentum: F,
    total_size: F,
    step_ratio: F,
    /// `None`: triangular2 (`scale_mode='cycle'`); `Some(gamma)`: exp_range
    /// (`scale_mode='iterations'`).
    gamma: Option<F>,
}

impl<F: StdMath> TorchCyclic<F> {
    /// `CyclicLR(base_lr, max_lr, step_size_up, mode)` with the default momentum.
    pub fn new(base_lr: f64, max_lr: f64, step_size_up: u64, exp_range: bool) -> Self {
        let total_size = (2 * step_size_up) as f64;
        TorchCyclic {
            base_lr: c(base_lr),
            max_lr: c(max_lr),
            base_momentum: c(0.8),
            max_momentum: c(0.9),
            total_size: c(total_size),
            step_ratio: c(step_size_up as f64 / total_size),
            gamma: exp_range.then(|| c(GAMMA)),
        }
    }

    #[inline]
    fn scale(&self, cycle: F, last_epoch: F) -> F {
        match self.gamma {
            // _triangular2_scale_fn: 1 / (2.0 ** (x - 1))
            None => F::one() / c::<F>(2.0).std_powf(cycle - F::one()),
            // _exp_range_scale_fn: gamma ** x
            Some(gamma) => gamma.std_powf(last_epoch),
        }
    }

    #[inline]
    fn factor(&self, k: u64) -> (F, F) {
        let last_epoch: F = c(k as f64);
        let cycle = (F::one() + last_epoch / self.total_size).std_floor();
        let x = F::one() + last_epoch / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - F::one()) / (self.step_ratio - F::one())
        };
        (scale_factor, self.scale(cycle, last_epoch))
    }
}

impl<F: StdMath> Naive<F> for TorchCyclic<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        let (scale_factor, scale) = self.factor(k);
        let base_height = (self.max_lr - self.base_lr) * scale_factor;
        let lr = self.base_lr + base_height * scale;
        let base_height = (self.max_momentum - self.base_momentum) * scale_factor;
        let momentum = self.max_momentum - base_height * scale;
        (lr, momentum)
    }
    fn lr(&self, k: u64) -> F {
        let (scale_factor, scale) = self.factor(k);
        let base_height = (self.max_lr - self.base_lr) * scale_factor;
        self.base_lr + base_height * scale
    }
}

/// `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`: `step(epoch)`
/// for random access (its logarithm formula), `step()` for sequential.
pub struct TorchRestarts<F> {
    base_lr: F,
    eta_min: F,
    t_0: F,
    t_mult: F,
    t_i: F,
    t_cur: F,
}

impl<F: StdMath> TorchRestarts<F> {
    /// `CosineAnnealingWarmRestarts(T_0, T_mult)` on an optimizer at `lr`.
    pub fn new(lr: f64, t_0: u64, t_mult: u64) -> Self {
        TorchRestarts {
            base_lr: c(lr),
            eta_min: F::zero(),
            t_0: c(t_0 as f64),
            t_mult: c(t_mult as f64),
            t_i: c(t_0 as f64),
            t_cur: -F::one(),
        }
    }

    #[inline]
    fn get_lr(&self, t_cur: F, t_i: F) -> F {
        self.eta_min
            + (self.base_lr - self.eta_min) * (F::one() + (F::PI() * t_cur / t_i).std_cos())
                / c(2.0)
    }

    /// `step(epoch)`'s `T_cur` and `T_i`.
    #[inline]
    fn at_epoch(&self, epoch: F) -> (F, F) {
        if epoch >= self.t_0 {
            let one = F::one();
            let n = ((epoch / self.t_0 * (self.t_mult - one) + one).std_ln()
                / self.t_mult.std_ln())
            .std_floor();
            let t_cur = epoch - self.t_0 * (self.t_mult.std_powf(n) - one) / (self.t_mult - one);
            (t_cur, self.t_0 * self.t_mult.std_powf(n))
        } else {
            (epoch, self.t_0)
        }
    }
}

impl<F: StdMath> Naive<F> for TorchRestarts<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        (self.lr(k), F::nan())
    }
    fn lr(&self, k: u64) -> F {
        let (t_cur, t_i) = self.at_epoch(c(k as f64));
        self.get_lr(t_cur, t_i)
    }
    /// `step()`: `T_cur += 1`, restart when it reaches `T_i`.
    fn step(&mut self, k: u64) -> (F, F) {
        if k == 0 {
            self.t_cur = F::zero();
            self.t_i = self.t_0;
        } else {
            self.t_cur = self.t_cur + F::one();
            if self.t_cur >= self.t_i {
                self.t_cur = self.t_cur - self.t_i;
                self.t_i = self.t_i * self.t_mult;
            }
        }
        (self.get_lr(self.t_cur, self.t_i), F::nan())
    }
}

/// The Keras package's `OneCycle.get_current_lr` / `get_current_momentum`, verbatim.
pub struct KerasOneCycle<F> {
    lr_range: (F, F),
    momentum_range: (F, F),
    phase_one_fraction: F,
    n_iter: F,
}

impl<F: StdMath> KerasOneCycle<F> {
    /// `OneCycle(lr_range, momentum_range)` over `TOTAL` iterations.
    pub fn new(lr_range: (f64, f64), momentum_range: (f64, f64)) -> Self {
        KerasOneCycle {
            lr_range: (c(lr_range.0), c(lr_range.1)),
            momentum_range: (c(momentum_range.0), c(momentum_range.1)),
            phase_one_fraction: c(0.3),
            n_iter: c(TOTAL as f64),
        }
    }
}

impl<F: StdMath> Naive<F> for KerasOneCycle<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        let lr = self.lr(k);
        let (one, two, pi, f) = (F::one(), c::<F>(2.0), F::PI(), self.phase_one_fraction);
        let amp = self.momentum_range.1 - self.momentum_range.0;
        let x: F = c::<F>(k as f64) / self.n_iter;
        let delta = if x < f {
            ((x * pi / f - pi).std_cos() + one) * amp / two
        } else {
            (((x - f) * pi / (one - f)).std_cos() + one) / two * amp
        };
        (lr, delta + self.momentum_range.0)
    }
    fn lr(&self, k: u64) -> F {
        let (one, two, pi, f) = (F::one(), c::<F>(2.0), F::PI(), self.phase_one_fraction);
        let x: F = c::<F>(k as f64) / self.n_iter;
        if x < f {
            let amp = self.lr_range.1 - self.lr_range.0;
            ((x * pi / f - pi).std_cos() + one) * amp / two + self.lr_range.0
        } else {
            let amp = self.lr_range.1;
            (((x - f) * pi / (one - f)).std_cos() + one) / two * amp
        }
    }
}

/// The Keras package's `CLR.get_current_lr` / `get_current_momentum`,
/// verbatim (default `amplitude_fn`: 1).
pub struct KerasClr<F> {
    cyc: F,
    lr_range: (F, F),
    momentum_range: (F, F),
    phase_one_fraction: F,
    n_iter: F,
}

impl<F: StdMath> KerasClr<F> {
    /// `CLR(cyc, lr_range, momentum_range)` over `TOTAL` iterations.
    pub fn new(cyc: u64, lr_range: (f64, f64), momentum_range: (f64, f64)) -> Self {
        KerasClr {
            cyc: c(cyc as f64),
            lr_range: (c(lr_range.0), c(lr_range.1)),
            momentum_range: (c(momentum_range.0), c(momentum_range.1)),
            phase_one_fraction: c(0.3),
            n_iter: c(TOTAL as f64),
        }
    }

    #[inline]
    fn x(&self, k: u64) -> F {
        let x: F = c::<F>(k as f64) / self.n_iter;
        let cyc = (x * self.cyc).std_floor();
        (x - cyc / self.cyc) * self.cyc
    }
}

impl<F: StdMath> Naive<F> for KerasClr<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        let lr = self.lr(k);
        let (one, two, pi, f) = (F::one(), c::<F>(2.0), F::PI(), self.phase_one_fraction);
        let amp = self.momentum_range.1 - self.momentum_range.0;
        let x = self.x(k);
        let delta = if x < f {
            ((x * pi / f - pi).std_cos() + one) * amp / two
        } else {
            (((x - f) * pi / (one - f)).std_cos() + one) / two * amp
        };
        (lr, delta + self.momentum_range.0)
    }
    fn lr(&self, k: u64) -> F {
        let (one, two, pi, f) = (F::one(), c::<F>(2.0), F::PI(), self.phase_one_fraction);
        let x = self.x(k);
        let amp_0 = self.lr_range.1 - self.lr_range.0;
        let amp_mod = one; // the default amplitude_fn
        if x < f {
            let amp = amp_0 * amp_mod;
            ((x * pi / f - pi).std_cos() + one) * amp / two + self.lr_range.0
        } else {
            let amp = amp_0 * amp_mod + self.lr_range.0;
            (((x - f) * pi / (one - f)).std_cos() + one) / two * amp
        }
    }
}

/// fastai's `combined_cos` through `combine_scheds` and `SchedCos`, at
/// `pos = k / n` (what `ParamScheduler.before_batch` passes), with
/// `combine_scheds`' float32 `pcts` and `actual_pos`.
pub struct FastaiOneCycle<F> {
    pcts: [f32; 3],
    lr: (F, F, F),
    moms: (F, F, F),
    n: f64,
}

impl<F: StdMath> FastaiOneCycle<F> {
    /// `fit_one_cycle(lr_max)` with fastai's defaults over `TOTAL` batches.
    pub fn new(lr_max: f64) -> Self {
        let pct_start = 0.25_f64;
        let start = pct_start as f32;
        FastaiOneCycle {
            pcts: [0.0, start, start + (1.0 - pct_start) as f32],
            lr: (c(lr_max / 25.0), c(lr_max), c(lr_max / 1e5)),
            moms: (c(0.95), c(0.85), c(0.95)),
            n: TOTAL as f64,
        }
    }

    /// `combine_scheds`' `_inner(pos)`: the phase and its own position.
    #[inline]
    fn inner(&self, k: u64) -> (usize, F) {
        let pos = (k as f64 / self.n) as f32;
        let idx = if pos >= self.pcts[1] { 1 } else { 0 };
        let actual_pos = (pos - self.pcts[idx]) / (self.pcts[idx + 1] - self.pcts[idx]);
        (idx, c(f64::from(actual_pos)))
    }
}

/// fastai's `_cos_anneal` (`SchedCos`).
#[inline]
fn sched_cos<F: StdMath>(start: F, end: F, pos: F) -> F {
    start + (F::one() + (F::PI() * (F::one() - pos)).std_cos()) * (end - start) / c(2.0)
}

impl<F: StdMath> Naive<F> for FastaiOneCycle<F> {
    fn hypers(&self, k: u64) -> (F, F) {
        let (idx, pos) = self.inner(k);
        let (lr, m) = if idx == 0 {
            (
                sched_cos(self.lr.0, self.lr.1, pos),
                sched_cos(self.moms.0, self.moms.1, pos),
            )
        } else {
            (
                sched_cos(self.lr.1, self.lr.2, pos),
                sched_cos(self.moms.1, self.moms.2, pos),
            )
        };
        (lr, m)
    }
    fn lr(&self, k: u64) -> F {
        let (idx, pos) = self.inner(k);
        if idx == 0 {
            sched_cos(self.lr.0, self.lr.1, pos)
        } else {
            sched_cos(self.lr.1, self.lr.2, pos)
        }
    }
}
