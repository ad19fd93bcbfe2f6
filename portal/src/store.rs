//! The session store: sessions (found by the SHA-256 of their cookie, tokens sealed under the
//! cookie), sign-ins in progress (single use, short-lived) and the back-channel logout tokens
//! already honoured. Every "must happen once" step is one conditional statement, so several
//! portal instances on one PostgreSQL behave as one.

use serde::{Deserialize, Serialize};

use crate::config::Profile;
use crate::db::{Db, DbError};
use crate::secret;

/// What the portal holds for a signed-in person. `cookie` is the request's own cookie value
/// (needed to reseal the tokens); it is never stored.
#[derive(Clone, Debug)]
pub struct Session {
    pub id_hash: String,
    pub cookie: String,
    pub sub: String,
    pub sid: Option<String>,
    pub profile: Option<Profile>,
    pub secrets: SessionSecrets,
    pub access_expires_at: i64,
    pub created_at: i64,
}

/// The sealed part of a session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionSecrets {
    pub name: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: String,
}

/// A new session's content.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub sub: String,
    pub sid: Option<String>,
    /// The `ent_profile` claim as received (an unknown value shows no portlet).
    pub profile: String,
    pub secrets: SessionSecrets,
    pub access_expires_at: i64,
}

/// A sign-in in progress, taken back once at the callback.
#[derive(Clone, Debug)]
pub struct LoginRequest {
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
    /// The `max_age` asked of the provider (a portlet's step-up): the ID token's `auth_time`
    /// must be at most this many seconds old.
    pub max_age: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

type Row = (String, String, Option<String>, String, String, i64, i64, i64, i64);

impl Store {
    pub fn new(db: Db) -> Self {
        Store { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Creates a session that ends at `expires_at` at the latest; returns its cookie value.
    pub async fn create(&self, new: &NewSession, now: i64, expires_at: i64) -> Result<String, DbError> {
        let cookie = secret::new_secret();
        let id_hash = secret::sha256_hex(&cookie);
        let sealed = seal(&cookie, &id_hash, &new.secrets)?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, sub, sid, profile, sealed, access_expires_at, refresh_lease_until, \
             created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8)",
        )
        .bind(&id_hash)
        .bind(&new.sub)
        .bind(new.sid.as_deref())
        .bind(&new.profile)
        .bind(&sealed)
        .bind(new.access_expires_at)
        .bind(now)
        .bind(expires_at)
        .execute(&self.db.writer)
        .await?;
        Ok(cookie)
    }

    /// The live session of a cookie: not past its absolute end, used within `idle` seconds.
    /// Marks it used (at most once a minute, to spare the writer).
    pub async fn load(&self, cookie: &str, now: i64, idle: i64) -> Result<Option<Session>, DbError> {
        let id_hash = secret::sha256_hex(cookie);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id_hash, sub, sid, profile, sealed, access_expires_at, created_at, last_seen_at, expires_at \
             FROM sessions WHERE id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((id_hash, sub, sid, profile, sealed, access_expires_at, created_at, last_seen_at, expires_at)) = row
        else {
            return Ok(None);
        };
        if expires_at <= now || last_seen_at + idle <= now {
            self.delete_hash(&id_hash).await?;
            return Ok(None);
        }
        let Some(secrets) = open(cookie, &id_hash, &sealed) else {
            return Ok(None);
        };
        if now - last_seen_at >= 60 {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(&id_hash)
                .bind(now)
                .execute(&self.db.writer)
                .await?;
        }
        Ok(Some(Session {
            id_hash,
            cookie: cookie.to_string(),
            sub,
            sid,
            profile: Profile::parse(&profile),
            secrets,
            access_expires_at,
            created_at,
        }))
    }

