//! The homework diary portlet (cahier de textes): teachers write, per class and school day, what
//! was done in class and what is due, with attached files; pupils, parents, teachers and the
//! director read it by day, by week and as a list of what is due. It follows the contract of
//! docs/portlets.md and is described in docs/portlet-homework.md. The kit runs it: [`PORTLET`].

mod access;
mod demo;
mod edit;
mod forms;
pub mod store;
mod summary;
mod templates;
mod texts;
mod views;

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, Migrations, Portlet, Shared};

pub use ent_portlet_kit::calendar::Date;
pub use store::Store;

/// The portlet's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// The diary, as the kit runs it.
pub static PORTLET: Portlet<Homework> = Portlet {
    name: "homework",
    migrations: &MIGRATIONS,
    state: Homework::new,
    routes,
    demo: Some(demo::fill),
    jobs: None,
    origin: None,
};

/// The diary's own part of the handlers' state.
#[derive(Debug)]
pub struct Homework {
    pub store: Store,
}

impl Homework {
    fn new(db: Db) -> Homework {
        Homework { store: Store::new(db) }
    }
}

/// What the handlers share: the kit's part (its clock says what "today" is) and the diary's.
pub(crate) type App = Shared<Homework>;

/// The portlet's routes (docs/portlet-homework.md).
fn routes() -> Router<App> {
    Router::new()
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
}
