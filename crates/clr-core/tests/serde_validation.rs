//! Deserialisation refuses what the builders refuse: crafted JSON (zero
//! lengths and periods, a warm-up as long as its cycle, out-of-range
//! values, derived fields that disagree with the configuration) is an
//! error naming the parameter and the value, never a schedule that panics
//! on its first lookup. Valid values keep the form they were written in,
//! pinned here as the main branch wrote them, and read back equal.

#![cfg(feature = "serde")]

use clr_core::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Writes `value`, checks the text is `pinned` (the form before
/// deserialisation was validated), reads it back and checks the copy
/// writes the same text.
fn same_form<T: Serialize + DeserializeOwned>(value: &T, pinned: &str) -> T {
    let text = serde_json::to_string(value).unwrap();
    assert_eq!(text, pinned);
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), pinned);
    back
}

/// `json` with the value at `pointer` replaced by `x`.
fn with(mut json: Value, pointer: &str, x: Value) -> Value {
    match json.pointer_mut(pointer) {
        Some(slot) => *slot = x,
        None => panic!("no {pointer}"),
    }
    json
}

/// Reading `json` as a `T` fails with a message containing `message`
/// (`invalid <param> = <value>`, as the builders say it).
fn refused<T: DeserializeOwned>(json: Value, message: &str) {
    match serde_json::from_value::<T>(json.clone()) {
        Ok(_) => panic!("accepted {json}"),
        Err(e) => assert!(e.to_string().contains(message), "{e} (wanted {message:?})"),
    }
}

/// `good` with the field at each `(pointer, value)` changed is refused,
/// with an error that contains `message`.
fn refuses<T: DeserializeOwned>(good: &Value, cases: &[(&str, Value, &str)]) {
    for (pointer, x, message) in cases {
        refused::<T>(with(good.clone(), pointer, x.clone()), message);
    }
}

#[test]
fn cosine_restarts() {
    type R = CosineRestarts<f64>;
    let s = CosineRestarts::builder(0.1_f64, 10)
        .t_mult(2.0)
        .warmup(2)
        .peak_decay(0.5)
        .build()
        .unwrap();
    assert_eq!(same_form(&s, PINNED_RESTARTS), s);
    let s32 = CosineRestarts::builder(0.1_f32, 10)
        .t_mult(1.5)
        .build()
        .unwrap();
    assert_eq!(same_form(&s32, PINNED_RESTARTS32), s32);

    let good: Value = serde_json::from_str(PINNED_RESTARTS).unwrap();
    // The two panics this fixes: `ilog2(0)` and a division by zero in `at`.
    refused::<R>(with(good.clone(), "/config/t0", json!(0)), "invalid t0 = 0");
    let t0_zero = json!({"config": {"lr": 0.1, "t0": 0, "t_mult": 1.0, "eta_min": 0.0,
        "peak_decay": 1.0, "warmup": 0}, "int_mult": 1});
    refused::<R>(t0_zero, "invalid t0 = 0");
    refuses::<R>(
        &good,
        &[
            ("/config/warmup", json!(10), "invalid warmup = 10"),
            ("/config/t_mult", json!(0.5), "invalid t_mult = 0.5"),
            ("/config/lr", json!(-1.0), "invalid lr = -1"),
            ("/config/eta_min", json!(-1.0), "invalid eta_min = -1"),
            ("/config/peak_decay", json!(0.0), "invalid peak_decay = 0"),
        ],
    );

    // `int_mult` (which older forms hold) is derived: whatever the input
    // says, `t_mult` decides.
    let old = |json: &Value, int_mult: Value| {
        let mut json = json.clone();
        json["int_mult"] = int_mult;
        json
    };
    for int_mult in [json!(0), json!(3), json!(null)] {
        let read: R = serde_json::from_value(old(&good, int_mult)).unwrap();
        assert_eq!(read, s);
        assert_eq!(read.at(25), s.at(25));
    }
    let fractional = with(good.clone(), "/config/t_mult", json!(1.5));
    let read: R = serde_json::from_value(old(&fractional, json!(2))).unwrap();
    let built = CosineRestarts::builder(0.1_f64, 10)
        .t_mult(1.5)
        .warmup(2)
        .peak_decay(0.5)
        .build()
        .unwrap();
    assert_eq!(read, built);
    assert_eq!(serde_json::to_value(read).unwrap()["int_mult"], Value::Null);
}

