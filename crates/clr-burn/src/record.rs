//! What a [`ClrScheduler`](crate::ClrScheduler) writes into burn's
//! `LrSchedulerRecord`, and how it tells its own schedule's record from
//! another's: the step to continue from, the schedule's length and a
//! fingerprint of its values.

use burn::lr_scheduler::LrSchedulerRecord;
use clr_core::{HyperSchedule, Real};

use crate::error::RecordError;

/// The next step: the one whose learning rate `step()` returns next.
pub(crate) const STEP: &str = "clr.step";
/// The schedule's length; absent for an unbounded schedule.
pub(crate) const TOTAL_STEPS: &str = "clr.total_steps";
/// The fingerprint of the schedule's values ([`fingerprint`]).
pub(crate) const FINGERPRINT: &str = "clr.fingerprint";

/// What identifies a scheduler's schedule in its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) total_steps: Option<u64>,
    pub(crate) fingerprint: u64,
}

impl Identity {
    /// The identity of `schedule` with its learning rate times `lr_factor`.
    pub(crate) fn of<F: Real, S: HyperSchedule<F>>(schedule: &S, lr_factor: f64) -> Self {
        let total_steps = schedule.total_steps();
        Identity {
            total_steps,
            fingerprint: fingerprint(schedule, total_steps, lr_factor),
        }
    }

    /// The record of a scheduler of this identity that steps `next` next.
    pub(crate) fn record(&self, next: u64) -> LrSchedulerRecord {
        let record = LrSchedulerRecord::new()
            .with_scalar(STEP, next)
            .with_scalar(FINGERPRINT, self.fingerprint);
        match self.total_steps {
            Some(n) => record.with_scalar(TOTAL_STEPS, n),
            None => record,
        }
    }

    /// The step `record` continues from, if it is a record of this identity.
    pub(crate) fn check(&self, record: &LrSchedulerRecord) -> Result<u64, RecordError> {
        let next = record
            .scalar::<u64>(STEP)
            .ok_or(RecordError::Missing { key: STEP })?;
        let fingerprint = record
            .scalar::<u64>(FINGERPRINT)
            .ok_or(RecordError::Missing { key: FINGERPRINT })?;
        let total_steps = record.scalar::<u64>(TOTAL_STEPS);
        if total_steps != self.total_steps {
            return Err(RecordError::Length {
                record: total_steps,
                scheduler: self.total_steps,
            });
        }
        if fingerprint != self.fingerprint {
            return Err(RecordError::Values {
                record: fingerprint,
                scheduler: self.fingerprint,
            });
        }
        Ok(next)
    }
}

/// FNV-1a over the bits of the hyper-parameters at spread-out steps (the
/// learning rate times `lr_factor`, as the scheduler returns it): two
/// configurations of one length that differ anywhere in those values have
/// different fingerprints. Deterministic, so a record written by one
/// process is recognised by the next.
fn fingerprint<F: Real, S: HyperSchedule<F>>(
    schedule: &S,
    total_steps: Option<u64>,
    lr_factor: f64,
) -> u64 {
    // A slot the schedule leaves unset hashes as a value no float has.
    const UNSET: u64 = u64::MAX;
    let mut hash = Fnv::default();
    hash.write(total_steps.unwrap_or(UNSET));
    for step in probes(total_steps) {
        let h = schedule.hypers(step);
        hash.write((h.lr.to_f64() * lr_factor).to_bits());
        hash.write(h.momentum.map_or(UNSET, |m| m.to_f64().to_bits()));
        hash.write(h.weight_decay.map_or(UNSET, |w| w.to_f64().to_bits()));
    }
    hash.0
}

/// The steps a fingerprint looks at: the first ones, sixteenths of a
/// finite schedule and its last step, or powers of two up to 2^40 of an
/// unbounded one (where its cycles and restarts fall).
fn probes(total_steps: Option<u64>) -> Vec<u64> {
    let mut steps: Vec<u64> = (0..=16).collect();
    match total_steps {
        Some(n) => {
            let n = u128::from(n);
            steps.extend((1..=16u128).map(|k| (n * k / 16) as u64));
            steps.push(n.saturating_sub(1) as u64);
        }
        None => steps.extend((5..=40).map(|i| 1u64 << i)),
    }
    steps
}

/// The 64-bit FNV-1a hash, fed eight bytes at a time.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, word: u64) {
        for byte in word.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
