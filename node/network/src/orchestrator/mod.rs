//! The orchestrator: a bootstrap service where nodes register (peer id, libp2p address,
//! keys, stake, DA membership, API URL), receive their index, and fetch the peer list
//! once the expected number of nodes has joined. [`server`] serves it, [`client`] is
//! what a node uses. It is a convenience for test and demo networks: a static
//! configuration (bootstrap nodes and the stake table's members) needs none.

pub mod client;
pub mod file;
pub mod server;

use std::collections::HashSet;

use doppio_keys::{BlsPublicKey, BlsSecretKey, ProofOfPossession, SchnorrVerKey, StakeTableEntry};
use libp2p::{Multiaddr, PeerId};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::BootstrapNode;

/// Route of registration (`POST`).
pub const REGISTER_ROUTE: &str = "/v0/orchestrator/register";
/// Route of the peer list (`GET`).
pub const PEERS_ROUTE: &str = "/v0/orchestrator/peers";
/// Route of the registration count (`GET`).
pub const STATUS_ROUTE: &str = "/v0/orchestrator/status";

/// What a node tells the orchestrator about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// Its libp2p peer id (derived from its staking key).
    pub peer_id: PeerId,
    /// The QUIC multiaddress other nodes dial (its advertise address), without `/p2p/`.
    pub libp2p_address: Multiaddr,
    /// Its BLS staking key.
    pub staking_key: BlsPublicKey,
    /// Proof that it holds the staking key's secret.
    pub proof_of_possession: ProofOfPossession,
    /// Its Schnorr state key.
    pub state_key: SchnorrVerKey,
    /// Its stake, in the smallest unit (positive).
    pub stake: u128,
    /// Whether it is in the DA committee.
    pub da: bool,
    /// Its HTTP API.
    pub api_url: Url,
}

impl Registration {
    /// The registration of the node holding `staking` (its peer id and proof of
    /// possession are derived here).
    pub fn new(
        staking: &BlsSecretKey,
        state_key: SchnorrVerKey,
        libp2p_address: Multiaddr,
        stake: u128,
        da: bool,
        api_url: Url,
    ) -> Self {
        Registration {
            peer_id: doppio_keys::peer::peer_id(staking),
            libp2p_address,
            staking_key: staking.public_key(),
            proof_of_possession: staking.proof_of_possession(),
            state_key,
            stake,
            da,
            api_url,
        }
    }

    /// The node's stake-table entry.
    pub fn stake_table_entry(&self) -> StakeTableEntry {
        StakeTableEntry {
            staking_key: self.staking_key,
            proof_of_possession: self.proof_of_possession,
            stake: self.stake,
            state_key: self.state_key,
        }
    }

    /// Its address with `/p2p/<peer id>`, as a bootstrap node (an error only for a
    /// registration built by hand with an address that is not QUIC).
    pub fn bootstrap_node(&self) -> Result<BootstrapNode, String> {
        let address =
            self.libp2p_address.clone().with(libp2p::multiaddr::Protocol::P2p(self.peer_id));
        BootstrapNode::from_multiaddr(address)
    }

