//! ENT's portal: the user's session, one-level navigation, and the home page assembled from
//! portlet fragments. It holds no school data: it signs the user in at the provider, keeps their
//! tokens server-side, and reaches each portlet over HTTP with a token minted for that portlet.
//!
//! Wiring: [`PortalConfig`] → [`build`] (or [`PortalState::init`] + [`serve`]) → [`Server`].

pub mod app;
pub mod assembly;
pub mod backchannel;
pub mod breaker;
pub mod config;
pub mod db;
pub mod error;
pub mod i18n;
pub mod oidc;
pub mod pages;
pub mod provider;
pub mod proxy;
pub mod public;
pub mod redirect;
pub mod secret;
pub mod state;
pub mod step_up;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tokens;
pub mod upstream;
pub mod web;

pub use app::{Server, app, build, serve};
pub use config::{ConfigError, PortalConfig, PortletConfig, Profile};
pub use state::{PortalState, StartError};
