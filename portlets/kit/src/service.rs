//! A portlet as the kit runs it. A portlet crate describes itself once — its name, its
//! migrations, its own state built from its database, its routes — as a [`Portlet`]; the kit
//! does the rest the same way for every portlet: connects and migrates the database, builds the
//! token verifier and the directory client from the configuration, wraps the routes with the
//! shared layers and `/health`, binds the listener and serves with a graceful shutdown, and runs
//! the portlet's periodic jobs beside it, and serves its own origin when it has one.
//!
//! Handlers share a [`Shared`]: the kit's part ([`Kit`]: verifier, directory, mailer, clock) and the
//! portlet's own (its store), reached through `Deref`. The `Identity` extractor finds the
//! verifier in it, so no portlet writes a `FromRef`.

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use tokio::net::TcpListener;

use crate::calendar::Date;
use crate::clock::Clock;
use crate::config::PortletConfig;
use crate::demo::{DemoSchool, Fill};
use crate::directory::Directory;
use crate::jobs::{Job, Leases};
use crate::mail::{MailError, Mailer};
use crate::origin::Origin;
use crate::server::{self, Server};
use crate::verify::Verifier;
use ent_storage::{Db, DbError, Migrations};

/// A portlet's migrations, one folder per backend (`migrations/sqlite`, `migrations/postgres`
/// beside the crate's `Cargo.toml`): `pub static MIGRATIONS: Migrations = migrations!();`.
/// The crate depends on `sqlx` (the workspace's), whose macro reads the folders at build time.
#[macro_export]
macro_rules! migrations {
    () => {{
        static SQLITE: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/sqlite");
        static POSTGRES: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/postgres");
        $crate::Migrations { sqlite: &SQLITE, postgres: &POSTGRES }
    }};
}

/// What the kit gives every portlet's handlers.
#[derive(Debug)]
pub struct Kit {
    pub verifier: Arc<Verifier>,
    /// Class rosters and a school's classes at the provider; absent without client credentials.
    pub directory: Option<Directory>,
    /// Outgoing mail; absent without a `mail` section in the configuration.
    pub mailer: Option<Mailer>,
    pub clock: Clock,
    /// The portlet's own origin (its address, its link key); absent without an `origin`
    /// section, or for a portlet that serves none.
    pub origin: Option<Origin>,
}

/// The handlers' state: the kit's part and the portlet's own (`T`, reached by `Deref`).
pub struct Shared<T> {
    kit: Arc<Kit>,
    own: Arc<T>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared { kit: self.kit.clone(), own: self.own.clone() }
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.own
    }
}

impl<T> FromRef<Shared<T>> for Arc<Verifier> {
    fn from_ref(s: &Shared<T>) -> Arc<Verifier> {
        s.kit.verifier.clone()
    }
}

impl<T> Shared<T> {
    pub fn new(kit: Kit, own: T) -> Shared<T> {
        Shared { kit: Arc::new(kit), own: Arc::new(own) }
    }

    pub fn kit(&self) -> &Kit {
        &self.kit
    }

    /// The directory, when the portlet has credentials for it.
    pub fn directory(&self) -> Option<&Directory> {
        self.kit.directory.as_ref()
    }

    /// The mailer, when the portlet is configured to send mail.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.kit.mailer.as_ref()
    }

    /// The portlet's own origin, when it has one: where its pages for browsers live, and the
    /// key its signed links are made with.
    pub fn origin(&self) -> Option<&Origin> {
        self.kit.origin.as_ref()
    }

    /// Seconds since the epoch, by the portlet's clock.
    pub fn now(&self) -> i64 {
        self.kit.clock.now()
    }

    /// Today in Paris, by the portlet's clock.
    pub fn today(&self) -> Date {
        self.kit.clock.today()
    }
}

/// A portlet, described once by its crate (`pub static PORTLET: Portlet<…>`).
pub struct Portlet<T> {
    /// Its name in the portal's URLs and in the registry (`homework`).
    pub name: &'static str,
    pub migrations: &'static Migrations,
    /// Its own state, from its database (its store).
    pub state: fn(Db) -> T,
    /// Its routes (`/fragment/summary`, `/view/…`); the kit adds `/health` and the layers.
    pub routes: fn() -> Router<Shared<T>>,
    /// What it writes for the demo school in a new `ent demo` database (`None`: nothing).
    pub demo: Option<Fill<T>>,
    /// Its periodic jobs, made from the handlers' state (`None`: none); the kit runs them
    /// beside the server, one instance per run (`jobs`).
    pub jobs: Option<fn(Shared<T>) -> Vec<Job>>,
    /// The routes it serves on its own origin (`None`: none), when the configuration has an
    /// `origin` section: reached by browsers directly, never through the portal, with no
    /// token and no cookie, under the origin's layers (`origin::wrap`).
    pub origin: Option<fn() -> Router<Shared<T>>>,
}

