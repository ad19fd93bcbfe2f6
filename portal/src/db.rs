//! The portal's database: one pool over SQLite (embedded default) or PostgreSQL (several portal
//! instances), through sqlx's `Any` driver with portable queries (`$N` placeholders, BIGINT epoch
//! seconds, TEXT ids) and one migration folder per backend, as the provider does.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
}

/// `pool` serves reads, `writer` writes. On SQLite the writer is one connection, so writers queue
/// in the process rather than in SQLite's busy handler; on PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub writer: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
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
            Backend::Sqlite => sqlite_pool(4).connect_with(create_if_missing(options.clone(), url)?).await?,
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await?
            }
        };
        let writer = if backend == Backend::Sqlite && !url.contains(":memory:") {
            sqlite_pool(1).acquire_timeout(Duration::from_secs(30)).connect_with(options).await?
        } else {
            pool.clone()
        };
        let db = Db { pool, writer, backend };
        match db.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&db.writer).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&db.writer).await?,
        }
        Ok(db)
    }
}

/// WAL (readers never wait for the writer), synchronous=NORMAL (nothing committed is lost when
/// the process is killed).
fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).after_connect(|conn, _meta| {
        Box::pin(async move {
            conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;").await?;
            Ok(())
        })
    })
}

/// `sqlite://path` creates the file on first start (`mode=rwc`).
fn create_if_missing(options: AnyConnectOptions, url: &str) -> Result<AnyConnectOptions, DbError> {
    if url.contains("mode=") || url.contains(":memory:") {
        return Ok(options);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(AnyConnectOptions::from_str(&format!("{url}{sep}mode=rwc"))?.disable_statement_logging())
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
