//! Grants and what hangs off them: authorization codes, refresh tokens, and the list of access
//! tokens revoked early. Every state change is one conditional statement, so two provider
//! instances sharing a database cannot both redeem a code or both rotate a refresh token.

use sqlx::Row;

use super::{Db, DbError, json_list, now, to_json_list};
use crate::secret;

/// What one authorization gave one client for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub person_id: String,
    pub session_id: Option<String>,
    pub scope: String,
    pub auth_time: i64,
    /// When the browser session the grant was given in began (`ent_session_start`); `None`
    /// for a grant given outside a session.
    pub session_start: Option<i64>,
    pub amr: Vec<String>,
    pub expires_at: i64,
    pub revoked: bool,
}

/// A code to store with its grant.
#[derive(Clone, Debug)]
pub struct NewCode {
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub ttl_secs: i64,
}

/// What a redeemed code carries to the token endpoint.
#[derive(Clone, Debug)]
pub struct RedeemedCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
}

/// Why a code or refresh token was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, expired, or bound to another client.
    Invalid,
    /// Already used: the grant it belonged to has now been revoked.
    Replayed,
}

#[derive(Clone, Debug)]
pub struct GrantStore {
    db: Db,
}

const GRANT_COLUMNS: &str = "g.id, g.client_id, g.person_id, g.session_id, g.scope, g.auth_time, g.session_start, \
     g.amr, g.expires_at, g.revoked_at";

fn grant_from_row(r: &sqlx::any::AnyRow) -> Result<Grant, DbError> {
    Ok(Grant {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        person_id: r.try_get("person_id")?,
        session_id: r.try_get("session_id")?,
        scope: r.try_get("scope")?,
        auth_time: r.try_get("auth_time")?,
        session_start: r.try_get("session_start")?,
        amr: json_list(&r.try_get::<String, _>("amr")?)?,
        expires_at: r.try_get("expires_at")?,
        revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
    })
}

impl GrantStore {
    pub fn new(db: Db) -> Self {
        GrantStore { db }
    }

