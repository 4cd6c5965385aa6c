//! Network configuration: addresses in Espresso's forms (`host:port` for the bind and
//! advertise addresses, QUIC multiaddresses for bootstrap nodes), the member set, and
//! limits; [`NetworkArgs`] is the command-line form a binary flattens.

use std::{
    collections::HashSet,
    fmt,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use libp2p::{Multiaddr, PeerId, multiaddr::Protocol};

/// Default UDP bind address (Espresso's libp2p default port).
pub const DEFAULT_BIND_ADDRESS: &str = "0.0.0.0:1769";
/// Default largest broadcast (proposal), in bytes.
pub const DEFAULT_MAX_BROADCAST_SIZE: usize = 1 << 20;
/// Default largest direct message (votes, DA proposals, VID shares), in bytes.
pub const DEFAULT_MAX_DIRECT_SIZE: usize = 16 << 20;
/// Default number of inbound messages waiting for the consumer before more are dropped.
pub const DEFAULT_INBOUND_QUEUE: usize = 4096;
/// Default time a direct message may take to be acknowledged.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Default period of redialling bootstrap nodes and disconnected members.
pub const DEFAULT_MAINTENANCE_INTERVAL: Duration = Duration::from_secs(2);

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not `host:port`.
    #[error("{field}: `{value}` is not host:port ({reason})")]
    HostPort {
        /// The option.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A host name that does not resolve.
    #[error("{field}: cannot resolve `{value}`: {reason}")]
    Resolve {
        /// The option.
        field: &'static str,
        /// The value as given.
        value: String,
        /// The resolver's answer.
        reason: String,
    },
    /// A bootstrap node that is not a QUIC multiaddress.
    #[error(
        "{field}: `{value}` is not a QUIC multiaddress like \
         /ip4/127.0.0.1/udp/1769/quic-v1/p2p/<peer id> ({reason})"
    )]
    Bootstrap {
        /// Where it came from (`--libp2p-bootstrap-nodes[i]`, `network.bootstrap_nodes[i]`).
        field: String,
        /// The value as given.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A size limit of zero or above the frame limit.
    #[error("{field}: {value} is not a message size in 1..={max}")]
    Limit {
        /// The option.
        field: &'static str,
        /// The value given.
        value: usize,
        /// The largest allowed.
        max: usize,
    },
}

/// Largest message size any limit may be set to: the 4-byte length prefix of direct
/// messages bounds it, and far larger than any consensus message.
pub const MAX_MESSAGE_SIZE_LIMIT: usize = 1 << 30;

/// A `host:port` address as Espresso's flags take it: an IPv4 address, a bracketed IPv6
/// address (`[::1]:1769`) or a host name, which is resolved when the network starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    host: String,
    port: u16,
}

impl HostPort {
    /// The address of `ip` and `port`.
    pub fn new(ip: IpAddr, port: u16) -> Self {
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        HostPort { host, port }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address as an IP, without resolving; `None` for a host name.
    pub fn ip(&self) -> Option<IpAddr> {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        bare.parse().ok()
    }

    /// The socket address: the IP itself, or the host name's first IPv4 address (else its
    /// first address), as Espresso resolves these flags.
    pub async fn resolve(&self, field: &'static str) -> Result<SocketAddr, ConfigError> {
        if let Some(ip) = self.ip() {
            return Ok(SocketAddr::new(ip, self.port));
        }
        let fail = |reason: String| ConfigError::Resolve { field, value: self.to_string(), reason };
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|e| fail(e.to_string()))?
            .collect();
        addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or(addrs.first())
            .copied()
            .ok_or_else(|| fail("no addresses".to_owned()))
    }

