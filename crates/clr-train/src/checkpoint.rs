//! Checkpoints of a [`Fit`](crate::Fit) run, PyTorch's `state_dict()` trio
//! in a directory: the scheduler's state with the history so far
//! (`checkpoint.json`), the weights and the optimizer's state in the
//! adapter's tensor files (safetensors keyed by variable name for Candle
//! and tch, burnpack records for burn; see
//! [`Adapter::FILE_EXTENSION`](crate::Adapter::FILE_EXTENSION)). A run
//! resumed from one ends with the weights of the uninterrupted run, bit for
//! bit.
//!
//! `checkpoint.json` is written last and by renaming a complete file, and
//! it names the tensor files of its own iteration: a run killed while
//! saving leaves the previous checkpoint whole.

use std::fs;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use clr_core::{Cycle, SchedulerState};
use serde::{Deserialize, Serialize};

use crate::adapter::Backprop;
use crate::adapter_error::AdapterError;
use crate::history::History;

/// The manifest's file name in a checkpoint directory.
const MANIFEST: &str = "checkpoint.json";

/// The manifest's layout; a later layout gets another number.
const FORMAT: u32 = 1;

/// Where [`Fit`](crate::Fit) saves checkpoints, and how often: after every
/// epoch by default, and after the run's last epoch always (never after a
/// guard of [`Fit::terminate_on_nan`](crate::Fit::terminate_on_nan)
/// stopped it).
///
/// ```
/// use std::num::NonZeroU64;
/// use clr_train::Checkpoints;
///
/// let checkpoints = Checkpoints::new("runs/one-cycle").every(NonZeroU64::new(5).unwrap());
/// assert!(!checkpoints.exists()); // nothing saved there yet: start afresh
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoints {
    dir: PathBuf,
    every: NonZeroU64,
}

impl Checkpoints {
    /// Checkpoints in `dir` (created when needed) after every epoch.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Checkpoints {
            dir: dir.into(),
            every: NonZeroU64::MIN,
        }
    }

    /// A checkpoint every `epochs` epochs (and after the last).
    pub fn every(mut self, epochs: NonZeroU64) -> Self {
        self.every = epochs;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the directory holds a checkpoint to resume from.
    pub fn exists(&self) -> bool {
        self.dir.join(MANIFEST).is_file()
    }

    /// Whether to save after `epoch` of a run up to `epochs`.
    pub(crate) fn due(&self, epoch: u64, epochs: u64) -> bool {
        (epoch + 1) % self.every == 0 || epoch + 1 >= epochs
    }
}

/// What `checkpoint.json` holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    format: u32,
    /// The cycle of the run, which a resumed run must share.
    pub(crate) cycle: Cycle,
    /// Where the run stood.
    pub(crate) state: SchedulerState,
    /// The learning rate of the last batch trained: a resumed run's
    /// schedule must give the same there.
    pub(crate) lr: f64,
    /// The weights' file, in the same directory.
    weights: String,
    /// The optimizer state's file, in the same directory.
    optimizer: String,
    /// The per-epoch history up to here.
    pub(crate) history: History,
}

/// The tensor files of a checkpoint a run resumes from, loaded when it
/// starts (the model and optimizer are not known before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resume {
    pub(crate) weights: PathBuf,
    pub(crate) optimizer: PathBuf,
}

/// Saves a checkpoint of `model`, `optimizer` and the run (`cycle`,
/// `state`, `lr`, `history`) in `dir`.
pub(crate) fn save<B, O>(
    dir: &Path,
    model: &B::Model,
    optimizer: &O,
    (cycle, state, lr): (Cycle, SchedulerState, f64),
    history: &History,
) -> Result<(), B::Error>
where
    B: Backprop<O>,
    O: ?Sized,
{
    fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    let ext = B::FILE_EXTENSION;
    let weights = format!("weights-{}.{ext}", state.iteration);
    let optimizer_file = format!("optimizer-{}.{ext}", state.iteration);
    let staged = |name: &str| dir.join(format!("{name}.partial"));
    B::save_weights(model, &staged(&weights))?;
    B::save_optimizer(model, optimizer, &staged(&optimizer_file))?;
    let manifest = Manifest {
        format: FORMAT,
        cycle,
        state,
        lr,
        weights,
        optimizer: optimizer_file,
        history: history.clone(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| AdapterError::Checkpoint {
        path: dir.join(MANIFEST),
        reason: e.to_string(),
    })?;
    let manifest_path = staged(MANIFEST);
    fs::write(&manifest_path, json).map_err(|source| io(&manifest_path, source))?;
    for name in [&manifest.weights, &manifest.optimizer, MANIFEST] {
        fs::rename(staged(name), dir.join(name)).map_err(|source| io(&dir.join(name), source))?;
    }
    remove_stale(dir, ext, &[&manifest.weights, &manifest.optimizer]);
    Ok(())
}

/// Removes the tensor files (`.ext`) of earlier checkpoints (best effort: a
/// file left behind is only disk space).
fn remove_stale(dir: &Path, ext: &str, keep: &[&str]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = (name.starts_with("weights-") || name.starts_with("optimizer-"))
            && name.strip_suffix(ext).is_some_and(|n| n.ends_with('.'));
        if ours && !keep.contains(&name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Reads the checkpoint in `dir`: its manifest and the tensor files it
/// names (checked to be there).
pub(crate) fn read(dir: &Path) -> Result<(Manifest, Resume), AdapterError> {
    let path = dir.join(MANIFEST);
    let bad = |reason: String| AdapterError::Checkpoint {
        path: path.clone(),
        reason,
    };
    let json = fs::read(&path).map_err(|source| io(&path, source))?;
    let manifest: Manifest = serde_json::from_slice(&json).map_err(|e| bad(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(bad(format!(
            "format {} is not this version's ({FORMAT})",
            manifest.format
        )));
    }
    let resume = Resume {
        weights: dir.join(&manifest.weights),
        optimizer: dir.join(&manifest.optimizer),
    };
    for file in [&resume.weights, &resume.optimizer] {
        if !file.is_file() {
            return Err(bad(format!("{} is missing", file.display())));
        }
    }
    Ok((manifest, resume))
}

fn io(path: &Path, source: std::io::Error) -> AdapterError {
    AdapterError::Io {
        path: path.to_path_buf(),
        source,
    }
}
