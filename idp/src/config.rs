//! The provider's configuration: defaults, then an optional TOML file, then `ENT_IDP_…`
//! environment variables, then command-line flags (applied by the `ent` command).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::jose::Alg;

/// The directory API's resource indicator unless configured otherwise.
pub const DEFAULT_DIRECTORY_RESOURCE: &str = "urn:ent:directory";

/// Everything the provider needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// The issuer identifier: scheme, host and port (and optional path), no trailing slash.
    pub issuer: Url,
    /// Where to listen; port 0 picks a free one (tests).
    pub listen: SocketAddr,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Lifetimes.
    pub code_ttl: Duration,
    pub access_token_ttl: Duration,
    pub id_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub grant_max_age: Duration,
    pub session_ttl: Duration,
    /// Upper bound of a token minted by token exchange (RFC 8693) for a first-party service;
    /// it never outlives the subject token either.
    pub exchange_token_ttl: Duration,
    /// The resource indicator (RFC 8707) of the provider's directory API.
    pub directory_resource: String,
    /// Signature algorithm of RFC 9068 access tokens (ID tokens follow each client's choice).
    pub access_token_alg: Alg,
    /// Sign-in attempts allowed per account within `throttle_window` (a success starts the
    /// count again), then failed attempts per client address.
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub throttle_window: Duration,
    /// Authorization requests (and passkey-alone ceremonies) a client address may park per
    /// minute: what an unauthenticated client can make the provider store.
    pub max_parked_per_address: i64,
    /// How many reverse proxies stand in front of the provider, each appending to
    /// `X-Forwarded-For` (0 by default: the TCP peer is the client).
    pub trusted_proxy_hops: usize,
    /// Directories whose people log in with their directory password (an LDAP bind).
    pub ldap_login: Vec<crate::ldap_login::LdapLoginSource>,
    /// The WebAuthn relying-party id (`[idp] webauthn_rp_id`); the issuer's host by default.
    pub webauthn_rp_id: Option<String>,
    /// The origin the provider's pages are served from (`[idp] webauthn_origin`); the issuer's
    /// origin by default.
    pub webauthn_origin: Option<Url>,
    /// Who must use a passkey, who is invited to, who is not asked (`[idp.passkey_policy]`).
    pub passkey_policy: crate::passkey::PasskeyPolicy,
}

impl Config {
    /// Defaults for an issuer and a database.
    pub fn new(issuer: Url, database_url: impl Into<String>) -> Self {
        Config {
            issuer,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            code_ttl: Duration::from_secs(60),
            access_token_ttl: Duration::from_secs(600),
            id_token_ttl: Duration::from_secs(600),
            refresh_token_ttl: Duration::from_secs(14 * 24 * 3600),
            grant_max_age: Duration::from_secs(90 * 24 * 3600),
            session_ttl: Duration::from_secs(12 * 3600),
            exchange_token_ttl: Duration::from_secs(300),
            directory_resource: DEFAULT_DIRECTORY_RESOURCE.to_string(),
            access_token_alg: Alg::Es256,
            max_failures_per_account: 10,
            max_failures_per_address: 100,
            throttle_window: Duration::from_secs(15 * 60),
            max_parked_per_address: 600,
            trusted_proxy_hops: 0,
            ldap_login: Vec::new(),
            webauthn_rp_id: None,
            webauthn_origin: None,
            passkey_policy: crate::passkey::PasskeyPolicy::default(),
        }
    }

    /// The issuer as a string without a trailing slash (the exact `iss` value).
    pub fn issuer_str(&self) -> String {
        self.issuer.as_str().trim_end_matches('/').to_string()
    }

