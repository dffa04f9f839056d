//! What the benchmarks of `clr-benches` share, with no framework in it:
//!
//! - the Keras package's demo task as plain numbers ([`Demo`]): its 1-D
//!   regression data (1001 points), the initial weights of its 1→20→1
//!   network and the order of the batches ([`Order`]), all drawn from one
//!   [`SplitMix64`] generator that `benches/range_test_torch_lr_finder.py`
//!   reproduces, so that every tool trains the same problem;
//! - the 64→128→128→10 MLP's classification task ([`Classes`]);
//! - what every adapter runs the same way: the range test's configuration
//!   ([`range_test_config`]), the hand-written sweep ([`bare_sweep`]) and
//!   `fit`'s schedule ([`one_cycle`]);
//! - the command line of the framework benchmarks ([`Args`]) and the lines
//!   they print, which `benches/speed.py` reads.

use std::time::{Duration, Instant};

use clr_core::{Cycle, Error, KerasOneCycle, RangeTestConfig};

/// Points of the Keras package's data.
pub const POINTS: usize = 1001;
/// Hidden units of its network.
pub const HIDDEN: usize = 20;
/// Samples per batch, in every benchmark.
pub const BATCH: usize = 32;
/// The range test's learning rates: the Keras package's range, 1e-5 to 10.
pub const LR_RANGE: (f64, f64) = (1e-5, 10.0);
/// SGD's momentum in the range test, as the Keras package's demo sets it.
pub const MOMENTUM: f64 = 0.95;
/// Steps in a block of the `fit` measurement: 8 epochs of 32 batches.
pub const STEPS: u64 = 256;

/// The range test every adapter runs: torch-lr-finder's, over [`LR_RANGE`]
/// in `steps` learning rates, divergence stop off.
pub fn range_test_config(steps: u64) -> RangeTestConfig<f64> {
    RangeTestConfig {
        lr_range: LR_RANGE,
        steps,
        threshold_multiplier: None,
        ..RangeTestConfig::torch_lr_finder(LR_RANGE.0)
    }
}

/// The range test by hand, as [`range_test_config`] has it:
/// torch-lr-finder's sweep and smoothing, stopped only by a non-finite
/// loss. `train(i, lr)` trains batch `i` at learning rate `lr` and returns
/// its loss; returns the batches trained.
pub fn bare_sweep<E>(n: u64, mut train: impl FnMut(u64, f64) -> Result<f64, E>) -> Result<u64, E> {
    let (lo, hi) = LR_RANGE;
    let mut smoothed = Vec::with_capacity(n as usize);
    for i in 0..n {
        let value = train(i, lo * (hi / lo).powf(i as f64 / (n - 1) as f64))?;
        let previous = smoothed.last().copied().unwrap_or(value);
        smoothed.push(0.05 * value + 0.95 * previous);
        if !value.is_finite() {
            break;
        }
    }
    Ok(std::hint::black_box(smoothed).len() as u64)
}

/// `fit`'s schedule: the Keras package's one-cycle over [`STEPS`] steps,
/// learning rate 1e-3 → 1e-2 and momentum 0.95 → 0.85, in epochs of
/// `batches_per_epoch`.
pub fn one_cycle(batches_per_epoch: u64) -> Result<(KerasOneCycle<f64>, Cycle), Error> {
    let schedule = KerasOneCycle::builder((1e-3, 1e-2), STEPS)
        .momentum_range(0.95, 0.85)
        .build()?;
    Ok((
        schedule,
        Cycle::new(STEPS / batches_per_epoch, batches_per_epoch)?,
    ))
}

/// Sebastiano Vigna's SplitMix64: a few lines any language reproduces bit
/// for bit (the Python script does).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on `[0, 1)`, 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller, the cosine half).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: a finite logarithm
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// The Keras package's demo task: data and initial weights, row-major as
/// PyTorch, tch and Candle lay out a linear layer (`[out, in]`).
#[derive(Debug, Clone)]
pub struct Demo {
    /// Inputs: `x` on [-1, 1] in [`POINTS`] points.
    pub x: Vec<f32>,
    /// Targets: the Keras package's formula plus N(0, 0.1) noise.
    pub y: Vec<f32>,
    /// The hidden layer's weights, `[HIDDEN, 1]`: Kaiming-normal.
    pub hidden_weight: Vec<f32>,
    /// Its biases: uniform on ±1 (±1/√fan_in).
    pub hidden_bias: Vec<f32>,
    /// The output layer's weights, `[1, HIDDEN]`: Kaiming-normal.
    pub out_weight: Vec<f32>,
    /// Its bias: uniform on ±1/√20.
    pub out_bias: Vec<f32>,
}