    fn parse(s: &str, field: &'static str) -> Result<Self, ConfigError> {
        let err = |reason: &str| ConfigError::HostPort {
            field,
            value: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (host, port) = s.rsplit_once(':').ok_or_else(|| err("no `:port`"))?;
        let port: u16 = port.parse().map_err(|_| err("the port is not a number in 0..=65535"))?;
        if let Some(inner) = host.strip_prefix('[') {
            let v6 = inner.strip_suffix(']').ok_or_else(|| err("unclosed `[`"))?;
            v6.parse::<std::net::Ipv6Addr>().map_err(|_| err("bad IPv6 address"))?;
        } else if host.contains(':') {
            return Err(err("an IPv6 address must be in brackets: [::1]:1769"));
        } else if !is_host_name_or_ipv4(host) {
            return Err(err("the host is neither an IPv4 address nor a host name"));
        }
        Ok(HostPort { host: host.to_owned(), port })
    }
}

fn is_host_name_or_ipv4(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl FromStr for HostPort {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        HostPort::parse(s, "address")
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl From<SocketAddr> for HostPort {
    fn from(addr: SocketAddr) -> Self {
        HostPort::new(addr.ip(), addr.port())
    }
}

/// The QUIC multiaddress of a socket address: `/ip4/A/udp/P/quic-v1`.
pub fn quic_multiaddr(addr: SocketAddr) -> Multiaddr {
    Multiaddr::empty()
        .with(Protocol::from(addr.ip()))
        .with(Protocol::Udp(addr.port()))
        .with(Protocol::QuicV1)
}

/// A bootstrap node: a QUIC multiaddress (`/ip4|ip6|dns|dns4|dns6/…/udp/P/quic-v1`),
/// optionally ending in `/p2p/<peer id>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BootstrapNode {
    address: Multiaddr,
    peer: Option<PeerId>,
}

impl BootstrapNode {
    /// Checks `address`; `field` names where it came from, for the error.
    pub fn parse(address: &str, field: impl Into<String>) -> Result<Self, ConfigError> {
        let checked =
            address.parse::<Multiaddr>().map_err(|e| e.to_string()).and_then(Self::from_multiaddr);
        checked.map_err(|reason| ConfigError::Bootstrap {
            field: field.into(),
            value: address.to_owned(),
            reason,
        })
    }

    /// Checks a parsed multiaddress.
    pub fn from_multiaddr(address: Multiaddr) -> Result<Self, String> {
        let mut parts = address.iter();
        match parts.next() {
            Some(Protocol::Ip4(_) | Protocol::Ip6(_)) => {}
            Some(Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_)) => {}
            _ => return Err("it must start with /ip4, /ip6, /dns, /dns4 or /dns6".to_owned()),
        }
        if !matches!(parts.next(), Some(Protocol::Udp(_))) {
            return Err("the host must be followed by /udp/<port>".to_owned());
        }
        if !matches!(parts.next(), Some(Protocol::QuicV1)) {
            return Err("the port must be followed by /quic-v1".to_owned());
        }
        let peer = match parts.next() {
            None => None,
            Some(Protocol::P2p(peer)) => Some(peer),
            Some(other) => return Err(format!("unexpected `{other}` after /quic-v1")),
        };
        if let Some(extra) = parts.next() {
            return Err(format!("unexpected `{extra}` after /p2p"));
        }
        let address = if peer.is_some() { strip_p2p(&address) } else { address };
        Ok(BootstrapNode { address, peer })
    }

    /// The address without its `/p2p/` part.
    pub fn address(&self) -> &Multiaddr {
        &self.address
    }

    /// The peer id, when the address names one.
    pub fn peer(&self) -> Option<PeerId> {
        self.peer
    }

    /// Whether the host is a name to resolve (`/dns…`).
    pub fn needs_resolution(&self) -> bool {
        matches!(
            self.address.iter().next(),
            Some(Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_))
        )
    }
}

impl fmt::Display for BootstrapNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peer {
            Some(peer) => write!(f, "{}/p2p/{peer}", self.address),
            None => write!(f, "{}", self.address),
        }
    }
}

impl FromStr for BootstrapNode {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        BootstrapNode::parse(s, "--libp2p-bootstrap-nodes")
    }
}

/// `address` without `/p2p/…` components.
pub(crate) fn strip_p2p(address: &Multiaddr) -> Multiaddr {
    address.iter().filter(|p| !matches!(p, Protocol::P2p(_))).collect()
}

/// Parses the genesis file's `[network] bootstrap_nodes`, naming the entry that is not a
/// QUIC multiaddress (the genesis format also allows URLs, which libp2p cannot dial).
pub fn genesis_bootstrap_nodes(
    nodes: &[impl AsRef<str>],
) -> Result<Vec<BootstrapNode>, ConfigError> {
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| BootstrapNode::parse(n.as_ref(), format!("network.bootstrap_nodes[{i}]")))
        .collect()
}

/// Everything the network needs besides the node's key.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// UDP address to listen on (port 0 picks a free port).
    pub bind: HostPort,
    /// Address other nodes should dial, when it differs from the bind address (NAT,
    /// containers); `None` advertises the listen addresses.
    pub advertise: Option<HostPort>,
    /// Nodes dialled first, and redialled while disconnected.
    pub bootstrap: Vec<BootstrapNode>,
    /// Peers allowed to connect and whose messages are accepted.
    pub members: HashSet<PeerId>,
    /// Largest broadcast, in bytes.
    pub max_broadcast_size: usize,
    /// Largest direct message, in bytes.
    pub max_direct_size: usize,
    /// Inbound messages waiting for the consumer; more are dropped and counted.
    pub inbound_queue: usize,
    /// Time a direct message may take to be acknowledged.
    pub send_timeout: Duration,
    /// Period of redialling bootstrap nodes and disconnected members.
    pub maintenance_interval: Duration,
}

impl NetworkConfig {
    /// A configuration with the default limits.
    pub fn new(bind: HostPort, bootstrap: Vec<BootstrapNode>, members: HashSet<PeerId>) -> Self {
        NetworkConfig {
            bind,
            advertise: None,
            bootstrap,
            members,
            max_broadcast_size: DEFAULT_MAX_BROADCAST_SIZE,
            max_direct_size: DEFAULT_MAX_DIRECT_SIZE,
            inbound_queue: DEFAULT_INBOUND_QUEUE,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            maintenance_interval: DEFAULT_MAINTENANCE_INTERVAL,
        }
    }

    /// A node on 127.0.0.1 with a free port (tests, local networks).
    pub fn loopback(bootstrap: Vec<BootstrapNode>, members: HashSet<PeerId>) -> Self {
        Self::new(HostPort::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), bootstrap, members)
    }

    /// Checks the limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_limit("max_broadcast_size", self.max_broadcast_size)?;
        check_limit("max_direct_size", self.max_direct_size)?;
        if self.inbound_queue == 0 {
            return Err(ConfigError::Limit { field: "inbound_queue", value: 0, max: usize::MAX });
        }
        Ok(())
    }
}

fn check_limit(field: &'static str, value: usize) -> Result<(), ConfigError> {
    if value == 0 || value > MAX_MESSAGE_SIZE_LIMIT {
        return Err(ConfigError::Limit { field, value, max: MAX_MESSAGE_SIZE_LIMIT });
    }
    Ok(())
}

fn parse_bind(s: &str) -> Result<HostPort, ConfigError> {
    HostPort::parse(s, "--libp2p-bind-address")
}

fn parse_advertise(s: &str) -> Result<HostPort, ConfigError> {
    let hp = HostPort::parse(s, "--libp2p-advertise-address")?;
    if hp.port == 0 {
        return Err(ConfigError::HostPort {
            field: "--libp2p-advertise-address",
            value: s.to_owned(),
            reason: "port 0 cannot be dialled".to_owned(),
        });
    }
    Ok(hp)
}

/// The network's command-line options (Espresso's names where they exist).
#[derive(Clone, Debug, clap::Args)]
pub struct NetworkArgs {
    /// UDP address libp2p (QUIC) listens on, host:port.
    #[arg(
        long,
        env = "ESPRESSO_SEQUENCER_LIBP2P_BIND_ADDRESS",
        default_value = DEFAULT_BIND_ADDRESS,
        value_parser = parse_bind
    )]
    pub libp2p_bind_address: HostPort,

    /// Address other nodes dial, host:port; defaults to the listen addresses.
    #[arg(long, env = "ESPRESSO_SEQUENCER_LIBP2P_ADVERTISE_ADDRESS", value_parser = parse_advertise)]
    pub libp2p_advertise_address: Option<HostPort>,

    /// Comma-separated bootstrap multiaddresses
    /// (`/ip4/10.0.0.1/udp/1769/quic-v1/p2p/<peer id>`); overrides the genesis file's
    /// `[network] bootstrap_nodes`.
    #[arg(long, env = "ESPRESSO_SEQUENCER_LIBP2P_BOOTSTRAP_NODES", value_delimiter = ',')]
    pub libp2p_bootstrap_nodes: Vec<BootstrapNode>,

    /// Largest broadcast message (proposals), in bytes.
    #[arg(long, env = "DOPPIO_LIBP2P_MAX_BROADCAST_SIZE", default_value_t = DEFAULT_MAX_BROADCAST_SIZE)]
    pub libp2p_max_broadcast_size: usize,

    /// Largest direct message (votes, DA proposals, VID shares), in bytes.
    #[arg(long, env = "DOPPIO_LIBP2P_MAX_DIRECT_SIZE", default_value_t = DEFAULT_MAX_DIRECT_SIZE)]
    pub libp2p_max_direct_size: usize,

    /// URL of the orchestrator to register with; without it the configuration is static
    /// (bootstrap nodes and the stake table's members).
    #[arg(long, env = "ESPRESSO_SEQUENCER_ORCHESTRATOR_URL")]
    pub orchestrator_url: Option<reqwest::Url>,
}

