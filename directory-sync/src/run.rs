//! One sync run: read the directory (LDAP or LDIF), map each entry, stage in batches, then
//! apply in one transaction. Whatever fails before the apply (the server gone, a killed
//! process) leaves the provider's directory as it was.

use std::path::Path;
use std::time::Instant;

use ent_idp::db::Db;
use ent_idp::store::sync::{
    ApplyOptions, ApplyReport, Kind, Link, LinkSides, Mark, Mode, Staged, SyncStore, SyncStoreError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::ldif_in::{LdifError, LdifReader};
use crate::mapping::{Mapped, Mapper, MappingError};
use crate::source::{Event, Outcome, Source, SourceConfig, SourceError};

/// Staged rows per database transaction while reading.
const BATCH: usize = 500;

/// The safety rules of a source (`[policy]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stop, changing nothing, when a run would deactivate more than this share of the
    /// source's active people (0.10 = 10 %), unless forced.
    #[serde(default = "max_share")]
    pub max_departed_share: f64,
    /// Days a departed person's account is kept (deactivated) before it is purged.
    #[serde(default = "retention")]
    pub retention_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_departed_share: max_share(), retention_days: retention() }
    }
}

fn max_share() -> f64 {
    0.10
}

fn retention() -> u32 {
    90
}

/// A sync configuration file: `[source]`, then `preset = "sdet"` or a `[mapping]`, and `[policy]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    pub source: SourceConfig,
    pub preset: Option<String>,
    pub mapping: Option<crate::mapping::Mapping>,
    #[serde(default)]
    pub policy: Policy,
}

/// A configuration ready to run.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    pub source: SourceConfig,
    pub mapper: Mapper,
    pub policy: Policy,
}

impl SyncConfig {
    pub fn from_toml(text: &str) -> Result<SyncConfig, SyncError> {
        let file: SyncFile = toml::from_str(text).map_err(|e| SyncError::Config(e.to_string()))?;
        let mapper = match (file.preset, file.mapping) {
            (Some(p), None) => Mapper::preset(&p)?,
            (None, Some(m)) => Mapper::new(m)?,
            (None, None) => return Err(SyncError::Config("give either `preset = \"sdet\"` or a [mapping]".into())),
            (Some(_), Some(_)) => return Err(SyncError::Config("give `preset` or [mapping], not both".into())),
        };
        file.source.check_transport()?;
        if !(0.0..=1.0).contains(&file.policy.max_departed_share) {
            return Err(SyncError::Config("policy.max_departed_share must be between 0 and 1".into()));
        }
        Ok(SyncConfig { source: file.source, mapper, policy: file.policy })
    }
}

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Read everything even when a cookie would allow an incremental run.
    pub full: bool,
}

/// What a run did, for the summary line and the JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub source: String,
    pub mode: Mode,
    pub dry_run: bool,
    /// Entries read and mapped.
    pub read: u64,
    /// RFC 4533 present and delete notices.
    pub notices: u64,
    /// Entries the mapping does not describe (organizational units, system accounts…).
    pub ignored: u64,
    pub apply: ApplyReport,
    pub purged: u64,
    pub seconds: f64,
}

impl RunReport {
    /// One line for a terminal or a log.
    pub fn summary(&self) -> String {
        let a = &self.apply;
        let state = if let Some(why) = &a.stopped {
            format!("STOPPED: {why}")
        } else if self.dry_run {
            "dry run: nothing changed".to_string()
        } else {
            "applied".to_string()
        };
        format!(
            "{} ({:?}, {:.1} s): read {}, people +{} ~{} -{} (back {}), classes +{} ~{} -{}, schools +{} ~{} -{}, \
             rejected {}, warnings {}, purged {}; {state}",
            self.source,
            self.mode,
            self.seconds,
            self.read,
            a.people.added,
            a.people.updated,
            a.people.removed,
            a.people.returned,
            a.classes.added,
            a.classes.updated,
            a.classes.removed,
            a.schools.added,
            a.schools.updated,
            a.schools.removed,
            a.rejected.len(),
            a.warnings.len(),
            self.purged
        )
    }

