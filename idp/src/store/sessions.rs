//! Browser sessions at the provider (single sign-on), and authorization requests waiting for a
//! step of the login or a consent (each bound to its step and to the browser that parked it).
//! Both live in the database so that any instance can serve the next request.

use sqlx::Row;

use super::{Db, DbError, json_list, logout_notices, now, to_json_list};
use crate::secret;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    pub person_id: String,
    /// When the person last proved who they are (a sign-in or a re-authentication).
    pub auth_time: i64,
    /// When this browser's sign-in session began: a re-authentication of the same person in
    /// the same browser keeps it (see [`SessionStore::open`]), so it says how old the session
    /// is whatever `auth_time` says.
    pub started_at: i64,
    pub amr: Vec<String>,
    pub expires_at: i64,
}

/// The step of the login a parked authorization request waits for. Each step's form accepts
/// only a request parked for that step, so none can be skipped by posting to a later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The login page (a password, an activation code, or a passkey alone).
    Login,
    /// The passkey after a password.
    SecondFactor,
    /// The first passkey's registration, before the passkey step.
    Enrol,
    /// After a login: the invitation to create a passkey, or the notice of a reset.
    Invitation,
    /// The consent to a school's tool, for a signed-in session.
    Consent,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Login => "login",
            Step::SecondFactor => "second_factor",
            Step::Enrol => "enrol",
            Step::Invitation => "invitation",
            Step::Consent => "consent",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [Step::Login, Step::SecondFactor, Step::Enrol, Step::Invitation, Step::Consent]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What parking a request stores beside it.
#[derive(Clone, Copy, Debug)]
pub struct Parking<'a> {
    pub client_id: &'a str,
    pub params_json: &'a str,
    pub step: Step,
    /// SHA-256 of the browser's flow cookie.
    pub browser_hash: &'a str,
    /// The provider session a step after the login continues.
    pub session_hash: Option<&'a str>,
}

/// A parked request as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkedRow {
    pub params: String,
    pub step: Step,
    pub session_hash: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SessionStore {
    db: Db,
}

impl SessionStore {
    pub fn new(db: Db) -> Self {
        SessionStore { db }
    }

    /// Opens a new session now; returns the cookie value (only its hash is stored).
    pub async fn create(&self, person_id: &str, amr: &[String], ttl_secs: i64) -> Result<(String, Session), DbError> {
        self.open(person_id, amr, ttl_secs, now(), None).await
    }

    /// Opens a session for a sign-in at `at`; returns the cookie value (only its hash is
    /// stored). `previous` is the hash of the session cookie the browser came with: when it
    /// names a live session of the same person, this sign-in is a re-authentication and the
    /// session goes on under the new cookie: it keeps its start, its grants move to it (a
    /// logout still ends them), and the old cookie opens nothing any more. Otherwise (no
    /// session, another person's, one that ended meanwhile) the session starts at `at`. One
    /// transaction, whose first statement takes the old session out: of two sign-ins racing on
    /// one old session, at most one carries its start over.
    pub async fn open(
        &self,
        person_id: &str,
        amr: &[String],
        ttl_secs: i64,
        at: i64,
        previous: Option<&str>,
    ) -> Result<(String, Session), DbError> {
        let token = secret::new_secret();
        let id_hash = secret::sha256_hex(&token);
        let mut tx = self.db.writer.begin().await?;
        let continued: Option<i64> = match previous {
            Some(old) => {
                sqlx::query_scalar(
                    "DELETE FROM sessions WHERE id_hash = $1 AND person_id = $2 AND expires_at > $3 \
                     RETURNING COALESCE(started_at, created_at)",
                )
                .bind(old)
                .bind(person_id)
                .bind(now())
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let session = Session {
            id_hash,
            person_id: person_id.to_string(),
            auth_time: at,
            started_at: continued.unwrap_or(at),
            amr: amr.to_vec(),
            expires_at: at + ttl_secs,
        };
        sqlx::query(
            "INSERT INTO sessions (id_hash, person_id, auth_time, amr, created_at, expires_at, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id_hash)
        .bind(person_id)
        .bind(at)
        .bind(to_json_list(amr))
        .bind(at)
        .bind(session.expires_at)
        .bind(session.started_at)
        .execute(&mut *tx)
        .await?;
        if let (Some(old), Some(_)) = (previous, continued) {
            sqlx::query("UPDATE grants SET session_id = $2 WHERE session_id = $1")
                .bind(old)
                .bind(&session.id_hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok((token, session))
    }

    /// The live session a cookie value names, if any.
    pub async fn find(&self, cookie_value: &str) -> Result<Option<Session>, DbError> {
        let row = sqlx::query(
            "SELECT id_hash, person_id, auth_time, COALESCE(started_at, created_at) AS started_at, amr, expires_at \
             FROM sessions WHERE id_hash = $1 AND expires_at > $2",
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
                started_at: r.try_get("started_at")?,
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

    /// Parks a validated authorization request for `step`, bound to the browser whose flow
    /// cookie hashes to `browser_hash` (and, after the login, to the session it continues).
    pub async fn park_request(&self, parking: &Parking<'_>, ttl_secs: i64) -> Result<String, DbError> {
        let id = secret::new_id();
        sqlx::query(
            "INSERT INTO pending_requests (id, client_id, params, step, browser_hash, session_hash, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(parking.client_id)
        .bind(parking.params_json)
        .bind(parking.step.as_str())
        .bind(parking.browser_hash)
        .bind(parking.session_hash)
        .bind(now() + ttl_secs)
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    /// A parked request still valid, if this browser parked it.
    pub async fn parked_request(&self, id: &str, browser_hash: &str) -> Result<Option<ParkedRow>, DbError> {
        let row = sqlx::query(
            "SELECT params, step, session_hash FROM pending_requests \
             WHERE id = $1 AND browser_hash = $2 AND expires_at > $3",
        )
        .bind(id)
        .bind(browser_hash)
        .bind(now())
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            let step: String = r.try_get("step")?;
            Ok(ParkedRow {
                params: r.try_get("params")?,
                step: Step::parse(&step).ok_or_else(|| DbError::Corrupt(format!("parked request step {step:?}")))?,
                session_hash: r.try_get("session_hash")?,
            })
        })
        .transpose()
    }

    /// Moves a parked request from one step to the next, once: false when it is not (or no
    /// longer) at `from` for this browser. `session_hash` is the session the next step continues.
    pub async fn advance_request(
        &self,
        id: &str,
        browser_hash: &str,
        from: Step,
        to: Step,
        session_hash: Option<&str>,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE pending_requests SET step = $4, session_hash = $5 \
             WHERE id = $1 AND browser_hash = $2 AND step = $3 AND expires_at > $6",
        )
        .bind(id)
        .bind(browser_hash)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(session_hash)
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes a parked request out (it is used once), only at `step` and for this browser.
    pub async fn take_request(&self, id: &str, browser_hash: &str, step: Step) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "DELETE FROM pending_requests WHERE id = $1 AND browser_hash = $2 AND step = $3 AND expires_at > $4 \
             RETURNING params",
        )
        .bind(id)
        .bind(browser_hash)
        .bind(step.as_str())
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
