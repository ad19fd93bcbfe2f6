//! The school's side of messaging, kept by its director (and the network's admins): who may
//! write to whom (the changes to the defaults), the switch per profile, frozen accounts, the
//! messages held for review, reports, retractions, and the audit of every one of those acts.

use ent_portlet_kit::{DbError, Profile};
use sqlx::Row;

use super::{MESSAGE_COLUMNS, Message, Store, corrupt, message_from};
use crate::model::{Mode, State};
use crate::policy::{Audience, Rules};

/// Network-wide: a freeze an admin puts on an account, whatever the school.
pub const EVERY_SCHOOL: &str = "*";

/// A frozen account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freeze {
    pub sub: String,
    pub school: String,
    pub name: String,
    pub at: i64,
}

/// A reported message, with who reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub message: Message,
    pub reporter_name: String,
    pub reason: String,
    pub at: i64,
}

/// One line of the school's audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    pub at: i64,
    pub actor_sub: String,
    pub action: String,
    pub subject_sub: Option<String>,
    pub detail: String,
}

impl Store {
    /// The school's rules: the defaults with its director's changes.
    pub async fn rules(&self, school: &str) -> Result<Rules, DbError> {
        let rows = sqlx::query("SELECT sender, audience, allowed FROM school_rules WHERE school = $1")
            .bind(school)
            .fetch_all(&self.db.pool)
            .await?;
        let mut changes = Vec::new();
        for r in rows {
            let sender: String = r.try_get(0)?;
            let audience: String = r.try_get(1)?;
            // A stored rule this version does not know grants nothing: it is skipped.
            if let (Ok(p), Ok(a)) = (sender.parse::<Profile>(), audience.parse::<Audience>()) {
                changes.push((p, a, r.try_get::<i64, _>(2)? != 0));
            }
        }
        Ok(Rules::with_changes(changes))
    }

    /// Sets one rule of the school (the caller checks it is editable), audited.
    pub async fn set_rule(
        &self,
        school: &str,
        sender: Profile,
        audience: Audience,
        allowed: bool,
        by: &str,
        now: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO school_rules (school, sender, audience, allowed, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (school, sender, audience) DO UPDATE SET allowed = $4, updated_by = $5, updated_at = $6",
        )
        .bind(school)
        .bind(sender.as_str())
        .bind(audience.as_str())
        .bind(i64::from(allowed))
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} -> {}: {}", sender.as_str(), audience, if allowed { "allowed" } else { "refused" });
        audit(&mut tx, now, school, by, "rule", None, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The school's switch for a profile (open when nothing is stored).
    pub async fn mode(&self, school: &str, profile: Profile) -> Result<Mode, DbError> {
        let m: Option<String> = sqlx::query_scalar("SELECT mode FROM school_modes WHERE school = $1 AND profile = $2")
            .bind(school)
            .bind(profile.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        m.map(|m| m.parse().map_err(corrupt)).transpose().map(Option::unwrap_or_default)
    }

    /// The schools among these where messaging is off for this profile.
    pub async fn schools_off(&self, profile: Profile) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT school FROM school_modes WHERE profile = $1 AND mode = 'off' ORDER BY school")
            .bind(profile.as_str())
            .fetch_all(&self.db.pool)
            .await?)
    }

    /// Every profile's switch in the school.
    pub async fn modes(&self, school: &str) -> Result<Vec<(Profile, Mode)>, DbError> {
        let mut out = Vec::new();
        for profile in crate::policy::SENDERS {
            out.push((profile, self.mode(school, profile).await?));
        }
        Ok(out)
    }

