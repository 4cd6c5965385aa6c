//! `network-config`: makes the network config file a static network (no orchestrator)
//! starts from. Each operator prints their node's registration with `registration`
//! (it needs the node's key file: the proof of possession is signed with the staking
//! key); `assemble` indexes the registrations in the order given (the stake table's) and
//! writes the file every node gets as `--network-config`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use doppio_keys::KeyArgs;
use doppio_network::{
    HostPort,
    config::quic_multiaddr,
    orchestrator::{Registration, file},
};

#[derive(Parser)]
#[command(about = "Make the network config file of a network without an orchestrator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print this node's registration (JSON) for `assemble`.
    Registration {
        #[command(flatten)]
        keys: KeyArgs,
        /// UDP address other nodes dial (QUIC), host:port.
        #[arg(long, env = "ESPRESSO_SEQUENCER_LIBP2P_ADVERTISE_ADDRESS")]
        libp2p_advertise_address: HostPort,
        /// The node's HTTP API as others reach it.
        #[arg(long)]
        api_url: reqwest::Url,
        /// The node's stake.
        #[arg(long, env = "DOPPIO_STAKE", default_value_t = 1)]
        stake: u128,
        /// Whether the node is in the DA committee.
        #[arg(long, env = "ESPRESSO_SEQUENCER_IS_DA", default_value_t = true, action = clap::ArgAction::Set)]
        is_da: bool,
    },
    /// Index registrations (files written by `registration`) in the order given and
    /// write the network config file.
    Assemble {
        /// Registration files, in stake-table order.
        #[arg(required = true)]
        registrations: Vec<PathBuf>,
        /// Where to write the network config file.
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Registration { keys, libp2p_advertise_address, api_url, stake, is_da } => {
            anyhow::ensure!(stake > 0, "--stake: must be positive");
            let keys = keys.load()?;
            let addr = libp2p_advertise_address.resolve("--libp2p-advertise-address").await?;
            anyhow::ensure!(
                !addr.ip().is_unspecified() && addr.port() != 0,
                "--libp2p-advertise-address: {addr} cannot be dialled"
            );
            let reg = Registration::new(
                &keys.staking,
                keys.state.ver_key(),
                quic_multiaddr(addr),
                stake,
                is_da,
                api_url,
            );
            println!("{}", serde_json::to_string_pretty(&reg.to_json())?);
        }
        Command::Assemble { registrations, out } => {
            let mut regs = Vec::with_capacity(registrations.len());
            for path in &registrations {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("registration {}", path.display()))?;
                let value: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("registration {}: not JSON", path.display()))?;
                let reg = Registration::from_json(&value)
                    .map_err(|e| anyhow::anyhow!("registration {}: {e}", path.display()))?;
                regs.push(reg);
            }
            let list = file::assemble(regs).map_err(anyhow::Error::msg)?;
            file::write(&out, &list)?;
            eprintln!("{} nodes written to {}", list.nodes.len(), out.display());
        }
    }
    Ok(())
}
