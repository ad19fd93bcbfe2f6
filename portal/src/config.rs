//! The portal's configuration: typed, with defaults, readable from TOML (`[portal]` table or a
//! whole file) so that the `ent` command can load it like the provider's.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// A person's profile, from the provider's `ent_profile` claim: it picks the portlets shown and
/// the colours of the pages; an unknown one sees no portlet at all (fail closed).
pub use ent_claims::Profile;

/// One portlet, as the portal knows it.
#[derive(Clone, Debug, Deserialize)]
pub struct PortletConfig {
    /// The short name in the portal's URLs (`/p/{name}/…`): lower-case letters, digits, `-`.
    pub name: String,
    /// The portlet service's base URL (`http://127.0.0.1:8081`).
    pub url: Url,
    /// The resource indicator of its tokens (`urn:ent:portlet:homework`).
    pub resource: String,
    pub title_fr: String,
    pub title_en: String,
    /// Who may use it; nobody else sees it in the navigation or reaches it under `/p/`.
    pub profiles: Vec<Profile>,
}

impl PortletConfig {
    pub fn allows(&self, profile: Option<Profile>) -> bool {
        profile.is_some_and(|p| self.profiles.contains(&p))
    }

    /// The portlet's base URL without a trailing slash.
    pub fn base(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
fn default_database_url() -> String {
    "sqlite://portal.db".into()
}
fn default_deadline_ms() -> u64 {
    800
}
fn default_margin_secs() -> u64 {
    30
}
fn default_idle_secs() -> u64 {
    2 * 3600
}
fn default_max_secs() -> u64 {
    12 * 3600
}
fn default_logins_per_address() -> i64 {
    600
}

/// Everything the portal needs to start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    /// The provider's issuer identifier (discovery is read under it).
    pub issuer: Url,
    pub client_id: String,
    pub client_secret: String,
    /// The portal's own public URL: redirect_uri is `{public_url}/callback`, the post-logout
    /// redirect `{public_url}/`. Over https, cookies take `Secure` and the `__Host-` prefix.
    pub public_url: Url,
    /// Where to listen; port 0 picks a free one (tests).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// `sqlite://…` (default `sqlite://portal.db`) or `postgres://…`.
    #[serde(default = "default_database_url")]
    pub database_url: String,
    #[serde(default)]
    pub portlets: Vec<PortletConfig>,
    /// How long the home page waits for each portlet's fragment.
    #[serde(default = "default_deadline_ms")]
    pub fragment_deadline_ms: u64,
    /// Exchanged portlet tokens are reused until this many seconds before they expire; the
    /// user's access token is refreshed this long before it expires.
    #[serde(default = "default_margin_secs")]
    pub token_margin_secs: u64,
    /// A session unused this long ends.
    #[serde(default = "default_idle_secs")]
    pub session_idle_secs: u64,
    /// A session ends this long after the login, used or not.
    #[serde(default = "default_max_secs")]
    pub session_max_secs: u64,
    /// How many reverse proxies stand in front of the portal, each appending to
    /// `X-Forwarded-For` (0: the TCP peer is the client).
    #[serde(default)]
    pub trusted_proxy_hops: usize,
    /// Sign-ins a client address may start per minute: each stores a sign-in in progress.
    #[serde(default = "default_logins_per_address")]
    pub max_logins_per_address: i64,
}

impl PortalConfig {
    /// Defaults around the four values every deployment sets.
    pub fn new(issuer: Url, client_id: &str, client_secret: &str, public_url: Url) -> Self {
        PortalConfig {
            issuer,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            public_url,
            listen: default_listen(),
            database_url: default_database_url(),
            portlets: Vec::new(),
            fragment_deadline_ms: default_deadline_ms(),
            token_margin_secs: default_margin_secs(),
            session_idle_secs: default_idle_secs(),
            session_max_secs: default_max_secs(),
            trusted_proxy_hops: 0,
            max_logins_per_address: default_logins_per_address(),
        }
    }

