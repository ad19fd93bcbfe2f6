//! Messaging's storage: conversations, messages from draft to end, their recipients, each
//! person's mailbox, attachments; and the school's side ([`school`]): rules, switches, freezes,
//! reports, the audit. Portable SQL over sqlx `Any` (`$N`, BIGINT epoch seconds, INTEGER
//! booleans, TEXT ids). Every change is one transaction; a state change (release, recall,
//! retraction) is one conditional statement, so two reviewers or two instances never do it twice.

use ent_portlet_kit::upload::Accepted;
use ent_portlet_kit::{Db, DbError, Profile};
use ent_storage::bucket::BucketStore;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{HoldReason, State, ToPart, fold};

pub mod digest;
mod lists;
pub mod school;

pub use lists::{Found, Listed, Page, SentItem};

/// How long after sending an unread message can be recalled.
pub const RECALL_SECS: i64 = 3600;

/// A message as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub conversation_id: Option<String>,
    pub school: String,
    pub author_sub: String,
    pub author_name: String,
    pub author_profile: Profile,
    /// The author's own classes in the school (a pupil's class, a parent's children's).
    pub author_classes: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The addresses as chosen (`policy::Address` strings).
    pub addresses: Vec<String>,
    pub to: Vec<ToPart>,
    pub state: State,
    pub hold_reason: Option<HoldReason>,
    pub recipient_count: i64,
    pub session_start: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub ended_at: Option<i64>,
}

const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.school, m.author_sub, m.author_name, m.author_profile, m.author_classes, \
     m.subject, m.body, m.addresses, m.to_label, m.state, m.hold_reason, m.recipient_count, m.session_start, \
     m.created_at, m.sent_at, m.ended_at";

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

fn message_from(r: &AnyRow) -> Result<Message, DbError> {
    let addresses: String = r.try_get("addresses")?;
    let to: String = r.try_get("to_label")?;
    Ok(Message {
        id: r.try_get("id")?,
        conversation_id: r.try_get("conversation_id")?,
        school: r.try_get("school")?,
        author_sub: r.try_get("author_sub")?,
        author_name: r.try_get("author_name")?,
        author_profile: r.try_get::<String, _>("author_profile")?.parse().map_err(corrupt)?,
        author_classes: serde_json::from_str(&r.try_get::<String, _>("author_classes")?).map_err(corrupt)?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        addresses: serde_json::from_str(&addresses).map_err(corrupt)?,
        to: serde_json::from_str(&to).map_err(corrupt)?,
        state: r.try_get::<String, _>("state")?.parse().map_err(corrupt)?,
        hold_reason: r.try_get::<Option<String>, _>("hold_reason")?.map(|s| s.parse()).transpose().map_err(corrupt)?,
        recipient_count: r.try_get("recipient_count")?,
        session_start: r.try_get("session_start")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}

/// Who writes a draft, and what.
#[derive(Clone, Debug)]
pub struct DraftText<'a> {
    pub school: &'a str,
    pub author_sub: &'a str,
    pub author_name: &'a str,
    pub author_profile: Profile,
    pub author_classes: &'a [&'a str],
    /// The conversation a reply continues.
    pub conversation_id: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub addresses: &'a [String],
}

/// A message going out: to these people, delivered now or held.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    pub recipients: &'a [(String, String)],
    pub to: &'a [ToPart],
    pub hold: Option<HoldReason>,
    pub session_start: Option<i64>,
}

