//! Attempt counting per key (an account, a client address, what an address may make a service
//! store), in the service's database so that every instance sees the same counts. Each service
//! that counts creates the table in its own migrations:
//!
//! ```sql
//! CREATE TABLE throttle (key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, window_start BIGINT NOT NULL);
//! ```
//!
//! Keys are keyed digests chosen by the service: neither login names nor addresses are stored.
//!
//! An attempt is counted BEFORE the work it guards (a password hash, a stored row), by one
//! statement that increments the key's count and returns it: of 200 concurrent attempts, exactly
//! `max` see a count within the limit, whatever the interleaving, and the rest are refused
//! without being tried. (Reading a lock first and writing the failure after the hash, as
//! before, let every concurrent attempt through.) Counts live in fixed windows that start at a
//! key's first attempt. Callers give the time, so tests set it.

use crate::{Db, DbError};

/// A key's count after one more attempt, and when its window closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    pub count: i64,
    pub window_ends: i64,
}

impl Counted {
    /// Seconds to wait when this attempt is over `max`, `None` when it may go on.
    pub fn refused(&self, max: i64, now: i64) -> Option<i64> {
        (self.count > max).then(|| (self.window_ends - now).max(1))
    }
}

#[derive(Clone, Debug)]
pub struct ThrottleStore {
    db: Db,
}

impl ThrottleStore {
    pub fn new(db: Db) -> Self {
        ThrottleStore { db }
    }

    /// Counts one attempt on `key` in its window of `window_secs` (a new window when the last
    /// one has closed), in one statement, and returns the count.
    pub async fn count(&self, key: &str, window_secs: i64, now: i64) -> Result<Counted, DbError> {
        let (count, start): (i64, i64) = sqlx::query_as(
            "INSERT INTO throttle (key, attempts, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               attempts = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.attempts + 1 END, \
               window_start = CASE WHEN throttle.window_start <= $3 THEN $2 ELSE throttle.window_start END \
             RETURNING attempts, window_start",
        )
        .bind(key)
        .bind(now)
        .bind(now - window_secs)
        .fetch_one(&self.db.writer)
        .await?;
        Ok(Counted { count, window_ends: start + window_secs })
    }

    /// Gives back one counted attempt (one that was not tried, or that must not count).
    pub async fn uncount(&self, key: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// Clears a key (after a successful login, an account's count starts again).
    pub async fn clear(&self, key: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&self.db.writer).await?;
        Ok(())
    }

    /// Removes the keys whose window closed at least `longest_window_secs` ago.
    pub async fn purge_expired(&self, longest_window_secs: i64, now: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM throttle WHERE window_start <= $1")
            .bind(now - longest_window_secs)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }
}
