//! The fuzz harness of the state machines, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/state_machines.rs`, nightly) and the stable replay
//! test (`crates/clr-core/tests/fuzz_corpus.rs`). It uses only `clr_core`
//! (with `alloc`) and `std`.
//!
//! [`run`] decodes the bytes into a [`RangeTestConfig`], a stream of losses
//! (NaN, ±inf and subnormals included) and a schedule for a [`Scheduler`],
//! then drives the machines to the end and checks:
//! - nothing panics, and the range test ends within its action budget;
//! - every `Action::Train` learning rate lies in the configured `lr_range`
//!   (1e-12 relative);
//! - after `Done`, each sweep's losses are NaN past the step where it stopped;
//! - every learning rate (and momentum) the scheduler gives lies within the
//!   schedule's bounds, under every past-the-end policy;
//! - every suggestion function, on the sweep's learning rates and its
//!   losses, returns a learning rate within `[min lr / 10, max lr]` (the
//!   fastai pipeline's within those of the inputs rounded to `f32`).
//!
//! With clr-core's `serde` feature (the replay test's `--all-features`, the
//! fuzz crate's default `serde` feature) [`serde_stage`] also writes valid
//! schedules and schedulers as JSON, overwrites some of their numbers,
//! booleans and parts with values from the input read backwards (so the
//! stages above read what they always did), and reads them back:
//! deserialization may refuse, but what it accepts must never panic on a
//! lookup, a fill or a training loop, must give finite learning
//! rates, and must write JSON that reads back to the same text.

use clr_core::suggest::{self, fastai, torch_lr_finder, Suggestions};
use clr_core::{
    Action, Control, Cycle, CyclicLr, CyclicMode, HyperSchedule, KerasOneCycle, PastEnd, RangeTest,
    RangeTestConfig, Report, Scheduler, Smoothing, SweepMode, SweepStop,
};

/// Relative slack on every bound.
const REL: f64 = 1e-12;

/// Bytes read front to back; zeros once exhausted.
struct Bytes<'a> {
    data: &'a [u8],
}

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn bits(&mut self) -> f64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        f64::from_bits(u64::from_le_bytes(b))
    }

    /// A float: raw bits (a quarter of the time), a special value, or a
    /// "reasonable" positive one, log-uniform in [1e-8, 1e8].
    fn float(&mut self) -> f64 {
        match self.u8() % 4 {
            0 => self.bits(),
            1 => {
                const SPECIAL: [f64; 12] = [
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    0.0,
                    -0.0,
                    f64::MIN_POSITIVE,
                    5e-324,
                    f64::MAX,
                    1.0,
                    -1.0,
                    1e-300,
                    1e300,
                ];
                SPECIAL[usize::from(self.u8()) % SPECIAL.len()]
            }
            _ => 10f64.powf(f64::from(self.u8() as i8) / 16.0),
        }
    }

    /// A float in [0, 1] most of the time, anything otherwise.
    fn unit(&mut self) -> f64 {
        match self.u8() % 8 {
            0 => self.float(),
            _ => f64::from(self.u8()) / 255.0,
        }
    }

    /// A loss: like [`Bytes::float`], but around 1 when "reasonable".
    fn loss(&mut self) -> f64 {
        match self.u8() % 4 {
            0 => self.bits(),
            1 => self.float(),
            _ => 0.5 + f64::from(self.u8()) / 32.0,
        }
    }
}

/// `lo <= x <= hi` up to [`REL`] of the larger bound's magnitude: PyTorch's
/// `base + (max - base) * factor` cancels to 0 for `base = 1e32, max = 0.75`,
/// and the schedules keep its expressions.
fn within_span(x: f64, lo: f64, hi: f64) -> bool {
    let slack = REL * lo.abs().max(hi.abs());
    (x == lo || x >= lo - slack) && (x == hi || x <= hi + slack)
}

/// `lo <= x <= hi`, with [`REL`] slack (and infinite bounds allowed).
fn within(x: f64, lo: f64, hi: f64) -> bool {
    (x == lo || x >= lo - REL * lo.abs()) && (x == hi || x <= hi + REL * hi.abs())
}

