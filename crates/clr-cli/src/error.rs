//! The CLI's error type: one line on stderr, naming the option and the value.
//!
//! Bad input (a clap parse error or a configuration the core refuses) exits
//! with status [`EXIT_USAGE`]; a failed write exits with [`EXIT_IO`].

use std::ffi::OsString;
use std::fmt;
use std::io;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Exit status for bad input: clap's own convention.
pub const EXIT_USAGE: u8 = 2;

/// Exit status for an output error other than a closed pipe.
pub const EXIT_IO: u8 = 1;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Bad input. The message is one line, without the `error: ` prefix, and
    /// names the option (as `--option-name`) and the value it refused.
    Usage(String),
    /// Writing the output failed (a closed pipe is not an error).
    Io(io::Error),
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Io(_) => EXIT_IO,
        }
    }

    /// A bad-input error with this message (newlines are folded into spaces).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(one_line(&message.into()))
    }

    /// Turns one of clap's parse errors into a one-line [`CliError::Usage`].
    ///
    /// `cmd` is the whole command tree and `args` the command line (program
    /// name first): an unknown subcommand is reported with the list of the
    /// valid ones at the level where it occurred.
    pub fn from_clap(err: &clap::Error, cmd: &clap::Command, args: &[OsString]) -> Self {
        let rendered = err.render().to_string();
        let rendered = rendered.trim_start();
        let rendered = rendered.strip_prefix("error:").unwrap_or(rendered);
        // The first paragraph is the message proper; clap's "tip:" paragraphs
        // are kept, the usage line and the "--help" hint dropped.
        let mut parts: Vec<String> = Vec::new();
        for (i, paragraph) in rendered.split("\n\n").enumerate() {
            let paragraph = paragraph.trim();
            if i == 0 {
                parts.push(one_line(paragraph));
            } else if let Some(tip) = paragraph.strip_prefix("tip:") {
                parts.push(format!("(tip: {})", one_line(tip)));
            }
        }
        let mut message = parts.join(" ");
        if let (ErrorKind::MissingRequiredArgument, Some(ContextValue::Strings(missing))) =
            (err.kind(), err.get(ContextKind::InvalidArg))
        {
            message = format!(
                "the following required arguments were not provided: {}",
                missing.join(", ")
            );
        }
        if err.kind() == ErrorKind::InvalidSubcommand {
            let valid = subcommands_at(cmd, args);
            if !valid.is_empty() {
                message.push_str(&format!(" (expected one of: {})", valid.join(", ")));
            }
        }
        CliError::Usage(message)
    }

    /// Turns a core configuration error into a one-line [`CliError::Usage`].
    ///
    /// `option` maps a core parameter name (`max_lr`, `lr_range.0`, ...) to
    /// the command-line option it came from; [`OptionRef::from_param`] is the
    /// usual mapping.
    pub fn from_core(err: clr_core::Error, option: impl Fn(&str) -> OptionRef) -> Self {
        #[allow(unreachable_patterns)] // the fallback arm guards against new variants
        let message = match err {
            clr_core::Error::Invalid {
                param,
                value,
                expected,
            } => {
                let at = option(param);
                let value = match value {
                    clr_core::Value::Float(v) => number(v),
                    clr_core::Value::Int(v) => v.to_string(),
                };
                format!(
                    "invalid value '{value}' for '{}'{}: {expected}",
                    at.option,
                    at.part_suffix()
                )
            }
            clr_core::Error::Order {
                low,
                low_value,
                high,
                high_value,
            } => relation(
                (option(low), low_value),
                "must not exceed",
                (option(high), high_value),
            ),
            clr_core::Error::Compare {
                param,
                value,
                other,
                other_value,
                must,
            } => relation(
                (option(param), value),
                &must.to_string(),
                (option(other), other_value),
            ),
            clr_core::Error::Overflow { param } => {
                let at = option(param);
                format!(
                    "invalid value for '{}'{}: the step count overflows u64",
                    at.option,
                    at.part_suffix()
                )
            }
            clr_core::Error::Unbounded { param } => {
                let at = option(param);
                format!(
                    "invalid value for '{}'{}: expected a schedule with a finite length",
                    at.option,
                    at.part_suffix()
                )
            }
            other => {
                let at = option(other.param());
                format!("{other} (option '{}'{})", at.option, at.part_suffix())
            }
        };
        CliError::usage(message)
    }
}

/// The message of a parameter that must compare with another as `must`
/// says ("must not exceed", "must be below", …): the two numbers of one
/// list option, or an option against another.
fn relation((at, value): (OptionRef, f64), must: &str, (to, other): (OptionRef, f64)) -> String {
    let (value, other) = (number(value), number(other));
    if at.option == to.option {
        format!(
            "invalid value '{value},{other}' for '{}': the {} number {must} the {}",
            at.option,
            at.part.unwrap_or("first"),
            to.part.unwrap_or("second"),
        )
    } else {
        format!(
            "invalid value '{value}' for '{}'{}: {must} '{}'{} = {other}",
            at.option,
            at.part_suffix(),
            to.option,
            to.part_suffix(),
        )
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) => write!(f, "error: {message}"),
            CliError::Io(err) => write!(f, "error: cannot write the output: {err}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Usage(_) => None,
            CliError::Io(err) => Some(err),
        }
    }
}

