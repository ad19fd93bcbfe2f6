//! The messaging portlet (messagerie): the school's internal mail. Everyone writes to the people
//! the school allows (`policy`, checked when sending), groups expand from the directory on the
//! server (`book`), and a stolen account cannot mass-mail: recipients are capped, sending rates
//! are token buckets every instance shares, broadcasts need a recent sign-in and a young
//! session's first one (and every pupil's) waits for a reviewer, a director freezes an account,
//! retracts what it sent and switches the school's messaging per profile (`sending`, `limits`,
//! `manage`). See docs/portlet-messaging.md.
//!
//! Modules: [`policy`] (who may write to whom), [`book`] (the school's people from the
//! directory), [`sending`] (every check at sending), [`limits`], [`model`], [`store`],
//! [`access`]; the pages: `folders`, `conversation`, `compose`, `manage`, `summary`, `files`,
//! `views`, `text`, `texts`. The kit runs it: [`PORTLET`].

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, Migrations, Portlet, Shared};

pub mod access;
pub mod book;
mod compose;
mod conversation;
mod demo;
mod files;
mod folders;
pub mod limits;
mod manage;
pub mod model;
pub mod notify;
pub mod policy;
pub mod sending;
pub mod store;
mod summary;
mod text;
mod texts;
mod views;

pub use store::Store;

/// Messaging's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// Messaging, as the kit runs it. Without client credentials there is no directory: nothing
/// new can be addressed (groups and people come from it), but replies and reading go on.
pub static PORTLET: Portlet<Messaging> = Portlet {
    name: "messaging",
    migrations: &MIGRATIONS,
    state: Messaging::new,
    routes,
    demo: Some(demo::fill),
    jobs: Some(notify::digest::jobs),
    origin: None,
};

/// Messaging's own part of the handlers' state.
#[derive(Debug)]
pub struct Messaging {
    pub store: Store,
}

impl Messaging {
    fn new(db: Db) -> Messaging {
        Messaging { store: Store::new(db) }
    }
}

/// What the handlers share: the kit's part and messaging's.
pub(crate) type App = Shared<Messaging>;

/// The portlet's routes (docs/portlet-messaging.md).
fn routes() -> Router<App> {
    Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(folders::inbox))
        .route("/view/", get(folders::inbox))
        .route("/view/inbox", get(folders::inbox))
        .route("/view/archive", get(folders::archive))
        .route("/view/sent", get(folders::sent))
        .route("/view/drafts", get(folders::drafts))
        .route("/view/search", get(folders::search).post(folders::search_post))
        .route("/view/new", get(compose::new).post(compose::create))
        .route("/view/drafts/{id}", get(compose::edit).post(compose::update))
        .route("/view/c/{id}", get(conversation::show))
        .route("/view/c/{id}/reply", post(conversation::reply))
        .route("/view/c/{id}/archive", post(conversation::archive))
        .route("/view/m/{id}/recall", post(conversation::recall))
        .route("/view/m/{id}/report", post(conversation::report))
        .route("/view/files/{id}", get(files::download))
        .route("/view/out", get(conversation::out))
        .route("/view/review", get(manage::review))
        .route("/view/review/{id}", post(manage::decide))
        .route("/view/reports", get(manage::reports))
        .route("/view/reports/{id}/close", post(manage::close_report))
        .route("/view/settings", get(manage::settings))
        .route("/view/settings/find", post(manage::find))
        .route("/view/settings/modes", post(manage::set_modes))
        .route("/view/settings/rules", post(manage::set_rules))
        .route("/view/settings/hours", post(notify::set_hours))
        .route("/view/notifications", get(notify::show).post(notify::post))
        .route("/view/freeze", post(manage::freeze))
        .route("/view/retract", post(manage::retract))
}
