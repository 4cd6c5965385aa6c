//! `state-relay-server`: collects nodes' signatures on light-client states and serves
//! the newest bundle whose signers carry the threshold stake.

use anyhow::Context;
use clap::Parser;
use doppio_light_client::table::StakeTable;
use doppio_state_prover::relay::{Relay, RelayArgs, serve};

#[derive(Parser)]
#[command(about = "Collect light-client state signatures; serve bundles with enough stake")]
struct Cli {
    #[command(flatten)]
    relay: RelayArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doppio_state_prover::init_logging();
    let args = Cli::parse().relay;
    let text = std::fs::read_to_string(&args.stake_table)
        .with_context(|| format!("--stake-table {}", args.stake_table.display()))?;
    let table = StakeTable::from_json(&text)?;
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", args.port)).await?;
    tracing::info!(addr = %listener.local_addr()?, entries = table.entries().len(), "state relay server");
    serve(listener, Relay::new(table, args.max_states)).await?;
    Ok(())
}
