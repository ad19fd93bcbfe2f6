//! The liaison notebook (carnet de liaison) portlet: notes from teachers to a class or to chosen
//! families, signed by the parents with parental authority; one thread per (note, pupil) between
//! that pupil's parents and the class's teachers; notes from parents to their child's teachers.
//! See docs/portlet-liaison.md for who sees what, and docs/portlets.md for the portal contract.
//!
//! Modules: [`store`] (the database), [`access`] (entitlements, from the kit's `Identity`),
//! `views` (the list and what views share), `note_view` (a note, a thread), `compose` (the forms
//! to write), `forms` (posts), `summary` (the home card), `templates`, `texts`
//! (French and English).

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use ent_portlet_kit::server::{self, Server};
use ent_portlet_kit::{Db, DbError, Directory, Migrations, PortletConfig, Verifier};

pub mod access;
mod compose;
mod forms;
mod note_view;
pub mod store;
mod summary;
mod templates;
mod texts;
mod views;

pub use store::Store;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The notebook's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct LiaisonState {
    pub verifier: Arc<Verifier>,
    pub store: Store,
    /// Class rosters at the provider; absent without client credentials, in which case notes
    /// cannot be written (a 503 says so) but everything already written can be read.
    pub directory: Option<Directory>,
}

impl LiaisonState {
    pub fn new(verifier: Arc<Verifier>, db: Db, directory: Option<Directory>) -> LiaisonState {
        LiaisonState { verifier, store: Store::new(db), directory }
    }

    /// A school's classes as (id, name), by name: those the directory lists (when it answers)
    /// and those the notebook already has notes for (when it does not, or for a class since
    /// gone). A director sees and writes to every class of the school, notes or not.
    pub(crate) async fn school_classes(
        &self,
        school: &str,
    ) -> Result<Vec<(String, String)>, ent_portlet_kit::PortletError> {
        let mut classes = self.store.school_classes(school).await?;
        if let Some(directory) = &self.directory {
            match directory.school_classes(school).await {
                Ok(listed) => {
                    for c in listed.unwrap_or_default() {
                        if !classes.iter().any(|(id, _)| *id == c.id) {
                            classes.push((c.id, c.name));
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the directory's class list is unavailable"),
            }
        }
        classes.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        Ok(classes)
    }
}

impl FromRef<LiaisonState> for Arc<Verifier> {
    fn from_ref(s: &LiaisonState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

/// The portlet's routes (docs/portlet-liaison.md), wrapped with the kit's layers and `/health`.
pub fn app(state: LiaisonState) -> Router {
    let routes = Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(views::list))
        .route("/view/", get(views::list))
        .route("/view/notes", get(views::list).post(forms::create_note))
        .route("/view/notes/new", get(compose::new_note))
        .route("/view/notes/{id}", get(note_view::note))
        .route("/view/notes/{id}/sign", post(forms::sign))
        .route("/view/notes/{id}/remind", post(forms::remind))
        .route("/view/notes/{id}/thread", get(note_view::thread))
        .route("/view/notes/{id}/reply", post(forms::reply))
        .route("/view/ask", get(compose::ask).post(forms::ask))
        .with_state(state);
    server::wrap(routes)
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects the database (applying the migrations), binds the listener (port 0: any free port)
/// and serves the portlet.
pub async fn build(config: PortletConfig) -> Result<Server, BuildError> {
    let db = Db::connect(&config.database_url, &MIGRATIONS).await?;
    let directory = config.directory();
    if directory.is_none() {
        tracing::warn!("no client credentials: the directory is unavailable and notes cannot be written");
    }
    let state = LiaisonState::new(config.verifier(), db, directory);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    Ok(server::serve(listener, app(state))?)
}
