//! The network config file: the orchestrator's peer list (`{"nodes": [{"index": i,
//! …registration…}, …]}`) kept on disk. A node given one joins from it without an
//! orchestrator (a static configuration); a node that joined through the orchestrator
//! writes it, so a restart needs no orchestrator either. `network-config` makes one
//! without any orchestrator: each operator prints their node's registration, and the
//! registrations are assembled in stake-table order.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use serde_json::Value;

use super::{PeerList, RegisteredNode, Registration};

/// Why a network config file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NetworkFileError {
    /// The file cannot be read or written.
    #[error("network config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// It is not JSON.
    #[error("network config file {path}: not JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The error.
        source: serde_json::Error,
    },
    /// A node entry is wrong (the message names the field).
    #[error("network config file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NetworkFileError + '_ {
    move |source| NetworkFileError::Io { path: path.to_owned(), source }
}

fn invalid(path: &Path, message: String) -> NetworkFileError {
    NetworkFileError::Invalid { path: path.to_owned(), message }
}

/// Reads and checks a network config file: every registration verifies, indices run 0,
/// 1, …, and no staking key, state key or peer id appears twice.
pub fn read(path: &Path) -> Result<PeerList, NetworkFileError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|source| NetworkFileError::Json { path: path.to_owned(), source })?;
    let list = PeerList::from_json(&value).map_err(|m| invalid(path, m))?;
    check_distinct(&list).map_err(|m| invalid(path, m))?;
    if list.nodes.is_empty() {
        return Err(invalid(path, "nodes: the list is empty".into()));
    }
    Ok(list)
}

/// Writes `list` to `path` (a temporary file renamed over it: a crash leaves the old
/// file or the new one, never half of one).
pub fn write(path: &Path, list: &PeerList) -> Result<(), NetworkFileError> {
    let text = serde_json::to_string_pretty(&list.to_json()).expect("JSON values serialise");
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The peer list of `registrations`, indexed in the order given; refuses a staking key,
/// state key or peer id that appears twice.
pub fn assemble(registrations: Vec<Registration>) -> Result<PeerList, String> {
    let nodes = registrations
        .into_iter()
        .enumerate()
        .map(|(index, registration)| RegisteredNode { index, registration })
        .collect();
    let list = PeerList { nodes };
    check_distinct(&list)?;
    Ok(list)
}

fn check_distinct(list: &PeerList) -> Result<(), String> {
    let (mut staking, mut state, mut peers) = (HashSet::new(), HashSet::new(), HashSet::new());
    for n in &list.nodes {
        let r = &n.registration;
        let i = n.index;
        if !staking.insert(r.staking_key.to_string()) {
            return Err(format!("nodes[{i}].staking_key: {} appears twice", r.staking_key));
        }
        if !state.insert(r.state_key.to_string()) {
            return Err(format!("nodes[{i}].state_key: {} appears twice", r.state_key));
        }
        if !peers.insert(r.peer_id) {
            return Err(format!("nodes[{i}].peer_id: {} appears twice", r.peer_id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{super::tests::registration, *};

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.json");
        let list = assemble(vec![registration(1), registration(2), registration(3)]).unwrap();
        write(&path, &list).unwrap();
        assert_eq!(read(&path).unwrap(), list);

        let err = assemble(vec![registration(1), registration(1)]).unwrap_err();
        assert!(err.contains("nodes[1].staking_key") && err.contains("appears twice"), "{err}");

        let mut value = list.to_json();
        value["nodes"][1]["stake"] = "0".into();
        std::fs::write(&path, value.to_string()).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("network.json") && err.contains("nodes[1].stake"), "{err}");

        std::fs::write(&path, "{\"nodes\": [").unwrap();
        assert!(matches!(read(&path), Err(NetworkFileError::Json { .. })));
        std::fs::write(&path, "{\"nodes\": []}").unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("empty"));
        let missing = dir.path().join("absent.json");
        assert!(matches!(read(&missing), Err(NetworkFileError::Io { .. })));
    }
}
