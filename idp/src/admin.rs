//! Administrative acts shared by the `ent` command and (later) the admin web interface:
//! registering clients, seeding passwords. Each act is validated here and audited.

use serde_json::json;
use url::Url;

use crate::db::DbError;
use crate::jose::Alg;
use crate::oauth::claims::SUPPORTED_SCOPES;
use crate::oauth::exchange;
use crate::secret;
use crate::store::audit::{AuditEvent, AuditStore};
use crate::store::clients::{Client, ClientStore, InsertError};

/// What an operator asks for when linking a tool.
#[derive(Clone, Debug)]
pub struct ClientSpec {
    /// Chosen id, or `None` for a generated one.
    pub id: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Public clients (single-page or native apps) have no secret and must use PKCE.
    pub public: bool,
    pub first_party: bool,
    /// Defaults to `openid profile`.
    pub scopes: Vec<String>,
    /// Defaults to `authorization_code` and `refresh_token`.
    pub grant_types: Vec<String>,
    pub id_token_alg: Alg,
    /// The resource indicator (RFC 8707) under which the client is also a resource server: an
    /// absolute URI, no other client's.
    pub audience: Option<String>,
    /// The resources (RFC 8707) the client may ask tokens for with client_credentials, e.g. the
    /// directory API or another service's audience. None by default.
    pub resources: Vec<String>,
    /// Where to post logout tokens (OpenID Connect Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
}

impl ClientSpec {
    pub fn new(name: impl Into<String>, redirect_uris: Vec<String>) -> Self {
        ClientSpec {
            id: None,
            name: name.into(),
            redirect_uris,
            post_logout_redirect_uris: vec![],
            public: false,
            first_party: false,
            scopes: vec!["openid".into(), "profile".into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            id_token_alg: Alg::Rs256,
            audience: None,
            resources: vec![],
            backchannel_logout_uri: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid client: {0}")]
    Invalid(String),
    #[error("a client with this id already exists")]
    Exists,
    #[error("the audience {audience} is already registered for the client {holder}: an audience names one service")]
    AudienceTaken { audience: String, holder: String },
    #[error("no person has this login")]
    UnknownPerson,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A registered client and, for confidential ones, its secret (shown once, stored hashed).
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

/// Validates and stores a client.
pub async fn register_client(
    clients: &ClientStore,
    audit: &AuditStore,
    spec: ClientSpec,
) -> Result<Registered, AdminError> {
    let invalid = |m: String| Err(AdminError::Invalid(m));
    if spec.name.trim().is_empty() {
        return invalid("a name is required".into());
    }
    for g in &spec.grant_types {
        if !matches!(g.as_str(), "authorization_code" | "refresh_token" | "client_credentials" | exchange::GRANT_TYPE) {
            return invalid(format!("unsupported grant type {g}"));
        }
    }
    for g in ["client_credentials", exchange::GRANT_TYPE] {
        if spec.public && spec.grant_types.iter().any(|x| x == g) {
            return invalid(format!("a public client cannot use {g}"));
        }
    }
    if !spec.first_party && spec.grant_types.iter().any(|g| g == exchange::GRANT_TYPE) {
        return invalid("token exchange is for first-party services only".into());
    }
    let uses_redirects = spec.grant_types.iter().any(|g| g == "authorization_code");
    if uses_redirects && spec.redirect_uris.is_empty() {
        return invalid("at least one redirect URI is required".into());
    }
    for uri in spec.redirect_uris.iter().chain(&spec.post_logout_redirect_uris) {
        check_redirect_uri(uri).map_err(AdminError::Invalid)?;
    }
    if let Some(uri) = &spec.backchannel_logout_uri {
        check_backchannel_logout_uri(uri).map_err(AdminError::Invalid)?;
    }
    if let Some(audience) = &spec.audience {
        check_resource(audience).map_err(|e| AdminError::Invalid(format!("audience: {e}")))?;
    }
    for r in &spec.resources {
        check_resource(r).map_err(|e| AdminError::Invalid(format!("resource: {e}")))?;
    }
    if !spec.resources.is_empty() && !spec.grant_types.iter().any(|g| g == "client_credentials") {
        return invalid("resources are asked for with client_credentials: add --grant client_credentials".into());
    }
    let mut resources = spec.resources;
    resources.sort();
    resources.dedup();
    for s in &spec.scopes {
        // User scopes are the provider's; other scopes name an API for client_credentials.
        let api_scope = !SUPPORTED_SCOPES.contains(&s.as_str());
        if s.is_empty() || s.contains(char::is_whitespace) || (api_scope && !s.bytes().all(|b| b.is_ascii_graphic())) {
            return invalid(format!("invalid scope {s:?}"));
        }
    }
    let id = match spec.id {
        Some(id) => {
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
                return invalid("client id: 1 to 64 characters among a-z A-Z 0-9 - _ .".into());
            }
            id
        }
        None => secret::random_token(12),
    };
    let secret_value = (!spec.public).then(secret::new_secret);
    let client = Client {
        id,
        name: spec.name.trim().to_string(),
        secret_hash: secret_value.as_deref().map(secret::sha256_hex),
        first_party: spec.first_party,
        redirect_uris: spec.redirect_uris,
        post_logout_redirect_uris: spec.post_logout_redirect_uris,
        grant_types: spec.grant_types,
        scopes: spec.scopes,
        id_token_alg: spec.id_token_alg,
        audience: spec.audience,
        resources,
        backchannel_logout_uri: spec.backchannel_logout_uri,
    };
    match clients.insert(&client).await {
        Ok(()) => {}
        Err(InsertError::IdTaken(_)) => return Err(AdminError::Exists),
        Err(InsertError::AudienceTaken { audience, holder }) => {
            return Err(AdminError::AudienceTaken { audience, holder });
        }
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    audit
        .record(&AuditEvent::new("client.add", "ok").client(&client.id).detail(json!({
            "first_party": client.first_party, "public": client.is_public(), "scopes": client.scopes,
            "backchannel_logout": client.backchannel_logout_uri.is_some(),
            "audience": client.audience, "resources": client.resources,
        })))
        .await?;
    Ok(Registered { client, secret: secret_value })
}

/// Removes a client (and everything issued to it).
pub async fn remove_client(clients: &ClientStore, audit: &AuditStore, id: &str) -> Result<bool, AdminError> {
    let removed = clients.remove(id).await?;
    audit.record(&AuditEvent::new("client.remove", if removed { "ok" } else { "not_found" }).client(id)).await?;
    Ok(removed)
}

/// Issues a new secret for a confidential client; the old one stops working at once.
pub async fn rotate_client_secret(
    clients: &ClientStore,
    audit: &AuditStore,
    id: &str,
) -> Result<Option<String>, AdminError> {
    let value = secret::new_secret();
    let done = clients.set_secret_hash(id, &secret::sha256_hex(&value)).await?;
    audit.record(&AuditEvent::new("client.secret", if done { "ok" } else { "not_found" }).client(id)).await?;
    Ok(done.then_some(value))
}

/// Removes every passkey of the person with this login (recovery: a lost or stolen device);
/// audited, and the person is told at their next login. Returns how many were removed.
pub async fn reset_passkeys(
    directory: &crate::store::directory::DirectoryStore,
    passkeys: &crate::store::passkeys::PasskeyStore,
    audit: &AuditStore,
    login: &str,
) -> Result<u64, AdminError> {
    let person = directory.person_by_login(&login.trim().to_lowercase()).await?.ok_or(AdminError::UnknownPerson)?;
    let removed = passkeys.reset(&person.id).await?;
    audit
        .record(&AuditEvent::new("passkey.reset", "ok").person(&person.id).detail(json!({ "removed": removed })))
        .await?;
    Ok(removed)
}

/// Redirect URIs (RFC 6749 §3.1.2, OAuth 2.0 Security BCP §4.1): absolute, no fragment, https —
/// except plain http on a loopback host for development and native apps (RFC 8252 §7.3).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri:?} must not contain a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host_str() {
            Some("localhost") | Some("127.0.0.1") | Some("[::1]") => Ok(()),
            _ => Err(format!("{uri:?}: plain http is allowed only on localhost")),
        },
        // Private-use schemes of native apps (RFC 8252 §7.1) must contain a dot.
        s if s.contains('.') => Ok(()),
        _ => Err(format!("{uri:?}: unsupported scheme")),
    }
}

/// Resource indicators and audiences (RFC 8707 §2): an absolute URI without a fragment, such
/// as `urn:ent:portlet:homework` or `https://api.example/`, compared by exact string later.
pub fn check_resource(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri:?} must not contain a fragment"));
    }
    if url.as_str() != uri && url.as_str() != format!("{uri}/") {
        return Err(format!("{uri:?} is not written as a URI (did you mean {:?}?)", url.as_str()));
    }
    Ok(())
}

