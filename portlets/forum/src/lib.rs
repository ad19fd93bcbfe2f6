//! The forum portlet: a forum per class and one per school, made on first use; categories,
//! threads and posts written in Markdown and shown through the kit's `richtext` (raw HTML kept
//! as text, then an allow-list); replies and quotes; pagination and each reader's unread
//! markers; moderation by the class's teachers and the school's director (held posts per mode,
//! hiding that keeps the post for the audit, "edited by", locking, moving, readers' reports),
//! every act audited. See docs/portlet-forum.md.
//!
//! Modules: [`access`] (who reads, writes, moderates), [`model`], [`store`]; the pages:
//! `forums`, `threads`, `moderate`, `summary`, `views`, `texts`. The kit runs it: [`PORTLET`].

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, Migrations, Portlet, Shared};

pub mod access;
mod demo;
mod forums;
pub mod model;
mod moderate;
pub mod store;
mod summary;
mod texts;
mod threads;
mod views;

pub use store::Store;

/// The forum's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// The forum, as the kit runs it. Without the directory a director finds the class forums
/// already made; everyone else's forums come from their token.
pub static PORTLET: Portlet<Forum> = Portlet {
    name: "forum",
    migrations: &MIGRATIONS,
    state: Forum::new,
    routes,
    demo: Some(demo::fill),
    jobs: None,
    origin: None,
};

/// The forum's own part of the handlers' state.
#[derive(Debug)]
pub struct Forum {
    pub store: Store,
}

impl Forum {
    fn new(db: Db) -> Forum {
        Forum { store: Store::new(db) }
    }
}

/// What the handlers share: the kit's part and the forum's.
pub(crate) type App = Shared<Forum>;

/// The portlet's routes (docs/portlet-forum.md).
fn routes() -> Router<App> {
    Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(forums::home))
        .route("/view/", get(forums::home))
        .route("/view/forums", get(forums::home))
        .route("/view/moderation", get(moderate::queue))
        .route("/view/f/{id}", get(forums::forum))
        .route("/view/f/{id}/new", get(threads::new_form).post(threads::create))
        .route("/view/f/{id}/settings", get(moderate::settings).post(moderate::save_settings))
        .route("/view/f/{id}/categories", post(moderate::add_category))
        .route("/view/t/{id}", get(threads::show))
        .route("/view/t/{id}/reply", post(threads::reply))
        .route("/view/t/{id}/lock", post(moderate::lock))
        .route("/view/t/{id}/move", post(moderate::move_thread))
        .route("/view/p/{id}", get(threads::permalink))
        .route("/view/p/{id}/report", post(moderate::report))
        .route("/view/p/{id}/approve", post(moderate::approve))
        .route("/view/p/{id}/hide", post(moderate::hide))
        .route("/view/p/{id}/edit", get(moderate::edit_form).post(moderate::edit))
        .route("/view/r/{id}/close", post(moderate::close_report))
}