impl NetworkArgs {
    /// The configuration for `members`, with the bootstrap nodes of the command line or,
    /// when it names none, those of the genesis file.
    pub fn into_config(
        self,
        genesis_bootstrap: &[impl AsRef<str>],
        members: HashSet<PeerId>,
    ) -> Result<NetworkConfig, ConfigError> {
        let bootstrap = if self.libp2p_bootstrap_nodes.is_empty() {
            genesis_bootstrap_nodes(genesis_bootstrap)?
        } else {
            self.libp2p_bootstrap_nodes
        };
        let mut config = NetworkConfig::new(self.libp2p_bind_address, bootstrap, members);
        config.advertise = self.libp2p_advertise_address;
        config.max_broadcast_size = self.libp2p_max_broadcast_size;
        config.max_direct_size = self.libp2p_max_direct_size;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        let hp: HostPort = "127.0.0.1:1769".parse().unwrap();
        assert_eq!(hp.ip(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(hp.port(), 1769);
        let hp: HostPort = "[::1]:9".parse().unwrap();
        assert_eq!(hp.ip(), Some("::1".parse().unwrap()));
        assert_eq!(hp.to_string(), "[::1]:9");
        let hp: HostPort = "node-0.example:1769".parse().unwrap();
        assert_eq!(hp.ip(), None);
        for bad in ["", "1769", "host:", "host:70000", "::1:9", "[::1:9", "a b:1", "-x:1"] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn advertise_port_zero_is_refused() {
        assert!(parse_advertise("127.0.0.1:0").is_err());
        assert!(parse_bind("127.0.0.1:0").is_ok());
    }

    #[test]
    fn bootstrap_forms() {
        let peer = PeerId::random();
        let with_peer: BootstrapNode =
            format!("/ip4/127.0.0.1/udp/3000/quic-v1/p2p/{peer}").parse().unwrap();
        assert_eq!(with_peer.peer(), Some(peer));
        assert_eq!(with_peer.address().to_string(), "/ip4/127.0.0.1/udp/3000/quic-v1");
        assert_eq!(with_peer.to_string(), format!("/ip4/127.0.0.1/udp/3000/quic-v1/p2p/{peer}"));
        let named: BootstrapNode = "/dns4/node-0/udp/1769/quic-v1".parse().unwrap();
        assert!(named.needs_resolution());
        assert_eq!(named.peer(), None);
        for bad in [
            "/ip4/10.0.0.1/tcp/9000",
            "/ip4/10.0.0.1/udp/9000",
            "/ip4/10.0.0.1/udp/9000/quic",
            "/udp/9000/quic-v1",
            "https://node0.example.org:9000",
            "/ip4/10.0.0.1/udp/9000/quic-v1/ws",
        ] {
            let err = bad.parse::<BootstrapNode>().unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn genesis_entries_are_named_in_errors() {
        let ok = genesis_bootstrap_nodes(&["/ip4/1.2.3.4/udp/1/quic-v1"]).unwrap();
        assert_eq!(ok.len(), 1);
        let err = genesis_bootstrap_nodes(&["/ip4/1.2.3.4/udp/1/quic-v1", "/dns4/node-1/tcp/9000"])
            .unwrap_err();
        assert!(err.to_string().contains("network.bootstrap_nodes[1]"), "{err}");
    }

    #[test]
    fn args_prefer_the_command_line_and_check_limits() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            net: NetworkArgs,
        }
        let peer = PeerId::random();
        let cli = Cli::try_parse_from([
            "x",
            "--libp2p-bind-address",
            "127.0.0.1:0",
            "--libp2p-bootstrap-nodes",
            &format!("/ip4/127.0.0.1/udp/1/quic-v1/p2p/{peer},/ip4/127.0.0.1/udp/2/quic-v1"),
        ])
        .unwrap();
        let config = cli.net.into_config(&["/ip4/9.9.9.9/udp/9/quic-v1"], HashSet::new()).unwrap();
        assert_eq!(config.bootstrap.len(), 2);
        assert_eq!(config.bootstrap[0].peer(), Some(peer));

        let cli = Cli::try_parse_from(["x", "--libp2p-max-direct-size", "0"]).unwrap();
        let err = cli.net.into_config(&["/ip4/9.9.9.9/udp/9/quic-v1"], HashSet::new());
        assert!(matches!(err, Err(ConfigError::Limit { field: "max_direct_size", .. })));

        let cli = Cli::try_parse_from(["x"]).unwrap();
        let config = cli.net.into_config(&["/ip4/9.9.9.9/udp/9/quic-v1"], HashSet::new()).unwrap();
        assert_eq!(config.bootstrap[0].address().to_string(), "/ip4/9.9.9.9/udp/9/quic-v1");
        assert_eq!(config.bind.to_string(), DEFAULT_BIND_ADDRESS);
        assert!(
            Cli::try_parse_from(["x", "--libp2p-bootstrap-nodes", "/ip4/1.1.1.1/tcp/1"]).is_err()
        );
    }
}
