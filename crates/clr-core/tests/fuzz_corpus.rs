//! Replays the fuzz harness (`fuzz/harness.rs`) on stable: every seed of
//! `fuzz/corpus/state_machines` and a few hundred pseudo-random inputs from a
//! fixed-seed LCG. `cargo +nightly fuzz run state_machines --fuzz-dir fuzz`
//! runs the same harness under libFuzzer.

#![cfg(feature = "alloc")]

#[path = "../../../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::path::Path;

#[test]
fn corpus_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/state_machines");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "only {} seeds", paths.len());
    for path in paths {
        let data = fs::read(&path).unwrap();
        eprintln!("{}", path.display());
        harness::run(&data);
    }
}

#[test]
fn pseudo_random_inputs() {
    // Knuth's MMIX LCG; the high byte of each state is the next input byte.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 56) as u8
    };
    for case in 0..400 {
        let len = 1 + usize::from(next()) * 2;
        let data: Vec<u8> = (0..len).map(|_| next()).collect();
        let result = std::panic::catch_unwind(|| harness::run(&data));
        assert!(result.is_ok(), "case {case}: input {data:?}");
    }
}

#[test]
fn edge_inputs() {
    harness::run(&[]);
    harness::run(&[0xff; 64]);
    harness::run(&[0; 300]);
}