#[test]
fn lr_sweep() {
    type S = LrSweep<f64>;
    let down = LrSweep::<f64>::new((10.0, 1e-5), 50, SweepMode::Exp).unwrap();
    assert_eq!(same_form(&down, PINNED_SWEEP_DOWN), down);
    let linear = LrSweep::<f32>::new((1e-5, 10.0), 100, SweepMode::Linear).unwrap();
    assert_eq!(same_form(&linear, PINNED_SWEEP_LIN), linear);

    let good: Value = serde_json::from_str(PINNED_SWEEP_DOWN).unwrap();
    // `steps = 0` underflowed in `at`; `min > max` made its clamp panic.
    refuses::<S>(
        &good,
        &[
            ("/steps", json!(0), "invalid steps = 0"),
            ("/min", json!(100.0), "invalid min = 100"),
            ("/min", json!(0.0), "= 0: expected a finite number > 0"),
            ("/min", json!(-1.0), "= -1: expected a finite number > 0"),
        ],
    );

    // `step` (and `start`, `stop` but for their order) are derived.
    let read: S = serde_json::from_value(with(good.clone(), "/step", json!(1e300))).unwrap();
    assert_eq!(read, down);
    let read: S = serde_json::from_value(with(good, "/start", json!(7.0))).unwrap();
    assert_eq!(read, down);
}

/// Every value of the two schedules, to the bit.
fn same_values<F: Real, A: HyperSchedule<F>, B: HyperSchedule<F>>(a: &A, b: &B, steps: u64) {
    for k in 0..steps {
        let (x, y) = (a.hypers(k), b.hypers(k));
        assert_eq!(x.lr.to_f64().to_bits(), y.lr.to_f64().to_bits(), "step {k}");
        assert_eq!(
            x.momentum.map(|m| m.to_f64().to_bits()),
            y.momentum.map(|m| m.to_f64().to_bits())
        );
    }
}

#[test]
fn keras_clr() {
    let keras = KerasClr::builder(3, (0.002_f64, 0.01), 600)
        .momentum_range(0.95, 0.85)
        .build_keras()
        .unwrap();
    same_values(&same_form(&keras, PINNED_KERAS_CLR), &keras, 601);
    let fixed = CosineCycles::builder(3, (0.002_f64, 0.01), 600)
        .amplitude(Amplitude::Decay(0.5))
        .build_fixed()
        .unwrap();
    same_values(&same_form(&fixed, PINNED_COSINE_CYCLES), &fixed, 601);

    let good: Value = serde_json::from_str(PINNED_KERAS_CLR).unwrap();
    let bad = [
        ("/config/cycles", json!(0), "invalid cycles = 0"),
        ("/config/total_steps", json!(0), "invalid total_steps = 0"),
        (
            "/config/phase_one_fraction",
            json!(1.5),
            "invalid phase_one_fraction = 1.5",
        ),
        (
            "/config/lr_range",
            json!([0.01, 0.002]),
            "invalid lr_range.0 = 0.01",
        ),
        (
            "/config/momentum_range",
            json!([-0.5, 0.85]),
            "invalid momentum_range.0 = -0.5",
        ),
        (
            "/config/amplitude",
            json!({"Decay": -1.0}),
            "invalid amplitude_decay = -1",
        ),
        (
            "/config/amplitude",
            json!({"Decay": 1e60}),
            "invalid amplitude_decay = 1e60",
        ),
    ];
    refuses::<KerasClr<f64>>(&good, &bad);
    refuses::<CosineCycles<f64>>(&good, &bad);
}

