//! `clr schedule KIND [OPTIONS]`: the arguments of every kind and how they
//! become a core schedule.
//!
//! Each kind keeps the parameter names and defaults of the library it comes
//! from, spelled as options (`max_lr` → `--max-lr`); lists are written with
//! commas (`--lr-range 0.001,0.1`).

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

use clr_core::{
    AnnealStrategy, Bundle, ClrBuilder, CosineRestarts, CyclicLr, CyclicMode, FitOneCycle,
    HyperSchedule, KerasClr, KerasOneCycle, LrSweep, OneCycleLr, SweepMode,
};
use clr_viz::Boundary;

use crate::error::{number, CliError, OptionRef};
use crate::output::{Format, Table};

/// The output formats, shown at the end of every `clr schedule` long help.
pub const OUTPUT_HELP: &str = "\
Output: one row per step 0..N-1; row k is what the optimizer holds for its k-th step.
  csv (default): header `step,lr`, or `step,lr,momentum` when momentum is scheduled,
    then `k,LR[,M]` per line, numbers in Rust's Display for f64 (shortest round trip).
  json: {\"kind\":KIND,\"steps\":N,\"rows\":[{\"step\":0,\"lr\":LR,\"momentum\":M},...]}
    with one row per line; \"momentum\" only when it is scheduled; a non-finite
    value is null.
  term: a braille chart of the learning rate (and momentum) per step, phase ends
    and cycle starts dotted; --size COLSxLINES (default 80x24).
  svg, png: the same as an image (--size WIDTHxHEIGHT in pixels); png needs
    --output FILE or a redirected stdout.
--output FILE writes there instead of stdout.
Bad input, and an --output that cannot be written, print one line on stderr and
exit with status 2.";

/// The arguments of `clr schedule`.
#[derive(Debug, Args)]
#[command(after_long_help = OUTPUT_HELP, subcommand_value_name = "KIND", subcommand_help_heading = "Kinds")]
pub struct ScheduleArgs {
    /// Output options, accepted before or after KIND.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The schedule and its options.
    #[command(subcommand)]
    pub kind: Kind,
}

/// Options of the output, shared by every kind.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format: csv (`step,lr[,momentum]`), json, term (a chart in the terminal), svg or png (shapes in --help).
    #[arg(long, value_enum, default_value_t = Format::Csv, global = true, help_heading = "Output")]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE", global = true, help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Size of a plot: WIDTHxHEIGHT pixels (svg, png) or COLSxLINES (term).
    #[arg(long, value_name = "WxH", value_parser = size, global = true, help_heading = "Output")]
    pub size: Option<(u32, u32)>,
}

/// `WIDTHxHEIGHT`, both at least 1 (e.g. `1200x500`).
pub fn size(text: &str) -> Result<(u32, u32), String> {
    let shape = || "expected WIDTHxHEIGHT, e.g. 1200x500".to_string();
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(shape)?;
    let parse = |t: &str| {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|&v| (1..=16_384).contains(&v))
    };
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("{} (each between 1 and 16384)", shape())),
    }
}

/// The schedules `clr schedule` prints.
#[derive(Debug, Subcommand)]
pub enum Kind {
    /// PyTorch's OneCycleLR (torch.optim.lr_scheduler, defaults included).
    #[command(after_long_help = OUTPUT_HELP)]
    OneCycle(OneCycleArgs),
    /// PyTorch's CyclicLR; unbounded, so --steps is required.
    #[command(after_long_help = OUTPUT_HELP)]
    Cyclic(CyclicArgs),
    /// PyTorch's CosineAnnealingWarmRestarts stepped once per batch; unbounded, so --steps is required.
    #[command(after_long_help = OUTPUT_HELP)]
    CosineRestarts(CosineRestartsArgs),
    /// keras_one_cycle_clr's OneCycle, quirks included (the rate falls to 0).
    #[command(after_long_help = OUTPUT_HELP)]
    KerasOneCycle(KerasOneCycleArgs),
    /// keras_one_cycle_clr's CLR, quirks included (each cycle falls to 0); amplitude_fn(c) = D^c.
    #[command(after_long_help = OUTPUT_HELP)]
    KerasClr(KerasClrArgs),
    /// fastai's Learner.fit_one_cycle, one batch per step.
    #[command(after_long_help = OUTPUT_HELP)]
    FastaiOneCycle(FastaiOneCycleArgs),
    /// keras_one_cycle_clr's LrRangeTest sweep: the learning rate of each range-test step.
    #[command(after_long_help = OUTPUT_HELP)]
    RangeTest(RangeTestArgs),
}

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

