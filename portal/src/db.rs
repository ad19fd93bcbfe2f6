//! The portal's database: the shared plumbing of `ent-storage` (one pool over SQLite or
//! PostgreSQL through sqlx `Any`, portable queries) with the portal's own migrations.

use ent_storage::Migrations;
use sqlx::migrate::Migrator;

pub use ent_storage::{Backend, Db, DbError, now};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The portal's migrations, per backend.
pub const MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// Connects (creating a SQLite file if needed) and applies the portal's pending migrations.
pub async fn connect(url: &str) -> Result<Db, DbError> {
    Db::connect(url, &MIGRATIONS).await
}
