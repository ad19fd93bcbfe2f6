//! Throw-away databases for tests, on both backends (compiled for the crate's own tests and with
//! the `testing` feature).
//!
//! * [`sqlite()`] opens a fresh file in its own directory under the system temp dir.
//! * [`postgres()`] creates a fresh database `ent_test_<unix secs>_<random>` on the server named
//!   by `ENT_TEST_POSTGRES_URL` (default [`DEFAULT_POSTGRES_URL`]). When no server answers it
//!   returns `None` (the test is skipped, with one notice on stderr), unless
//!   `ENT_REQUIRE_POSTGRES=1`, in which case it panics.
//! * [`both_backends!`](crate::both_backends) writes one test for each backend.
//!
//! Cleaning up: [`TestDb::cleanup`] (what the macro calls) closes the pool and removes the
//! database. If a test panics first, dropping the [`DbGuard`] removes it anyway (PostgreSQL from a
//! helper thread, since `Drop` cannot await). Databases left behind by killed runs carry their
//! creation time in their name and are dropped by the first test of a later run once they are
//! more than an hour old; so are stray SQLite directories.

use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Once;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::{Backend, Db, Migrations, now};

/// Where PostgreSQL tests go when `ENT_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Names of the databases (PostgreSQL) and directories (SQLite, with `-`) the tests create.
pub const PREFIX: &str = "ent_test_";
const SQLITE_DIR_PREFIX: &str = "ent-test-";

/// Leftovers older than this are dropped by later runs.
const STALE_AFTER_SECS: i64 = 3600;

/// How long to wait for the PostgreSQL server before deciding that there is none.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh, migrated database for one test. Its data goes away with it.
#[derive(Debug)]
pub struct TestDb {
    pub db: Db,
    /// The URL `db` was opened with (connect a second instance to the same database with it).
    pub url: String,
    pub guard: DbGuard,
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Closes the pool (every clone of it) and removes the database now.
    pub async fn cleanup(self) {
        let TestDb { db, guard, .. } = self;
        db.pool.close().await;
        db.writer.close().await;
        guard.cleanup().await;
    }
}

/// Removes a test database when dropped (or, better, when [`DbGuard::cleanup`] is awaited).
#[derive(Debug)]
pub struct DbGuard {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
    Gone,
}

impl DbGuard {
    /// Removes the database now. Connections to it should be closed first (PostgreSQL ends the
    /// remaining ones by force).
    pub async fn cleanup(mut self) {
        match std::mem::replace(&mut self.target, Target::Gone) {
            Target::Sqlite { dir } => remove_dir(&dir),
            Target::Postgres { admin_url, name } => {
                // Best effort: a database left here is swept by a later run.
                let _ = drop_database(&admin_url, &name).await;
            }
            Target::Gone => {}
        }
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.target, Target::Gone) {
            Target::Sqlite { dir } => remove_dir(&dir),
            Target::Postgres { admin_url, name } => {
                // We may be inside a runtime (even a current-thread one): do the async work on a
                // thread of its own, with a runtime of its own, and wait for it.
                let worker = std::thread::Builder::new().name("ent-test-dropdb".into()).spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        let _ = rt.block_on(drop_database(&admin_url, &name));
                    }
                });
                if let Ok(worker) = worker {
                    let _ = worker.join();
                }
            }
            Target::Gone => {}
        }
    }
}

fn remove_dir(dir: &std::path::Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// A random, collision-free suffix.
fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

// ----- SQLite -----

/// A fresh SQLite database in a new directory under the system temp dir, migrated.
pub async fn sqlite(migrations: &Migrations) -> TestDb {
    let (url, guard) = sqlite_shared_url();
    let db = Db::connect(&url, migrations)
        .await
        .unwrap_or_else(|e| panic!("cannot open the test SQLite database {url}: {e}"));
    TestDb { db, url, guard }
}

/// A new (empty, not yet created) SQLite database URL, for tests that open it more than once.
pub fn sqlite_shared_url() -> (String, DbGuard) {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(sweep_sqlite_dirs);
    let dir = std::env::temp_dir().join(format!("{SQLITE_DIR_PREFIX}{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create the test directory {}: {e}", dir.display()));
    let url = format!("sqlite://{}", dir.join("test.db").display());
    (url, DbGuard { target: Target::Sqlite { dir } })
}

/// Removes test directories that earlier (killed) runs left in the temp dir.
fn sweep_sqlite_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    let stale = Duration::from_secs(STALE_AFTER_SECS.unsigned_abs());
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(SQLITE_DIR_PREFIX) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > stale);
        if old {
            remove_dir(&entry.path());
        }
    }
}

