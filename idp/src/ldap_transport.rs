//! Whether an LDAP source keeps passwords off the network: a login by bind sends the person's
//! password, and the sync its own bind password (and then the directory's data), so an
//! `ldap://` URL without StartTLS to another machine would carry them in clear.
//!
//! A source is accepted when its URL is `ldaps://`, when it upgrades with StartTLS, when it
//! stays on this machine (a loopback host, or `ldapi://`), or when its configuration says
//! `allow_plaintext = true` (a network the operator vouches for). The check runs at start, on
//! the parsed URL: a host that merely begins like a loopback address
//! (`ldap://127.0.0.1.evil.example`) is a name like any other.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Which configuration a source belongs to, for the sentence that refuses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// `[[idp.ldap_login]]` in the provider's configuration.
    Login,
    /// `[source]` of a sync configuration.
    Sync,
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceKind::Login => "LDAP login source",
            SourceKind::Sync => "sync source",
        })
    }
}

/// How a source reaches its directory, as configured.
#[derive(Clone, Copy, Debug)]
pub struct Transport<'a> {
    pub kind: SourceKind,
    /// The source's `name`.
    pub name: &'a str,
    pub url: &'a str,
    pub starttls: bool,
    pub allow_plaintext: bool,
}

/// Why a source may not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransportError {
    #[error("{kind} {name:?}: url {url:?} is not an LDAP URL with a host (ldap://host, ldaps://host or ldapi://)")]
    NotLdap { kind: SourceKind, name: String, url: String },
    #[error(
        "{kind} {name:?}: {url} would send passwords across the network in clear; use an ldaps:// url, set starttls = true, or set allow_plaintext = true on this source if that network is trusted"
    )]
    Plaintext { kind: SourceKind, name: String, url: String },
}

/// Whether this source may be used (see the module's comment).
pub fn check(t: &Transport<'_>) -> Result<(), TransportError> {
    let not_ldap = || TransportError::NotLdap { kind: t.kind, name: t.name.to_string(), url: t.url.to_string() };
    let url = Url::parse(t.url).map_err(|_| not_ldap())?;
    match url.scheme() {
        "ldaps" | "ldapi" => Ok(()),
        "ldap" => {
            // ldap3 panics on a URL without a host (`ldap:x`, `ldap:///`): refuse it here instead.
            let Some(host) = url.host() else { return Err(not_ldap()) };
            if t.starttls || t.allow_plaintext || is_loopback(&host) {
                Ok(())
            } else {
                Err(TransportError::Plaintext { kind: t.kind, name: t.name.to_string(), url: t.url.to_string() })
            }
        }
        _ => Err(not_ldap()),
    }
}

/// 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and `localhost`. `ldap:` is not one of the
/// URL standard's special schemes, so its host comes as an opaque name: an IPv4 address is read
/// from that name strictly (four decimal parts).
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost") || name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ipv6_loopback(ip),
    }
}

fn ipv6_loopback(ip: &Ipv6Addr) -> bool {
    ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_url(url: &str, starttls: bool, allow_plaintext: bool) -> Result<(), TransportError> {
        check(&Transport { kind: SourceKind::Login, name: "annuaire", url, starttls, allow_plaintext })
    }

    #[test]
    fn encrypted_or_local_sources_are_accepted() {
        for url in [
            "ldaps://annuaire.ville.example:636",
            "LDAPS://annuaire.ville.example",
            "ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi",
            "ldap://127.0.0.1:389",
            "ldap://127.8.9.10",
            "ldap://[::1]:389",
            "ldap://[::ffff:127.0.0.1]",
            "ldap://localhost",
            "ldap://LocalHost:1389",
        ] {
            assert_eq!(check_url(url, false, false), Ok(()), "{url}");
        }
        assert_eq!(check_url("ldap://annuaire.ville.example", true, false), Ok(()));
        assert_eq!(check_url("ldap://10.0.0.5:389", false, true), Ok(()));
    }

    #[test]
    fn plaintext_to_another_machine_is_refused_with_what_to_set() {
        for url in [
            "ldap://annuaire.ville.example",
            "ldap://10.0.0.5:389",
            "ldap://127.0.0.1.evil.example",
            "ldap://localhost.evil.example",
            "ldap://127.0.0.1@annuaire.ville.example",
            "ldap://[::2]",
            "ldap://[::ffff:10.0.0.1]",
            "ldap://0x7f.0.0.1",
            "ldap://127.1",
            "ldap://%31%32%37.0.0.1",
        ] {
            let err = check_url(url, false, false).expect_err(url);
            assert!(matches!(err, TransportError::Plaintext { .. }), "{url}: {err}");
        }
        let err = check_url("ldap://annuaire.ville.example", false, false).expect_err("plaintext");
        assert_eq!(
            err.to_string(),
            "LDAP login source \"annuaire\": ldap://annuaire.ville.example would send passwords across the network \
             in clear; use an ldaps:// url, set starttls = true, or set allow_plaintext = true on this source if \
             that network is trusted"
        );
        let sync = check(&Transport {
            kind: SourceKind::Sync,
            name: "annuaire",
            url: "ldap://annuaire.ville.example",
            starttls: false,
            allow_plaintext: false,
        });
        assert!(sync.expect_err("plaintext").to_string().starts_with("sync source \"annuaire\": "));
    }

    #[test]
    fn urls_that_are_not_ldap_are_refused() {
        for url in ["annuaire.ville.example", "http://annuaire.ville.example", "ldap:annuaire", "ldap:///", ""] {
            let err = check_url(url, false, true).expect_err(url);
            assert!(matches!(err, TransportError::NotLdap { .. }), "{url}: {err}");
        }
    }
}
