//! A service's database: one pool over SQLite (embedded default) or PostgreSQL (scale-out),
//! reached through sqlx's `Any` driver so that one set of portable queries serves both.
//!
//! Portability rules (each service's `migrations/`): `$N` placeholders, BIGINT epoch seconds,
//! INTEGER 0/1 for booleans, TEXT identifiers. Each backend has its own migration folder; a
//! service names both in a [`Migrations`] and passes it to [`Db::connect`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

pub mod bucket;
pub mod throttle;

#[cfg(feature = "testing")]
pub mod testing;

/// A service's migrations, one folder per backend:
/// `Migrations { sqlite: &SQLITE, postgres: &POSTGRES }` with
/// `static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");` in the service's crate.
#[derive(Clone, Copy, Debug)]
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
}

/// Which engine stands behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database failure. Never turned into "not found": callers map it to a 500 / `server_error`.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// The shared handle: cheap to clone.
///
/// `pool` serves reads; `writer` serves every statement that writes. On PostgreSQL they are the
/// same pool. On SQLite, which admits one writer at a time, `writer` is a pool of one
/// connection: writers queue in order inside the process instead of polling SQLite's busy
/// handler with sleeps (which, measured under load, left the CPU idle and raised p99 latency
/// several-fold), while readers keep their own connections (WAL: they never wait for the writer).
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub writer: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Holds, until the end of the transaction `tx` is in, every other transaction that names
    /// the same `key` here: a check and the write it allows (a quota, say) then see each other.
    /// On PostgreSQL a transaction-scoped advisory lock on the key's hash; on SQLite nothing,
    /// since its one writer connection already runs write transactions one at a time.
    pub async fn serialize_on(&self, tx: &mut sqlx::AnyConnection, key: &str) -> Result<(), DbError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) IS NULL").bind(key).execute(tx).await?;
        }
        Ok(())
    }

    /// Connects (creating a SQLite file if needed) and applies the service's pending migrations.
    pub async fn connect(url: &str, migrations: &Migrations) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = match backend {
            Backend::Sqlite => {
                sqlite_pool(8, READER_PRAGMAS).connect_with(create_if_missing(options.clone(), url)?).await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await?
            }
        };
        let writer = if backend == Backend::Sqlite && !url.contains(":memory:") {
            sqlite_pool(1, WRITER_PRAGMAS).acquire_timeout(Duration::from_secs(30)).connect_with(options).await?
        } else {
            pool.clone()
        };
        let db = Db { pool, writer, backend };
        db.migrate(migrations).await?;
        Ok(db)
    }

    async fn migrate(&self, migrations: &Migrations) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => migrations.sqlite.run(&self.writer).await?,
            Backend::Postgres => migrations.postgres.run(&self.writer).await?,
        }
        Ok(())
    }
}

/// SQLite connections: WAL (readers never block the writer); synchronous=NORMAL, which in WAL
/// mode loses nothing when the process is killed (only a power loss may roll back the last
/// transactions), at a fraction of FULL's fsync cost; foreign keys on.
const READER_PRAGMAS: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

/// The one writer connection also gets a 64 MiB page cache (SQLite's default is 2 MiB): large
/// transactions (a directory sync's apply) then keep their pages in memory instead of spilling
/// them to the WAL and reading them back; measured 14 % faster on a 284k-person sync
/// (docs/benchmarks.md). Only one connection has it, so the memory stays bounded.
const WRITER_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
     PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;";

fn sqlite_pool(max: u32, pragmas: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).after_connect(move |conn, _meta| {
        Box::pin(async move {
            conn.execute(pragmas).await?;
            Ok(())
        })
    })
}

/// `sqlite://path` must create the file on first start (`mode=rwc`).
fn create_if_missing(options: AnyConnectOptions, url: &str) -> Result<AnyConnectOptions, DbError> {
    if url.contains("mode=") || url.contains(":memory:") {
        return Ok(options);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(AnyConnectOptions::from_str(&format!("{url}{sep}mode=rwc"))?.disable_statement_logging())
}

/// Seconds since the Unix epoch: the portable timestamp of every table.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The time a service reads where tests must make time pass (a lock that ends, a window that
/// closes): the system clock plus an offset that only tests move. Clones share the offset, so a
/// test that holds a service's clock moves the service's time.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    /// Seconds since the Unix epoch, as this clock reads them.
    pub fn now(&self) -> i64 {
        now() + self.offset.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) `secs` seconds forward.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }
}
