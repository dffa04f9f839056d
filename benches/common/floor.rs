//! The sequential groups' floor: the least a stepped scheduler can do per
//! step under the same harness, to read each stepper row against.
//!
//! The machine's pace moves from one minute to the next (another tenant on
//! the core's sibling thread, by our reading), by as much as the targets'
//! margins. Timed in the same criterion group as the stepper, seconds
//! apart, this loop says what the hardware gave that minute to a step that
//! does nothing but step: its time is no target's, and `stepper / floor` is
//! what the library's code costs over it.

use super::TOTAL;
use clr::core::Real;
use std::f64::consts::PI;

/// Four lanes, as the library's stepper: a slot is read again four steps
/// after its store, so no step waits on the one before.
const LANES: u64 = 4;

/// Two `f64`s that SSE2 takes as one operand, as the stepper's.
#[derive(Clone, Copy)]
#[repr(align(16))]
struct Pair([f64; 2]);

/// A cosine annealing over `TOTAL` steps (a learning rate from 0.1 to 0,
/// a momentum from 0.85 to 0.95) stepped by rotation and nothing else: no
/// bound checks, no windows, no re-synchronisation, no optional momentum,
/// no exact mode. Each step reads one slot's cosine into both values (a
/// multiply-add each) and turns that slot by four steps' angle (two
/// products of pairs and their sum, the form the stepper's own affine map
/// takes); a cold call at the cycle's end starts it again, as the
/// harness's `train_begin` does the `Scheduler`'s.
pub struct Floor {
    step: u64,
    /// `(cos θ_k, sin θ_k)` of step `k` in slot `k % LANES`, `θ_k = kπ/TOTAL`.
    ring: [Pair; LANES as usize],
    /// The turn by `LANES` steps' angle `φ` as two products of pairs:
    /// `(c, s) ↦ (c, s)·(cos φ, cos φ) + (s, c)·(-sin φ, sin φ)`.
    diag: Pair,
    anti: Pair,
    /// `value = offset + scale·cos θ`, learning rate then momentum.
    offset: Pair,
    scale: Pair,
}

impl Default for Floor {
    fn default() -> Self {
        let sin_cos = |k: u64| (k as f64 * PI / TOTAL as f64).sin_cos();
        let (sin_turn, cos_turn) = sin_cos(LANES);
        Floor {
            step: 0,
            ring: core::array::from_fn(|k| {
                let (sin, cos) = sin_cos(k as u64);
                Pair([cos, sin])
            }),
            diag: Pair([cos_turn; 2]),
            anti: Pair([-sin_turn, sin_turn]),
            offset: Pair([0.05, 0.9]),
            scale: Pair([0.05, -0.05]),
        }
    }
}

impl Floor {
    /// The learning rate and momentum of the current step.
    #[inline(always)]
    pub fn values<F: Real>(&self) -> (F, F) {
        let x = self.ring[(self.step % LANES) as usize].0[0];
        let (Pair([p0, p1]), Pair([q0, q1])) = (self.offset, self.scale);
        (F::from_f64(p0 + q0 * x), F::from_f64(p1 + q1 * x))
    }

    /// On to the next step.
    #[inline(always)]
    pub fn step_on(&mut self) {
        let slot = (self.step % LANES) as usize;
        let [c, s] = self.ring[slot].0;
        let (Pair([d0, d1]), Pair([a0, a1])) = (self.diag, self.anti);
        self.ring[slot] = Pair([c * d0 + s * a0, s * d1 + c * a1]);
        self.step += 1;
        if self.step == TOTAL {
            self.restart();
        }
    }

    #[cold]
    #[inline(never)]
    fn restart(&mut self) {
        *self = Floor::default();
    }
}
