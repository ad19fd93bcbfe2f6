//! The agenda's storage, in the portlet's own database: events, school holidays, the private
//! feed tokens with the scopes their owners may read, the classes written for, and the agenda's
//! own secrets. Portable SQL over sqlx `Any` (`$N`
//! placeholders, epoch seconds, ISO day text, TEXT ids); each write is one transaction.
//!
//! The store answers what is asked: which scopes a person may read or write is decided before
//! (by the pages, from the person's token; by the feed, from the scopes kept with its token).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ent_storage::{Db, DbError, now};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::agenda::Agenda;
use crate::holidays::{HolidayPeriod, Zone};
use crate::ical::Imported;
use crate::model::{
    Author, ClassId, Description, Event, EventContent, EventId, ImportUid, Place, Schedule, Scope, ScopeKind, Sub,
    Title, Uai, When,
};
use crate::recurrence::{Recurrence, Window};

/// The most events a feed holds (the latest ones when there are more).
pub const MAX_FEED_EVENTS: i64 = 2000;
/// The most classes and schools kept with a feed token.
pub const MAX_FEED_SCOPES: usize = 64;
/// Scopes per query (a longer list is asked in several).
const SCOPES_PER_QUERY: usize = 50;

/// The classes and schools a person may read, kept with their feed token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedScopes {
    classes: BTreeSet<ClassId>,
    schools: BTreeSet<Uai>,
}

impl FeedScopes {
    /// `None` beyond [`MAX_FEED_SCOPES`] in all.
    pub fn new(
        classes: impl IntoIterator<Item = ClassId>,
        schools: impl IntoIterator<Item = Uai>,
    ) -> Option<FeedScopes> {
        let scopes = FeedScopes { classes: classes.into_iter().collect(), schools: schools.into_iter().collect() };
        (scopes.classes.len() + scopes.schools.len() <= MAX_FEED_SCOPES).then_some(scopes)
    }

    pub fn classes(&self) -> &BTreeSet<ClassId> {
        &self.classes
    }

    pub fn schools(&self) -> &BTreeSet<Uai> {
        &self.schools
    }
}

/// A person's feed token, as handed to them once (the store keeps only its SHA-256).
#[derive(Clone, PartialEq, Eq)]
pub struct FeedToken(String);

impl FeedToken {
    /// The token for the feed's address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FeedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedToken(…)")
    }
}

/// What a feed token opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedAccess {
    pub owner: Sub,
    pub scopes: FeedScopes,
    /// Epoch seconds.
    pub created_at: i64,
    /// When the scopes were last taken (epoch seconds).
    pub scopes_at: i64,
}

impl FeedAccess {
    /// Every scope the feed shows: the owner's own events, their classes' and schools'.
    pub fn readable(&self) -> Vec<Scope> {
        let mut out = vec![Scope::Personal(self.owner.clone())];
        out.extend(self.scopes.classes.iter().cloned().map(Scope::Class));
        out.extend(self.scopes.schools.iter().cloned().map(Scope::School));
        out
    }
}

/// What importing a file did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: usize,
    /// Events of an earlier import of the same file (same UID), replaced.
    pub updated: usize,
}

/// A school's imported holidays of one zone: the span they cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidaySummary {
    pub zone: Zone,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub periods: i64,
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

const EVENT_COLUMNS: &str = "id, scope_kind, scope_id, title, place, description, all_day, first_day, last_day, \
     starts_at, ends_at, rule, exceptions, author_sub, author_name, import_uid, created_at, updated_at";

fn corrupt(what: &str) -> DbError {
    DbError::Corrupt(format!("events: {what}"))
}

