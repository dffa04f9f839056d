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

// A file of its own to keep each under 600 lines; the path is relative to
// this file, which both the fuzz target and the replay test include by path.
#[cfg(feature = "serde")]
#[path = "serde_stage.rs"]
mod serde_stage;
