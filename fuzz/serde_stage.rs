//! The fuzz harness's serde stage: crafted JSON for every schedule that
//! validates on deserialization (see `harness.rs`).

use super::Bytes;
use clr_core::{
    Amplitude, Bundle, Clamped, Constant, CosineCycles, CosineRestarts, Cycle, CyclicLr,
    FitOneCycle, HyperSchedule, Hypers, KerasClr, KerasOneCycle, LrSweep, OneCycleLr, PastEnd,
    Repeat, Scaled, Schedule, Scheduler, SweepMode,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

type Restarts = Bundle<CosineRestarts<f64>, CosineRestarts<f64>>;

pub fn run(data: &[u8]) {
    let backwards: Vec<u8> = data.iter().rev().copied().collect();
    let bytes = &mut Bytes { data: &backwards };
    let restarts = |t_mult, warmup| {
        CosineRestarts::builder(0.1, 10)
            .t_mult(t_mult)
            .warmup(warmup)
            .peak_decay(0.5)
            .eta_min(1e-4)
            .build()
            .unwrap()
    };
    for s in [restarts(1.0, 0), restarts(2.0, 3), restarts(1.5, 0)] {
        if let Some(s) = reread(&s, bytes) {
            hypers(&Bundle::lr_only(s));
        }
    }
    let sweep = LrSweep::<f64>::new((10.0, 1e-5), 50, SweepMode::Exp).unwrap();
    if let Some(s) = reread(&sweep, bytes) {
        scalar(&s);
    }
    if let Some(s) = reread(&Repeat::new(sweep, Some(3)).unwrap(), bytes) {
        scalar(&s);
    }
    let constant = Constant::new(0.5).unwrap();
    if let Some(s) = reread(&Scaled::new(constant, 2.0).unwrap(), bytes) {
        scalar(&s);
    }
    if let Some(s) = reread(&Clamped::new(constant, 0.1, 1.0).unwrap(), bytes) {
        scalar(&s);
    }
    let keras = KerasOneCycle::builder((0.01, 0.1), 100)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    if let Some(s) = reread(&keras, bytes) {
        hypers(&s);
    }
    let clr = KerasClr::builder(3, (0.002, 0.01), 90).momentum_range(0.95, 0.85);
    if let Some(s) = reread(&clr.build_keras().unwrap(), bytes) {
        hypers::<KerasClr<f64>>(&s);
    }
    let fixed = clr.amplitude(Amplitude::Decay(0.5)).build_fixed().unwrap();
    if let Some(s) = reread(&fixed, bytes) {
        hypers::<CosineCycles<f64>>(&s);
    }
    let one_cycle = OneCycleLr::builder(0.1, 100)
        .three_phase(true)
        .build()
        .unwrap();
    if let Some(s) = reread(&one_cycle, bytes) {
        hypers(&s);
    }
    if let Some(s) = reread(&FitOneCycle::builder(1e-3, 100).build().unwrap(), bytes) {
        hypers(&s);
    }
    let cyclic = CyclicLr::builder(0.001, 0.006)
        .step_size_up(4)
        .build()
        .unwrap();
    if let Some(s) = reread(&cyclic, bytes) {
        hypers(&s);
    }
    let cycle = Cycle::new(3, 10).unwrap();
    let lr_only = Bundle::lr_only(restarts(2.0, 3));
    let then = Scheduler::new(lr_only, cycle)
        .unwrap()
        .record_every(4)
        .unwrap()
        .then(lr_only);
    if let Some(s) = reread(&then, bytes) {
        train::<Restarts, Restarts>(s);
    }
    let finite = Scheduler::new(keras, Cycle::new(10, 10).unwrap())
        .unwrap()
        .past_end(PastEnd::Restart)
        .unwrap();
    if let Some(s) = reread(&finite, bytes) {
        train::<KerasOneCycle<f64>, KerasOneCycle<f64>>(s);
    }
}

/// `value` written as JSON, crafted by [`craft`], read back. `None`
/// when refused; what is read writes JSON that reads back to itself.
fn reread<T: Serialize + DeserializeOwned>(value: &T, bytes: &mut Bytes<'_>) -> Option<T> {
    let mut json = serde_json::to_value(value).unwrap();
    craft(&mut json, bytes);
    let read: T = serde_json::from_value(json).ok()?;
    let text = serde_json::to_string(&read).unwrap();
    let again: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{text} was accepted, written, and refused: {e}"));
    assert_eq!(serde_json::to_string(&again).unwrap(), text);
    Some(read)
}

/// Overwrites some of the leaves (numbers, booleans, nulls) with bytes'
/// values, and now and then a whole part with `null`. Zero bytes (an
/// exhausted input) change nothing.
fn craft(json: &mut Value, bytes: &mut Bytes<'_>) {
    match json {
        Value::Array(items) => items.iter_mut().for_each(|x| part(x, bytes)),
        Value::Object(fields) => fields.values_mut().for_each(|x| part(x, bytes)),
        Value::Bool(b) => {
            if bytes.u8() % 4 == 1 {
                *b = !*b;
            }
        }
        Value::Number(_) | Value::Null => {
            if bytes.u8() % 4 == 1 {
                *json = number(bytes);
            }
        }
        Value::String(_) => {}
    }
}

fn part(json: &mut Value, bytes: &mut Bytes<'_>) {
    if bytes.u8() % 32 == 1 {
        *json = Value::Null;
    } else {
        craft(json, bytes);
    }
}

/// A count at an edge, a small count, or a float (non-finite ones,
/// which JSON cannot hold, as `null`).
fn number(bytes: &mut Bytes<'_>) -> Value {
    const COUNTS: [u64; 8] = [0, 1, 2, 3, 1 << 32, 1 << 53, u64::MAX - 1, u64::MAX];
    match bytes.u8() % 4 {
        0 => json!(COUNTS[usize::from(bytes.u8()) % COUNTS.len()]),
        1 => json!(bytes.u16()),
        _ => json!(bytes.float()),
    }
}

/// Steps at a finite schedule's edges and far out.
fn steps(total: Option<u64>) -> [u64; 9] {
    let n = total.unwrap_or(1 << 20);
    let half = n / 2;
    [
        0,
        1,
        half,
        n.saturating_sub(1),
        n,
        n.saturating_add(1),
        1 << 53,
        u64::MAX - 1,
        u64::MAX,
    ]
}

fn hypers<S: HyperSchedule<f64>>(s: &S) {
    for k in steps(s.total_steps()) {
        let lr = s.hypers(k).lr;
        assert!(lr.is_finite(), "lr {lr} at {k}");
    }
    let mut out = [Hypers::default(); 40];
    for first in steps(s.total_steps()) {
        s.fill_hypers(&mut out, first);
        assert!(
            out.iter().all(|h| h.lr.is_finite()),
            "fill from {first}: {out:?}"
        );
    }
}

fn scalar<S: Schedule<f64>>(s: &S) {
    let mut out = [0.0; 40];
    for k in steps(s.total_steps()) {
        let lr = s.at(k);
        assert!(lr.is_finite(), "value {lr} at {k}");
        s.fill(&mut out, k);
    }
}

/// A training loop over the scheduler's cycle (and past its end),
/// from wherever the crafted state stands.
fn train<S: HyperSchedule<f64>, N: HyperSchedule<f64>>(mut s: Scheduler<S, N, f64>) {
    let n = s.cycle().iterations().min(200);
    for k in 0..n + 10 {
        if let Ok(h) = s.batch_begin() {
            assert!(h.lr.is_finite(), "lr {} at {k}", h.lr);
        }
        s.batch_end(0.5);
        if k % 7 == 6 {
            s.epoch_end(&[("loss", 0.5)]);
        }
    }
}
