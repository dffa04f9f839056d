//! Loading the reference fixtures and building the matching schedules.
#![allow(dead_code)]

use clr_core::{
    Amplitude, AnnealStrategy, Bundle, CosineRestarts, CyclicLr, CyclicMode, Error, FitOneCycle,
    HyperSchedule, KerasClr, KerasOneCycle, LrSweep, OneCycleLr, Real, ScaleMode, SweepMode,
};
use serde_json::{Map, Value};

/// One fixture file.
pub struct Fixture {
    pub source: String,
    pub cases: Vec<Case>,
    /// Configurations the reference refused, or failed on part-way
    /// (`raised_at_step > 0`, with the rows it produced before).
    pub errors: Vec<RefError>,
}

/// A configuration the reference raised on.
pub struct RefError {
    pub case: Case,
    pub error: String,
    pub raised_at_step: u64,
}

/// One reference run.
pub struct Case {
    pub name: String,
    pub kind: String,
    pub params: Map<String, Value>,
    pub steps: usize,
    /// The steps of the rows, when not `0..steps` (a sparse case of a long run).
    pub at: Option<Vec<u64>>,
    pub lr: Vec<f64>,
    pub momentum: Option<Vec<f64>>,
}

impl Case {
    /// The step of each row.
    pub fn row_steps(&self) -> Vec<u64> {
        match &self.at {
            Some(at) => at.clone(),
            None => (0..self.steps as u64).collect(),
        }
    }
}

pub fn fixture_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file)
}

pub fn load(file: &str) -> Fixture {
    let text = std::fs::read_to_string(fixture_path(file)).expect("fixture readable");
    let json: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    };
    let case = |c: &Value| Case {
        name: c["name"].as_str().expect("name").to_owned(),
        kind: c["kind"].as_str().expect("kind").to_owned(),
        params: c["params"].as_object().expect("params").clone(),
        steps: c["steps"].as_u64().unwrap_or(0) as usize,
        at: c.get("at").map(|at| {
            let at = at.as_array().expect("at is an array");
            at.iter().map(|k| k.as_u64().expect("a step")).collect()
        }),
        lr: c.get("lr").map(floats).unwrap_or_default(),
        momentum: c.get("momentum").map(floats),
    };
    let errors = json
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| RefError {
            case: case(e),
            error: e["error"].as_str().expect("error").to_owned(),
            raised_at_step: e["raised_at_step"].as_u64().expect("raised_at_step"),
        })
        .collect();
    Fixture {
        source: json["source"].as_str().unwrap_or_default().to_owned(),
        cases: json["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(case)
            .collect(),
        errors,
    }
}

/// How close a value must be to its reference: |a - b| <= 1e-12·|b| + 1e-15,
/// for every source (`bits.rs` counts the values equal to the bit).
pub fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs() + 1e-15
}

fn num(case: &Case, key: &str) -> Option<f64> {
    case.params.get(key).map(|v| v.as_f64().expect("number"))
}

fn int(case: &Case, key: &str) -> Option<u64> {
    case.params.get(key).map(|v| v.as_u64().expect("integer"))
}

fn flag(case: &Case, key: &str) -> bool {
    case.params
        .get(key)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn list(case: &Case, key: &str) -> Option<Vec<f64>> {
    case.params.get(key).map(|v| {
        v.as_array()
            .expect("list")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    })
}

fn pair<F: Real>(case: &Case, key: &str) -> Option<(F, F)> {
    list(case, key).map(|v| (F::from_f64(v[0]), F::from_f64(v[1])))
}

fn text<'a>(case: &'a Case, key: &str) -> Option<&'a str> {
    case.params.get(key).map(|v| v.as_str().expect("string"))
}

fn f<F: Real>(x: f64) -> F {
    F::from_f64(x)
}

/// The named custom scale functions of `tests/fixtures/README.md`.
pub fn scale_fn(name: &str) -> fn(f64) -> f64 {
    match name {
        "half_pow" => |x| 0.5_f64.powf(x),
        "inv_linear" => |x| 1.0 / (1.0 + 0.01 * x),
        other => panic!("unknown scale-fn {other}"),
    }
}