    /// Takes the right to refresh this session's tokens until `lease_until`: true for exactly
    /// one caller at a time, across instances.
    pub async fn claim_refresh(&self, id_hash: &str, now: i64, lease_until: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE sessions SET refresh_lease_until = $2 WHERE id_hash = $1 AND refresh_lease_until <= $3",
        )
        .bind(id_hash)
        .bind(lease_until)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores refreshed tokens and gives the refresh lease back.
    pub async fn update_tokens(
        &self,
        session: &Session,
        secrets: &SessionSecrets,
        access_expires_at: i64,
    ) -> Result<(), DbError> {
        let sealed = seal(&session.cookie, &session.id_hash, secrets)?;
        sqlx::query(
            "UPDATE sessions SET sealed = $2, access_expires_at = $3, refresh_lease_until = 0 WHERE id_hash = $1",
        )
        .bind(&session.id_hash)
        .bind(&sealed)
        .bind(access_expires_at)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Gives the refresh lease back without new tokens (a refresh that failed for a passing reason).
    pub async fn release_refresh(&self, id_hash: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE sessions SET refresh_lease_until = 0 WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    pub async fn delete_hash(&self, id_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.db.writer).await?;
        Ok(())
    }

    /// Ends the sessions of a provider session (`sid`, and `sub` too when given), or, without a
    /// `sid`, every session of `sub`. Returns the ended sessions' id hashes.
    pub async fn delete_for_logout(&self, sub: Option<&str>, sid: Option<&str>) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = match (sub, sid) {
            (Some(sub), Some(sid)) => {
                sqlx::query_as("DELETE FROM sessions WHERE sid = $1 AND sub = $2 RETURNING id_hash")
                    .bind(sid)
                    .bind(sub)
                    .fetch_all(&self.db.writer)
                    .await?
            }
            (None, Some(sid)) => {
                sqlx::query_as("DELETE FROM sessions WHERE sid = $1 RETURNING id_hash")
                    .bind(sid)
                    .fetch_all(&self.db.writer)
                    .await?
            }
            (Some(sub), None) => {
                sqlx::query_as("DELETE FROM sessions WHERE sub = $1 RETURNING id_hash")
                    .bind(sub)
                    .fetch_all(&self.db.writer)
                    .await?
            }
            (None, None) => Vec::new(),
        };
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    /// Parks a sign-in until `expires_at`.
    pub async fn put_login(&self, state: &str, req: &LoginRequest, expires_at: i64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO login_requests (state_hash, nonce, verifier, return_to, expires_at, max_age) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(secret::sha256_hex(state))
        .bind(&req.nonce)
        .bind(&req.verifier)
        .bind(&req.return_to)
        .bind(expires_at)
        .bind(req.max_age)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Takes a parked sign-in back: once, and only before it expires.
    pub async fn take_login(&self, state: &str, now: i64) -> Result<Option<LoginRequest>, DbError> {
        let row: Option<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "DELETE FROM login_requests WHERE state_hash = $1 RETURNING nonce, verifier, return_to, expires_at, max_age",
        )
        .bind(secret::sha256_hex(state))
        .fetch_optional(&self.db.writer)
        .await?;
        Ok(row.filter(|r| r.3 > now).map(|(nonce, verifier, return_to, _, max_age)| LoginRequest {
            nonce,
            verifier,
            return_to,
            max_age,
        }))
    }

    /// Records a logout token's `jti` until `expires_at`; false when it was seen before.
    pub async fn remember_jti(&self, jti: &str, expires_at: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "INSERT INTO logout_jtis (jti_hash, expires_at) VALUES ($1, $2) ON CONFLICT (jti_hash) DO NOTHING",
        )
        .bind(secret::sha256_hex(jti))
        .bind(expires_at)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes ended sessions, stale sign-ins and expired jtis.
    pub async fn purge(&self, now: i64, idle: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle)
            .execute(&self.db.writer)
            .await?;
        sqlx::query("DELETE FROM login_requests WHERE expires_at <= $1").bind(now).execute(&self.db.writer).await?;
        sqlx::query("DELETE FROM logout_jtis WHERE expires_at <= $1").bind(now).execute(&self.db.writer).await?;
        Ok(())
    }
}

fn seal(cookie: &str, id_hash: &str, secrets: &SessionSecrets) -> Result<String, DbError> {
    let json = serde_json::to_vec(secrets).map_err(|e| DbError::Corrupt(format!("session secrets: {e}")))?;
    secret::seal(cookie, id_hash, &json).ok_or_else(|| DbError::Corrupt("sealing failed".into()))
}

fn open(cookie: &str, id_hash: &str, sealed: &str) -> Option<SessionSecrets> {
    secret::open(cookie, id_hash, sealed).and_then(|b| serde_json::from_slice(&b).ok())
}
