//! The provider's test databases (compiled for the crate's own tests and with the `testing`
//! feature): `ent-storage`'s throw-away databases on SQLite and PostgreSQL, with the provider's
//! tables. [`both_backends!`](crate::both_backends) writes one test for each backend; see
//! `ent_storage::testing` for where the databases go and how they are cleaned up.

pub use ent_storage::testing::{
    DEFAULT_POSTGRES_URL, DbGuard, Outcome, PREFIX, TestDb, postgres_admin_url, postgres_shared_url, run,
    sqlite_shared_url,
};

use crate::db::MIGRATIONS;

/// A fresh SQLite database with the provider's tables.
pub async fn sqlite() -> TestDb {
    ent_storage::testing::sqlite(&MIGRATIONS).await
}

/// A fresh PostgreSQL database with the provider's tables, or `None` when there is no server.
pub async fn postgres() -> Option<TestDb> {
    ent_storage::testing::postgres(&MIGRATIONS).await
}

/// Writes one test per backend (`name::sqlite`, `name::postgres`), each on a fresh database
/// with the provider's tables: `ent_storage::both_backends!` with the provider's migrations.
///
/// ```ignore
/// ent_idp::both_backends!(settings_are_created_once, |db| async move {
///     let store = SettingsStore::new(db);
///     // …
/// });
/// ```
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* $name:ident, $($rest:tt)*) => {
        $crate::__storage::both_backends!($crate::db::MIGRATIONS; $(#[$meta])* $name, $($rest)*);
    };
}