    /// Reads a TOML document: either the portal's keys at the top level or under `[portal]`.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        #[derive(Deserialize)]
        struct Wrapped {
            portal: PortalConfig,
        }
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let config = if table.contains_key("portal") {
            toml::from_str::<Wrapped>(text).map_err(|e| ConfigError::Parse(e.to_string()))?.portal
        } else {
            toml::from_str::<PortalConfig>(text).map_err(|e| ConfigError::Parse(e.to_string()))?
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: URLs, names, and that the portlets' names are distinct.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (what, url) in [("issuer", &self.issuer), ("public_url", &self.public_url)] {
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || url.query().is_some() {
                return Err(ConfigError::Invalid(what, url.to_string()));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.portlets {
            let ok_name = !p.name.is_empty()
                && p.name.len() <= 40
                && p.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok_name || !seen.insert(p.name.clone()) {
                return Err(ConfigError::Invalid("portlets.name", p.name.clone()));
            }
            if !matches!(p.url.scheme(), "http" | "https") || p.url.query().is_some() {
                return Err(ConfigError::Invalid("portlets.url", p.url.to_string()));
            }
        }
        Ok(())
    }

    pub fn fragment_deadline(&self) -> Duration {
        Duration::from_millis(self.fragment_deadline_ms)
    }

    pub fn token_margin(&self) -> Duration {
        Duration::from_secs(self.token_margin_secs)
    }

    /// The issuer exactly as `iss` carries it (no trailing slash).
    pub fn issuer_str(&self) -> String {
        self.issuer.as_str().trim_end_matches('/').to_string()
    }

    /// `scheme://host[:port]` of the issuer, for the CSP's `form-action`.
    pub fn issuer_origin(&self) -> String {
        self.issuer.origin().ascii_serialization()
    }

    /// The public URL without a trailing slash.
    pub fn public_base(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_string()
    }

    /// `scheme://host[:port]` of the portal, what browsers send as `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/callback", self.public_base())
    }

    pub fn post_logout_redirect_uri(&self) -> String {
        format!("{}/", self.public_base())
    }

    pub fn secure(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn portlet(&self, name: &str) -> Option<&PortletConfig> {
        self.portlets.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid TOML: {0}")]
    Parse(String),
    #[error("invalid value for {0}: {1}")]
    Invalid(&'static str, String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_with_defaults() {
        let c = PortalConfig::from_toml(
            r#"
            [portal]
            issuer = "https://idp.example"
            client_id = "portal"
            client_secret = "s"
            public_url = "https://ent.example"
            [[portal.portlets]]
            name = "homework"
            url = "http://127.0.0.1:8081"
            resource = "urn:ent:portlet:homework"
            title_fr = "Cahier de textes"
            title_en = "Homework"
            profiles = ["pupil", "parent", "city_agent"]
            "#,
        )
        .unwrap();
        assert_eq!(c.fragment_deadline(), Duration::from_millis(800));
        assert_eq!(c.redirect_uri(), "https://ent.example/callback");
        assert_eq!(c.post_logout_redirect_uri(), "https://ent.example/");
        assert!(c.secure());
        assert_eq!(c.portlets[0].profiles, vec![Profile::Pupil, Profile::Parent, Profile::CityAgent]);
        assert!(c.portlets[0].allows(Some(Profile::Parent)));
        assert!(!c.portlets[0].allows(Some(Profile::Teacher)));
        assert!(!c.portlets[0].allows(None));
        let bad_name = "issuer = \"https://i\"\nclient_id = \"p\"\nclient_secret = \"s\"\npublic_url = \"https://e\"\n\
            [[portlets]]\nname = \"../x\"\nurl = \"http://h\"\nresource = \"r\"\ntitle_fr = \"t\"\ntitle_en = \"t\"\nprofiles = []\n";
        assert!(PortalConfig::from_toml(bad_name).is_err());
        assert!(PortalConfig::from_toml("issuer = 1").is_err());
    }
}
