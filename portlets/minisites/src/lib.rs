//! The pupils' mini web sites (mini-sites): a class, or a group of its pupils, writes a small
//! site — pages of Markdown text, pictures and links, a menu — that a teacher of the class
//! approves page by page (`access`, `store`); every published version is kept and can be put
//! back. The ENT's pages (through the portal) are where sites are written and reviewed
//! (`sites`, `pages`, `pictures`, `summary`); the published sites are served on an origin of their own,
//! never the portal's (`serve`, through the kit's `Portlet::origin`), opened by short-lived
//! signed links the ENT's pages mint for the people entitled to them (`links`). See
//! docs/portlet-minisites.md.

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, KnownClasses, Migrations, Portlet, Shared};

pub mod access;
mod demo;
pub mod links;
pub mod model;
mod pages;
mod pictures;
pub mod render;
mod serve;
mod sites;
pub mod store;
mod summary;
mod texts;
mod views;

pub use store::Store;

/// The mini-sites' migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// The mini-sites, as the kit runs them.
pub static PORTLET: Portlet<Minisites> = Portlet {
    name: "minisites",
    migrations: &MIGRATIONS,
    state: Minisites::new,
    routes,
    demo: Some(demo::fill),
    jobs: None,
    origin: Some(serve::routes),
};

/// The mini-sites' own part of the handlers' state.
#[derive(Debug)]
pub struct Minisites {
    pub store: Store,
}

impl Minisites {
    fn new(db: Db) -> Minisites {
        Minisites { store: Store::new(db) }
    }
}

/// What the handlers share: the kit's part and the mini-sites'.
pub(crate) type App = Shared<Minisites>;

/// The routes the portal reaches (docs/portlet-minisites.md).
fn routes() -> Router<App> {
    Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(sites::list))
        .route("/view/", get(sites::list))
        .route("/view/sites", post(sites::create))
        .route("/view/s/{id}", get(sites::show))
        .route("/view/s/{id}/settings", post(sites::settings))
        .route("/view/s/{id}/public", post(sites::approve_public))
        .route("/view/s/{id}/pages", post(pages::create))
        .route("/view/s/{id}/pictures", post(pictures::add))
        .route("/view/p/{id}", get(pages::show).post(pages::write))
        .route("/view/p/{id}/history", get(pages::history))
        .route("/view/p/{id}/move", post(pages::move_page))
        .route("/view/v/{id}", get(pages::version))
        .route("/view/v/{id}/decide", post(pages::decide))
        .route("/view/v/{id}/restore", post(pages::restore))
}

/// The classes the mini-sites hold sites for: a director keeps reaching them when the
/// directory does not answer.
impl KnownClasses for Store {
    async fn known_class(&self, id: &str) -> Result<Option<ent_portlet_kit::ClassInfo>, ent_portlet_kit::DbError> {
        self.known_class_info(id).await
    }

    async fn known_school_classes(
        &self,
        school: &str,
    ) -> Result<Vec<ent_portlet_kit::ClassInfo>, ent_portlet_kit::DbError> {
        let mut out: Vec<ent_portlet_kit::ClassInfo> = Vec::new();
        for s in self.school_sites(school).await? {
            if !out.iter().any(|c| c.id == s.class_id) {
                out.push(ent_portlet_kit::ClassInfo { id: s.class_id, name: s.class_name, school: s.school });
            }
        }
        Ok(out)
    }
}
