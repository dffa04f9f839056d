//! Output formats, row counts, help and a closed stdout.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{clr, parse_csv, words};
use serde_json::Value;

/// One command line per kind, with and without momentum.
const LINES: &[&str] = &[
    "schedule one-cycle --max-lr 0.1 --total-steps 50",
    "schedule one-cycle --max-lr 0.1 --epochs 3 --steps-per-epoch 7 --no-momentum --three-phase",
    "schedule cyclic --base-lr 0.001 --max-lr 0.006 --step-size-up 4 --mode triangular2 --steps 30",
    "schedule cyclic --base-lr 0.001 --max-lr 0.006 --step-size-up 4 --no-momentum --steps 9",
    "schedule cosine-restarts --lr 0.1 --t0 3 --t-mult 2 --eta-min 0.001 --steps 40",
    "schedule keras-one-cycle --lr-range 1e-4,1e-2 --total-steps 40",
    "schedule keras-one-cycle --lr-range 1e-4,1e-2 --total-steps 40 --momentum-range 0.95,0.85",
    "schedule keras-clr --cycles 3 --lr-range 0.001,0.1 --total-steps 60 --amplitude-decay 0.5 --momentum-range 0.85,0.95",
    "schedule fastai-one-cycle --total-steps 33",
    "schedule range-test --total-steps 25",
    "schedule range-test --lr-range 1e-7,10 --total-steps 25 --mode linear",
];

fn kind_of(line: &str) -> &str {
    words(line)[1]
}

/// Equal up to serde_json's default float parsing (within 2 ulp).
fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 2.0 * f64::EPSILON * b.abs()
}

#[test]
fn json_parses_and_matches_csv() {
    for line in LINES {
        let csv = clr(&words(line));
        assert_eq!(csv.code, Some(0), "`clr {line}`: {}", csv.stderr);
        let (header, rows) = parse_csv(&csv.stdout);

        let json_line = format!("{line} --format json");
        let json = clr(&words(&json_line));
        assert_eq!(json.code, Some(0), "`clr {json_line}`: {}", json.stderr);
        let doc: Value = serde_json::from_str(&json.stdout)
            .unwrap_or_else(|e| panic!("`clr {json_line}`: not JSON ({e}):\n{}", json.stdout));
        assert_eq!(doc["kind"], kind_of(line));
        assert_eq!(doc["steps"].as_u64(), Some(rows.len() as u64));
        let json_rows = doc["rows"].as_array().expect("rows");
        assert_eq!(json_rows.len(), rows.len(), "{line}");
        let has_momentum = header == "step,lr,momentum";
        for (row, csv_row) in json_rows.iter().zip(&rows) {
            let object = row.as_object().expect("a row is an object");
            assert_eq!(
                object.len(),
                if has_momentum { 3 } else { 2 },
                "{line}: {row}"
            );
            assert_eq!(row["step"].as_u64().map(|s| s as f64), Some(csv_row[0]));
            assert!(
                same(row["lr"].as_f64().expect("lr"), csv_row[1]),
                "{line}: {row}"
            );
            if has_momentum {
                let m = row["momentum"].as_f64().expect("momentum");
                assert!(same(m, csv_row[2]), "{line}: {row}");
            }
        }
    }
}

#[test]
fn format_may_come_before_the_kind() {
    let after = clr(&words("schedule range-test --total-steps 5 --format json"));
    let before = clr(&words("schedule --format json range-test --total-steps 5"));
    assert_eq!(after.code, Some(0));
    assert_eq!(after.stdout, before.stdout);
    let explicit = clr(&words("schedule range-test --total-steps 5 --format csv"));
    let default = clr(&words("schedule range-test --total-steps 5"));
    assert_eq!(explicit.stdout, default.stdout);
    assert!(default.stdout.starts_with("step,lr\n"));
}

#[test]
fn values_use_rust_display() {
    let run = clr(&words(
        "schedule range-test --lr-range 1e-7,10 --total-steps 9",
    ));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "step,lr");
    assert_eq!(lines[1], "0,0.0000001");
    assert_eq!(lines[9], "8,10");
}

#[test]
fn default_rows_are_the_schedule_length() {
    for (line, n) in [
        ("schedule one-cycle --max-lr 0.1 --total-steps 17", 17),
        (
            "schedule one-cycle --max-lr 0.1 --epochs 4 --steps-per-epoch 5",
            20,
        ),
        (
            "schedule keras-one-cycle --lr-range 0.01,0.1 --total-steps 3",
            3,
        ),
        (
            "schedule keras-clr --cycles 2 --lr-range 0.01,0.1 --total-steps 1",
            1,
        ),
        ("schedule fastai-one-cycle --total-steps 12", 12),
        ("schedule range-test --total-steps 100", 100),
        ("schedule cyclic --base-lr 0.1 --max-lr 1 --steps 4", 4),
        ("schedule cosine-restarts --lr 0.1 --t0 2 --steps 6", 6),
    ] {
        let run = clr(&words(line));
        assert_eq!(run.code, Some(0), "{line}: {}", run.stderr);
        assert_eq!(run.stdout.lines().count(), n + 1, "{line}");
    }
}