/// Two numbers given as `A,B`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair(pub f64, pub f64);

/// Three numbers given as `A,B,C`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triple(pub f64, pub f64, pub f64);

/// A finite number (`nan` and `inf` are refused here, whatever the option).
pub fn real(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number".to_string())?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err("expected a finite number".to_string())
    }
}

/// An integer >= 0.
pub fn count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    text.parse().map_err(|_| {
        if text.parse::<f64>().is_ok_and(|v| v < 0.0) {
            "expected an integer >= 0".to_string()
        } else {
            "expected a whole number".to_string()
        }
    })
}

/// An integer >= 1.
pub fn positive_count(text: &str) -> Result<u64, String> {
    match count(text) {
        Ok(0) => Err("expected an integer >= 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) if text.trim().parse::<f64>().is_ok_and(|v| v < 1.0) => {
            Err("expected an integer >= 1".to_string())
        }
        Err(e) => Err(e),
    }
}

fn list<const N: usize>(text: &str) -> Result<[f64; N], String> {
    let parts: Vec<&str> = text.split(',').collect();
    let shape = || format!("expected {N} comma-separated numbers");
    if parts.len() != N {
        return Err(shape());
    }
    let mut out = [0.0; N];
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = real(part).map_err(|e| format!("{} ({e}, got '{}')", shape(), part.trim()))?;
    }
    Ok(out)
}

/// Two finite numbers `A,B`.
pub fn pair(text: &str) -> Result<Pair, String> {
    list::<2>(text).map(|[a, b]| Pair(a, b))
}

/// Three finite numbers `A,B,C`.
pub fn triple(text: &str) -> Result<Triple, String> {
    list::<3>(text).map(|[a, b, c]| Triple(a, b, c))
}

/// A built schedule and how many rows to print.
pub struct Built {
    /// The kind's name on the command line.
    pub kind: &'static str,
    /// The rows to print.
    pub steps: u64,
    /// The schedule.
    pub schedule: Box<dyn HyperSchedule<f64>>,
    /// A plot's title: the kind, the library it reproduces, the steps.
    pub title: String,
    /// The phase ends and cycle starts among the rows.
    pub boundaries: Vec<Boundary>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("kind", &self.kind)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl Built {
    /// The table of the rows to print.
    pub fn table(&self) -> Table<'_> {
        Table::new(self.kind, self.steps, self.schedule.as_ref())
            .with_title(&self.title)
            .with_boundaries(&self.boundaries)
    }
}

