//! The directory sync's side of the provider's database: a run stages what it read
//! (`sync_entries`, `sync_links`, `sync_marks`) in short batches, then `apply` changes the
//! directory tables in ONE transaction — set-based SQL, so a million people apply in seconds and
//! a run that dies before `apply` (the LDAP server gone, the process killed) leaves the directory
//! exactly as it was. The RFC 4533 cookie is saved in that same transaction.
//!
//! Stable keys: a school, class or person is known by its key (the directory's entryUUID or the
//! configured joint id, stored in `external_id`), never by its DN: a renamed or moved entry is
//! the same person. DNs are kept (lower-cased) only to resolve the links between entries.

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::{Db, DbError, now};
use crate::secret;

/// What a staged row describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    School,
    Class,
    Person,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::School => "school",
            Kind::Class => "class",
            Kind::Person => "person",
        }
    }
}

/// One mapped directory entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Staged {
    pub key: String,
    pub ldap_uuid: Option<String>,
    pub dn: String,
    /// School name, class name, or the person's family name.
    pub name: String,
    pub given_name: Option<String>,
    pub login: Option<String>,
    /// A profile name (`pupil`, `parent`, …) for people.
    pub profile: Option<String>,
    pub email: Option<String>,
    /// The school's UAI, or the class's level.
    pub code: Option<String>,
    /// The INSEE code of the school's commune, or of the commune a city agent serves.
    pub city_code: Option<String>,
    /// The name of the school's commune (with `city_code`).
    pub city_name: Option<String>,
    /// The entry carries a password: login by LDAP bind.
    pub ldap_bind: bool,
}

/// A link read from an entry, to be resolved by DN when the run is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// person → school (attachment)
    PersonSchool,
    /// class → school
    ClassSchool,
    /// pupil → class
    PupilClass,
    /// teacher → class
    TeacherClass,
    /// class → member (pupil or teacher, by the member's profile)
    ClassMember,
    /// pupil → parent (`legal`: with parental authority)
    Parent { legal: bool },
    /// parent → child (with parental authority unless the pupil's side says otherwise)
    Child,
    /// person → school, with a staff role name
    Role,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::PersonSchool => "person_school",
            LinkKind::ClassSchool => "class_school",
            LinkKind::PupilClass => "pupil_class",
            LinkKind::TeacherClass => "teacher_class",
            LinkKind::ClassMember => "class_member",
            LinkKind::Parent { legal: true } => "legal_parent",
            LinkKind::Parent { legal: false } => "parent",
            LinkKind::Child => "child",
            LinkKind::Role => "role",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub from_key: String,
    pub kind: LinkKind,
    pub to_dn: String,
    /// The role name of a `Role` link.
    pub extra: Option<String>,
}

/// An RFC 4533 present or delete notice, by entryUUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Present,
    Deleted,
}

/// How the run read the directory, which decides what counts as departed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Everything was read: whatever of this source was not seen has left.
    Full,
    /// RFC 4533 refresh with a present list: whatever was neither sent nor listed present has left.
    PresentList,
    /// RFC 4533 refresh with explicit deletes: only the entries named as deleted have left.
    Deletes,
}

/// How a run is applied.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    pub mode: Mode,
    /// Compute the report, change nothing.
    pub dry_run: bool,
    /// Stop without changing anything when more than this share of the source's active people
    /// would be deactivated (0.10 = 10 %), unless `force`.
    pub max_departed_share: f64,
    pub force: bool,
    /// The cookie to store with the changes (incremental syncs).
    pub cookie: Option<String>,
    /// Which entries carry which links (from the mapping): a staged entry's links of a kind
    /// it carries are replaced by what it now says.
    pub sides: LinkSides,
}

/// Which side of a relation the directory records it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkSides {
    /// People name their classes (`PupilClass`, `TeacherClass`).
    pub memberships_on_people: bool,
    /// Classes name their members (`ClassMember`).
    pub memberships_on_classes: bool,
    /// Pupils name their parents (`Parent`).
    pub parents_on_pupils: bool,
    /// Parents name their children (`Child`).
    pub children_on_parents: bool,
}

/// Counts of one kind of entity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: i64,
    pub updated: i64,
    pub removed: i64,
    /// People who had left and are back.
    pub returned: i64,
}