/// Runs the machines on `data`; panics on a broken invariant.
pub fn run(data: &[u8]) {
    let mut bytes = Bytes { data };
    let config = decode_config(&mut bytes);
    let sched = decode_schedule(&mut bytes);
    let mut losses = Vec::new();
    while !bytes.data.is_empty() && losses.len() < 4096 {
        losses.push(bytes.loss());
    }
    // Once the stream is spent, NaN: every sweep then stops at once.
    let loss_at = |k: usize| {
        if losses.is_empty() {
            f64::NAN
        } else {
            losses[k % losses.len()]
        }
    };
    range_test(config, &loss_at);
    scheduler(sched, &loss_at);
    // The suggestions on the raw stream too, learning rates included: no
    // panic whatever the input.
    let half = losses.len() / 2;
    let (a, b) = losses.split_at(half);
    let mut scratch = vec![0; a.len()];
    let _ = Suggestions::compute(a, b, half, &mut scratch);
    let _ = suggest::valley(a, b, &mut scratch);
    let _ = suggest::slide(a, b);
    let _ = suggest::minimum(a, b);
    let _ = suggest::steep(a, b);
    let _ = suggest::gradient(a, b);
    #[cfg(feature = "serde")]
    serde_stage::run(data);
}

fn decode_config(bytes: &mut Bytes<'_>) -> RangeTestConfig<f64> {
    let flags = bytes.u8();
    let lr_range = if flags & 1 == 0 {
        (bytes.float(), bytes.float())
    } else {
        // Mostly-valid ranges, so that most inputs get past `new`.
        let lo = bytes.float().abs();
        (lo, lo * (1.0 + f64::from(bytes.u8())))
    };
    let steps = 1 + u64::from(bytes.u16() % 300);
    let batches_per_step = 1 + u64::from(bytes.u8() % 4);
    let threshold_multiplier = match bytes.u8() % 5 {
        0 => Some(bytes.float()),
        1 => None,
        _ => Some(1.0 + f64::from(bytes.u8()) / 16.0),
    };
    let wd_list = (0..bytes.u8() % 5)
        .map(|_| match bytes.u8() % 3 {
            0 => bytes.float(),
            _ => f64::from(bytes.u8()) / 1000.0,
        })
        .collect();
    let validation_batches = (flags & 2 != 0).then(|| u64::from(bytes.u8() % 4));
    let mode = if flags & 4 == 0 {
        SweepMode::Exp
    } else {
        SweepMode::Linear
    };
    let smoothing = match bytes.u8() % 3 {
        0 => Smoothing::None,
        1 => Smoothing::EmaDebiased { beta: bytes.unit() },
        _ => Smoothing::Ema {
            smooth_f: bytes.unit(),
        },
    };
    let accumulation_steps = u64::from(bytes.u8() % 4);
    RangeTestConfig {
        lr_range,
        steps,
        batches_per_step,
        threshold_multiplier,
        wd_list,
        validation_batches,
        mode,
        smoothing,
        accumulation_steps,
    }
}

fn range_test(config: RangeTestConfig<f64>, loss_at: &impl Fn(usize) -> f64) {
    let Ok(mut test) = RangeTest::new(config.clone()) else {
        return;
    };
    let (lo, hi) = config.lr_range;
    let n_sweeps = config.wd_list.len().max(1) as u64;
    let per_step = config.batches_per_step * config.accumulation_steps
        + u64::from(config.validation_batches.is_some());
    // Every action of every sweep, its restore, and the final `Done`.
    let budget = n_sweeps * (config.steps * per_step + 1) + 1;
    let mut k = 0;
    let mut actions = 0;
    let mut action = test.start();
    loop {
        actions += 1;
        assert!(actions <= budget, "more than {budget} actions");
        let report = match action {
            Action::Train {
                lr, weight_decay, ..
            } => {
                assert!(within(lr, lo, hi), "train lr {lr} outside [{lo}, {hi}]");
                if let Some(wd) = weight_decay {
                    assert!(config.wd_list.contains(&wd), "weight decay {wd}");
                }
                k += 1;
                Report::TrainLoss(loss_at(k - 1))
            }
            Action::Validate { batches } => {
                assert_eq!(Some(batches), config.validation_batches);
                k += 1;
                Report::ValidationLoss(loss_at(k - 1))
            }
            Action::Restore { .. } => Report::Restored,
            Action::Done => break,
        };
        // A report out of turn is refused and changes nothing.
        let wrong = match report {
            Report::Restored => Report::TrainLoss(1.0),
            _ => Report::Restored,
        };
        assert!(test.report(wrong).is_err());
        assert_eq!(test.action(), action);
        action = test.report(report).expect("the report the test asked for");
    }
    assert!(test.is_done());
    assert!(test.report(Report::Restored).is_err());

    let result = test.result();
    let n = config.steps as usize;
    assert_eq!(result.lrs.len(), n);
    assert_eq!(result.sweeps.len() as u64, n_sweeps);
    for (i, &lr) in result.lrs.iter().enumerate() {
        assert!(
            within(lr, lo, hi),
            "sweep lr {i}: {lr} outside [{lo}, {hi}]"
        );
    }
    for sweep in &result.sweeps {
        let tried = match sweep.stop {
            SweepStop::Completed => n,
            SweepStop::Diverged { step, .. } | SweepStop::NonFinite { step } => step as usize + 1,
        };
        assert!(tried <= n);
        assert_eq!(sweep.train_loss.len(), n);
        assert_eq!(sweep.smoothed.len(), n);
        for curve in [&sweep.train_loss, &sweep.val_loss, &sweep.smoothed] {
            assert!(
                curve.iter().skip(tried).all(|l| l.is_nan()),
                "a loss past the stop at {tried}: {:?}",
                sweep.stop
            );
        }
        if let SweepStop::NonFinite { step } = sweep.stop {
            assert!(!sweep.smoothed[step as usize].is_finite());
        }
        suggestions(&result.lrs, &sweep.train_loss, config.steps);
        suggestions(&result.lrs[..tried], &sweep.smoothed[..tried], config.steps);
    }
}

