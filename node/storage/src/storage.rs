//! The store: opening a backend, appending decided blocks, and reading them back.

use std::str::FromStr;
use std::time::Duration;

use doppio_types::{
    Header, HeaderCommitment, LeafCommitment, LeafQueryData, Payload, Transaction, TxCommitment,
};
use doppio_vid::{VidCommitment, VidCommon, VidShare};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Decode, Postgres, SqlSafeStr, Sqlite, Type};

use crate::config::{PostgresOptions, SQLITE_FILE, StorageConfig};
use crate::db::{Arg, Pool, Row};
use crate::error::StorageError;

/// How a block is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    /// By height.
    Height(u64),
    /// By header commitment.
    Hash(HeaderCommitment),
    /// By payload (VID) commitment; the lowest height with that payload.
    PayloadHash(VidCommitment),
}

/// How a leaf is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafId {
    /// By height.
    Height(u64),
    /// By leaf commitment.
    Hash(LeafCommitment),
}

/// Everything decided at one height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockData {
    /// The leaf with its QC.
    pub leaf: LeafQueryData,
    /// The payload, on nodes that keep it (DA and archival nodes).
    pub payload: Option<Payload>,
    /// The VID common data.
    pub vid_common: VidCommon,
    /// This node's VID share, if it has one.
    pub vid_share: Option<VidShare>,
}

/// A transaction in its block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionRecord {
    /// Block height.
    pub height: u64,
    /// Position in the block (namespace by namespace, as `Payload::transactions`).
    pub index: u64,
    /// The block's header commitment.
    pub block_hash: HeaderCommitment,
    /// The transaction's commitment.
    pub hash: TxCommitment,
    /// The transaction.
    pub transaction: Transaction,
}

/// Decided blocks and node state in SQLite or Postgres. Cheap to clone: clones share one
/// connection pool.
#[derive(Clone, Debug)]
pub struct Storage {
    pool: Pool,
}

/// How long an SQLite connection waits for another writer's lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite connections in the pool (one writer at a time; the rest read under WAL).
const SQLITE_MAX_CONNECTIONS: u32 = 5;

fn migrator(backend: &str) -> Migrator {
    let sql = match backend {
        "sqlite" => [
            include_str!("../migrations/sqlite/0001_blocks.sql"),
            include_str!("../migrations/sqlite/0002_consensus_state.sql"),
        ],
        _ => [
            include_str!("../migrations/postgres/0001_blocks.sql"),
            include_str!("../migrations/postgres/0002_consensus_state.sql"),
        ],
    };
    let names = ["blocks", "consensus_state"];
    let migrations = (1..).zip(names).zip(sql).map(|((version, name), sql)| {
        Migration::new(version, name.into(), MigrationType::Simple, sql.into_sql_str(), false)
    });
    Migrator::with_migrations(migrations.collect())
}

fn postgres_options(o: &PostgresOptions) -> Result<PgConnectOptions, StorageError> {
    let mut opts = match &o.uri {
        Some(uri) => PgConnectOptions::from_str(uri)
            .map_err(|e| StorageError::Config(format!("postgres: invalid --uri: {e}")))?,
        None => PgConnectOptions::new_without_pgpass()
            .host(&o.host)
            .port(o.port)
            .database(&o.database)
            .username(&o.user)
            .ssl_mode(PgSslMode::Disable),
    };
    if let Some(password) = &o.password {
        opts = opts.password(password);
    }
    if o.use_tls {
        opts = opts.ssl_mode(PgSslMode::Require);
    }
    Ok(opts)
}

/// A height as the databases store it (`BIGINT` is signed); `None` past `i64::MAX`, which
/// no stored height reaches.
pub(crate) fn db_height(h: u64) -> Option<i64> {
    i64::try_from(h).ok()
}

/// Decodes column `i` of `row`, naming the row if that fails.
pub(crate) fn col<T>(row: &Row, i: usize, what: &dyn Fn() -> String) -> Result<T, StorageError>
where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>,
{
    row.get(i).map_err(|e| StorageError::corrupt(what(), e))
}