/// What a run changed (or would change).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ApplyReport {
    pub schools: Counts,
    pub classes: Counts,
    pub people: Counts,
    /// People of this source active before the run.
    pub active_before: i64,
    /// Entries refused, with their DN and the reason.
    pub rejected: Vec<(String, String)>,
    /// Entries applied without something they should carry (a school without its city, a city
    /// agent whose city is unknown or has no school), with their DN and the reason.
    pub warnings: Vec<(String, String)>,
    /// First entries of each change, for `--dry-run` (DNs only).
    pub samples: Vec<(String, String)>,
    pub applied: bool,
    /// Set when the run stopped on the deactivation threshold.
    pub stopped: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncStoreError {
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for SyncStoreError {
    fn from(e: sqlx::Error) -> Self {
        SyncStoreError::Db(DbError::Sqlx(e))
    }
}

type Result<T> = std::result::Result<T, SyncStoreError>;

#[derive(Clone, Debug)]
pub struct SyncStore {
    db: Db,
}

/// Rows per multi-row INSERT while staging.
const ROWS_PER_STATEMENT: usize = 100;

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `cols` values.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Samples kept per kind of change in a report.
const SAMPLES: i64 = 5;

impl SyncStore {
    pub fn new(db: Db) -> Self {
        SyncStore { db }
    }

    /// Starts a run: clears what earlier dead runs of this source left, returns the run id.
    pub async fn begin_run(&self, source: &str) -> Result<String> {
        self.discard_source(source).await?;
        Ok(format!("{source}\u{1f}{}", secret::new_id()))
    }

    async fn discard_source(&self, source: &str) -> Result<()> {
        let prefix = format!("{source}\u{1f}%");
        let mut tx = self.db.writer.begin().await?;
        for table in ["sync_entries", "sync_links", "sync_marks"] {
            let sql = format!("DELETE FROM {table} WHERE run_id LIKE $1");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&prefix).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops a run's staged rows (after `apply`, or when the run failed).
    pub async fn discard(&self, run: &str) -> Result<()> {
        let mut tx = self.db.writer.begin().await?;
        for table in ["sync_entries", "sync_links", "sync_marks"] {
            let sql = format!("DELETE FROM {table} WHERE run_id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stages a batch in one short transaction. Returns the keys that were already staged in
    /// this run (a duplicate key in the directory: the first entry wins).
    pub async fn stage(
        &self,
        run: &str,
        kind: Kind,
        entries: &[Staged],
        links: &[Link],
        marks: &[(String, Mark)],
    ) -> Result<Vec<String>> {
        let mut duplicates = Vec::new();
        let mut tx = self.db.writer.begin().await?;
        // Multi-row statements: one round trip per hundred rows, not per row.
        for chunk in entries.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO sync_entries (run_id, kind, key, ldap_uuid, ldap_dn, new_id, new_sub, name, given_name, \
                 login, profile, email, code, ldap_bind, city_code, city_name) VALUES {} \
                 ON CONFLICT (run_id, kind, key) DO NOTHING RETURNING key",
                placeholders(chunk.len(), 16)
            );
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for e in chunk {
                q = q
                    .bind(run)
                    .bind(kind.as_str())
                    .bind(&e.key)
                    .bind(&e.ldap_uuid)
                    .bind(e.dn.to_lowercase())
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(&e.name)
                    .bind(&e.given_name)
                    .bind(e.login.as_ref().map(|l| l.trim().to_lowercase()))
                    .bind(&e.profile)
                    .bind(&e.email)
                    .bind(&e.code)
                    .bind(e.ldap_bind as i64)
                    .bind(&e.city_code)
                    .bind(&e.city_name);
            }
            let inserted: std::collections::HashSet<String> = q.fetch_all(&mut *tx).await?.into_iter().collect();
            let mut seen = std::collections::HashSet::new();
            for e in chunk {
                // Already staged by an earlier batch, or twice in this one: the first entry wins.
                if !inserted.contains(&e.key) || !seen.insert(&e.key) {
                    duplicates.push(e.key.clone());
                }
            }
        }
        for chunk in links.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO sync_links (run_id, from_key, kind, to_dn, extra) VALUES {}",
                placeholders(chunk.len(), 5)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for l in chunk {
                q = q.bind(run).bind(&l.from_key).bind(l.kind.as_str()).bind(l.to_dn.to_lowercase()).bind(&l.extra);
            }
            q.execute(&mut *tx).await?;
        }
        for (uuid, mark) in marks {
            sqlx::query(
                "INSERT INTO sync_marks (run_id, ldap_uuid, mark) VALUES ($1, $2, $3) \
                 ON CONFLICT (run_id, ldap_uuid) DO UPDATE SET mark = excluded.mark",
            )
            .bind(run)
            .bind(uuid)
            .bind(match mark {
                Mark::Present => "present",
                Mark::Deleted => "deleted",
            })
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(duplicates)
    }

    /// The RFC 4533 cookie of a source, if an incremental sync may continue from it.
    pub async fn cookie(&self, source: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>("SELECT cookie FROM sync_state WHERE source = $1")
            .bind(source)
            .fetch_optional(&self.db.pool)
            .await?
            .flatten())
    }

    /// Forgets the cookie (the next run is a full one).
    pub async fn forget_cookie(&self, source: &str) -> Result<()> {
        sqlx::query("UPDATE sync_state SET cookie = NULL WHERE source = $1")
            .bind(source)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// Applies a staged run in one transaction (see the module doc).
    pub async fn apply(&self, run: &str, source: &str, opts: &ApplyOptions) -> Result<ApplyReport> {
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        if self.db.backend == crate::db::Backend::Postgres {
            // The staging tables were just filled: without fresh statistics PostgreSQL plans
            // for a handful of rows and picks nested loops that turn quadratic (minutes at
            // 28k people). ANALYZE is allowed inside a transaction.
            sqlx::query("ANALYZE sync_entries, sync_links, sync_marks, people").execute(&mut *tx).await?;
        }
        let mut report = ApplyReport::default();
        reject_conflicts(&mut tx, run, &mut report).await?;
        count_changes(&mut tx, run, source, opts.mode, &mut report).await?;

        let departing = report.people.removed;
        if departing > 0 && !opts.force {
            let share = departing as f64 / report.active_before.max(1) as f64;
            if share > opts.max_departed_share {
                report.stopped = Some(format!(
                    "{departing} of {} active people would be deactivated ({:.1} %, above the {:.1} % limit): nothing \
                     was changed; check the directory, or run again with --force",
                    report.active_before,
                    share * 100.0,
                    opts.max_departed_share * 100.0
                ));
                tx.rollback().await?;
                return Ok(report);
            }
        }

        upsert_schools(&mut tx, run, source, t).await?;
        upsert_classes(&mut tx, run, source, t, &mut report).await?;
        upsert_people(&mut tx, run, source, t).await?;
        relink(&mut tx, run, opts.sides).await?;
        remove_departed(&mut tx, run, source, opts.mode, t).await?;
        report_agents_without_schools(&mut tx, source, &mut report).await?;
        sqlx::query(
            "INSERT INTO sync_state (source, cookie, last_full_at, last_run_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (source) DO UPDATE SET cookie = excluded.cookie, \
             last_full_at = COALESCE(excluded.last_full_at, sync_state.last_full_at), last_run_at = excluded.last_run_at",
        )
        .bind(source)
        .bind(&opts.cookie)
        .bind(if opts.mode == Mode::Full { Some(t) } else { None })
        .bind(t)
        .execute(&mut *tx)
        .await?;
        for table in ["sync_entries", "sync_links", "sync_marks"] {
            let sql = format!("DELETE FROM {table} WHERE run_id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run).execute(&mut *tx).await?;
        }
        if opts.dry_run {
            tx.rollback().await?;
            self.discard(run).await?;
        } else {
            tx.commit().await?;
            report.applied = true;
        }
        Ok(report)
    }

    /// Deletes people of a source who left more than `retention_secs` ago (with everything
    /// that hangs off them). Returns how many.
    pub async fn purge_departed(&self, source: &str, retention_secs: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM people WHERE source = $1 AND deactivated_at IS NOT NULL AND deactivated_at < $2")
                .bind(source)
                .bind(now() - retention_secs)
                .execute(&self.db.writer)
                .await?;
        Ok(done.rows_affected())
    }

    /// Rows waiting in the staging area (for checks and monitoring).
    pub async fn staged_rows(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM sync_entries) + (SELECT COUNT(*) FROM sync_links) + (SELECT COUNT(*) FROM sync_marks)",
        )
        .fetch_one(&self.db.pool)
        .await?)
    }

    /// The DN a person was last seen at, when they log in by LDAP bind.
    pub async fn bind_dn(&self, person_id: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT source, ldap_dn FROM people WHERE id = $1 AND ldap_bind = 1 AND ldap_dn IS NOT NULL AND source IS NOT NULL",
        )
        .bind(person_id)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?)
    }
}

