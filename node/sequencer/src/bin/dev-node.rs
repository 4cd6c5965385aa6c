//! `dev-node`: a single node with every API module; see `doppio_sequencer::dev_node`.

use clap::Parser;
use doppio_sequencer::{dev_node::DevNodeArgs, run};

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
    let keys = args.keys()?;
    let running = run::start(&args.launch(), keys, std::env::vars().collect()).await?;
    let addr = running.api.expect("the dev node always serves its API");
    println!(
        "dev-node: API at http://127.0.0.1:{}/v0/ (submit: POST /v0/submit/submit, blocks: /v0/availability/block/<height>), data in {}",
        addr.port(),
        args.path.display()
    );
    run::termination().await;
    running.stop().await;
    Ok(())
}
