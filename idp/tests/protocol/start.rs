//! What the provider refuses to start with: an LDAP login source that would carry people's
//! passwords across the network in clear.

use ent_idp::config::Config;
use ent_idp::ldap_login::{LdapLoginConfigError, LdapLoginSource};
use ent_idp::ldap_transport::TransportError;
use ent_idp::state::{AppState, StartError};
use ent_idp::testing;
use url::Url;

async fn start_with(source: LdapLoginSource) -> Result<AppState, StartError> {
    let db = testing::sqlite().await;
    let mut config = Config::new(Url::parse("http://localhost:8400").expect("issuer"), db.url.clone());
    config.ldap_login = vec![source];
    AppState::with_db(config, db.db.clone()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_ldap_login_source_stops_the_provider() {
    for url in ["ldap://annuaire.ville.example", "ldap://10.0.0.5:389", "ldap://127.0.0.1.evil.example"] {
        let err = start_with(LdapLoginSource::new("annuaire", url)).await.err().expect(url);
        assert!(
            matches!(err, StartError::LdapLogin(LdapLoginConfigError::Transport(TransportError::Plaintext { .. }))),
            "{url}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "LDAP login source \"annuaire\": {url} would send passwords across the network in clear; use an \
                 ldaps:// url, set starttls = true, or set allow_plaintext = true on this source if that network \
                 is trusted"
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_local_or_explicitly_allowed_sources_start() {
    let plain = |url: &str| LdapLoginSource::new("annuaire", url);
    for source in [
        plain("ldaps://annuaire.ville.example:636"),
        LdapLoginSource { starttls: true, ..plain("ldap://annuaire.ville.example") },
        plain("ldap://127.0.0.1:389"),
        plain("ldap://[::1]:389"),
        plain("ldap://localhost"),
        plain("ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi"),
        LdapLoginSource { allow_plaintext: true, ..plain("ldap://10.0.0.5:389") },
    ] {
        let url = source.url.clone();
        assert!(start_with(source).await.is_ok(), "{url}");
    }
}
