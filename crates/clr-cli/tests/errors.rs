//! Bad input: exit status 2, nothing on stdout, one line on stderr naming
//! the option (as `--option-name`), and never a panic.

mod common;

use common::{clr, words};

/// Asserts the contract for bad input and returns the stderr line.
fn refused(line: &str, option: &str) -> String {
    let run = clr(&words(line));
    assert_eq!(
        run.code,
        Some(2),
        "`clr {line}`: exit status; stderr: {}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "`clr {line}` wrote to stdout: {}",
        run.stdout
    );
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "`clr {line}`: stderr is not one line:\n{}",
        run.stderr
    );
    assert!(run.stderr.ends_with('\n'));
    assert!(
        run.stderr.starts_with("error: "),
        "`clr {line}`: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(option),
        "`clr {line}`: stderr does not name {option}: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "`clr {line}`: {}",
        run.stderr
    );
    run.stderr
}

#[test]
fn invalid_numbers() {
    let e = refused(
        "schedule one-cycle --max-lr nan --total-steps 10",
        "--max-lr",
    );
    assert!(e.contains("'nan'"), "{e}");
    refused(
        "schedule one-cycle --max-lr inf --total-steps 10",
        "--max-lr",
    );
    refused(
        "schedule one-cycle --max-lr abc --total-steps 10",
        "--max-lr",
    );
    refused(
        "schedule one-cycle --max-lr -0.1 --total-steps 10",
        "--max-lr",
    );
    refused("schedule one-cycle --max-lr 0 --total-steps 10", "--max-lr");
    let e = refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --pct-start 2",
        "--pct-start",
    );
    assert!(e.contains("'2'"), "{e}");
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --pct-start -0.1",
        "--pct-start",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --div-factor 0",
        "--div-factor",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --div-factor 1e-320",
        "--div-factor",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --final-div-factor -1",
        "--final-div-factor",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --base-momentum -0.5",
        "--base-momentum",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --max-momentum nan",
        "--max-momentum",
    );
    refused(
        "schedule cyclic --base-lr -1 --max-lr 0.1 --steps 5",
        "--base-lr",
    );
    refused(
        "schedule cyclic --base-lr 0.1 --max-lr 1 --mode exp-range --gamma 0 --steps 5",
        "--gamma",
    );
    refused("schedule cosine-restarts --lr 0 --t0 5 --steps 5", "--lr");
    refused(
        "schedule cosine-restarts --lr 0.1 --t0 5 --eta-min -1 --steps 5",
        "--eta-min",
    );
    refused(
        "schedule keras-one-cycle --lr-range 0.1,1 --total-steps 10 --phase-one-fraction 1.5",
        "--phase-one-fraction",
    );
    refused(
        "schedule keras-clr --cycles 2 --lr-range 0.1,1 --total-steps 10 --amplitude-decay 0",
        "--amplitude-decay",
    );
    refused(
        "schedule fastai-one-cycle --lr-max 0 --total-steps 10",
        "--lr-max",
    );
    refused(
        "schedule fastai-one-cycle --total-steps 10 --div-final 0",
        "--div-final",
    );
    refused(
        "schedule fastai-one-cycle --total-steps 10 --moms 0.9,-1.5,0.9",
        "--moms",
    );
}

#[test]
fn invalid_counts() {
    let e = refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 0",
        "--total-steps",
    );
    assert!(e.contains("'0'"), "{e}");
    let e = refused(
        "schedule one-cycle --max-lr 0.1 --total-steps -3",
        "--total-steps",
    );
    assert!(e.contains("'-3'"), "{e}");
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 2.5",
        "--total-steps",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --epochs 0 --steps-per-epoch 3",
        "--epochs",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --epochs 2 --steps-per-epoch 0",
        "--steps-per-epoch",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --epochs 18446744073709551615 --steps-per-epoch 2",
        "--epochs",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --steps 0",
        "--steps",
    );
    refused(
        "schedule cyclic --base-lr 0.1 --max-lr 1 --step-size-up 0 --steps 5",
        "--step-size-up",
    );
    refused(
        "schedule cyclic --base-lr 0.1 --max-lr 1 --step-size-down -1 --steps 5",
        "--step-size-down",
    );
    refused(
        "schedule cyclic --base-lr 0.1 --max-lr 1 --steps -5",
        "--steps",
    );
    refused("schedule cosine-restarts --lr 0.1 --t0 0 --steps 5", "--t0");
    refused(
        "schedule cosine-restarts --lr 0.1 --t0 2.5 --steps 5",
        "--t0",
    );
    refused(
        "schedule cosine-restarts --lr 0.1 --t0 5 --t-mult 0 --steps 5",
        "--t-mult",
    );
    refused(
        "schedule cosine-restarts --lr 0.1 --t0 5 --t-mult 1.5 --steps 5",
        "--t-mult",
    );
    refused(
        "schedule keras-clr --cycles 0 --lr-range 0.1,1 --total-steps 10",
        "--cycles",
    );
    refused("schedule range-test --total-steps 0", "--total-steps");
    refused(
        "schedule keras-one-cycle --lr-range 0.1,1 --total-steps 99999999999999999999",
        "--total-steps",
    );
}

