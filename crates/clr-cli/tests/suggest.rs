//! `clr suggest`: the suggestions of the range-test fixtures of clr-core
//! (`crates/clr-core/tests/fixtures/suggest`), and the errors of bad files.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::clr;
use serde_json::Value;

const METHODS: [&str; 5] = ["valley", "slide", "minimum", "steep", "gradient"];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../clr-core/tests/fixtures/suggest")
}

/// A scratch folder for the CSV files the tests write.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("suggest-{name}"));
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("bad number {s:?}")),
        other => panic!("bad number {other:?}"),
    }
}

struct Fixture {
    name: String,
    num_it: u64,
    lrs: Vec<f64>,
    losses: Vec<f64>,
    expected: [Option<f64>; 5],
}

fn fixture(json: &Path) -> Fixture {
    let v: Value = serde_json::from_str(&fs::read_to_string(json).unwrap()).unwrap();
    let list = |k: &str| -> Vec<f64> { v[k].as_array().unwrap().iter().map(number).collect() };
    Fixture {
        name: v["name"].as_str().unwrap().to_owned(),
        num_it: v["num_it"].as_u64().unwrap(),
        lrs: list("lrs"),
        losses: list("losses"),
        expected: METHODS.map(|m| {
            let x = &v["expected"][m];
            (!x.is_null()).then(|| number(x))
        }),
    }
}

fn fixtures_with_ext(ext: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    paths
}

/// Parses `method,lr` output; `None` for an empty `lr`.
fn parse_output(name: &str, stdout: &str) -> Vec<(String, Option<f64>)> {
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("method,lr"), "{name}: header");
    lines
        .map(|line| {
            let (method, lr) = line.split_once(',').unwrap();
            let lr = (!lr.is_empty()).then(|| {
                lr.parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name}: bad number in {line:?}"))
            });
            (method.to_owned(), lr)
        })
        .collect()
}

fn close(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(g), Some(w)) => g == w || (g - w).abs() <= 1e-9 * w.abs().max(g.abs()),
        _ => false,
    }
}

