//! Prometheus metrics under the names of the Espresso node docs (`consensus_*`), plus the
//! node's own (`doppio_*`) and the acceleration layer's counters (`accel_*`).

use std::fmt::Write as _;

use doppio_accel::Accel;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The node's metrics.
#[derive(Clone)]
pub struct NodeMetrics {
    registry: Registry,
    /// `consensus_current_view`.
    pub current_view: IntGauge,
    /// `consensus_last_decided_view`.
    pub last_decided_view: IntGauge,
    /// `consensus_last_decided_time`: unix seconds of the last decide.
    pub last_decided_time: IntGauge,
    /// `consensus_last_synced_block_height`.
    pub last_synced_block_height: IntGauge,
    /// `consensus_outstanding_transactions`: transactions in the mempool.
    pub outstanding_transactions: IntGauge,
    /// `consensus_outstanding_transactions_memory_size`: their bytes.
    pub outstanding_transactions_memory_size: IntGauge,
    /// `consensus_number_of_empty_blocks_proposed`.
    pub empty_blocks_proposed: IntCounter,
    /// `consensus_invalid_qc`: messages refused for carrying a certificate that does not
    /// verify.
    pub invalid_qc: IntCounter,
    /// `doppio_consensus_messages_refused_total{reason}`: peers' consensus messages the
    /// state machine refused, by [`doppio_consensus::Rejected::reason`], and
    /// `reason="undecodable"` for bytes that are no message.
    pub messages_refused: IntCounterVec,
    /// `doppio_transactions_submitted_total`.
    pub transactions_submitted: IntCounter,
    /// `doppio_transactions_rejected_total`.
    pub transactions_rejected: IntCounter,
    /// `doppio_transactions_decided_total`.
    pub transactions_decided: IntCounter,
    /// `doppio_unfunded_builder_blocks_total`: blocks left empty because the builder could
    /// not pay the fee.
    pub unfunded_builder_blocks: IntCounter,
    /// `doppio_vid_disperse_seconds`.
    pub vid_disperse_seconds: Histogram,
    /// `doppio_decide_seconds`: from building a block to its storage commit.
    pub decide_seconds: Histogram,
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric name");
    registry.register(Box::new(g.clone())).expect("metric registered once");
    g
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("valid metric name");
    registry.register(Box::new(c.clone())).expect("metric registered once");
    c
}

fn counter_vec(registry: &Registry, name: &str, help: &str, label: &str) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric name");
    registry.register(Box::new(c.clone())).expect("metric registered once");
    c
}

fn histogram(registry: &Registry, name: &str, help: &str) -> Histogram {
    let buckets = vec![0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("valid metric name");
    registry.register(Box::new(h.clone())).expect("metric registered once");
    h
}

impl Default for NodeMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeMetrics {
    /// The registry every metric is in (others, e.g. the network's, may join it).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Registers every metric in a fresh registry.
    pub fn new() -> Self {
        let r = Registry::new();
        NodeMetrics {
            current_view: gauge(&r, "consensus_current_view", "Current view number"),
            last_decided_view: gauge(&r, "consensus_last_decided_view", "Last decided view"),
            last_decided_time: gauge(
                &r,
                "consensus_last_decided_time",
                "Unix time of the last decide",
            ),
            last_synced_block_height: gauge(
                &r,
                "consensus_last_synced_block_height",
                "Height of the last decided block",
            ),
            outstanding_transactions: gauge(
                &r,
                "consensus_outstanding_transactions",
                "Transactions waiting in the mempool",
            ),
            outstanding_transactions_memory_size: gauge(
                &r,
                "consensus_outstanding_transactions_memory_size",
                "Bytes of transactions waiting in the mempool",
            ),
            empty_blocks_proposed: counter(
                &r,
                "consensus_number_of_empty_blocks_proposed",
                "Blocks proposed without transactions",
            ),
            invalid_qc: counter(
                &r,
                "consensus_invalid_qc",
                "Messages refused for a certificate that does not verify",
            ),
            messages_refused: counter_vec(
                &r,
                "doppio_consensus_messages_refused_total",
                "Peers' consensus messages refused, by reason",
                "reason",
            ),
            transactions_submitted: counter(
                &r,
                "doppio_transactions_submitted_total",
                "Transactions accepted by the submit API",
            ),
            transactions_rejected: counter(
                &r,
                "doppio_transactions_rejected_total",
                "Transactions refused by the submit API",
            ),
            transactions_decided: counter(
                &r,
                "doppio_transactions_decided_total",
                "Transactions in decided blocks",
            ),
            unfunded_builder_blocks: counter(
                &r,
                "doppio_unfunded_builder_blocks_total",
                "Blocks left empty because the builder account could not pay the fee",
            ),
            vid_disperse_seconds: histogram(
                &r,
                "doppio_vid_disperse_seconds",
                "VID dispersal time per block",
            ),
            decide_seconds: histogram(
                &r,
                "doppio_decide_seconds",
                "Time from building a block to its storage commit",
            ),
            registry: r,
        }
    }

    /// The Prometheus text exposition of every metric, the acceleration layer's included.
    pub fn render(&self, accel: &Accel) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding of valid metrics");
        let mut out = String::from_utf8(buf).expect("Prometheus text is UTF-8");
        render_accel(&mut out, accel);
        out
    }
}

/// `accel_*` counters per operation and backend, and the device gauges.
fn render_accel(out: &mut String, accel: &Accel) {
    let snapshot = accel.metrics().snapshot();
    type Value = fn(&doppio_accel::OpMetrics) -> String;
    let series: [(&str, &str, Value); 7] = [
        ("accel_calls_total", "Calls per operation and backend", |m| m.calls.to_string()),
        ("accel_seconds_total", "Time per operation and backend", |m| {
            format!("{}", m.nanos as f64 / 1e9)
        }),
        ("accel_elements_total", "Input elements per operation and backend", |m| {
            m.elements.to_string()
        }),
        ("accel_fallbacks_total", "Jobs this backend handed to the CPU", |m| {
            m.fallbacks.to_string()
        }),
        ("accel_device_seconds_total", "Device time per operation (CUDA events)", |m| {
            format!("{}", m.device_nanos as f64 / 1e9)
        }),
        ("accel_device_bytes_in_total", "Bytes copied from host to device", |m| {
            m.bytes_to_device.to_string()
        }),
        ("accel_device_bytes_out_total", "Bytes copied from device to host", |m| {
            m.bytes_from_device.to_string()
        }),
    ];
    for (name, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for m in &snapshot {
            let _ = writeln!(
                out,
                "{name}{{op=\"{}\",backend=\"{}\"}} {}",
                m.op.name(),
                m.backend.name(),
                value(m)
            );
        }
    }
    let device = accel.metrics().device();
    let gauges = [
        (
            "accel_device_memory_used_bytes",
            "Device memory in use at the last admission check (all processes)",
            device.memory_used_bytes,
        ),
        (
            "accel_device_resident_bytes",
            "Device memory kept by resident prepared bases (estimate)",
            device.resident_bytes,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
}
