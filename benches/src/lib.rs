#![doc = include_str!("../README.md")]
#![allow(clippy::drop_non_drop, dropping_copy_types)]

pub mod inputs;
pub mod keys;
pub mod plonk;
pub mod schemes;
pub mod sweep;

/// Environment variable that adds 2^22 to the criterion benches.
pub const ENV_LARGE: &str = "DOPPIO_BENCH_LARGE";

/// Bench sizes (log2): `logs`, plus `large` when `DOPPIO_BENCH_LARGE` is set to 1.
pub fn bench_logs(logs: &[u32], large: &[u32]) -> Vec<u32> {
    let mut out = logs.to_vec();
    if std::env::var(ENV_LARGE).is_ok_and(|v| v == "1") {
        out.extend_from_slice(large);
    }
    out
}
