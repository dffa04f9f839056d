//! Tensors of the update rules' states, in and out of burn's optimizer
//! records, and scalars rounded as the tensor arithmetic will round them.

use burn::optim::{StateSink, StateSource};
use burn::tensor::{DType, Device, Tensor};

/// Writes `tensor` under `prefix.leaf`.
pub(crate) fn write<const D: usize>(
    out: &mut StateSink,
    prefix: &str,
    leaf: &str,
    tensor: &Tensor<D>,
) {
    out.push_tensor(prefix, leaf, tensor.clone().into_data());
}

/// The tensor under `prefix.leaf`, on `device` in the type it was written
/// in: burn's derived states create theirs in the device's default float
/// type, which would round a `f64` state to `f32` and break a bit-exact
/// resume.
pub(crate) fn read<const D: usize>(
    src: &mut StateSource,
    prefix: &str,
    leaf: &str,
    device: &Device,
) -> Option<Tensor<D>> {
    let data = src.take_tensor(prefix, leaf)?;
    let dtype = data.dtype();
    Some(Tensor::from_data(data, (device, dtype)))
}

/// `x` rounded to the float type `dtype`, as burn rounds a scalar operand
/// before it meets a tensor of that type (only `f32` rounds here).
pub(crate) fn round_to(dtype: DType, x: f64) -> f64 {
    match dtype {
        DType::F32 => f64::from(x as f32),
        _ => x,
    }
}