#[test]
fn malformed_lists() {
    let e = refused(
        "schedule keras-one-cycle --lr-range 1 --total-steps 10",
        "--lr-range",
    );
    assert!(e.contains("'1'"), "{e}");
    refused(
        "schedule keras-one-cycle --lr-range 1,2,3 --total-steps 10",
        "--lr-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range 0.1,x --total-steps 10",
        "--lr-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range 0.1,nan --total-steps 10",
        "--lr-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range , --total-steps 10",
        "--lr-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range -1,2 --total-steps 10",
        "--lr-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range 0.1,1 --momentum-range 0.9 --total-steps 10",
        "--momentum-range",
    );
    refused(
        "schedule keras-one-cycle --lr-range 0.1,1 --momentum-range 0.9,-2 --total-steps 10",
        "--momentum-range",
    );
    let e = refused(
        "schedule keras-clr --cycles 2 --lr-range 0.5,0.1 --total-steps 10",
        "--lr-range",
    );
    assert!(e.contains("0.5,0.1"), "{e}");
    refused(
        "schedule range-test --lr-range 0,1 --total-steps 10",
        "--lr-range",
    );
    // The range test's rates must rise (issue 22): falling or flat is refused.
    for range in ["10,0.00001", "0.1,0.1"] {
        let e = refused(
            &format!("schedule range-test --lr-range {range} --total-steps 10"),
            "--lr-range",
        );
        assert!(e.contains("must be below"), "{e}");
    }
    refused(
        "schedule fastai-one-cycle --total-steps 10 --moms 0.9,0.8",
        "--moms",
    );
}

#[test]
fn missing_and_conflicting_options() {
    refused("schedule one-cycle --total-steps 10", "--max-lr");
    refused("schedule one-cycle --max-lr 0.1", "--total-steps");
    refused(
        "schedule one-cycle --max-lr 0.1 --epochs 3",
        "--steps-per-epoch",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --epochs 2 --steps-per-epoch 5",
        "--total-steps",
    );
    refused("schedule one-cycle --max-lr --total-steps 10", "--max-lr");
    refused("schedule cyclic --base-lr 0.1 --max-lr 1", "--steps");
    refused("schedule cyclic --max-lr 1 --steps 5", "--base-lr");
    refused("schedule cosine-restarts --t0 4 --steps 5", "--lr");
    refused("schedule cosine-restarts --lr 0.1 --steps 5", "--t0");
    refused("schedule keras-one-cycle --total-steps 10", "--lr-range");
    refused(
        "schedule keras-clr --lr-range 0.1,1 --total-steps 10",
        "--cycles",
    );
    refused("schedule fastai-one-cycle", "--total-steps");
    refused("schedule range-test", "--total-steps");
}

#[test]
fn invalid_choices_and_unknown_names() {
    let e = refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --anneal exp",
        "--anneal",
    );
    assert!(e.contains("cos") && e.contains("linear"), "{e}");
    refused(
        "schedule cyclic --base-lr 0.1 --max-lr 1 --mode cosine --steps 5",
        "--mode",
    );
    refused("schedule range-test --total-steps 5 --mode log", "--mode");
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --format xml",
        "--format",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --bogus 3",
        "--bogus",
    );
    refused(
        "schedule one-cycle --max-lr 0.1 --total-steps 10 --three-phase=yes",
        "--three-phase",
    );
    let e = refused("schedule one-cycl --max-lr 0.1", "one-cycl");
    assert!(e.contains("one-cycle") && e.contains("range-test"), "{e}");
    refused("schedule", "one-cycle");
    refused("", "schedule");
    refused("plot", "schedule");
}

/// The configurations torch itself refuses (the fixtures' `errors` lists),
/// except the ones where torch divides by zero after accepting the
/// parameters: there the core defines the value of a zero-length phase.
#[test]
fn reference_errors_are_refused() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../clr-core/tests/fixtures");
    let mut checked = 0;
    for name in [
        "torch_one_cycle.json",
        "torch_cyclic.json",
        "torch_restarts.json",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("fixture file");
        let file: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
        let errors = file["errors"].as_array().cloned().unwrap_or_default();
        for case in errors {
            let message = case["error"].as_str().unwrap_or_default();
            let at_step = case["raised_at_step"].as_u64().unwrap_or(0);
            let params = case["params"].as_object().expect("params");
            let zero_length_phase =
                message.starts_with("ZeroDivisionError") && case["kind"] == "one-cycle";
            if at_step > 0 || zero_length_phase {
                continue;
            }
            let mut args = vec![
                "schedule".to_string(),
                case["kind"].as_str().expect("kind").to_string(),
            ];
            for (key, value) in params {
                args.push(format!("--{key}"));
                args.push(match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            }
            let run = clr(&args);
            let line = args.join(" ");
            assert_eq!(
                run.code,
                Some(2),
                "{}: `clr {line}`: {}",
                case["name"],
                run.stderr
            );
            assert!(run.stdout.is_empty(), "`clr {line}`");
            assert_eq!(
                run.stderr.lines().count(),
                1,
                "`clr {line}`: {}",
                run.stderr
            );
            // The option at fault, or the missing one (not in `params` then).
            assert!(
                params
                    .keys()
                    .any(|k| run.stderr.contains(&format!("'--{k}")))
                    || run.stderr.contains("not provided: --"),
                "`clr {line}`: no option named: {}",
                run.stderr
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} reference errors checked");
}
