//! `clr schedule KIND [OPTIONS]`: the arguments of every kind and how they
//! become a core schedule.
//!
//! Each kind keeps the parameter names and defaults of the library it comes
//! from, spelled as options (`max_lr` → `--max-lr`); lists are written with
//! commas (`--lr-range 0.001,0.1`).

use clap::{Args, Subcommand};
use std::path::PathBuf;

use clr_core::HyperSchedule;
use clr_viz::Boundary;

use crate::error::CliError;
use crate::output::{Format, Table};
use crate::parse::size;

mod boundaries;
mod kinds;

pub use kinds::{
    Anneal, CosineRestartsArgs, CyclicArgs, FastaiOneCycleArgs, KerasClrArgs, KerasOneCycleArgs,
    Mode, OneCycleArgs, RangeTestArgs, Sweep,
};

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
}
