//! Parity: `clr schedule` reproduces every fixture case (the reference
//! libraries' own values) whose parameters are all CLI options.
//!
//! Each case's `params` become options (`--name value`, lists joined by
//! commas, `true` flags bare); `--steps` is passed only when the fixture has
//! it (the unbounded kinds), so the finite kinds also check the default row
//! count. Tolerance: |a-b| <= 1e-12|b| + 1e-15 for torch and the Keras package,
//! 1e-6 × max|value| for fastai (whose positions are float32).

mod common;

use common::{clr, parse_csv};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../clr-core/tests/fixtures");

/// Library-only parameters: a case using one is not a CLI case.
const LIBRARY_ONLY: &[&str] = &["scale-fn", "scale-mode"];

/// Cases whose parameters the CLI contract deliberately treats otherwise.
fn contract_exception(case: &Value) -> Option<&'static str> {
    let params = &case["params"];
    if case["kind"] == "cosine-restarts" && params.get("lr").is_none() {
        // The fixture falls back on torch SGD's default lr (0.001); the CLI
        // contract makes --lr required. Checked in `omitted_lr_is_required`.
        return Some("--lr is required by the CLI contract");
    }
    if case["kind"] == "range-test" && !rising(&params["lr-range"]) {
        // numpy's linspace sweeps a falling or flat range too (LrSweep keeps
        // that, checked in clr-core), but a range test's rates must rise:
        // the CLI refuses them. Checked in `falling_sweeps_are_refused`.
        return Some("a range test's --lr-range must rise");
    }
    None
}

/// Whether `[lo, hi]` has `lo < hi`.
fn rising(range: &Value) -> bool {
    let range = floats(range);
    range[0] < range[1]
}