impl Demo {
    /// The task drawn from generator seed 99: noise first, then weights.
    pub fn new() -> Self {
        let mut rng = SplitMix64::new(99);
        let (x, y): (Vec<f32>, Vec<f32>) = (0..POINTS)
            .map(|i| {
                let x = -1.0 + 2.0 * i as f64 / (POINTS - 1) as f64;
                let y = x.powi(3) - 0.5 * x * x - x + 0.1 * rng.normal() + (-x.abs()).exp()
                    - ((x + 1.0) / 2.0).round() * (3.0 - x * x).sqrt()
                    + ((x + 0.5) / 2.0).round() * (3.0 - x).powf(0.33);
                (x as f32, y as f32)
            })
            .unzip();
        let mut normal = |n: usize, std: f64| -> Vec<f32> {
            (0..n).map(|_| (std * rng.normal()) as f32).collect()
        };
        let hidden_weight = normal(HIDDEN, 2.0_f64.sqrt());
        let out_weight = normal(HIDDEN, (2.0 / HIDDEN as f64).sqrt());
        let mut uniform = |n: usize, bound: f64| -> Vec<f32> {
            (0..n)
                .map(|_| (bound * (2.0 * rng.uniform() - 1.0)) as f32)
                .collect()
        };
        let hidden_bias = uniform(HIDDEN, 1.0);
        let out_bias = uniform(1, 1.0 / (HIDDEN as f64).sqrt());
        Demo {
            x,
            y,
            hidden_weight,
            hidden_bias,
            out_weight,
            out_bias,
        }
    }
}

impl Default for Demo {
    fn default() -> Self {
        Self::new()
    }
}

/// Batches in an epoch of `samples` (the last one partial, as Keras and
/// PyTorch's `DataLoader` count them).
pub fn batches_per_epoch(samples: usize) -> u64 {
    samples.div_ceil(BATCH) as u64
}

/// The order of the samples, a new one every epoch: Fisher-Yates on a
/// [`SplitMix64`] of seed 7.
#[derive(Debug, Clone)]
pub struct Order {
    rng: SplitMix64,
    order: Vec<u32>,
}

impl Order {
    /// The order of `samples` samples, unshuffled until [`Order::shuffle`].
    pub fn new(samples: usize) -> Self {
        Order {
            rng: SplitMix64::new(7),
            order: (0..samples as u32).collect(),
        }
    }

    /// The next epoch's order.
    pub fn shuffle(&mut self) -> &[u32] {
        for i in (1..self.order.len()).rev() {
            let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
            self.order.swap(i, j);
        }
        &self.order
    }
}

/// Inputs and labels of the MLP's task: `samples` rows of 64 standard
/// normal features, labels in `0..10`.
#[derive(Debug, Clone)]
pub struct Classes {
    /// `[samples, 64]`, row-major.
    pub x: Vec<f32>,
    /// One label per row.
    pub labels: Vec<u32>,
}

impl Classes {
    /// The MLP's widths.
    pub const WIDTHS: [usize; 4] = [64, 128, 128, 10];

    /// `samples` rows from generator seed 5.
    pub fn new(samples: usize) -> Self {
        let mut rng = SplitMix64::new(5);
        let x = (0..samples * Self::WIDTHS[0])
            .map(|_| rng.normal() as f32)
            .collect();
        let labels = (0..samples).map(|_| (rng.next_u64() % 10) as u32).collect();
        Classes { x, labels }
    }
}

/// What a framework benchmark measures, from its command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Args {
    /// `range-test [ITERATIONS...] [--repeats N]`: the range test of each
    /// length (default 100 and 1000), ours and the bare loop, `N` times each
    /// (default 5) after one untimed run.
    RangeTest {
        /// Sweep lengths.
        iterations: Vec<u64>,
        /// Timed runs of each.
        repeats: usize,
    },
    /// `fit [--repeats N]`: `Fit` and the bare loop, alternately, `N` blocks
    /// of 256 steps each (default 15), on each model.
    Fit {
        /// Blocks of each.
        repeats: usize,
    },
}

