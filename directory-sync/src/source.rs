//! Reading the school directory over LDAP (ldap3): `ldap://`, `ldaps://` or StartTLS with a
//! private CA, simple bind or SASL EXTERNAL. A full read is a paged search (RFC 2696); an
//! incremental read is an RFC 4533 content synchronisation in refreshOnly mode. The two are never
//! combined: a server truncates a paged search that carries the sync control, silently.
//!
//! Entries go to the caller through a bounded channel, so a slow database holds the reader back
//! instead of filling memory (paged reads; an RFC 4533 refresh cannot be paged, and its size is
//! the size of the change).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use ent_idp::ldap_transport::{self, SourceKind, Transport, TransportError};
use ent_idp::store::sync::Mode;
use ldap3::adapters::{EntriesOnly, PagedResults};
use ldap3::controls::{
    ControlType, EntryState, RefreshMode, SyncDone, SyncInfo, SyncRequest, SyncState, parse_syncinfo,
};
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use serde::Deserialize;
use tokio::sync::mpsc::Sender;

use crate::mapping::Entry;

/// How to reach the directory (the `[source]` section of the sync configuration).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The source's name: the provider records where each person comes from.
    pub name: String,
    /// `ldap://host:389`, `ldaps://host:636` or `ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi`.
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    /// Accept `ldap://` without StartTLS to a host that is not this machine: the bind password
    /// and the directory's data then cross the network in clear. Refused unless set.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// PEM file of the CA that signed the server's certificate (a private CA).
    pub ca_file: Option<String>,
    pub bind_dn: Option<String>,
    /// The bind password, read from this file (or from `ENT_SYNC_BIND_PASSWORD`).
    pub bind_password_file: Option<String>,
    /// Authenticate with SASL EXTERNAL (a client certificate, or the `ldapi://` peer).
    #[serde(default)]
    pub sasl_external: bool,
    pub base_dn: String,
    #[serde(default = "page_size")]
    pub page_size: i32,
    #[serde(default = "timeout")]
    pub timeout_secs: u64,
}

fn page_size() -> i32 {
    500
}

fn timeout() -> u64 {
    60
}

/// What the reader hands over.
#[derive(Debug)]
pub enum Event {
    Entry(Entry),
    /// RFC 4533: an entry that is still there, unchanged (by entryUUID).
    Present(String),
    /// RFC 4533: an entry that was deleted (by entryUUID).
    Deleted(String),
}

/// How a read ended.
#[derive(Debug)]
pub struct Outcome {
    pub mode: Mode,
    /// The cookie to continue from next time.
    pub cookie: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("LDAP: {0}")]
    Ldap(#[from] ldap3::LdapError),
    #[error("LDAP TLS setup: {0}")]
    Tls(String),
    #[error("reading {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the directory server asks for a full resynchronisation (e-syncRefreshRequired)")]
    RefreshRequired,
    #[error("the directory server sent a message the LDAP library could not parse")]
    Malformed,
    #[error("the sync stopped before the directory was read to the end")]
    Stopped,
}

/// RFC 4533 §2.5: e-syncRefreshRequired.
const SYNC_REFRESH_REQUIRED: u32 = 4096;

/// An open, authenticated connection.
pub struct Source {
    config: SourceConfig,
    ldap: ldap3::Ldap,
}

impl SourceConfig {
    /// Whether this source keeps the bind password and the data off the network in clear
    /// (`ent_idp::ldap_transport`): checked when the configuration is read, and again before
    /// connecting.
    pub fn check_transport(&self) -> Result<(), TransportError> {
        ldap_transport::check(&Transport {
            kind: SourceKind::Sync,
            name: &self.name,
            url: &self.url,
            starttls: self.starttls,
            allow_plaintext: self.allow_plaintext,
        })
    }
}

