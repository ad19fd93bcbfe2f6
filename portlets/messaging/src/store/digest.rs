//! The daily e-mail digests parents ask for, and each school's notification hours. A digest
//! subscription holds an address only while it is wanted, is used only once the code mailed to
//! it was typed back (its SHA-256 is kept until then), and is sent by one conditional update that
//! moves `last_sent_at`: two instances never send the same day's digest twice.

use ent_portlet_kit::window::Window;
use ent_portlet_kit::{DbError, Lang};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::school::audit;
use super::{Store, corrupt};

/// Wrong codes accepted before the subscription must be asked for again.
pub const MAX_ATTEMPTS: i64 = 5;

/// A person's digest subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub sub: String,
    pub email: String,
    pub lang: Lang,
    /// The person's schools when they subscribed: whose hours apply.
    pub schools: Vec<String>,
    /// The inbox's address at the portal, when the portal said its public address.
    pub link: Option<String>,
    pub confirmed: bool,
    pub attempts: i64,
    pub created_at: i64,
    pub last_sent_at: Option<i64>,
    pub confirmed_at: Option<i64>,
}

/// What typing a confirmation code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Confirmed,
    /// Not the code; this many tries are left.
    Wrong(i64),
    /// Too many wrong codes: the subscription is gone, to be asked for again.
    TooMany,
    /// Nothing waits for a code.
    Nothing,
}

/// Unread messages delivered to someone since a moment: how many, and from whom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    pub count: i64,
    /// Distinct authors, by name, the most recent first (at most [`Unread::NAMES`]).
    pub authors: Vec<String>,
    /// Distinct authors in all.
    pub author_count: i64,
}

impl Unread {
    pub const NAMES: usize = 3;
}

const COLUMNS: &str = "sub, email, lang, schools, link, code_hash, attempts, confirmed_at, created_at, last_sent_at";

fn subscription_from(r: &AnyRow) -> Result<Subscription, DbError> {
    let schools: String = r.try_get("schools")?;
    let lang: String = r.try_get("lang")?;
    let code: Option<String> = r.try_get("code_hash")?;
    Ok(Subscription {
        sub: r.try_get("sub")?,
        email: r.try_get("email")?,
        lang: if lang == "en" { Lang::En } else { Lang::Fr },
        schools: serde_json::from_str(&schools).map_err(corrupt)?,
        link: r.try_get("link")?,
        confirmed: code.is_none(),
        attempts: r.try_get("attempts")?,
        created_at: r.try_get("created_at")?,
        last_sent_at: r.try_get("last_sent_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
    })
}

/// What a subscription is made of.
pub struct NewSubscription<'a> {
    pub sub: &'a str,
    pub email: &'a str,
    pub lang: Lang,
    pub schools: &'a [String],
    pub link: Option<&'a str>,
    /// SHA-256 (hex) of the code mailed to the address.
    pub code_hash: &'a str,
}

impl Store {
    pub async fn subscription(&self, sub: &str) -> Result<Option<Subscription>, DbError> {
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM digests WHERE sub = $1")))
            .bind(sub)
            .fetch_optional(&self.db.pool)
            .await?
            .as_ref()
            .map(subscription_from)
            .transpose()
    }

