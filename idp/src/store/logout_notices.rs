//! The outbox of back-channel logout notices (OpenID Connect Back-Channel Logout 1.0): one row
//! per client to tell that a person's session (or every session of the person) ended.
//!
//! Notices are written in the SAME transaction as what ends the session — a logout at the
//! provider, a deactivation by the directory sync — with [`enqueue_sql`], set-based, so that a
//! session never ends without its notices and a notice never exists for a session still open.
//! The provider's deliverer claims due notices with one conditional `UPDATE … RETURNING`: a
//! claim moves `next_attempt_at` past now, so two instances on one database never both take a
//! notice, and a notice whose deliverer died is due again once the lease is over.

use sqlx::Row;

use super::{Db, DbError, now};

/// A notice to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub client_id: String,
    /// The person's public sub; the client's own `sub` is derived from it at delivery.
    pub public_sub: String,
    /// The provider session (its id hash), or `None` for every session of the person.
    pub session_id: Option<String>,
    pub created_at: i64,
    /// Delivery attempts so far, this one included.
    pub attempts: i64,
}

/// `INSERT … SELECT` of one notice per (client with a back-channel URI, person, session) among
/// the grants `grant_condition` selects (SQL over alias `g`). `now` is the placeholder of the
/// current time; `per_session` names the session in the notice (a logout), or not (a
/// deactivation: every session of the person). Run it inside the transaction that ends the
/// session, before the grants and people it reads change.
pub(crate) fn enqueue_sql(grant_condition: &str, now: &str, per_session: bool) -> String {
    let sid = if per_session { "g.session_id" } else { "CAST(NULL AS TEXT)" };
    format!(
        "INSERT INTO logout_notices (client_id, public_sub, session_id, created_at, attempts, next_attempt_at) \
         SELECT DISTINCT g.client_id, p.public_sub, {sid}, {now}, 0, {now} \
         FROM grants g JOIN clients c ON c.id = g.client_id JOIN people p ON p.id = g.person_id \
         WHERE c.backchannel_logout_uri IS NOT NULL AND ({grant_condition})"
    )
}

const COLUMNS: &str = "id, client_id, public_sub, session_id, created_at, attempts";

fn notice_from_row(r: &sqlx::any::AnyRow) -> Result<Notice, DbError> {
    Ok(Notice {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        public_sub: r.try_get("public_sub")?,
        session_id: r.try_get("session_id")?,
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
    })
}

#[derive(Clone, Debug)]
pub struct LogoutNoticeStore {
    db: Db,
}

impl LogoutNoticeStore {
    pub fn new(db: Db) -> Self {
        LogoutNoticeStore { db }
    }

    /// Takes up to `limit` due notices for `lease_secs`: they are not due again before the
    /// lease ends, whoever else asks. Returns the notices taken, oldest first.
    pub async fn claim_due(&self, limit: i64, lease_secs: i64) -> Result<Vec<Notice>, DbError> {
        let t = now();
        // The outer `next_attempt_at <= $1` is what makes the claim exclusive: on PostgreSQL a
        // concurrent claim waits for the row lock, then re-checks it against the updated row.
        let sql = format!(
            "UPDATE logout_notices SET attempts = attempts + 1, next_attempt_at = $2 \
             WHERE next_attempt_at <= $1 AND id IN \
             (SELECT id FROM logout_notices WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3) \
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t)
            .bind(t + lease_secs)
            .bind(limit)
            .fetch_all(&self.db.writer)
            .await?;
        let mut notices = rows.iter().map(notice_from_row).collect::<Result<Vec<_>, _>>()?;
        notices.sort_by_key(|n| (n.created_at, n.id));
        Ok(notices)
    }

    /// The notice was delivered (or is given up): it goes.
    pub async fn remove(&self, id: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM logout_notices WHERE id = $1").bind(id).execute(&self.db.writer).await?;
        Ok(())
    }

    /// The delivery failed: due again at `at`.
    pub async fn retry_at(&self, id: i64, at: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE logout_notices SET next_attempt_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// Notices waiting, due or not, with when each is due next (for monitoring and tests).
    pub async fn pending(&self) -> Result<Vec<(Notice, i64)>, DbError> {
        let sql = format!("SELECT {COLUMNS}, next_attempt_at FROM logout_notices ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| Ok((notice_from_row(r)?, r.try_get("next_attempt_at")?))).collect()
    }

    /// Makes every waiting notice due now (an operator retrying after a client's outage; tests).
    pub async fn make_all_due(&self) -> Result<u64, DbError> {
        let done =
            sqlx::query("UPDATE logout_notices SET next_attempt_at = $1").bind(now()).execute(&self.db.writer).await?;
        Ok(done.rows_affected())
    }
}
