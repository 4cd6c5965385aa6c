//! Test chains built from real types, and the harness that runs one test body against
//! SQLite and against Postgres.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::OnceLock;

use doppio_accel::Accel;
use doppio_keys::{
    BlsSecretKey, QuorumCertificate, SchnorrSigningKey, StakeTable, StakeTableEntry, Threshold,
    Vote, VoteAccumulator, VoteData,
};
use doppio_kzg::Srs;
use doppio_storage::{BlockData, PostgresOptions, StorageConfig};
use doppio_types::{Header, Leaf, LeafQueryData, NamespaceId, Payload, Transaction};
use doppio_vid::{Vid, VidParams};
use sqlx::{AssertSqlSafe, Connection};

/// Header timestamp of block 0; block `h` is `h` hours later.
pub const BASE_TIME: u64 = 1_700_000_000;
pub const HOUR: u64 = 3600;
/// Blocks in the test chain.
pub const CHAIN_LEN: u64 = 8;

/// The transactions of block `h`: blocks 0 and 3 are empty, the others hold a few in two
/// namespaces, and one transaction appears in blocks 2 and 5.
pub fn transactions(h: u64) -> Vec<Transaction> {
    if h == 0 || h == 3 {
        return Vec::new();
    }
    let mut txs: Vec<Transaction> = (0..h)
        .map(|i| Transaction::new(NamespaceId(10 + (i % 2) as u32), vec![h as u8, i as u8, 7]))
        .collect();
    if h == 2 || h == 5 {
        txs.push(duplicate_tx());
    }
    txs
}

/// The transaction stored in both block 2 and block 5.
pub fn duplicate_tx() -> Transaction {
    Transaction::new(NamespaceId(99), b"twice".to_vec())
}

/// A QC over `data` from a one-member committee.
fn certify(data: VoteData) -> QuorumCertificate {
    let accel = Accel::cpu().unwrap();
    let sk = BlsSecretKey::from_ikm(&[7; 32]);
    let state = SchnorrSigningKey::from_seed(&[8; 32]).unwrap().ver_key();
    let table = StakeTable::new(vec![StakeTableEntry::new(&sk, 1, state)], &accel).unwrap();
    let mut acc = VoteAccumulator::new(&table, data, Threshold::new(2, 3).unwrap(), accel);
    acc.add(&Vote::new(&sk, data)).unwrap().certificate.expect("one member is a quorum")
}

fn vid() -> &'static Vid {
    static VID: OnceLock<Vid> = OnceLock::new();
    VID.get_or_init(|| {
        let srs = Srs::insecure_dev(16, 5);
        Vid::new(VidParams::new(4, 2).unwrap(), &srs, Accel::cpu().unwrap()).unwrap()
    })
}

/// Block `h` holding `txs`, child of `parent` (genesis when `None`), with a real VID
/// dispersal and real certificates.
pub fn make_block(h: u64, txs: &[Transaction], parent: Option<&BlockData>) -> BlockData {
    let payload = Payload::from_transactions(txs).unwrap();
    let d = vid().disperse(payload.bytes()).unwrap();
    let header = Header {
        chain_config: Default::default(),
        height: h,
        timestamp: BASE_TIME + h * HOUR,
        l1_head: h,
        l1_finalized: None,
        payload_commitment: d.commitment,
        ns_table: payload.ns_table().bytes().to_vec(),
        block_merkle_tree_root: Default::default(),
        fee_merkle_tree_root: Default::default(),
        fee_info: Default::default(),
    };
    let leaf = match parent {
        None => Leaf::genesis(header),
        Some(parent) => Leaf {
            view_number: h * 2,
            parent_commitment: parent.leaf.hash(),
            block_header: header,
            justify_qc: Some(parent.leaf.qc.clone()),
        },
    };
    let qc = certify(leaf.vote_data());
    BlockData {
        leaf: LeafQueryData::new(leaf, qc).unwrap(),
        payload: Some(payload),
        vid_common: d.common,
        vid_share: Some(d.shares[1].clone()),
    }
}