/// Why a portlet could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the {0} portlet's database: {1}")]
    Db(&'static str, #[source] DbError),
    #[error("the {0} portlet's mail: {1}")]
    Mail(&'static str, #[source] MailError),
    #[error("the {0} portlet cannot listen on {1}: {2}")]
    Listen(&'static str, SocketAddr, #[source] std::io::Error),
}

impl<T: Send + Sync + 'static> Portlet<T> {
    /// The router, wrapped with the kit's layers and `/health`, on a database already migrated.
    pub fn app(&self, kit: Kit, db: Db) -> Router {
        self.router(Shared::new(kit, (self.state)(db)))
    }

    /// The routes of its own origin, wrapped with the origin's layers, on the same state as
    /// [`Portlet::app`]'s (`None` when the portlet serves no origin).
    pub fn apps(&self, kit: Kit, db: Db) -> (Router, Option<Router>) {
        let shared = Shared::new(kit, (self.state)(db));
        (self.router(shared.clone()), self.origin_router(shared))
    }

    fn router(&self, shared: Shared<T>) -> Router {
        server::wrap((self.routes)().with_state(shared))
    }

    fn origin_router(&self, shared: Shared<T>) -> Option<Router> {
        self.origin.map(|routes| crate::origin::wrap(routes().with_state(shared)))
    }

    /// Connects (and migrates: the portlet's migrations, then the kit's tables) the database,
    /// binds `config.listen` (port 0: any free port), serves the portlet and runs its jobs.
    pub async fn build(&self, config: PortletConfig) -> Result<Server, StartError> {
        let db = Db::connect(&config.database_url, self.migrations).await.map_err(|e| StartError::Db(self.name, e))?;
        crate::tables::migrate(&db).await.map_err(|e| StartError::Db(self.name, e))?;
        let directory = config.directory();
        if directory.is_none() {
            tracing::warn!(portlet = self.name, "no client credentials: the directory is unavailable");
        }
        let mailer = config.mail.as_ref().map(Mailer::new).transpose().map_err(|e| StartError::Mail(self.name, e))?;
        let origin = match (&config.origin, self.origin) {
            (Some(o), Some(_)) => Some(o),
            (Some(_), None) => {
                tracing::warn!(portlet = self.name, "an origin section for a portlet that serves no origin: ignored");
                None
            }
            (None, _) => None,
        };
        let kit = Kit {
            verifier: config.verifier(),
            directory,
            mailer,
            clock: Clock::system(),
            origin: origin.map(Origin::from_config),
        };
        let listen = |e| StartError::Listen(self.name, config.listen, e);
        let listener = TcpListener::bind(config.listen).await.map_err(listen)?;
        let clock = kit.clock.clone();
        let shared = Shared::new(kit, (self.state)(db.clone()));
        let own = match (origin, self.origin_router(shared.clone())) {
            (Some(o), Some(router)) => {
                let bound =
                    TcpListener::bind(o.listen).await.map_err(|e| StartError::Listen(self.name, o.listen, e))?;
                Some((bound, router))
            }
            _ => None,
        };
        let mut server = server::serve_with_origin(listener, self.router(shared.clone()), own).map_err(listen)?;
        if let Some(jobs) = self.jobs {
            server.run_jobs(jobs(shared), Leases::new(db), clock);
        }
        Ok(server)
    }
}

/// The future of a starting portlet.
pub type Starting<'a> = Pin<Box<dyn Future<Output = Result<Server, StartError>> + Send + 'a>>;

/// The future of a portlet filling the demo school in its database.
pub type FillingDemo<'a> = Pin<Box<dyn Future<Output = Result<(), StartError>> + Send + 'a>>;

/// A portlet whatever its state: what the workspace's registry holds for each one.
pub trait Start: Send + Sync {
    fn name(&self) -> &'static str;
    fn start(&self, config: PortletConfig) -> Starting<'_>;
    /// Connects (and migrates) the database at `database_url` and writes the demo school's
    /// week in it, if the portlet has one to write.
    fn fill_demo<'a>(&'a self, database_url: &'a str, school: &'a DemoSchool) -> FillingDemo<'a>;
}

impl<T: Send + Sync + 'static> Start for Portlet<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn start(&self, config: PortletConfig) -> Starting<'_> {
        Box::pin(self.build(config))
    }

    fn fill_demo<'a>(&'a self, database_url: &'a str, school: &'a DemoSchool) -> FillingDemo<'a> {
        Box::pin(async move {
            let Some(fill) = self.demo else { return Ok(()) };
            let db = Db::connect(database_url, self.migrations).await.map_err(|e| StartError::Db(self.name, e))?;
            let own = (self.state)(db);
            fill(&own, school).await.map_err(|e| StartError::Db(self.name, e))
        })
    }
}
