//! What every ENT portlet shares, so that none rewrites it (docs/portlets.md):
//!
//! * [`verify`]: checking the provider's audience-bound tokens against its JWKS;
//! * [`Identity`] and its entitlement checks, failing closed ([`identity`]);
//! * the axum extractor that admits only requests carrying a valid token for this portlet;
//! * [`fragment`]: the portal's context ([`Ctx`]), fragment responses, the one edge error type;
//! * [`form`]: forms and queries with repeated fields;
//! * [`calendar`]: school days and weeks, Paris time, dates in French and English;
//! * [`directory`]: class rosters read from the provider with the portlet's own credentials;
//! * [`server`]: the shared layers, `/health`, and a handle on the running service;
//! * storage: `ent_storage` (one pool over SQLite or PostgreSQL, per-backend migrations);
//! * `testing` (feature `testing`): a test issuer that mints tokens with a test key, and a small
//!   school network of identities, so portlet tests need no running provider.

pub mod calendar;
pub mod config;
mod crypto;
pub mod directory;
mod extract;
pub mod form;
pub mod fragment;
pub mod identity;
mod killable;
pub mod server;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod verify;

pub use config::PortletConfig;
pub use directory::{ClassRoster, Directory};
pub use ent_storage::{self as storage, Backend, Db, DbError, Migrations, now};
pub use fragment::{Ctx, Lang, PortletError, html, see_other};
pub use identity::{Child, ClassRef, Identity, Profile, SchoolRole};
pub use verify::{TokenError, Verifier};
