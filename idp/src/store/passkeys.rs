//! Passkeys: each person's named WebAuthn credentials, the single-use state of the ceremonies in
//! progress, logins waiting for their passkey step, and what a login must still tell a person.
//!
//! A ceremony's state is taken by one conditional `DELETE … RETURNING` that also checks what it is
//! bound to and its expiry: a replayed response finds nothing (webauthn-rs itself would accept the
//! same assertion twice against the same state).

use sqlx::Row;
use webauthn_rs::prelude::Passkey;

use super::{Db, DbError, now};
use crate::secret;

/// One registered passkey, as the account page and the login need it.
#[derive(Clone, Debug)]
pub struct StoredPasskey {
    pub id: String,
    pub person_id: String,
    pub user_handle: String,
    pub cred_id: String,
    pub name: String,
    pub passkey: Passkey,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A login whose first step (a password) is done and whose passkey step is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLogin {
    pub id_hash: String,
    pub person_id: String,
    pub req_id: String,
    pub method: String,
}

/// The kinds of ceremony state, each taken only as its own kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceremony {
    /// Registering a new passkey.
    Register,
    /// Proving one of a known person's passkeys (second step after a password).
    Authenticate,
    /// A passkey alone: the person is known only from the answer (discoverable credential).
    Discover,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::Authenticate => "authenticate",
            Ceremony::Discover => "discover",
        }
    }
}

/// The backup flags of a passkey (eligible, backed up), read from its serialised form since
/// webauthn-rs keeps them private.
pub fn backup_flags(passkey: &Passkey) -> (bool, bool) {
    let v = serde_json::to_value(passkey).unwrap_or_default();
    let flag = |k: &str| v["cred"][k].as_bool().unwrap_or(false);
    (flag("backup_eligible"), flag("backup_state"))
}

/// A credential id as stored: unpadded base64url, as browsers and webauthn-rs print it.
pub fn cred_id_text(bytes: &[u8]) -> String {
    crate::jose::b64url(bytes)
}

