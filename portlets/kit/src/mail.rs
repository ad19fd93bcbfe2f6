//! Outgoing e-mail: plain-text messages handed to the school's SMTP server (a notice that
//! something new waits in the workspace). A portlet configured with a `[portlet.mail]` section
//! gets a [`Mailer`] in its [`Kit`](crate::Kit); without one it sends nothing.
//!
//! The transport is lettre's SMTP client over tokio, with rustls on the ring provider and the
//! webpki roots: the TLS stack the workspace's HTTP clients (reqwest) and LDAP connections
//! already use, so mail adds no second cryptography library.
//!
//! Messages carry personal data (an address, words about a child): the mailer logs neither
//! addresses nor bodies, and its errors do not repeat what the server answered (a refusal often
//! quotes the address), only its SMTP code. Like the LDAP sources (docs/security.md), a server
//! reached in clear must be on this machine unless the configuration says `allow_plaintext`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use url::{Host, Url};

/// The `mail` section of a portlet's configuration.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server: `smtp://127.0.0.1:2525` (in clear: a relay on this machine, tests, the
    /// demo), `smtp://mail.example?tls=required` (STARTTLS, port 587 by default) or
    /// `smtps://mail.example` (TLS from the first byte, port 465). Credentials, if the server
    /// wants them, go in the URL, percent-encoded: `smtps://user:secret@mail.example`.
    pub url: String,
    /// The sender, with its display name: `ENT <ne-pas-repondre@ecoles.example>`.
    pub from: String,
    /// Seconds a message may take to be handed over, connection included, before the mailer
    /// gives up on that server (lettre's asynchronous client bounds only the connection).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Accept a server in clear (`smtp://` without `tls=required`) on another machine: only on a
    /// network the operator vouches for, since messages and credentials then cross it readable.
    #[serde(default)]
    pub allow_plaintext: bool,
}

fn default_timeout_secs() -> u64 {
    60
}

impl MailConfig {
    /// A configuration with the default timeout and no plaintext exception.
    pub fn new(url: impl Into<String>, from: impl Into<String>) -> MailConfig {
        MailConfig { url: url.into(), from: from.into(), timeout_secs: default_timeout_secs(), allow_plaintext: false }
    }
}

/// The URL's password stays out of debug output.
impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.url.clone(),
        };
        f.debug_struct("MailConfig")
            .field("url", &url)
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .field("allow_plaintext", &self.allow_plaintext)
            .finish()
    }
}

/// One message: to one address, a subject, a plain-text body (no HTML).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address alone (`parent@example.fr`), without a display name.
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Why a mail was not sent, or a mailer not made. No variant carries an address or a body.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot make a mailer (the sentence says what to change).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The recipient is not an e-mail address: nothing was sent.
    #[error("the recipient is not an e-mail address")]
    Address,
    /// The server refused the message for good (a 5xx answer: an unknown mailbox, a policy).
    /// Sending it again will not help.
    #[error("the mail server refused the message (SMTP {0})")]
    Rejected(String),
    /// The server could not be reached, did not answer in time, or asked to try later (a 4xx
    /// answer): the message may go at a later attempt.
    #[error("the mail server: {0}")]
    Transport(String),
}

impl MailError {
    /// Whether a later attempt may succeed (everything but a bad address, a refusal, a bad
    /// configuration).
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transport(_))
    }
}

/// Sends mail through the configured server. Cheap to clone (clones share the transport).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for that configuration: the URL read (scheme, TLS, port, credentials), the
    /// sender parsed, the rule on servers in clear applied. Nothing is sent or connected yet.
    pub fn new(config: &MailConfig) -> Result<Mailer, MailError> {
        let from: Mailbox = config.from.parse().map_err(|_| {
            MailError::Config(format!(
                "`from` is not a mailbox such as `ENT <ne-pas-repondre@ecoles.example>`: {:?}",
                config.from
            ))
        })?;
        let url = Url::parse(&config.url).map_err(|e| MailError::Config(format!("`url` is not a URL: {e}")))?;
        check_transport(&url, config.allow_plaintext)?;
        if config.timeout_secs == 0 {
            return Err(MailError::Config("`timeout_secs` must be at least 1".into()));
        }
        let timeout = Duration::from_secs(config.timeout_secs);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|e| MailError::Config(format!("`url` is not an SMTP server lettre can reach: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Mailer { transport, from, timeout })
    }

    /// Sends one message, in one SMTP session (one connection per message: a portlet's mail is
    /// a few notices, not a campaign).
    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let to: Address = mail.to.trim().parse().map_err(|_| MailError::Address)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(mail.subject)
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text)
            // The builder refuses only what no valid input makes (a header it could not write).
            .map_err(|e| MailError::Config(format!("the message cannot be written: {e}")))?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map_err(from_smtp)?,
            Err(_) => return Err(MailError::Transport("no answer in time".into())),
        };
        tracing::debug!(recipients = 1, "mail handed to the server");
        Ok(())
    }
}