/// Decodes a non-negative integer column.
pub(crate) fn col_u64(row: &Row, i: usize, what: &dyn Fn() -> String) -> Result<u64, StorageError> {
    let v: i64 = col(row, i, what)?;
    u64::try_from(v).map_err(|_| StorageError::corrupt(what(), format!("negative value {v}")))
}

fn decode_leaf(bytes: &[u8], height: u64) -> Result<LeafQueryData, StorageError> {
    let what = || format!("leaf at height {height}");
    let leaf: LeafQueryData =
        serde_json::from_slice(bytes).map_err(|e| StorageError::corrupt(what(), e))?;
    if leaf.height() != height {
        return Err(StorageError::corrupt(what(), format!("it holds height {}", leaf.height())));
    }
    Ok(leaf)
}

/// SELECTs of `height` and `$cols` from the block named by a [`BlockId`], one per kind.
macro_rules! by_block_id {
    ($cols:literal) => {
        [
            concat!("SELECT height, ", $cols, " FROM blocks WHERE height = $1"),
            concat!("SELECT height, ", $cols, " FROM blocks WHERE block_hash = $1"),
            concat!(
                "SELECT height, ",
                $cols,
                " FROM blocks WHERE payload_hash = $1 ORDER BY height LIMIT 1"
            ),
        ]
    };
}

/// SELECT of `height` and `$cols` for a range of heights.
macro_rules! in_range {
    ($cols:literal) => {
        concat!(
            "SELECT height, ",
            $cols,
            " FROM blocks WHERE height >= $1 AND height < $2 ORDER BY height"
        )
    };
}

impl Storage {
    /// Opens the store described by `cfg`, creating the SQLite folder and database if
    /// needed, and brings the schema up to date.
    pub async fn open(cfg: &StorageConfig) -> Result<Storage, StorageError> {
        let pool = match cfg {
            StorageConfig::Sqlite { path } => {
                std::fs::create_dir_all(path).map_err(|e| {
                    StorageError::Config(format!(
                        "sqlite: cannot create the storage folder {}: {e}",
                        path.display()
                    ))
                })?;
                let opts = SqliteConnectOptions::new()
                    .filename(path.join(SQLITE_FILE))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(SQLITE_MAX_CONNECTIONS)
                    .connect_with(opts)
                    .await?;
                Pool::Sqlite(pool)
            }
            StorageConfig::Postgres(o) => {
                if o.max_connections == 0 {
                    return Err(StorageError::Config(
                        "postgres: max connections must be at least 1, got 0".into(),
                    ));
                }
                let pool = PgPoolOptions::new()
                    .max_connections(o.max_connections)
                    .connect_with(postgres_options(o)?)
                    .await?;
                Pool::Postgres(pool)
            }
        };
        let migrator = migrator(pool.backend());
        match &pool {
            Pool::Sqlite(p) => migrator.run(p).await?,
            Pool::Postgres(p) => migrator.run(p).await?,
        }
        tracing::info!(backend = pool.backend(), "storage open");
        Ok(Storage { pool })
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.pool.backend()
    }

