//! Configuration of the acceleration layer: which backend, how many CPU threads, and the
//! crossover table that `auto` reads.

use std::{fmt, path::PathBuf, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    AccelError,
    backend::{BackendKind, Op},
};

/// Environment variable naming the backend (`auto`, `cpu` or `cuda`).
pub const ENV_BACKEND: &str = "DOPPIO_ACCEL_BACKEND";
/// Environment variable with the CPU backend's thread count (0 = one per core).
pub const ENV_THREADS: &str = "DOPPIO_ACCEL_THREADS";
/// Environment variable with the path of a `hwprofile --json` file used by `auto`.
pub const ENV_PROFILE: &str = "DOPPIO_ACCEL_PROFILE";
/// Default CPU thread count: 0 means one per available core.
pub const DEFAULT_THREADS: usize = 0;

/// What the operator asked for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// Pick per operation and size from the crossover table; CPU where nothing else runs.
    #[default]
    Auto,
    /// Always the CPU backend.
    Cpu,
    /// Always the CUDA backend; an error where it cannot run.
    Cuda,
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Cuda => "cuda",
        })
    }
}

impl FromStr for BackendChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "cpu" => Ok(BackendChoice::Cpu),
            "cuda" => Ok(BackendChoice::Cuda),
            other => Err(format!("unknown accel backend `{other}`: expected auto, cpu or cuda")),
        }
    }
}

/// Command-line and environment configuration of the acceleration layer.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct AccelConfig {
    /// Backend for MSM, NTT and BLS aggregation: `auto` picks per operation and size.
    #[arg(long = "accel-backend", env = ENV_BACKEND, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// Threads for the CPU backend; 0 means one per available core.
    #[arg(long = "accel-threads", env = ENV_THREADS, default_value_t = DEFAULT_THREADS)]
    pub threads: usize,

    /// Crossover table written by `hwprofile --json`; `auto` uses it to pick backends.
    #[arg(long = "accel-profile", env = ENV_PROFILE)]
    pub profile: Option<PathBuf>,
}

impl Default for AccelConfig {
    fn default() -> Self {
        AccelConfig { backend: BackendChoice::Auto, threads: DEFAULT_THREADS, profile: None }
    }
}

impl AccelConfig {
    /// A configuration that runs everything on the CPU with `threads` threads (0 = all).
    pub fn cpu(threads: usize) -> Self {
        AccelConfig { backend: BackendChoice::Cpu, threads, profile: None }
    }
}

/// One row of the hardware profile: `hwprofile --json` writes an array of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileRow {
    /// Operation name ([`Op::name`]).
    pub op: String,
    /// Problem size (points, elements or signatures).
    pub size: usize,
    /// Backend that produced `ms`.
    pub backend: BackendKind,
    /// Our time in milliseconds.
    pub ms: f64,
    /// What `baseline_ms` measured (for example `arkworks`).
    pub baseline: String,
    /// Baseline time in milliseconds.
    pub baseline_ms: f64,
}

/// Measured times per operation, size and backend, from which `auto` picks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrossoverTable {
    rows: Vec<(Op, usize, BackendKind, f64)>,
}

impl CrossoverTable {
    /// Builds a table from profile rows; rows naming unknown operations are an error,
    /// except dotted names (`qc.verify`, `vid.*`): end-to-end rows that `hwprofile` also
    /// measures, which no backend choice depends on, so they are skipped.
    pub fn from_rows(rows: &[ProfileRow]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if row.op.contains('.') {
                continue;
            }
            let op = Op::from_name(&row.op)
                .ok_or_else(|| format!("row {i}: unknown operation `{}`", row.op))?;
            if !(row.ms.is_finite() && row.ms >= 0.0) {
                return Err(format!("row {i}: time `{}` ms is not a non-negative number", row.ms));
            }
            out.push((op, row.size, row.backend, row.ms));
        }
        Ok(CrossoverTable { rows: out })
    }

    /// Reads a `hwprofile --json` file.
    pub fn load(path: &std::path::Path) -> Result<Self, AccelError> {
        let err = |reason: String| AccelError::CrossoverTable { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let rows: Vec<ProfileRow> =
            serde_json::from_str(&text).map_err(|e| err(format!("not a profile array: {e}")))?;
        Self::from_rows(&rows).map_err(err)
    }

    /// The fastest of `available` for `op` at `size`, judged at the profiled size nearest
    /// to `size` (in log scale); `None` when the table says nothing about `op`.
    ///
    /// A measured crossover is needed to leave the CPU (where it is available): another
    /// backend is chosen only at a size where the table also times the CPU and the other
    /// backend beat it, and never below the smallest size profiled for `op` (small inputs
    /// stay on the CPU rather than being judged by a larger size's figures).
    pub fn choose(&self, op: Op, size: usize, available: &[BackendKind]) -> Option<BackendKind> {
        let log = |s: usize| (s.max(1) as f64).log2();
        let rows = self.rows.iter().filter(|r| r.0 == op && available.contains(&r.2));
        let nearest = rows
            .clone()
            .map(|r| r.1)
            .min_by(|a, b| (log(*a) - log(size)).abs().total_cmp(&(log(*b) - log(size)).abs()))?;
        let smallest = rows.clone().map(|r| r.1).min()?;
        let at = rows.filter(|r| r.1 == nearest);
        let best = at.clone().min_by(|a, b| a.3.total_cmp(&b.3)).map(|r| r.2)?;
        let cpu_measured = at.clone().any(|r| r.2 == BackendKind::Cpu);
        let cpu_available = available.contains(&BackendKind::Cpu);
        match best {
            BackendKind::Cpu => Some(BackendKind::Cpu),
            _ if cpu_available && (!cpu_measured || size < smallest) => Some(BackendKind::Cpu),
            other => Some(other),
        }
    }
}
