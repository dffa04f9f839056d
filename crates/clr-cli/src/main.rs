//! The `clr` binary: see the `clr_cli` library for the command line.

fn main() -> std::process::ExitCode {
    clr_cli::main_with(std::env::args_os().collect())
}