/// Back-channel logout URIs (Back-Channel Logout 1.0 §2.2): absolute, no fragment, and https —
/// plain http on a loopback host only. The provider posts logout tokens there from its servers.
pub fn check_backchannel_logout_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri:?} must not contain a fragment"));
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some("localhost" | "127.0.0.1" | "[::1]")) => Ok(()),
        _ => Err(format!("{uri:?}: the back-channel logout URI must be https (plain http only on localhost)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        assert!(check_redirect_uri("https://tool.example/cb").is_ok());
        assert!(check_redirect_uri("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:3000/cb").is_ok());
        assert!(check_redirect_uri("fr.ecole.app:/cb").is_ok());
        assert!(check_redirect_uri("http://tool.example/cb").is_err());
        assert!(check_redirect_uri("https://tool.example/cb#x").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }

    #[test]
    fn resource_rules() {
        assert!(check_resource("urn:ent:directory").is_ok());
        assert!(check_resource("urn:ent:portlet:homework").is_ok());
        assert!(check_resource("https://api.example/v1").is_ok());
        assert!(check_resource("https://api.example").is_ok());
        assert!(check_resource("api.example").is_err());
        assert!(check_resource("https://api.example/#f").is_err());
        assert!(check_resource(" urn:ent:directory").is_err());
        assert!(check_resource("urn:ent:directory ").is_err());
        assert!(check_resource("").is_err());
    }

    #[test]
    fn backchannel_logout_uri_rules() {
        assert!(check_backchannel_logout_uri("https://portal.example/backchannel-logout").is_ok());
        assert!(check_backchannel_logout_uri("http://127.0.0.1:8080/bc").is_ok());
        assert!(check_backchannel_logout_uri("http://portal.example/bc").is_err());
        assert!(check_backchannel_logout_uri("https://portal.example/bc#f").is_err());
        assert!(check_backchannel_logout_uri("fr.ecole.app:/bc").is_err());
        assert!(check_backchannel_logout_uri("/bc").is_err());
    }
}