fn args_of(case: &Value) -> Vec<String> {
    let mut args = vec![
        "schedule".to_string(),
        case["kind"].as_str().expect("kind is a string").to_string(),
    ];
    let params = case["params"].as_object().expect("params is an object");
    for (key, value) in params {
        match value {
            Value::Bool(true) => args.push(format!("--{key}")),
            Value::Bool(false) => {}
            Value::Array(items) => {
                args.push(format!("--{key}"));
                let items: Vec<String> = items.iter().map(Value::to_string).collect();
                args.push(items.join(","));
            }
            Value::String(s) => {
                args.push(format!("--{key}"));
                args.push(s.clone());
            }
            other => {
                args.push(format!("--{key}"));
                args.push(other.to_string());
            }
        }
    }
    args
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array of numbers")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

#[derive(Clone, Copy)]
enum Tolerance {
    /// |a-b| <= 1e-12|b| + 1e-15.
    Tight,
    /// |a-b| <= 1e-6 max|b| over the column.
    Fastai,
}

/// Runs one case; returns a description of every mismatch.
fn check_case(
    file: &str,
    case: &Value,
    rows: &[f64],
    momentum: Option<&[f64]>,
    tol: Tolerance,
) -> Vec<String> {
    let name = case["name"].as_str().unwrap_or("?");
    let args = args_of(case);
    let line = args.join(" ");
    let run = clr(&args);
    let mut problems = Vec::new();
    let mut fail = |msg: String| problems.push(format!("{file} / {name}: `clr {line}`: {msg}"));
    if run.code != Some(0) || !run.stderr.is_empty() {
        fail(format!("exit {:?}, stderr {}", run.code, run.stderr.trim()));
        return problems;
    }
    let (header, table) = parse_csv(&run.stdout);
    let want_header = if momentum.is_some() {
        "step,lr,momentum"
    } else {
        "step,lr"
    };
    if header != want_header {
        fail(format!("header {header:?}, expected {want_header:?}"));
    }
    if table.len() != rows.len() {
        fail(format!("{} rows, expected {}", table.len(), rows.len()));
        return problems;
    }
    let scale = |col: &[f64]| col.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let lr_scale = scale(rows);
    let mom_scale = momentum.map(scale).unwrap_or(0.0);
    let close = |a: f64, b: f64, max: f64| match tol {
        Tolerance::Tight => (a - b).abs() <= 1e-12 * b.abs() + 1e-15,
        Tolerance::Fastai => (a - b).abs() <= 1e-6 * max,
    };
    for (k, row) in table.iter().enumerate() {
        if row.first().copied() != Some(k as f64) {
            fail(format!("row {k} has step {:?}", row.first()));
        }
        let lr = row.get(1).copied().unwrap_or(f64::NAN);
        if !close(lr, rows[k], lr_scale) {
            fail(format!("row {k}: lr {lr} != {}", rows[k]));
        }
        if let Some(m) = momentum {
            let got = row.get(2).copied().unwrap_or(f64::NAN);
            if !close(got, m[k], mom_scale) {
                fail(format!("row {k}: momentum {got} != {}", m[k]));
            }
        }
        if row.len() != want_header.split(',').count() {
            fail(format!("row {k} has {} columns", row.len()));
        }
    }
    problems
}

fn check_file(file: &str, tol: Tolerance) {
    let text = std::fs::read_to_string(format!("{DIR}/{file}")).expect("fixture file");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    let cases = doc["cases"].as_array().expect("cases");
    let mut problems = Vec::new();
    let mut ran = 0;
    let mut skipped = Vec::new();
    for case in cases {
        let params = case["params"].as_object().expect("params");
        if LIBRARY_ONLY.iter().any(|p| params.contains_key(*p)) {
            skipped.push(format!("{} (library-only option)", case["name"]));
            continue;
        }
        if let Some(why) = contract_exception(case) {
            skipped.push(format!("{} ({why})", case["name"]));
            continue;
        }
        let lr = floats(&case["lr"]);
        assert_eq!(lr.len() as u64, case["steps"].as_u64().expect("steps"));
        let momentum = case.get("momentum").map(floats);
        problems.extend(check_case(file, case, &lr, momentum.as_deref(), tol));
        ran += 1;
    }
    // Entries that torch rejects only after producing some rows: the CLI
    // prints those rows (and, past them, holds the last value).
    for case in doc["errors"].as_array().into_iter().flatten() {
        if case.get("lr").is_none() {
            continue;
        }
        let lr = floats(&case["lr"]);
        let momentum = case.get("momentum").map(floats);
        problems.extend(check_case(file, case, &lr, momentum.as_deref(), tol));
        ran += 1;
    }
    eprintln!("{file}: {ran} cases checked; skipped: {skipped:?}");
    assert!(ran > 0, "{file}: no case checked");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn torch_one_cycle() {
    check_file("torch_one_cycle.json", Tolerance::Tight);
}

#[test]
fn torch_cyclic() {
    check_file("torch_cyclic.json", Tolerance::Tight);
}

#[test]
fn torch_restarts() {
    check_file("torch_restarts.json", Tolerance::Tight);
}

#[test]
fn keras_one_cycle() {
    check_file("keras_one_cycle.json", Tolerance::Tight);
}

#[test]
fn keras_clr() {
    check_file("keras_clr.json", Tolerance::Tight);
}

#[test]
fn range_sweep() {
    check_file("range_sweep.json", Tolerance::Tight);
}

#[test]
fn fastai_one_cycle() {
    check_file("fastai_one_cycle.json", Tolerance::Fastai);
}

/// Every fixture file is covered by one of the tests above.
#[test]
fn every_fixture_file_is_checked() {
    let known = [
        "torch_one_cycle.json",
        "torch_cyclic.json",
        "torch_restarts.json",
        "keras_one_cycle.json",
        "keras_clr.json",
        "range_sweep.json",
        "fastai_one_cycle.json",
        // fastai runs over several epochs (`FitOneCycleBuilder::epochs`),
        // which the CLI has no option for: the core's parity test only.
        "fastai_epochs.json",
    ];
    for entry in std::fs::read_dir(DIR).expect("fixtures directory") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".json") {
            assert!(
                known.contains(&name.as_ref()),
                "fixture {name} has no CLI parity test"
            );
        }
    }
}

/// The one fixture case the contract treats otherwise: `--lr` is required.
#[test]
fn omitted_lr_is_required() {
    let run = clr(&["schedule", "cosine-restarts", "--t0", "4", "--steps", "12"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("--lr"), "{}", run.stderr);
}

/// The fixtures' falling and flat sweeps are refused by `clr schedule
/// range-test`, naming `--lr-range`: every suggestion method reads a range
/// test's curve as rising rates.
#[test]
fn falling_sweeps_are_refused() {
    let text = std::fs::read_to_string(format!("{DIR}/range_sweep.json")).expect("fixture file");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    let mut refused = 0;
    for case in doc["cases"].as_array().expect("cases") {
        if rising(&case["params"]["lr-range"]) {
            continue;
        }
        let args = args_of(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = clr(&args);
        assert_eq!(run.code, Some(2), "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(run.stderr.contains("'--lr-range'"), "{}", run.stderr);
        refused += 1;
    }
    assert_eq!(refused, 4);
}
