//! The whole authorization-code flow driven by the Rust `openidconnect` crate as the relying
//! party: discovery, PKCE + nonce + state, the real login (and consent) forms, code exchange,
//! ID token signature and claims (with `at_hash`), userinfo, refresh rotation, revocation.
//! First-party clients see the public `sub`; third-party ones a pairwise `sub`, different for
//! each of them.

use anyhow::{Context, Result, anyhow, ensure};
use ent_e2e::{ALL_SCOPES, Alg, AuthOutcome, Browser, TestClient, TestIdp, json_str, post_with_client, query_param};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreErrorResponseType,
    CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AdditionalProviderMetadata, AuthenticationFlow, AuthorizationCode, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, JsonWebKey, Nonce, OAuth2TokenResponse, PkceCodeChallenge, ProviderMetadata, RedirectUrl,
    RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ----- The ENT flavour of openidconnect's types -----

/// The ENT claims (scope `ent`), in ID tokens and userinfo.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
struct EntClaims {
    ent_profile: Option<String>,
    ent_schools: Option<Vec<String>>,
    ent_classes: Option<Vec<Value>>,
    ent_children: Option<Vec<EntChild>>,
    ent_roles: Option<Vec<Value>>,
    sid: Option<String>,
}
impl AdditionalClaims for EntClaims {}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
struct EntChild {
    sub: String,
    class: Option<String>,
    legal_guardian: bool,
}

/// Discovery members core metadata does not model.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct EntProviderMetadata {
    revocation_endpoint: String,
    introspection_endpoint: String,
    end_session_endpoint: String,
    code_challenge_methods_supported: Vec<String>,
    authorization_response_iss_parameter_supported: bool,
}
impl AdditionalProviderMetadata for EntProviderMetadata {}

type EntMetadata = ProviderMetadata<
    EntProviderMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type EntTokenResponse = StandardTokenResponse<
    IdTokenFields<
        EntClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type EntClient = Client<
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

/// A relying party: the openidconnect client, its HTTP client, the algorithm it expects.
struct Rp {
    client: EntClient,
    http: reqwest::Client,
    alg: CoreJwsSigningAlgorithm,
    /// From discovery. oauth2 refuses to revoke over plain http (RFC 7009 says HTTPS), so the
    /// revocation request is made by hand with the client's credentials.
    revocation_endpoint: String,
}

fn jws_alg(alg: Alg) -> CoreJwsSigningAlgorithm {
    match alg {
        Alg::Rs256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        Alg::Es256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        Alg::EdDsa => CoreJwsSigningAlgorithm::EdDsa,
    }
}

/// Discovery, then a client for a registered test client.
async fn relying_party(idp: &TestIdp, c: &TestClient, alg: Alg) -> Result<Rp> {
    // openidconnect requires an HTTP client that does not follow redirects (SSRF).
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let issuer = IssuerUrl::new(idp.issuer().to_string())?;
    let metadata = EntMetadata::discover_async(issuer, &http).await.map_err(|e| anyhow!("discovery: {e:?}"))?;
    ensure!(metadata.issuer().as_str() == idp.issuer());
    let extra = metadata.additional_metadata();
    ensure!(
        extra.code_challenge_methods_supported == ["S256"],
        "PKCE methods {:?}",
        extra.code_challenge_methods_supported
    );
    ensure!(extra.authorization_response_iss_parameter_supported);
    ensure!(!extra.introspection_endpoint.is_empty() && !extra.end_session_endpoint.is_empty());
    ensure!(metadata.id_token_signing_alg_values_supported().contains(&jws_alg(alg)), "{alg} not advertised");
    ensure!(metadata.subject_types_supported().contains(&CoreSubjectIdentifierType::Pairwise));
    let revocation_endpoint = extra.revocation_endpoint.clone();
    let client = EntClient::from_provider_metadata(
        metadata,
        ClientId::new(c.id.clone()),
        c.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(c.redirect_uri.clone())?);
    Ok(Rp { client, http, alg: jws_alg(alg), revocation_endpoint })
}

/// What a full flow saw.
struct FlowResult {
    sub: String,
    outcome: AuthOutcome,
    id_claims: EntClaims,
    preferred_username: Option<String>,
    email: Option<String>,
    userinfo: Value,
}

