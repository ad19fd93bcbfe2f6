//! Failed-login counting, per account and per client address, in the database so that every
//! provider instance sees the same counts. Only failures are written; a success clears the
//! account's counter. Keys are digests: neither login names nor addresses are stored.

use super::{Db, DbError, now};

#[derive(Clone, Debug)]
pub struct ThrottleStore {
    db: Db,
}

impl ThrottleStore {
    pub fn new(db: Db) -> Self {
        ThrottleStore { db }
    }

    /// Seconds until the key may try again, or `None` when it may try now.
    pub async fn locked_for(&self, key: &str) -> Result<Option<i64>, DbError> {
        let until: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await?;
        let t = now();
        Ok(until.filter(|u| *u > t).map(|u| u - t))
    }

    /// Counts a failure; locks the key for `window_secs` once it reaches `max` within the window.
    /// Returns the failures counted in the current window.
    pub async fn fail(&self, key: &str, max: i64, window_secs: i64) -> Result<i64, DbError> {
        let t = now();
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.failures + 1 END, \
               window_start = CASE WHEN throttle.window_start <= $3 THEN $2 ELSE throttle.window_start END \
             RETURNING failures",
        )
        .bind(key)
        .bind(t)
        .bind(t - window_secs)
        .fetch_one(&self.db.writer)
        .await?;
        if failures >= max {
            sqlx::query("UPDATE throttle SET locked_until = $1 WHERE key = $2")
                .bind(t + window_secs)
                .bind(key)
                .execute(&self.db.writer)
                .await?;
        }
        Ok(failures)
    }

    /// Clears a key (after a successful login).
    pub async fn clear(&self, key: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&self.db.writer).await?;
        Ok(())
    }

    pub async fn purge_expired(&self, window_secs: i64) -> Result<(), DbError> {
        let t = now();
        sqlx::query("DELETE FROM throttle WHERE locked_until <= $1 AND window_start <= $2")
            .bind(t)
            .bind(t - window_secs)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }
}
