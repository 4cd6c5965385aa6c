//! `hwprofile`: a quick sweep of every accelerated operation against its baseline.
//!
//! Prints a markdown table, or with `--json` one JSON array that `auto` backend selection
//! loads as its crossover table (`--accel-profile` / `DOPPIO_ACCEL_PROFILE`).

use std::{io::Write, time::Duration};

use anyhow::Context;
use clap::Parser;
use doppio_accel::{Accel, AccelConfig, Op, ProfileRow};
use doppio_benches::{
    keys, plonk, schemes,
    sweep::{self, Extent},
};

#[derive(Parser)]
#[command(about = "Profile Doppio's accelerated operations on this machine")]
struct Cli {
    /// Print one JSON array (op, size, backend, ms, baseline, baseline_ms) instead of markdown.
    #[arg(long)]
    json: bool,
    /// Short sweep with small sizes (seconds instead of minutes).
    #[arg(long)]
    quick: bool,
    /// Operations to run, comma-separated (default: all): accel operations, the
    /// end-to-end rows `qc.verify`, `bls.verify_votes`, `vid` for the `vid.*` rows and
    /// `plonk` for the prover rows (`plonk.prove`, `plonk.prove.cached`,
    /// `plonk.prove.light_client`, `plonk.prove.light_client.cached`).
    #[arg(long, value_delimiter = ',', value_parser = parse_op)]
    ops: Vec<Selected>,
    /// Also write the output to this file.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Also write the JSON array to this file (whatever the output format).
    #[arg(long)]
    json_out: Option<std::path::PathBuf>,
    /// log2 sizes for the accel operations selected, comma-separated, instead of each
    /// operation's own sweep (for example `16,18,20,22,24` for MSM and NTT on a GPU).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(0..=26))]
    logs: Vec<u32>,
    /// Time budget per measurement in milliseconds (at least 3 runs are always made).
    #[arg(long, default_value_t = 300)]
    budget_ms: u64,
    #[command(flatten)]
    accel: AccelConfig,
}

/// An accel operation, an end-to-end row from `doppio_benches::keys`, or the VID rows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Selected {
    Accel(Op),
    Keys(&'static str),
    /// `vid.disperse`, `vid.verify_share`, `vid.recover_payload` at each payload size.
    Vid,
    /// `plonk.prove` and `plonk.prove.cached` by rows and `plonk.prove.light_client` and
    /// `plonk.prove.light_client.cached` by stake-table capacity.
    Plonk,
}

fn parse_op(s: &str) -> Result<Selected, String> {
    match s {
        "vid" => return Ok(Selected::Vid),
        "plonk" => return Ok(Selected::Plonk),
        _ => {}
    }
    if let Some(k) = keys::OPS.iter().find(|k| **k == s) {
        return Ok(Selected::Keys(k));
    }
    Op::from_name(s).map(Selected::Accel).ok_or_else(|| {
        let mut names: Vec<_> = Op::ALL.iter().map(|o| o.name()).collect();
        names.extend(keys::OPS);
        names.extend(["vid", "plonk"]);
        format!("unknown operation `{s}`; expected one of {}", names.join(", "))
    })
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The whole cause chain on one line, never a backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let accel = Accel::new(&cli.accel).context("starting the acceleration layer")?;
    let extent = if cli.quick { Extent::Quick } else { Extent::Standard };
    let ops = if cli.ops.is_empty() {
        let all = Op::ALL.into_iter().map(Selected::Accel);
        all.chain(keys::OPS.into_iter().map(Selected::Keys))
            .chain([Selected::Vid, Selected::Plonk])
            .collect()
    } else {
        cli.ops.clone()
    };
    let budget = Duration::from_millis(cli.budget_ms);
    let mut rows = Vec::new();
    let report = |row: ProfileRow| {
        let speedup = row.baseline_ms / row.ms;
        eprintln!("{:.3} ms (baseline {:.3} ms, {speedup:.2}×)", row.ms, row.baseline_ms);
        row
    };
    for selected in ops {
        match selected {
            Selected::Accel(op) => {
                let logs =
                    if cli.logs.is_empty() { sweep::sizes(op, extent) } else { cli.logs.clone() };
                for log in logs {
                    eprint!("{op} 2^{log} … ");
                    rows.push(report(sweep::measure(&accel, op, log, budget)));
                }
            }
            Selected::Keys(op) => {
                for size in keys::sizes(op, extent) {
                    eprint!("{op} {size} … ");
                    rows.push(report(keys::measure(&accel, op, size, budget)));
                }
            }
            Selected::Vid => {
                for len in schemes::vid_sizes(extent) {
                    rows.extend(schemes::vid_rows(&accel, len, budget, &mut |l| eprintln!("{l}")));
                }
            }
            Selected::Plonk => {
                let mut progress = |l: &str| eprintln!("{l}");
                for log in plonk::prove_sizes(extent) {
                    rows.extend(plonk::prove_rows(&accel, log, budget, &mut progress).map(report));
                }
                for capacity in plonk::light_client_capacities(extent) {
                    let measured =
                        plonk::light_client_rows(&accel, capacity, budget, &mut progress);
                    rows.extend(measured.map(report));
                }
            }
        }
    }
    let text = if cli.json {
        serde_json::to_string_pretty(&rows)? + "\n"
    } else {
        format!("{}\n{}", machine_summary(&accel), sweep::markdown(&rows))
    };
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(path) = &cli.json_out {
        let json = serde_json::to_string_pretty(&rows)? + "\n";
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &cli.out {
        std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn machine_summary(accel: &Accel) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.to_owned()))
        .and_then(|l| l.split(':').nth(1).map(|s| s.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "Machine: {cpu}, {threads} hardware threads; CPU features: {}; field multiply: {}; \
         AVX-512 IFMA lanes: {}; backend choice: {}\n",
        doppio_accel::cpu_features().join(" "),
        if doppio_accel::kernels::field_uses_adx() { "mulx/adx" } else { "portable" },
        if doppio_accel::kernels::msm_uses_ifma() { "on" } else { "off" },
        accel.choice()
    )
}