    /// Stores a decided block and the node-state blob for its height in one database
    /// transaction: after a crash, either both are there or neither.
    ///
    /// Heights are consecutive from the first block stored (which may have any height).
    /// Storing the identical block again is a no-op, so a block can be replayed after a
    /// crash; a different block at a stored height is [`StorageError::Conflict`].
    pub async fn append_decided(
        &self,
        block: &BlockData,
        state: &[u8],
    ) -> Result<(), StorageError> {
        let height = block.leaf.height();
        let h = db_height(height).ok_or_else(|| {
            StorageError::Config(format!("height {height} exceeds the database's range"))
        })?;
        let row = BlockRow::new(block)?;
        let mut tx = self.pool.begin().await?;
        let max = tx.fetch_optional("SELECT MAX(height) FROM blocks", &[]).await?;
        let max: Option<i64> = match &max {
            Some(r) => col(r, 0, &|| "block height".into())?,
            None => None,
        };
        if let Some(max) = max {
            if h <= max {
                drop(tx);
                return self.check_same(height, &row).await;
            }
            if h != max + 1 {
                return Err(StorageError::OutOfOrder { expected: max as u64 + 1, got: height });
            }
        }
        tx.execute(
            "INSERT INTO blocks (height, leaf_hash, block_hash, payload_hash, timestamp, \
             num_transactions, payload_size, leaf, payload, ns_table, vid_common, vid_share) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &row.args(h),
        )
        .await?;
        let indexed: Vec<_> = row.txs.iter().enumerate().collect();
        let mut chunks = indexed.chunks_exact(TX_CHUNK);
        for chunk in &mut chunks {
            tx.execute(tx_chunk_sql(), &tx_args(h, chunk)).await?;
        }
        for one in chunks.remainder().chunks(1) {
            let sql =
                "INSERT INTO transactions (hash, height, idx, namespace) VALUES ($1, $2, $3, $4)";
            tx.execute(sql, &tx_args(h, one)).await?;
        }
        tx.execute(
            "INSERT INTO node_state (id, height, data) VALUES (0, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET height = excluded.height, data = excluded.data",
            &[Arg::Int(h), Arg::Bytes(state)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-appending at a stored height: fine if it is the same block.
    async fn check_same(&self, height: u64, new: &BlockRow) -> Result<(), StorageError> {
        let h = db_height(height).unwrap_or(i64::MAX);
        let sql =
            "SELECT leaf, payload, ns_table, vid_common, vid_share FROM blocks WHERE height = $1";
        let Some(row) = self.pool.fetch_optional(sql, &[Arg::Int(h)]).await? else {
            // Below the first stored height: pruned, or before the first block stored.
            return Err(match self.pruned_height().await? {
                Some(p) if height <= p => StorageError::Pruned { height, oldest: p + 1 },
                _ => StorageError::OutOfOrder { expected: self.block_height().await?, got: height },
            });
        };
        let what = || format!("block at height {height}");
        let stored = (
            col::<Vec<u8>>(&row, 0, &what)?,
            col::<Option<Vec<u8>>>(&row, 1, &what)?,
            col::<Option<Vec<u8>>>(&row, 2, &what)?,
            col::<Vec<u8>>(&row, 3, &what)?,
            col::<Option<Vec<u8>>>(&row, 4, &what)?,
        );
        let same = stored.0 == new.leaf
            && stored.1.as_deref() == new.payload.as_ref().map(|p| p.bytes())
            && stored.2.as_deref() == new.payload.as_ref().map(|p| p.ns_table().bytes())
            && stored.3 == new.vid_common
            && stored.4 == new.vid_share;
        if same { Ok(()) } else { Err(StorageError::Conflict { height }) }
    }

    /// The state blob stored with the highest block, and that block's height.
    pub async fn latest_state(&self) -> Result<Option<(u64, Vec<u8>)>, StorageError> {
        let row = self.pool.fetch_optional("SELECT height, data FROM node_state", &[]).await?;
        let Some(row) = row else { return Ok(None) };
        let what = || "node state".to_string();
        Ok(Some((col_u64(&row, 0, &what)?, col(&row, 1, &what)?)))
    }

    /// Replaces the consensus safety state (opaque bytes: the consensus crate's encoding).
    /// Durable when this returns (SQLite runs with `synchronous=FULL`, Postgres commits),
    /// so a vote the state records may leave the node afterwards.
    pub async fn save_consensus_state(&self, data: &[u8]) -> Result<(), StorageError> {
        let sql = "INSERT INTO consensus_state (id, data) VALUES (0, $1) \
                   ON CONFLICT (id) DO UPDATE SET data = excluded.data";
        let mut tx = self.pool.begin().await?;
        tx.execute(sql, &[Arg::Bytes(data)]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The consensus safety state last saved, if any.
    pub async fn consensus_state(&self) -> Result<Option<Vec<u8>>, StorageError> {
        let row = self.pool.fetch_optional("SELECT data FROM consensus_state", &[]).await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(col(&row, 0, &|| "consensus state".to_string())?))
    }

    /// The highest stored height plus one; 0 when nothing is stored.
    pub async fn block_height(&self) -> Result<u64, StorageError> {
        Ok(self.bounds().await?.map_or(0, |(_, max)| max + 1))
    }

    /// The lowest and highest stored heights.
    pub(crate) async fn bounds(&self) -> Result<Option<(u64, u64)>, StorageError> {
        let sql = "SELECT MIN(height), MAX(height) FROM blocks";
        let row = self.pool.fetch_optional(sql, &[]).await?;
        let Some(row) = row else { return Ok(None) };
        let what = || "block heights".to_string();
        let (min, max): (Option<i64>, Option<i64>) = (col(&row, 0, &what)?, col(&row, 1, &what)?);
        match (min, max) {
            (Some(min), Some(max)) if 0 <= min && min <= max => Ok(Some((min as u64, max as u64))),
            (None, None) => Ok(None),
            other => Err(StorageError::corrupt(what(), format!("bounds {other:?}"))),
        }
    }

    /// The highest pruned height, if anything was pruned.
    pub async fn pruned_height(&self) -> Result<Option<u64>, StorageError> {
        let row = self.pool.fetch_optional("SELECT height FROM pruned", &[]).await?;
        match row {
            Some(row) => Ok(Some(col_u64(&row, 0, &|| "pruned height".into())?)),
            None => Ok(None),
        }
    }

    /// The error for `what` at a `height` that has no row: pruned, or not there.
    async fn missing(&self, what: &str, height: u64) -> StorageError {
        let (pruned, block_height) = match (self.pruned_height().await, self.block_height().await) {
            (Ok(p), Ok(b)) => (p, b),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        match pruned {
            Some(p) if height <= p => StorageError::Pruned { height, oldest: p + 1 },
            _ => StorageError::not_found(format!(
                "{what} at height {height} (block height {block_height})"
            )),
        }
    }

    async fn missing_block(&self, what: &str, id: BlockId) -> StorageError {
        match id {
            BlockId::Height(h) => self.missing(what, h).await,
            BlockId::Hash(c) => StorageError::not_found(format!("{what} of block {c}")),
            BlockId::PayloadHash(c) => {
                StorageError::not_found(format!("{what} of a block with payload {c}"))
            }
        }
    }

    /// The row of the block `id` from one of the `sql` variants of [`by_block_id`].
    async fn block_row(
        &self,
        what: &str,
        id: BlockId,
        sql: [&'static str; 3],
    ) -> Result<(u64, Row), StorageError> {
        let row = match id {
            BlockId::Height(h) => match db_height(h) {
                Some(h) => self.pool.fetch_optional(sql[0], &[Arg::Int(h)]).await?,
                None => None,
            },
            BlockId::Hash(c) => self.pool.fetch_optional(sql[1], &[Arg::Bytes(&c.0)]).await?,
            BlockId::PayloadHash(c) => {
                self.pool.fetch_optional(sql[2], &[Arg::Bytes(&c.0)]).await?
            }
        };
        let Some(row) = row else { return Err(self.missing_block(what, id).await) };
        let height = col_u64(&row, 0, &|| format!("{what} ({id:?})"))?;
        Ok((height, row))
    }

    /// Checks that every height in `[from, until)` is stored; `Ok(false)` for an empty range.
    async fn check_range(&self, what: &str, from: u64, until: u64) -> Result<bool, StorageError> {
        if from >= until {
            return Ok(false);
        }
        let Some((min, max)) = self.bounds().await? else {
            return Err(self.missing(what, from).await);
        };
        if from < min {
            return Err(self.missing(what, from).await);
        }
        if until > max + 1 {
            return Err(self.missing(what, (max + 1).max(from)).await);
        }
        Ok(true)
    }

    /// Rows of `[from, until)` from an [`in_range`] query, checked complete first.
    async fn range_rows(
        &self,
        what: &str,
        from: u64,
        until: u64,
        sql: &'static str,
    ) -> Result<Vec<(u64, Row)>, StorageError> {
        if !self.check_range(what, from, until).await? {
            return Ok(Vec::new());
        }
        let args = [Arg::Int(from as i64), Arg::Int(until as i64)];
        let rows = self.pool.fetch_all(sql, &args).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (expected, row) in (from..).zip(rows) {
            let height = col_u64(&row, 0, &|| format!("{what} at height {expected}"))?;
            if height != expected {
                // Pruned between the two queries: report the first missing height.
                return Err(self.missing(what, expected).await);
            }
            out.push((height, row));
        }
        if out.len() as u64 != until - from {
            return Err(self.missing(what, from + out.len() as u64).await);
        }
        Ok(out)
    }

    /// A leaf with its QC.
    pub async fn leaf(&self, id: LeafId) -> Result<LeafQueryData, StorageError> {
        let (height, row) = match id {
            LeafId::Height(h) => {
                self.block_row("leaf", BlockId::Height(h), by_block_id!("leaf")).await?
            }
            LeafId::Hash(c) => {
                let sql = "SELECT height, leaf FROM blocks WHERE leaf_hash = $1";
                match self.pool.fetch_optional(sql, &[Arg::Bytes(&c.0)]).await? {
                    Some(row) => (col_u64(&row, 0, &|| format!("leaf {c}"))?, row),
                    None => return Err(StorageError::not_found(format!("leaf {c}"))),
                }
            }
        };
        decode_leaf(&col::<Vec<u8>>(&row, 1, &|| format!("leaf at height {height}"))?, height)
    }

    /// A block header.
    pub async fn header(&self, id: BlockId) -> Result<Header, StorageError> {
        let (height, row) = self.block_row("header", id, by_block_id!("leaf")).await?;
        let bytes: Vec<u8> = col(&row, 1, &|| format!("leaf at height {height}"))?;
        Ok(decode_leaf(&bytes, height)?.leaf.block_header)
    }

    /// A block payload.
    pub async fn payload(&self, id: BlockId) -> Result<Payload, StorageError> {
        let (height, row) =
            self.block_row("payload", id, by_block_id!("payload, ns_table")).await?;
        decode_payload(&row, 1, height)
    }

    /// The VID common data of a block.
    pub async fn vid_common(&self, id: BlockId) -> Result<VidCommon, StorageError> {
        let (height, row) = self.block_row("VID common", id, by_block_id!("vid_common")).await?;
        decode_vid_common(&row, height)
    }

    /// This node's VID share of a block.
    pub async fn vid_share(&self, id: BlockId) -> Result<VidShare, StorageError> {
        let (height, row) = self.block_row("VID share", id, by_block_id!("vid_share")).await?;
        let what = || format!("VID share at height {height}");
        let Some(bytes) = col::<Option<Vec<u8>>>(&row, 1, &what)? else {
            return Err(StorageError::not_found(format!("{} (not stored by this node)", what())));
        };
        VidShare::from_bytes(&bytes).map_err(|e| StorageError::corrupt(what(), e))
    }

    /// Leaves of heights `[from, until)`; an error if any is missing.
    pub async fn leaf_range(
        &self,
        from: u64,
        until: u64,
    ) -> Result<Vec<LeafQueryData>, StorageError> {
        let rows = self.range_rows("leaf", from, until, in_range!("leaf")).await?;
        rows.iter()
            .map(|(h, row)| {
                decode_leaf(&col::<Vec<u8>>(row, 1, &|| format!("leaf at height {h}"))?, *h)
            })
            .collect()
    }

    /// Headers of heights `[from, until)`; an error if any is missing.
    pub async fn header_range(&self, from: u64, until: u64) -> Result<Vec<Header>, StorageError> {
        Ok(self.leaf_range(from, until).await?.into_iter().map(|l| l.leaf.block_header).collect())
    }

    /// Payloads of heights `[from, until)`; an error if any is missing.
    pub async fn payload_range(&self, from: u64, until: u64) -> Result<Vec<Payload>, StorageError> {
        let rows = self.range_rows("payload", from, until, in_range!("payload, ns_table")).await?;
        rows.iter().map(|(h, row)| decode_payload(row, 1, *h)).collect()
    }

    /// VID common data of heights `[from, until)`; an error if any is missing.
    pub async fn vid_common_range(
        &self,
        from: u64,
        until: u64,
    ) -> Result<Vec<VidCommon>, StorageError> {
        let rows = self.range_rows("VID common", from, until, in_range!("vid_common")).await?;
        rows.iter().map(|(h, row)| decode_vid_common(row, *h)).collect()
    }

    /// The transaction at `index` in the block at `height`.
    pub async fn transaction(
        &self,
        height: u64,
        index: u64,
    ) -> Result<TransactionRecord, StorageError> {
        let what = format!("transaction {index} of the block");
        let (Some(h), Some(i)) = (db_height(height), db_height(index)) else {
            return Err(self.missing(&what, height).await);
        };
        let sql = "SELECT t.height, t.idx, t.hash, b.block_hash, b.payload, b.ns_table \
                   FROM transactions t JOIN blocks b ON b.height = t.height \
                   WHERE t.height = $1 AND t.idx = $2";
        match self.pool.fetch_optional(sql, &[Arg::Int(h), Arg::Int(i)]).await? {
            Some(row) => decode_transaction(&row),
            None => Err(self.missing(&what, height).await),
        }
    }

    /// The earliest stored occurrence of the transaction with commitment `hash`.
    pub async fn transaction_by_hash(
        &self,
        hash: TxCommitment,
    ) -> Result<TransactionRecord, StorageError> {
        let sql = "SELECT t.height, t.idx, t.hash, b.block_hash, b.payload, b.ns_table \
                   FROM transactions t JOIN blocks b ON b.height = t.height \
                   WHERE t.hash = $1 ORDER BY t.height, t.idx LIMIT 1";
        match self.pool.fetch_optional(sql, &[Arg::Bytes(&hash.0)]).await? {
            Some(row) => decode_transaction(&row),
            None => Err(StorageError::not_found(format!("transaction {hash}"))),
        }
    }

    /// Sums a per-block column over `[from, until)`, every height of which must be stored.
    async fn sum(
        &self,
        what: &str,
        from: u64,
        until: u64,
        sql: &'static str,
    ) -> Result<u64, StorageError> {
        if !self.check_range(what, from, until).await? {
            return Ok(0);
        }
        let args = [Arg::Int(from as i64), Arg::Int(until as i64)];
        let row = self.pool.fetch_optional(sql, &args).await?;
        match row {
            Some(row) => col_u64(&row, 0, &|| format!("{what} of heights {from}..{until}")),
            None => Ok(0),
        }
    }

    /// Number of transactions in the blocks of heights `[from, until)`.
    pub async fn count_transactions(&self, from: u64, until: u64) -> Result<u64, StorageError> {
        let sql = "SELECT CAST(COALESCE(SUM(num_transactions), 0) AS BIGINT) FROM blocks \
                   WHERE height >= $1 AND height < $2";
        self.sum("transaction count", from, until, sql).await
    }

    /// Total payload bytes of the blocks of heights `[from, until)`.
    pub async fn payload_size(&self, from: u64, until: u64) -> Result<u64, StorageError> {
        let sql = "SELECT CAST(COALESCE(SUM(payload_size), 0) AS BIGINT) FROM blocks \
                   WHERE height >= $1 AND height < $2";
        self.sum("payload size", from, until, sql).await
    }

    /// Bytes the database uses: for SQLite its pages in use (free pages are reused, not
    /// returned to the file system), for Postgres `pg_database_size`.
    pub async fn disk_usage(&self) -> Result<u64, StorageError> {
        let sql = match self.pool {
            Pool::Sqlite(_) => {
                "SELECT (c.page_count - f.freelist_count) * s.page_size \
                 FROM pragma_page_count() c, pragma_freelist_count() f, pragma_page_size() s"
            }
            Pool::Postgres(_) => "SELECT pg_database_size(current_database())",
        };
        match self.pool.fetch_optional(sql, &[]).await? {
            Some(row) => col_u64(&row, 0, &|| "disk usage".into()),
            None => Ok(0),
        }
    }
}

/// Transactions inserted per statement: one round trip per row would make a block of
/// thousands of transactions slow on Postgres. 64 rows use 256 parameters, far below
/// either backend's limit.
const TX_CHUNK: usize = 64;

/// `INSERT INTO transactions` of [`TX_CHUNK`] rows; built once, and kept for the
/// process's lifetime like any other statement text.
fn tx_chunk_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let rows: Vec<String> = (0..TX_CHUNK)
            .map(|r| format!("(${}, ${}, ${}, ${})", 4 * r + 1, 4 * r + 2, 4 * r + 3, 4 * r + 4))
            .collect();
        format!(
            "INSERT INTO transactions (hash, height, idx, namespace) VALUES {}",
            rows.join(", ")
        )
    })
}

/// The arguments of `rows` (index, (hash, namespace)) at height `h`, four per row.
fn tx_args<'a>(h: i64, rows: &[(usize, &'a (TxCommitment, i64))]) -> Vec<Arg<'a>> {
    rows.iter()
        .flat_map(|&(idx, (hash, namespace))| {
            [Arg::Bytes(&hash.0), Arg::Int(h), Arg::Int(idx as i64), Arg::Int(*namespace)]
        })
        .collect()
}

