//! The lists a person reads: inbox and archive (conversations), sent and drafts (messages),
//! search; all paged without a ceiling, newest first. The schools whose messaging is off for the
//! reader's profile are left out of the conversations.

use ent_portlet_kit::DbError;
use sqlx::Row;

use super::{MESSAGE_COLUMNS, Message, Store, message_from, placeholders};
use crate::model::like_pattern;

/// One page of a list: `number` from 1, `size` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub const SIZE: i64 = 25;

    pub fn new(number: Option<i64>) -> Page {
        Page { number: number.unwrap_or(1).clamp(1, 100_000), size: Page::SIZE }
    }

    fn offset(self) -> i64 {
        (self.number - 1) * self.size
    }
}

/// A conversation in a person's inbox or archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub conversation_id: String,
    pub school: String,
    pub subject: String,
    pub last_at: i64,
    pub unread: i64,
    /// Who wrote its latest message the person sees.
    pub last_author: String,
}

/// A message of one's own (sent folder, drafts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentItem {
    pub message: Message,
}

/// A message found by search, in a conversation the person sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub message: Message,
}

/// What a person sees of a message: delivered to them, or written by them (drafts aside).
const SEES: &str = "((m.author_sub = $1 AND m.state <> 'draft') OR (m.state = 'sent' AND EXISTS \
     (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.sub = $1)))";

impl Store {
    /// The conversations of a person's inbox (`archived` false) or archive, a page of them and
    /// whether there are more. Only those where something reached them and is still there.
    pub async fn conversations(
        &self,
        owner: &str,
        archived: bool,
        hidden_schools: &[String],
        page: Page,
    ) -> Result<(Vec<Listed>, bool), DbError> {
        let hidden = if hidden_schools.is_empty() {
            String::new()
        } else {
            format!("AND c.school NOT IN ({})", placeholders(5, hidden_schools.len()))
        };
        // The unread count starts from the conversation's messages (a few), then looks the
        // reader up by the recipients' key: written as a join, SQLite started from the reader's
        // unread deliveries (every one of them, for every conversation listed: quadratic in the
        // inbox's size, 1,000 inboxes opened at once took seconds; docs/benchmarks.md).
        let sql = format!(
            "SELECT c.id, c.school, c.subject, mb.last_at, \
               (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.state = 'sent' \
                  AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.sub = $1 \
                  AND r.read_at IS NULL)) AS unread, \
               (SELECT m.author_name FROM messages m WHERE m.conversation_id = c.id AND {SEES} \
                  ORDER BY COALESCE(m.sent_at, m.created_at) DESC, m.id DESC LIMIT 1) AS last_author \
             FROM mailboxes mb JOIN conversations c ON c.id = mb.conversation_id \
             WHERE mb.owner_sub = $1 AND mb.archived = $2 AND mb.received = 1 {hidden} \
               AND EXISTS (SELECT 1 FROM recipients r JOIN messages m ON m.id = r.message_id \
                  WHERE m.conversation_id = c.id AND r.sub = $1 AND m.state = 'sent') \
             ORDER BY mb.last_at DESC, c.id DESC LIMIT $3 OFFSET $4"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(i64::from(archived))
            .bind(page.size + 1)
            .bind(page.offset());
        for s in hidden_schools {
            q = q.bind(s);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        let more = rows.len() as i64 > page.size;
        let items = rows
            .iter()
            .take(page.size as usize)
            .map(|r| {
                Ok(Listed {
                    conversation_id: r.try_get(0)?,
                    school: r.try_get(1)?,
                    subject: r.try_get(2)?,
                    last_at: r.try_get(3)?,
                    unread: r.try_get(4)?,
                    last_author: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok((items, more))
    }

    /// A person's own messages: sent (every state but draft) or drafts; a page and whether
    /// there are more.
    pub async fn own(&self, author: &str, drafts: bool, page: Page) -> Result<(Vec<SentItem>, bool), DbError> {
        let state = if drafts { "m.state = 'draft'" } else { "m.state <> 'draft'" };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.author_sub = $1 AND {state} \
             ORDER BY m.updated_at DESC, m.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(author)
            .bind(page.size + 1)
            .bind(page.offset())
            .fetch_all(&self.db.pool)
            .await?;
        let more = rows.len() as i64 > page.size;
        let items = rows
            .iter()
            .take(page.size as usize)
            .map(|r| Ok(SentItem { message: message_from(r)? }))
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok((items, more))
    }

    /// The messages a person sees whose subject, text or people match the query.
    pub async fn search(&self, sub: &str, query: &str, page: Page) -> Result<(Vec<Found>, bool), DbError> {
        self.search_except(sub, query, &[], page).await
    }

    /// [`Store::search`], leaving out the schools whose messaging is off for the person.
    pub async fn search_except(
        &self,
        sub: &str,
        query: &str,
        hidden_schools: &[String],
        page: Page,
    ) -> Result<(Vec<Found>, bool), DbError> {
        let hidden = if hidden_schools.is_empty() {
            String::new()
        } else {
            format!("AND m.school NOT IN ({})", placeholders(5, hidden_schools.len()))
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE {SEES} AND m.search LIKE $2 ESCAPE '\\' {hidden} \
             ORDER BY COALESCE(m.sent_at, m.created_at) DESC, m.id DESC LIMIT $3 OFFSET $4"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(sub)
            .bind(like_pattern(query))
            .bind(page.size + 1)
            .bind(page.offset());
        for s in hidden_schools {
            q = q.bind(s);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        let more = rows.len() as i64 > page.size;
        let items = rows
            .iter()
            .take(page.size as usize)
            .map(|r| Ok(Found { message: message_from(r)? }))
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok((items, more))
    }

    /// How many delivered messages this person has not read.
    pub async fn unread_count(&self, sub: &str, hidden_schools: &[String]) -> Result<i64, DbError> {
        let hidden = if hidden_schools.is_empty() {
            String::new()
        } else {
            format!("AND m.school NOT IN ({})", placeholders(2, hidden_schools.len()))
        };
        let sql = format!(
            "SELECT COUNT(*) FROM recipients r JOIN messages m ON m.id = r.message_id \
             WHERE r.sub = $1 AND r.read_at IS NULL AND m.state = 'sent' {hidden}"
        );
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(sub);
        for s in hidden_schools {
            q = q.bind(s);
        }
        Ok(q.fetch_one(&self.db.pool).await?)
    }

    /// The latest messages this person received (read or not), newest first.
    pub async fn latest_received(
        &self,
        sub: &str,
        hidden_schools: &[String],
        n: i64,
    ) -> Result<Vec<(Message, bool)>, DbError> {
        let hidden = if hidden_schools.is_empty() {
            String::new()
        } else {
            format!("AND m.school NOT IN ({})", placeholders(3, hidden_schools.len()))
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, r.read_at FROM recipients r JOIN messages m ON m.id = r.message_id \
             WHERE r.sub = $1 AND m.state = 'sent' {hidden} ORDER BY m.sent_at DESC, m.id DESC LIMIT $2"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sub).bind(n);
        for s in hidden_schools {
            q = q.bind(s);
        }
        q.fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| Ok((message_from(r)?, r.try_get::<Option<i64>, _>("read_at")?.is_none())))
            .collect()
    }
}