impl From<io::Error> for CliError {
    fn from(err: io::Error) -> Self {
        CliError::Io(err)
    }
}

/// Where a core parameter lives on the command line: an option, and for
/// list options (`--lr-range LO,HI`) which of its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRef {
    /// The option with its dashes, e.g. `--lr-range`.
    pub option: String,
    /// `Some("first")`, `Some("second")`, ... for one number of a list option.
    pub part: Option<&'static str>,
}

impl OptionRef {
    /// A whole option, e.g. `OptionRef::new("--max-lr")`.
    pub fn new(option: impl Into<String>) -> Self {
        OptionRef {
            option: option.into(),
            part: None,
        }
    }

    /// The usual mapping from a core parameter name to its option:
    /// `max_lr` → `--max-lr`, `lr_range.0` → the first number of `--lr-range`.
    pub fn from_param(param: &str) -> Self {
        let (base, index) = match param.split_once('.') {
            Some((base, index)) => (base, Some(index)),
            None => (param, None),
        };
        let part = index.map(|i| match i {
            "0" => "first",
            "1" => "second",
            "2" => "third",
            _ => "last",
        });
        OptionRef {
            option: format!("--{}", base.replace('_', "-")),
            part,
        }
    }

    fn part_suffix(&self) -> String {
        match self.part {
            Some(part) => format!(" ({part} number)"),
            None => String::new(),
        }
    }
}

/// A number for a message: `Display`, or scientific notation when that
/// would be long (`1e-320` rather than 320 zeros).
pub fn number(value: f64) -> String {
    let plain = value.to_string();
    if plain.len() > 24 {
        format!("{value:e}")
    } else {
        plain
    }
}

/// Folds a multi-line message into one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names of the subcommands valid where `args` stops matching
/// subcommands of `cmd` (the program name, `args[0]`, is skipped).
fn subcommands_at(cmd: &clap::Command, args: &[OsString]) -> Vec<String> {
    let mut current = cmd;
    for arg in args.iter().skip(1) {
        let Some(arg) = arg.to_str() else { break };
        if arg.starts_with('-') {
            continue;
        }
        match current.find_subcommand(arg) {
            Some(sub) => current = sub,
            None => break,
        }
    }
    current
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .map(|sub| sub.get_name().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_map_to_options() {
        assert_eq!(OptionRef::from_param("max_lr"), OptionRef::new("--max-lr"));
        assert_eq!(OptionRef::from_param("t0"), OptionRef::new("--t0"));
        let lo = OptionRef::from_param("lr_range.0");
        assert_eq!(lo.option, "--lr-range");
        assert_eq!(lo.part, Some("first"));
    }

    #[test]
    fn core_errors_name_the_option() {
        let err = clr_core::OneCycleLr::builder(f64::NAN, 10)
            .build()
            .map(|_| ())
            .map_err(|e| CliError::from_core(e, OptionRef::from_param));
        let Err(err) = err else {
            panic!("NaN max_lr was accepted")
        };
        let text = err.to_string();
        assert!(text.contains("'--max-lr'"), "{text}");
        assert!(text.contains("NaN"), "{text}");
        assert!(!text.contains('\n'));
        assert_eq!(err.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn order_errors_within_one_option() {
        let err = clr_core::Error::Order {
            low: "lr_range.0",
            low_value: 2.0,
            high: "lr_range.1",
            high_value: 1.0,
        };
        let text = CliError::from_core(err, OptionRef::from_param).to_string();
        assert_eq!(
            text,
            "error: invalid value '2,1' for '--lr-range': the first number must not exceed the second"
        );
    }

    #[test]
    fn compare_errors_within_one_option_and_across_two() {
        let below = clr_core::Error::Compare {
            param: "lr_range.0",
            value: 2.0,
            other: "lr_range.1",
            other_value: 2.0,
            must: clr_core::Comparison::Below,
        };
        assert_eq!(
            CliError::from_core(below, OptionRef::from_param).to_string(),
            "error: invalid value '2,2' for '--lr-range': the first number must be below the second"
        );
        let equal = clr_core::Error::Compare {
            param: "total_steps",
            value: 250.0,
            other: "epochs",
            other_value: 500.0,
            must: clr_core::Comparison::Equal,
        };
        assert_eq!(
            CliError::from_core(equal, OptionRef::from_param).to_string(),
            "error: invalid value '250' for '--total-steps': must equal '--epochs' = 500"
        );
    }
}
