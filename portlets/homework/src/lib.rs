//! The homework diary portlet (cahier de textes): teachers write, per class and school day, what
//! was done in class and what is due, with attached files; pupils, parents, teachers and the
//! director read it by day, by week and as a list of what is due. It follows the contract of
//! docs/portlets.md and is described in docs/portlet-homework.md.
//!
//! [`app`] is the router, [`build`] connects the database and binds the listener.

mod access;
mod edit;
mod files;
mod forms;
pub mod store;
mod summary;
mod templates;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use ent_portlet_kit::server::{self, Server};
use ent_portlet_kit::storage::{Db, DbError, Migrations};
use ent_portlet_kit::{PortletConfig, Verifier};
use sqlx::migrate::Migrator;

pub use ent_portlet_kit::calendar::Date;
pub use store::Store;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The portlet's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// What the handlers share.
#[derive(Clone)]
pub struct HomeworkState {
    pub verifier: Arc<Verifier>,
    pub store: Store,
    /// A fixed "today" (tests, demos); the Paris day otherwise.
    today: Option<Date>,
}

impl HomeworkState {
    pub fn new(verifier: Arc<Verifier>, db: Db) -> HomeworkState {
        HomeworkState { verifier, store: Store::new(db), today: None }
    }

    /// Fixes the day the portlet takes as today (for tests and demonstrations).
    pub fn with_today(mut self, today: Date) -> HomeworkState {
        self.today = Some(today);
        self
    }

    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(Date::today)
    }
}

impl FromRef<HomeworkState> for Arc<Verifier> {
    fn from_ref(s: &HomeworkState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

/// The portlet's routes, wrapped with the kit's layers and `/health`.
pub fn app(state: HomeworkState) -> Router {
    let routes = Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(views::week))
        .route("/view/", get(views::week))
        .route("/view/week", get(views::week))
        .route("/view/day", get(views::day))
        .route("/view/due", get(views::due))
        .route("/view/entries/new", get(edit::new_form))
        .route("/view/entries", post(edit::create))
        .route("/view/entries/{id}/edit", get(edit::edit_form))
        .route("/view/entries/{id}", post(edit::update))
        .route("/view/entries/{id}/delete", post(edit::delete))
        .route("/view/files/{id}", get(edit::download))
        .with_state(state);
    server::wrap(routes)
}

/// Why the portlet could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("homework database: {0}")]
    Db(#[from] DbError),
    #[error("homework listener: {0}")]
    Listen(#[from] std::io::Error),
}

/// Connects (and migrates) the database, binds the listener and serves the portlet.
pub async fn build(config: PortletConfig) -> Result<Server, BuildError> {
    let db = Db::connect(&config.database_url, &MIGRATIONS).await?;
    let state = HomeworkState::new(config.verifier(), db);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    Ok(server::serve(listener, app(state))?)
}
