//! The options of each kind, named and defaulted as in the library it
//! reproduces, and how they become a core schedule.

use clap::{Args, ValueEnum};

use clr_core::{
    AnnealStrategy, Bundle, ClrBuilder, CosineRestarts, CyclicLr, CyclicMode, FitOneCycle,
    KerasClr, KerasOneCycle, LrSweep, OneCycleLr, RangeTestConfig, SweepMode,
};

use crate::error::{number, CliError, OptionRef};
use crate::parse::{count, pair, positive_count, real, triple, Pair, Triple};

/// `clr schedule one-cycle`: PyTorch's `OneCycleLR`.
#[derive(Debug, Args)]
pub struct OneCycleArgs {
    /// Peak learning rate (max_lr).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true)]
    pub max_lr: f64,
    /// Length of the cycle in steps (total_steps); or give --epochs and --steps-per-epoch.
    #[arg(
        long,
        value_name = "N",
        value_parser = positive_count,
        allow_negative_numbers = true,
        required_unless_present_all = ["epochs", "steps_per_epoch"],
        conflicts_with_all = ["epochs", "steps_per_epoch"],
    )]
    pub total_steps: Option<u64>,
    /// Epochs; the cycle lasts epochs × steps-per-epoch steps.
    #[arg(long, value_name = "E", value_parser = positive_count, allow_negative_numbers = true, requires = "steps_per_epoch")]
    pub epochs: Option<u64>,
    /// Optimizer steps per epoch.
    #[arg(long, value_name = "S", value_parser = positive_count, allow_negative_numbers = true, requires = "epochs")]
    pub steps_per_epoch: Option<u64>,
    /// Share of the cycle spent increasing the learning rate, in [0, 1].
    #[arg(long, value_name = "F", value_parser = real, allow_negative_numbers = true, default_value = "0.3")]
    pub pct_start: f64,
    /// Annealing curve (anneal_strategy).
    #[arg(long, value_enum, default_value_t = Anneal::Cos)]
    pub anneal: Anneal,
    /// The first learning rate is max-lr / div-factor.
    #[arg(long, value_name = "X", value_parser = real, allow_negative_numbers = true, default_value = "25")]
    pub div_factor: f64,
    /// The last learning rate is max-lr / div-factor / final-div-factor.
    #[arg(long, value_name = "X", value_parser = real, allow_negative_numbers = true, default_value = "1e4")]
    pub final_div_factor: f64,
    /// Add a third phase that anneals to the last learning rate (fastai-style).
    #[arg(long)]
    pub three_phase: bool,
    /// Momentum at the peak learning rate.
    #[arg(long, value_name = "M", value_parser = real, allow_negative_numbers = true, default_value = "0.85")]
    pub base_momentum: f64,
    /// Momentum at the start and the end.
    #[arg(long, value_name = "M", value_parser = real, allow_negative_numbers = true, default_value = "0.95")]
    pub max_momentum: f64,
    /// Do not cycle momentum (cycle_momentum=False): no momentum column.
    #[arg(long)]
    pub no_momentum: bool,
    /// Rows to print [default: the schedule's length; more rows hold its last value].
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: Option<u64>,
}

/// `clr schedule cyclic`: PyTorch's `CyclicLR`.
#[derive(Debug, Args)]
pub struct CyclicArgs {
    /// Lower learning rate (base_lr).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true)]
    pub base_lr: f64,
    /// Upper learning rate before scaling (max_lr).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true)]
    pub max_lr: f64,
    /// Steps of the rise.
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true, default_value = "2000")]
    pub step_size_up: u64,
    /// Steps of the fall [default: --step-size-up].
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    pub step_size_down: Option<u64>,
    /// Amplitude policy: constant, halved every cycle, or gamma^step.
    #[arg(long, value_enum, default_value_t = Mode::Triangular)]
    pub mode: Mode,
    /// Decay per step of exp-range (ignored by the other modes).
    #[arg(long, value_name = "G", value_parser = real, allow_negative_numbers = true, default_value = "1.0")]
    pub gamma: f64,
    /// Momentum at the peak learning rate.
    #[arg(long, value_name = "M", value_parser = real, allow_negative_numbers = true, default_value = "0.8")]
    pub base_momentum: f64,
    /// Momentum at the base learning rate.
    #[arg(long, value_name = "M", value_parser = real, allow_negative_numbers = true, default_value = "0.9")]
    pub max_momentum: f64,
    /// Do not cycle momentum (cycle_momentum=False): no momentum column.
    #[arg(long)]
    pub no_momentum: bool,
    /// Rows to print (required: the schedule is unbounded).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: u64,
}