/// Inserts a passkey (with `only_first`, only if the person has none); its id, or `None` when
/// nothing was inserted.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person_id: &str,
    user_handle: &str,
    name: &str,
    passkey: &Passkey,
    only_first: bool,
) -> Result<Option<String>, DbError> {
    let id = secret::new_id();
    let json = serde_json::to_string(passkey).map_err(|e| DbError::Corrupt(format!("passkey: {e}")))?;
    let (eligible, state) = backup_flags(passkey);
    let guard = if only_first { " WHERE NOT EXISTS (SELECT 1 FROM passkeys WHERE person_id = $2)" } else { "" };
    let sql = format!(
        "INSERT INTO passkeys (id, person_id, user_handle, cred_id, name, passkey, backup_eligible, backup_state, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9{guard}"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&id)
        .bind(person_id)
        .bind(user_handle)
        .bind(cred_id_text(passkey.cred_id()))
        .bind(name)
        .bind(json)
        .bind(i64::from(eligible))
        .bind(i64::from(state))
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

#[derive(Clone, Debug)]
pub struct PasskeyStore {
    db: Db,
}

const COLUMNS: &str = "id, person_id, user_handle, cred_id, name, passkey, backup_eligible, backup_state, \
                       created_at, last_used_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StoredPasskey, DbError> {
    let json: String = r.try_get("passkey")?;
    Ok(StoredPasskey {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        user_handle: r.try_get("user_handle")?,
        cred_id: r.try_get("cred_id")?,
        name: r.try_get("name")?,
        passkey: serde_json::from_str(&json).map_err(|e| DbError::Corrupt(format!("passkey: {e}")))?,
        backup_eligible: r.try_get::<i64, _>("backup_eligible")? != 0,
        backup_state: r.try_get::<i64, _>("backup_state")? != 0,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

impl PasskeyStore {
    pub fn new(db: Db) -> Self {
        PasskeyStore { db }
    }

    // ----- Passkeys -----

    /// The WebAuthn user id of a person's passkeys, if they have any. A person without passkeys
    /// gets a new one at their first registration, so that credentials removed by a reset still
    /// left on an authenticator name nobody.
    pub async fn user_handle(&self, person_id: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT user_handle FROM passkeys WHERE person_id = $1 ORDER BY created_at LIMIT 1")
            .bind(person_id)
            .fetch_optional(&self.db.pool)
            .await?)
    }

    /// A person's passkeys, oldest first.
    pub async fn list(&self, person_id: &str) -> Result<Vec<StoredPasskey>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE person_id = $1 ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(person_id).fetch_all(&self.db.pool).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn count(&self, person_id: &str) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE person_id = $1")
            .bind(person_id)
            .fetch_one(&self.db.pool)
            .await?)
    }

    /// Stores a newly registered passkey; returns its id.
    pub async fn add(
        &self,
        person_id: &str,
        user_handle: &str,
        name: &str,
        passkey: &Passkey,
    ) -> Result<String, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let id = insert(&mut tx, person_id, user_handle, name, passkey, false).await?;
        tx.commit().await?;
        id.ok_or_else(|| DbError::Corrupt("passkey insert stored nothing".into()))
    }

    /// Stores a person's FIRST passkey: `None`, and nothing stored, when they already have one.
    /// The person's row is locked for the transaction, so of two concurrent first registrations
    /// one stores and the other sees its passkey (SQLite's one writer serialises them anyway).
    pub async fn add_first(
        &self,
        person_id: &str,
        user_handle: &str,
        name: &str,
        passkey: &Passkey,
    ) -> Result<Option<String>, DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("UPDATE people SET disabled = disabled WHERE id = $1").bind(person_id).execute(&mut *tx).await?;
        let id = insert(&mut tx, person_id, user_handle, name, passkey, true).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The passkey an assertion names: its credential id under this user handle (both must match,
    /// so an assertion cannot borrow another person's user handle).
    pub async fn by_credential(&self, user_handle: &str, cred_id: &str) -> Result<Option<StoredPasskey>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_handle = $1 AND cred_id = $2");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_handle).bind(cred_id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Records a successful use: the updated credential (counter, backup flags) and the date.
    pub async fn record_use(&self, id: &str, passkey: &Passkey) -> Result<(), DbError> {
        let json = serde_json::to_string(passkey).map_err(|e| DbError::Corrupt(format!("passkey: {e}")))?;
        let (eligible, state) = backup_flags(passkey);
        sqlx::query(
            "UPDATE passkeys SET passkey = $2, backup_eligible = $3, backup_state = $4, last_used_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(json)
        .bind(i64::from(eligible))
        .bind(i64::from(state))
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Renames one of a person's passkeys; false when they have no such passkey.
    pub async fn rename(&self, person_id: &str, id: &str, name: &str) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE passkeys SET name = $3 WHERE id = $1 AND person_id = $2")
            .bind(id)
            .bind(person_id)
            .bind(name)
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes one of a person's passkeys; false when they have no such passkey.
    pub async fn remove(&self, person_id: &str, id: &str) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND person_id = $2")
            .bind(id)
            .bind(person_id)
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes every passkey of a person (recovery by an administrator) and leaves them a notice
    /// for their next login, in one transaction. Returns how many were removed.
    pub async fn reset(&self, person_id: &str) -> Result<u64, DbError> {
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("DELETE FROM passkeys WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO passkey_notices (person_id, reset_at) VALUES ($1, $2) \
             ON CONFLICT (person_id) DO UPDATE SET reset_at = excluded.reset_at",
        )
        .bind(person_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    // ----- Notices -----

    /// Whether an administrator removed this person's passkeys since they were last told; telling
    /// them is this call (the notice is cleared).
    pub async fn take_reset_notice(&self, person_id: &str) -> Result<bool, DbError> {
        let taken: Option<String> = sqlx::query_scalar(
            "UPDATE passkey_notices SET reset_at = NULL WHERE person_id = $1 AND reset_at IS NOT NULL RETURNING person_id",
        )
        .bind(person_id)
        .fetch_optional(&self.db.writer)
        .await?;
        Ok(taken.is_some())
    }

    /// Whether a reset notice waits for this person (without clearing it).
    pub async fn has_reset_notice(&self, person_id: &str) -> Result<bool, DbError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM passkey_notices WHERE person_id = $1 AND reset_at IS NOT NULL")
                .bind(person_id)
                .fetch_one(&self.db.pool)
                .await?;
        Ok(n > 0)
    }

    /// "Not now" to the invitation to create a passkey.
    pub async fn dismiss_invitation(&self, person_id: &str) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO passkey_notices (person_id, invite_dismissed_at) VALUES ($1, $2) \
             ON CONFLICT (person_id) DO UPDATE SET invite_dismissed_at = excluded.invite_dismissed_at",
        )
        .bind(person_id)
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// When the person last dismissed the invitation.
    pub async fn invitation_dismissed_at(&self, person_id: &str) -> Result<Option<i64>, DbError> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT invite_dismissed_at FROM passkey_notices WHERE person_id = $1")
            .bind(person_id)
            .fetch_optional(&self.db.pool)
            .await?
            .flatten())
    }

    // ----- Ceremony state -----

    /// Keeps a ceremony's state, bound to `binding`, for `ttl_secs`; returns its id.
    pub async fn put_challenge(
        &self,
        kind: Ceremony,
        binding: &str,
        state_json: &str,
        ttl_secs: i64,
    ) -> Result<String, DbError> {
        let id = secret::new_id();
        sqlx::query(
            "INSERT INTO webauthn_challenges (id, kind, binding, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(kind.as_str())
        .bind(binding)
        .bind(state_json)
        .bind(now() + ttl_secs)
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    /// Takes a ceremony's state out, once: only with its kind and binding, and before it expires.
    pub async fn take_challenge(&self, id: &str, kind: Ceremony, binding: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "DELETE FROM webauthn_challenges WHERE id = $1 AND kind = $2 AND binding = $3 AND expires_at > $4 \
             RETURNING state",
        )
        .bind(id)
        .bind(kind.as_str())
        .bind(binding)
        .bind(now())
        .fetch_optional(&self.db.writer)
        .await?)
    }

    // ----- Logins waiting for their passkey step -----

    /// Opens a waiting login; returns the cookie value (only its hash is stored).
    pub async fn start_pending(
        &self,
        person_id: &str,
        req_id: &str,
        method: &str,
        ttl_secs: i64,
    ) -> Result<String, DbError> {
        let token = secret::new_secret();
        sqlx::query(
            "INSERT INTO pending_logins (id_hash, person_id, req_id, method, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret::sha256_hex(&token))
        .bind(person_id)
        .bind(req_id)
        .bind(method)
        .bind(now() + ttl_secs)
        .execute(&self.db.writer)
        .await?;
        Ok(token)
    }

    /// The live waiting login a cookie value names, for this parked request.
    pub async fn pending(&self, cookie_value: &str, req_id: &str) -> Result<Option<PendingLogin>, DbError> {
        let row = sqlx::query(
            "SELECT id_hash, person_id, req_id, method FROM pending_logins \
             WHERE id_hash = $1 AND req_id = $2 AND expires_at > $3",
        )
        .bind(secret::sha256_hex(cookie_value))
        .bind(req_id)
        .bind(now())
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            Ok(PendingLogin {
                id_hash: r.try_get("id_hash")?,
                person_id: r.try_get("person_id")?,
                req_id: r.try_get("req_id")?,
                method: r.try_get("method")?,
            })
        })
        .transpose()
    }

    /// Ends a waiting login once (its passkey step succeeded); false if it was already ended.
    pub async fn finish_pending(&self, id_hash: &str) -> Result<bool, DbError> {
        let done =
            sqlx::query("DELETE FROM pending_logins WHERE id_hash = $1").bind(id_hash).execute(&self.db.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Housekeeping: expired ceremonies and waiting logins.
    pub async fn purge_expired(&self) -> Result<(), DbError> {
        let t = now();
        sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at <= $1").bind(t).execute(&self.db.writer).await?;
        sqlx::query("DELETE FROM pending_logins WHERE expires_at <= $1").bind(t).execute(&self.db.writer).await?;
        Ok(())
    }
}