    /// Creates a grant and its authorization code; returns the grant and the code (stored hashed).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_with_code(
        &self,
        client_id: &str,
        person_id: &str,
        session_id: Option<&str>,
        scope: &str,
        auth_time: i64,
        session_start: Option<i64>,
        amr: &[String],
        grant_ttl_secs: i64,
        code: &NewCode,
    ) -> Result<(Grant, String), DbError> {
        let t = now();
        let grant = Grant {
            id: secret::new_id(),
            client_id: client_id.into(),
            person_id: person_id.into(),
            session_id: session_id.map(Into::into),
            scope: scope.into(),
            auth_time,
            session_start,
            amr: amr.to_vec(),
            expires_at: t + grant_ttl_secs,
            revoked: false,
        };
        let code_value = secret::new_secret();
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO grants (id, client_id, person_id, session_id, scope, auth_time, session_start, amr, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&grant.id)
        .bind(client_id)
        .bind(person_id)
        .bind(session_id)
        .bind(scope)
        .bind(auth_time)
        .bind(session_start)
        .bind(to_json_list(amr))
        .bind(t)
        .bind(grant.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, grant_id, client_id, redirect_uri, code_challenge, nonce, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(secret::sha256_hex(&code_value))
        .bind(&grant.id)
        .bind(client_id)
        .bind(&code.redirect_uri)
        .bind(&code.code_challenge)
        .bind(&code.nonce)
        .bind(t + code.ttl_secs)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((grant, code_value))
    }

    /// Redeems a code once (RFC 6749 §4.1.2: a second use is refused and revokes the grant).
    pub async fn redeem_code(&self, code: &str, client_id: &str) -> Result<Result<RedeemedCode, Refusal>, DbError> {
        let hash = secret::sha256_hex(code);
        let t = now();
        let claimed = sqlx::query(
            "UPDATE auth_codes SET used_at = $1 WHERE code_hash = $2 AND client_id = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING grant_id, redirect_uri, code_challenge, nonce",
        )
        .bind(t)
        .bind(&hash)
        .bind(client_id)
        .fetch_optional(&self.db.writer)
        .await?;
        let Some(row) = claimed else {
            let used: Option<(String, Option<i64>)> =
                sqlx::query("SELECT grant_id, used_at FROM auth_codes WHERE code_hash = $1 AND client_id = $2")
                    .bind(&hash)
                    .bind(client_id)
                    .fetch_optional(&self.db.pool)
                    .await?
                    .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                    .transpose()?;
            return Ok(match used {
                Some((grant_id, Some(_))) => {
                    self.revoke_grant(&grant_id, "code_replay").await?;
                    Err(Refusal::Replayed)
                }
                _ => Err(Refusal::Invalid),
            });
        };
        let grant_id: String = row.try_get("grant_id")?;
        let Some(grant) = self.get(&grant_id).await? else {
            return Ok(Err(Refusal::Invalid));
        };
        if grant.revoked {
            return Ok(Err(Refusal::Invalid));
        }
        Ok(Ok(RedeemedCode {
            grant,
            redirect_uri: row.try_get("redirect_uri")?,
            code_challenge: row.try_get("code_challenge")?,
            nonce: row.try_get("nonce")?,
        }))
    }

    pub async fn get(&self, id: &str) -> Result<Option<Grant>, DbError> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants g WHERE g.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(grant_from_row).transpose()
    }

    /// Whether tokens of this grant may still be honoured.
    pub async fn is_active(&self, id: &str) -> Result<bool, DbError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2")
                .bind(id)
                .bind(now())
                .fetch_one(&self.db.pool)
                .await?;
        Ok(n > 0)
    }

    /// Issues a refresh token under a grant; returns the token (stored hashed).
    pub async fn issue_refresh(&self, grant_id: &str, ttl_secs: i64) -> Result<String, DbError> {
        let token = secret::new_secret();
        let t = now();
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(secret::sha256_hex(&token))
        .bind(grant_id)
        .bind(t)
        .bind(t + ttl_secs)
        .execute(&self.db.writer)
        .await?;
        Ok(token)
    }

    /// Rotates a refresh token (OAuth 2.0 Security BCP §4.14.2): the presented token is spent and
    /// a new one issued in the same transaction. Presenting a spent token revokes the grant.
    pub async fn rotate_refresh(
        &self,
        token: &str,
        client_id: &str,
        ttl_secs: i64,
    ) -> Result<Result<(Grant, String), Refusal>, DbError> {
        let hash = secret::sha256_hex(token);
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        let claimed: Option<String> = sqlx::query_scalar(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             AND grant_id IN (SELECT id FROM grants WHERE client_id = $3 AND revoked_at IS NULL AND expires_at > $1) \
             RETURNING grant_id",
        )
        .bind(t)
        .bind(&hash)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(grant_id) = claimed else {
            tx.rollback().await?;
            let spent: Option<String> = sqlx::query_scalar(
                "SELECT r.grant_id FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id \
                 WHERE r.token_hash = $1 AND g.client_id = $2 AND r.used_at IS NOT NULL",
            )
            .bind(&hash)
            .bind(client_id)
            .fetch_optional(&self.db.pool)
            .await?;
            return Ok(match spent {
                Some(grant_id) => {
                    self.revoke_grant(&grant_id, "refresh_reuse").await?;
                    Err(Refusal::Replayed)
                }
                None => Err(Refusal::Invalid),
            });
        };
        let fresh = secret::new_secret();
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(secret::sha256_hex(&fresh))
        .bind(&grant_id)
        .bind(t)
        .bind(t + ttl_secs)
        .execute(&mut *tx)
        .await?;
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants g WHERE g.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&grant_id).fetch_one(&mut *tx).await?;
        let grant = grant_from_row(&row)?;
        tx.commit().await?;
        Ok(Ok((grant, fresh)))
    }

    /// The grant of a live refresh token presented by its client (for revocation and introspection).
    pub async fn grant_of_refresh(
        &self,
        token: &str,
        client_id: Option<&str>,
    ) -> Result<Option<(Grant, i64)>, DbError> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS}, r.expires_at AS token_expires_at FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id \
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 \
             AND g.revoked_at IS NULL AND g.expires_at > $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(secret::sha256_hex(token))
            .bind(now())
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let grant = grant_from_row(&row)?;
        if client_id.is_some_and(|c| c != grant.client_id) {
            return Ok(None);
        }
        let token_exp: i64 = row.try_get("token_expires_at")?;
        // A refresh token never outlives its grant.
        Ok(Some((grant.clone(), token_exp.min(grant.expires_at))))
    }

    /// Revokes a grant: its refresh tokens stop working and its access tokens introspect inactive.
    pub async fn revoke_grant(&self, grant_id: &str, why: &str) -> Result<bool, DbError> {
        let t = now();
        let done =
            sqlx::query("UPDATE grants SET revoked_at = $1, revoked_why = $2 WHERE id = $3 AND revoked_at IS NULL")
                .bind(t)
                .bind(why)
                .bind(grant_id)
                .execute(&self.db.writer)
                .await?;
        sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE grant_id = $2 AND used_at IS NULL")
            .bind(t)
            .bind(grant_id)
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Grants tied to a provider session (for logout). Returns their ids.
    pub async fn grants_of_session(&self, session_id: &str) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT id FROM grants WHERE session_id = $1 AND revoked_at IS NULL")
            .bind(session_id)
            .fetch_all(&self.db.pool)
            .await?)
    }

    /// Marks one access token as revoked until it would have expired (RFC 7009 §2).
    pub async fn revoke_jti(&self, jti: &str, expires_at: i64) -> Result<(), DbError> {
        sqlx::query("INSERT INTO revoked_jtis (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
            .bind(jti)
            .bind(expires_at)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    pub async fn is_jti_revoked(&self, jti: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM revoked_jtis WHERE jti = $1")
            .bind(jti)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(n > 0)
    }

    /// Housekeeping: expired codes, refresh tokens, revoked-token entries and dead grants.
    pub async fn purge_expired(&self) -> Result<(), DbError> {
        let t = now();
        let pool = &self.db.pool;
        sqlx::query("DELETE FROM auth_codes WHERE expires_at <= $1").bind(t - 3600).execute(pool).await?;
        sqlx::query("DELETE FROM refresh_tokens WHERE expires_at <= $1").bind(t).execute(pool).await?;
        sqlx::query("DELETE FROM revoked_jtis WHERE expires_at <= $1").bind(t).execute(pool).await?;
        sqlx::query("DELETE FROM grants WHERE expires_at <= $1").bind(t).execute(pool).await?;
        Ok(())
    }
}
