//! `pub-key`: see `doppio_keys::cli::PubKeyCli`.

use clap::Parser;
use doppio_keys::cli::PubKeyCli;

fn main() -> anyhow::Result<()> {
    print!("{}", PubKeyCli::parse().output()?);
    Ok(())
}