#[test]
fn steps_past_the_end_hold_the_last_value() {
    for line in [
        "schedule one-cycle --max-lr 0.1 --total-steps 10",
        "schedule keras-one-cycle --lr-range 0.01,0.1 --total-steps 10 --momentum-range 0.9,0.8",
        "schedule keras-clr --cycles 2 --lr-range 0.01,0.1 --total-steps 10",
        "schedule fastai-one-cycle --total-steps 10",
        "schedule range-test --total-steps 10",
    ] {
        let short = parse_csv(&clr(&words(line)).stdout).1;
        let long_line = format!("{line} --steps 14");
        let long = parse_csv(&clr(&words(&long_line)).stdout).1;
        assert_eq!(long.len(), 14, "{long_line}");
        assert_eq!(long[..10], short[..], "{long_line}");
        for row in &long[10..] {
            assert_eq!(row[1..], short[9][1..], "{long_line}");
        }
        // Fewer rows than the schedule: a prefix.
        let few_line = format!("{line} --steps 4");
        let few = parse_csv(&clr(&words(&few_line)).stdout).1;
        assert_eq!(few[..], short[..4], "{few_line}");
    }
}

#[test]
fn help_documents_the_json_shape_and_defaults() {
    let run = clr(&["schedule", "--help"]);
    assert_eq!(run.code, Some(0));
    assert!(run
        .stdout
        .contains(r#"{"kind":KIND,"steps":N,"rows":[{"step":0,"lr":LR,"momentum":M},...]}"#));
    for kind in [
        "one-cycle",
        "cyclic",
        "cosine-restarts",
        "keras-one-cycle",
        "keras-clr",
        "fastai-one-cycle",
        "range-test",
    ] {
        assert!(run.stdout.contains(kind), "{kind} missing from help");
        let help = clr(&["schedule", kind, "--help"]);
        assert_eq!(help.code, Some(0), "{kind}");
        assert!(help.stdout.contains("--steps"), "{kind}");
        assert!(help.stdout.contains("[default: "), "{kind}");
    }
    let one_cycle = clr(&["schedule", "one-cycle", "--help"]).stdout;
    for default in [
        "[default: 0.3]",
        "[default: 25]",
        "[default: 1e4]",
        "[default: 0.85]",
        "[default: 0.95]",
    ] {
        assert!(
            one_cycle.contains(default),
            "one-cycle help lacks {default}"
        );
    }
    let fastai = clr(&["schedule", "fastai-one-cycle", "--help"]).stdout;
    assert!(fastai.contains("[default: 1e-3]") && fastai.contains("[default: 0.95,0.85,0.95]"));
    let range = clr(&["schedule", "range-test", "--help"]).stdout;
    assert!(range.contains("[default: 1e-5,10]"));
    assert_eq!(clr(&["--version"]).code, Some(0));
}

/// `clr schedule ... | head -1`: the reader goes away; no panic, status 0.
#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clr"))
        .args(words(
            "schedule cyclic --base-lr 0.1 --max-lr 1 --step-size-up 7 --steps 5000000",
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clr starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a line");
    assert_eq!(first, "step,lr,momentum\n");
    // The reader is dropped here: the pipe closes.
    let output = child.wait_with_output().expect("clr ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "status {:?}, stderr {stderr}",
        output.status
    );
    assert!(stderr.is_empty(), "stderr: {stderr}");
}

/// A schedule is arithmetic: any finite momentum >= 0 is accepted, as
/// PyTorch's schedulers accept it (their own tests cycle momentum between 1
/// and 22 to tell the values apart).
#[test]
fn momentum_cycles_between_1_and_22_as_in_pytorchs_tests() {
    let lines = [
        "schedule cyclic --base-lr 0.1 --max-lr 1 --step-size-up 2 --base-momentum 1 --max-momentum 22 --steps 5",
        "schedule one-cycle --max-lr 1 --total-steps 10 --base-momentum 1 --max-momentum 22",
        "schedule keras-one-cycle --lr-range 0.1,1 --total-steps 10 --momentum-range 22,1",
        "schedule fastai-one-cycle --total-steps 20 --moms 22,1,22",
    ];
    for line in lines {
        let run = clr(&words(line));
        assert_eq!(run.code, Some(0), "`clr {line}`: {}", run.stderr);
        let (header, rows) = parse_csv(&run.stdout);
        assert_eq!(header, "step,lr,momentum", "`clr {line}`");
        assert_eq!(rows[0][2], 22.0, "`clr {line}`: the first momentum");
        let least = rows.iter().map(|r| r[2]).fold(f64::INFINITY, f64::min);
        assert!((least - 1.0).abs() < 1e-12, "`clr {line}`: {least}");
    }
    // CyclicLR's halfway value, PyTorch's arithmetic: 22 - (22 - 1) / 2.
    let run = clr(&words(lines[0]));
    let (_, rows) = parse_csv(&run.stdout);
    assert_eq!(rows[1][2], 11.5);
}