/// The SMTP error without the server's words, which may quote the address.
fn from_smtp(e: lettre::transport::smtp::Error) -> MailError {
    match e.status() {
        Some(code) if e.is_permanent() => MailError::Rejected(code.to_string()),
        Some(code) => MailError::Transport(format!("try again later (SMTP {code})")),
        None if e.is_timeout() => MailError::Transport("no answer in time".into()),
        // Connection, TLS and network errors: the words are the system's, not the server's.
        None => MailError::Transport(e.to_string()),
    }
}

/// Refuses a server in clear on another machine, unless allowed. STARTTLS only when offered
/// (`tls=opportunistic`) is in clear to whoever strips the offer, so it counts as clear.
fn check_transport(url: &Url, allow_plaintext: bool) -> Result<(), MailError> {
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let encrypted = match (url.scheme(), tls.as_deref()) {
        ("smtps", _) | ("smtp", Some("required")) => true,
        ("smtp", None | Some("opportunistic")) => false,
        (scheme, tls) => {
            return Err(MailError::Config(format!(
                "`url` must be smtp://, smtp://…?tls=required or smtps://, not {scheme}:// with tls={tls:?}"
            )));
        }
    };
    // `smtp` is not a scheme the URL standard knows: its IPv4 hosts come as names.
    let loopback = match url.host() {
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(MailError::Config("`url` names no server".into())),
    };
    if encrypted || loopback || allow_plaintext {
        Ok(())
    } else {
        Err(MailError::Config(
            "`url` reaches another machine in clear: use smtps:// or ?tls=required, or set allow_plaintext = true"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer(url: &str) -> Result<Mailer, MailError> {
        Mailer::new(&MailConfig::new(url, "ENT <ne-pas-repondre@ecoles.example>"))
    }

    #[test]
    fn servers_in_clear_stay_on_this_machine() {
        assert!(mailer("smtp://127.0.0.1:2525").is_ok());
        assert!(mailer("smtp://localhost:25").is_ok());
        assert!(mailer("smtp://[::1]:25").is_ok());
        assert!(mailer("smtps://mail.example").is_ok());
        assert!(mailer("smtp://user:p%40ss@mail.example?tls=required").is_ok());
        for clear in [
            "smtp://mail.example",
            "smtp://mail.example?tls=opportunistic",
            "smtp://127.0.0.1.evil.example",
            "smtp://192.0.2.1:25",
        ] {
            assert!(matches!(mailer(clear), Err(MailError::Config(_))), "{clear}");
        }
        let mut allowed = MailConfig::new("smtp://mail.example", "ENT <ne-pas-repondre@ecoles.example>");
        allowed.allow_plaintext = true;
        assert!(Mailer::new(&allowed).is_ok());
    }

    #[test]
    fn bad_configurations_say_what_is_wrong() {
        for bad in ["mail.example", "http://mail.example", "smtp://mail.example?tls=sometimes"] {
            assert!(matches!(mailer(bad), Err(MailError::Config(_))), "{bad}");
        }
        let no_sender = Mailer::new(&MailConfig::new("smtp://127.0.0.1:25", "ENT"));
        assert!(matches!(no_sender, Err(MailError::Config(m)) if m.contains("`from`")));
    }

    #[test]
    fn the_password_is_not_shown() {
        let config = MailConfig::new("smtps://user:secret@mail.example", "ENT <a@b.example>");
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret") && shown.contains("user:***@mail.example"), "{shown}");
    }
}