/// A file of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub message_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// Who has read a message the reader wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadCount {
    pub read: i64,
    pub total: i64,
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    pub buckets: BucketStore,
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { buckets: BucketStore::new(db.clone()), db }
    }

    /// Writes a new draft; its id.
    pub async fn create_draft(&self, d: &DraftText<'_>, now: i64) -> Result<String, DbError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, school, author_sub, author_name, author_profile, author_classes, \
             subject, body, addresses, to_label, search, state, recipient_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '[]', '', 'draft', 0, $11, $11)",
        )
        .bind(&id)
        .bind(d.conversation_id)
        .bind(d.school)
        .bind(d.author_sub)
        .bind(d.author_name)
        .bind(d.author_profile.as_str())
        .bind(serde_json::to_string(d.author_classes).map_err(corrupt)?)
        .bind(d.subject)
        .bind(d.body)
        .bind(serde_json::to_string(d.addresses).map_err(corrupt)?)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    /// Rewrites a draft of this author; whether there was one.
    pub async fn update_draft(&self, id: &str, d: &DraftText<'_>, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE messages SET subject = $1, body = $2, addresses = $3, updated_at = $4 \
             WHERE id = $5 AND author_sub = $6 AND state = 'draft'",
        )
        .bind(d.subject)
        .bind(d.body)
        .bind(serde_json::to_string(d.addresses).map_err(corrupt)?)
        .bind(now)
        .bind(id)
        .bind(d.author_sub)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a draft of this author, with its files; whether there was one.
    pub async fn delete_draft(&self, id: &str, author_sub: &str) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let mine = sqlx::query_scalar::<_, String>(
            "SELECT id FROM messages WHERE id = $1 AND author_sub = $2 AND state = 'draft'",
        )
        .bind(id)
        .bind(author_sub)
        .fetch_optional(&mut *tx)
        .await?;
        if mine.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM attachments WHERE message_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM messages WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A message by id, whoever may see it (callers check).
    pub async fn message(&self, id: &str) -> Result<Option<Message>, DbError> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(message_from).transpose()
    }

    /// A draft of this author.
    pub async fn draft(&self, id: &str, author_sub: &str) -> Result<Option<Message>, DbError> {
        Ok(self.message(id).await?.filter(|m| m.author_sub == author_sub && m.state == State::Draft))
    }

    /// Sends a draft of this author: delivered now (each recipient's mailbox), or held for the
    /// school's reviewers. A draft of a new conversation starts one. `None` when it is no longer
    /// a draft of theirs (sent from another tab, deleted).
    pub async fn send(
        &self,
        id: &str,
        author_sub: &str,
        out: &Outgoing<'_>,
        now: i64,
    ) -> Result<Option<Message>, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1 AND m.author_sub = $2 AND m.state = 'draft'"
        );
        let Some(row) =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(author_sub).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        let mut m = message_from(&row)?;
        // One row per person, however many groups named them.
        let mut seen = std::collections::HashSet::new();
        let recipients: Vec<&(String, String)> = out.recipients.iter().filter(|(sub, _)| seen.insert(sub)).collect();
        let conversation = match &m.conversation_id {
            Some(c) => c.clone(),
            None => {
                let c = new_id();
                sqlx::query(
                    "INSERT INTO conversations (id, school, subject, started_by, started_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&c)
                .bind(&m.school)
                .bind(&m.subject)
                .bind(author_sub)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                c
            }
        };
        let names: Vec<&str> = out
            .to
            .iter()
            .filter_map(|p| match p {
                ToPart::Person { name } => Some(name.as_str()),
                ToPart::Group { .. } => None,
            })
            .collect();
        let search = fold(&format!("{} {} {} {}", m.subject, m.body, m.author_name, names.join(" ")));
        let state = if out.hold.is_some() { State::Held } else { State::Sent };
        // Conditional on the draft still being one: a concurrent send of the same draft (another
        // tab, another instance) that committed first leaves nothing to do here.
        let done = sqlx::query(
            "UPDATE messages SET conversation_id = $1, to_label = $2, search = $3, state = $4, hold_reason = $5, \
             recipient_count = $6, session_start = $7, updated_at = $8, sent_at = $9 WHERE id = $10 AND state = 'draft'",
        )
        .bind(&conversation)
        .bind(serde_json::to_string(out.to).map_err(corrupt)?)
        .bind(&search)
        .bind(state.as_str())
        .bind(out.hold.map(HoldReason::as_str))
        .bind(recipients.len() as i64)
        .bind(out.session_start)
        .bind(now)
        .bind((state == State::Sent).then_some(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        for chunk in recipients.chunks(200) {
            let mut sql = String::from("INSERT INTO recipients (message_id, sub, name) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
            for (sub, name) in chunk {
                q = q.bind(sub).bind(name);
            }
            q.execute(&mut *tx).await?;
        }
        upsert_mailbox(&mut tx, author_sub, &conversation, false, now).await?;
        if state == State::Sent {
            deliver(&mut tx, id, &conversation, now).await?;
        }
        tx.commit().await?;
        m.conversation_id = Some(conversation);
        m.state = state;
        m.hold_reason = out.hold;
        m.recipient_count = recipients.len() as i64;
        m.sent_at = (state == State::Sent).then_some(now);
        Ok(Some(m))
    }

    /// Delivers a held message (a reviewer let it through); `false` when it was not held.
    pub async fn release(&self, id: &str, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE messages SET state = 'sent', sent_at = $1, updated_at = $1 WHERE id = $2 AND state = 'held'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let conversation: Option<String> = sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let conversation = conversation.ok_or_else(|| corrupt("a held message without a conversation"))?;
        deliver(&mut tx, id, &conversation, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Ends a message in one conditional statement: `from` → `to`, by whom. Whether it did.
    pub(crate) async fn end(&self, id: &str, from: State, to: State, by: &str, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE messages SET state = $1, ended_at = $2, ended_by = $3, updated_at = $2 WHERE id = $4 AND state = $5",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(by)
        .bind(id)
        .bind(from.as_str())
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes back a message its author sent less than an hour ago that nobody has read (or one
    /// still held); whether it did.
    pub async fn recall(&self, id: &str, author_sub: &str, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE messages SET state = 'recalled', ended_at = $1, ended_by = $2, updated_at = $1 \
             WHERE id = $3 AND author_sub = $2 AND (state = 'held' OR (state = 'sent' AND sent_at >= $4 \
             AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = $3 AND r.read_at IS NOT NULL)))",
        )
        .bind(now)
        .bind(author_sub)
        .bind(id)
        .bind(now - RECALL_SECS)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the author could still recall this message now.
    pub async fn recallable(&self, m: &Message, now: i64) -> Result<bool, DbError> {
        Ok(match m.state {
            State::Held => true,
            State::Sent if m.sent_at.is_some_and(|t| t >= now - RECALL_SECS) => {
                let read: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM recipients WHERE message_id = $1 AND read_at IS NOT NULL")
                        .bind(&m.id)
                        .fetch_one(&self.db.pool)
                        .await?;
                read == 0
            }
            _ => false,
        })
    }

    /// The messages of a conversation this person sees: those delivered to them and those they
    /// wrote (drafts aside), in order.
    pub async fn visible(&self, conversation: &str, viewer: &str) -> Result<Vec<Message>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND \
             ((m.author_sub = $2 AND m.state <> 'draft') OR (m.state = 'sent' AND EXISTS \
               (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.sub = $2))) \
             ORDER BY COALESCE(m.sent_at, m.created_at), m.id"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(conversation).bind(viewer).fetch_all(&self.db.pool).await?;
        rows.iter().map(message_from).collect()
    }

    /// The school and subject of a conversation.
    pub async fn conversation(&self, id: &str) -> Result<Option<(String, String)>, DbError> {
        Ok(sqlx::query_as("SELECT school, subject FROM conversations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?)
    }

    /// Whether a delivered message reached this person.
    pub async fn received(&self, message_id: &str, sub: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recipients r JOIN messages m ON m.id = r.message_id \
             WHERE r.message_id = $1 AND r.sub = $2 AND m.state = 'sent'",
        )
        .bind(message_id)
        .bind(sub)
        .fetch_one(&self.db.pool)
        .await?;
        Ok(n > 0)
    }

    /// Marks what this person received in the conversation as read.
    pub async fn mark_read(&self, conversation: &str, sub: &str, now: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE recipients SET read_at = $1 WHERE sub = $2 AND read_at IS NULL AND message_id IN \
             (SELECT id FROM messages WHERE conversation_id = $3 AND state = 'sent')",
        )
        .bind(now)
        .bind(sub)
        .bind(conversation)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Moves a conversation into or out of the person's archive; whether they have it.
    pub async fn set_archived(&self, conversation: &str, sub: &str, archived: bool) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE mailboxes SET archived = $1 WHERE owner_sub = $2 AND conversation_id = $3")
            .bind(i64::from(archived))
            .bind(sub)
            .bind(conversation)
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the conversation is in the person's archive.
    pub async fn archived(&self, conversation: &str, sub: &str) -> Result<bool, DbError> {
        let a: Option<i64> =
            sqlx::query_scalar("SELECT archived FROM mailboxes WHERE owner_sub = $1 AND conversation_id = $2")
                .bind(sub)
                .bind(conversation)
                .fetch_optional(&self.db.pool)
                .await?;
        Ok(a.unwrap_or(0) != 0)
    }

    /// Who read each of these messages, for their author.
    pub async fn read_counts(&self, ids: &[&str]) -> Result<std::collections::HashMap<String, ReadCount>, DbError> {
        let mut out = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT message_id, COUNT(read_at), COUNT(*) FROM recipients WHERE message_id IN ({}) GROUP BY message_id",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&self.db.pool).await? {
            out.insert(r.try_get(0)?, ReadCount { read: r.try_get(1)?, total: r.try_get(2)? });
        }
        Ok(out)
    }

    /// The recipients of a message with when they read it, for its author.
    pub async fn recipients(&self, message_id: &str) -> Result<Vec<(String, String, Option<i64>)>, DbError> {
        Ok(sqlx::query_as("SELECT sub, name, read_at FROM recipients WHERE message_id = $1 ORDER BY name, sub")
            .bind(message_id)
            .fetch_all(&self.db.pool)
            .await?)
    }

    /// Adds files to a draft of their owner, within the owner's quota of `quota` bytes. The
    /// quota is read and the files written in one transaction that holds the owner's other
    /// uploads, so that uploads at once cannot together pass it.
    pub async fn attach(
        &self,
        message_id: &str,
        owner: &str,
        files: &[Accepted],
        quota: i64,
        now: i64,
    ) -> Result<Attached, DbError> {
        let mut tx = self.db.writer.begin().await?;
        // Checked by a write, so that the draft's row stays locked until the files are in: a
        // concurrent send waits for them (PostgreSQL) instead of going out without them.
        let draft = sqlx::query(
            "UPDATE messages SET updated_at = updated_at WHERE id = $1 AND author_sub = $2 AND state = 'draft'",
        )
        .bind(message_id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if draft.rows_affected() != 1 {
            return Ok(Attached::NoDraft);
        }
        self.db.serialize_on(&mut tx, &format!("messaging-quota:{owner}")).await?;
        let used: i64 = sqlx::query_scalar(QUOTA_USED).bind(owner).fetch_one(&mut *tx).await?;
        let adding: i64 = files.iter().map(|f| f.data.len() as i64).sum();
        if used + adding > quota {
            return Ok(Attached::OverQuota { used });
        }
        for f in files {
            sqlx::query(
                "INSERT INTO attachments (id, message_id, owner_sub, name, content_type, size, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(message_id)
            .bind(owner)
            .bind(&f.name)
            .bind(&f.content_type)
            .bind(f.data.len() as i64)
            .bind(f.data.to_vec())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Attached::Done)
    }

    /// Removes a file from a draft of its owner; whether there was one.
    pub async fn detach(&self, attachment_id: &str, owner: &str) -> Result<bool, DbError> {
        let done = sqlx::query(
            "DELETE FROM attachments WHERE id = $1 AND owner_sub = $2 AND message_id IN \
             (SELECT id FROM messages WHERE state = 'draft' AND author_sub = $2)",
        )
        .bind(attachment_id)
        .bind(owner)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The files of these messages.
    pub async fn attachments(&self, message_ids: &[&str]) -> Result<Vec<Attachment>, DbError> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, message_id, name, content_type, size FROM attachments WHERE message_id IN ({}) ORDER BY created_at, name",
            placeholders(1, message_ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in message_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Attachment {
                    id: r.try_get(0)?,
                    message_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    content_type: r.try_get(3)?,
                    size: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// A file's record and bytes.
    pub async fn attachment(&self, id: &str) -> Result<Option<(Attachment, Vec<u8>)>, DbError> {
        let row = sqlx::query("SELECT id, message_id, name, content_type, size, data FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| {
            Ok((
                Attachment {
                    id: r.try_get(0)?,
                    message_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    content_type: r.try_get(3)?,
                    size: r.try_get(4)?,
                },
                r.try_get(5)?,
            ))
        })
        .transpose()
    }

    /// The bytes of every file this person attached (their quota's use).
    pub async fn quota_used(&self, owner: &str) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(QUOTA_USED).bind(owner).fetch_one(&self.db.pool).await?)
    }
}

/// The bytes of every file a person (`$1`) attached. PostgreSQL sums BIGINTs as NUMERIC, which
/// the `Any` driver does not read: cast back.
const QUOTA_USED: &str = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE owner_sub = $1";

/// What adding files to a draft did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attached {
    Done,
    /// No draft of this owner by that id (sent meanwhile, or another's): nothing added.
    NoDraft,
    /// The files would pass the quota; this much was used: nothing added.
    OverQuota {
        used: i64,
    },
}

/// `$from, $from+1, …` for `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

async fn upsert_mailbox(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: &str,
    conversation: &str,
    received: bool,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO mailboxes (owner_sub, conversation_id, received, archived, last_at) VALUES ($1, $2, $3, 0, $4) \
         ON CONFLICT (owner_sub, conversation_id) DO UPDATE SET \
           received = CASE WHEN mailboxes.received = 1 OR $3 = 1 THEN 1 ELSE 0 END, archived = 0, last_at = $4",
    )
    .bind(owner)
    .bind(conversation)
    .bind(i64::from(received))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts a message in each recipient's inbox (out of their archive: something new came).
async fn deliver(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    message_id: &str,
    conversation: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO mailboxes (owner_sub, conversation_id, received, archived, last_at) \
         SELECT sub, $1, 1, 0, $2 FROM recipients WHERE message_id = $3 \
         ON CONFLICT (owner_sub, conversation_id) DO UPDATE SET received = 1, archived = 0, last_at = $2",
    )
    .bind(conversation)
    .bind(now)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    // The author's own copy moves up too.
    sqlx::query(
        "UPDATE mailboxes SET last_at = $1 WHERE conversation_id = $2 AND owner_sub = \
         (SELECT author_sub FROM messages WHERE id = $3)",
    )
    .bind(now)
    .bind(conversation)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
