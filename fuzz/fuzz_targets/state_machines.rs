//! `cargo +nightly fuzz run state_machines --fuzz-dir fuzz`: the range test,
//! the scheduler and the suggestions on decoded configurations and losses.
//! The logic is in `fuzz/harness.rs`, which a stable test replays.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
