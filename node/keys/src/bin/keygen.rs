//! `keygen`: see `doppio_keys::cli::KeygenCli`.

use std::process::ExitCode;

use clap::Parser;
use doppio_keys::cli::KeygenCli;

fn main() -> ExitCode {
    match KeygenCli::parse().run(&mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message names every cause already; never a backtrace.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