/// Drops staged entries that cannot be applied, and says why: a login or UAI that another
/// entry already holds, a login given twice in the directory.
async fn reject_conflicts(tx: &mut Transaction<'_, Any>, run: &str, report: &mut ApplyReport) -> Result<()> {
    let checks = [
        (
            "person",
            "its login is already used by another account",
            "SELECT e.key, e.ldap_dn FROM sync_entries e JOIN people p ON p.login = e.login \
             WHERE e.run_id = $1 AND e.kind = 'person' AND (p.external_id IS NULL OR p.external_id <> e.key)",
        ),
        (
            "person",
            "its login is also given to another entry of the directory",
            "SELECT e.key, e.ldap_dn FROM sync_entries e JOIN (SELECT login, MIN(key) AS first FROM sync_entries \
             WHERE run_id = $1 AND kind = 'person' GROUP BY login HAVING COUNT(*) > 1) d ON d.login = e.login \
             WHERE e.run_id = $1 AND e.kind = 'person' AND e.key <> d.first",
        ),
        (
            "school",
            "its UAI is already used by another school",
            "SELECT e.key, e.ldap_dn FROM sync_entries e JOIN schools s ON s.uai = e.code \
             WHERE e.run_id = $1 AND e.kind = 'school' AND (s.external_id IS NULL OR s.external_id <> e.key)",
        ),
        (
            "school",
            "its UAI is also given to another entry of the directory",
            "SELECT e.key, e.ldap_dn FROM sync_entries e JOIN (SELECT code, MIN(key) AS first FROM sync_entries \
             WHERE run_id = $1 AND kind = 'school' GROUP BY code HAVING COUNT(*) > 1) d ON d.code = e.code \
             WHERE e.run_id = $1 AND e.kind = 'school' AND e.key <> d.first",
        ),
    ];
    for (kind, why, sql) in checks {
        let rows = sqlx::query(sql).bind(run).fetch_all(&mut **tx).await?;
        for r in rows {
            let key: String = r.try_get(0)?;
            let dn: String = r.try_get(1)?;
            sqlx::query("DELETE FROM sync_entries WHERE run_id = $1 AND kind = $2 AND key = $3")
                .bind(run)
                .bind(kind)
                .bind(&key)
                .execute(&mut **tx)
                .await?;
            report.rejected.push((dn, why.to_string()));
        }
    }
    Ok(())
}