impl Source {
    pub async fn connect(config: &SourceConfig) -> Result<Source, SourceError> {
        config.check_transport()?;
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(config.timeout_secs))
            .set_starttls(config.starttls);
        if let Some(ca) = &config.ca_file {
            settings = settings.set_config(Arc::new(
                ent_idp::ldap_login::tls_config(ca).map_err(|e| SourceError::Tls(e.to_string()))?,
            ));
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &config.url).await?;
        ldap3::drive!(conn);
        ldap.with_timeout(Duration::from_secs(config.timeout_secs));
        if config.sasl_external {
            ldap.sasl_external_bind().await?.success()?;
        } else if let Some(dn) = &config.bind_dn {
            let password = bind_password(config)?;
            ldap.simple_bind(dn, &password).await?.success()?;
        }
        Ok(Source { config: config.clone(), ldap })
    }

    /// Reads everything (paged), after taking a sync cookie when the server offers RFC 4533, so
    /// that the next run can continue from here (changes made during the read come again then).
    pub async fn read_full(
        &mut self,
        filter: &str,
        attrs: &[String],
        out: &Sender<Event>,
    ) -> Result<Outcome, SourceError> {
        let cookie = self.cookie_now(filter).await.unwrap_or(None);
        let adapters: Vec<Box<dyn ldap3::adapters::Adapter<_, _>>> =
            vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(self.config.page_size))];
        let mut stream = self
            .ldap
            .streaming_search_with(adapters, &self.config.base_dn, Scope::Subtree, filter, attrs.to_vec())
            .await?;
        while let Some(raw) = stream.next().await? {
            let entry = guard(|| SearchEntry::construct(raw))?;
            if out.send(Event::Entry(to_entry(entry))).await.is_err() {
                return Err(SourceError::Stopped);
            }
        }
        stream.finish().await.success()?;
        Ok(Outcome { mode: Mode::Full, cookie })
    }

    /// A sync cookie for "now". The search matches no entry (the cookie carries the server's
    /// state, not the filter's), so nothing is buffered whatever the directory's size. `None`
    /// when the server has no syncprov.
    async fn cookie_now(&mut self, _filter: &str) -> Result<Option<String>, SourceError> {
        let filter = "(!(objectClass=*))";
        let req = SyncRequest { mode: RefreshMode::RefreshOnly, cookie: None, reload_hint: false };
        let mut stream = self
            .ldap
            .with_controls(req)
            .streaming_search(&self.config.base_dn, Scope::Subtree, filter, vec!["1.1"])
            .await?;
        while stream.next().await?.is_some() {}
        let res = stream.finish().await;
        if res.rc != 0 {
            return Ok(None);
        }
        Ok(sync_done(&res.ctrls)?.and_then(|d| d.cookie).map(|c| String::from_utf8_lossy(&c).into_owned()))
    }

    /// Reads what changed since `cookie` (RFC 4533 refreshOnly).
    pub async fn read_changes(
        &mut self,
        filter: &str,
        attrs: &[String],
        cookie: &str,
        out: &Sender<Event>,
    ) -> Result<Outcome, SourceError> {
        let req = SyncRequest {
            mode: RefreshMode::RefreshOnly,
            cookie: Some(cookie.as_bytes().to_vec()),
            reload_hint: false,
        };
        let mut attrs = attrs.to_vec();
        attrs.push("entryUUID".into());
        let mut stream =
            self.ldap.with_controls(req).streaming_search(&self.config.base_dn, Scope::Subtree, filter, attrs).await?;
        let mut present_phase = false;
        while let Some(raw) = stream.next().await? {
            let events = if raw.is_intermediate() {
                match guard(|| parse_syncinfo(raw))? {
                    SyncInfo::SyncIdSet { refresh_deletes, sync_uuids, .. } => sync_uuids
                        .into_iter()
                        .map(|u| {
                            if refresh_deletes { Event::Deleted(uuid_text(&u)) } else { Event::Present(uuid_text(&u)) }
                        })
                        .collect(),
                    SyncInfo::RefreshPresent { .. } => {
                        present_phase = true;
                        vec![]
                    }
                    _ => vec![],
                }
            } else if raw.is_ref() {
                vec![]
            } else {
                let state = raw
                    .1
                    .iter()
                    .find(|c| matches!(c.0, Some(ControlType::SyncState)))
                    .map(|c| guard(|| c.1.parse::<SyncState>()))
                    .transpose()?;
                let entry = guard(|| SearchEntry::construct(raw))?;
                match state {
                    Some(s) => {
                        let uuid = uuid_text(&s.entry_uuid);
                        match s.state {
                            EntryState::Present => vec![Event::Present(uuid)],
                            EntryState::Delete => vec![Event::Deleted(uuid)],
                            EntryState::Add | EntryState::Modify => {
                                let mut e = to_entry(entry);
                                if e.uuid().is_none() {
                                    e.add("entryUUID", uuid);
                                }
                                vec![Event::Entry(e)]
                            }
                        }
                    }
                    None => vec![Event::Entry(to_entry(entry))],
                }
            };
            for ev in events {
                if out.send(ev).await.is_err() {
                    return Err(SourceError::Stopped);
                }
            }
        }
        let res = stream.finish().await;
        if res.rc == SYNC_REFRESH_REQUIRED {
            return Err(SourceError::RefreshRequired);
        }
        let done = sync_done(&res.ctrls)?;
        res.success()?;
        let refresh_deletes = done.as_ref().is_some_and(|d| d.refresh_deletes);
        let cookie =
            done.and_then(|d| d.cookie).map(|c| String::from_utf8_lossy(&c).into_owned()).filter(|c| !c.is_empty());
        // RFC 4533 §3.4: with refreshDeletes, deletes were listed; without, the present phase was
        // used: what was neither sent nor listed present is gone (the deactivation threshold
        // guards against a server that lists nothing).
        let mode = if refresh_deletes { Mode::Deletes } else { Mode::PresentList };
        tracing::debug!(present_phase, refresh_deletes, "refresh done");
        Ok(Outcome { mode, cookie })
    }

    pub async fn close(mut self) {
        let _ = self.ldap.unbind().await;
    }
}

fn sync_done(ctrls: &[ldap3::controls::Control]) -> Result<Option<SyncDone>, SourceError> {
    ctrls
        .iter()
        .find(|c| matches!(c.0, Some(ControlType::SyncDone)))
        .map(|c| guard(|| c.1.parse::<SyncDone>()))
        .transpose()
}

/// ldap3's parsers panic on input they do not expect; a malformed message is an error here.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, SourceError> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|_| SourceError::Malformed)
}

fn to_entry(e: SearchEntry) -> Entry {
    let mut entry = Entry::new(e.dn);
    for (k, vs) in e.attrs {
        for v in vs {
            entry.add(&k, v);
        }
    }
    entry
}

/// entryUUID as text (RFC 4530): 8-4-4-4-12 lower-case hex.
pub fn uuid_text(raw: &[u8]) -> String {
    let h: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    if h.len() == 32 { format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]) } else { h }
}

fn bind_password(config: &SourceConfig) -> Result<String, SourceError> {
    if let Ok(p) = std::env::var("ENT_SYNC_BIND_PASSWORD") {
        return Ok(p);
    }
    match &config.bind_password_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| SourceError::Read(path.clone(), e)),
        None => Ok(String::new()),
    }
}
