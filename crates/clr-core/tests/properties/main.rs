#![cfg(feature = "proptest")]
//! Property tests over the strategies of `clr_core::proptest`, one file per
//! kind of property: bounds, continuity inside phases, phase boundaries at
//! the documented steps, periodicity, f32/f64 agreement, robustness of every
//! builder to arbitrary input and finiteness, `iter`/`fill` consistency, the
//! combinators, and the checkers themselves.

mod boundaries;
mod bounds;
mod checkers;
mod combinators;
mod continuity;
mod fill;
mod finiteness;
mod helpers;
mod periodicity;
mod precision;
mod robustness;

use std::ops::Range;

use clr_core::proptest::{
    check_bounded, check_continuous_within, check_periodic, cosine_restarts, cyclic_lr,
    fit_one_cycle, keras_clr, keras_one_cycle, learning_rate, lr_sweep, one_cycle_lr, total_steps,
    Violation,
};
use clr_core::{
    combined_cos, even_mults, Amplitude, Anneal, AnnealStrategy, Clamped, ClrBuilder, Constant,
    CosineRestarts, CosineRestartsBuilder, CyclicLr, CyclicLrBuilder, CyclicMode, Error,
    FitOneCycle, FitOneCycleBuilder, HyperSchedule, KerasClr, KerasOneCycle, KerasOneCycleBuilder,
    Length, LrSweep, OneCycleLr, OneCycleLrBuilder, Phase, Piecewise, Repeat, Scaled, Schedule,
    Sequence, Span, SweepMode,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

pub(crate) const EPS: f64 = f64::EPSILON;
pub(crate) const HALF_PI: f64 = std::f64::consts::FRAC_PI_2;

use checkers::*;
use helpers::*;
use robustness::*;