/// Condition (SQL, over alias `p` of people/schools/classes of the source) for "has left".
fn departed_condition(mode: Mode, kind: Kind) -> String {
    let k = kind.as_str();
    match mode {
        Mode::Full => format!(
            "NOT EXISTS (SELECT 1 FROM sync_entries e WHERE e.run_id = $1 AND e.kind = '{k}' AND e.key = p.external_id)"
        ),
        Mode::PresentList => format!(
            "p.ldap_uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_entries e WHERE e.run_id = $1 AND e.kind = '{k}' \
             AND e.key = p.external_id) AND NOT EXISTS (SELECT 1 FROM sync_marks m WHERE m.run_id = $1 \
             AND m.ldap_uuid = p.ldap_uuid AND m.mark = 'present')"
        ),
        Mode::Deletes => "EXISTS (SELECT 1 FROM sync_marks m WHERE m.run_id = $1 AND m.ldap_uuid = p.ldap_uuid \
             AND m.mark = 'deleted')"
            .to_string(),
    }
}

async fn scalar(tx: &mut Transaction<'_, Any>, sql: String, run: &str, source: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(run).bind(source).fetch_one(&mut **tx).await?)
}

async fn count_changes(
    tx: &mut Transaction<'_, Any>,
    run: &str,
    source: &str,
    mode: Mode,
    report: &mut ApplyReport,
) -> Result<()> {
    // `$2` is bound in every query (the source) so that one helper serves them all.
    let added = |kind: &str, table: &str| {
        format!(
            "SELECT COUNT(*) FROM sync_entries e WHERE e.run_id = $1 AND e.kind = '{kind}' AND $2 = $2 \
             AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.external_id = e.key)"
        )
    };
    report.schools.added = scalar(tx, added("school", "schools"), run, source).await?;
    report.classes.added = scalar(tx, added("class", "classes"), run, source).await?;
    report.people.added = scalar(tx, added("person", "people"), run, source).await?;
    report.schools.updated = scalar(
        tx,
        "SELECT COUNT(*) FROM sync_entries e JOIN schools x ON x.external_id = e.key WHERE e.run_id = $1 AND $2 = $2 \
         AND e.kind = 'school' AND (x.uai <> e.code OR x.name <> e.name OR x.ldap_dn IS NULL OR x.ldap_dn <> e.ldap_dn \
         OR COALESCE(x.city_code, '') <> COALESCE(e.city_code, '') OR COALESCE(x.city_name, '') <> COALESCE(e.city_name, ''))"
            .into(),
        run,
        source,
    )
    .await?;
    report.classes.updated = scalar(
        tx,
        "SELECT COUNT(*) FROM sync_entries e JOIN classes x ON x.external_id = e.key WHERE e.run_id = $1 AND $2 = $2 \
         AND e.kind = 'class' AND (x.name <> e.name OR COALESCE(x.level, '') <> COALESCE(e.code, '') \
         OR x.ldap_dn IS NULL OR x.ldap_dn <> e.ldap_dn)"
            .into(),
        run,
        source,
    )
    .await?;
    report.people.updated = scalar(
        tx,
        "SELECT COUNT(*) FROM sync_entries e JOIN people x ON x.external_id = e.key WHERE e.run_id = $1 AND $2 = $2 \
         AND e.kind = 'person' AND x.disabled = 0 AND (x.login <> e.login OR x.profile <> e.profile \
         OR x.family_name <> e.name OR x.given_name <> COALESCE(e.given_name, '') \
         OR COALESCE(x.email, '') <> CASE WHEN e.profile = 'pupil' THEN '' ELSE COALESCE(e.email, '') END OR x.ldap_dn IS NULL OR x.ldap_dn <> e.ldap_dn \
         OR COALESCE(x.city_code, '') <> CASE WHEN e.profile = 'city_agent' THEN COALESCE(e.city_code, '') ELSE '' END)"
            .into(),
        run,
        source,
    )
    .await?;
    report.people.returned = scalar(
        tx,
        "SELECT COUNT(*) FROM sync_entries e JOIN people x ON x.external_id = e.key WHERE e.run_id = $1 AND $2 = $2 \
         AND e.kind = 'person' AND x.disabled = 1 AND x.deactivated_at IS NOT NULL"
            .into(),
        run,
        source,
    )
    .await?;
    report.active_before =
        scalar(tx, "SELECT COUNT(*) FROM people WHERE source = $2 AND disabled = 0 AND $1 = $1".into(), run, source)
            .await?;
    let gone = |kind: Kind, table: &str, extra: &str| {
        format!("SELECT COUNT(*) FROM {table} p WHERE p.source = $2 {extra} AND {}", departed_condition(mode, kind))
    };
    report.people.removed = scalar(tx, gone(Kind::Person, "people", "AND p.disabled = 0"), run, source).await?;
    report.classes.removed = scalar(tx, gone(Kind::Class, "classes", ""), run, source).await?;
    report.schools.removed = scalar(tx, gone(Kind::School, "schools", ""), run, source).await?;

    let samples = [
        (
            "person added",
            "SELECT e.ldap_dn FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'person' AND NOT EXISTS \
             (SELECT 1 FROM people x WHERE x.external_id = e.key) ORDER BY e.ldap_dn LIMIT $2"
                .to_string(),
        ),
        (
            "person departed",
            format!(
                "SELECT COALESCE(p.ldap_dn, p.external_id) FROM people p WHERE p.source = $3 AND p.disabled = 0 AND {} \
                 ORDER BY 1 LIMIT $2",
                departed_condition(mode, Kind::Person)
            ),
        ),
        (
            "class added",
            "SELECT e.ldap_dn FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'class' AND NOT EXISTS \
             (SELECT 1 FROM classes x WHERE x.external_id = e.key) ORDER BY e.ldap_dn LIMIT $2"
                .to_string(),
        ),
    ];
    for (what, sql) in samples {
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone())).bind(run).bind(SAMPLES);
        if sql.contains("$3") {
            q = q.bind(source);
        }
        for dn in q.fetch_all(&mut **tx).await? {
            report.samples.push((what.to_string(), dn));
        }
    }
    Ok(())
}

