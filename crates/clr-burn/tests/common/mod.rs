//! What the parity tests share: a module of two parameters (a matrix and a
//! vector) in a chosen float type, exact gradients for it, and the distance
//! of a result from PyTorch's in units in the last place.

#![allow(dead_code)]

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Tensor, TensorData};
use clr_burn::{Params, Scheduled, ScheduledOptimizer};
use clr_core::Hypers;
use serde::Deserialize;

/// A fixture file of PyTorch optimizer steps: the version and the cases.
#[derive(Deserialize)]
pub struct Fixture<C> {
    pub torch: String,
    pub cases: Vec<C>,
}

/// Two parameters, as the fixtures' `[3, 2]` matrix and `[4]` vector.
#[derive(Module, Debug)]
pub struct Two {
    pub a: Param<Tensor<2>>,
    pub b: Param<Tensor<1>>,
}

/// The float type a fixture case names.
pub fn dtype(name: &str) -> DType {
    match name {
        "float64" => DType::F64,
        "float32" => DType::F32,
        other => panic!("unknown dtype {other}"),
    }
}

fn tensor<const D: usize>(values: &[f64], shape: [usize; D], dtype: DType) -> Tensor<D> {
    let data = TensorData::new(values.to_vec(), shape);
    Tensor::from_data(data, (&Device::default(), dtype))
}

/// A parameter as a model has it: on the autodiff device, tracked.
fn param<const D: usize>(values: &[f64], shape: [usize; D], dtype: DType) -> Param<Tensor<D>> {
    Param::from_tensor(tensor(values, shape, dtype).autodiff())
}

/// The module with the fixture's initial values.
pub fn two(params: &[Vec<f64>], dtype: DType) -> Two {
    Two {
        a: param(&params[0], [3, 2], dtype),
        b: param(&params[1], [4], dtype),
    }
}

/// Gradients for `model`: exactly `grads` (off the autodiff device, as
/// `backward` gives them), none for a `None`.
pub fn grads(model: &Two, grads: &[Option<Vec<f64>>], dtype: DType) -> GradientsParams {
    let mut out = GradientsParams::new();
    if let Some(g) = &grads[0] {
        out.register(model.a.id, tensor(g, [3, 2], dtype));
    }
    if let Some(g) = &grads[1] {
        out.register(model.b.id, tensor(g, [4], dtype));
    }
    out
}

/// The parameters' values, widened to `f64` exactly.
pub fn values(model: &Two) -> [Vec<f64>; 2] {
    let a = model.a.val().try_into_vec_as::<f64>().expect("f64 values");
    let b = model.b.val().try_into_vec_as::<f64>().expect("f64 values");
    [a, b]
}

/// How many values of `dtype` lie between `got` and `want` (both of that
/// type, widened): 0 when they are the same number.
pub fn ulps(got: f64, want: f64, dtype: DType) -> u64 {
    fn key64(x: f64) -> i128 {
        let bits = x.to_bits() as i64;
        i128::from(if bits < 0 { i64::MIN - bits } else { bits })
    }
    fn key32(x: f32) -> i128 {
        let bits = x.to_bits() as i32;
        i128::from(if bits < 0 { i32::MIN - bits } else { bits })
    }
    let d = match dtype {
        DType::F32 => key32(got as f32) - key32(want as f32),
        _ => key64(got) - key64(want),
    };
    d.unsigned_abs() as u64
}

/// The largest [`ulps`] over two parameters' values.
pub fn max_ulps(got: &[Vec<f64>; 2], want: &[Vec<f64>], dtype: DType) -> u64 {
    got.iter()
        .zip(want)
        .flat_map(|(g, w)| {
            assert_eq!(g.len(), w.len());
            g.iter().zip(w).map(|(g, w)| ulps(*g, *w, dtype))
        })
        .max()
        .unwrap_or(0)
}

/// The largest difference over two parameters' values in units of the
/// type's epsilon relative to `max(1, |want|)`: ulps for values of
/// magnitude 1 and more, an absolute error below (where a result that
/// cancels down to a small number has few correct digits in either
/// implementation, and [`ulps`] would count its noise).
pub fn max_eps(got: &[Vec<f64>; 2], want: &[Vec<f64>], dtype: DType) -> f64 {
    let eps = match dtype {
        DType::F32 => f64::from(f32::EPSILON),
        _ => f64::EPSILON,
    };
    got.iter()
        .zip(want)
        .flat_map(|(g, w)| {
            g.iter()
                .zip(w)
                .map(|(g, w)| (g - w).abs() / w.abs().max(1.0) / eps)
        })
        .fold(0.0, f64::max)
}

/// One step of a fixture: the hyper-parameters a schedule sets, the
/// gradients, and PyTorch's parameters after the step.
pub struct Step<'a> {
    pub hypers: Hypers<f64>,
    pub grads: &'a [Option<Vec<f64>>],
    pub want: &'a [Vec<f64>],
}

/// Replays `steps` with `optimizer` from the parameters `init`: the
/// largest distance from PyTorch of any parameter after any step, in
/// [`ulps`] and in [`max_eps`]'s epsilons.
pub fn replay<'a, P: Params>(
    optimizer: &mut Scheduled<P>,
    init: &[Vec<f64>],
    dtype: DType,
    steps: impl IntoIterator<Item = Step<'a>>,
) -> (u64, f64) {
    let mut model = two(init, dtype);
    let mut worst = (0, 0.0_f64);
    for step in steps {
        // The schedule's values for this step, set as a scheduler would.
        optimizer.apply(0, &step.hypers).expect("apply");
        let g = grads(&model, step.grads, dtype);
        model = optimizer.step(model, g);
        let got = values(&model);
        worst.0 = worst.0.max(max_ulps(&got, step.want, dtype));
        worst.1 = worst.1.max(max_eps(&got, step.want, dtype));
    }
    worst
}
