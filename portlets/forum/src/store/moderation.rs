//! What moderators do and what waits for them: approving a held post, hiding a post (it stays,
//! for the audit), editing one (the text it replaced goes to the audit), locking and moving a
//! thread, readers' reports and their closing; the queue of held posts and open reports per
//! forum; and the audit line every one of those acts writes in its own transaction.

use ent_portlet_kit::DbError;
use sqlx::Row;

use super::posts::{POST_COLUMNS, Post, post_from};
use super::{Actor, Store, placeholders};
use crate::model::{Act, CategoryId, ForumId, PostId, ReportId, ThreadId, new_id};

/// A reader's report, with the post it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: ReportId,
    pub post: Post,
    pub reporter_name: String,
    pub reason: String,
    pub at: i64,
}

/// What waits for a forum's moderators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waiting {
    pub held: i64,
    pub reports: i64,
}

/// One line of a forum's audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub thread_id: Option<String>,
    pub post_id: Option<String>,
    pub detail: String,
}

/// Writes one audit line in the act's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    forum: &ForumId,
    act: Act,
    by: Actor<'_>,
    thread: Option<&str>,
    post: Option<&str>,
    detail: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit (forum_id, at, actor_sub, actor_name, action, thread_id, post_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(forum.as_str())
    .bind(now)
    .bind(by.sub)
    .bind(by.name)
    .bind(act.as_str())
    .bind(thread)
    .bind(post)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Makes a held post visible (and its thread, when it is the first post); whether it was
    /// held. Two moderators approving at once approve it once.
    pub async fn approve(&self, post: &PostId, by: Actor<'_>, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE posts SET state = 'visible', published_at = $1 WHERE id = $2 AND state = 'held' \
             RETURNING thread_id, forum_id, nth",
        )
        .bind(now)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let (thread, forum, nth): (String, String, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let published: i64 = sqlx::query_scalar(
            "UPDATE threads SET published = published + 1, last_at = $1, \
             state = CASE WHEN state = 'held' AND $2 = 1 THEN 'open' ELSE state END WHERE id = $3 RETURNING published",
        )
        .bind(now)
        .bind(nth)
        .bind(&thread)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE posts SET seq = $1 WHERE id = $2")
            .bind(published)
            .bind(post.as_str())
            .execute(&mut *tx)
            .await?;
        let forum = ForumId::stored(forum);
        audit(&mut tx, &forum, Act::Approve, by, Some(&thread), Some(post.as_str()), "", now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Hides a post, held or visible: it stays, for the audit, and only moderators see it. A
    /// thread whose first post is hidden is hidden with it. Whether it was not hidden already.
    pub async fn hide(&self, post: &PostId, by: Actor<'_>, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE posts SET state = 'hidden', hidden_by = $1, hidden_at = $2 WHERE id = $3 AND state <> 'hidden' \
             RETURNING thread_id, forum_id, nth",
        )
        .bind(by.sub)
        .bind(now)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let (thread, forum, nth): (String, String, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if nth == 1 {
            sqlx::query("UPDATE threads SET state = 'hidden' WHERE id = $1").bind(&thread).execute(&mut *tx).await?;
        }
        let forum = ForumId::stored(forum);
        audit(&mut tx, &forum, Act::Hide, by, Some(&thread), Some(post.as_str()), "", now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Rewrites a post's text, marked "edited by"; the text it replaced goes to the audit.
    /// Whether there was such a post.
    pub async fn edit(&self, post: &PostId, body: &str, by: Actor<'_>, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let before = sqlx::query("SELECT body, thread_id, forum_id FROM posts WHERE id = $1")
            .bind(post.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else { return Ok(false) };
        let (old, thread, forum): (String, String, String) =
            (before.try_get(0)?, before.try_get(1)?, before.try_get(2)?);
        sqlx::query("UPDATE posts SET body = $1, edited_by_name = $2, edited_at = $3 WHERE id = $4")
            .bind(body)
            .bind(by.name)
            .bind(now)
            .bind(post.as_str())
            .execute(&mut *tx)
            .await?;
        let forum = ForumId::stored(forum);
        audit(&mut tx, &forum, Act::Edit, by, Some(&thread), Some(post.as_str()), &old, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Locks or unlocks a thread, audited.
    pub async fn set_locked(&self, thread: &ThreadId, locked: bool, by: Actor<'_>, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let forum: Option<String> =
            sqlx::query_scalar("UPDATE threads SET locked = $1 WHERE id = $2 RETURNING forum_id")
                .bind(i64::from(locked))
                .bind(thread.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(forum) = forum else { return Ok(false) };
        let act = if locked { Act::Lock } else { Act::Unlock };
        audit(&mut tx, &ForumId::stored(forum), act, by, Some(thread.as_str()), None, "", now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a thread to another category of its own forum, audited; whether it moved (a
    /// category of another forum moves nothing).
    pub async fn move_thread(
        &self,
        thread: &ThreadId,
        category: &CategoryId,
        by: Actor<'_>,
        now: i64,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let forum: Option<String> = sqlx::query_scalar(
            "UPDATE threads SET category_id = $1 WHERE id = $2 \
             AND forum_id = (SELECT c.forum_id FROM categories c WHERE c.id = $1) RETURNING forum_id",
        )
        .bind(category.as_str())
        .bind(thread.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(forum) = forum else { return Ok(false) };
        audit(&mut tx, &ForumId::stored(forum), Act::Move, by, Some(thread.as_str()), None, category.as_str(), now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a reader's report of a post (once per reader and post); whether it is new.
    pub async fn report(&self, post: &Post, by: Actor<'_>, reason: &str, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "INSERT INTO reports (id, post_id, forum_id, reporter_sub, reporter_name, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (post_id, reporter_sub) DO NOTHING",
        )
        .bind(new_id())
        .bind(post.id.as_str())
        .bind(post.forum_id.as_str())
        .bind(by.sub)
        .bind(by.name)
        .bind(reason)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An open report, by id.
    pub async fn open_report(&self, id: &ReportId) -> Result<Option<Report>, DbError> {
        Ok(self.reports_where("r.id = $1 AND r.closed_at IS NULL", &[id.as_str()]).await?.into_iter().next())
    }

    /// Closes a report (the moderator has dealt with it), audited; whether it was open.
    pub async fn close_report(&self, report: &Report, by: Actor<'_>, now: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("UPDATE reports SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL")
            .bind(now)
            .bind(by.sub)
            .bind(report.id.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let p = &report.post;
        audit(&mut tx, &p.forum_id, Act::CloseReport, by, Some(p.thread_id.as_str()), Some(p.id.as_str()), "", now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The open reports of these forums, oldest first.
    pub async fn open_reports(&self, forums: &[&ForumId]) -> Result<Vec<Report>, DbError> {
        if forums.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = forums.iter().map(|f| f.as_str()).collect();
        let filter = format!("r.closed_at IS NULL AND r.forum_id IN ({})", placeholders(1, ids.len()));
        self.reports_where(&filter, &ids).await
    }

    async fn reports_where(&self, filter: &str, binds: &[&str]) -> Result<Vec<Report>, DbError> {
        let sql = format!(
            "SELECT {POST_COLUMNS}, r.id AS report_id, r.reporter_name, r.reason, r.created_at AS reported_at \
             FROM reports r JOIN posts p ON p.id = r.post_id WHERE {filter} ORDER BY r.created_at, r.id"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Report {
                    id: ReportId::stored(r.try_get("report_id")?),
                    post: post_from(r)?,
                    reporter_name: r.try_get("reporter_name")?,
                    reason: r.try_get("reason")?,
                    at: r.try_get("reported_at")?,
                })
            })
            .collect()
    }

    /// The held posts of these forums, oldest first.
    pub async fn held(&self, forums: &[&ForumId]) -> Result<Vec<Post>, DbError> {
        if forums.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.state = 'held' AND p.forum_id IN ({}) ORDER BY p.created_at, p.id",
            placeholders(1, forums.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for f in forums {
            q = q.bind(f.as_str());
        }
        q.fetch_all(&self.db.pool).await?.iter().map(post_from).collect()
    }

    /// How many posts wait and how many reports are open in these forums.
    pub async fn waiting(&self, forums: &[&ForumId]) -> Result<Waiting, DbError> {
        if forums.is_empty() {
            return Ok(Waiting::default());
        }
        let list = placeholders(1, forums.len());
        let held = format!("SELECT COUNT(*) FROM posts WHERE state = 'held' AND forum_id IN ({list})");
        let reports = format!("SELECT COUNT(*) FROM reports WHERE closed_at IS NULL AND forum_id IN ({list})");
        let mut counts = [0i64; 2];
        for (i, sql) in [held, reports].into_iter().enumerate() {
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            for f in forums {
                q = q.bind(f.as_str());
            }
            counts[i] = q.fetch_one(&self.db.pool).await?;
        }
        Ok(Waiting { held: counts[0], reports: counts[1] })
    }

    /// A forum's audit, the most recent first.
    pub async fn audit_lines(&self, forum: &ForumId, limit: i64) -> Result<Vec<AuditLine>, DbError> {
        let rows = sqlx::query(
            "SELECT at, actor_name, action, thread_id, post_id, detail FROM audit WHERE forum_id = $1 \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(forum.as_str())
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditLine {
                    at: r.try_get("at")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    thread_id: r.try_get("thread_id")?,
                    post_id: r.try_get("post_id")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
