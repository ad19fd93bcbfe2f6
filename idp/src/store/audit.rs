//! The audit trail: every login, failure, consent, revocation and administrative act, with the
//! internal (pseudonymous) person id at most. Never a password, a token, a name or an address.

use serde::Serialize;
use sqlx::Row;

use super::{Db, DbError, now};

/// One audit record.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: i64,
    /// e.g. `login`, `consent`, `token.revoke`, `client.add`.
    pub event: String,
    /// `ok`, or why it failed (`bad_credentials`, `throttled`, …).
    pub outcome: String,
    pub person_id: Option<String>,
    pub client_id: Option<String>,
    /// A small JSON object without personal data.
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(event: &str, outcome: &str) -> Self {
        AuditEvent { at: now(), event: event.into(), outcome: outcome.into(), ..Default::default() }
    }
    pub fn person(mut self, id: &str) -> Self {
        self.person_id = Some(id.into());
        self
    }
    pub fn client(mut self, id: &str) -> Self {
        self.client_id = Some(id.into());
        self
    }
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
}

#[derive(Clone, Debug)]
pub struct AuditStore {
    db: Db,
}

impl AuditStore {
    pub fn new(db: Db) -> Self {
        AuditStore { db }
    }

    pub async fn record(&self, e: &AuditEvent) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO audit (at, event, outcome, person_id, client_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at)
        .bind(&e.event)
        .bind(&e.outcome)
        .bind(&e.person_id)
        .bind(&e.client_id)
        .bind(&e.detail)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// The most recent records, newest first.
    pub async fn recent(&self, limit: i64) -> Result<Vec<AuditEvent>, DbError> {
        sqlx::query("SELECT at, event, outcome, person_id, client_id, detail FROM audit ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(AuditEvent {
                    at: r.try_get("at")?,
                    event: r.try_get("event")?,
                    outcome: r.try_get("outcome")?,
                    person_id: r.try_get("person_id")?,
                    client_id: r.try_get("client_id")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