// ----- PostgreSQL -----

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// Whether the server answered so far (so that a missing server costs one timeout per run).
static SERVER: AtomicU8 = AtomicU8::new(UNKNOWN);

/// The server's admin URL: `ENT_TEST_POSTGRES_URL`, or the default.
pub fn postgres_admin_url() -> String {
    std::env::var("ENT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string())
}

fn postgres_required() -> bool {
    std::env::var("ENT_REQUIRE_POSTGRES").is_ok_and(|v| v.trim() == "1")
}

/// A fresh, migrated PostgreSQL database, or `None` when there is no server (see module docs).
pub async fn postgres(migrations: &Migrations) -> Option<TestDb> {
    let (url, guard) = postgres_shared_url().await?;
    match Db::connect(&url, migrations).await {
        Ok(db) => Some(TestDb { db, url, guard }),
        Err(e) => panic!("cannot open the test PostgreSQL database {url}: {e}"),
    }
}

/// A fresh, empty PostgreSQL database (not migrated: `Db::connect` does that), for tests that
/// connect several instances of a service to it. `None` when there is no server (see module docs).
pub async fn postgres_shared_url() -> Option<(String, DbGuard)> {
    let admin_url = postgres_admin_url();
    if SERVER.load(Ordering::Acquire) == DOWN {
        return no_server(&admin_url, "not reachable earlier in this run");
    }
    let mut admin = match admin_connection(&admin_url).await {
        Ok(conn) => conn,
        Err(why) => {
            SERVER.store(DOWN, Ordering::Release);
            return no_server(&admin_url, &why);
        }
    };
    if SERVER.swap(UP, Ordering::AcqRel) == UNKNOWN {
        sweep_postgres(&mut admin).await;
    }
    let name = format!("{PREFIX}{}_{}", now(), random_suffix());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {name} at {admin_url}: {e}"));
    let _ = admin.close().await;
    let url = database_url(&admin_url, &name);
    Some((url, DbGuard { target: Target::Postgres { admin_url, name } }))
}

/// Skips (once noted on stderr), or panics when PostgreSQL is required.
fn no_server<T>(admin_url: &str, why: &str) -> Option<T> {
    let shown = redact(admin_url);
    if postgres_required() {
        panic!("ENT_REQUIRE_POSTGRES=1 but there is no PostgreSQL server at {shown}: {why}");
    }
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        eprintln!(
            "skipping PostgreSQL tests: no server at {shown} \
             (set ENT_TEST_POSTGRES_URL, or ENT_REQUIRE_POSTGRES=1 to fail)"
        );
    });
    None
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The admin URL pointed at another database (query parameters kept).
fn database_url(admin_url: &str, name: &str) -> String {
    match url::Url::parse(admin_url) {
        Ok(mut u) => {
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        Err(_) => format!("postgres://postgres@127.0.0.1:5432/{name}"),
    }
}

async fn admin_connection(admin_url: &str) -> Result<PgConnection, String> {
    let options =
        PgConnectOptions::from_str(admin_url).map_err(|e| format!("bad URL: {e}"))?.disable_statement_logging();
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let mut admin = admin_connection(admin_url).await?;
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.map(|_| ()).map_err(|e| e.to_string());
    let _ = admin.close().await;
    done
}

/// Drops the test databases that earlier (killed) runs left behind, once they are an hour old.
async fn sweep_postgres(admin: &mut PgConnection) {
    let names: Vec<String> = match sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
        .bind(PREFIX)
        .fetch_all(&mut *admin)
        .await
    {
        Ok(names) => names,
        Err(_) => return,
    };
    let cutoff = now() - STALE_AFTER_SECS;
    for name in names {
        let created =
            name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()).and_then(|secs| secs.parse::<i64>().ok());
        if created.is_some_and(|t| t < cutoff) && is_test_name(&name) {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *admin).await;
        }
    }
}

