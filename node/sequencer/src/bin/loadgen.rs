//! `loadgen`: load a running node from another process and measure submit throughput and
//! submit-to-decided latency.
//!
//! It submits transactions from `--concurrency` tasks for `--duration` (as fast as the
//! nodes accept them, or at `--rate` transactions per second in all), follows the block
//! stream, and times each transaction from its submission to the block that holds it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use clap::Parser;
use doppio_sequencer::cli::parse_duration;
use doppio_types::{NamespaceId, Payload, Transaction, TxCommitment};
use futures_util::StreamExt;

#[derive(Parser)]
#[command(name = "loadgen", about = "Submit load to a node and measure throughput and latency")]
struct Args {
    /// The nodes' APIs, comma-separated: submitters take them in turn; blocks are
    /// followed on the first.
    #[arg(long, default_value = "http://127.0.0.1:24000", value_delimiter = ',')]
    url: Vec<String>,
    /// How long to submit.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Concurrent submitters.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Transaction payload bytes.
    #[arg(long, default_value_t = 256)]
    tx_size: usize,
    /// Namespaces to spread transactions over.
    #[arg(long, default_value_t = 4)]
    namespaces: u32,
    /// Transactions per second, all submitters together (0: as fast as they are
    /// accepted). A steady rate below the network's capacity measures latency without
    /// queueing in the mempools.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
}

type Sent = Arc<Mutex<HashMap<TxCommitment, Instant>>>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn submitter(args: Arc<Args>, id: usize, sent: Sent, until: Instant) -> (u64, u64) {
    let client = reqwest::Client::new();
    let (mut ok, mut refused) = (0u64, 0u64);
    let mut i = 0u64;
    // Each submitter paces itself at rate / concurrency, started at staggered offsets so
    // that the submissions are spread evenly over time.
    let mut pace = (args.rate > 0.0).then(|| {
        let period = Duration::from_secs_f64(args.concurrency as f64 / args.rate);
        let first =
            tokio::time::Instant::now() + period.mul_f64(id as f64 / args.concurrency as f64);
        let mut t = tokio::time::interval_at(first, period);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    while Instant::now() < until {
        if let Some(pace) = pace.as_mut() {
            pace.tick().await;
        }
        let mut bytes = vec![0u8; args.tx_size];
        let tag = format!("{id}-{i}");
        let n = tag.len().min(args.tx_size);
        bytes[..n].copy_from_slice(&tag.as_bytes()[..n]);
        let tx = Transaction::new(NamespaceId(i as u32 % args.namespaces.max(1)), bytes);
        i += 1;
        let at = Instant::now();
        let url = &args.url[id % args.url.len()];
        match client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await {
            Ok(r) if r.status().is_success() => {
                sent.lock().unwrap().insert(tx.commit(), at);
                ok += 1;
            }
            _ => refused += 1,
        }
    }
    (ok, refused)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let Some(first) = args.url.first().cloned() else { bail!("--url names no node") };
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        bail!("--rate must be a finite number of transactions per second, not {}", args.rate);
    }
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let client = reqwest::Client::new();
    let start_height: u64 = client
        .get(format!("{first}/v0/node/block-height"))
        .send()
        .await
        .context("is the node running?")?
        .json()
        .await?;
    let ws =
        format!("{}/v0/availability/stream/blocks/{start_height}", first.replacen("http", "ws", 1));
    let (mut stream, _) = tokio_tungstenite::connect_async(&ws).await.context("block stream")?;
    let sent: Sent = Arc::default();
    let started = Instant::now();
    let until = started + args.duration;
    eprintln!(
        "loadgen: {} submitters{}, {}-byte transactions, {:?}, against {}",
        args.concurrency,
        if args.rate > 0.0 { format!(" at {} tx/s in all", args.rate) } else { String::new() },
        args.tx_size,
        args.duration,
        args.url.join(", ")
    );
    let tasks: Vec<_> = (0..args.concurrency)
        .map(|id| tokio::spawn(submitter(args.clone(), id, sent.clone(), until)))
        .collect();

    let mut latencies = Vec::new();
    let mut blocks = 0u64;
    let mut last_decided = started;
    let drain_until = until + Duration::from_secs(10);
    while Instant::now() < drain_until {
        let left = drain_until - Instant::now();
        let Ok(Some(msg)) = tokio::time::timeout(left, stream.next()).await else { break };
        let block: serde_json::Value = serde_json::from_str(msg?.to_text()?)?;
        let seen = Instant::now();
        let decode = |k: &str| STANDARD.decode(block["payload"][k].as_str().unwrap_or_default());
        let payload = Payload::from_parts(decode("payload")?, decode("ns_table")?)?;
        blocks += 1;
        let mut sent = sent.lock().unwrap();
        for tx in payload.transactions() {
            if let Some(at) = sent.remove(&tx.commit()) {
                latencies.push(seen - at);
                last_decided = seen;
            }
        }
        if Instant::now() > until && sent.is_empty() {
            break;
        }
        if blocks.is_multiple_of(10) {
            eprintln!("  {blocks} blocks, {} transactions decided", latencies.len());
        }
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        let (o, r) = t.await?;
        ok += o;
        refused += r;
    }
    if latencies.is_empty() {
        bail!("no submitted transaction was decided");
    }
    latencies.sort();
    let secs = args.duration.as_secs_f64();
    println!("submitted          {ok} accepted, {refused} refused in {secs:.1} s");
    println!(
        "submit throughput  {:.0} tx/s ({:.2} MB/s)",
        ok as f64 / secs,
        ok as f64 * args.tx_size as f64 / secs / 1e6
    );
    println!("decided            {} of {ok} in {blocks} blocks", latencies.len());
    let decided_secs = (last_decided - started).as_secs_f64().max(1e-3);
    println!(
        "decided throughput {:.0} tx/s ({:.2} MB/s) over {decided_secs:.1} s",
        latencies.len() as f64 / decided_secs,
        latencies.len() as f64 * args.tx_size as f64 / decided_secs / 1e6
    );
    println!(
        "latency            p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
    Ok(())
}
