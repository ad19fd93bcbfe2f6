//! Passkeys at the provider: the relying party (its id and origin, from the configuration and
//! checked at start), the policy per profile, and what a login with or without a passkey says in
//! `amr` (RFC 8176) and `acr`.

use std::collections::HashMap;
use std::sync::Arc;

use url::{Host, Url};
use webauthn_rs::prelude::{CreationChallengeResponse, Webauthn, WebauthnBuilder};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::config::Config;
use crate::model::Profile;

/// The `acr` of a login that proved a passkey (alone, or after a password).
pub const ACR_PASSKEY: &str = "urn:ent:acr:passkey";
/// The `acr` of a login by password (or a directory password) alone.
pub const ACR_PASSWORD: &str = "urn:ent:acr:password";

/// `amr` of a passkey alone: a hardware-bound key (`hwk`) whose authenticator verified the user
/// (`user`), which WebAuthn counts as two factors (`mfa`).
pub fn amr_passkey() -> Vec<String> {
    ["hwk", "user", "mfa"].map(String::from).to_vec()
}

/// `amr` of a password followed by a passkey.
pub fn amr_password_and_passkey() -> Vec<String> {
    ["pwd", "hwk", "user", "mfa"].map(String::from).to_vec()
}

/// Whether a login's `amr` includes a passkey.
pub fn has_passkey(amr: &[String]) -> bool {
    amr.iter().any(|m| m == "hwk")
}

/// The `acr` a login's `amr` earns.
pub fn acr_for(amr: &[String]) -> &'static str {
    if has_passkey(amr) { ACR_PASSKEY } else { ACR_PASSWORD }
}

/// Whether a client's `acr_values` ask for a passkey: the strong value is named and the
/// password one is not (OIDC Core §3.1.2.1 makes the list a preference; this provider honours
/// a list that leaves no weaker choice as a requirement).
pub fn acr_values_require_passkey(acr_values: &[String]) -> bool {
    acr_values.iter().any(|v| v == ACR_PASSKEY) && !acr_values.iter().any(|v| v == ACR_PASSWORD)
}

/// What the provider asks of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// A passkey at every login (alone, or after the password); registered at the next login
    /// when the person has none.
    Required,
    /// A dismissible invitation to create one after a password login.
    Offered,
    /// Never asked (passkeys may still be registered from the account page).
    NotAsked,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Offered => "offered",
            Requirement::NotAsked => "none",
        }
    }
}

impl std::str::FromStr for Requirement {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "required" => Ok(Requirement::Required),
            "offered" => Ok(Requirement::Offered),
            "none" | "not_asked" => Ok(Requirement::NotAsked),
            _ => Err(()),
        }
    }
}

/// The requirement per profile (`[idp.passkey_policy]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyPolicy {
    per_profile: HashMap<Profile, Requirement>,
}

impl Default for PasskeyPolicy {
    /// Those who can see or change many people's data must use a passkey; parents and teachers
    /// are invited to; pupils are not asked.
    fn default() -> Self {
        let mut per_profile = HashMap::new();
        for p in [Profile::Director, Profile::Staff, Profile::CityAgent, Profile::Admin] {
            per_profile.insert(p, Requirement::Required);
        }
        per_profile.insert(Profile::Parent, Requirement::Offered);
        per_profile.insert(Profile::Teacher, Requirement::Offered);
        per_profile.insert(Profile::Pupil, Requirement::NotAsked);
        PasskeyPolicy { per_profile }
    }
}

impl PasskeyPolicy {
    /// The same requirement for everyone.
    pub fn uniform(r: Requirement) -> Self {
        PasskeyPolicy { per_profile: Profile::ALL.iter().map(|p| (*p, r)).collect() }
    }

    pub fn of(&self, profile: Profile) -> Requirement {
        self.per_profile.get(&profile).copied().unwrap_or(Requirement::NotAsked)
    }

    pub fn set(&mut self, profile: Profile, r: Requirement) {
        self.per_profile.insert(profile, r);
    }
}

/// Why the relying party could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RelyingPartyError {
    #[error("webauthn_origin {0:?} must be an http(s) origin with a domain name (not an IP address)")]
    Origin(String),
    #[error("webauthn_rp_id {rp_id:?} must be the host of webauthn_origin ({host}) or a registrable suffix of it")]
    NotSuffix { rp_id: String, host: String },
    #[error("webauthn_rp_id {0:?} is not a registrable domain")]
    NotRegistrable(String),
    #[error("webauthn-rs refused the relying party ({0})")]
    Refused(String),
}