    /// The JSON form: every key as its string form, the stake as a decimal string.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "peer_id": self.peer_id.to_string(),
            "libp2p_address": self.libp2p_address.to_string(),
            "staking_key": self.staking_key.to_string(),
            "proof_of_possession": self.proof_of_possession.to_string(),
            "state_key": self.state_key.to_string(),
            "stake": self.stake.to_string(),
            "da": self.da,
            "api_url": self.api_url.to_string(),
        })
    }

    /// Parses and checks the JSON form, naming the field and value that are wrong. The
    /// stake may be a number or a decimal string; unknown fields are refused.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or("expected a JSON object")?;
        const FIELDS: [&str; 8] = [
            "peer_id",
            "libp2p_address",
            "staking_key",
            "proof_of_possession",
            "state_key",
            "stake",
            "da",
            "api_url",
        ];
        if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!("unknown field `{unknown}`; fields: {}", FIELDS.join(", ")));
        }
        let peer_id: PeerId = parse_str(obj, "peer_id", "a libp2p peer id")?;
        let staking_key: BlsPublicKey = parse_str(obj, "staking_key", "a BLS_VER_KEY")?;
        let proof_of_possession: ProofOfPossession =
            parse_str(obj, "proof_of_possession", "a BLS_SIG")?;
        staking_key.verify_proof_of_possession(&proof_of_possession).map_err(|e| {
            format!("proof_of_possession: does not verify for staking_key {staking_key}: {e}")
        })?;
        let reg = Registration {
            libp2p_address: parse_address(obj, peer_id)?,
            peer_id,
            staking_key,
            proof_of_possession,
            state_key: parse_str(obj, "state_key", "a SCHNORR_VER_KEY")?,
            stake: parse_stake(obj)?,
            da: field(obj, "da")?.as_bool().ok_or("da: expected true or false")?,
            api_url: parse_url(obj)?,
        };
        Ok(reg)
    }
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    obj.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

fn string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    let v = field(obj, name)?;
    v.as_str().ok_or_else(|| format!("{name}: expected a string, got {v}"))
}

fn parse_str<T>(obj: &Map<String, Value>, name: &str, what: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let s = string(obj, name)?;
    s.parse().map_err(|e| format!("{name}: `{s}` is not {what}: {e}"))
}

fn parse_address(obj: &Map<String, Value>, peer_id: PeerId) -> Result<Multiaddr, String> {
    let s = string(obj, "libp2p_address")?;
    let bad = |why: String| format!("libp2p_address: `{s}` {why}");
    let address: Multiaddr = s.parse().map_err(|e| bad(format!("is not a multiaddress: {e}")))?;
    let node = BootstrapNode::from_multiaddr(address)
        .map_err(|e| bad(format!("is not a QUIC multiaddress: {e}")))?;
    if node.peer().is_some_and(|p| p != peer_id) {
        return Err(bad(format!("names another peer than peer_id {peer_id}")));
    }
    Ok(node.address().clone())
}

fn parse_stake(obj: &Map<String, Value>) -> Result<u128, String> {
    let v = field(obj, "stake")?;
    let stake = match v {
        Value::Number(n) => n.as_u64().map(u128::from),
        Value::String(s) => s.parse::<u128>().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("stake: {v} is not a non-negative integer"))?;
    if stake == 0 {
        return Err("stake: must be positive".to_owned());
    }
    Ok(stake)
}

fn parse_url(obj: &Map<String, Value>) -> Result<Url, String> {
    let s = string(obj, "api_url")?;
    let url: Url = s.parse().map_err(|e| format!("api_url: `{s}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("api_url: `{s}` is not an http(s) URL with a host"));
    }
    Ok(url)
}

/// A registered node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredNode {
    /// Its index: the order of registration, from 0.
    pub index: usize,
    /// What it registered.
    pub registration: Registration,
}

/// The answer to a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The node's index.
    pub index: usize,
    /// Nodes registered so far.
    pub registered: usize,
    /// Nodes expected.
    pub num_nodes: usize,
}

/// How many nodes have registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Nodes registered so far.
    pub registered: usize,
    /// Nodes expected.
    pub num_nodes: usize,
    /// Whether the peer list is available.
    pub ready: bool,
}

/// Every node, once all have registered, in index order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerList {
    /// The nodes.
    pub nodes: Vec<RegisteredNode>,
}

impl PeerList {
    /// The member set.
    pub fn members(&self) -> HashSet<PeerId> {
        self.nodes.iter().map(|n| n.registration.peer_id).collect()
    }

    /// Every node as a bootstrap node (a node may use the whole list, or a few).
    pub fn bootstrap_nodes(&self) -> Result<Vec<BootstrapNode>, String> {
        self.nodes.iter().map(|n| n.registration.bootstrap_node()).collect()
    }

    /// The stake table's entries, in index order.
    pub fn stake_table_entries(&self) -> Vec<StakeTableEntry> {
        self.nodes.iter().map(|n| n.registration.stake_table_entry()).collect()
    }

