//! Bases prepared once for many MSMs (a KZG commit key used for every block).

use std::{
    fmt,
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use ark_bn254::G1Affine;

use crate::{cpu::fixed::FixedBaseTable, parallel::Parallelism};

/// MSM bases kept with whatever each backend precomputes for them.
///
/// Built by [`crate::Accel::prepare_bases`] and used by
/// [`crate::Accel::msm_batch_prepared`]. The CPU backend precomputes window tables
/// (`d · 2^(c·w) · B` for every base `B`; at most 64 MiB, otherwise it uses the plain
/// batched MSM); a backend without a prepared form uses the bases as they are.
///
/// A device backend may keep a copy of the bases in device memory, keyed by
/// [`PreparedBases::id`]; it is released when this value is dropped (or earlier, when the
/// device needs the memory).
pub struct PreparedBases {
    id: u64,
    bases: Vec<G1Affine>,
    cpu: OnceLock<Option<FixedBaseTable>>,
    /// Run once with `id` when this value is dropped: backends release what they keep.
    on_drop: Mutex<Vec<DropHook>>,
}

type DropHook = Box<dyn FnOnce(u64) + Send>;

/// Identities of prepared base sets, never reused within a process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl PreparedBases {
    pub(crate) fn new(bases: Vec<G1Affine>) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        PreparedBases { id, bases, cpu: OnceLock::new(), on_drop: Mutex::new(Vec::new()) }
    }

    /// This set's identity, unique within the process (the key of device-resident copies).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Registers `hook` to run with [`PreparedBases::id`] when this value is dropped.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    pub(crate) fn on_drop(&self, hook: impl FnOnce(u64) + Send + 'static) {
        self.on_drop.lock().unwrap_or_else(|p| p.into_inner()).push(Box::new(hook));
    }

    /// The bases themselves.
    pub fn bases(&self) -> &[G1Affine] {
        &self.bases
    }

    /// Number of bases.
    pub fn len(&self) -> usize {
        self.bases.len()
    }

    /// Whether there are no bases.
    pub fn is_empty(&self) -> bool {
        self.bases.is_empty()
    }

    /// The CPU window table, built on first use.
    pub(crate) fn cpu_table(&self, par: Parallelism) -> Option<&FixedBaseTable> {
        self.cpu.get_or_init(|| FixedBaseTable::new(&self.bases, par)).as_ref()
    }

    /// Window width of the CPU table, once built (for logs and benches).
    pub fn cpu_window(&self) -> Option<usize> {
        self.cpu.get().and_then(|t| t.as_ref()).map(|t| t.window())
    }
}

impl fmt::Debug for PreparedBases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedBases")
            .field("id", &self.id)
            .field("bases", &self.bases.len())
            .field("cpu_window", &self.cpu_window())
            .finish()
    }
}

impl Drop for PreparedBases {
    fn drop(&mut self) {
        let hooks = std::mem::take(self.on_drop.get_mut().unwrap_or_else(|p| p.into_inner()));
        for hook in hooks {
            hook(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::PreparedBases;

    #[test]
    fn ids_are_distinct_and_drop_hooks_run_once_with_the_id() {
        let (a, b) = (PreparedBases::new(Vec::new()), PreparedBases::new(Vec::new()));
        assert_ne!(a.id(), b.id());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let id = a.id();
        for _ in 0..2 {
            let seen = seen.clone();
            a.on_drop(move |id| seen.lock().unwrap().push(id));
        }
        drop(b);
        assert!(seen.lock().unwrap().is_empty());
        drop(a);
        assert_eq!(*seen.lock().unwrap(), vec![id, id]);
    }
}