#[test]
fn keras_one_cycle() {
    type K = KerasOneCycle<f64>;
    let s = KerasOneCycle::builder((0.01_f64, 0.1), 1000)
        .momentum_range(0.95, 0.85)
        .build()
        .unwrap();
    assert_eq!(same_form(&s, PINNED_KERAS_ONE_CYCLE), s);

    let good: Value = serde_json::from_str(PINNED_KERAS_ONE_CYCLE).unwrap();
    refuses::<K>(
        &good,
        &[
            ("/config/total_steps", json!(0), "invalid total_steps = 0"),
            (
                "/config/lr_range",
                json!([0.1, 0.01]),
                "invalid lr_range.0 = 0.1",
            ),
            (
                "/config/lr_range",
                json!([0.0, 0.0]),
                "invalid lr_range.1 = 0",
            ),
            (
                "/config/momentum_range",
                json!([0.95, -0.1]),
                "invalid momentum_range.1 = -0.1",
            ),
            (
                "/config/phase_one_fraction",
                json!(-0.5),
                "invalid phase_one_fraction = -0.5",
            ),
        ],
    );
}

#[test]
fn one_cycle_lr() {
    type O = OneCycleLr<f64>;
    let s = OneCycleLr::builder(0.1_f64, 100).build().unwrap();
    assert_eq!(same_form(&s, PINNED_ONE_CYCLE), s);
    let s3 = OneCycleLr::builder_epochs(0.1_f64, 4, 25)
        .three_phase(true)
        .no_momentum()
        .build()
        .unwrap();
    assert_eq!(same_form(&s3, PINNED_ONE_CYCLE_3), s3);

    let good: Value = serde_json::from_str(PINNED_ONE_CYCLE).unwrap();
    refuses::<O>(
        &good,
        &[
            ("/config/max_lr", json!(-0.1), "invalid max_lr = -0.1"),
            ("/config/pct_start", json!(1.5), "invalid pct_start = 1.5"),
            ("/config/div_factor", json!(0.0), "invalid div_factor = 0"),
            (
                "/config/final_div_factor",
                json!(1e-320),
                "invalid final_div_factor = 1e-320",
            ),
            (
                "/config/momentum",
                json!([-1.0, 0.95]),
                "invalid base_momentum = -1",
            ),
            (
                "/config/length",
                json!({"Steps": 0}),
                "invalid total_steps = 0",
            ),
            (
                "/config/length",
                json!({"Epochs": {"epochs": 0, "steps_per_epoch": 10}}),
                "invalid epochs = 0",
            ),
        ],
    );
    // The form written before the one-cycle was written as its builder
    // (its phases) is refused, not read as something else.
    refused::<O>(
        json!({"lr": {}, "momentum": null}),
        "missing field `config`",
    );
}

#[test]
fn fit_one_cycle() {
    type O = FitOneCycle<f64>;
    let s = FitOneCycle::builder(1e-3_f64, 100).build().unwrap();
    assert_eq!(same_form(&s, PINNED_FIT_ONE_CYCLE), s);

    let good: Value = serde_json::from_str(PINNED_FIT_ONE_CYCLE).unwrap();
    refuses::<O>(
        &good,
        &[
            ("/config/total_steps", json!(0), "invalid total_steps = 0"),
            ("/config/lr_max", json!(-1.0), "invalid lr_max = -1"),
            ("/config/pct_start", json!(1.5), "invalid pct_start = 1.5"),
            (
                "/config/moms",
                json!([0.95, -0.1, 0.95]),
                "invalid moms.1 = -0.1",
            ),
            (
                "/config/epochs",
                json!(3),
                "invalid epochs = 3: expected a divisor of 100",
            ),
        ],
    );
    // The form written before it followed fastai's float32 positions (its
    // phases) is refused, not read with other values.
    refused::<O>(json!({"lr": {}, "momentum": {}}), "missing field `config`");
}

/// fastai's `combine_scheds` phases keep their rule through a round trip;
/// their ends are float32 fractions that end at 1.
#[test]
fn piecewise_by_fractions() {
    type P = Piecewise<f64>;
    let spans = [
        Span::new(0.3, 0.0_f64, 1.0, Anneal::Linear),
        Span::new(0.7, 1.0, 0.5, Anneal::Cos),
    ];
    let s = Piecewise::by_fractions(10, &spans).unwrap();
    let back: P = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    for k in 0..12 {
        assert_eq!(back.at(k).to_bits(), s.at(k).to_bits(), "{k}");
    }
    let good = serde_json::to_value(s).unwrap();
    assert_eq!(good["rule"], json!("Fractions"));
    refuses::<P>(
        &good,
        &[
            ("/phases/0/end", json!(0.3), "invalid end = 0.3"),
            ("/phases/1/end", json!(0.75), "invalid pcts = 0.75"),
        ],
    );
}

