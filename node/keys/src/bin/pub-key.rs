//! `pub-key`: see `doppio_keys::cli::PubKeyCli`.

use std::process::ExitCode;

use clap::Parser;
use doppio_keys::cli::PubKeyCli;

fn main() -> ExitCode {
    match PubKeyCli::parse().output() {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The message names every cause already; never a backtrace.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
