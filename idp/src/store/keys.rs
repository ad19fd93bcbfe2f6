//! Signing keys in the database, so that every provider instance signs and publishes the same
//! ones. Per algorithm there is a `current` key (signs), a `next` key (published ahead so that
//! caches know it before it signs) and a `previous` key (still verifies what it signed).

use sqlx::Row;

use super::{Db, DbError, now};
use crate::jose::{Alg, SigningKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Next,
    Current,
    Previous,
}

impl KeyState {
    fn parse(s: &str) -> Result<Self, DbError> {
        match s {
            "next" => Ok(KeyState::Next),
            "current" => Ok(KeyState::Current),
            "previous" => Ok(KeyState::Previous),
            other => Err(DbError::Corrupt(format!("key state {other}"))),
        }
    }
}

/// A key as stored: the private key and where it stands in its rotation.
pub struct StoredKey {
    pub key: SigningKey,
    pub state: KeyState,
}

#[derive(Clone, Debug)]
pub struct KeyStore {
    db: Db,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("key material: {0}")]
    Jose(#[from] crate::jose::JoseError),
}

impl From<sqlx::Error> for KeyStoreError {
    fn from(e: sqlx::Error) -> Self {
        KeyStoreError::Db(DbError::Sqlx(e))
    }
}

impl KeyStore {
    pub fn new(db: Db) -> Self {
        KeyStore { db }
    }

    /// Every key that is not retired.
    pub async fn active(&self) -> Result<Vec<StoredKey>, KeyStoreError> {
        let rows = sqlx::query(
            "SELECT kid, alg, state, private_der FROM signing_keys WHERE state <> 'retired' ORDER BY alg, created_at",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let alg: String = row.try_get("alg")?;
            let alg: Alg = alg.parse()?;
            let der: Vec<u8> = row.try_get("private_der")?;
            let kid: String = row.try_get("kid")?;
            keys.push(StoredKey {
                key: SigningKey::from_pkcs8(alg, kid, &der)?,
                state: KeyState::parse(&row.try_get::<String, _>("state")?)?,
            });
        }
        Ok(keys)
    }

    /// Creates the missing current and next keys of an algorithm (first start). Safe to race:
    /// the unique index lets one instance win, and the loser simply reloads.
    pub async fn ensure(&self, alg: Alg) -> Result<(), KeyStoreError> {
        for state in ["current", "next"] {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE alg = $1 AND state = $2")
                .bind(alg.as_str())
                .bind(state)
                .fetch_one(&self.db.pool)
                .await?;
            if exists == 0 {
                let key = generate(alg).await?;
                let res = self.insert(&key, state).await;
                if let Err(KeyStoreError::Db(DbError::Sqlx(sqlx::Error::Database(e)))) = &res
                    && e.is_unique_violation()
                {
                    continue;
                }
                res?;
            }
        }
        Ok(())
    }

    async fn insert(&self, key: &SigningKey, state: &str) -> Result<(), KeyStoreError> {
        let t = now();
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, state, private_der, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key.kid())
        .bind(key.alg().as_str())
        .bind(state)
        .bind(key.to_pkcs8()?)
        .bind(t)
        .bind(if state == "current" { Some(t) } else { None })
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// One rotation step for an algorithm, in one transaction: previous → retired,
    /// current → previous, next → current, and a fresh next key.
    pub async fn rotate(&self, alg: Alg) -> Result<String, KeyStoreError> {
        let fresh = generate(alg).await?;
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        let a = alg.as_str();
        sqlx::query("UPDATE signing_keys SET state = 'retired', retired_at = $1 WHERE alg = $2 AND state = 'previous'")
            .bind(t)
            .bind(a)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET state = 'previous' WHERE alg = $1 AND state = 'current'")
            .bind(a)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET state = 'current', activated_at = $1 WHERE alg = $2 AND state = 'next'")
            .bind(t)
            .bind(a)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, state, private_der, created_at) VALUES ($1, $2, 'next', $3, $4)",
        )
        .bind(fresh.kid())
        .bind(a)
        .bind(fresh.to_pkcs8()?)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'current'")
                .bind(a)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(current.unwrap_or_default())
    }

    /// Drops retired private keys for good (they no longer verify anything).
    pub async fn purge_retired(&self) -> Result<u64, KeyStoreError> {
        let done = sqlx::query("DELETE FROM signing_keys WHERE state = 'retired'").execute(&self.db.writer).await?;
        Ok(done.rows_affected())
    }
}

/// Key generation (RSA especially) takes CPU time: keep it off the async workers.
async fn generate(alg: Alg) -> Result<SigningKey, KeyStoreError> {
    let kid = format!("{}-{}", alg.as_str().to_lowercase(), crate::secret::random_token(9));
    tokio::task::spawn_blocking(move || SigningKey::generate(alg, kid))
        .await
        .map_err(|_| crate::jose::JoseError::Crypto("key generation task failed"))?
        .map_err(KeyStoreError::from)
}
