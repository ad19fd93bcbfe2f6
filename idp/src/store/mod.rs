//! Storage, one small store per aggregate, all over the same [`Db`](crate::db::Db).
//!
//! The queries are portable SQL (see `db`), so each store has one implementation that runs on
//! SQLite and on PostgreSQL; the conformance tests in `tests/store.rs` run every store on both.

pub mod activation;
pub mod audit;
pub mod clients;
pub mod directory;
pub mod grants;
pub mod keys;
pub mod logout_notices;
pub mod passkeys;
pub mod sessions;
pub mod settings;
pub mod sync;
pub mod throttle;

pub use crate::db::{Db, DbError, now};

/// Decodes a JSON array column.
pub(crate) fn json_list(s: &str) -> Result<Vec<String>, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Corrupt(format!("json list: {e}")))
}

/// Encodes a JSON array column.
pub(crate) fn to_json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}