    /// Exit status for schedulers: 0 applied cleanly, 3 applied with rejected entries,
    /// 4 stopped by the deactivation threshold (nothing changed).
    pub fn exit_code(&self) -> u8 {
        if self.apply.stopped.is_some() {
            4
        } else if !self.apply.rejected.is_empty() {
            3
        } else {
            0
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("configuration: {0}")]
    Config(String),
    /// A source that would carry passwords in clear (refused when the configuration is read).
    #[error(transparent)]
    Transport(#[from] ent_idp::ldap_transport::TransportError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Ldif(#[from] LdifError),
    #[error(transparent)]
    Store(#[from] SyncStoreError),
}

/// Collects mapped entries and stages them in batches.
struct Stager<'a> {
    sync: &'a SyncStore,
    mapper: &'a Mapper,
    run: String,
    batches: [(Vec<Staged>, Vec<Link>); 3],
    marks: Vec<(String, Mark)>,
    read: u64,
    notices: u64,
    ignored: u64,
    refused: Vec<(String, String)>,
    /// Entries staged without something they should carry (see `ApplyReport::warnings`).
    warnings: Vec<(String, String)>,
}

fn slot(kind: Kind) -> usize {
    match kind {
        Kind::School => 0,
        Kind::Class => 1,
        Kind::Person => 2,
    }
}

const KINDS: [Kind; 3] = [Kind::School, Kind::Class, Kind::Person];

impl<'a> Stager<'a> {
    fn new(sync: &'a SyncStore, mapper: &'a Mapper, run: String) -> Self {
        Stager {
            sync,
            mapper,
            run,
            batches: Default::default(),
            marks: vec![],
            read: 0,
            notices: 0,
            ignored: 0,
            refused: vec![],
            warnings: vec![],
        }
    }

    async fn take(&mut self, ev: Event) -> Result<(), SyncError> {
        match ev {
            Event::Entry(e) => match self.mapper.map(&e) {
                Mapped::Entry { kind, staged, links, warning } => {
                    self.read += 1;
                    if let Some(why) = warning {
                        self.warnings.push((e.dn, why));
                    }
                    let b = &mut self.batches[slot(kind)];
                    b.0.push(*staged);
                    b.1.extend(links);
                    if b.0.len() >= BATCH {
                        self.flush(kind).await?;
                    }
                }
                Mapped::Ignored => self.ignored += 1,
                Mapped::Refused(why) => {
                    tracing::warn!(dn = %e.dn, reason = %why, "directory entry skipped");
                    self.refused.push((e.dn, why));
                }
            },
            Event::Present(u) | Event::Deleted(u) if u.is_empty() => {}
            Event::Present(u) => self.mark(u, Mark::Present).await?,
            Event::Deleted(u) => self.mark(u, Mark::Deleted).await?,
        }
        Ok(())
    }

    async fn mark(&mut self, uuid: String, mark: Mark) -> Result<(), SyncError> {
        self.notices += 1;
        self.marks.push((uuid, mark));
        if self.marks.len() >= BATCH * 4 {
            let marks = std::mem::take(&mut self.marks);
            self.sync.stage(&self.run, Kind::Person, &[], &[], &marks).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, kind: Kind) -> Result<(), SyncError> {
        let (entries, links) = std::mem::take(&mut self.batches[slot(kind)]);
        if entries.is_empty() {
            return Ok(());
        }
        for key in self.sync.stage(&self.run, kind, &entries, &links, &[]).await? {
            let dn = entries.iter().find(|e| e.key == key).map(|e| e.dn.clone()).unwrap_or_default();
            self.refused.push((dn, format!("its key {key} is given to another entry too")));
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), SyncError> {
        for kind in KINDS {
            self.flush(kind).await?;
        }
        let marks = std::mem::take(&mut self.marks);
        self.sync.stage(&self.run, Kind::Person, &[], &[], &marks).await?;
        Ok(())
    }
}

fn sides(mapper: &Mapper) -> LinkSides {
    let p = &mapper.mapping.people;
    LinkSides {
        memberships_on_people: p.pupil_classes.is_some() || p.teacher_classes.is_some(),
        memberships_on_classes: mapper.mapping.classes.members.is_some(),
        parents_on_pupils: p.parents.is_some(),
        children_on_parents: p.children.is_some(),
    }
}

/// Syncs from the LDAP directory: incremental when a cookie allows it, else full.
pub async fn run_ldap(
    db: &Db,
    cfg: &SyncConfig,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunReport, SyncError> {
    let started = Instant::now();
    let sync = SyncStore::new(db.clone());
    let name = cfg.source.name.clone();
    let cookie = if opts.full { None } else { sync.cookie(&name).await? };
    let run = sync.begin_run(&name).await?;
    let mut stager = Stager::new(&sync, &cfg.mapper, run.clone());
    let (tx, mut rx) = mpsc::channel::<Event>(BATCH * 2);
    let source_cfg = cfg.source.clone();
    let filter = cfg.mapper.search_filter();
    let attrs = cfg.mapper.attributes();
    let reader = tokio::spawn(async move {
        let mut source = Source::connect(&source_cfg).await?;
        let outcome = match &cookie {
            Some(c) => match source.read_changes(&filter, &attrs, c, &tx).await {
                Err(SourceError::RefreshRequired) => {
                    tracing::warn!("the directory asks for a full resynchronisation");
                    Err(SourceError::RefreshRequired)
                }
                other => other,
            },
            None => source.read_full(&filter, &attrs, &tx).await,
        };
        source.close().await;
        outcome
    });
    let consumed = async {
        while let Some(ev) = rx.recv().await {
            stager.take(ev).await?;
            if (stager.read + stager.notices).is_multiple_of(1000) {
                progress(stager.read + stager.notices);
            }
        }
        stager.finish().await
    }
    .await;
    let outcome: Result<Outcome, SourceError> = match reader.await {
        Ok(r) => r,
        Err(_) => Err(SourceError::Stopped),
    };
    let outcome = match (consumed, outcome) {
        (Ok(()), Ok(o)) => o,
        (Err(e), _) => {
            sync.discard(&run).await?;
            return Err(e);
        }
        (_, Err(SourceError::RefreshRequired)) => {
            sync.discard(&run).await?;
            sync.forget_cookie(&name).await?;
            return Box::pin(run_ldap(db, cfg, &RunOptions { full: true, ..opts.clone() }, progress)).await;
        }
        (_, Err(e)) => {
            sync.discard(&run).await?;
            return Err(e.into());
        }
    };
    finish(&sync, cfg, opts, stager, outcome, started).await
}

/// Syncs from an LDIF file (an export, or the generated demo directory): a full read.
pub async fn run_ldif(db: &Db, cfg: &SyncConfig, path: &Path, opts: &RunOptions) -> Result<RunReport, SyncError> {
    let started = Instant::now();
    let sync = SyncStore::new(db.clone());
    let run = sync.begin_run(&cfg.source.name).await?;
    let mut stager = Stager::new(&sync, &cfg.mapper, run.clone());
    let file = std::fs::File::open(path).map_err(LdifError::Io)?;
    let reader = LdifReader::new(std::io::BufReader::new(file));
    let read = async {
        for entry in reader {
            stager.take(Event::Entry(entry?)).await?;
        }
        stager.finish().await
    }
    .await;
    if let Err(e) = read {
        sync.discard(&run).await?;
        return Err(e);
    }
    finish(&sync, cfg, opts, stager, Outcome { mode: Mode::Full, cookie: None }, started).await
}

async fn finish(
    sync: &SyncStore,
    cfg: &SyncConfig,
    opts: &RunOptions,
    stager: Stager<'_>,
    outcome: Outcome,
    started: Instant,
) -> Result<RunReport, SyncError> {
    let apply_opts = ApplyOptions {
        mode: outcome.mode,
        dry_run: opts.dry_run,
        max_departed_share: cfg.policy.max_departed_share,
        force: opts.force,
        cookie: outcome.cookie,
        sides: sides(&cfg.mapper),
    };
    let mut apply = sync.apply(&stager.run, &cfg.source.name, &apply_opts).await?;
    if apply.stopped.is_some() {
        sync.discard(&stager.run).await?;
    }
    let mut refused = stager.refused;
    refused.append(&mut apply.rejected);
    apply.rejected = refused;
    let mut warnings = stager.warnings;
    warnings.append(&mut apply.warnings);
    apply.warnings = warnings;
    let purged = if apply.applied {
        sync.purge_departed(&cfg.source.name, i64::from(cfg.policy.retention_days) * 86_400).await?
    } else {
        0
    };
    Ok(RunReport {
        source: cfg.source.name.clone(),
        mode: outcome.mode,
        dry_run: opts.dry_run,
        read: stager.read,
        notices: stager.notices,
        ignored: stager.ignored,
        apply,
        purged,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(source: &str) -> Result<SyncConfig, SyncError> {
        SyncConfig::from_toml(&format!(
            "preset = \"sdet\"\n[source]\nname = \"annuaire\"\nbase_dn = \"dc=ville,dc=example\"\n{source}\n"
        ))
    }

    #[test]
    fn sources_that_keep_passwords_off_the_network_are_accepted() {
        for source in [
            "url = \"ldaps://annuaire.ville.example:636\"",
            "url = \"ldap://annuaire.ville.example\"\nstarttls = true",
            "url = \"ldap://127.0.0.1:389\"",
            "url = \"ldap://[::1]:389\"",
            "url = \"ldap://localhost\"",
            "url = \"ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi\"\nsasl_external = true",
            "url = \"ldap://10.0.0.5\"\nallow_plaintext = true",
        ] {
            assert!(config(source).is_ok(), "{source}");
        }
    }

    #[test]
    fn a_plaintext_source_on_the_network_stops_the_sync_with_what_to_set() {
        for url in ["ldap://annuaire.ville.example", "ldap://127.0.0.1.evil.example", "ldap://10.0.0.5:389"] {
            let err = config(&format!("url = \"{url}\"")).expect_err(url);
            assert!(matches!(err, SyncError::Transport(_)), "{url}: {err}");
            assert_eq!(
                err.to_string(),
                format!(
                    "sync source \"annuaire\": {url} would send passwords across the network in clear; use an \
                     ldaps:// url, set starttls = true, or set allow_plaintext = true on this source if that \
                     network is trusted"
                )
            );
        }
        assert!(matches!(config("url = \"annuaire.ville.example\""), Err(SyncError::Transport(_))));
    }

    /// A configuration built without `from_toml` is checked again before any connection.
    #[tokio::test]
    async fn the_reader_refuses_a_plaintext_source_before_connecting() {
        let source: SourceConfig = toml::from_str(
            "name = \"annuaire\"\nurl = \"ldap://annuaire.invalid\"\nbase_dn = \"dc=ville,dc=example\"\n",
        )
        .expect("source");
        let err = Source::connect(&source).await.err().expect("refused");
        assert!(matches!(err, SourceError::Transport(_)), "{err}");
    }
}
