//! Helpers shared by the integration tests: run the `clr` binary.

#![allow(dead_code)]

use std::process::{Command, Output};

/// The output of one run of `clr`.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `clr` binary with `args`.
pub fn clr<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_clr"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the clr binary runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Splits a command line on whitespace (the tests need no quoting).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Parses CSV output: the header and the rows as numbers.
pub fn parse_csv(text: &str) -> (String, Vec<Vec<f64>>) {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let rows = lines
        .map(|line| {
            line.split(',')
                .map(|v| {
                    v.parse::<f64>()
                        .unwrap_or_else(|_| panic!("bad number in {line:?}"))
                })
                .collect()
        })
        .collect();
    (header, rows)
}
