//! Learning-rate suggestions: parity with fastai's `lr_find` and
//! torch-lr-finder's `plot` on real PyTorch range tests (fixtures written by
//! `scripts/fixtures/gen_range_tests.py`) and sweeps that stopped early.
//! Edge cases and the no-panic property are in `suggest_edge_cases.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use clr_core::suggest::{self, fastai, torch_lr_finder, Suggestions};
use serde_json::Value;

const METHODS: [&str; 5] = ["valley", "slide", "minimum", "steep", "gradient"];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/suggest")
}

/// A number, or one of the strings the generator writes for non-finite values.
fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("f64"),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("bad number string {other:?}"),
        },
        other => panic!("bad number {other:?}"),
    }
}

struct Curve {
    name: String,
    num_it: usize,
    lrs: Vec<f64>,
    losses: Vec<f64>,
    /// fastai lr_find (valley..steep) and torch-lr-finder plot (gradient).
    expected: [Option<f64>; 5],
    /// The raw methods on the whole curve in float64.
    expected_raw: [Option<f64>; 5],
}

fn expectations(v: &Value) -> [Option<f64>; 5] {
    METHODS.map(|m| {
        let x = v.get(m).unwrap_or_else(|| panic!("missing {m}"));
        if x.is_null() {
            None
        } else {
            Some(number(x))
        }
    })
}

fn curves() -> Vec<Curve> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .expect("tests/fixtures/suggest")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap();
            let list =
                |k: &str| -> Vec<f64> { v[k].as_array().unwrap().iter().map(number).collect() };
            Curve {
                name: v["name"].as_str().unwrap().to_owned(),
                num_it: v["num_it"].as_u64().unwrap() as usize,
                lrs: list("lrs"),
                losses: list("losses"),
                expected: expectations(&v["expected"]),
                expected_raw: expectations(&v["expected_raw"]),
            }
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
fn check(curve: &str, what: &str, got: Option<f64>, want: Option<f64>) {
    assert!(
        close(got, want),
        "{curve} / {what}: got {got:?}, want {want:?}"
    );
}

#[test]
fn fixtures_are_present() {
    let curves = curves();
    assert!(curves.len() >= 20, "only {} fixture curves", curves.len());
    // The real runs cover NaN/inf and the early-stopped (len < num_it) case.
    assert!(curves
        .iter()
        .any(|c| c.losses.iter().any(|l| l.is_nan()) && !c.name.starts_with("synthetic")));
    assert!(curves.iter().any(|c| c.lrs.len() < c.num_it));
    for c in &curves {
        assert_eq!(c.lrs.len(), c.losses.len(), "{}", c.name);
    }
}

#[test]
fn fastai_lr_find_parity() {
    for c in curves() {
        let mut scratch = vec![0; c.lrs.len()];
        let (lrs, losses, n) = (&c.lrs[..], &c.losses[..], c.num_it);
        let got = [
            fastai::valley(lrs, losses, n, &mut scratch),
            fastai::slide(lrs, losses, n),
            fastai::minimum(lrs, losses, n),
            fastai::steep(lrs, losses, n),
        ];
        for ((m, g), w) in METHODS.iter().zip(got).zip(c.expected) {
            check(&c.name, m, g, w);
        }
    }
}

#[test]
fn torch_lr_finder_parity() {
    for c in curves() {
        let got = torch_lr_finder::gradient(&c.lrs, &c.losses);
        check(&c.name, "gradient", got, c.expected[4]);
    }
}

#[test]
fn suggestions_compute_matches_the_fixtures() {
    for c in curves() {
        let mut scratch = vec![0; c.lrs.len()];
        let s = Suggestions::compute(&c.lrs, &c.losses, c.num_it, &mut scratch);
        let got: Vec<_> = s.iter().collect();
        assert_eq!(got.len(), 5);
        for ((method, value), (want_method, want)) in
            got.into_iter().zip(METHODS.iter().zip(c.expected))
        {
            assert_eq!(method, *want_method);
            check(&c.name, method, value, want);
            assert_eq!(s.get(method), Some(value));
        }
        assert_eq!(s.get("nope"), None);
    }
}

#[test]
fn raw_methods_parity_float64() {
    for c in curves() {
        let mut scratch = vec![0; c.lrs.len()];
        let (lrs, losses) = (&c.lrs[..], &c.losses[..]);
        let got = [
            suggest::valley(lrs, losses, &mut scratch),
            suggest::slide(lrs, losses),
            suggest::minimum(lrs, losses),
            suggest::steep(lrs, losses),
            suggest::gradient(lrs, losses),
        ];
        for ((m, g), w) in METHODS.iter().zip(got).zip(c.expected_raw) {
            check(&c.name, &format!("raw {m}"), g, w);
        }
    }
}

