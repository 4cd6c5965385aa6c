//! `deploy`: deploys FeeContract and LightClient to an L1 and prints (or writes) their
//! addresses as a `.env` file.

use std::path::PathBuf;

use alloy::{
    primitives::Address, providers::ProviderBuilder, signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};
use anyhow::Context;
use clap::Parser;
use doppio_contracts::{encode::field, keys::CONTRACT_CAPACITY};
use doppio_l1::{
    deploy::{DEFAULT_HISTORY_ENTRIES, DeployConfig, deploy},
    dev::DEV_KEYS,
};
use doppio_light_client::{dev::DevStakeTable, state::LightClientState, table::StakeTable};

/// Seed of `--dev-stake-table`'s keys (public: dev networks only).
const DEV_TABLE_SEED: u64 = 1;

#[derive(Parser)]
#[command(about = "Deploy FeeContract and LightClient; print or write their addresses")]
struct Args {
    /// The L1 JSON-RPC URL.
    #[arg(long, env = "ESPRESSO_SEQUENCER_L1_PROVIDER")]
    l1_provider_url: Url,
    /// Deployer's private key (hex). Default: anvil's first dev account.
    #[arg(long, env = "ESPRESSO_DEPLOYER_PRIVATE_KEY", default_value = DEV_KEYS[0], hide_default_value = true)]
    private_key: PrivateKeySigner,
    /// The stake table (JSON, see doppio_light_client::table).
    #[arg(
        long,
        env = "DOPPIO_STAKE_TABLE",
        conflicts_with = "dev_stake_table",
        required_unless_present = "dev_stake_table"
    )]
    stake_table: Option<PathBuf>,
    /// Instead: an insecure dev table of this many entries (capacity 10, public seed).
    #[arg(long)]
    dev_stake_table: Option<usize>,
    /// Where to write the dev table's JSON (for the relay and the prover).
    #[arg(long, requires = "dev_stake_table")]
    write_stake_table: Option<PathBuf>,
    /// Genesis light-client view.
    #[arg(long, default_value_t = 0)]
    genesis_view: u64,
    /// Genesis block height.
    #[arg(long, default_value_t = 0)]
    genesis_height: u64,
    /// Genesis block-commitment root (decimal or 0x hex, below the BN254 scalar order).
    #[arg(long, default_value = "0")]
    genesis_root: alloy::primitives::U256,
    /// Entries of LightClient's history ring.
    #[arg(long, default_value_t = DEFAULT_HISTORY_ENTRIES)]
    history_entries: u64,
    /// Only this address may post updates (default: anyone).
    #[arg(long, env = "ESPRESSO_SEQUENCER_PERMISSIONED_PROVER")]
    permissioned_prover: Option<Address>,
    /// Write the addresses here instead of printing them.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let args = Args::parse();
    let table = match (&args.stake_table, args.dev_stake_table) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
            StakeTable::from_json(&text)?
        }
        (None, Some(len)) => DevStakeTable::new(len, CONTRACT_CAPACITY, DEV_TABLE_SEED)?.table(),
        (None, None) => unreachable!("clap requires one"),
    };
    if let Some(path) = &args.write_stake_table {
        std::fs::write(path, table.to_json()).with_context(|| path.display().to_string())?;
    }
    let genesis = LightClientState {
        view_number: args.genesis_view.into(),
        block_height: args.genesis_height.into(),
        block_comm_root: field(args.genesis_root, "--genesis-root")?,
    };
    let provider =
        ProviderBuilder::new().wallet(args.private_key).connect_http(args.l1_provider_url);
    let config = DeployConfig {
        genesis,
        stake_table: table.state(),
        history_entries: args.history_entries,
        permissioned_prover: args.permissioned_prover.unwrap_or(Address::ZERO),
    };
    let deployment = deploy(&provider, &config).await?;
    match &args.out {
        Some(path) => std::fs::write(path, deployment.to_string())
            .with_context(|| path.display().to_string())?,
        None => print!("{deployment}"),
    }
    Ok(())
}
