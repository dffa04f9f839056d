//! The Keras package's demo data as plain numbers, shared by the Candle
//! demo (`keras_demo.rs`) and the burn demo (`burn_demo.rs`), which turn
//! them into their framework's tensors.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal, NormalError};

/// `(x, y)` points.
pub type Points = Vec<(f32, f32)>;

/// The Keras package's data: `x` on [-1, 1] in 1001 points, its formula
/// with noise N(0, 0.1), shuffled by `rng`, 20% held out for validation.
/// Returns `(train, valid)`: 800 and 201 `(x, y)` points.
pub fn keras_points(rng: &mut StdRng) -> Result<(Points, Points), NormalError> {
    let noise = Normal::new(0.0, 0.1)?;
    let mut points: Points = (0..1001)
        .map(|i| {
            let x = -1.0 + 2.0 * f64::from(i) / 1000.0;
            let y = x.powi(3) - 0.5 * x * x - x + noise.sample(rng) + (-x.abs()).exp()
                - ((x + 1.0) / 2.0).round() * (3.0 - x * x).sqrt()
                + ((x + 1.0 - 0.5) / 2.0).round() * (3.0 - x).powf(0.33);
            (x as f32, y as f32)
        })
        .collect();
    points.shuffle(rng);
    let n_val = (0.2 * points.len() as f64).ceil() as usize;
    let valid = points.split_off(points.len() - n_val);
    Ok((points, valid))
}
