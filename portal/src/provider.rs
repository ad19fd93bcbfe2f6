//! The provider as the portal sees it: discovery metadata (with `end_session_endpoint`), cached
//! for a few minutes and refetched on demand, and the `openidconnect` client built from it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, Client, ClientId, ClientSecret, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdTokenFields, IssuerUrl, ProviderMetadataWithLogout, RedirectUrl, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::config::PortalConfig;
use crate::error::PortalError;

/// How long discovery metadata (and the keys it carries) is trusted before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// A forced refetch (an unknown key) happens at most this often.
const MIN_REFETCH: Duration = Duration::from_secs(10);

/// The ENT claims of the ID token the portal reads (besides the standard ones).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EntClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ent_profile: Option<String>,
    /// The provider's session id (OpenID Connect Back-Channel Logout §2.1, Front-Channel §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AdditionalClaims for EntClaims {}

pub type EntIdTokenFields = IdTokenFields<
    EntClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type EntTokenResponse = StandardTokenResponse<EntIdTokenFields, CoreTokenType>;

/// A confidential client with the provider's endpoints from discovery.
pub type EntClient = Client<
    EntClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    EntTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

pub type Metadata = ProviderMetadataWithLogout;

pub struct Provider {
    issuer: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    http: reqwest::Client,
    cached: Mutex<Option<(Instant, Arc<Metadata>)>>,
}

impl Provider {
    pub fn new(config: &PortalConfig, http: reqwest::Client) -> Self {
        Provider {
            issuer: config.issuer_str(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            redirect_uri: config.redirect_uri(),
            http,
            cached: Mutex::new(None),
        }
    }

    /// The provider's metadata and keys, from the cache while fresh. Concurrent callers wait
    /// for one discovery rather than each running their own.
    pub async fn metadata(&self) -> Result<Arc<Metadata>, PortalError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, meta)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(meta.clone());
        }
        let meta = Arc::new(self.discover().await?);
        *cached = Some((Instant::now(), meta.clone()));
        Ok(meta)
    }

    /// Reads the metadata again (keys rotated), unless that was done moments ago.
    pub async fn refetch(&self) -> Result<Arc<Metadata>, PortalError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, meta)) = cached.as_ref()
            && at.elapsed() < MIN_REFETCH
        {
            return Ok(meta.clone());
        }
        let meta = Arc::new(self.discover().await?);
        *cached = Some((Instant::now(), meta.clone()));
        Ok(meta)
    }

    async fn discover(&self) -> Result<Metadata, PortalError> {
        let issuer = IssuerUrl::new(self.issuer.clone()).map_err(|e| PortalError::Internal(e.to_string()))?;
        // openidconnect checks that the document's issuer is exactly ours, and fetches the JWKS.
        Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| PortalError::Upstream(format!("provider discovery failed: {e}")))
    }

    /// The client, with the endpoints of `meta`.
    pub fn client(&self, meta: &Metadata) -> Result<EntClient, PortalError> {
        let redirect = RedirectUrl::new(self.redirect_uri.clone()).map_err(|e| PortalError::Internal(e.to_string()))?;
        Ok(EntClient::from_provider_metadata(
            meta.clone(),
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}