#[track_caller]
fn check_suggestions(name: &str, args: &[&str], expected: [Option<f64>; 5]) {
    let run = clr(args);
    assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
    assert_eq!(run.stderr, "", "{name}");
    let rows = parse_output(name, &run.stdout);
    let methods: Vec<&str> = rows.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods, METHODS, "{name}: methods in order");
    for ((method, got), want) in rows.into_iter().zip(expected) {
        assert!(
            close(got, want),
            "{name} / {method}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn csv_fixtures_give_the_expected_suggestions() {
    let csvs = fixtures_with_ext("csv");
    assert!(csvs.len() >= 2, "CSV fixtures: {csvs:?}");
    for csv in csvs {
        let f = fixture(&csv.with_extension("json"));
        assert_eq!(f.lrs.len() as u64, f.num_it, "{}: a full run", f.name);
        check_suggestions(
            &f.name,
            &["suggest", "--input", csv.to_str().unwrap()],
            f.expected,
        );
    }
}

/// Every JSON fixture as a CSV file (columns swapped, an extra column, NaN
/// and inf written as Rust prints them), with `--num-it` from the fixture.
#[test]
fn every_json_fixture_through_a_csv_file() {
    let dir = scratch_dir("json");
    let jsons = fixtures_with_ext("json");
    assert!(jsons.len() >= 20);
    for json in jsons {
        let f = fixture(&json);
        let mut text = String::from("step,loss,lr\n");
        for (k, (lr, loss)) in f.lrs.iter().zip(&f.losses).enumerate() {
            text.push_str(&format!("{k},{loss},{lr}\n"));
        }
        let path = dir.join(format!("{}.csv", f.name));
        fs::write(&path, text).unwrap();
        let num_it = f.num_it.to_string();
        check_suggestions(
            &f.name,
            &[
                "suggest",
                "--input",
                path.to_str().unwrap(),
                "--num-it",
                &num_it,
            ],
            f.expected,
        );
    }
}

#[test]
fn nan_and_inf_spellings_and_too_short_curves() {
    let dir = scratch_dir("short");
    let path = dir.join("short.csv");
    // Three points: fastai's window (3/10 = 0 .. 3-5) is empty, and so is
    // torch-lr-finder's: every method has no answer.
    fs::write(&path, "lr,loss\n0.001,NaN\n0.01,nan\n0.1,inf\n").unwrap();
    let run = clr(&["suggest", "--input", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "method,lr\nvalley,\nslide,\nminimum,\nsteep,\ngradient,\n"
    );
}

/// Writes `text` to a scratch file and runs `clr suggest` on it: exit 2,
/// nothing on stdout, one stderr line naming the file (and `line`).
#[track_caller]
fn check_error(file: &str, text: Option<&str>, line: Option<u64>, needle: &str) {
    let dir = scratch_dir("errors");
    let path = dir.join(file);
    match text {
        Some(text) => fs::write(&path, text).unwrap(),
        None => {
            let _ = fs::remove_file(&path);
        }
    }
    let shown = path.display().to_string();
    let run = clr(&["suggest", "--input", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{file}: {}", run.stderr);
    assert_eq!(run.stdout, "", "{file}");
    assert_eq!(run.stderr.lines().count(), 1, "{file}: {:?}", run.stderr);
    assert!(run.stderr.ends_with('\n'));
    let err = run.stderr.trim_end();
    assert!(err.starts_with(&format!("error: {shown}")), "{file}: {err}");
    if let Some(line) = line {
        assert!(
            err.starts_with(&format!("error: {shown} line {line}: ")),
            "{file}: {err}"
        );
    }
    assert!(err.contains(needle), "{file}: {err}");
}

#[test]
fn bad_files_are_one_line_errors() {
    check_error(
        "missing_loss.csv",
        Some("lr,los\n0.1,1\n"),
        Some(1),
        "missing column 'loss'",
    );
    check_error(
        "missing_lr.csv",
        Some("loss\n1\n"),
        Some(1),
        "missing column 'lr'",
    );
    check_error(
        "bad_number.csv",
        Some("lr,loss\n0.1,1\n0.2,1\n0.3,1\n0.4,1\n0.5,1\n0.6,abc\n"),
        Some(7),
        "'abc' is not a number in column loss",
    );
    check_error(
        "bad_lr.csv",
        Some("loss,lr\n1,0.1\n\n1,x1\n"),
        Some(4),
        "'x1' is not a number in column lr",
    );
    // A learning rate must be a finite number > 0 (issue 22): every
    // suggestion is one of them, and steep takes their logarithm.
    for (file, text, lr) in [
        ("negative_lr.csv", "lr,loss\n0.1,1\n-1,1\n", "-1"),
        ("zero_lr.csv", "lr,loss\n0.1,1\n0,1\n", "0"),
        ("nan_lr.csv", "lr,loss\n0.1,1\nnan,1\n", "nan"),
        ("inf_lr.csv", "lr,loss\n0.1,1\n-inf,1\n", "-inf"),
    ] {
        check_error(
            file,
            Some(text),
            Some(3),
            &format!("'{lr}' in column lr is not a learning rate: expected a finite number > 0"),
        );
    }
    check_error(
        "short_row.csv",
        Some("lr,loss\n0.1,1\n0.2\n"),
        Some(3),
        "missing value in column loss",
    );
    check_error("empty.csv", Some(""), Some(1), "empty file");
    check_error(
        "header_only.csv",
        Some("lr,loss\n"),
        Some(2),
        "no data rows",
    );
    check_error("does_not_exist.csv", None, None, "cannot read the file");
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = scratch_dir("utf8");
    let path = dir.join("latin1.csv");
    fs::write(&path, b"lr,loss\n0.1,1\n0.2,\xe9\n").unwrap();
    let run = clr(&["suggest", "--input", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(
        run.stderr
            .starts_with(&format!("error: {} line 3: ", path.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn input_is_required() {
    let run = clr(&["suggest"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--input"), "{}", run.stderr);
}
