//! The agenda portlet's domain and store: events of a class, of a school and of one person,
//! all-day or timed in Paris time, repeating by an RFC 5545 rule with exceptions; school holidays
//! imported from the ministry's open data; the iCalendar feed a person subscribes to and the
//! import of `.ics` files; subscription tokens and the day-before reminders.
//! docs/portlet-agenda.md describes it for the pages built on it.
//!
//! | module | for |
//! |---|---|
//! | [`agenda`] | a window's occurrences of several events, in reading order |
//! | [`model`] | ids, scopes, texts, [`model::When`], [`model::Schedule`], events, their checks |
//! | [`recurrence`] | the RRULE subset, its text, expansion in a bounded [`recurrence::Window`] |
//! | [`paris`] | Paris wall-clock time ⇄ instants (gaps and folds) |
//! | [`holidays`] | school holiday periods from the ministry's calendar file, and lookups |
//! | [`ical`] | the subscription feed (writer) and `.ics` import (reader) |
//! | [`store`] | events, holidays, feed tokens in the portlet's database |

pub mod agenda;
pub mod holidays;
pub mod ical;
pub mod model;
pub mod paris;
pub mod recurrence;
pub mod store;

use ent_storage::Migrations;
use sqlx::migrate::Migrator;

pub use store::Store;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The portlet's migrations, one folder per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };
