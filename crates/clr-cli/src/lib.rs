//! `clr`: the command line of the `clr` workspace.
//!
//! `clr schedule KIND [OPTIONS]` prints a learning-rate (and momentum)
//! schedule, one row per step, as CSV or JSON. The kinds, their option names
//! and their defaults are those of the libraries they reproduce: PyTorch,
//! fastai and `keras_one_cycle_clr`.
//!
//! `--format term|svg|png` draws it instead (a braille chart, or an image of
//! the learning-rate and momentum panels with phase and cycle boundaries),
//! and `--output FILE` writes to a file.
//!
//! `clr suggest --input FILE` reads a range-test curve (CSV `lr,loss`) and
//! prints fastai's and torch-lr-finder's suggested learning rates as CSV
//! `method,lr`; `--plot FILE.png|FILE.svg` also draws the curve with every
//! suggestion marked.
//!
//! Bad input, and an output file that cannot be written, print one line on
//! stderr and exit with status 2; nothing is written to stdout then. A
//! closed stdout (`clr schedule ... | head -1`) ends the command quietly
//! with status 0.
//!
//! This crate has no feature flags.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod output;
pub mod parse;
pub mod schedule;
pub mod suggest;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub use error::CliError;

/// The `clr` command line.
#[derive(Debug, Parser)]
#[command(
    name = "clr",
    version,
    about = "Cyclical learning-rate schedules with exact parity to PyTorch, fastai and keras_one_cycle_clr.",
    subcommand_required = true,
    arg_required_else_help = false,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `clr`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a schedule: one row per step (csv or json).
    #[command(
        subcommand_required = true,
        arg_required_else_help = false,
        disable_help_subcommand = true
    )]
    Schedule(schedule::ScheduleArgs),
    /// Suggest learning rates from a range-test curve (CSV `lr,loss`).
    Suggest(suggest::SuggestArgs),
}

/// Parses `args` (program name first) and runs the command, writing to stdout.
///
/// `--help` and `--version` are printed here too and return `Ok`.
pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let matches = match cmd.try_get_matches_from_mut(args.iter()) {
        Ok(matches) => matches,
        Err(err) => return clap_error(&err, &cmd, &args),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return clap_error(&err, &cmd, &args),
    };
    match cli.command {
        Command::Schedule(args) => {
            let built = args.kind.build()?;
            let format = args.output.format;
            match &args.output.output {
                Some(path) => {
                    let writer = format.sized_writer(args.output.size, false);
                    let mut bytes = Vec::new();
                    writer
                        .write_table(&built.table(), &mut bytes)
                        .map_err(CliError::Io)?;
                    write_file(path, &bytes)
                }
                None => {
                    let stdout_is_terminal = io::stdout().is_terminal();
                    if format.is_binary() && stdout_is_terminal {
                        return Err(CliError::usage(
                            "'--format png' writes binary data: give '--output FILE' or redirect stdout",
                        ));
                    }
                    let color = stdout_is_terminal && std::env::var_os("NO_COLOR").is_none();
                    let writer = format.sized_writer(args.output.size, color);
                    write_stdout(|out| writer.write_table(&built.table(), out))
                }
            }
        }
        Command::Suggest(args) => {
            if let Some(path) = &args.plot {
                // Refuse a bad file name before reading the input.
                clr_viz::Format::from_path(path)
                    .map_err(|e| CliError::usage(format!("invalid value for '--plot': {e}")))?;
            }
            let (curve, suggestions) = args.curve_and_suggestions()?;
            if let Some(path) = &args.plot {
                let bytes = suggest::plot(&args.input, &curve, &suggestions, path)?;
                write_file(path, &bytes)?;
            }
            write_stdout(|out| suggest::write_csv(&suggestions, out))
        }
    }
}

/// Writes `bytes` to `path`; failing is bad input (exit 2), naming the file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::usage(format!("cannot write '{}': {e}", path.display())))
}

/// Runs `clr` on `args` and reports: the error line on stderr, the exit status.
pub fn main_with(args: Vec<OsString>) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Nothing more can be done if stderr is gone too.
            let _ = writeln!(io::stderr().lock(), "{err}");
            ExitCode::from(err.exit_code())
        }
    }
}

fn clap_error(err: &clap::Error, cmd: &clap::Command, args: &[OsString]) -> Result<(), CliError> {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Help goes to stdout; a closed pipe there is not an error.
            match err.print() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Io(e)),
                _ => Ok(()),
            }
        }
        _ => Err(CliError::from_clap(err, cmd, args)),
    }
}

/// Writes through a buffer on the locked stdout; a closed pipe is success.
fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = write(&mut out).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Io(e)),
        Ok(()) => Ok(()),
    }
}