    /// Sets a profile's switch in the school, audited.
    pub async fn set_mode(
        &self,
        school: &str,
        profile: Profile,
        mode: Mode,
        by: &str,
        now: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        if mode == Mode::Open {
            sqlx::query("DELETE FROM school_modes WHERE school = $1 AND profile = $2")
                .bind(school)
                .bind(profile.as_str())
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO school_modes (school, profile, mode, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (school, profile) DO UPDATE SET mode = $3, updated_by = $4, updated_at = $5",
            )
            .bind(school)
            .bind(profile.as_str())
            .bind(mode.as_str())
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        audit(&mut tx, now, school, by, "mode", None, &format!("{}: {}", profile.as_str(), mode)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Freezes an account's sending in a school ([`EVERY_SCHOOL`]: everywhere), audited.
    pub async fn freeze(&self, sub: &str, name: &str, school: &str, by: &str, now: i64) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO freezes (sub, school, name, by_sub, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sub, school) DO NOTHING",
        )
        .bind(sub)
        .bind(school)
        .bind(name)
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, now, school, by, "freeze", Some(sub), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts a freeze, audited; whether there was one.
    pub async fn unfreeze(&self, sub: &str, school: &str, by: &str, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("DELETE FROM freezes WHERE sub = $1 AND school = $2")
            .bind(sub)
            .bind(school)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        audit(&mut tx, now, school, by, "unfreeze", Some(sub), "").await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the account may not send in this school.
    pub async fn is_frozen(&self, sub: &str, school: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM freezes WHERE sub = $1 AND (school = $2 OR school = $3)")
            .bind(sub)
            .bind(school)
            .bind(EVERY_SCHOOL)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(n > 0)
    }

    /// The accounts frozen in the school (and everywhere).
    pub async fn freezes(&self, school: &str) -> Result<Vec<Freeze>, DbError> {
        sqlx::query("SELECT sub, school, name, at FROM freezes WHERE school = $1 OR school = $2 ORDER BY at DESC")
            .bind(school)
            .bind(EVERY_SCHOOL)
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| Ok(Freeze { sub: r.try_get(0)?, school: r.try_get(1)?, name: r.try_get(2)?, at: r.try_get(3)? }))
            .collect()
    }

    /// Takes out of every inbox what one account sent in the school between two times (both
    /// included), held messages too; audited. How many messages.
    pub async fn retract(
        &self,
        school: &str,
        sender: &str,
        from: i64,
        to: i64,
        by: &str,
        now: i64,
    ) -> Result<u64, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE messages SET state = 'retracted', ended_at = $1, ended_by = $2, updated_at = $1 \
             WHERE school = $3 AND author_sub = $4 AND state IN ('sent', 'held') \
               AND COALESCE(sent_at, updated_at) >= $5 AND COALESCE(sent_at, updated_at) <= $6",
        )
        .bind(now)
        .bind(by)
        .bind(school)
        .bind(sender)
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?;
        let n = done.rows_affected();
        audit(&mut tx, now, school, by, "retract", Some(sender), &format!("{n} messages from {from} to {to}")).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The messages of the school waiting for a reviewer, oldest first.
    pub async fn held(&self, school: &str) -> Result<Vec<Message>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.school = $1 AND m.state = 'held' ORDER BY m.updated_at, m.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school).fetch_all(&self.db.pool).await?;
        rows.iter().map(message_from).collect()
    }

    /// A reviewer lets a held message through (`release`) or deletes it, audited; whether it
    /// was still held.
    pub async fn review(&self, message: &Message, release: bool, by: &str, now: i64) -> Result<bool, DbError> {
        let done = if release {
            self.release(&message.id, now).await?
        } else {
            self.end(&message.id, State::Held, State::Refused, by, now).await?
        };
        if done {
            let mut tx = self.db.writer.begin().await?;
            let action = if release { "release" } else { "refuse" };
            let reason = message.hold_reason.map(|r| r.as_str()).unwrap_or("");
            audit(&mut tx, now, &message.school, by, action, Some(&message.author_sub), reason).await?;
            if release && let Some(start) = message.session_start {
                record_session(&mut tx, &message.author_sub, start, now).await?;
            }
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Whether a broadcast from this session went through already (released, or sent once the
    /// session was an hour old).
    pub async fn session_cleared(&self, sub: &str, session_start: i64) -> Result<bool, DbError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM broadcast_sessions WHERE sub = $1 AND session_start = $2")
                .bind(sub)
                .bind(session_start)
                .fetch_one(&self.db.pool)
                .await?;
        Ok(n > 0)
    }

    /// Notes that a broadcast from this session went through.
    pub async fn clear_session(&self, sub: &str, session_start: i64, now: i64) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        record_session(&mut tx, sub, session_start, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A recipient reports a message to the school's director (once per person and message).
    pub async fn report(
        &self,
        message: &Message,
        reporter: &str,
        name: &str,
        reason: &str,
        now: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO reports (message_id, reporter_sub, reporter_name, school, reason, at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (message_id, reporter_sub) DO NOTHING",
        )
        .bind(&message.id)
        .bind(reporter)
        .bind(name)
        .bind(&message.school)
        .bind(reason)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// The school's reports not yet dealt with, newest first, with their messages.
    pub async fn open_reports(&self, school: &str) -> Result<Vec<Report>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, rp.reporter_name, rp.reason, rp.at AS reported_at FROM reports rp \
             JOIN messages m ON m.id = rp.message_id WHERE rp.school = $1 AND rp.handled_at IS NULL \
             ORDER BY rp.at DESC, m.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school)
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Report {
                    message: message_from(r)?,
                    reporter_name: r.try_get("reporter_name")?,
                    reason: r.try_get("reason")?,
                    at: r.try_get("reported_at")?,
                })
            })
            .collect()
    }

    /// Whether this message was reported in this school (what lets its director read it).
    pub async fn is_reported(&self, message_id: &str, school: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE message_id = $1 AND school = $2")
            .bind(message_id)
            .bind(school)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(n > 0)
    }

    /// Closes the reports of a message, audited.
    pub async fn close_reports(&self, message: &Message, by: &str, now: i64) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("UPDATE reports SET handled_at = $1, handled_by = $2 WHERE message_id = $3 AND handled_at IS NULL")
            .bind(now)
            .bind(by)
            .bind(&message.id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, now, &message.school, by, "report_closed", Some(&message.author_sub), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The name an account last wrote under in the school, if it wrote there.
    pub async fn author_name_in(&self, school: &str, sub: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT author_name FROM messages WHERE school = $1 AND author_sub = $2 AND state <> 'draft' \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(school)
        .bind(sub)
        .fetch_optional(&self.db.pool)
        .await?)
    }

    /// The school's audit, newest first.
    pub async fn audit_log(&self, school: &str, limit: i64) -> Result<Vec<AuditLine>, DbError> {
        sqlx::query(
            "SELECT at, actor_sub, action, subject_sub, detail FROM audit WHERE school = $1 OR school = $2 \
             ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(school)
        .bind(EVERY_SCHOOL)
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AuditLine {
                at: r.try_get(0)?,
                actor_sub: r.try_get(1)?,
                action: r.try_get(2)?,
                subject_sub: r.try_get(3)?,
                detail: r.try_get(4)?,
            })
        })
        .collect()
    }
}

async fn record_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sub: &str,
    session_start: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO broadcast_sessions (sub, session_start, at) VALUES ($1, $2, $3) ON CONFLICT (sub, session_start) DO NOTHING",
    )
    .bind(sub)
    .bind(session_start)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One line of the audit, in the transaction of the act it records.
pub(crate) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    now: i64,
    school: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit (at, school, actor_sub, action, subject_sub, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now)
    .bind(school)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