/// `clr schedule cosine-restarts`: PyTorch's `CosineAnnealingWarmRestarts`.
#[derive(Debug, Args)]
pub struct CosineRestartsArgs {
    /// The peak of every cycle (the optimizer's lr).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true)]
    pub lr: f64,
    /// Steps in the first cycle (T_0).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub t0: u64,
    /// Growth factor of the cycle length at each restart (T_mult, an integer >= 1).
    #[arg(long, value_name = "M", value_parser = positive_count, allow_negative_numbers = true, default_value = "1")]
    pub t_mult: u64,
    /// The floor of the learning rate (eta_min).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true, default_value = "0")]
    pub eta_min: f64,
    /// Rows to print (required: the schedule is unbounded).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: u64,
}

/// `clr schedule keras-one-cycle`: keras_one_cycle_clr's `OneCycle`.
#[derive(Debug, Args)]
pub struct KerasOneCycleArgs {
    /// Start and peak learning rate (lr_range); the cycle ends at 0.
    #[arg(long, value_name = "LO,HI", value_parser = pair, allow_hyphen_values = true)]
    pub lr_range: Pair,
    /// Steps in the cycle (epochs × batches per epoch).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub total_steps: u64,
    /// Momentum at the start/end and at the peak (momentum_range); the momentum column appears only when given [default: none].
    #[arg(long, value_name = "M1,M2", value_parser = pair, allow_hyphen_values = true)]
    pub momentum_range: Option<Pair>,
    /// Share of the cycle spent rising, in [0, 1].
    #[arg(long, value_name = "F", value_parser = real, allow_negative_numbers = true, default_value = "0.3")]
    pub phase_one_fraction: f64,
    /// Rows to print [default: the schedule's length; more rows hold its last value].
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: Option<u64>,
}

/// `clr schedule keras-clr`: keras_one_cycle_clr's `CLR`.
#[derive(Debug, Args)]
pub struct KerasClrArgs {
    /// Number of cycles in the run (cyc).
    #[arg(long, value_name = "C", value_parser = positive_count, allow_negative_numbers = true)]
    pub cycles: u64,
    /// Floor and first peak of the learning rate (lr_range).
    #[arg(long, value_name = "LO,HI", value_parser = pair, allow_hyphen_values = true)]
    pub lr_range: Pair,
    /// Steps in the whole run.
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub total_steps: u64,
    /// Momentum at each cycle's start/end and at its peak (momentum_range); the momentum column appears only when given [default: none].
    #[arg(long, value_name = "M1,M2", value_parser = pair, allow_hyphen_values = true)]
    pub momentum_range: Option<Pair>,
    /// Share of each cycle spent rising, in [0, 1].
    #[arg(long, value_name = "F", value_parser = real, allow_negative_numbers = true, default_value = "0.3")]
    pub phase_one_fraction: f64,
    /// Amplitude of cycle c (from 0) relative to the first: amplitude_fn(c) = D^c.
    #[arg(long, value_name = "D", value_parser = real, allow_negative_numbers = true, default_value = "1")]
    pub amplitude_decay: f64,
    /// Rows to print [default: the schedule's length; more rows hold its last value].
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: Option<u64>,
}

