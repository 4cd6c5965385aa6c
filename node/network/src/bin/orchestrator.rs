//! `orchestrator -p PORT -n N`: the bootstrap service nodes register with.

use clap::Parser;
use doppio_network::orchestrator::server::{OrchestratorArgs, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = OrchestratorArgs::parse();
    let listener = tokio::net::TcpListener::bind(args.bind_address()).await?;
    tracing::info!(
        "orchestrator on {} waiting for {} nodes",
        listener.local_addr()?,
        args.num_nodes
    );
    let shutdown = async {
        // Without a signal handler the server runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    serve(listener, args.num_nodes, shutdown).await?;
    Ok(())
}
