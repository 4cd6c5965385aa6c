//! `sequencer [options] -- <module> [module options] -- …`: see `doppio_sequencer::cli`.

use doppio_sequencer::{
    cli::{self, Command},
    run,
};

#[tokio::main]
async fn main() {
    run::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let launch = match cli::parse(&args) {
        Ok(Command::Run(launch)) => launch,
        Ok(Command::Help(text)) => {
            println!("{text}");
            return;
        }
        Err(cli::CliError::Clap(e)) => e.exit(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = serve(&launch).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(launch: &cli::Launch) -> anyhow::Result<()> {
    let keys = launch.node.keys.load()?;
    let running = run::start(launch, keys, std::env::vars().collect()).await?;
    if let Some(addr) = running.api {
        println!("sequencer: API at http://{addr}/v0/");
    }
    run::termination().await;
    running.stop().await;
    Ok(())
}
