//! Test helpers (feature `testing`): sessions created without a login, so that page tests need
//! no provider, and throw-away databases on SQLite and PostgreSQL.
//!
//! PostgreSQL tests use `ENT_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and create one database `ent_portal_test_<secs>_<random>` each, dropped afterwards. Without a
//! server they are skipped (a notice on stderr), unless `ENT_REQUIRE_POSTGRES=1`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::db::{Db, now};
use crate::state::PortalState;
use crate::store::{NewSession, SessionSecrets};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PREFIX: &str = "ent_portal_test_";

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

/// A throw-away database.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Closes the pools and removes the database.
    pub async fn cleanup(self) {
        self.db.pool.close().await;
        self.db.writer.close().await;
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = admin(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A fresh SQLite database in its own temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(format!("ent-portal-test-{}", suffix()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let url = format!("sqlite://{}", dir.join("portal.db").display());
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    TestDb { db, url, cleanup: Cleanup::Dir(dir) }
}

async fn admin(admin_url: &str) -> Result<PgConnection, String> {
    let options = PgConnectOptions::from_str(admin_url).map_err(|e| e.to_string())?.disable_statement_logging();
    match tokio::time::timeout(Duration::from_secs(5), options.connect()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".into()),
    }
}

/// A fresh, migrated PostgreSQL database, or `None` when there is no server (see the module docs).
pub async fn postgres() -> Option<TestDb> {
    let admin_url = std::env::var("ENT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string());
    let mut conn = match admin(&admin_url).await {
        Ok(c) => c,
        Err(why) => {
            if std::env::var("ENT_REQUIRE_POSTGRES").is_ok_and(|v| v.trim() == "1") {
                panic!("ENT_REQUIRE_POSTGRES=1 but no PostgreSQL server answers: {why}");
            }
            eprintln!("skipping a PostgreSQL test: no server ({why})");
            return None;
        }
    };
    let name = format!("{PREFIX}{}_{}", now(), suffix());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
    let _ = conn.close().await;
    let mut url = url::Url::parse(&admin_url).unwrap_or_else(|e| panic!("bad ENT_TEST_POSTGRES_URL: {e}"));
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("cannot open the test database {name}: {e}"));
    Some(TestDb { db, url, cleanup: Cleanup::Postgres { admin_url, name } })
}
