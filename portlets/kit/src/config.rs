//! What every portlet is configured with: where it listens, which provider it trusts and under
//! which resource (audience) it is registered, its database, and its own client credentials for
//! directory reads; optionally, the SMTP server it sends mail through, and the listener and
//! link key of an origin of its own. Read from the portlet's
//! section of a TOML file or built in code.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::Deserialize;

use crate::directory::Directory;
use crate::mail::MailConfig;
use crate::origin::OriginConfig;
use crate::verify::Verifier;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortletConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The provider's issuer URL, exactly as in its tokens.
    pub issuer: String,
    /// This portlet's resource indicator: the only `aud` it accepts (`urn:ent:portlet:…`).
    pub resource: String,
    /// The provider's JWKS; `{issuer}/jwks` when absent.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// `sqlite://…` (default, one file) or `postgres://…`.
    pub database_url: String,
    /// This portlet's client at the provider, for directory reads (client credentials).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Outgoing mail (`[portlet.mail]`); without it the portlet sends none.
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// The portlet's own origin (`[portlet.origin]`), for a portlet that serves pages to
    /// browsers directly (`Portlet::origin`); without it, such a portlet serves none.
    #[serde(default)]
    pub origin: Option<OriginConfig>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

impl PortletConfig {
    /// The token verifier for this portlet's audience.
    pub fn verifier(&self) -> Arc<Verifier> {
        let issuer = self.issuer.trim_end_matches('/');
        let jwks = self.jwks_url.clone().unwrap_or_else(|| format!("{issuer}/jwks"));
        Verifier::remote(&self.issuer, &self.resource, &jwks)
    }

    /// Directory reads at the provider, when the portlet has client credentials.
    pub fn directory(&self) -> Option<Directory> {
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Some(Directory::remote(&self.issuer, id, secret)),
            _ => None,
        }
    }
}
