//! The agenda portlet: events of a class, of a school and of one person, all-day or timed in
//! Paris time, repeating by an RFC 5545 rule with exceptions; school holidays imported from the
//! ministry's open data; the private iCalendar feed a person subscribes to and the import of
//! `.ics` files; the day-before reminders. docs/portlet-agenda.md says who sees and writes what;
//! docs/portlets.md is the contract with the portal. The kit runs it: [`PORTLET`].
//!
//! The domain, without HTTP:
//!
//! | module | for |
//! |---|---|
//! | [`agenda`] | a window's occurrences of several events, in reading order |
//! | [`model`] | ids, scopes, texts, [`model::When`], [`model::Schedule`], events, their checks |
//! | [`recurrence`] | the RRULE subset, its text, expansion in a bounded [`recurrence::Window`] |
//! | [`paris`] | Paris wall-clock time ⇄ instants (gaps and folds) |
//! | [`holidays`] | school holiday periods from the ministry's calendar file, and lookups |
//! | [`ical`] | the subscription feed (writer) and `.ics` import (reader) |
//! | [`store`] | events, holidays, feed tokens, classes, secrets in the portlet's database |
//!
//! The pages, on the kit: `access` (whose agendas one reads, where one writes), `views` (week,
//! month), `summary` (the home card: next days, tomorrow's reminder), `event_page` and `edit`
//! (an event, its form and posts), `forms` (the event form's checks), `imports` (an `.ics` into
//! a class or school, a school's holidays), `subscription` (the private address) and `feed` (the
//! public route that serves it), `words` (recurrences, reasons and days in words), `days` (the
//! kit's days and the domain's), `templates`, `texts`; `demo` fills the demo school's week.

pub mod agenda;
pub mod holidays;
pub mod ical;
pub mod model;
pub mod paris;
pub mod recurrence;
pub mod store;

mod access;
mod days;
mod demo;
mod edit;
mod event_page;
mod feed;
mod forms;
mod imports;
mod subscription;
mod summary;
mod templates;
mod texts;
mod views;
mod words;

use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::routing::{get, post};
use ent_portlet_kit::{Db, Migrations, Portlet, Shared};
use ent_storage::throttle::ThrottleStore;

pub use store::Store;

/// The portlet's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = ent_portlet_kit::migrations!();

/// The agenda, as the kit runs it.
pub static PORTLET: Portlet<Agenda> = Portlet {
    name: "agenda",
    migrations: &MIGRATIONS,
    state: Agenda::new,
    routes,
    demo: Some(demo::fill),
    jobs: None,
    origin: None,
};

/// The agenda's own part of the handlers' state.
#[derive(Debug)]
pub struct Agenda {
    pub store: Store,
    /// The feed's counts per address and per token.
    throttle: ThrottleStore,
    /// The key of those counts' digests (the store's `throttle` secret), once read.
    throttle_key: OnceLock<String>,
    /// Feeds asked for since the start: every so many, the counts that ended are purged.
    feeds_asked: AtomicU64,
}

impl Agenda {
    fn new(db: Db) -> Agenda {
        Agenda {
            throttle: ThrottleStore::new(db.clone()),
            store: Store::new(db),
            throttle_key: OnceLock::new(),
            feeds_asked: AtomicU64::new(0),
        }
    }
}

/// What the handlers share: the kit's part (its clock says what "today" is) and the agenda's.
pub(crate) type App = Shared<Agenda>;

/// The portlet's routes (docs/portlet-agenda.md).
fn routes() -> Router<App> {
    Router::new()
        .route("/fragment/summary", get(summary::summary))
        .route("/view", get(views::week))
        .route("/view/", get(views::week))
        .route("/view/week", get(views::week))
        .route("/view/month", get(views::month))
        .route("/view/events/new", get(edit::new_form))
        .route("/view/events", post(edit::create))
        .route("/view/events/{id}", get(event_page::show).post(edit::update))
        .route("/view/events/{id}/edit", get(edit::edit_form))
        .route("/view/events/{id}/delete", post(edit::delete))
        .route("/view/events/{id}/skip", post(edit::skip))
        .route("/view/import", get(imports::events_form).post(imports::events_post))
        .route("/view/holidays", get(imports::holidays_page).post(imports::holidays_post))
        .route("/view/subscription", get(subscription::page).post(subscription::create))
        .route("/view/subscription/revoke", post(subscription::revoke))
        .route("/public/feed/{file}", get(feed::feed))
}