/// Every suggestion function on one curve: a learning rate within
/// `[min lr / 10, max lr]` of the inputs (the fastai pipeline's, of the
/// inputs rounded to `f32`, as fastai computes).
fn suggestions(lrs: &[f64], losses: &[f64], num_it: u64) {
    let bounds = |round: fn(f64) -> f64| {
        let (lo, hi) = lrs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &l| {
                (lo.min(round(l)), hi.max(round(l)))
            });
        (lo / 10.0, hi)
    };
    let (lo, hi) = bounds(|l| l);
    let (lo32, hi32) = bounds(|l| f64::from(l as f32));
    let check = |name: &str, got: Option<f64>, (lo, hi): (f64, f64)| {
        if let Some(lr) = got {
            assert!(within(lr, lo, hi), "{name}: {lr} outside [{lo}, {hi}]");
        }
    };
    let mut scratch = vec![0; lrs.len()];
    check(
        "valley",
        suggest::valley(lrs, losses, &mut scratch),
        (lo, hi),
    );
    check("slide", suggest::slide(lrs, losses), (lo, hi));
    check("minimum", suggest::minimum(lrs, losses), (lo, hi));
    check("steep", suggest::steep(lrs, losses), (lo, hi));
    check("gradient", suggest::gradient(lrs, losses), (lo, hi));
    for num_it in [num_it as usize, lrs.len(), 0, 1000] {
        let b32 = (lo32, hi32);
        check(
            "fastai::valley",
            fastai::valley(lrs, losses, num_it, &mut scratch),
            b32,
        );
        check("fastai::slide", fastai::slide(lrs, losses, num_it), b32);
        check("fastai::minimum", fastai::minimum(lrs, losses, num_it), b32);
        check("fastai::steep", fastai::steep(lrs, losses, num_it), b32);
        let all = Suggestions::compute(lrs, losses, num_it, &mut scratch);
        for (method, lr) in all.iter() {
            check(
                method,
                lr,
                if method == "gradient" { (lo, hi) } else { b32 },
            );
        }
    }
    check(
        "torch_lr_finder::gradient",
        torch_lr_finder::gradient(lrs, losses),
        (lo, hi),
    );
}

/// A schedule for the scheduler, with its learning-rate bounds and its
/// momentum bounds.
enum Sched {
    Keras(KerasOneCycle<f64>),
    Cyclic(CyclicLr<f64>),
}

/// `(lowest, highest)`.
type Bounds = (f64, f64);

struct SchedInput {
    /// The schedule, its learning-rate bounds and its momentum bounds.
    sched: Option<(Sched, Bounds, Option<Bounds>)>,
    cycle: Option<Cycle>,
    policy: PastEnd,
    extra: u64,
}

fn ordered(a: f64, b: f64) -> (f64, f64) {
    (a.min(b), a.max(b))
}