/// `clr schedule fastai-one-cycle`: fastai's `fit_one_cycle`.
#[derive(Debug, Args)]
pub struct FastaiOneCycleArgs {
    /// Peak learning rate (lr_max; fastai's default is the optimizer's lr, 1e-3).
    #[arg(long, value_name = "LR", value_parser = real, allow_negative_numbers = true, default_value = "1e-3")]
    pub lr_max: f64,
    /// Steps in the run (n_epoch × batches per epoch).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub total_steps: u64,
    /// The first learning rate is lr-max / div.
    #[arg(long, value_name = "X", value_parser = real, allow_negative_numbers = true, default_value = "25")]
    pub div: f64,
    /// The last learning rate is lr-max / div-final.
    #[arg(long, value_name = "X", value_parser = real, allow_negative_numbers = true, default_value = "1e5")]
    pub div_final: f64,
    /// Share of the run spent increasing the learning rate, in [0, 1].
    #[arg(long, value_name = "F", value_parser = real, allow_negative_numbers = true, default_value = "0.25")]
    pub pct_start: f64,
    /// Momentum at the start, the peak and the end.
    #[arg(long, value_name = "M0,M1,M2", value_parser = triple, allow_hyphen_values = true, default_value = "0.95,0.85,0.95")]
    pub moms: Triple,
    /// Rows to print [default: the schedule's length; more rows hold its last value].
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: Option<u64>,
}

/// `clr schedule range-test`: keras_one_cycle_clr's `LrRangeTest` learning rates.
#[derive(Debug, Args)]
pub struct RangeTestArgs {
    /// First and last learning rate of the sweep (lr_range), each > 0, the first below the second.
    #[arg(long, value_name = "LO,HI", value_parser = pair, allow_hyphen_values = true, default_value = "1e-5,10")]
    pub lr_range: Pair,
    /// Steps of the sweep (LrRangeTest's steps).
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub total_steps: u64,
    /// Spacing: exp (evenly in log10, as LrRangeTest) or linear.
    #[arg(long, value_enum, default_value_t = Sweep::Exp)]
    pub mode: Sweep,
    /// Rows to print [default: the schedule's length; more rows hold its last value].
    #[arg(long, value_name = "N", value_parser = positive_count, allow_negative_numbers = true)]
    pub steps: Option<u64>,
}

/// `--anneal` of `one-cycle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Anneal {
    /// Cosine annealing.
    Cos,
    /// Linear annealing.
    Linear,
}

/// `--mode` of `cyclic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Constant amplitude.
    Triangular,
    /// Amplitude halved every cycle.
    #[value(name = "triangular2")]
    Triangular2,
    /// Amplitude gamma^step.
    ExpRange,
}

/// `--mode` of `range-test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sweep {
    /// Evenly spaced in log10.
    Exp,
    /// Evenly spaced in the learning rate.
    Linear,
}

/// Maps a core error with the usual `snake_case` → `--kebab-case` names.
fn core_err(err: clr_core::Error) -> CliError {
    CliError::from_core(err, OptionRef::from_param)
}

/// Refuses a derived learning rate that overflowed, naming the divisor.
fn check_derived(value: f64, option: &str, given: f64, what: &str) -> Result<(), CliError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "invalid value '{}' for '{option}': {what} is not a finite number",
            number(given)
        )))
    }
}

impl OneCycleArgs {
    /// The core schedule.
    pub fn build(&self) -> Result<OneCycleLr<f64>, CliError> {
        let builder =
            match (self.total_steps, self.epochs, self.steps_per_epoch) {
                (Some(n), _, _) => OneCycleLr::builder(self.max_lr, n),
                (None, Some(e), Some(s)) => OneCycleLr::builder_epochs(self.max_lr, e, s),
                _ => return Err(CliError::usage(
                    "'one-cycle' needs '--total-steps' or both '--epochs' and '--steps-per-epoch'",
                )),
            };
        let mut builder = builder
            .pct_start(self.pct_start)
            .anneal(match self.anneal {
                Anneal::Cos => AnnealStrategy::Cos,
                Anneal::Linear => AnnealStrategy::Linear,
            })
            .div_factor(self.div_factor)
            .final_div_factor(self.final_div_factor)
            .three_phase(self.three_phase)
            .momentum_range(self.max_momentum, self.base_momentum);
        if self.no_momentum {
            builder = builder.no_momentum();
        }
        if self.max_lr > 0.0 && self.div_factor > 0.0 && self.final_div_factor > 0.0 {
            let initial = self.max_lr / self.div_factor;
            check_derived(
                initial,
                "--div-factor",
                self.div_factor,
                "--max-lr / --div-factor",
            )?;
            check_derived(
                initial / self.final_div_factor,
                "--final-div-factor",
                self.final_div_factor,
                "--max-lr / --div-factor / --final-div-factor",
            )?;
        }
        builder.build().map_err(core_err)
    }
}

