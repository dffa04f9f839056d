//! [`Burn`]: the marker type that names this crate's implementations of
//! `clr-core`'s and `clr-train`'s traits.

use std::marker::PhantomData;

/// The marker of burn in `clr`'s traits, in two roles:
///
/// - `Burn` alone (`Burn<()>`) marks this crate's optimizers: they are
///   `ScheduledOptimizer<f64, Burn>` (see [`clr_core::ScheduledOptimizer`]).
/// - `Burn<M>` binds modules of type `M` to `clr-train`: it is the adapter
///   [`Fit`](crate::Fit) and [`RangeTestRunner`](crate::RangeTestRunner)
///   are named with (`clr_burn::Fit<M, S>` is `clr_train::Fit<Burn<M>, S>`).
///   A burn optimizer step returns a new module, so the adapter is generic
///   over the module it replaces.
///
/// It is never constructed; it only names implementations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Burn<M = ()>(PhantomData<fn() -> M>);
