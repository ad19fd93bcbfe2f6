//! Provider-wide values created once and shared by every instance (e.g. the pairwise secret).

use super::{Db, DbError};

#[derive(Clone, Debug)]
pub struct SettingsStore {
    db: Db,
}

impl SettingsStore {
    pub fn new(db: Db) -> Self {
        SettingsStore { db }
    }

    /// Returns the stored value, or stores `make()` if none exists yet. Concurrent first starts
    /// agree: the insert that loses the race is ignored and the winner's value is read back.
    pub async fn get_or_create(&self, name: &str, make: impl FnOnce() -> String) -> Result<String, DbError> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(make())
            .execute(&self.db.writer)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1").bind(name).fetch_one(&self.db.pool).await?)
    }
}
