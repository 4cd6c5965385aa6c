//! Helpers shared by the node's integration tests: a node on loopback with SQLite in a
//! temporary folder, and an HTTP client.
#![allow(dead_code, missing_docs, unreachable_pub)]

use std::{path::Path, time::Duration};

use doppio_accel::AccelConfig;
use doppio_keys::{KeyArgs, NodeKeys, Scheme, keygen::derive_keys};
use doppio_sequencer::{
    api::Modules,
    cli::{HttpArgs, Launch, NodeArgs},
    run::{self, RunningNode},
};
use doppio_storage::StorageConfig;

/// Genesis of the tests: small blocks, 1 wei per byte, one funded builder.
pub const GENESIS: &str = r#"
[chain_config]
chain_id = 35353
base_fee = '1 wei'
max_block_size = '10kb'
fee_recipient = '0x0000000000000000000000000000000000000fee'

[header]
timestamp = "2024-06-01T00:00:00Z"

[stake_table]
capacity = 10

[accounts]
"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266" = '1 eth'
"#;

/// The funded builder account of [`GENESIS`].
pub const BUILDER: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

pub fn keys(seed: u8) -> NodeKeys {
    let k = derive_keys(&[seed; 32], 0, Scheme::All).unwrap();
    NodeKeys { staking: k.staking.unwrap(), state: k.state.unwrap() }
}

/// Options of a fast test node: blocks every 100 ms, small VID.
pub fn node_args(genesis_file: &Path) -> NodeArgs {
    NodeArgs {
        genesis_file: genesis_file.to_owned(),
        keys: KeyArgs::default(),
        builder_account: None,
        block_interval: Duration::from_millis(100),
        srs_path: None,
        mempool_max_transactions: 1000,
        mempool_max_bytes: 1 << 20,
        accel: AccelConfig::cpu(0),
        state_signer: Default::default(),
        l1: doppio_l1::L1Args::default(),
        fee_contract_address: None,
    }
}

/// Writes [`GENESIS`] (or `text`) into `dir` and returns its path.
pub fn write_genesis(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("genesis.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A launch with SQLite in `dir`, every module, the API on a free port.
pub fn launch(dir: &Path, node: NodeArgs) -> Launch {
    Launch {
        node,
        http: Some(HttpArgs { port: 0, max_connections: 64 }),
        storage: StorageConfig::Sqlite { path: dir.join("db") },
        pruning: None,
        modules: Modules::all(),
        cluster: None,
    }
}

pub async fn start(launch: &Launch, seed: u8) -> (RunningNode, String) {
    let running = run::start(launch, keys(seed), vec![]).await.unwrap();
    let url = format!("http://127.0.0.1:{}", running.api.unwrap().port());
    (running, url)
}

/// Polls `url` until it answers 200 with a JSON value `ok` accepts, or panics after 30 s.
pub async fn wait_for<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    ok: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(resp) = client.get(url).send().await
            && resp.status().is_success()
            && let Ok(v) = resp.json::<T>().await
            && ok(&v)
        {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Spawns a node binary (`sequencer`, `dev-node`) set up in `cmd`, killed when the
/// returned handle drops, and reads the API URL from the first line it prints
/// (`…: API at http://HOST:PORT/v0/…`), as `http://127.0.0.1:PORT`.
pub async fn spawn_node(cmd: &mut tokio::process::Command) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the node");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the node prints its API address")
        .unwrap()
        .expect("the node prints its API address");
    let address = line.split("API at http://").nth(1).and_then(|a| a.split('/').next());
    let port = address
        .and_then(|a| a.rsplit(':').next())
        .unwrap_or_else(|| panic!("no API address in {line:?}"));
    (child, format!("http://127.0.0.1:{port}"))
}

pub mod net;
