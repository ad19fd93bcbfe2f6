//! The liaison notebook (carnet de liaison) portlet: notes from teachers to a class or to chosen
//! families, signed by the parents with parental authority; one thread per (note, pupil) between
//! that pupil's parents and the class's teachers; notes from parents to their child's teachers.
//! See docs/portlet-liaison.md for who sees what, and docs/portlets.md for the portal contract.
//!
//! Modules: [`store`] (the database), [`access`] (entitlements, from the kit's `Identity`),
//! `views` (the list and what views share), `note_view` (a note, a thread), `compose` (the forms
//! to write), `forms` (posts), `summary` (the home card), `templates`, `texts` (French and
//! English). The kit runs it: [`PORTLET`].

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, Migrations, Portlet, Shared};

pub mod access;
mod compose;
mod demo;
mod forms;
mod note_view;
pub mod store;
mod summary;
mod templates;
mod texts;
mod views;

pub use store::Store;

/// The notebook's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// The notebook, as the kit runs it. Without client credentials there is no directory: notes
/// cannot be written (a 503 says so) but everything already written can be read and signed.
pub static PORTLET: Portlet<Liaison> = Portlet {
    name: "liaison",
    migrations: &MIGRATIONS,
    state: Liaison::new,
    routes,
    demo: Some(demo::fill),
    jobs: None,
    origin: None,
};

/// The notebook's own part of the handlers' state.
#[derive(Debug)]
pub struct Liaison {
    pub store: Store,
}

impl Liaison {
    fn new(db: Db) -> Liaison {
        Liaison { store: Store::new(db) }
    }
}

/// What the handlers share: the kit's part and the notebook's.
pub(crate) type App = Shared<Liaison>;

/// The portlet's routes (docs/portlet-liaison.md).
fn routes() -> Router<App> {
    Router::new()
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
}