fn build_chain() -> Vec<BlockData> {
    let mut out: Vec<BlockData> = Vec::new();
    for h in 0..CHAIN_LEN {
        let block = make_block(h, &transactions(h), out.last());
        out.push(block);
    }
    out
}

/// The test chain, built once per test binary.
pub fn chain() -> &'static [BlockData] {
    static CHAIN: OnceLock<Vec<BlockData>> = OnceLock::new();
    CHAIN.get_or_init(build_chain)
}

/// The node-state blob stored with block `h`.
pub fn state(h: u64) -> Vec<u8> {
    format!("state after block {h}").into_bytes()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `body` against a fresh store of `backend`: a temporary folder for SQLite, a
/// database of its own (dropped afterwards) for Postgres.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(StorageConfig) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let cfg = StorageConfig::Sqlite { path: dir.path().join("data") };
            body(cfg).await;
        }
        Backend::Postgres => {
            let Some(admin_uri) = postgres_uri() else { return };
            let name = format!("doppio_test_{:016x}", rand::random::<u64>());
            admin(&admin_uri, &format!("CREATE DATABASE {name}")).await;
            let opts = PostgresOptions {
                uri: Some(with_database(&admin_uri, &name)),
                max_connections: 4,
                ..Default::default()
            };
            // A panicking body still lets the database be dropped.
            let outcome = tokio::spawn(body(StorageConfig::Postgres(opts))).await;
            admin(&admin_uri, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

/// `DOPPIO_TEST_POSTGRES_URI`, or `None` after a skip line (a panic when
/// `DOPPIO_REQUIRE_POSTGRES=1`).
fn postgres_uri() -> Option<String> {
    match std::env::var("DOPPIO_TEST_POSTGRES_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ if std::env::var("DOPPIO_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("DOPPIO_REQUIRE_POSTGRES=1 but DOPPIO_TEST_POSTGRES_URI is not set")
        }
        _ => {
            // Straight to stderr: the test harness hides eprintln! output of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: Postgres storage test (set DOPPIO_TEST_POSTGRES_URI, e.g. with \
                 `export \"$(scripts/postgres.sh)\"`)"
            );
            None
        }
    }
}

/// `uri` with its database replaced by `database`.
fn with_database(uri: &str, database: &str) -> String {
    let (base, query) = match uri.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (uri, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URI");
    let authority = rest.split('/').next().unwrap();
    format!("{scheme}://{authority}/{database}{query}")
}

async fn admin(uri: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(uri).await.expect("connect to the test server");
    sqlx::query(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect(sql);
}

/// Runs raw SQL on the store behind `cfg`, bypassing the library (to corrupt rows or
/// plant failures).
pub async fn raw_sql(cfg: &StorageConfig, sql: &str) {
    match cfg {
        StorageConfig::Sqlite { path } => {
            let file: PathBuf = path.join(doppio_storage::SQLITE_FILE);
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect(sql);
        }
        StorageConfig::Postgres(o) => {
            let mut conn = sqlx::PgConnection::connect(o.uri.as_deref().unwrap()).await.unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect(sql);
        }
    }
}

/// Declares each test body once per backend: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run($crate::common::Backend::Sqlite, super::$name).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run($crate::common::Backend::Postgres, super::$name).await
                }
            )*
        }
    };
}

/// The same Postgres store as `cfg`, named by host, port, database, user and password
/// instead of a URI (`postgres://user:password@host:port/database` URIs only).
pub fn by_fields(cfg: &StorageConfig) -> Option<StorageConfig> {
    let StorageConfig::Postgres(o) = cfg else { return None };
    let uri = o.uri.as_deref()?;
    let rest = uri.split_once("://")?.1.split('?').next()?;
    let (auth, rest) = rest.rsplit_once('@')?;
    let (user, password) = auth.split_once(':')?;
    let (hostport, database) = rest.split_once('/')?;
    let (host, port) = hostport.split_once(':')?;
    Some(StorageConfig::Postgres(PostgresOptions {
        uri: None,
        host: host.into(),
        port: port.parse().ok()?,
        database: database.into(),
        user: user.into(),
        password: Some(password.into()),
        use_tls: false,
        max_connections: 2,
    }))
}
