//! ENT's OpenID Connect provider: the single identifier of every pupil, parent, teacher and
//! school worker, and the tokens every other service trusts.

pub mod activation;
pub mod admin;
pub mod app;
pub mod config;
pub mod db;
pub mod directory_api;
pub mod jose;
pub mod keyring;
pub mod ldap_login;
pub mod ldap_transport;
pub mod model;
pub mod oauth;
pub mod passkey;
pub mod password;
pub mod secret;
pub mod state;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod web;

pub use app::{Server, app, build};
pub use config::Config;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub use ent_storage as __storage;
pub use state::AppState;
