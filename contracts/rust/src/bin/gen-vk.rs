//! Writes (or, with `--check`, compares) `contracts/src/LightClientStateUpdateVK.sol`,
//! the verifying key compiled into the LightClient contract.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use doppio_accel::Accel;
use doppio_contracts::keys::{
    CONTRACT_CAPACITY, CONTRACT_SRS_SEED, KeyOrigin, dev_keys, light_client_keys, srs_degree,
    vk_library_source,
};
use doppio_kzg::Srs;

/// Generates the LightClient contract's verifying key library.
#[derive(Parser)]
struct Args {
    /// Stake-table capacity of the state-update circuit.
    #[arg(long, default_value_t = CONTRACT_CAPACITY)]
    capacity: usize,
    /// Seed of the insecure development SRS (ignored with --ptau).
    #[arg(long, default_value_t = CONTRACT_SRS_SEED)]
    seed: u64,
    /// A Powers-of-Tau file (snarkjs format) instead of the development SRS.
    #[arg(long)]
    ptau: Option<PathBuf>,
    /// Where to write the library.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/LightClientStateUpdateVK.sol"))]
    out: PathBuf,
    /// Compare with the file instead of writing it; exit 1 when it differs.
    #[arg(long)]
    check: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let accel = Accel::cpu()?;
    let (vk, origin) = match &args.ptau {
        None => (dev_keys(args.capacity, args.seed, &accel)?.1, KeyOrigin::DevSrs(args.seed)),
        Some(path) => {
            let srs = Srs::from_ptau(path, srs_degree(args.capacity)?, &accel)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let (_, vk) = light_client_keys(&srs, args.capacity, &accel)?;
            (vk, KeyOrigin::Ptau(name.unwrap_or_default()))
        }
    };
    let source = vk_library_source(&vk, args.capacity, &origin)?;
    if args.check {
        let current = std::fs::read_to_string(&args.out)
            .with_context(|| format!("reading {}", args.out.display()))?;
        if current != source {
            bail!("{} is stale: regenerate it with scripts/contracts.sh gen", args.out.display());
        }
        println!("{} is up to date", args.out.display());
    } else {
        std::fs::write(&args.out, source)
            .with_context(|| format!("writing {}", args.out.display()))?;
        println!("wrote {}", args.out.display());
    }
    Ok(())
}