    /// An absolute URL under the issuer.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.issuer_str(), path)
    }

    /// Cookies get `Secure` and the `__Host-` prefix when the issuer is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.issuer.scheme() == "https"
    }

    /// Reads `[idp]` settings from a TOML file over these values. Unknown keys are reported.
    pub fn apply_file(&mut self, path: &Path) -> Result<Vec<String>, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.display().to_string(), e))?;
        let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let mut unknown: Vec<String> = file.rest.keys().cloned().collect();
        if let Some(idp) = file.idp {
            unknown.extend(idp.rest.keys().map(|k| format!("idp.{k}")));
            self.apply(idp.values)?;
        }
        Ok(unknown)
    }

    /// Reads `ENT_IDP_…` environment variables over these values.
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        let var = |name: &str| std::env::var(format!("ENT_IDP_{name}")).ok();
        let values = Values {
            issuer: var("ISSUER"),
            listen: var("LISTEN"),
            database_url: var("DATABASE_URL").or_else(|| {
                let path = var("DATABASE_URL_FILE")?;
                std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
            }),
            access_token_alg: var("ACCESS_TOKEN_ALG"),
            access_token_ttl_secs: parse_num(var("ACCESS_TOKEN_TTL_SECS"))?,
            refresh_token_ttl_secs: parse_num(var("REFRESH_TOKEN_TTL_SECS"))?,
            session_ttl_secs: parse_num(var("SESSION_TTL_SECS"))?,
            exchange_token_ttl_secs: parse_num(var("EXCHANGE_TOKEN_TTL_SECS"))?,
            directory_resource: var("DIRECTORY_RESOURCE"),
            max_parked_per_address: parse_num(var("MAX_PARKED_PER_ADDRESS"))?,
            trusted_proxy_hops: parse_num(var("TRUSTED_PROXY_HOPS"))?,
            trust_forwarded_for: var("TRUST_FORWARDED_FOR").map(toml::Value::String),
            ldap_login: None,
            webauthn_rp_id: var("WEBAUTHN_RP_ID"),
            webauthn_origin: var("WEBAUTHN_ORIGIN"),
            passkey_policy: None,
        };
        self.apply(values)
    }

    fn apply(&mut self, v: Values) -> Result<(), ConfigError> {
        if let Some(issuer) = v.issuer {
            self.issuer = parse_issuer(&issuer)?;
        }
        if let Some(listen) = v.listen {
            self.listen = listen.parse().map_err(|_| ConfigError::Invalid("listen", listen))?;
        }
        if let Some(url) = v.database_url {
            self.database_url = url;
        }
        if let Some(alg) = v.access_token_alg {
            self.access_token_alg = alg.parse().map_err(|_| ConfigError::Invalid("access_token_alg", alg))?;
        }
        if let Some(s) = v.access_token_ttl_secs {
            self.access_token_ttl = Duration::from_secs(s);
        }
        if let Some(s) = v.refresh_token_ttl_secs {
            self.refresh_token_ttl = Duration::from_secs(s);
        }
        if let Some(s) = v.session_ttl_secs {
            self.session_ttl = Duration::from_secs(s);
        }
        if let Some(s) = v.exchange_token_ttl_secs {
            self.exchange_token_ttl = Duration::from_secs(s);
        }
        if let Some(r) = v.directory_resource {
            if r.trim().is_empty() || r.contains(char::is_whitespace) {
                return Err(ConfigError::Invalid("directory_resource", r));
            }
            self.directory_resource = r;
        }
        if v.trust_forwarded_for.is_some() {
            // The old switch trusted the leftmost value, which the client writes: refuse to
            // guess what it meant rather than keep trusting it.
            return Err(ConfigError::Replaced("trust_forwarded_for", "trusted_proxy_hops"));
        }
        if let Some(n) = v.max_parked_per_address {
            self.max_parked_per_address = i64::try_from(n).unwrap_or(i64::MAX);
        }
        if let Some(n) = v.trusted_proxy_hops {
            self.trusted_proxy_hops =
                usize::try_from(n).map_err(|_| ConfigError::Invalid("trusted_proxy_hops", n.to_string()))?;
        }
        if let Some(sources) = v.ldap_login {
            self.ldap_login = sources;
        }
        if let Some(rp_id) = v.webauthn_rp_id {
            self.webauthn_rp_id = Some(rp_id);
        }
        if let Some(origin) = v.webauthn_origin {
            let url = Url::parse(&origin).map_err(|_| ConfigError::Invalid("webauthn_origin", origin.clone()))?;
            self.webauthn_origin = Some(url);
        }
        if let Some(policy) = v.passkey_policy {
            for (profile, requirement) in policy {
                let p = profile.parse().map_err(|_| ConfigError::Invalid("passkey_policy", profile.clone()))?;
                let r = requirement.parse().map_err(|_| ConfigError::Invalid("passkey_policy", requirement.clone()))?;
                self.passkey_policy.set(p, r);
            }
        }
        Ok(())
    }
}

/// An issuer must be an absolute http(s) URL without query or fragment (OIDC Discovery §3).
pub fn parse_issuer(s: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(s).map_err(|_| ConfigError::Invalid("issuer", s.to_string()))?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.query().is_none()
        && url.fragment().is_none();
    if !ok {
        return Err(ConfigError::Invalid("issuer", s.to_string()));
    }
    Ok(url)
}

fn parse_num(v: Option<String>) -> Result<Option<u64>, ConfigError> {
    v.map(|s| s.parse().map_err(|_| ConfigError::Invalid("duration", s))).transpose()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("invalid configuration file: {0}")]
    Parse(String),
    #[error("invalid value for {0}: {1:?}")]
    Invalid(&'static str, String),
    #[error("{0} is no longer read: set {1} instead (docs/operations.md)")]
    Replaced(&'static str, &'static str),
}

#[derive(Deserialize, Default)]
struct FileConfig {
    idp: Option<IdpSection>,
    #[serde(flatten)]
    rest: toml::Table,
}