/// A schedule holding a user's function cannot be written: serializing it
/// is an error naming the function, not a form that reads back with
/// another (a `CyclicMode::Custom` used to come back as `|_| 1.0`, lrs
/// 1, 3, 5, 3 where they were 1, 2, 3, 2), and so is reading one.
#[test]
fn user_functions_are_refused_not_dropped() {
    let half_per_cycle = CyclicLr::builder(1.0_f64, 5.0)
        .step_size_up(4)
        .mode(CyclicMode::Custom {
            scale_fn: |cycle| 0.5_f64.powf(cycle - 1.0),
            scale_mode: ScaleMode::Cycle,
        })
        .build()
        .unwrap();
    let e = serde_json::to_string(&half_per_cycle).unwrap_err();
    assert!(e.to_string().contains("invalid scale_fn"), "{e}");
    let written = serde_json::to_value(CyclicLr::builder(1.0_f64, 5.0).build().unwrap()).unwrap();
    let custom = json!({"Custom": {"scale_fn": null, "scale_mode": "Cycle"}});
    refused::<CyclicLr<f64>>(with(written, "/config/mode", custom), "invalid scale_fn");

    let decaying = KerasClr::builder(3, (0.002_f64, 0.01), 600)
        .amplitude(Amplitude::Custom(|c| 1.0 / (1.0 + c)));
    let e = serde_json::to_string(&decaying.build_keras().unwrap()).unwrap_err();
    assert!(e.to_string().contains("invalid amplitude_fn"), "{e}");
    let e = serde_json::to_string(&decaying.build_fixed().unwrap()).unwrap_err();
    assert!(e.to_string().contains("invalid amplitude_fn"), "{e}");
    let good: Value = serde_json::from_str(PINNED_KERAS_CLR).unwrap();
    let custom = with(good, "/config/amplitude", json!({"Custom": null}));
    refused::<KerasClr<f64>>(custom, "invalid amplitude_fn");
}

#[test]
fn combinators() {
    let c = Constant::new(0.5_f64).unwrap();
    assert_eq!(same_form(&c, PINNED_CONSTANT), c);
    refused::<Constant<f64>>(json!(1e300), "invalid value = 1e300");

    let scaled = Scaled::new(c, 2.0).unwrap();
    assert_eq!(same_form(&scaled, PINNED_SCALED), scaled);
    refused::<Scaled<Constant<f64>, f64>>(
        json!({"inner": 0.5, "factor": 1e200}),
        "invalid factor = 1e200",
    );
    refused::<Scaled<Constant<f64>, f64>>(
        json!({"inner": -1e101, "factor": 1.0}),
        "invalid value = -1e101",
    );

    let clamped = Clamped::new(c, 0.0, 1.0).unwrap();
    assert_eq!(same_form(&clamped, PINNED_CLAMPED), clamped);
    refused::<Clamped<Constant<f64>, f64>>(
        json!({"inner": 0.5, "min": 1.0, "max": 0.0}),
        "invalid min = 1",
    );
    refused::<Clamped<Constant<f64>, f64>>(
        json!({"inner": 0.5, "min": 0.0, "max": 1e101}),
        "invalid max = 1e101",
    );

    type R = Repeat<LrSweep<f64>>;
    let sweep = LrSweep::<f64>::new((1e-3, 1.0), 10, SweepMode::Exp).unwrap();
    let repeat = Repeat::new(sweep, Some(3)).unwrap();
    assert_eq!(same_form(&repeat, PINNED_REPEAT), repeat);
    let good: Value = serde_json::from_str(PINNED_REPEAT).unwrap();
    // `period = 0` divided by zero in `at`.
    refuses::<R>(
        &good,
        &[
            ("/period", json!(0), "invalid period = 0"),
            ("/times", json!(0), "invalid times = 0"),
            ("/inner/steps", json!(0), "invalid steps = 0"),
        ],
    );
}

type Restarts = Bundle<CosineRestarts<f64>, CosineRestarts<f64>>;

