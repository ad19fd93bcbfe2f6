//! A benchmark's own database, made for the run and removed at the end: a SQLite file in a new
//! temporary folder, or a new PostgreSQL database on the server `--database-url` names.

use std::path::PathBuf;

use anyhow::{Context, bail};
use sqlx::{Connection, PgConnection};
use url::Url;

/// The benchmark's database.
pub struct BenchDb {
    /// What the service under test connects to.
    pub url: String,
    place: Place,
}

enum Place {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl BenchDb {
    /// A new database named after `what` (`idp`, `messaging`): SQLite without a URL, PostgreSQL
    /// with a `postgres://` one (its `postgres` database is used to create and drop it).
    pub async fn create(url: Option<&str>, what: &str) -> anyhow::Result<BenchDb> {
        let suffix = ent_web::secret::sha256_hex(&ent_web::secret::new_id())[..16].to_string();
        match url {
            None => {
                let dir = std::env::temp_dir().join(format!("ent-bench-{what}-{suffix}"));
                std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
                let url = format!("sqlite://{}", dir.join(format!("{what}.db")).display());
                Ok(BenchDb { url, place: Place::Sqlite { dir } })
            }
            Some(u) if u.starts_with("postgres:") || u.starts_with("postgresql:") => {
                let mut parsed = Url::parse(u).context("--database-url is not a URL")?;
                parsed.set_path("/postgres");
                let admin_url = parsed.to_string();
                let name = format!("ent_bench_{what}_{suffix}");
                if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                    bail!("a benchmark database's name is lower-case letters, digits and _: {name}");
                }
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .with_context(|| format!("connecting to {}", redact(&admin_url)))?;
                // `name` was checked above: nothing to escape.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("creating database {name}"))?;
                let _ = admin.close().await;
                parsed.set_path(&format!("/{name}"));
                Ok(BenchDb { url: parsed.to_string(), place: Place::Postgres { admin_url, name } })
            }
            Some(_) => bail!("--database-url must be a postgres:// URL (SQLite is the default)"),
        }
    }

    /// `SQLite` or `PostgreSQL`.
    pub fn backend(&self) -> &'static str {
        match self.place {
            Place::Sqlite { .. } => "SQLite",
            Place::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Where it is: `file in /tmp/…` or `database ent_bench_… (dropped at the end)`.
    pub fn place(&self) -> String {
        match &self.place {
            Place::Sqlite { dir } => format!("file in {}", dir.display()),
            Place::Postgres { name, .. } => format!("database {name} (dropped at the end)"),
        }
    }

    /// Removes the folder or drops the database.
    pub async fn remove(self) -> anyhow::Result<()> {
        match self.place {
            Place::Sqlite { dir } => {
                std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))
            }
            Place::Postgres { admin_url, name } => {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("dropping database {name}"))?;
                let _ = admin.close().await;
                Ok(())
            }
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