#[derive(Deserialize, Default)]
struct IdpSection {
    #[serde(flatten)]
    values: Values,
    #[serde(flatten)]
    rest: toml::Table,
}

#[derive(Deserialize, Default)]
struct Values {
    issuer: Option<String>,
    listen: Option<String>,
    database_url: Option<String>,
    access_token_alg: Option<String>,
    access_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    session_ttl_secs: Option<u64>,
    exchange_token_ttl_secs: Option<u64>,
    directory_resource: Option<String>,
    /// Replaced by `trusted_proxy_hops`: present only to be refused with a clear sentence.
    trust_forwarded_for: Option<toml::Value>,
    max_parked_per_address: Option<u64>,
    trusted_proxy_hops: Option<u64>,
    ldap_login: Option<Vec<crate::ldap_login::LdapLoginSource>>,
    webauthn_rp_id: Option<String>,
    webauthn_origin: Option<String>,
    /// profile → `required`, `offered` or `none`
    passkey_policy: Option<std::collections::BTreeMap<String, String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_apply_and_unknown_keys_are_reported() {
        let dir = std::env::temp_dir().join(format!("ent-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ent.toml");
        std::fs::write(
            &path,
            "[idp]\nissuer = \"https://connexion.ecoles.example\"\nlisten = \"0.0.0.0:9000\"\naccess_token_alg = \"EdDSA\"\ncolour = \"blue\"\n\n[portal]\nx = 1\n",
        )
        .unwrap();
        let mut c = Config::new(parse_issuer("http://localhost:8400").unwrap(), "sqlite://x.db");
        let mut unknown = c.apply_file(&path).unwrap();
        unknown.sort();
        assert_eq!(unknown, vec!["idp.colour".to_string(), "portal".to_string()]);
        assert_eq!(c.issuer_str(), "https://connexion.ecoles.example");
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.access_token_alg, Alg::EdDsa);
        assert!(c.secure_cookies());
        std::fs::write(&path, "[idp]\naccess_token_alg = \"HS256\"\n").unwrap();
        assert!(c.apply_file(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn passkey_settings_are_read() {
        use crate::model::Profile;
        use crate::passkey::Requirement;
        let dir = std::env::temp_dir().join(format!("ent-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ent.toml");
        std::fs::write(
            &path,
            "[idp]\nwebauthn_rp_id = \"ecoles.example\"\nwebauthn_origin = \"https://sso.ecoles.example\"\n\n[idp.passkey_policy]\nstaff = \"offered\"\npupil = \"none\"\nteacher = \"required\"\n",
        )
        .unwrap();
        let mut c = Config::new(parse_issuer("https://sso.ecoles.example").unwrap(), "sqlite://x.db");
        assert!(c.apply_file(&path).unwrap().is_empty());
        assert_eq!(c.webauthn_rp_id.as_deref(), Some("ecoles.example"));
        assert_eq!(c.passkey_policy.of(Profile::Staff), Requirement::Offered);
        assert_eq!(c.passkey_policy.of(Profile::Teacher), Requirement::Required);
        assert_eq!(c.passkey_policy.of(Profile::Director), Requirement::Required);
        std::fs::write(&path, "[idp.passkey_policy]\nstaff = \"sometimes\"\n").unwrap();
        assert!(c.apply_file(&path).is_err());
        std::fs::write(&path, "[idp.passkey_policy]\njanitor = \"required\"\n").unwrap();
        assert!(c.apply_file(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn proxy_hops_are_read_and_the_old_switch_is_refused() {
        let dir = std::env::temp_dir().join(format!("ent-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ent.toml");
        let mut c = Config::new(parse_issuer("https://sso.ecoles.example").unwrap(), "sqlite://x.db");
        assert_eq!(c.trusted_proxy_hops, 0);
        std::fs::write(&path, "[idp]\ntrusted_proxy_hops = 2\nmax_parked_per_address = 50\n").unwrap();
        assert!(c.apply_file(&path).unwrap().is_empty());
        assert_eq!(c.trusted_proxy_hops, 2);
        assert_eq!(c.max_parked_per_address, 50);
        std::fs::write(&path, "[idp]\ntrust_forwarded_for = true\n").unwrap();
        let e = c.apply_file(&path).unwrap_err();
        assert!(e.to_string().contains("trusted_proxy_hops"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn issuers_must_be_plain_http_urls() {
        assert!(parse_issuer("https://connexion.ecoles.example").is_ok());
        assert!(parse_issuer("https://connexion.ecoles.example/?x=1").is_err());
        assert!(parse_issuer("https://connexion.ecoles.example/#f").is_err());
        assert!(parse_issuer("ftp://connexion.ecoles.example").is_err());
        assert!(parse_issuer("not a url").is_err());
    }
}
