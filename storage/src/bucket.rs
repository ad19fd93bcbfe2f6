//! Token buckets per key (a sender, a school), in the service's database so that every instance
//! draws from the same bucket: a rate that several instances behind a load balancer enforce
//! together. Each service that uses them creates the table in its own migrations:
//!
//! ```sql
//! CREATE TABLE buckets (key TEXT PRIMARY KEY, level BIGINT NOT NULL, updated_at BIGINT NOT NULL);
//! ```
//!
//! A bucket holds at most `capacity` tokens and refills at `per_hour` tokens an hour; taking
//! `cost` tokens succeeds only when that many are there. Levels are kept in thousandths of a
//! token, so slow refills are not lost to rounding. A take is one statement (an upsert whose
//! update is conditional on the refilled level), so of many concurrent takes exactly as many
//! succeed as the bucket can pay for, and a refused take changes nothing. Callers give the time,
//! so tests set it.

use crate::{Db, DbError};

/// Thousandths of a token in a token.
const MILLI: i64 = 1000;

/// A bucket's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// The most tokens the bucket holds (the largest burst).
    pub capacity: i64,
    /// Tokens added per hour, up to the capacity.
    pub per_hour: i64,
}

/// What a take gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    Granted,
    /// Not enough tokens: the seconds until there would be (`None`: never, the cost is more
    /// than the capacity or the bucket does not refill).
    Refused(Option<i64>),
}

#[derive(Clone, Debug)]
pub struct BucketStore {
    db: Db,
}

impl BucketStore {
    pub fn new(db: Db) -> Self {
        BucketStore { db }
    }

    /// Takes `cost` tokens from the bucket `key` of shape `rate` at time `now` (a new key starts
    /// full), in one statement.
    pub async fn take(&self, key: &str, cost: i64, rate: Rate, now: i64) -> Result<Taken, DbError> {
        if cost > rate.capacity || cost < 0 {
            return Ok(Taken::Refused(None));
        }
        let (cost_m, cap_m, refill_m) = (cost * MILLI, rate.capacity * MILLI, rate.per_hour.max(0) * MILLI);
        // The level now: what was left, plus the refill since, at most the capacity.
        let refilled = "CASE WHEN buckets.level + ($2 - buckets.updated_at) * $5 / 3600 > $4 THEN $4 \
                        ELSE buckets.level + ($2 - buckets.updated_at) * $5 / 3600 END";
        let sql = format!(
            "INSERT INTO buckets (key, level, updated_at) VALUES ($1, $4 - $3, $2) \
             ON CONFLICT (key) DO UPDATE SET level = {refilled} - $3, updated_at = $2 \
             WHERE {refilled} >= $3 RETURNING level"
        );
        let done: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(now)
            .bind(cost_m)
            .bind(cap_m)
            .bind(refill_m)
            .fetch_optional(&self.db.writer)
            .await?;
        if done.is_some() {
            return Ok(Taken::Granted);
        }
        let level = self.level(key, rate, now).await?;
        let missing = cost_m - level;
        Ok(Taken::Refused((refill_m > 0).then(|| (missing * 3600 + refill_m - 1) / refill_m.max(1))))
    }

    /// The tokens (in thousandths) the bucket would hold at `now`.
    pub async fn level(&self, key: &str, rate: Rate, now: i64) -> Result<i64, DbError> {
        let row: Option<(i64, i64)> = sqlx::query_as("SELECT level, updated_at FROM buckets WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await?;
        let cap_m = rate.capacity * MILLI;
        Ok(match row {
            None => cap_m,
            Some((level, at)) => (level + (now - at).max(0) * rate.per_hour.max(0) * MILLI / 3600).min(cap_m),
        })
    }

    /// Fills a bucket again (an administrator's decision, a test).
    pub async fn reset(&self, key: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM buckets WHERE key = $1").bind(key).execute(&self.db.writer).await?;
        Ok(())
    }
}