/// The relying party of this provider's passkeys, or `None` when passkeys are off: neither the
/// RP id nor the origin is configured and the issuer's host is an IP address (which WebAuthn
/// cannot use). A configured value that does not fit is a start error.
pub fn relying_party(config: &Config) -> Result<Option<Arc<Webauthn>>, RelyingPartyError> {
    let configured = config.webauthn_rp_id.is_some() || config.webauthn_origin.is_some();
    let origin = config.webauthn_origin.clone().unwrap_or_else(|| {
        let mut u = config.issuer.clone();
        u.set_path("");
        u
    });
    let host = match origin.host() {
        Some(Host::Domain(d)) if matches!(origin.scheme(), "http" | "https") => d.to_ascii_lowercase(),
        _ if !configured => return Ok(None),
        _ => return Err(RelyingPartyError::Origin(origin.to_string())),
    };
    let rp_id = config.webauthn_rp_id.clone().unwrap_or_else(|| host.clone()).to_ascii_lowercase();
    check_rp_id(&rp_id, &host)?;
    let origin = Url::parse(&origin.origin().ascii_serialization())
        .map_err(|_| RelyingPartyError::Origin(origin.to_string()))?;
    let webauthn = WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("ENT").build())
        .map_err(|e| RelyingPartyError::Refused(e.to_string()))?;
    Ok(Some(Arc::new(webauthn)))
}

/// The RP id must be the origin's host or a suffix of it on a label boundary (WebAuthn §5.1.3's
/// "registrable domain suffix"), and a registrable domain itself: not an IP address, not a bare
/// top-level label (other than `localhost`).
pub fn check_rp_id(rp_id: &str, host: &str) -> Result<(), RelyingPartyError> {
    if rp_id.parse::<std::net::IpAddr>().is_ok()
        || rp_id.is_empty()
        || rp_id.starts_with('.')
        || rp_id.ends_with('.')
        || (!rp_id.contains('.') && rp_id != "localhost")
    {
        return Err(RelyingPartyError::NotRegistrable(rp_id.to_string()));
    }
    if host == rp_id || host.ends_with(&format!(".{rp_id}")) {
        Ok(())
    } else {
        Err(RelyingPartyError::NotSuffix { rp_id: rp_id.to_string(), host: host.to_string() })
    }
}

/// Registration options as this provider wants them: a discoverable credential (so that the
/// passkey alone can sign in, with no login typed) and user verification, both required.
pub fn require_discoverable(mut ccr: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(sel) = ccr.public_key.authenticator_selection.as_mut() {
        sel.require_resident_key = true;
        sel.resident_key = Some(ResidentKeyRequirement::Required);
    }
    ccr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(issuer: &str) -> Config {
        Config::new(Url::parse(issuer).unwrap(), "sqlite::memory:")
    }

    #[test]
    fn the_relying_party_comes_from_the_issuer_unless_configured() {
        assert!(relying_party(&config("https://connexion.ecoles.example")).unwrap().is_some());
        assert!(relying_party(&config("http://localhost:8400")).unwrap().is_some());
        // An IP issuer: passkeys off, unless configured (then it is an error).
        assert!(relying_party(&config("http://127.0.0.1:8400")).unwrap().is_none());
        let mut c = config("http://127.0.0.1:8400");
        c.webauthn_rp_id = Some("127.0.0.1".into());
        assert!(relying_party(&c).is_err());

        let mut c = config("https://connexion.ecoles.example");
        c.webauthn_rp_id = Some("ecoles.example".into());
        assert!(relying_party(&c).unwrap().is_some());
        c.webauthn_rp_id = Some("autre.example".into());
        assert!(matches!(relying_party(&c), Err(RelyingPartyError::NotSuffix { .. })));
        c.webauthn_rp_id = Some("example".into());
        assert!(matches!(relying_party(&c), Err(RelyingPartyError::NotRegistrable(_))));
        c.webauthn_rp_id = Some("s.ecoles.example".into());
        c.webauthn_origin = Some(Url::parse("https://ecoles.example").unwrap());
        assert!(matches!(relying_party(&c), Err(RelyingPartyError::NotSuffix { .. })));
    }

    #[test]
    fn suffixes_end_on_a_label() {
        assert!(check_rp_id("ecoles.example", "sso.ecoles.example").is_ok());
        assert!(check_rp_id("ecoles.example", "sso-ecoles.example").is_err());
        assert!(check_rp_id("les.example", "ecoles.example").is_err());
    }

    #[test]
    fn acr_and_amr() {
        assert_eq!(acr_for(&["pwd".to_string()]), ACR_PASSWORD);
        assert_eq!(acr_for(&amr_passkey()), ACR_PASSKEY);
        assert!(acr_values_require_passkey(&[ACR_PASSKEY.to_string()]));
        assert!(!acr_values_require_passkey(&[ACR_PASSKEY.to_string(), ACR_PASSWORD.to_string()]));
        assert!(!acr_values_require_passkey(&[]));
    }

    #[test]
    fn default_policy() {
        let p = PasskeyPolicy::default();
        assert_eq!(p.of(Profile::Director), Requirement::Required);
        assert_eq!(p.of(Profile::CityAgent), Requirement::Required);
        assert_eq!(p.of(Profile::Teacher), Requirement::Offered);
        assert_eq!(p.of(Profile::Pupil), Requirement::NotAsked);
    }
}