    /// The JSON form: `{"nodes": [{"index": i, …registration…}, …]}`.
    pub fn to_json(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|n| {
                let mut v = n.registration.to_json();
                v["index"] = n.index.into();
                v
            })
            .collect();
        serde_json::json!({ "nodes": nodes })
    }

    /// Parses the JSON form, checking every registration and that indices are 0, 1, ….
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let nodes = value["nodes"].as_array().ok_or("nodes: expected an array")?;
        let mut out = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            let mut node = node.clone();
            let index = node
                .as_object_mut()
                .and_then(|o| o.remove("index"))
                .and_then(|v| v.as_u64())
                .ok_or_else(|| format!("nodes[{i}].index: missing or not a number"))?;
            if index != i as u64 {
                return Err(format!("nodes[{i}].index: {index}, expected {i}"));
            }
            let registration =
                Registration::from_json(&node).map_err(|e| format!("nodes[{i}].{e}"))?;
            out.push(RegisteredNode { index: i, registration });
        }
        Ok(PeerList { nodes: out })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use doppio_keys::SchnorrSigningKey;

    use super::*;

    pub(crate) fn registration(seed: u8) -> Registration {
        let staking = BlsSecretKey::from_ikm(&[seed; 32]);
        let state = SchnorrSigningKey::from_seed(&[seed; 32]).unwrap().ver_key();
        let address = format!("/ip4/127.0.0.1/udp/{}/quic-v1", 1000 + u16::from(seed));
        let url = format!("http://127.0.0.1:{}/", 24000 + u16::from(seed));
        Registration::new(
            &staking,
            state,
            address.parse().unwrap(),
            10,
            seed.is_multiple_of(2),
            url.parse().unwrap(),
        )
    }

    #[test]
    fn json_round_trip() {
        let reg = registration(1);
        assert_eq!(Registration::from_json(&reg.to_json()).unwrap(), reg);
        let list = PeerList {
            nodes: vec![
                RegisteredNode { index: 0, registration: reg.clone() },
                RegisteredNode { index: 1, registration: registration(2) },
            ],
        };
        assert_eq!(PeerList::from_json(&list.to_json()).unwrap(), list);
        assert_eq!(list.members().len(), 2);
        assert_eq!(list.bootstrap_nodes().unwrap()[0].peer(), Some(reg.peer_id));
        assert_eq!(list.stake_table_entries()[1].stake, 10);
    }

    #[test]
    fn errors_name_the_field() {
        let good = registration(3).to_json();
        let other = registration(4);
        let cases: [(&str, Value, &str); 9] = [
            ("peer_id", "nope".into(), "peer_id"),
            ("libp2p_address", "/ip4/1.2.3.4/tcp/1".into(), "libp2p_address"),
            ("staking_key", "BLS_VER_KEY~x".into(), "staking_key"),
            (
                "proof_of_possession",
                other.proof_of_possession.to_string().into(),
                "does not verify",
            ),
            ("state_key", 5.into(), "state_key"),
            ("stake", 0.into(), "stake"),
            ("stake", "-1".into(), "stake"),
            ("da", "yes".into(), "da"),
            ("api_url", "ftp://x".into(), "api_url"),
        ];
        for (name, value, expect) in cases {
            let mut v = good.clone();
            v[name] = value;
            let err = Registration::from_json(&v).unwrap_err();
            assert!(err.contains(expect), "{name}: {err}");
        }
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove("da");
        assert!(Registration::from_json(&v).unwrap_err().contains("missing field `da`"));
        let mut v = good;
        v["extra"] = 1.into();
        assert!(Registration::from_json(&v).unwrap_err().contains("unknown field `extra`"));
        let wrong_peer = format!("/ip4/1.2.3.4/udp/1/quic-v1/p2p/{}", other.peer_id);
        let mut v = registration(3).to_json();
        v["libp2p_address"] = wrong_peer.into();
        assert!(Registration::from_json(&v).unwrap_err().contains("names another peer"));
    }
}
