//! The two backends behind one small interface: SQL text is shared (`$1` placeholders
//! work on both), arguments are a closed set of kinds, and rows decode into any type both
//! drivers understand. Everything above this module is backend-agnostic.

use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};

/// The advisory lock key that serializes writers on Postgres ("DOPPIO" in ASCII).
const POSTGRES_WRITE_LOCK: i64 = 0x444f_5050_494f;

/// A query argument.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    OptBytes(Option<&'a [u8]>),
}

/// A pool of connections to one backend.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction; dropped without [`Tx::commit`], it rolls back.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A result row.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// Column `i` decoded as `T`.
    pub(crate) fn get<T>(&self, i: usize) -> Result<T, sqlx::Error>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        match self {
            Row::Sqlite(r) => r.try_get(i),
            Row::Postgres(r) => r.try_get(i),
        }
    }
}

macro_rules! query_with {
    ($sql:expr, $args:expr) => {{
        let mut q = sqlx::query($sql);
        for arg in $args {
            q = match *arg {
                Arg::Int(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
                Arg::OptBytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs `$method` (fetch_all, fetch_optional, execute) on whichever backend `$exec`
/// holds, wrapping rows with `$wrap`.
macro_rules! dispatch {
    ($self:expr, $sql:expr, $args:expr, |$q:ident, $e:ident| $body:expr) => {
        match $self {
            Self::Sqlite($e) => {
                let $q = query_with!($sql, $args);
                $body.map(Wrap::sqlite)
            }
            Self::Postgres($e) => {
                let $q = query_with!($sql, $args);
                $body.map(Wrap::postgres)
            }
        }
    };
}

/// Wraps driver results in backend-agnostic ones.
trait Wrap<S, P> {
    fn sqlite(s: S) -> Self;
    fn postgres(p: P) -> Self;
}

impl Wrap<Vec<SqliteRow>, Vec<PgRow>> for Vec<Row> {
    fn sqlite(s: Vec<SqliteRow>) -> Self {
        s.into_iter().map(Row::Sqlite).collect()
    }
    fn postgres(p: Vec<PgRow>) -> Self {
        p.into_iter().map(Row::Postgres).collect()
    }
}

impl Wrap<Option<SqliteRow>, Option<PgRow>> for Option<Row> {
    fn sqlite(s: Option<SqliteRow>) -> Self {
        s.map(Row::Sqlite)
    }
    fn postgres(p: Option<PgRow>) -> Self {
        p.map(Row::Postgres)
    }
}

impl Wrap<sqlx::sqlite::SqliteQueryResult, sqlx::postgres::PgQueryResult> for u64 {
    fn sqlite(s: sqlx::sqlite::SqliteQueryResult) -> Self {
        s.rows_affected()
    }
    fn postgres(p: sqlx::postgres::PgQueryResult) -> Self {
        p.rows_affected()
    }
}

impl Pool {
    pub(crate) fn backend(&self) -> &'static str {
        match self {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub(crate) async fn fetch_all(
        &self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> Result<Vec<Row>, sqlx::Error> {
        dispatch!(self, sql, args, |q, p| q.fetch_all(p).await)
    }

    pub(crate) async fn fetch_optional(
        &self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> Result<Option<Row>, sqlx::Error> {
        dispatch!(self, sql, args, |q, p| q.fetch_optional(p).await)
    }

    /// Begins a write transaction, holding the store's write lock until it ends, so
    /// that writers (appends from any handle, the pruner) run one at a time and each
    /// sees the others' results. SQLite takes its lock at once (`BEGIN IMMEDIATE`; a
    /// deferred transaction that reads and then writes can fail with `SQLITE_BUSY`);
    /// Postgres takes a transaction-scoped advisory lock.
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(POSTGRES_WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
        })
    }
}

impl Tx {
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> Result<Option<Row>, sqlx::Error> {
        dispatch!(self, sql, args, |q, t| q.fetch_optional(&mut **t).await)
    }

    pub(crate) async fn execute(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> Result<u64, sqlx::Error> {
        dispatch!(self, sql, args, |q, t| q.execute(&mut **t).await)
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}