/// The whole flow for one client and one browser; ends with the grant revoked.
async fn full_flow(idp: &TestIdp, c: &TestClient, alg: Alg, browser: &Browser) -> Result<FlowResult> {
    let rp = relying_party(idp, c, alg).await?;

    // Authorization request: PKCE S256, state, nonce; openid is added by the crate.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = rp.client.authorize_url(
        AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in ALL_SCOPES.split(' ').filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();

    // The browser logs in with the real form (and consents).
    let outcome = browser.authorize_detailed(&url).await?;
    let code = outcome.code()?;
    ensure!(query_param(&outcome.callback, "state").as_deref() == Some(csrf.secret().as_str()));
    ensure!(
        query_param(&outcome.callback, "iss").as_deref() == Some(idp.issuer()),
        "RFC 9207 iss missing or wrong: {}",
        outcome.callback
    );

    // Code exchange.
    let tokens = rp
        .client
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(verifier)
        .request_async(&rp.http)
        .await
        .map_err(|e| anyhow!("code exchange: {e:?}"))?;
    ensure!(*tokens.token_type() == CoreTokenType::Bearer);

    // ID token: signature with only the client's algorithm allowed, claims, nonce, at_hash.
    let id_token = tokens.id_token().context("no ID token")?;
    let verifier = rp.client.id_token_verifier().set_allowed_algs(vec![rp.alg.clone()]);
    let claims = id_token.claims(&verifier, &nonce).map_err(|e| anyhow!("ID token: {e:?}"))?;
    ensure!(id_token.signing_alg()? == &rp.alg, "signed with another alg");
    if rp.alg != CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256 {
        let rs256_only =
            rp.client.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        ensure!(
            id_token.claims(&rs256_only, &nonce).is_err(),
            "an RS256-only verifier accepted a {:?} ID token",
            rp.alg
        );
    }
    ensure!(claims.issuer().as_str() == idp.issuer());
    ensure!(claims.audiences().iter().any(|a| a.as_str() == c.id));
    ensure!(claims.auth_time().is_some(), "no auth_time");
    let expected_hash = claims.access_token_hash().context("no at_hash")?;
    let actual_hash =
        AccessTokenHash::from_token(tokens.access_token(), id_token.signing_alg()?, id_token.signing_key(&verifier)?)?;
    ensure!(expected_hash == &actual_hash, "at_hash does not match");
    let sub = claims.subject().clone();
    let id_claims = claims.additional_claims().clone();
    let preferred_username = claims.preferred_username().map(|u| u.to_string());
    let email = claims.email().map(|e| e.to_string());

    // UserInfo, through openidconnect (which checks sub) and raw.
    let info: UserInfoClaims<EntClaims, CoreGenderClaim> = rp
        .client
        .user_info(tokens.access_token().clone(), Some(sub.clone()))?
        .request_async(&rp.http)
        .await
        .map_err(|e| anyhow!("userinfo: {e:?}"))?;
    ensure!(info.subject() == &sub);
    ensure!(
        info.additional_claims().ent_children == id_claims.ent_children,
        "userinfo and ID token disagree on ent_children"
    );
    let userinfo = idp.userinfo(tokens.access_token().secret()).await?.ok()?;
    ensure!(json_str(&userinfo, "sub")? == sub.as_str());

    // Refresh: a new access token and a rotated refresh token.
    let first_refresh = tokens.refresh_token().context("no refresh token")?.clone();
    let refreshed = rp
        .client
        .exchange_refresh_token(&first_refresh)?
        .request_async(&rp.http)
        .await
        .map_err(|e| anyhow!("refresh: {e:?}"))?;
    let new_refresh = refreshed.refresh_token().context("no rotated refresh token")?.clone();
    ensure!(new_refresh.secret() != first_refresh.secret(), "not rotated");
    ensure!(refreshed.access_token().secret() != tokens.access_token().secret());
    if let Some(new_id) = refreshed.id_token() {
        // OIDC Core §12.2: same sub, the original auth_time, no nonce.
        let again = new_id
            .claims(&verifier, |n: Option<&Nonce>| match n {
                None => Ok(()),
                Some(_) => Err("refreshed ID token carries a nonce".to_string()),
            })
            .map_err(|e| anyhow!("refreshed ID token: {e:?}"))?;
        ensure!(again.subject() == &sub);
        ensure!(again.auth_time() == claims.auth_time());
    }
    idp.userinfo(refreshed.access_token().secret()).await?.ok().context("userinfo with the refreshed access token")?;

    // Revocation: the grant ends; refreshing fails with invalid_grant.
    post_with_client(
        &rp.http,
        &rp.revocation_endpoint,
        c,
        &[("token", new_refresh.secret()), ("token_type_hint", "refresh_token")],
    )
    .await?
    .ok()
    .context("revocation")?;
    for (what, token) in [("revoked", &new_refresh), ("rotated-out", &first_refresh)] {
        match rp.client.exchange_refresh_token(token)?.request_async(&rp.http).await {
            Err(RequestTokenError::ServerResponse(e)) => {
                ensure!(*e.error() == CoreErrorResponseType::InvalidGrant, "{what} refresh token: {e:?}")
            }
            other => anyhow::bail!("{what} refresh token: expected invalid_grant, got {other:?}"),
        }
    }
    let after = idp.userinfo(refreshed.access_token().secret()).await?;
    ensure!(
        after.status == reqwest::StatusCode::UNAUTHORIZED,
        "an access token of a revoked grant still opens userinfo: {}",
        after.status
    );

    Ok(FlowResult { sub: sub.to_string(), outcome, id_claims, preferred_username, email, userinfo })
}

