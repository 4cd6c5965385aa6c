//! The Rust side of the Solidity differential tests (forge calls it through `vm.ffi`);
//! prints the ABI-encoded answer as `0x…` hex. Commands:
//!
//! - `plonk-bundle CAPACITY SEED`: a real state-update proof with its key, inputs,
//!   transcript challenges and the Rust verdict;
//! - `plonk-verify 0xABI`: the Rust verdict on `(uint256[42] vk, uint256[] inputs, Proof)`;
//! - `light-client-updates contract|CAPACITY SEED COUNT`: a genesis state, stake table,
//!   key and `COUNT` proved updates.

use anyhow::{Context, bail};
use doppio_contracts::diff::{Keys, light_client_updates, plonk_bundle, plonk_verify};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let raw = args.get(i).with_context(|| format!("missing argument: {what}"))?;
    raw.parse().with_context(|| format!("{what}: {raw:?}"))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.first().map(String::as_str) {
        Some("plonk-bundle") => plonk_bundle(arg(&args, 1, "capacity")?, arg(&args, 2, "seed")?)?,
        Some("plonk-verify") => {
            let hex_input: String = arg(&args, 1, "ABI input")?;
            let bytes = hex::decode(hex_input.trim_start_matches("0x")).context("ABI input hex")?;
            plonk_verify(&bytes)?
        }
        Some("light-client-updates") => {
            let keys = match args.get(1).map(String::as_str) {
                Some("contract") => Keys::Contract,
                _ => Keys::Dev(arg(&args, 1, "capacity or `contract`")?),
            };
            light_client_updates(keys, arg(&args, 2, "seed")?, arg(&args, 3, "count")?)?
        }
        other => bail!(
            "unknown command {other:?}: plonk-bundle CAPACITY SEED | plonk-verify 0xABI | \
             light-client-updates contract|CAPACITY SEED COUNT"
        ),
    };
    println!("{out}");
    Ok(())
}
