//! `hwprofile`: a quick sweep of every accelerated operation against its baseline.
//!
//! Prints a markdown table, or with `--json` one JSON array that `auto` backend selection
//! loads as its crossover table (`--accel-profile` / `DOPPIO_ACCEL_PROFILE`).

use std::{io::Write, time::Duration};

use anyhow::Context;
use clap::Parser;
use doppio_accel::{Accel, AccelConfig, Op};
use doppio_benches::{
    schemes,
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
    /// Operations to run, comma-separated: layer operations by name, or `vid` for the
    /// whole-scheme VID rows (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_task)]
    ops: Vec<Task>,
    /// Also write the output to this file.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Also write the JSON array to this file (whatever the output format).
    #[arg(long)]
    json_out: Option<std::path::PathBuf>,
    /// Time budget per measurement in milliseconds (at least 3 runs are always made).
    #[arg(long, default_value_t = 300)]
    budget_ms: u64,
    #[command(flatten)]
    accel: AccelConfig,
}

/// One group of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    /// An operation of the acceleration layer, at each sweep size.
    Op(Op),
    /// `vid.disperse`, `vid.verify_share`, `vid.recover_payload` at each payload size.
    Vid,
}

fn parse_task(s: &str) -> Result<Task, String> {
    if s == "vid" {
        return Ok(Task::Vid);
    }
    Op::from_name(s).map(Task::Op).ok_or_else(|| {
        let names: Vec<_> = Op::ALL.iter().map(|o| o.name()).collect();
        format!("unknown operation `{s}`; expected one of {}, vid", names.join(", "))
    })
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let accel = Accel::new(&cli.accel).context("starting the acceleration layer")?;
    let extent = if cli.quick { Extent::Quick } else { Extent::Standard };
    let tasks = if cli.ops.is_empty() {
        Op::ALL.iter().map(|&op| Task::Op(op)).chain([Task::Vid]).collect()
    } else {
        cli.ops.clone()
    };
    let budget = Duration::from_millis(cli.budget_ms);
    let mut rows = Vec::new();
    for task in tasks {
        let op = match task {
            Task::Op(op) => op,
            Task::Vid => {
                for len in schemes::vid_sizes(extent) {
                    rows.extend(schemes::vid_rows(&accel, len, budget, &mut |l| eprintln!("{l}")));
                }
                continue;
            }
        };
        for log in sweep::sizes(op, extent) {
            eprint!("{op} 2^{log} … ");
            let row = sweep::measure(&accel, op, log, budget);
            eprintln!(
                "{:.3} ms (baseline {:.3} ms, {:.2}×)",
                row.ms,
                row.baseline_ms,
                row.baseline_ms / row.ms
            );
            rows.push(row);
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
         backend choice: {}\n",
        doppio_accel::cpu_features().join(" "),
        if doppio_accel::kernels::field_uses_adx() { "mulx/adx" } else { "portable" },
        accel.choice()
    )
}