fn iso_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn event_from_row(row: &AnyRow) -> Result<Event, DbError> {
    let id: String = row.try_get("id")?;
    let id = EventId::parse(&id).ok_or_else(|| corrupt("id"))?;
    let kind: String = row.try_get("scope_kind")?;
    let kind = ScopeKind::parse(&kind).ok_or_else(|| corrupt("scope_kind"))?;
    let scope_id: String = row.try_get("scope_id")?;
    let scope = Scope::from_parts(kind, &scope_id).ok_or_else(|| corrupt("scope_id"))?;
    let title: String = row.try_get("title")?;
    let place: String = row.try_get("place")?;
    let description: String = row.try_get("description")?;
    let when = if row.try_get::<i64, _>("all_day")? != 0 {
        let first: Option<String> = row.try_get("first_day")?;
        let last: Option<String> = row.try_get("last_day")?;
        let first = first.as_deref().and_then(iso_day).ok_or_else(|| corrupt("first_day"))?;
        let last = last.as_deref().and_then(iso_day).ok_or_else(|| corrupt("last_day"))?;
        When::all_day(first, last)
    } else {
        let starts: Option<i64> = row.try_get("starts_at")?;
        let ends: Option<i64> = row.try_get("ends_at")?;
        let instant = |t: Option<i64>| t.and_then(|t| DateTime::from_timestamp(t, 0));
        let (starts, ends) = instant(starts).zip(instant(ends)).ok_or_else(|| corrupt("starts_at"))?;
        When::between(starts, ends)
    }
    .map_err(|e| corrupt(&e.to_string()))?;
    let rule: String = row.try_get("rule")?;
    let schedule = if rule.is_empty() {
        Schedule::once(when)
    } else {
        let rule = Recurrence::parse(&rule).map_err(|e| corrupt(&e.to_string()))?;
        let exceptions: String = row.try_get("exceptions")?;
        let exceptions = exceptions
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| iso_day(s).ok_or_else(|| corrupt("exceptions")))
            .collect::<Result<BTreeSet<_>, _>>()?;
        Schedule::repeating(when, rule, exceptions).map_err(|e| corrupt(&e.to_string()))?
    };
    let content = EventContent {
        title: Title::parse(&title).map_err(|_| corrupt("title"))?,
        place: Place::parse(&place).map_err(|_| corrupt("place"))?,
        description: Description::parse(&description).map_err(|_| corrupt("description"))?,
        schedule,
    };
    let author_sub: String = row.try_get("author_sub")?;
    let author_name: String = row.try_get("author_name")?;
    let author = Author::new(Sub::parse(&author_sub).ok_or_else(|| corrupt("author_sub"))?, &author_name);
    let import_uid: Option<String> = row.try_get("import_uid")?;
    Ok(Event {
        id,
        scope,
        author,
        content,
        import_uid: import_uid.as_deref().and_then(ImportUid::new),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The columns a schedule is stored in.
struct ScheduleColumns {
    all_day: i64,
    first_day: Option<String>,
    last_day: Option<String>,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    rule: String,
    exceptions: String,
    span_start: i64,
    span_end: Option<i64>,
}

impl ScheduleColumns {
    fn of(schedule: &Schedule) -> ScheduleColumns {
        let (span_start, span_end) = schedule.span();
        let (all_day, first_day, last_day, starts_at, ends_at) = match schedule.when() {
            When::AllDay { first, last } => (1, Some(first.to_string()), Some(last.to_string()), None, None),
            When::Timed { start, end } => (0, None, None, Some(start.timestamp()), Some(end.timestamp())),
        };
        let exceptions: Vec<String> = schedule.exceptions().iter().map(|d| d.to_string()).collect();
        ScheduleColumns {
            all_day,
            first_day,
            last_day,
            starts_at,
            ends_at,
            rule: schedule.recurrence().map(Recurrence::to_rule_text).unwrap_or_default(),
            exceptions: exceptions.join(","),
            span_start: span_start.timestamp(),
            span_end: span_end.map(|t| t.timestamp()),
        }
    }
}

/// `(scope_kind = $n AND scope_id = $n+1) OR …`, numbered from `first`.
fn scope_filter(scopes: &[Scope], first: usize) -> String {
    let terms: Vec<String> = (0..scopes.len())
        .map(|i| format!("(scope_kind = ${} AND scope_id = ${})", first + 2 * i, first + 2 * i + 1))
        .collect();
    format!("({})", terms.join(" OR "))
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    // ----- events -----

    /// Writes a new event; returns its id. A personal event keeps no author name.
    pub async fn create(&self, scope: &Scope, author: &Author, content: &EventContent) -> Result<EventId, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let id = insert_event(&mut tx, scope, author, content, None, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes what an event says and when it happens (its scope and author stay). False when
    /// there is no such event.
    pub async fn update(&self, id: &EventId, content: &EventContent) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = update_event(&mut tx, id, content, now()).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// False when there was no such event.
    pub async fn delete(&self, id: &EventId) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM events WHERE id = $1").bind(id.as_str()).execute(&self.db.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn get(&self, id: &EventId) -> Result<Option<Event>, DbError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(event_from_row).transpose()
    }

    /// The events of these scopes that may have an occurrence in the window (recurring events by
    /// the span of their rule), by start.
    pub async fn events_in(&self, scopes: &[Scope], window: &Window) -> Result<Vec<Event>, DbError> {
        let mut out = Vec::new();
        for chunk in scopes.chunks(SCOPES_PER_QUERY) {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE {} AND span_start < $1 AND (span_end IS NULL OR span_end > $2) \
                 ORDER BY span_start, id",
                scope_filter(chunk, 3)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(window.end().timestamp()).bind(
                // A moment in time at the window's start counts: its span ends where it starts.
                window.start().timestamp() - 1,
            );
            for scope in chunk {
                query = query.bind(scope.kind().as_str()).bind(scope.id());
            }
            for row in query.fetch_all(&self.db.pool).await? {
                out.push(event_from_row(&row)?);
            }
        }
        out.sort_by(|a, b| a.content.schedule.span().0.cmp(&b.content.schedule.span().0).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The occurrences of these scopes' events in the window, in reading order.
    pub async fn agenda(&self, scopes: &[Scope], window: &Window) -> Result<Agenda, DbError> {
        Ok(Agenda::of(self.events_in(scopes, window).await?, window))
    }

    /// What the day-before reminder shows: the occurrences of the day after `today`.
    pub async fn tomorrow(&self, scopes: &[Scope], today: NaiveDate) -> Result<Agenda, DbError> {
        let tomorrow = today.succ_opt().unwrap_or(today);
        self.agenda(scopes, &Window::day(tomorrow)).await
    }

    /// The events a feed holds: those of these scopes not over before `since`, at most
    /// [`MAX_FEED_EVENTS`] (the latest), by start.
    pub async fn feed_events(&self, scopes: &[Scope], since: DateTime<Utc>) -> Result<Vec<Event>, DbError> {
        let mut out = Vec::new();
        for chunk in scopes.chunks(SCOPES_PER_QUERY) {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE {} AND (span_end IS NULL OR span_end >= $1) \
                 ORDER BY span_start DESC, id LIMIT $2",
                scope_filter(chunk, 3)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since.timestamp()).bind(MAX_FEED_EVENTS);
            for scope in chunk {
                query = query.bind(scope.kind().as_str()).bind(scope.id());
            }
            for row in query.fetch_all(&self.db.pool).await? {
                out.push(event_from_row(&row)?);
            }
        }
        out.sort_by(|a, b| b.content.schedule.span().0.cmp(&a.content.schedule.span().0).then_with(|| a.id.cmp(&b.id)));
        out.truncate(usize::try_from(MAX_FEED_EVENTS).unwrap_or(usize::MAX));
        out.reverse();
        Ok(out)
    }

    /// Stores what an `.ics` import read into a scope, all or nothing: an event whose UID an
    /// earlier import of the scope stored is replaced, the others are added.
    pub async fn import(&self, scope: &Scope, author: &Author, events: &[Imported]) -> Result<ImportCounts, DbError> {
        let at = now();
        let mut counts = ImportCounts::default();
        let mut tx = self.db.writer.begin().await?;
        for imported in events {
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM events WHERE scope_kind = $1 AND scope_id = $2 AND import_uid = $3")
                    .bind(scope.kind().as_str())
                    .bind(scope.id())
                    .bind(imported.uid.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing.as_deref().and_then(EventId::parse) {
                Some(id) => {
                    update_event(&mut tx, &id, &imported.content, at).await?;
                    counts.updated += 1;
                }
                None => {
                    insert_event(&mut tx, scope, author, &imported.content, Some(&imported.uid), at).await?;
                    counts.created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(counts)
    }

    // ----- holidays -----

    /// Replaces a school's holidays over the days the new periods cover (earlier years stay).
    /// Returns how many periods were stored.
    pub async fn replace_holidays(
        &self,
        school: &Uai,
        zone: &Zone,
        periods: &[HolidayPeriod],
    ) -> Result<usize, DbError> {
        let (Some(first), Some(last)) =
            (periods.iter().map(HolidayPeriod::first).min(), periods.iter().map(HolidayPeriod::last).max())
        else {
            return Ok(0);
        };
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("DELETE FROM holidays WHERE school = $1 AND last_day >= $2 AND first_day <= $3")
            .bind(school.as_str())
            .bind(first.to_string())
            .bind(last.to_string())
            .execute(&mut *tx)
            .await?;
        let mut stored = 0;
        for p in periods {
            let done = sqlx::query(
                "INSERT INTO holidays (school, zone, first_day, last_day, name) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(school.as_str())
            .bind(zone.as_str())
            .bind(p.first().to_string())
            .bind(p.last().to_string())
            .bind(p.name())
            .execute(&mut *tx)
            .await?;
            stored += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// The holidays of these schools that meet the days `first..=last`, in order, each period
    /// once (two schools of a zone share them).
    pub async fn holidays_between(
        &self,
        schools: &[Uai],
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<HolidayPeriod>, DbError> {
        let mut out = Vec::new();
        for school in schools {
            let rows = sqlx::query(
                "SELECT first_day, last_day, name FROM holidays WHERE school = $1 AND last_day >= $2 AND first_day <= $3",
            )
            .bind(school.as_str())
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(&self.db.pool)
            .await?;
            for r in &rows {
                out.push(holiday_from_row(r)?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The holiday of a school that covers a day, if any.
    pub async fn holiday_on(&self, school: &Uai, day: NaiveDate) -> Result<Option<HolidayPeriod>, DbError> {
        Ok(self.holidays_between(std::slice::from_ref(school), day, day).await?.into_iter().next())
    }

    /// What a school imported, per zone (for its settings page).
    pub async fn holiday_summary(&self, school: &Uai) -> Result<Vec<HolidaySummary>, DbError> {
        let rows = sqlx::query(
            "SELECT zone, MIN(first_day) AS first_day, MAX(last_day) AS last_day, COUNT(*) AS n FROM holidays \
             WHERE school = $1 GROUP BY zone ORDER BY zone",
        )
        .bind(school.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let zone: String = r.try_get("zone")?;
                let first: String = r.try_get("first_day")?;
                let last: String = r.try_get("last_day")?;
                let bad = || DbError::Corrupt("holidays: summary".into());
                Ok(HolidaySummary {
                    zone: Zone::new(&zone).ok_or_else(bad)?,
                    first: iso_day(&first).ok_or_else(bad)?,
                    last: iso_day(&last).ok_or_else(bad)?,
                    periods: r.try_get("n")?,
                })
            })
            .collect()
    }

    // ----- feed tokens -----

    /// A new feed token for a person, with the scopes they may read now; an earlier token of
    /// theirs stops working (regenerating is issuing again).
    pub async fn issue_feed_token(&self, owner: &Sub, scopes: &FeedScopes) -> Result<FeedToken, DbError> {
        let token = FeedToken(ent_web::secret::new_secret());
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        delete_token(&mut tx, owner).await?;
        sqlx::query("INSERT INTO feed_tokens (owner_sub, token_hash, created_at, scopes_at) VALUES ($1, $2, $3, $3)")
            .bind(owner.as_str())
            .bind(ent_web::secret::sha256_hex(token.as_str()))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        insert_scopes(&mut tx, owner, scopes).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Ends a person's feed token. False when they had none.
    pub async fn revoke_feed_token(&self, owner: &Sub) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = delete_token(&mut tx, owner).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Takes again the scopes a person may read (when they open the agenda). False when they
    /// have no feed token.
    pub async fn refresh_feed_scopes(&self, owner: &Sub, scopes: &FeedScopes) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("UPDATE feed_tokens SET scopes_at = $1 WHERE owner_sub = $2")
            .bind(now())
            .bind(owner.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM feed_scopes WHERE owner_sub = $1").bind(owner.as_str()).execute(&mut *tx).await?;
        insert_scopes(&mut tx, owner, scopes).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// What a presented token opens; `None` for an unknown, revoked or malformed one.
    pub async fn feed_access(&self, token: &str) -> Result<Option<FeedAccess>, DbError> {
        // What new_secret makes: 43 characters of base64url. Anything else is not looked up.
        if token.len() != 43 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Ok(None);
        }
        let row = sqlx::query("SELECT owner_sub, created_at, scopes_at FROM feed_tokens WHERE token_hash = $1")
            .bind(ent_web::secret::sha256_hex(token))
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let owner: String = row.try_get("owner_sub")?;
        let owner = Sub::parse(&owner).ok_or_else(|| DbError::Corrupt("feed_tokens: owner_sub".into()))?;
        let rows = sqlx::query("SELECT scope_kind, scope_id FROM feed_scopes WHERE owner_sub = $1")
            .bind(owner.as_str())
            .fetch_all(&self.db.pool)
            .await?;
        let mut scopes = FeedScopes::default();
        for r in &rows {
            let kind: String = r.try_get("scope_kind")?;
            let id: String = r.try_get("scope_id")?;
            match ScopeKind::parse(&kind).and_then(|k| Scope::from_parts(k, &id)) {
                Some(Scope::Class(c)) => {
                    scopes.classes.insert(c);
                }
                Some(Scope::School(s)) => {
                    scopes.schools.insert(s);
                }
                _ => return Err(DbError::Corrupt("feed_scopes: scope".into())),
            }
        }
        Ok(Some(FeedAccess {
            owner,
            scopes,
            created_at: row.try_get("created_at")?,
            scopes_at: row.try_get("scopes_at")?,
        }))
    }

    /// When a person's token was made and their scopes last taken; `None` without a token.
    pub async fn feed_token_dates(&self, owner: &Sub) -> Result<Option<(i64, i64)>, DbError> {
        let row = sqlx::query("SELECT created_at, scopes_at FROM feed_tokens WHERE owner_sub = $1")
            .bind(owner.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| Ok((r.try_get("created_at")?, r.try_get("scopes_at")?))).transpose()
    }
}

/// A class as the agenda holds it: what its writers' tokens called it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldClass {
    pub id: ClassId,
    pub name: String,
    pub school: Uai,
}

impl Store {
    // ----- classes -----

    /// Keeps a class's name and school, as the token of someone writing for it names them.
    pub async fn remember_class(&self, class: &HeldClass, at: i64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO classes (id, name, school, seen_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = $2, school = $3, seen_at = $4",
        )
        .bind(class.id.as_str())
        .bind(&class.name)
        .bind(class.school.as_str())
        .bind(at)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    pub async fn held_class(&self, id: &str) -> Result<Option<HeldClass>, DbError> {
        let row = sqlx::query("SELECT id, name, school FROM classes WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(held_from_row).transpose()
    }

    /// The classes of a school written for since `since` (epoch seconds), by name.
    pub async fn held_school_classes(&self, school: &str, since: i64) -> Result<Vec<HeldClass>, DbError> {
        let rows =
            sqlx::query("SELECT id, name, school FROM classes WHERE school = $1 AND seen_at >= $2 ORDER BY name, id")
                .bind(school)
                .bind(since)
                .fetch_all(&self.db.pool)
                .await?;
        rows.iter().map(held_from_row).collect()
    }

    // ----- settings -----

    /// A random secret of the agenda's, made the first time it is asked for and the same for
    /// every instance afterwards (the first insert wins).
    pub async fn secret(&self, name: &str) -> Result<String, DbError> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(ent_web::secret::new_secret())
            .execute(&self.db.writer)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db.writer)
            .await?)
    }
}

fn held_from_row(r: &AnyRow) -> Result<HeldClass, DbError> {
    let bad = || DbError::Corrupt("classes: row".into());
    let id: String = r.try_get("id")?;
    let school: String = r.try_get("school")?;
    Ok(HeldClass {
        id: ClassId::parse(&id).ok_or_else(bad)?,
        name: r.try_get("name")?,
        school: Uai::parse(&school).ok_or_else(bad)?,
    })
}

fn holiday_from_row(r: &AnyRow) -> Result<HolidayPeriod, DbError> {
    let first: String = r.try_get("first_day")?;
    let last: String = r.try_get("last_day")?;
    let name: String = r.try_get("name")?;
    iso_day(&first)
        .zip(iso_day(&last))
        .and_then(|(f, l)| HolidayPeriod::new(&name, f, l))
        .ok_or_else(|| DbError::Corrupt("holidays: period".into()))
}

async fn insert_event(
    tx: &mut Tx<'_>,
    scope: &Scope,
    author: &Author,
    content: &EventContent,
    import_uid: Option<&ImportUid>,
    at: i64,
) -> Result<EventId, DbError> {
    let id = EventId::new();
    let c = ScheduleColumns::of(&content.schedule);
    // A personal event may be a pupil's: no name is kept with it.
    let author_name = if scope.kind() == ScopeKind::Personal { "" } else { author.name() };
    sqlx::query(
        "INSERT INTO events (id, scope_kind, scope_id, title, place, description, all_day, first_day, last_day, \
         starts_at, ends_at, rule, exceptions, span_start, span_end, author_sub, author_name, import_uid, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
    )
    .bind(id.as_str())
    .bind(scope.kind().as_str())
    .bind(scope.id())
    .bind(content.title.as_str())
    .bind(content.place.as_ref().map(Place::as_str).unwrap_or(""))
    .bind(content.description.as_ref().map(Description::as_str).unwrap_or(""))
    .bind(c.all_day)
    .bind(c.first_day)
    .bind(c.last_day)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(c.rule)
    .bind(c.exceptions)
    .bind(c.span_start)
    .bind(c.span_end)
    .bind(author.sub.as_str())
    .bind(author_name)
    .bind(import_uid.map(ImportUid::as_str))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn update_event(tx: &mut Tx<'_>, id: &EventId, content: &EventContent, at: i64) -> Result<bool, DbError> {
    let c = ScheduleColumns::of(&content.schedule);
    let done = sqlx::query(
        "UPDATE events SET title = $1, place = $2, description = $3, all_day = $4, first_day = $5, last_day = $6, \
         starts_at = $7, ends_at = $8, rule = $9, exceptions = $10, span_start = $11, span_end = $12, updated_at = $13 \
         WHERE id = $14",
    )
    .bind(content.title.as_str())
    .bind(content.place.as_ref().map(Place::as_str).unwrap_or(""))
    .bind(content.description.as_ref().map(Description::as_str).unwrap_or(""))
    .bind(c.all_day)
    .bind(c.first_day)
    .bind(c.last_day)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(c.rule)
    .bind(c.exceptions)
    .bind(c.span_start)
    .bind(c.span_end)
    .bind(at)
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

async fn delete_token(tx: &mut Tx<'_>, owner: &Sub) -> Result<bool, DbError> {
    // Explicit deletes rather than ON DELETE CASCADE alone: foreign keys are a per-connection
    // setting on SQLite.
    sqlx::query("DELETE FROM feed_scopes WHERE owner_sub = $1").bind(owner.as_str()).execute(&mut **tx).await?;
    let done =
        sqlx::query("DELETE FROM feed_tokens WHERE owner_sub = $1").bind(owner.as_str()).execute(&mut **tx).await?;
    Ok(done.rows_affected() > 0)
}

async fn insert_scopes(tx: &mut Tx<'_>, owner: &Sub, scopes: &FeedScopes) -> Result<(), DbError> {
    let all = scopes
        .classes
        .iter()
        .map(|c| (ScopeKind::Class, c.as_str()))
        .chain(scopes.schools.iter().map(|s| (ScopeKind::School, s.as_str())));
    for (kind, id) in all {
        sqlx::query("INSERT INTO feed_scopes (owner_sub, scope_kind, scope_id) VALUES ($1, $2, $3)")
            .bind(owner.as_str())
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// How far back a feed reaches by default: calendars keep past events they fetched, and a
/// school year's past months are what a family looks back at.
pub fn feed_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(120)
}