impl Kind {
    /// The kind's name as typed on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::OneCycle(_) => "one-cycle",
            Kind::Cyclic(_) => "cyclic",
            Kind::CosineRestarts(_) => "cosine-restarts",
            Kind::KerasOneCycle(_) => "keras-one-cycle",
            Kind::KerasClr(_) => "keras-clr",
            Kind::FastaiOneCycle(_) => "fastai-one-cycle",
            Kind::RangeTest(_) => "range-test",
        }
    }

    /// Validates the options through the core builder and builds the schedule.
    pub fn build(&self) -> Result<Built, CliError> {
        let kind = self.name();
        let (schedule, steps): (Box<dyn HyperSchedule<f64>>, Option<u64>) = match self {
            Kind::OneCycle(a) => (Box::new(a.build()?), a.steps),
            Kind::Cyclic(a) => (Box::new(a.build()?), Some(a.steps)),
            Kind::CosineRestarts(a) => (Box::new(a.build()?), Some(a.steps)),
            Kind::KerasOneCycle(a) => (Box::new(a.build()?), a.steps),
            Kind::KerasClr(a) => (Box::new(a.build()?), a.steps),
            Kind::FastaiOneCycle(a) => (Box::new(a.build()?), a.steps),
            Kind::RangeTest(a) => (Box::new(a.build()?), a.steps),
        };
        let steps = steps
            .or(schedule.total_steps())
            .ok_or_else(|| CliError::usage(format!("'{kind}' needs '--steps': it is unbounded")))?;
        let mut boundaries = self.boundaries(steps);
        boundaries.retain(|b| b.step < steps);
        boundaries.sort_by_key(|b| b.step);
        boundaries.dedup();
        Ok(Built {
            kind,
            steps,
            title: format!("{kind} ({}), {steps} steps", self.reference()),
            schedule,
            boundaries,
        })
    }

    /// The class or function the kind reproduces, for a plot's title.
    pub fn reference(&self) -> &'static str {
        match self {
            Kind::OneCycle(_) => "PyTorch OneCycleLR",
            Kind::Cyclic(_) => "PyTorch CyclicLR",
            Kind::CosineRestarts(_) => "PyTorch CosineAnnealingWarmRestarts",
            Kind::KerasOneCycle(_) => "keras_one_cycle_clr OneCycle",
            Kind::KerasClr(_) => "keras_one_cycle_clr CLR",
            Kind::FastaiOneCycle(_) => "fastai fit_one_cycle",
            Kind::RangeTest(_) => "keras_one_cycle_clr LrRangeTest",
        }
    }

    /// The phase ends and cycle starts of the first `steps` steps, from the
    /// options (each kind's own step convention):
    /// - `one-cycle`: the phases end at `pct_start·T - 1` (and
    ///   `2·pct_start·T - 2` with three phases), rounded;
    /// - `cyclic`: cycles start at `k·(up + down)`, peak `up` steps later;
    /// - `cosine-restarts`: the restarts, `T_0`, `T_0 + T_0·T_mult`, …;
    /// - `keras-one-cycle`, `fastai-one-cycle`: the first step `k` with
    ///   `k/T >= fraction` (the peak);
    /// - `keras-clr`: each cycle's first step (`floor(k/T·cycles)` changes)
    ///   and its peak (the position in the cycle reaches the fraction);
    /// - `range-test`: none.
    pub fn boundaries(&self, steps: u64) -> Vec<Boundary> {
        match self {
            Kind::OneCycle(a) => {
                let t = match (a.total_steps, a.epochs, a.steps_per_epoch) {
                    (Some(n), _, _) => n,
                    (None, Some(e), Some(s)) => e.saturating_mul(s),
                    _ => return Vec::new(),
                } as f64;
                let mut ends = vec![a.pct_start * t - 1.0];
                if a.three_phase {
                    ends.push(2.0 * a.pct_start * t - 2.0);
                }
                ends.into_iter()
                    .filter(|e| e.is_finite() && *e >= 0.0 && *e < t - 1.0)
                    .map(|e| Boundary::phase(e.round() as u64))
                    .collect()
            }
            Kind::Cyclic(a) => {
                let up = a.step_size_up;
                let cycle = up.saturating_add(a.step_size_down.unwrap_or(up));
                let mut out = Vec::new();
                let mut start = 0_u64;
                while start < steps && cycle > 0 {
                    if start > 0 {
                        out.push(Boundary::cycle(start));
                    }
                    if up > 0 && a.step_size_down != Some(0) {
                        out.push(Boundary::phase(start.saturating_add(up)));
                    }
                    start = start.saturating_add(cycle);
                }
                out
            }
            Kind::CosineRestarts(a) => {
                let mut out = Vec::new();
                let mut len = a.t0;
                let mut start = a.t0;
                while start < steps && len > 0 {
                    out.push(Boundary::cycle(start));
                    len = len.saturating_mul(a.t_mult);
                    start = start.saturating_add(len);
                }
                out
            }
            Kind::KerasOneCycle(a) => {
                let n = a.total_steps;
                first_step(n, |k| k as f64 / n as f64 >= a.phase_one_fraction)
                    .filter(|&k| k > 0)
                    .map(Boundary::phase)
                    .into_iter()
                    .collect()
            }
            Kind::FastaiOneCycle(a) => {
                let n = a.total_steps;
                first_step(n, |k| k as f64 / n as f64 >= a.pct_start)
                    .filter(|&k| k > 0)
                    .map(Boundary::phase)
                    .into_iter()
                    .collect()
            }
            Kind::KerasClr(a) => {
                let n = a.total_steps;
                let cyc = a.cycles as f64;
                // The seed's (cycle, position) of step k.
                let position = |k: u64| {
                    let x = k as f64 / n as f64;
                    let c = (x * cyc).floor();
                    (c, (x - c / cyc) * cyc)
                };
                let mut out = Vec::new();
                for c in 0..a.cycles.min(10_000) {
                    let c = c as f64;
                    if let Some(k) = first_step(n, |k| position(k).0 >= c).filter(|&k| k > 0) {
                        out.push(Boundary::cycle(k));
                    }
                    let peak = first_step(n, |k| {
                        let (kc, x) = position(k);
                        kc > c || (kc == c && x >= a.phase_one_fraction)
                    });
                    if let Some(k) = peak.filter(|&k| k > 0) {
                        out.push(Boundary::phase(k));
                    }
                }
                out
            }
            Kind::RangeTest(_) => Vec::new(),
        }
    }
}