/// fastai computes in float32: an `f32` curve gives the same learning rates,
/// rounded to `f32` once more (exactly, since they already are `f32`).
#[test]
fn fastai_pipeline_with_f32_input() {
    for c in curves() {
        let lrs: Vec<f32> = c.lrs.iter().map(|&x| x as f32).collect();
        let losses: Vec<f32> = c.losses.iter().map(|&x| x as f32).collect();
        let mut scratch = vec![0; lrs.len()];
        let n = c.num_it;
        let got = [
            fastai::valley(&lrs, &losses, n, &mut scratch),
            fastai::slide(&lrs, &losses, n),
            fastai::minimum(&lrs, &losses, n),
            fastai::steep(&lrs, &losses, n),
        ];
        for ((m, g), w) in METHODS.iter().zip(got).zip(c.expected) {
            assert_eq!(g, w.map(|w| w as f32), "{} / f32 {m}", c.name);
        }
    }
}

/// A sweep that stopped early suggests what fastai's `lr_find` and
/// torch-lr-finder's `plot` give on the curve they recorded (issue 22):
/// each real range test of the fixtures that stopped at a divergence is
/// replayed through the state machine (its judged losses as the train
/// losses, the reference's stop rule: 4 × best for fastai, 5 × best for
/// torch-lr-finder), which stops where the reference did and pads the
/// steps after with NaN. The suggestions must ignore the padding. The
/// result's learning rates are the reference's (a suggestion picks a
/// point; the sweep's own rates would differ), continued past the stop.
#[cfg(feature = "alloc")]
#[test]
fn early_stopped_sweeps_suggest_as_the_references_did() {
    use clr_core::{Action, RangeTest, RangeTestConfig, Report, SweepStop};

    let mut checked = 0;
    for c in curves() {
        let stopped = c.lrs.len() < c.num_it && c.losses.iter().all(|l| l.is_finite());
        if c.name.starts_with("synthetic") || c.name.ends_with("_raw") || !stopped {
            continue;
        }
        let config = RangeTestConfig {
            lr_range: (1e-7, 10.0),
            steps: c.num_it as u64,
            batches_per_step: 1,
            threshold_multiplier: Some(if c.name.contains("_tlf") { 5.0 } else { 4.0 }),
            ..Default::default()
        };
        let mut test = RangeTest::new(config).unwrap();
        let (mut action, mut i) = (test.start(), 0);
        while action != Action::Done {
            action = match action {
                Action::Train { .. } => {
                    i += 1;
                    test.report(Report::TrainLoss(c.losses[i - 1])).unwrap()
                }
                _ => test.report(Report::Restored).unwrap(),
            };
        }
        let mut result = test.result().clone();
        let last = c.lrs.len() - 1;
        assert!(
            matches!(result.sweeps[0].stop, SweepStop::Diverged { step, .. } if step as usize == last),
            "{}: {:?}",
            c.name,
            result.sweeps[0].stop
        );
        assert_eq!(result.sweeps[0].recorded(), c.lrs.len());
        let ratio = c.lrs[last] / c.lrs[last - 1];
        result.lrs = (0..c.num_it)
            .map(|k| {
                c.lrs
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| c.lrs[last] * ratio.powi((k - last) as i32))
            })
            .collect();
        let s = result.suggestions(0).unwrap();
        for ((method, got), want) in s.iter().zip(c.expected) {
            assert_eq!(got, want, "{} / {method}", c.name);
        }
        checked += 1;
    }
    assert!(checked >= 6, "{checked} early-stopped curves");
}

/// The CSV copies for the CLI tests hold exactly the JSON curves.
#[test]
fn csv_copies_match_json() {
    let curves = curves();
    let mut n_csv = 0;
    for entry in fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        n_csv += 1;
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let curve = curves.iter().find(|c| c.name == stem).expect("json twin");
        let text = fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("lr,loss"));
        let rows: Vec<(f64, f64)> = lines
            .map(|l| {
                let (a, b) = l.split_once(',').unwrap();
                (a.parse().unwrap(), b.parse().unwrap())
            })
            .collect();
        assert_eq!(rows.len(), curve.lrs.len(), "{stem}");
        assert_eq!(
            rows.len(),
            curve.num_it,
            "{stem}: CSV curves run the full num_it"
        );
        for (k, &(lr, loss)) in rows.iter().enumerate() {
            assert_eq!(lr.to_bits(), curve.lrs[k].to_bits(), "{stem} row {k}");
            assert!(
                loss.to_bits() == curve.losses[k].to_bits()
                    || (loss.is_nan() && curve.losses[k].is_nan()),
                "{stem} row {k}"
            );
        }
    }
    assert_eq!(n_csv, 2);
}