/// The columns of a new `blocks` row, computed once.
struct BlockRow {
    leaf_hash: LeafCommitment,
    block_hash: HeaderCommitment,
    payload_hash: VidCommitment,
    timestamp: i64,
    leaf: Vec<u8>,
    payload: Option<Payload>,
    vid_common: Vec<u8>,
    vid_share: Option<Vec<u8>>,
    /// Commitment and namespace of each transaction, in order.
    txs: Vec<(TxCommitment, i64)>,
}

impl BlockRow {
    fn new(block: &BlockData) -> Result<Self, StorageError> {
        let header = &block.leaf.leaf.block_header;
        let timestamp = i64::try_from(header.timestamp).map_err(|_| {
            StorageError::Config(format!(
                "header timestamp {} exceeds the database's range",
                header.timestamp
            ))
        })?;
        let leaf = serde_json::to_vec(&block.leaf)
            .map_err(|e| StorageError::corrupt(format!("leaf at height {}", header.height), e))?;
        let txs = block.payload.iter().flat_map(|p| p.transactions());
        Ok(BlockRow {
            leaf_hash: block.leaf.hash(),
            block_hash: header.commit(),
            payload_hash: header.payload_commitment,
            timestamp,
            leaf,
            payload: block.payload.clone(),
            vid_common: block.vid_common.to_bytes(),
            vid_share: block.vid_share.as_ref().map(VidShare::to_bytes),
            txs: txs.map(|tx| (tx.commit(), i64::from(tx.namespace.0))).collect(),
        })
    }