impl CyclicArgs {
    /// The core schedule.
    pub fn build(&self) -> Result<CyclicLr<f64>, CliError> {
        let mut builder = CyclicLr::builder(self.base_lr, self.max_lr)
            .step_size_up(self.step_size_up)
            .mode(match self.mode {
                Mode::Triangular => CyclicMode::Triangular,
                Mode::Triangular2 => CyclicMode::Triangular2,
                Mode::ExpRange => CyclicMode::ExpRange { gamma: self.gamma },
            })
            .momentum_range(self.max_momentum, self.base_momentum);
        if let Some(down) = self.step_size_down {
            builder = builder.step_size_down(down);
        }
        if self.no_momentum {
            builder = builder.no_momentum();
        }
        builder.build().map_err(core_err)
    }
}

impl CosineRestartsArgs {
    /// The core schedule (a learning rate only).
    pub fn build(&self) -> Result<Bundle<CosineRestarts<f64>, CosineRestarts<f64>>, CliError> {
        let schedule = CosineRestarts::builder(self.lr, self.t0)
            .t_mult(self.t_mult as f64)
            .eta_min(self.eta_min)
            .build()
            .map_err(core_err)?;
        Ok(Bundle::lr_only(schedule))
    }
}

impl KerasOneCycleArgs {
    /// The core schedule.
    pub fn build(&self) -> Result<KerasOneCycle<f64>, CliError> {
        let Pair(lo, hi) = self.lr_range;
        let mut builder = KerasOneCycle::builder((lo, hi), self.total_steps)
            .phase_one_fraction(self.phase_one_fraction);
        if let Some(Pair(m1, m2)) = self.momentum_range {
            builder = builder.momentum_range(m1, m2);
        }
        builder.build().map_err(core_err)
    }
}

impl KerasClrArgs {
    /// The core schedule.
    pub fn build(&self) -> Result<KerasClr<f64>, CliError> {
        let Pair(lo, hi) = self.lr_range;
        let mut builder: ClrBuilder<f64> =
            KerasClr::builder(self.cycles, (lo, hi), self.total_steps)
                .phase_one_fraction(self.phase_one_fraction)
                .amplitude(clr_core::Amplitude::Decay(self.amplitude_decay));
        if let Some(Pair(m1, m2)) = self.momentum_range {
            builder = builder.momentum_range(m1, m2);
        }
        builder.build_keras().map_err(core_err)
    }
}

impl FastaiOneCycleArgs {
    /// The core schedule.
    pub fn build(&self) -> Result<FitOneCycle<f64>, CliError> {
        let Triple(m0, m1, m2) = self.moms;
        if self.lr_max > 0.0 {
            if self.div > 0.0 {
                check_derived(
                    self.lr_max / self.div,
                    "--div",
                    self.div,
                    "--lr-max / --div",
                )?;
            }
            if self.div_final > 0.0 {
                check_derived(
                    self.lr_max / self.div_final,
                    "--div-final",
                    self.div_final,
                    "--lr-max / --div-final",
                )?;
            }
        }
        FitOneCycle::builder(self.lr_max, self.total_steps)
            .div(self.div)
            .div_final(self.div_final)
            .pct_start(self.pct_start)
            .moms(m0, m1, m2)
            .build()
            .map_err(core_err)
    }
}

impl RangeTestArgs {
    /// The core schedule (a learning rate only).
    pub fn build(&self) -> Result<Bundle<LrSweep<f64>, LrSweep<f64>>, CliError> {
        let Pair(lo, hi) = self.lr_range;
        let mode = match self.mode {
            Sweep::Exp => SweepMode::Exp,
            Sweep::Linear => SweepMode::Linear,
        };
        // LrRangeTest calls the sweep's length `steps`; here it is --total-steps.
        let err = |err| {
            CliError::from_core(err, |param| match param {
                "steps" => OptionRef::new("--total-steps"),
                other => OptionRef::from_param(other),
            })
        };
        // The range test's own sweep, checked as the range test checks it.
        let config = RangeTestConfig {
            lr_range: (lo, hi),
            steps: self.total_steps,
            mode,
            ..RangeTestConfig::keras()
        };
        Ok(Bundle::lr_only(config.sweep().map_err(err)?))
    }
}
