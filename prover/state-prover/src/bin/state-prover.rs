//! `state-prover`: proves the relay's newest bundle and posts it to LightClient on L1,
//! once (default) or as a service (`--daemon`).

use clap::Parser;
use doppio_state_prover::prover::{ProverArgs, from_args, serve_metrics};

#[derive(Parser)]
#[command(about = "Prove light-client state updates and post them to LightClient on L1")]
struct Cli {
    #[command(flatten)]
    prover: ProverArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doppio_state_prover::init_logging();
    let args = Cli::parse().prover;
    let prover = from_args(&args)?;
    if let Some(port) = args.port {
        let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
        tracing::info!(addr = %listener.local_addr()?, "metrics at /metrics");
        serve_metrics(listener, prover.clone());
    }
    if args.daemon {
        prover.run().await;
        Ok(())
    } else {
        let outcome = prover.sync_once().await?;
        println!("{outcome:?}");
        Ok(())
    }
}
