//! What every ENT portlet shares, so that a portlet is its rules and its pages and nothing else
//! (docs/portlets.md):
//!
//! * [`service`]: a portlet described once ([`Portlet`]: name, migrations, state, routes) and run
//!   the same way as every other — database, verifier, directory, layers, `/health`, graceful
//!   shutdown; [`migrations!`] for both backends;
//! * [`verify`]: checking the provider's audience-bound tokens against its JWKS;
//! * [`Identity`] and its entitlement checks, failing closed ([`identity`]), and [`access`]: the
//!   questions every portlet asks (a director's classes, the classes one writes for, the tabs
//!   one may open);
//! * the axum extractor that admits only requests carrying a valid token for this portlet;
//! * [`fragment`]: the portal's context ([`Ctx`]), fragment responses, the one edge error type;
//!   [`link`]: the one way to name a page ([`Link`]);
//! * [`views`]: the contract's parts (tabs, badges, lists, tables, notices, empty states, week
//!   grid, pagination) and [`views::render`]; [`texts!`]: a portlet's words in French and English;
//! * [`form`] (the one extractor for posts, urlencoded or multipart), [`field`] (checks and the
//!   errors a form is drawn again with), [`upload`] (files: type sniffing, limits, downloads);
//! * [`calendar`]: school days and weeks, Paris time; [`clock`]: a clock tests set; [`window`]:
//!   weekly opening hours (when mail may go out), Paris time;
//! * [`demo`]: the demo school a portlet fills with a plausible week in `ent demo`;
//! * [`public`]: what a portlet's public routes (`/public/…`, no session, no token) rest on: the
//!   client's address the portal saw, and refusals that say nothing of why;
//! * [`directory`]: class rosters read from the provider with the portlet's own credentials;
//! * [`origin`]: a portlet's own origin for what it serves to browsers directly (the
//!   mini-sites), sandboxed and cookie-free, opened by short-lived signed links;
//! * [`picture`]: pictures people send, decoded within limits (no decompression bomb) and
//!   encoded again without their metadata (no GPS position);
//! * [`mail`]: outgoing plain-text mail through the configured SMTP server ([`Mailer`]);
//! * [`server`]: the shared layers, `/health`, and a handle on the running service;
//! * [`jobs`]: periodic work beside the server, run by one instance at a time through a lease
//!   in the database; [`tables`]: the kit's own tables in every portlet's database;
//! * storage: `ent_storage` (one pool over SQLite or PostgreSQL, per-backend migrations);
//! * `testing` (feature `testing`): a test issuer, a two-school network of identities, the
//!   router harness and the entitlement-matrix runner, so portlet tests need no provider; a test
//!   SMTP server that keeps what it receives.

pub mod access;
pub mod calendar;
pub mod clock;
pub mod config;
mod crypto;
pub mod demo;
pub mod directory;
mod extract;
pub mod field;
pub mod form;
pub mod fragment;
pub mod identity;
pub mod jobs;
mod killable;
pub mod link;
pub mod mail;
pub mod origin;
pub mod picture;
pub mod public;
pub mod richtext;
pub mod server;
pub mod service;
pub mod tables;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod texts;
pub mod upload;
pub mod verify;
pub mod views;
pub mod window;

pub use access::{ChildTab, Choice, ClassInfo, KnownClasses};
pub use calendar::Date;
pub use clock::Clock;
pub use config::PortletConfig;
pub use demo::{DemoFamily, DemoPerson, DemoSchool};
pub use directory::{ClassRoster, Directory, SchoolName, SchoolStaff, StaffMember};
pub use ent_storage::{self as storage, Backend, Db, DbError, Migrations, now};
pub use form::{Pairs, Posted};
pub use fragment::{Ctx, Lang, PortletError, RETURN_HEADER, html, see_other};
pub use identity::{Child, ClassRef, ClassRole, Identity, Profile, SchoolRole, StaffRole};
pub use jobs::{Job, JobError, Leases};
pub use link::Link;
pub use mail::{Mail, MailConfig, MailError, Mailer};
pub use origin::{Origin, OriginConfig};
pub use service::{Kit, Portlet, Shared, Start, StartError};
pub use verify::{TokenError, Verifier};
pub use window::{Window, WindowError};