// The pinned form holds the records, which need `alloc`.
#[cfg(feature = "alloc")]
#[test]
fn scheduler() {
    let r = CosineRestarts::builder(0.1_f64, 10).build().unwrap();
    let s = Scheduler::new(Bundle::lr_only(r), Cycle::new(2, 50).unwrap())
        .unwrap()
        .record_every(5)
        .unwrap();
    assert_eq!(same_form(&s, PINNED_SCHEDULER), s);

    let mut then = Scheduler::new(Bundle::lr_only(r), Cycle::new(1, 20).unwrap())
        .unwrap()
        .then(Bundle::lr_only(r));
    then.batch_begin().unwrap();
    then.batch_end(0.5);
    then.epoch_end(&[("loss", 0.5)]);
    let mut back = same_form(&then, PINNED_SCHEDULER_THEN);
    assert_eq!(back, then);
    // The copy goes on as the original does, past the cycle's end too.
    for _ in 0..30 {
        assert_eq!(back.batch_begin(), then.batch_begin());
        assert_eq!(back.batch_end(0.25), then.batch_end(0.25));
    }
    assert_eq!(back, then);
}

/// Without `alloc` too (no records in the form).
#[test]
fn scheduler_refusals() {
    type S = Scheduler<Restarts>;
    let r = CosineRestarts::builder(0.1_f64, 10).build().unwrap();
    let s = Scheduler::new(Bundle::lr_only(r), Cycle::new(2, 50).unwrap())
        .unwrap()
        .record_every(5)
        .unwrap();
    let good = serde_json::to_value(&s).unwrap();
    // `record_every = 0` divided by zero at the first record.
    refuses::<S>(
        &good,
        &[
            ("/record_every", json!(0), "invalid record_every = 0"),
            ("/past_end", json!("Continue"), "invalid next"),
            ("/cycle/epochs", json!(0), "invalid epochs = 0"),
            ("/schedule/lr/config/t0", json!(0), "invalid t0 = 0"),
        ],
    );
    // A finite schedule must last the cycle, as `Scheduler::new` says.
    let one_cycle = OneCycleLr::builder(0.1_f64, 1000).build().unwrap();
    let mut finite =
        serde_json::to_value(Scheduler::new(one_cycle, Cycle::new(10, 100).unwrap()).unwrap())
            .unwrap();
    finite = with(finite, "/cycle/epochs", json!(2));
    refused::<Scheduler<OneCycleLr<f64>>>(finite, "invalid total_steps = 1000");
    // A form naming the incremental stepper this crate had reads as the
    // exact scheduler, whose values it was within 1e-12 of.
    for incremental in [true, false] {
        let mut old = good.clone();
        old["incremental"] = json!(incremental);
        let read: S = serde_json::from_value(old).unwrap();
        assert_eq!(read, s);
    }
}

// The forms as the main branch wrote them (before deserialisation was
// validated), but for what was derived and is no longer written (the warm
// restarts' `int_mult`, the scheduler's `incremental` flag since the
// stepper went; old forms still read) and the one-cycle presets, written
// as their builder like every other preset since each is its reference's
// transcription (their old forms are refused).
const PINNED_RESTARTS: &str =
    r#"{"config":{"lr":0.1,"t0":10,"t_mult":2.0,"eta_min":0.0,"peak_decay":0.5,"warmup":2}}"#;
const PINNED_RESTARTS32: &str =
    r#"{"config":{"lr":0.1,"t0":10,"t_mult":1.5,"eta_min":0.0,"peak_decay":1.0,"warmup":0}}"#;
const PINNED_SWEEP_DOWN: &str = r#"{"min":0.00001,"max":10.0,"start":1.0,"stop":-5.0,"step":-0.12244897959183673,"steps":50,"mode":"Exp","_value":null}"#;
const PINNED_SWEEP_LIN: &str = r#"{"min":9.999999747378752e-6,"max":10.0,"start":9.999999747378752e-6,"stop":10.0,"step":0.10101000000000256,"steps":100,"mode":"Linear","_value":null}"#;
const PINNED_KERAS_CLR: &str = r#"{"config":{"cycles":3,"lr_range":[0.002,0.01],"total_steps":600,"momentum_range":[0.95,0.85],"phase_one_fraction":0.3,"amplitude":{"Decay":1.0}}}"#;
const PINNED_COSINE_CYCLES: &str = r#"{"config":{"cycles":3,"lr_range":[0.002,0.01],"total_steps":600,"momentum_range":null,"phase_one_fraction":0.3,"amplitude":{"Decay":0.5}}}"#;
const PINNED_KERAS_ONE_CYCLE: &str = r#"{"config":{"lr_range":[0.01,0.1],"total_steps":1000,"momentum_range":[0.95,0.85],"phase_one_fraction":0.3}}"#;
const PINNED_ONE_CYCLE: &str = r#"{"config":{"max_lr":0.1,"length":{"Steps":100},"pct_start":0.3,"anneal":"Cos","div_factor":25.0,"final_div_factor":10000.0,"three_phase":false,"momentum":[0.85,0.95]}}"#;
const PINNED_ONE_CYCLE_3: &str = r#"{"config":{"max_lr":0.1,"length":{"Epochs":{"epochs":4,"steps_per_epoch":25}},"pct_start":0.3,"anneal":"Cos","div_factor":25.0,"final_div_factor":10000.0,"three_phase":true,"momentum":null}}"#;
const PINNED_FIT_ONE_CYCLE: &str = r#"{"config":{"lr_max":0.001,"total_steps":100,"div":25.0,"div_final":100000.0,"pct_start":0.25,"moms":[0.95,0.85,0.95],"epochs":1}}"#;
const PINNED_CONSTANT: &str = r#"0.5"#;
const PINNED_SCALED: &str = r#"{"inner":0.5,"factor":2.0}"#;
const PINNED_CLAMPED: &str = r#"{"inner":0.5,"min":0.0,"max":1.0}"#;
const PINNED_REPEAT: &str = r#"{"inner":{"min":0.001,"max":1.0,"start":-3.0,"stop":0.0,"step":0.3333333333333333,"steps":10,"mode":"Exp","_value":null},"period":10,"times":3}"#;
#[cfg(feature = "alloc")]
const PINNED_SCHEDULER: &str = r#"{"schedule":{"lr":{"config":{"lr":0.1,"t0":10,"t_mult":1.0,"eta_min":0.0,"peak_decay":1.0,"warmup":0}},"momentum":null},"next":null,"cycle":{"epochs":2,"batches_per_epoch":50},"record_every":5,"past_end":"Hold","state":{"iteration":0,"epoch":0},"records":{"batches":[],"epochs":[]}}"#;
#[cfg(feature = "alloc")]
const PINNED_SCHEDULER_THEN: &str = r#"{"schedule":{"lr":{"config":{"lr":0.1,"t0":10,"t_mult":1.0,"eta_min":0.0,"peak_decay":1.0,"warmup":0}},"momentum":null},"next":{"lr":{"config":{"lr":0.1,"t0":10,"t_mult":1.0,"eta_min":0.0,"peak_decay":1.0,"warmup":0}},"momentum":null},"cycle":{"epochs":1,"batches_per_epoch":20},"record_every":10,"past_end":"Continue","state":{"iteration":1,"epoch":1},"records":{"batches":[{"iteration":0,"lr":0.1,"momentum":null,"loss":0.5,"metrics":[]}],"epochs":[{"epoch":0,"lr":0.1,"metrics":[["loss",0.5]]}]}}"#;

/// A range test's result is plain data, read as written: its curves may
/// have any lengths, and suggesting on them must not panic.
#[cfg(feature = "alloc")]
#[test]
fn range_test_result_of_any_lengths() {
    let sweep = |n: usize| {
        json!({"weight_decay": null, "train_loss": vec![1.0; n], "val_loss": [],
            "smoothed": (0..n).map(|i| 1.0 + (i as f64 - 20.0).powi(2)).collect::<Vec<_>>(),
            "stop": "Completed"})
    };
    for (lrs, losses) in [(0, 0), (0, 50), (3, 50), (50, 3), (50, 0), (50, 50)] {
        let lrs: Vec<f64> = (0..lrs).map(|i| 1e-5 * 1.3_f64.powi(i)).collect();
        let json = json!({"lrs": lrs, "sweeps": [sweep(losses)]});
        let result: RangeTestResult<f64> = serde_json::from_value(json).unwrap();
        let _ = result.suggestions(0);
        assert_eq!(result.suggestions(1), None);
    }
}
