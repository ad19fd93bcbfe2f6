//! Test helpers (feature `testing`): sessions created without a login, so that page tests need
//! no provider, and `ent-storage`'s throw-away databases (SQLite, PostgreSQL) with the portal's
//! tables.

pub use ent_storage::testing::TestDb;

use crate::db::{MIGRATIONS, now};
use crate::state::PortalState;
use crate::store::{NewSession, SessionSecrets};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A session to create directly in the store.
#[derive(Clone, Debug)]
pub struct TestSession {
    pub sub: String,
    pub sid: Option<String>,
    pub name: String,
    pub profile: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: String,
    /// Seconds until the access token expires.
    pub access_ttl: i64,
}

impl TestSession {
    pub fn new(sub: &str, profile: &str) -> Self {
        TestSession {
            sub: sub.into(),
            sid: Some(format!("sid-{sub}")),
            name: format!("Name of {sub}"),
            profile: profile.into(),
            access_token: format!("access-{sub}"),
            refresh_token: Some(format!("refresh-{sub}")),
            id_token: "header.payload.signature".into(),
            access_ttl: 600,
        }
    }

    /// Stores the session; returns the cookie value a browser would hold.
    pub async fn create(&self, state: &PortalState) -> String {
        let t = now();
        let new = NewSession {
            sub: self.sub.clone(),
            sid: self.sid.clone(),
            profile: self.profile.clone(),
            secrets: SessionSecrets {
                name: self.name.clone(),
                access_token: self.access_token.clone(),
                refresh_token: self.refresh_token.clone(),
                id_token: self.id_token.clone(),
            },
            access_expires_at: t + self.access_ttl,
        };
        state
            .store
            .create(&new, t, t + state.config.session_max_secs as i64)
            .await
            .unwrap_or_else(|e| panic!("cannot create a test session: {e}"))
    }
}

/// A fresh SQLite database with the portal's tables.
pub async fn sqlite() -> TestDb {
    ent_storage::testing::sqlite(&MIGRATIONS).await
}

/// A fresh PostgreSQL database with the portal's tables, or `None` when there is no server
/// (unless `ENT_REQUIRE_POSTGRES=1`).
pub async fn postgres() -> Option<TestDb> {
    ent_storage::testing::postgres(&MIGRATIONS).await
}