/// The first `k` in `0..n` where the monotone `reached(k)` holds (binary search).
fn first_step(n: u64, reached: impl Fn(u64) -> bool) -> Option<u64> {
    let (mut lo, mut hi) = (0_u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (lo < n).then_some(lo)
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
            .momentum(self.base_momentum, self.max_momentum);
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
            .momentum(self.base_momentum, self.max_momentum);
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
        let sweep = LrSweep::new((lo, hi), self.total_steps, mode).map_err(err)?;
        // A range test's rates rise (RangeTestConfig refuses the rest too):
        // every suggestion method reads the curve that way.
        if lo >= hi {
            return Err(err(clr_core::Error::Compare {
                param: "lr_range.0",
                value: lo,
                other: "lr_range.1",
                other_value: hi,
                must: clr_core::Comparison::Below,
            }));
        }
        Ok(Bundle::lr_only(sweep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers() {
        assert_eq!(real(" 1e-3 "), Ok(1e-3));
        assert!(real("nan").is_err());
        assert!(real("inf").is_err());
        assert!(real("x").is_err());
        assert_eq!(count("0"), Ok(0));
        assert_eq!(count("-3"), Err("expected an integer >= 0".into()));
        assert_eq!(positive_count("0"), Err("expected an integer >= 1".into()));
        assert_eq!(positive_count("-3"), Err("expected an integer >= 1".into()));
        assert_eq!(positive_count("2.5"), Err("expected a whole number".into()));
        assert_eq!(pair("0.1,1"), Ok(Pair(0.1, 1.0)));
        assert!(pair("1").is_err());
        assert!(pair("1,2,3").is_err());
        assert!(pair("1,x").is_err());
        assert_eq!(triple("1,2,3"), Ok(Triple(1.0, 2.0, 3.0)));
        assert_eq!(size("1200x500"), Ok((1200, 500)));
        assert_eq!(size(" 80X24 "), Ok((80, 24)));
        assert!(size("0x10").is_err());
        assert!(size("100").is_err());
        assert!(size("axb").is_err());
    }

    #[test]
    fn first_step_is_exact() {
        assert_eq!(first_step(10, |k| k >= 3), Some(3));
        assert_eq!(first_step(10, |_| true), Some(0));
        assert_eq!(first_step(10, |_| false), None);
        assert_eq!(first_step(1000, |k| k as f64 / 1000.0 >= 0.3), Some(300));
    }
}