    /// Asks for a digest to this address (again): unconfirmed until the code is typed back.
    pub async fn subscribe(&self, s: &NewSubscription<'_>, now: i64) -> Result<(), DbError> {
        let lang = match s.lang {
            Lang::En => "en",
            Lang::Fr => "fr",
        };
        sqlx::query(
            "INSERT INTO digests (sub, email, lang, schools, link, code_hash, attempts, confirmed_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7) \
             ON CONFLICT (sub) DO UPDATE SET email = $2, lang = $3, schools = $4, link = $5, code_hash = $6, \
             attempts = 0, confirmed_at = NULL, created_at = $7",
        )
        .bind(s.sub)
        .bind(s.email)
        .bind(lang)
        .bind(serde_json::to_string(s.schools).map_err(corrupt)?)
        .bind(s.link)
        .bind(s.code_hash)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Checks a typed code against the one mailed (`code_hash` of what was typed). The try is
    /// counted before the code is compared, in one statement, so that concurrent guesses share
    /// the [`MAX_ATTEMPTS`] tries instead of each seeing them all left.
    pub async fn confirm(&self, sub: &str, typed_hash: &str, now: i64) -> Result<Confirmation, DbError> {
        let counted = sqlx::query(
            "UPDATE digests SET attempts = attempts + 1 \
             WHERE sub = $1 AND code_hash IS NOT NULL AND attempts < $2 RETURNING attempts, code_hash",
        )
        .bind(sub)
        .bind(MAX_ATTEMPTS)
        .fetch_optional(&self.db.writer)
        .await?;
        let Some(row) = counted else { return Ok(Confirmation::Nothing) };
        let attempts: i64 = row.try_get("attempts")?;
        let stored: String = row.try_get("code_hash")?;
        if ent_web::secret::ct_eq(&stored, typed_hash) {
            // Conditional on the same code: a code asked for again meanwhile is not confirmed by the old.
            let done =
                sqlx::query("UPDATE digests SET code_hash = NULL, confirmed_at = $1 WHERE sub = $2 AND code_hash = $3")
                    .bind(now)
                    .bind(sub)
                    .bind(&stored)
                    .execute(&self.db.writer)
                    .await?;
            return Ok(if done.rows_affected() == 1 { Confirmation::Confirmed } else { Confirmation::Nothing });
        }
        if attempts >= MAX_ATTEMPTS {
            // The last try: the address is forgotten (only while still unconfirmed with this code).
            sqlx::query("DELETE FROM digests WHERE sub = $1 AND code_hash = $2")
                .bind(sub)
                .bind(&stored)
                .execute(&self.db.writer)
                .await?;
            return Ok(Confirmation::TooMany);
        }
        Ok(Confirmation::Wrong(MAX_ATTEMPTS - attempts))
    }

    /// No more digest: the address is forgotten.
    pub async fn unsubscribe(&self, sub: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM digests WHERE sub = $1").bind(sub).execute(&self.db.writer).await?;
        Ok(())
    }

    /// Every confirmed subscription whose last digest is older than `before`, a batch at a time
    /// (`after`: the last sub of the previous batch).
    pub async fn digests_due(&self, before: i64, after: &str, limit: i64) -> Result<Vec<Subscription>, DbError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM digests WHERE code_hash IS NULL AND COALESCE(last_sent_at, 0) < $1 AND sub > $2 \
             ORDER BY sub LIMIT $3"
        )))
        .bind(before)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(subscription_from)
        .collect()
    }

    /// Moves the subscription's last digest from `previous` to `now`: `false` when another run
    /// did it first.
    pub async fn claim_digest(&self, sub: &str, previous: Option<i64>, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE digests SET last_sent_at = $1 WHERE sub = $2 AND code_hash IS NULL AND COALESCE(last_sent_at, 0) = $3",
        )
        .bind(now)
        .bind(sub)
        .bind(previous.unwrap_or(0))
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed digest back (its mail could not be sent): the next run tries again.
    pub async fn release_digest(&self, sub: &str, claimed: i64, previous: Option<i64>) -> Result<(), DbError> {
        sqlx::query("UPDATE digests SET last_sent_at = $1 WHERE sub = $2 AND last_sent_at = $3")
            .bind(previous)
            .bind(sub)
            .bind(claimed)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// The messages delivered to this person after `since` that they have not read (in any
    /// school where their messaging is on).
    pub async fn unread_since(&self, sub: &str, since: i64) -> Result<Unread, DbError> {
        let rows = sqlx::query(
            "SELECT m.author_name AS name, COUNT(*) AS n, MAX(m.sent_at) AS latest FROM recipients r \
             JOIN messages m ON m.id = r.message_id \
             WHERE r.sub = $1 AND r.read_at IS NULL AND m.state = 'sent' AND m.sent_at > $2 \
             GROUP BY m.author_sub, m.author_name ORDER BY latest DESC, m.author_name",
        )
        .bind(sub)
        .bind(since)
        .fetch_all(&self.db.pool)
        .await?;
        let mut unread = Unread::default();
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            unread.count += n;
            unread.author_count += 1;
            if unread.authors.len() < Unread::NAMES {
                unread.authors.push(r.try_get("name")?);
            }
        }
        Ok(unread)
    }

    /// The school's notification hours (the default when it set none).
    pub async fn window(&self, school: &str) -> Result<Window, DbError> {
        let hours: Option<String> = sqlx::query_scalar("SELECT hours FROM school_windows WHERE school = $1")
            .bind(school)
            .fetch_optional(&self.db.pool)
            .await?;
        hours.map(|h| h.parse::<Window>().map_err(corrupt)).transpose().map(Option::unwrap_or_default)
    }

    /// Sets the school's notification hours, audited.
    pub async fn set_window(&self, school: &str, window: &Window, by: &str, now: i64) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO school_windows (school, hours, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (school) DO UPDATE SET hours = $2, updated_by = $3, updated_at = $4",
        )
        .bind(school)
        .bind(window.to_string())
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, now, school, by, "hours", None, &window.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }
}