    fn args(&self, height: i64) -> [Arg<'_>; 12] {
        let payload_size = self.payload.as_ref().map_or(0, |p| p.bytes().len());
        [
            Arg::Int(height),
            Arg::Bytes(&self.leaf_hash.0),
            Arg::Bytes(&self.block_hash.0),
            Arg::Bytes(&self.payload_hash.0),
            Arg::Int(self.timestamp),
            Arg::Int(self.txs.len() as i64),
            Arg::Int(payload_size as i64),
            Arg::Bytes(&self.leaf),
            Arg::OptBytes(self.payload.as_ref().map(|p| p.bytes())),
            Arg::OptBytes(self.payload.as_ref().map(|p| p.ns_table().bytes())),
            Arg::Bytes(&self.vid_common),
            Arg::OptBytes(self.vid_share.as_deref()),
        ]
    }
}

/// Decodes the payload from columns `at` (bytes) and `at + 1` (namespace table) of `row`.
fn decode_payload(row: &Row, at: usize, height: u64) -> Result<Payload, StorageError> {
    let what = || format!("payload at height {height}");
    let bytes: Option<Vec<u8>> = col(row, at, &what)?;
    let table: Option<Vec<u8>> = col(row, at + 1, &what)?;
    match (bytes, table) {
        (Some(bytes), Some(table)) => {
            Payload::from_parts(bytes, table).map_err(|e| StorageError::corrupt(what(), e))
        }
        (None, None) => {
            Err(StorageError::not_found(format!("{} (not stored by this node)", what())))
        }
        _ => Err(StorageError::corrupt(what(), "bytes and namespace table not both present")),
    }
}

