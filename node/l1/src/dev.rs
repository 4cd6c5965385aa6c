//! Anvil (the npm `@foundry-rs/anvil` binary) as the dev L1: started on a free loopback
//! port, stopped when dropped; it can be taken down and brought back on the same port
//! with its chain intact, to test what rides out an L1 outage.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Bytes, U256},
    providers::{Provider, RootProvider},
    transports::http::reqwest::Url,
};

/// Private keys of anvil's first two funded accounts (its public test mnemonic).
pub const DEV_KEYS: [&str; 2] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
];

/// Anvil's depth of finality: its `finalized` block is the head minus this.
pub const ANVIL_FINALITY_DEPTH: u64 = 64;

/// Client timings for tests on a dev L1 on loopback: polls every 100 ms, retries after
/// 50 ms, so that tests see new blocks and ride out outages in a fraction of a second.
pub fn fast_options() -> crate::L1Options {
    crate::L1Options {
        events_max_block_range: 1000,
        polling_interval: Duration::from_millis(100),
        retry_delay: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
    }
}

/// How long anvil may take to answer after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the dev L1 could not be started or used.
#[derive(Debug, thiserror::Error)]
pub enum DevL1Error {
    /// No anvil binary where it was looked for.
    #[error("no anvil at {0} (run scripts/foundry.sh or set DOPPIO_ANVIL)")]
    NoAnvil(PathBuf),
    /// The process could not be spawned or reaped.
    #[error("anvil at {path}: {source}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// It did not answer JSON-RPC in time.
    #[error("anvil on port {port} did not answer within {START_TIMEOUT:?}")]
    NotReady {
        /// Its port.
        port: u16,
    },
    /// An `anvil_*` request failed.
    #[error("anvil {method}: {reason}")]
    Rpc {
        /// The method.
        method: &'static str,
        /// The error.
        reason: String,
    },
    /// The dev L1 is stopped.
    #[error("the dev L1 is stopped")]
    Stopped,
}

/// The anvil binary: `DOPPIO_ANVIL`, else where `scripts/foundry.sh` installs it.
pub fn anvil_binary() -> Result<PathBuf, DevL1Error> {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/foundry/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    let path = std::env::var_os("DOPPIO_ANVIL").map(PathBuf::from).unwrap_or(installed);
    if path.is_file() { Ok(path) } else { Err(DevL1Error::NoAnvil(path)) }
}

/// For tests: the anvil binary, or `None` after printing `SKIPPED: <what>`; with
/// `DOPPIO_REQUIRE_ANVIL=1` (CI) a missing anvil panics instead of skipping.
pub fn anvil_for_tests(what: &str) -> Option<PathBuf> {
    match anvil_binary() {
        Ok(path) => Some(path),
        Err(e) if std::env::var("DOPPIO_REQUIRE_ANVIL").as_deref() == Ok("1") => {
            panic!("DOPPIO_REQUIRE_ANVIL=1 but {e}")
        }
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: {what} ({e})");
            None
        }
    }
}

/// A running anvil on `127.0.0.1`, killed on drop.
#[derive(Debug)]
pub struct DevL1 {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl DevL1 {
    /// Starts anvil from [`anvil_binary`] on a free loopback port.
    pub async fn start() -> Result<Self, DevL1Error> {
        Self::start_with(anvil_binary()?).await
    }

    /// Starts `binary` on a free loopback port and waits until it answers.
    pub async fn start_with(binary: PathBuf) -> Result<Self, DevL1Error> {
        let port =
            free_port().map_err(|source| DevL1Error::Spawn { path: binary.clone(), source })?;
        let mut l1 = DevL1 { binary, port, child: None };
        l1.spawn().await?;
        Ok(l1)
    }

    async fn spawn(&mut self) -> Result<(), DevL1Error> {
        let child = Command::new(&self.binary)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| DevL1Error::Spawn { path: self.binary.clone(), source })?;
        self.child = Some(child);
        let provider = self.provider();
        let deadline = Instant::now() + START_TIMEOUT;
        while provider.get_chain_id().await.is_err() {
            if Instant::now() > deadline {
                self.kill();
                return Err(DevL1Error::NotReady { port: self.port });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Its JSON-RPC URL.
    pub fn url(&self) -> Url {
        format!("http://127.0.0.1:{}", self.port).parse().expect("a valid URL")
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A provider without a wallet.
    pub fn provider(&self) -> RootProvider {
        RootProvider::new_http(self.url())
    }

    /// Mines `blocks` empty blocks at once (`anvil_mine`).
    pub async fn mine(&self, blocks: u64) -> Result<(), DevL1Error> {
        self.rpc::<_, serde_json::Value>("anvil_mine", (U256::from(blocks),)).await.map(|_| ())
    }

    /// Takes the L1 down: its chain is dumped (`anvil_dumpState`), then the process is
    /// killed. [`Self::resume`] brings it back on the same port.
    pub async fn pause(&mut self) -> Result<Bytes, DevL1Error> {
        if self.child.is_none() {
            return Err(DevL1Error::Stopped);
        }
        let state: Bytes = self.rpc("anvil_dumpState", ()).await?;
        self.kill();
        Ok(state)
    }

    /// Brings the L1 back on the same port with the chain `state` from [`Self::pause`].
    pub async fn resume(&mut self, state: Bytes) -> Result<(), DevL1Error> {
        self.spawn().await?;
        let loaded: bool = self.rpc("anvil_loadState", (state,)).await?;
        if !loaded {
            return Err(DevL1Error::Rpc { method: "anvil_loadState", reason: "refused".into() });
        }
        Ok(())
    }

    async fn rpc<P, R>(&self, method: &'static str, params: P) -> Result<R, DevL1Error>
    where
        P: serde::Serialize,
        R: serde::de::DeserializeOwned,
    {
        if self.child.is_none() {
            return Err(DevL1Error::Stopped);
        }
        let fail = |reason: String| DevL1Error::Rpc { method, reason };
        let params = serde_json::to_value(params).map_err(|e| fail(e.to_string()))?;
        let answer: serde_json::Value = self
            .provider()
            .raw_request(method.into(), params)
            .await
            .map_err(|e| fail(e.to_string()))?;
        serde_json::from_value(answer).map_err(|e| fail(e.to_string()))
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DevL1 {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on now (the OS's choice for port 0).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
