//! `demo`: the orchestrator and N nodes on loopback; see `doppio_sequencer::demo`.

use clap::Parser;
use doppio_sequencer::{
    demo::{self, DemoArgs},
    run,
};

#[tokio::main]
async fn main() {
    run::init_logging();
    let args = DemoArgs::parse();
    if let Err(e) = serve(&args).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(args: &DemoArgs) -> anyhow::Result<()> {
    let network = demo::start(args).await?;
    for (i, addr) in network.apis.iter().enumerate() {
        println!("node {i}: API at http://127.0.0.1:{}/v0/", addr.port());
    }
    for line in network.light_client.iter().flat_map(|p| p.describe()) {
        println!("{line}");
    }
    println!("demo: {} nodes, data in {}; Ctrl-C stops", network.nodes.len(), args.path.display());
    run::termination().await;
    network.stop().await;
    Ok(())
}
