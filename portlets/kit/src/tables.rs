//! The kit's own tables in every portlet's database (today `job_leases`, for [`jobs`](crate::jobs)).
//!
//! They are a migration set of their own (`portlets/kit/migrations/{sqlite,postgres}`), applied
//! by `Portlet::build` right after the portlet's: versioned like any service's migrations, so
//! that a later change to them is one more file, and written once for every portlet instead of
//! being copied into each portlet's folders. sqlx records applied migrations in one table per
//! migrator; the kit's are recorded in `_ent_kit_migrations`, apart from the portlet's
//! `_sqlx_migrations`, so the two sets never see each other's versions as unknown.

use std::sync::LazyLock;

use ent_storage::{Backend, Db, DbError, Migrations};
use sqlx::migrate::Migrator;

/// Where sqlx records the kit's migrations in a portlet's database.
pub const MIGRATIONS_TABLE: &str = "_ent_kit_migrations";

static SQLITE_FILES: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_FILES: Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE: LazyLock<Migrator> = LazyLock::new(|| recorded_apart(&SQLITE_FILES));
static POSTGRES: LazyLock<Migrator> = LazyLock::new(|| recorded_apart(&POSTGRES_FILES));

/// The same migrations, recorded in the kit's table (new databases and old alike: the table
/// has been the kit's from its first migration).
fn recorded_apart(files: &Migrator) -> Migrator {
    let mut migrator = Migrator::with_migrations(files.iter().cloned().collect());
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The kit's migrations on both backends (for test databases: `both_backends!(tables::migrations(); …)`).
pub fn migrations() -> Migrations {
    Migrations { sqlite: &SQLITE, postgres: &POSTGRES }
}

/// Applies the kit's pending migrations to a portlet's database.
pub async fn migrate(db: &Db) -> Result<(), DbError> {
    match db.backend {
        Backend::Sqlite => SQLITE.run(&db.writer).await?,
        Backend::Postgres => POSTGRES.run(&db.writer).await?,
    }
    Ok(())
}
