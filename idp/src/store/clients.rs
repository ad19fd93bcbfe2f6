//! Registered clients (relying parties): the portal, the portlets and the schools' own tools.

use serde::Serialize;
use sqlx::Row;

use super::{Db, DbError, json_list, now, to_json_list};
use crate::jose::Alg;
use crate::secret;

#[derive(Clone, Debug, Serialize)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret; `None` for public clients (token endpoint auth method `none`).
    #[serde(skip)]
    pub secret_hash: Option<String>,
    /// First-party clients (portal, portlets) skip consent and see the public `sub`.
    pub first_party: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub id_token_alg: Alg,
    /// The resource indicator (RFC 8707) under which this client is also a resource server;
    /// no two clients share one.
    pub audience: Option<String>,
    /// The resources (RFC 8707) this client may ask tokens for with client_credentials.
    pub resources: Vec<String>,
    /// Where the provider posts logout tokens (OpenID Connect Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// Whether this client is registered for the resource (RFC 8707), by exact string.
    pub fn allows_resource(&self, resource: &str) -> bool {
        self.resources.iter().any(|r| r == resource)
    }

    /// Checks a presented secret against the stored hash, in constant time.
    pub fn secret_matches(&self, presented: &str) -> bool {
        match &self.secret_hash {
            Some(hash) => secret::ct_eq(hash, &secret::sha256_hex(presented)),
            None => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientStore {
    db: Db,
}

const COLUMNS: &str = "id, name, secret_hash, first_party, redirect_uris, post_logout_redirect_uris, grant_types, scopes, id_token_alg, audience, resources, backchannel_logout_uri";

/// Why a client could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("a client with the id {0:?} already exists")]
    IdTaken(String),
    #[error("the audience {audience:?} already names the client {holder:?}: an audience names one service")]
    AudienceTaken { audience: String, holder: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Client, DbError> {
    let alg: String = row.try_get("id_token_alg")?;
    Ok(Client {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        first_party: row.try_get::<i64, _>("first_party")? != 0,
        redirect_uris: json_list(&row.try_get::<String, _>("redirect_uris")?)?,
        post_logout_redirect_uris: json_list(&row.try_get::<String, _>("post_logout_redirect_uris")?)?,
        grant_types: json_list(&row.try_get::<String, _>("grant_types")?)?,
        scopes: json_list(&row.try_get::<String, _>("scopes")?)?,
        id_token_alg: alg.parse().map_err(|_| DbError::Corrupt(format!("id_token_alg {alg}")))?,
        audience: row.try_get("audience")?,
        resources: json_list(&row.try_get::<String, _>("resources")?)?,
        backchannel_logout_uri: row.try_get("backchannel_logout_uri")?,
    })
}

impl ClientStore {
    pub fn new(db: Db) -> Self {
        ClientStore { db }
    }

    /// Stores a client; a taken id or audience is a typed refusal. Which one is asked of the
    /// database after the unique violation, rather than read from the error's text (which
    /// differs per backend).
    pub async fn insert(&self, c: &Client) -> Result<(), InsertError> {
        match self.try_insert(c).await {
            Err(DbError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                if self.get(&c.id).await?.is_some() {
                    return Err(InsertError::IdTaken(c.id.clone()));
                }
                if let Some(audience) = &c.audience
                    && let Some(holder) = self.by_audience(audience).await?
                {
                    return Err(InsertError::AudienceTaken { audience: audience.clone(), holder: holder.id });
                }
                // The other client was removed meanwhile: the violation as it came.
                Err(DbError::Sqlx(sqlx::Error::Database(e)).into())
            }
            other => Ok(other?),
        }
    }

    async fn try_insert(&self, c: &Client) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO clients (id, name, secret_hash, first_party, redirect_uris, post_logout_redirect_uris, \
             grant_types, scopes, id_token_alg, audience, resources, backchannel_logout_uri, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(c.first_party as i64)
        .bind(to_json_list(&c.redirect_uris))
        .bind(to_json_list(&c.post_logout_redirect_uris))
        .bind(to_json_list(&c.grant_types))
        .bind(to_json_list(&c.scopes))
        .bind(c.id_token_alg.as_str())
        .bind(&c.audience)
        .bind(to_json_list(&c.resources))
        .bind(&c.backchannel_logout_uri)
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Client>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The client that is the resource server named by an RFC 8707 `resource` value.
    pub async fn by_audience(&self, audience: &str) -> Result<Option<Client>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE audience = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(audience).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn list(&self) -> Result<Vec<Client>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM clients ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.db.pool).await?.iter().map(from_row).collect()
    }

    /// Removes a client and, through the foreign keys, its grants, codes, refresh tokens and consents.
    pub async fn remove(&self, id: &str) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&self.db.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the secret; returns false when there is no such confidential client.
    pub async fn set_secret_hash(&self, id: &str, hash: &str) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE clients SET secret_hash = $1 WHERE id = $2 AND secret_hash IS NOT NULL")
            .bind(hash)
            .bind(id)
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
