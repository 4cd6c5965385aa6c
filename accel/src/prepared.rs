//! Bases prepared once for many MSMs (a KZG commit key used for every block).

use std::{fmt, sync::OnceLock};

use ark_bn254::G1Affine;

use crate::{cpu::fixed::FixedBaseTable, parallel::Parallelism};

/// MSM bases kept with whatever each backend precomputes for them.
///
/// Built by [`crate::Accel::prepare_bases`] and used by
/// [`crate::Accel::msm_batch_prepared`]. The CPU backend precomputes window tables
/// (`d · 2^(c·w) · B` for every base `B`; at most 64 MiB, otherwise it uses the plain
/// batched MSM); a backend without a prepared form uses the bases as they are.
pub struct PreparedBases {
    bases: Vec<G1Affine>,
    cpu: OnceLock<Option<FixedBaseTable>>,
}

impl PreparedBases {
    pub(crate) fn new(bases: Vec<G1Affine>) -> Self {
        PreparedBases { bases, cpu: OnceLock::new() }
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
            .field("bases", &self.bases.len())
            .field("cpu_window", &self.cpu_window())
            .finish()
    }
}