async fn upsert_schools(tx: &mut Transaction<'_, Any>, run: &str, source: &str, t: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO schools (id, uai, name, external_id, updated_at, source, ldap_uuid, ldap_dn, city_code, city_name) \
         SELECT e.new_id, COALESCE(e.code, e.key), e.name, e.key, $2, $3, e.ldap_uuid, e.ldap_dn, \
                CASE WHEN e.city_name IS NULL THEN NULL ELSE e.city_code END, \
                CASE WHEN e.city_code IS NULL THEN NULL ELSE e.city_name END \
         FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'school' \
         ON CONFLICT (external_id) DO UPDATE SET uai = excluded.uai, name = excluded.name, updated_at = excluded.updated_at, \
         source = excluded.source, ldap_uuid = excluded.ldap_uuid, ldap_dn = excluded.ldap_dn, \
         city_code = excluded.city_code, city_name = excluded.city_name",
    )
    .bind(run)
    .bind(t)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_classes(
    tx: &mut Transaction<'_, Any>,
    run: &str,
    source: &str,
    t: i64,
    report: &mut ApplyReport,
) -> Result<()> {
    // A class must name a known school.
    let orphans = sqlx::query(
        "SELECT e.key, e.ldap_dn FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'class' AND NOT EXISTS \
         (SELECT 1 FROM sync_links l JOIN schools s ON s.ldap_dn = l.to_dn \
          WHERE l.run_id = e.run_id AND l.from_key = e.key AND l.kind = 'class_school')",
    )
    .bind(run)
    .fetch_all(&mut **tx)
    .await?;
    for r in orphans {
        let key: String = r.try_get(0)?;
        let dn: String = r.try_get(1)?;
        sqlx::query("DELETE FROM sync_entries WHERE run_id = $1 AND kind = 'class' AND key = $2")
            .bind(run)
            .bind(&key)
            .execute(&mut **tx)
            .await?;
        report.rejected.push((dn, "the class names no known school".into()));
        report.classes.added = report.classes.added.saturating_sub(1);
    }
    sqlx::query(
        "INSERT INTO classes (id, school_id, name, level, external_id, updated_at, source, ldap_uuid, ldap_dn) \
         SELECT e.new_id, (SELECT MIN(s.id) FROM sync_links l JOIN schools s ON s.ldap_dn = l.to_dn \
                           WHERE l.run_id = e.run_id AND l.from_key = e.key AND l.kind = 'class_school'), \
                e.name, e.code, e.key, $2, $3, e.ldap_uuid, e.ldap_dn \
         FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'class' \
         ON CONFLICT (external_id) DO UPDATE SET school_id = excluded.school_id, name = excluded.name, \
         level = excluded.level, updated_at = excluded.updated_at, source = excluded.source, \
         ldap_uuid = excluded.ldap_uuid, ldap_dn = excluded.ldap_dn",
    )
    .bind(run)
    .bind(t)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_people(tx: &mut Transaction<'_, Any>, run: &str, source: &str, t: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO people (id, public_sub, login, profile, given_name, family_name, email, external_id, disabled, \
         created_at, updated_at, source, ldap_uuid, ldap_dn, ldap_bind, deactivated_at, city_code) \
         SELECT e.new_id, e.new_sub, e.login, e.profile, COALESCE(e.given_name, ''), e.name, \
                CASE WHEN e.profile = 'pupil' THEN NULL ELSE e.email END, e.key, 0, $2, $2, $3, e.ldap_uuid, e.ldap_dn, \
                e.ldap_bind, NULL, CASE WHEN e.profile = 'city_agent' THEN e.city_code ELSE NULL END \
         FROM sync_entries e WHERE e.run_id = $1 AND e.kind = 'person' \
         ON CONFLICT (external_id) DO UPDATE SET login = excluded.login, profile = excluded.profile, \
         given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email, disabled = 0, \
         updated_at = excluded.updated_at, source = excluded.source, ldap_uuid = excluded.ldap_uuid, \
         ldap_dn = excluded.ldap_dn, ldap_bind = excluded.ldap_bind, deactivated_at = NULL, city_code = excluded.city_code",
    )
    .bind(run)
    .bind(t)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reports the active city agents of the source whose city has no school (once the run's
/// schools are in place): they see no school until one is in their city, and the directory
/// probably misspells the code.
async fn report_agents_without_schools(
    tx: &mut Transaction<'_, Any>,
    source: &str,
    report: &mut ApplyReport,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT COALESCE(p.ldap_dn, p.external_id, p.id), p.city_code FROM people p \
         WHERE p.source = $1 AND p.disabled = 0 AND p.city_code IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.city_code = p.city_code) ORDER BY 1",
    )
    .bind(source)
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let dn: String = r.try_get(0)?;
        let code: String = r.try_get(1)?;
        report.warnings.push((dn, format!("no school is in the city {code} this agent serves: they see no school")));
    }
    Ok(())
}

