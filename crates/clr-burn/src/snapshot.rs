//! [`Snapshot`]: a copy of a [`Scheduled`] optimizer's whole state, to put
//! back bit for bit (what a range test does after its sweep).

use burn::optim::ModuleOptimizer;

use crate::error::Error;
use crate::params::{Params, Shared};
use crate::scheduled::Scheduled;

/// Everything a [`Scheduled`] optimizer holds between steps: the
/// per-parameter states and every group's hyper-parameters. Taking one
/// copies no tensor (burn's states are immutable values, shared until the
/// next step replaces them).
pub struct Snapshot<P: Params> {
    inner: ModuleOptimizer,
    groups: Vec<(Shared<P>, P)>,
}

impl<P: Params> Scheduled<P> {
    /// A copy of the optimizer's state.
    pub fn snapshot(&self) -> Snapshot<P> {
        Snapshot {
            inner: self.inner.clone(),
            groups: self
                .groups
                .iter()
                .map(|g| (g.shared.clone(), g.shared.get()))
                .collect(),
        }
    }

    /// Puts back the state of `snapshot`, which must have been taken from
    /// this optimizer (an [`Error::ForeignSnapshot`] otherwise, and nothing
    /// changes): the steps since continue as if they had not been taken.
    pub fn restore(&mut self, snapshot: &Snapshot<P>) -> Result<(), Error> {
        let own = self.groups.len() == snapshot.groups.len()
            && self
                .groups
                .iter()
                .zip(&snapshot.groups)
                .all(|(g, (shared, _))| g.shared.same(shared));
        if !own {
            return Err(Error::ForeignSnapshot {
                optimizer: P::OPTIMIZER,
            });
        }
        for (shared, params) in &snapshot.groups {
            shared.set(*params);
        }
        self.inner = snapshot.inner.clone();
        Ok(())
    }
}

impl<P: Params> std::fmt::Debug for Snapshot<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<P> = self.groups.iter().map(|(_, p)| *p).collect();
        f.debug_struct("Snapshot")
            .field("groups", &params)
            .finish_non_exhaustive()
    }
}