fn decode_vid_common(row: &Row, height: u64) -> Result<VidCommon, StorageError> {
    let what = || format!("VID common at height {height}");
    let bytes: Vec<u8> = col(row, 1, &what)?;
    VidCommon::from_bytes(&bytes).map_err(|e| StorageError::corrupt(what(), e))
}

/// Decodes a row of `height, idx, hash, block_hash, payload, ns_table`.
fn decode_transaction(row: &Row) -> Result<TransactionRecord, StorageError> {
    let what = || "transaction row".to_string();
    let height = col_u64(row, 0, &what)?;
    let index = col_u64(row, 1, &what)?;
    let what = || format!("transaction {index} at height {height}");
    let hash = TxCommitment(hash32(col(row, 2, &what)?, &what)?);
    let block_hash = HeaderCommitment(hash32(col(row, 3, &what)?, &what)?);
    let payload = decode_payload(row, 4, height)?;
    let transaction = usize::try_from(index)
        .ok()
        .and_then(|i| payload.transactions().into_iter().nth(i))
        .ok_or_else(|| StorageError::corrupt(what(), "the payload has no such transaction"))?;
    if transaction.commit() != hash {
        return Err(StorageError::corrupt(what(), "its commitment does not match the payload's"));
    }
    Ok(TransactionRecord { height, index, block_hash, hash, transaction })
}

