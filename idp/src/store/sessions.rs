//! Browser sessions at the provider (single sign-on), and authorization requests waiting for a
//! login or a consent. Both live in the database so that any instance can serve the next request.

use sqlx::Row;

use super::{Db, DbError, json_list, logout_notices, now, to_json_list};
use crate::secret;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    pub person_id: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct SessionStore {
    db: Db,
}

impl SessionStore {
    pub fn new(db: Db) -> Self {
        SessionStore { db }
    }

    /// Opens a session; returns the cookie value (only its hash is stored).
    pub async fn create(&self, person_id: &str, amr: &[String], ttl_secs: i64) -> Result<(String, Session), DbError> {
        let token = secret::new_secret();
        let t = now();
        let session = Session {
            id_hash: secret::sha256_hex(&token),
            person_id: person_id.to_string(),
            auth_time: t,
            amr: amr.to_vec(),
            expires_at: t + ttl_secs,
        };
        sqlx::query(
            "INSERT INTO sessions (id_hash, person_id, auth_time, amr, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&session.id_hash)
        .bind(person_id)
        .bind(t)
        .bind(to_json_list(amr))
        .bind(t)
        .bind(session.expires_at)
        .execute(&self.db.writer)
        .await?;
        Ok((token, session))
    }

    /// The live session a cookie value names, if any.
    pub async fn find(&self, cookie_value: &str) -> Result<Option<Session>, DbError> {
        let row = sqlx::query(
            "SELECT id_hash, person_id, auth_time, amr, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(secret::sha256_hex(cookie_value))
        .bind(now())
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                id_hash: r.try_get("id_hash")?,
                person_id: r.try_get("person_id")?,
                auth_time: r.try_get("auth_time")?,
                amr: json_list(&r.try_get::<String, _>("amr")?)?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session at the provider (logout), in one transaction: the back-channel notices
    /// for the clients that got grants in it, the grants revoked (their refresh tokens spent),
    /// the session deleted. Returns whether there was such a session.
    pub async fn end(&self, id_hash: &str) -> Result<bool, DbError> {
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            // Already ended (a second tab, another instance): its notices are queued already.
            tx.rollback().await?;
            return Ok(false);
        }
        let enqueue = logout_notices::enqueue_sql("g.session_id = $1", "$2", true);
        sqlx::query(sqlx::AssertSqlSafe(enqueue)).bind(id_hash).bind(t).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE refresh_tokens SET used_at = $2 WHERE used_at IS NULL \
             AND grant_id IN (SELECT id FROM grants WHERE session_id = $1)",
        )
        .bind(id_hash)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE grants SET revoked_at = $2, revoked_why = 'logout' WHERE session_id = $1 AND revoked_at IS NULL",
        )
        .bind(id_hash)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes a session row alone (no grants, no notices): a logout is [`SessionStore::end`].
    pub async fn delete(&self, id_hash: &str) -> Result<bool, DbError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.db.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Parks a validated authorization request while the user logs in or consents.
    pub async fn park_request(&self, client_id: &str, params_json: &str, ttl_secs: i64) -> Result<String, DbError> {
        let id = secret::new_id();
        sqlx::query("INSERT INTO pending_requests (id, client_id, params, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(client_id)
            .bind(params_json)
            .bind(now() + ttl_secs)
            .execute(&self.db.writer)
            .await?;
        Ok(id)
    }

    /// A parked request, still valid.
    pub async fn parked_request(&self, id: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT params FROM pending_requests WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.db.pool)
            .await?)
    }

    /// Takes a parked request out (it is used once).
    pub async fn take_request(&self, id: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar("DELETE FROM pending_requests WHERE id = $1 AND expires_at > $2 RETURNING params")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.db.writer)
            .await?)
    }

    /// Consent already given by a person to a client, as a list of scopes.
    pub async fn consented_scopes(&self, person_id: &str, client_id: &str) -> Result<Vec<String>, DbError> {
        let scopes: Option<String> =
            sqlx::query_scalar("SELECT scopes FROM consents WHERE person_id = $1 AND client_id = $2")
                .bind(person_id)
                .bind(client_id)
                .fetch_optional(&self.db.pool)
                .await?;
        scopes.map(|s| json_list(&s)).transpose().map(Option::unwrap_or_default)
    }

    pub async fn record_consent(&self, person_id: &str, client_id: &str, scopes: &[String]) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO consents (person_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at",
        )
        .bind(person_id)
        .bind(client_id)
        .bind(to_json_list(scopes))
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Removes expired sessions and requests (run periodically).
    pub async fn purge_expired(&self) -> Result<(), DbError> {
        let t = now();
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(t).execute(&self.db.writer).await?;
        sqlx::query("DELETE FROM pending_requests WHERE expires_at <= $1").bind(t).execute(&self.db.writer).await?;
        Ok(())
    }
}