impl Args {
    /// Reads the command line (`cargo bench` adds `--bench`, ignored).
    pub fn parse() -> Result<Args, String> {
        let mut words = Vec::new();
        let mut repeats = None;
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        while let Some(arg) = args.next() {
            if arg == "--repeats" {
                let n = args.next().and_then(|n| n.parse::<usize>().ok());
                repeats = Some(
                    n.filter(|&n| n > 0)
                        .ok_or("--repeats takes a count above 0")?,
                );
            } else {
                words.push(arg);
            }
        }
        match words.split_first() {
            Some((what, rest)) if what == "range-test" => {
                let mut iterations = rest
                    .iter()
                    .map(|w| w.parse::<u64>().map_err(|_| format!("not a count: {w}")))
                    .collect::<Result<Vec<_>, _>>()?;
                if iterations.is_empty() {
                    iterations = vec![100, 1000];
                }
                Ok(Args::RangeTest {
                    iterations,
                    repeats: repeats.unwrap_or(5),
                })
            }
            Some((what, [])) if what == "fit" => Ok(Args::Fit {
                repeats: repeats.unwrap_or(15),
            }),
            _ => Err(String::from(
                "usage: range-test [ITERATIONS...] [--repeats N] | fit [--repeats N]",
            )),
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Times `run` (which returns the batches it trained) once untimed and
/// `repeats` times, and prints the median as `speed.py` reads it:
/// `range_test <tool> <iterations> <batches> <total ms>`, tab-separated.
pub fn time_range_test<E>(
    tool: &str,
    iterations: u64,
    repeats: usize,
    mut run: impl FnMut() -> Result<u64, E>,
) -> Result<(), E> {
    let mut batches = run()?;
    let mut totals = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let start = Instant::now();
        batches = run()?;
        totals.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "range_test\t{tool}\t{iterations}\t{batches}\t{:.4}",
        median(&totals)
    );
    Ok(())
}

/// Times `bare` and `ours` (each runs a block of `steps` training steps)
/// in `repeats` alternating pairs, after one
/// untimed pair, and prints `fit <adapter> <model> <bare µs/step> <ours
/// µs/step> <overhead %>`, tab-separated: the median times, and the median
/// over the pairs of `ours / bare - 1`.
pub fn time_fit<E>(
    (adapter, model): (&str, &str),
    steps: u64,
    repeats: usize,
    mut bare: impl FnMut() -> Result<(), E>,
    mut ours: impl FnMut() -> Result<(), E>,
) -> Result<(), E> {
    bare()?;
    ours()?;
    let mut bare = || timed(&mut bare);
    let mut ours = || timed(&mut ours);
    let per_step = |d: Duration| d.as_secs_f64() * 1e6 / steps as f64;
    let (mut b, mut o, mut overhead) = (Vec::new(), Vec::new(), Vec::new());
    for pair in 0..repeats {
        // Alternate which goes first, so that neither always follows the other.
        let (tb, to) = if pair % 2 == 0 {
            let tb = bare()?;
            (tb, ours()?)
        } else {
            let to = ours()?;
            (bare()?, to)
        };
        b.push(per_step(tb));
        o.push(per_step(to));
        overhead.push((to.as_secs_f64() / tb.as_secs_f64() - 1.0) * 100.0);
    }
    println!(
        "fit\t{adapter}\t{model}\t{:.3}\t{:.3}\t{:.2}",
        median(&b),
        median(&o),
        median(&overhead)
    );
    Ok(())
}

/// How long `run` took.
fn timed<E>(run: &mut impl FnMut() -> Result<(), E>) -> Result<Duration, E> {
    let start = Instant::now();
    run()?;
    Ok(start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first outputs of SplitMix64 seeded with 0 (Vigna's reference
    /// implementation, splitmix64.c).
    #[test]
    fn splitmix64_matches_the_reference() {
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn an_order_is_a_permutation() {
        let mut order = Order::new(POINTS);
        let mut seen = order.shuffle().to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (0..POINTS as u32).collect::<Vec<_>>());
        assert_eq!(batches_per_epoch(POINTS), 32);
    }

    /// Values that benches/range_test_torch_lr_finder.py draws (printed
    /// from its `demo()` and `Order` as f32): both tools train one task.
    #[test]
    fn the_demo_is_the_python_scripts() {
        let demo = Demo::new();
        let y = [0, 500, 1000].map(|i| f64::from(demo.y[i]));
        assert_eq!(
            y,
            [
                -0.05578741803765297,
                -0.7937842011451721,
                -0.13311657309532166
            ]
        );
        assert_eq!(f64::from(demo.hidden_weight[0]), -0.28527936339378357);
        assert_eq!(f64::from(demo.hidden_bias[19]), -0.6502851843833923);
        assert_eq!(f64::from(demo.out_weight[19]), -0.25310543179512024);
        assert_eq!(f64::from(demo.out_bias[0]), -0.1459769457578659);
        let mut order = Order::new(POINTS);
        assert_eq!(order.shuffle()[..5], [895, 635, 548, 791, 407]);
        assert_eq!(order.shuffle()[..5], [737, 492, 832, 704, 912]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