fn hash32(bytes: Vec<u8>, what: &dyn Fn() -> String) -> Result<[u8; 32], StorageError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| StorageError::corrupt(what(), format!("a hash of {} bytes", b.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_options_from_fields_and_from_a_uri() {
        let o = PostgresOptions {
            host: "db.example".into(),
            port: 6543,
            database: "seq".into(),
            user: "me".into(),
            password: Some("pw".into()),
            ..Default::default()
        };
        let opts = postgres_options(&o).unwrap();
        assert_eq!((opts.get_host(), opts.get_port()), ("db.example", 6543));
        assert_eq!((opts.get_username(), opts.get_database()), ("me", Some("seq")));
        assert!(matches!(opts.get_ssl_mode(), PgSslMode::Disable));

        // The URI replaces the fields; password and TLS still apply on top.
        let o = PostgresOptions {
            uri: Some("postgres://u@h:7/d".into()),
            password: Some("pw".into()),
            use_tls: true,
            ..o
        };
        let opts = postgres_options(&o).unwrap();
        assert_eq!((opts.get_host(), opts.get_port(), opts.get_username()), ("h", 7, "u"));
        assert!(matches!(opts.get_ssl_mode(), PgSslMode::Require));

        let bad = PostgresOptions { uri: Some("postgres://h:notaport/d".into()), ..o };
        let err = postgres_options(&bad).unwrap_err().to_string();
        assert!(err.starts_with("invalid storage configuration: postgres: invalid --uri"), "{err}");
    }
}
