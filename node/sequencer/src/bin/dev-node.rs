//! `dev-node`: a single node with every API module; see `doppio_sequencer::dev_node`.

use clap::Parser;
use doppio_sequencer::{
    dev_node::{self, DevNodeArgs},
    run,
};

#[tokio::main]
async fn main() {
    run::init_logging();
    let args = DevNodeArgs::parse();
    if let Err(e) = serve(&args).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(args: &DevNodeArgs) -> anyhow::Result<()> {
    let dev = dev_node::start(args, std::env::vars().collect()).await?;
    let addr = dev.node.api.expect("the dev node always serves its API");
    // The API line comes first: scripts and tests read it.
    println!(
        "dev-node: API at http://127.0.0.1:{}/v0/ (submit: POST /v0/submit/submit, blocks: /v0/availability/block/<height>), data in {}",
        addr.port(),
        args.path.display()
    );
    for line in dev.light_client.iter().flat_map(|p| p.describe()) {
        println!("{line}");
    }
    run::termination().await;
    dev.stop().await;
    Ok(())
}
