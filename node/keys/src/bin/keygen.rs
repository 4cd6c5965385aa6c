//! `keygen`: see `doppio_keys::cli::KeygenCli`.

use clap::Parser;
use doppio_keys::cli::KeygenCli;

fn main() -> anyhow::Result<()> {
    KeygenCli::parse().run(&mut std::io::stdout().lock())?;
    Ok(())
}