fn child_subs(claims: &EntClaims) -> Vec<String> {
    let mut subs: Vec<String> = claims.ent_children.iter().flatten().map(|c| c.sub.clone()).collect();
    subs.sort();
    subs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_party_client_sees_the_public_sub_and_ent_claims() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(true).await?;
    let browser = idp.browser("parent.demo")?;
    let r = full_flow(&idp, &client, Alg::Rs256, &browser).await?;

    ensure!(r.outcome.login_form_shown, "no login form");
    ensure!(!r.outcome.consent_shown, "consent asked by a first-party client");
    assert_eq!(r.sub, idp.public_sub("parent.demo").await?);
    assert_eq!(r.preferred_username.as_deref(), Some("parent.demo"));
    assert_eq!(r.email.as_deref(), Some("parent.demo@demo.ent.example"));
    assert_eq!(r.id_claims.ent_profile.as_deref(), Some("parent"));
    ensure!(!r.id_claims.ent_schools.clone().unwrap_or_default().is_empty(), "no ent_schools");
    ensure!(r.id_claims.sid.is_some(), "no sid");
    // The children, under their public subjects.
    let children = idp.children_public_subs("parent.demo").await?;
    ensure!(!children.is_empty(), "the demo parent has no child");
    assert_eq!(child_subs(&r.id_claims), children);
    // The raw userinfo JSON says the same.
    assert_eq!(r.userinfo["ent_profile"], "parent");
    assert_eq!(r.userinfo["ent_children"].as_array().map(Vec::len), Some(children.len()));
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_party_clients_get_consent_and_distinct_pairwise_subs() -> Result<()> {
    let idp = TestIdp::start().await?;
    let tool_a = idp.confidential_client(false).await?;
    let tool_b = idp.confidential_client(false).await?;
    let public_sub = idp.public_sub("parent.demo").await?;
    let public_children = idp.children_public_subs("parent.demo").await?;
    let browser = idp.browser("parent.demo")?;

    let a = full_flow(&idp, &tool_a, Alg::Rs256, &browser).await?;
    ensure!(a.outcome.login_form_shown && a.outcome.consent_shown);
    // Same browser: single sign-on, but tool B must ask for consent itself.
    let b = full_flow(&idp, &tool_b, Alg::Rs256, &browser).await?;
    ensure!(!b.outcome.login_form_shown, "SSO: login asked again");
    ensure!(b.outcome.consent_shown, "tool B did not ask for consent");

    assert_ne!(a.sub, public_sub, "tool A got the public sub");
    assert_ne!(b.sub, public_sub, "tool B got the public sub");
    assert_ne!(a.sub, b.sub, "two tools share a subject");
    ensure!(a.preferred_username.is_none(), "login released to a third party");
    // Children are pairwise too, per tool.
    let (ca, cb) = (child_subs(&a.id_claims), child_subs(&b.id_claims));
    assert_eq!(ca.len(), public_children.len());
    ensure!(ca.iter().all(|s| !public_children.contains(s)));
    ensure!(ca.iter().all(|s| !cb.contains(s)));

    // Consent is remembered; the pairwise sub is stable.
    let again = full_flow(&idp, &tool_a, Alg::Rs256, &browser).await?;
    ensure!(!again.outcome.login_form_shown && !again.outcome.consent_shown);
    assert_eq!(again.sub, a.sub);

    // A fresh browser (another device) logs in again but is not asked to consent again.
    let other_device = idp.browser("parent.demo")?;
    let d = full_flow(&idp, &tool_b, Alg::Rs256, &other_device).await?;
    ensure!(d.outcome.login_form_shown && !d.outcome.consent_shown);
    assert_eq!(d.sub, b.sub);
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_id_tokens() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client_with_alg(true, Alg::Es256).await?;
    let browser = idp.browser("enseignant.demo")?;
    let r = full_flow(&idp, &client, Alg::Es256, &browser).await?;
    assert_eq!(r.sub, idp.public_sub("enseignant.demo").await?);
    assert_eq!(r.id_claims.ent_profile.as_deref(), Some("teacher"));
    ensure!(r.id_claims.ent_children.is_none());
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eddsa_id_tokens() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client_with_alg(false, Alg::EdDsa).await?;
    let browser = idp.browser("eleve.demo")?;
    let r = full_flow(&idp, &client, Alg::EdDsa, &browser).await?;
    assert_ne!(r.sub, idp.public_sub("eleve.demo").await?);
    assert_eq!(r.id_claims.ent_profile.as_deref(), Some("pupil"));
    // Pupils are minors: no e-mail address, even with the email scope.
    ensure!(r.email.is_none(), "a pupil's e-mail was released");
    ensure!(r.userinfo.get("email").is_none());
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_client_with_pkce_only() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.public_client().await?;
    let browser = idp.browser("enseignant.demo")?;
    let r = full_flow(&idp, &client, Alg::Rs256, &browser).await?;
    ensure!(r.outcome.consent_shown);
    assert_ne!(r.sub, idp.public_sub("enseignant.demo").await?);
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_core_discovery_sees_every_signing_key() -> Result<()> {
    // The metadata also parses as plain core metadata (what most Rust relying parties use), and
    // the JWKS publishes a current and a next key for each of RS256, ES256 and EdDSA.
    let idp = TestIdp::start().await?;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let core =
        openidconnect::core::CoreProviderMetadata::discover_async(IssuerUrl::new(idp.issuer().to_string())?, &http)
            .await
            .map_err(|e| anyhow!("core discovery: {e:?}"))?;
    let keys = core.jwks().keys();
    ensure!(keys.len() == 6, "JWKS has {} keys", keys.len());
    ensure!(keys.iter().all(|k| k.key_id().is_some()), "a key without kid");
    idp.stop().await;
    Ok(())
}

/// OIDC Core §3.1.2.1: "max_age=0 is equivalent to prompt=login".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_age_zero_forces_a_fresh_login() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(true).await?;
    let browser = idp.browser("eleve.demo")?;
    idp.authorize_code(&browser, &client, "openid").await?;
    let pkce = ent_e2e::Pkce::new();
    let url = idp.authorization_url(&client, "openid", &pkce, "st", "nc", &[("max_age", "0")])?;
    let outcome = browser.authorize_detailed(&url).await?;
    ensure!(outcome.login_form_shown, "max_age=0 was answered from the existing session");
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusing_consent_sends_access_denied_back() -> Result<()> {
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(false).await?;
    let mut browser = idp.browser("parent.demo")?;
    browser.set_decision(ent_e2e::Decision::Deny);
    let pkce = ent_e2e::Pkce::new();
    let url = idp.authorization_url(&client, ALL_SCOPES, &pkce, "st-42", "nc", &[])?;
    let outcome = browser.authorize_detailed(&url).await?;
    ensure!(outcome.login_form_shown && outcome.consent_shown);
    let cb = &outcome.callback;
    assert_eq!(query_param(cb, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(cb, "state").as_deref(), Some("st-42"));
    assert_eq!(query_param(cb, "iss").as_deref(), Some(idp.issuer()));
    ensure!(query_param(cb, "code").is_none());
    // Nothing was remembered: the next request asks again.
    browser.set_decision(ent_e2e::Decision::Allow);
    let grant = idp.authorize_code(&browser, &client, ALL_SCOPES).await?;
    ensure!(!grant.outcome.login_form_shown && grant.outcome.consent_shown);
    idp.stop().await;
    Ok(())
}