/// Builds the schedule a fixture case describes, with the reference's
/// defaults for every parameter the case leaves out.
pub fn build<F: Real>(case: &Case) -> Result<Box<dyn HyperSchedule<F>>, Error> {
    Ok(match case.kind.as_str() {
        "one-cycle" => {
            let max_lr = f(num(case, "max-lr").expect("max-lr"));
            let mut b = match int(case, "total-steps") {
                Some(t) => OneCycleLr::builder(max_lr, t),
                None => OneCycleLr::builder_epochs(
                    max_lr,
                    int(case, "epochs").expect("epochs"),
                    int(case, "steps-per-epoch").expect("steps-per-epoch"),
                ),
            };
            if let Some(p) = num(case, "pct-start") {
                b = b.pct_start(p);
            }
            if let Some(a) = text(case, "anneal") {
                b = b.anneal(match a {
                    "cos" => AnnealStrategy::Cos,
                    "linear" => AnnealStrategy::Linear,
                    other => panic!("anneal {other}"),
                });
            }
            if let Some(d) = num(case, "div-factor") {
                b = b.div_factor(f(d));
            }
            if let Some(d) = num(case, "final-div-factor") {
                b = b.final_div_factor(f(d));
            }
            b = b.three_phase(flag(case, "three-phase"));
            let base = num(case, "base-momentum").unwrap_or(0.85);
            let max = num(case, "max-momentum").unwrap_or(0.95);
            b = b.momentum_range(f(max), f(base));
            if flag(case, "no-momentum") {
                b = b.no_momentum();
            }
            Box::new(b.build()?)
        }
        "cyclic" => {
            let mut b = CyclicLr::builder(
                f(num(case, "base-lr").expect("base-lr")),
                f(num(case, "max-lr").expect("max-lr")),
            );
            if let Some(n) = int(case, "step-size-up") {
                b = b.step_size_up(n);
            }
            if let Some(n) = int(case, "step-size-down") {
                b = b.step_size_down(n);
            }
            let gamma = num(case, "gamma").unwrap_or(1.0);
            b = b.mode(match text(case, "mode").unwrap_or("triangular") {
                "triangular" => CyclicMode::Triangular,
                "triangular2" => CyclicMode::Triangular2,
                "exp-range" => CyclicMode::ExpRange { gamma },
                other => panic!("mode {other}"),
            });
            if let Some(name) = text(case, "scale-fn") {
                b = b.mode(CyclicMode::Custom {
                    scale_fn: scale_fn(name),
                    scale_mode: match text(case, "scale-mode").unwrap_or("cycle") {
                        "cycle" => ScaleMode::Cycle,
                        "iterations" => ScaleMode::Iterations,
                        other => panic!("scale-mode {other}"),
                    },
                });
            }
            let base = num(case, "base-momentum").unwrap_or(0.8);
            let max = num(case, "max-momentum").unwrap_or(0.9);
            b = b.momentum_range(f(max), f(base));
            if flag(case, "no-momentum") {
                b = b.no_momentum();
            }
            Box::new(b.build()?)
        }
        "cosine-restarts" => {
            let s = CosineRestarts::builder(
                // PyTorch's SGD default lr.
                f(num(case, "lr").unwrap_or(1e-3)),
                int(case, "t0").expect("t0"),
            )
            .t_mult(num(case, "t-mult").unwrap_or(1.0))
            .eta_min(f(num(case, "eta-min").unwrap_or(0.0)))
            .build()?;
            Box::new(Bundle::lr_only(s))
        }
        "keras-one-cycle" => {
            let mut b = KerasOneCycle::builder(
                pair(case, "lr-range").expect("lr-range"),
                int(case, "total-steps").expect("total-steps"),
            );
            if let Some((m1, m2)) = pair(case, "momentum-range") {
                b = b.momentum_range(m1, m2);
            }
            if let Some(p) = num(case, "phase-one-fraction") {
                b = b.phase_one_fraction(p);
            }
            Box::new(b.build()?)
        }
        "keras-clr" => {
            let mut b = KerasClr::builder(
                int(case, "cycles").expect("cycles"),
                pair(case, "lr-range").expect("lr-range"),
                int(case, "total-steps").expect("total-steps"),
            );
            if let Some((m1, m2)) = pair(case, "momentum-range") {
                b = b.momentum_range(m1, m2);
            }
            if let Some(p) = num(case, "phase-one-fraction") {
                b = b.phase_one_fraction(p);
            }
            b = b.amplitude(Amplitude::Decay(
                num(case, "amplitude-decay").unwrap_or(1.0),
            ));
            Box::new(b.build_keras()?)
        }
        "fastai-one-cycle" => {
            let mut b = FitOneCycle::builder(
                f(num(case, "lr-max").unwrap_or(1e-3)),
                int(case, "total-steps").expect("total-steps"),
            );
            if let Some(d) = num(case, "div") {
                b = b.div(f(d));
            }
            if let Some(d) = num(case, "div-final") {
                b = b.div_final(f(d));
            }
            if let Some(p) = num(case, "pct-start") {
                b = b.pct_start(p);
            }
            if let Some(m) = list(case, "moms") {
                b = b.moms(f(m[0]), f(m[1]), f(m[2]));
            }
            if let Some(n) = int(case, "epochs") {
                b = b.epochs(n);
            }
            Box::new(b.build()?)
        }
        "range-test" => {
            let mode = match text(case, "mode").unwrap_or("exp") {
                "exp" => SweepMode::Exp,
                "linear" => SweepMode::Linear,
                other => panic!("mode {other}"),
            };
            let s = LrSweep::new(
                pair(case, "lr-range").unwrap_or((f(1e-5), f(10.0))),
                int(case, "total-steps").expect("total-steps"),
                mode,
            )?;
            Box::new(Bundle::lr_only(s))
        }
        other => panic!("unknown kind {other}"),
    })
}