/// Only names this module makes (so that the quoting above is never in doubt).
fn is_test_name(name: &str) -> bool {
    name.starts_with(PREFIX) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

// ----- Running tests -----

/// Runs a test body on a fresh multi-threaded runtime (two workers, so that tasks spawned by a
/// test really run side by side).
pub fn run<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("cannot build the test runtime")
        .block_on(test)
}

/// What a test body may return: `()`, or a `Result` whose error fails the test.
pub trait Outcome {
    fn check(self);
}

impl Outcome for () {
    fn check(self) {}
}

impl<E: std::fmt::Debug> Outcome for Result<(), E> {
    fn check(self) {
        if let Err(e) = self {
            panic!("test failed: {e:?}");
        }
    }
}

/// Writes one test per backend, in a module named after the test: `name::sqlite` and
/// `name::postgres` (which passes, doing nothing, when there is no PostgreSQL server; see the
/// module docs). The first argument is the service's [`Migrations`]. Attributes given before the
/// name (`#[ignore = "…"]`, `#[should_panic]`) go on both tests. The body is an `async` block that
/// returns `()` or a `Result<(), impl Debug>`; it gets the [`Db`], or with `|t: &TestDb|` the
/// whole [`TestDb`] (its URL, to open a second instance).
///
/// ```ignore
/// ent_storage::both_backends!(crate::MIGRATIONS; notes_are_kept, |db| async move {
///     // …
/// });
/// ```
#[macro_export]
macro_rules! both_backends {
    ($migrations:expr; $(#[$meta:meta])* $name:ident, |$t:ident : &TestDb| $body:expr $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[test]
            fn sqlite() {
                $crate::testing::run(async {
                    let test_db = $crate::testing::sqlite(&$migrations).await;
                    {
                        let $t: &$crate::testing::TestDb = &test_db;
                        $crate::testing::Outcome::check($body.await);
                    }
                    test_db.cleanup().await;
                })
            }

            $(#[$meta])*
            #[test]
            fn postgres() {
                $crate::testing::run(async {
                    let Some(test_db) = $crate::testing::postgres(&$migrations).await else {
                        return;
                    };
                    {
                        let $t: &$crate::testing::TestDb = &test_db;
                        $crate::testing::Outcome::check($body.await);
                    }
                    test_db.cleanup().await;
                })
            }
        }
    };
    ($migrations:expr; $(#[$meta:meta])* $name:ident, |$db:ident $(: $ty:ty)?| $body:expr $(,)?) => {
        $crate::both_backends!($migrations; $(#[$meta])* $name, |test_db_: &TestDb| async {
            let $db: $crate::Db = test_db_.db.clone();
            $body.await
        });
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_keeps_the_server_and_the_query() {
        assert_eq!(
            database_url("postgres://u:p@db.example:6543/postgres?sslmode=disable", "ent_test_1_ab"),
            "postgres://u:p@db.example:6543/ent_test_1_ab?sslmode=disable"
        );
        assert_eq!(database_url("postgres://postgres@127.0.0.1:5432", "x"), "postgres://postgres@127.0.0.1:5432/x");
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn only_our_names_are_swept() {
        assert!(is_test_name(&format!("{PREFIX}{}_{}", now(), random_suffix())));
        assert!(!is_test_name("ent_test_1\"; DROP"));
        assert!(!is_test_name("postgres"));
    }

    #[test]
    fn sqlite_test_databases_go_away() {
        let dir = run(async {
            static NONE: sqlx::migrate::Migrator = sqlx::migrate!("./tests/no-migrations");
            let t = sqlite(&Migrations { sqlite: &NONE, postgres: &NONE }).await;
            let Target::Sqlite { dir } = &t.guard.target else {
                panic!("not a SQLite guard");
            };
            let dir = dir.clone();
            assert!(dir.exists());
            t.cleanup().await;
            dir
        });
        assert!(!dir.exists());
    }
}