/// Replaces the links of every staged entry with the links it now carries, resolving DNs.
async fn relink(tx: &mut Transaction<'_, Any>, run: &str, sides: LinkSides) -> Result<()> {
    let staged_people = "SELECT p.id FROM people p JOIN sync_entries e ON e.key = p.external_id \
                         WHERE e.run_id = $1 AND e.kind = 'person'";
    let staged_pupils = "SELECT p.id FROM people p JOIN sync_entries e ON e.key = p.external_id \
                         WHERE e.run_id = $1 AND e.kind = 'person' AND p.profile = 'pupil'";
    let staged_parents = "SELECT p.id FROM people p JOIN sync_entries e ON e.key = p.external_id \
                          WHERE e.run_id = $1 AND e.kind = 'person' AND p.profile = 'parent'";
    let staged_classes = "SELECT c.id FROM classes c JOIN sync_entries e ON e.key = c.external_id \
                          WHERE e.run_id = $1 AND e.kind = 'class'";
    let mut statements = vec![
        format!("DELETE FROM person_schools WHERE person_id IN ({staged_people})"),
        format!("DELETE FROM staff_roles WHERE person_id IN ({staged_people})"),
    ];
    if sides.memberships_on_people {
        statements.push(format!("DELETE FROM class_members WHERE person_id IN ({staged_people})"));
    }
    if sides.memberships_on_classes {
        statements.push(format!("DELETE FROM class_members WHERE class_id IN ({staged_classes})"));
    }
    if sides.parents_on_pupils {
        statements.push(format!("DELETE FROM guardianships WHERE child_id IN ({staged_pupils})"));
    }
    if sides.children_on_parents && !sides.parents_on_pupils {
        statements.push(format!("DELETE FROM guardianships WHERE parent_id IN ({staged_parents})"));
    }
    statements.extend([
        "INSERT INTO person_schools (person_id, school_id) \
         SELECT DISTINCT p.id, s.id FROM sync_links l JOIN people p ON p.external_id = l.from_key \
         JOIN schools s ON s.ldap_dn = l.to_dn WHERE l.run_id = $1 AND l.kind IN ('person_school', 'role') \
         ON CONFLICT DO NOTHING"
            .to_string(),
        "INSERT INTO staff_roles (person_id, school_id, role) \
         SELECT DISTINCT p.id, s.id, l.extra FROM sync_links l JOIN people p ON p.external_id = l.from_key \
         JOIN schools s ON s.ldap_dn = l.to_dn WHERE l.run_id = $1 AND l.kind = 'role' AND l.extra IS NOT NULL \
         ON CONFLICT DO NOTHING"
            .to_string(),
        "INSERT INTO class_members (class_id, person_id, role) \
         SELECT DISTINCT c.id, p.id, CASE WHEN l.kind = 'pupil_class' THEN 'pupil' ELSE 'teacher' END \
         FROM sync_links l JOIN people p ON p.external_id = l.from_key JOIN classes c ON c.ldap_dn = l.to_dn \
         WHERE l.run_id = $1 AND l.kind IN ('pupil_class', 'teacher_class') \
         ON CONFLICT (class_id, person_id) DO UPDATE SET role = excluded.role"
            .to_string(),
        "INSERT INTO class_members (class_id, person_id, role) \
         SELECT DISTINCT c.id, p.id, CASE WHEN p.profile = 'pupil' THEN 'pupil' ELSE 'teacher' END \
         FROM sync_links l JOIN classes c ON c.external_id = l.from_key JOIN people p ON p.ldap_dn = l.to_dn \
         WHERE l.run_id = $1 AND l.kind = 'class_member' AND p.profile IN ('pupil', 'teacher', 'director') \
         ON CONFLICT (class_id, person_id) DO UPDATE SET role = excluded.role"
            .to_string(),
        // Parents as the pupil's entry names them; parental authority from the pupil's side.
        "INSERT INTO guardianships (parent_id, child_id, legal) \
         SELECT par.id, kid.id, MAX(CASE WHEN l.kind = 'legal_parent' THEN 1 ELSE 0 END) \
         FROM sync_links l JOIN people kid ON kid.external_id = l.from_key JOIN people par ON par.ldap_dn = l.to_dn \
         WHERE l.run_id = $1 AND l.kind IN ('parent', 'legal_parent') AND par.profile = 'parent' \
         GROUP BY par.id, kid.id \
         ON CONFLICT (parent_id, child_id) DO UPDATE SET legal = excluded.legal"
            .to_string(),
        // Children as the parent's entry names them (legal unless the pupil's side says otherwise).
        "INSERT INTO guardianships (parent_id, child_id, legal) \
         SELECT DISTINCT par.id, kid.id, 1 FROM sync_links l JOIN people par ON par.external_id = l.from_key \
         JOIN people kid ON kid.ldap_dn = l.to_dn \
         WHERE l.run_id = $1 AND l.kind = 'child' AND kid.profile = 'pupil' AND par.profile = 'parent' \
         ON CONFLICT (parent_id, child_id) DO NOTHING"
            .to_string(),
    ]);
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deactivates people who left (back-channel logout notices queued, sessions ended, grants
/// revoked), removes classes and schools that left (their links go with them).
async fn remove_departed(tx: &mut Transaction<'_, Any>, run: &str, source: &str, mode: Mode, t: i64) -> Result<()> {
    let leaving = format!(
        "SELECT p.id FROM people p WHERE p.source = $2 AND p.disabled = 0 AND {}",
        departed_condition(mode, Kind::Person)
    );
    let statements = [
        // Back-channel logout notices first, while the grants and people still say who is leaving.
        super::logout_notices::enqueue_sql(&format!("g.person_id IN ({leaving})"), "$3", false),
        format!("DELETE FROM sessions WHERE person_id IN ({leaving})"),
        format!(
            "UPDATE refresh_tokens SET used_at = $3 WHERE used_at IS NULL AND grant_id IN \
             (SELECT g.id FROM grants g WHERE g.person_id IN ({leaving}))"
        ),
        format!(
            "UPDATE grants SET revoked_at = $3, revoked_why = 'left_directory' WHERE revoked_at IS NULL \
             AND person_id IN ({leaving})"
        ),
        format!("UPDATE people SET disabled = 1, deactivated_at = $3, updated_at = $3 WHERE id IN ({leaving})"),
        format!(
            "DELETE FROM classes WHERE id IN (SELECT p.id FROM classes p WHERE p.source = $2 AND {})",
            departed_condition(mode, Kind::Class)
        ),
        format!(
            "DELETE FROM schools WHERE id IN (SELECT p.id FROM schools p WHERE p.source = $2 AND {})",
            departed_condition(mode, Kind::School)
        ),
    ];
    for sql in statements {
        let uses_t = sql.contains("$3");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run).bind(source);
        if uses_t {
            q = q.bind(t);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
