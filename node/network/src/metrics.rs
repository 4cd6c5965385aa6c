//! Network counters, readable as plain values and registrable in a Prometheus registry:
//! `doppio_network_messages_{received,sent}_total{kind}`,
//! `doppio_network_bytes_{received,sent}_total{kind}`,
//! `doppio_network_messages_dropped_total{reason}`, `doppio_network_connected_peers` and
//! `doppio_network_connections_denied_total`.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use crate::MessageKind;

/// Why an inbound message was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Larger than this node's limit for its kind.
    Oversized,
    /// Not a well-formed frame (truncated, trailing bytes).
    Malformed,
    /// From a peer outside the member set (or forwarded on behalf of one).
    NonMember,
    /// The consumer's queue was full.
    QueueFull,
}

impl DropReason {
    /// Every reason.
    pub const ALL: [DropReason; 4] = [
        DropReason::Oversized,
        DropReason::Malformed,
        DropReason::NonMember,
        DropReason::QueueFull,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::Oversized => "oversized",
            DropReason::Malformed => "malformed",
            DropReason::NonMember => "non_member",
            DropReason::QueueFull => "queue_full",
        }
    }
}

/// The counters; cheap to clone (clones share values).
#[derive(Clone, Debug)]
pub struct NetworkMetrics {
    messages_received: IntCounterVec,
    bytes_received: IntCounterVec,
    messages_sent: IntCounterVec,
    bytes_sent: IntCounterVec,
    dropped: IntCounterVec,
    connected_peers: IntGauge,
    connections_denied: IntCounter,
}

impl Default for NetworkMetrics {
    fn default() -> Self {
        Self::new()
    }
}

fn vec(name: &str, help: &str, label: &str) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric name")
}

impl NetworkMetrics {
    /// Fresh counters at zero, in no registry.
    pub fn new() -> Self {
        let m = NetworkMetrics {
            messages_received: vec(
                "doppio_network_messages_received_total",
                "Messages accepted from members",
                "kind",
            ),
            bytes_received: vec(
                "doppio_network_bytes_received_total",
                "Bytes of messages accepted from members",
                "kind",
            ),
            messages_sent: vec("doppio_network_messages_sent_total", "Messages sent", "kind"),
            bytes_sent: vec("doppio_network_bytes_sent_total", "Bytes of messages sent", "kind"),
            dropped: vec(
                "doppio_network_messages_dropped_total",
                "Inbound messages dropped, by reason",
                "reason",
            ),
            connected_peers: IntGauge::new("doppio_network_connected_peers", "Connected peers")
                .expect("valid metric name"),
            connections_denied: IntCounter::new(
                "doppio_network_connections_denied_total",
                "Connections refused because the peer is not a member",
            )
            .expect("valid metric name"),
        };
        // Every label exists from the start, so a scrape shows zeros rather than nothing.
        for kind in MessageKind::ALL {
            for v in [&m.messages_received, &m.bytes_received, &m.messages_sent, &m.bytes_sent] {
                v.with_label_values(&[kind.label()]);
            }
        }
        for reason in DropReason::ALL {
            m.dropped.with_label_values(&[reason.label()]);
        }
        m
    }

    /// Adds the counters to `registry` (fails if names are taken there).
    pub fn register(&self, registry: &Registry) -> prometheus::Result<()> {
        for v in [
            &self.messages_received,
            &self.bytes_received,
            &self.messages_sent,
            &self.bytes_sent,
            &self.dropped,
        ] {
            registry.register(Box::new(v.clone()))?;
        }
        registry.register(Box::new(self.connected_peers.clone()))?;
        registry.register(Box::new(self.connections_denied.clone()))
    }

    /// Messages of `kind` accepted.
    pub fn messages_received(&self, kind: MessageKind) -> u64 {
        self.messages_received.with_label_values(&[kind.label()]).get()
    }

    /// Bytes of messages of `kind` accepted.
    pub fn bytes_received(&self, kind: MessageKind) -> u64 {
        self.bytes_received.with_label_values(&[kind.label()]).get()
    }

    /// Messages of `kind` sent (a broadcast counts once).
    pub fn messages_sent(&self, kind: MessageKind) -> u64 {
        self.messages_sent.with_label_values(&[kind.label()]).get()
    }

    /// Bytes of messages of `kind` sent.
    pub fn bytes_sent(&self, kind: MessageKind) -> u64 {
        self.bytes_sent.with_label_values(&[kind.label()]).get()
    }

    /// Inbound messages dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped.with_label_values(&[reason.label()]).get()
    }

    /// Peers connected now.
    pub fn connected_peers(&self) -> u64 {
        self.connected_peers.get().max(0).unsigned_abs()
    }

    /// Connections refused because the peer is not a member.
    pub fn connections_denied(&self) -> u64 {
        self.connections_denied.get()
    }

    pub(crate) fn received(&self, kind: MessageKind, bytes: usize) {
        self.messages_received.with_label_values(&[kind.label()]).inc();
        self.bytes_received.with_label_values(&[kind.label()]).inc_by(bytes as u64);
    }

    pub(crate) fn sent(&self, kind: MessageKind, bytes: usize) {
        self.messages_sent.with_label_values(&[kind.label()]).inc();
        self.bytes_sent.with_label_values(&[kind.label()]).inc_by(bytes as u64);
    }

    pub(crate) fn drop_message(&self, reason: DropReason) {
        self.dropped.with_label_values(&[reason.label()]).inc();
    }

    pub(crate) fn set_connected_peers(&self, n: usize) {
        self.connected_peers.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub(crate) fn connection_denied(&self) {
        self.connections_denied.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_register_and_count() {
        let m = NetworkMetrics::new();
        m.received(MessageKind::Direct, 10);
        m.drop_message(DropReason::Oversized);
        m.set_connected_peers(3);
        assert_eq!(m.messages_received(MessageKind::Direct), 1);
        assert_eq!(m.bytes_received(MessageKind::Direct), 10);
        assert_eq!(m.messages_received(MessageKind::Broadcast), 0);
        assert_eq!(m.dropped(DropReason::Oversized), 1);
        assert_eq!(m.connected_peers(), 3);
        let registry = Registry::new();
        m.register(&registry).unwrap();
        let families = registry.gather();
        let dropped = families
            .iter()
            .find(|f| f.name() == "doppio_network_messages_dropped_total")
            .expect("registered");
        assert_eq!(dropped.get_metric().len(), DropReason::ALL.len());
        assert!(m.register(&registry).is_err(), "a second registration must be refused");
    }
}