fn decode_schedule(bytes: &mut Bytes<'_>) -> SchedInput {
    let epochs = 1 + u64::from(bytes.u8() % 8);
    let bpe = 1 + u64::from(bytes.u8() % 16);
    let cycle = Cycle::new(epochs, bpe).ok();
    let total = epochs * bpe;
    let kind = bytes.u8();
    let (a, b) = (bytes.float(), bytes.float());
    let momentum = (kind & 2 != 0).then(|| (bytes.unit(), bytes.unit()));
    let momentum_bounds = momentum.map(|(m1, m2)| ordered(m1, m2));
    let sched = if kind & 1 == 0 {
        let mut builder = KerasOneCycle::builder((a, b), total).phase_one_fraction(bytes.unit());
        if let Some((m1, m2)) = momentum {
            builder = builder.momentum_range(m1, m2);
        }
        // The Keras package's fall ends at 0, not at lr_range.0.
        builder
            .build()
            .ok()
            .map(|s| (Sched::Keras(s), (0.0, b), momentum_bounds))
    } else {
        let up = u64::from(bytes.u8() % 20);
        let down = bytes.u8();
        let mode = match bytes.u8() % 3 {
            0 => CyclicMode::Triangular,
            1 => CyclicMode::Triangular2,
            // gamma <= 1: the amplitude never grows past |max_lr - base_lr|.
            _ => CyclicMode::ExpRange {
                gamma: bytes.unit().min(1.0),
            },
        };
        let mut builder = CyclicLr::builder(a, b).step_size_up(up).mode(mode);
        if down < 200 {
            builder = builder.step_size_down(u64::from(down % 20));
        }
        builder = match momentum {
            Some((m1, m2)) => builder.momentum_range(m2, m1),
            None => builder.no_momentum(),
        };
        builder
            .build()
            .ok()
            .map(|s| (Sched::Cyclic(s), ordered(a, b), momentum_bounds))
    };
    let policy = match bytes.u8() % 5 {
        0 => PastEnd::Hold,
        1 => PastEnd::Stop,
        2 => PastEnd::Error,
        3 => PastEnd::Restart,
        _ => PastEnd::Continue,
    };
    SchedInput {
        sched,
        cycle,
        policy,
        extra: u64::from(bytes.u8()),
    }
}

fn scheduler(input: SchedInput, loss_at: &impl Fn(usize) -> f64) {
    let (Some((sched, lr_bounds, momentum_bounds)), Some(cycle)) = (input.sched, input.cycle)
    else {
        return;
    };
    let run = Run {
        cycle,
        policy: input.policy,
        extra: input.extra,
        lr_bounds,
        momentum_bounds,
    };
    match sched {
        Sched::Keras(s) => run.drive(s, loss_at),
        Sched::Cyclic(s) => run.drive(s, loss_at),
    }
}

struct Run {
    cycle: Cycle,
    policy: PastEnd,
    extra: u64,
    lr_bounds: (f64, f64),
    momentum_bounds: Option<(f64, f64)>,
}

impl Run {
    fn drive<S: HyperSchedule<f64> + Clone>(&self, s: S, loss_at: &impl Fn(usize) -> f64) {
        let Ok(scheduler) = Scheduler::new(s.clone(), self.cycle) else {
            // Only a finite schedule of another length is refused.
            assert!(s
                .total_steps()
                .is_some_and(|n| n != self.cycle.iterations()));
            return;
        };
        let mut scheduler = match self.policy {
            PastEnd::Continue => scheduler.then(s),
            policy => scheduler.past_end(policy).expect("a policy without `next`"),
        };
        scheduler.train_begin();
        let n = self.cycle.iterations();
        let bpe = self.cycle.batches_per_epoch();
        let (lo, hi) = self.lr_bounds;
        for k in 0..n + self.extra {
            let h = match scheduler.batch_begin() {
                Ok(h) => h,
                Err(_) => {
                    assert!(
                        self.policy == PastEnd::Error && k >= n,
                        "error at {k} of {n}"
                    );
                    break;
                }
            };
            assert!(
                within_span(h.lr, lo, hi),
                "lr {} at {k} outside [{lo}, {hi}]",
                h.lr
            );
            match (h.momentum, self.momentum_bounds) {
                (Some(m), Some((m_lo, m_hi))) => {
                    assert!(
                        within_span(m, m_lo, m_hi),
                        "momentum {m} at {k} outside [{m_lo}, {m_hi}]"
                    );
                }
                (None, None) => {}
                (m, b) => panic!("momentum {m:?} with bounds {b:?}"),
            }
            let control = scheduler.batch_end(loss_at(k as usize));
            assert_eq!(scheduler.state().iteration, k + 1);
            if (k + 1) % bpe == 0 {
                scheduler.epoch_end(&[("loss", loss_at(k as usize))]);
            }
            if control == Control::Stop {
                assert!(
                    self.policy == PastEnd::Stop && k + 1 >= n,
                    "stop at {k} of {n}"
                );
                break;
            }
        }
        let records = scheduler.records();
        for r in &records.batches {
            assert!(within_span(r.lr, lo, hi), "recorded lr {}", r.lr);
        }
        for r in &records.epochs {
            assert!(within_span(r.lr, lo, hi), "epoch lr {}", r.lr);
        }
    }
}

#[cfg(feature = "serde")]
mod serde_stage {
    //! Crafted JSON for every schedule that validates on deserialization.

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
}
