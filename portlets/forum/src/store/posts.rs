//! Threads and their posts, and each reader's last read post per thread. What a reader sees is
//! decided here once ([`Viewer`]): a moderator every post and thread, held and hidden ones with
//! them; anyone else the visible ones and their own that wait.

use ent_portlet_kit::{DbError, Profile};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, corrupt, placeholders};
use crate::model::{CategoryId, ForumId, PostId, PostState, ThreadId, ThreadState, new_id};

/// Whose eyes a list is for.
#[derive(Clone, Copy, Debug)]
pub enum Viewer<'a> {
    /// A moderator of the forum: everything, held and hidden included.
    Moderator { sub: &'a str },
    /// Anyone else: what is visible, and their own posts and threads that wait.
    Member { sub: &'a str },
}

impl Viewer<'_> {
    pub fn sub(&self) -> &str {
        match self {
            Viewer::Moderator { sub } | Viewer::Member { sub } => sub,
        }
    }
}

/// A thread as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub id: ThreadId,
    pub forum_id: ForumId,
    pub category_id: CategoryId,
    pub title: String,
    pub author_sub: String,
    pub author_name: String,
    pub state: ThreadState,
    pub locked: bool,
    /// How many of its posts were made visible: the last one's `seq`.
    pub published: i64,
    pub created_at: i64,
    pub last_at: i64,
}

/// A thread in a list: how many visible replies it has, whether the reader has read it all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadLine {
    pub thread: Thread,
    pub replies: i64,
    pub unread: bool,
}

/// A post as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    pub id: PostId,
    pub thread_id: ThreadId,
    pub forum_id: ForumId,
    /// Its place in the thread (1 for the first post).
    pub nth: i64,
    /// Its number among the thread's visible posts, once it was made visible.
    pub seq: Option<i64>,
    pub author_sub: String,
    pub author_name: String,
    pub author_profile: Profile,
    pub body: String,
    pub quote_of: Option<PostId>,
    pub state: PostState,
    pub created_at: i64,
    pub edited_by_name: Option<String>,
    pub edited_at: Option<i64>,
}

/// Who writes a post, what, and whether it waits for a moderator.
#[derive(Clone, Copy, Debug)]
pub struct NewPost<'a> {
    pub author_sub: &'a str,
    pub author_name: &'a str,
    pub author_profile: Profile,
    pub body: &'a str,
    pub held: bool,
}

const THREAD_COLUMNS: &str = "t.id, t.forum_id, t.category_id, t.title, t.author_sub, t.author_name, t.state, t.locked, \
     t.published, t.created_at, t.last_at";

pub(crate) const POST_COLUMNS: &str = "p.id, p.thread_id, p.forum_id, p.nth, p.seq, p.author_sub, p.author_name, \
     p.author_profile, p.body, p.quote_of, p.state, p.created_at, p.edited_by_name, p.edited_at";

fn thread_from(r: &AnyRow) -> Result<Thread, DbError> {
    Ok(Thread {
        id: ThreadId::stored(r.try_get("id")?),
        forum_id: ForumId::stored(r.try_get("forum_id")?),
        category_id: CategoryId::stored(r.try_get("category_id")?),
        title: r.try_get("title")?,
        author_sub: r.try_get("author_sub")?,
        author_name: r.try_get("author_name")?,
        state: r.try_get::<String, _>("state")?.parse().map_err(corrupt)?,
        locked: r.try_get::<i64, _>("locked")? != 0,
        published: r.try_get("published")?,
        created_at: r.try_get("created_at")?,
        last_at: r.try_get("last_at")?,
    })
}

pub(crate) fn post_from(r: &AnyRow) -> Result<Post, DbError> {
    Ok(Post {
        id: PostId::stored(r.try_get("id")?),
        thread_id: ThreadId::stored(r.try_get("thread_id")?),
        forum_id: ForumId::stored(r.try_get("forum_id")?),
        nth: r.try_get("nth")?,
        seq: r.try_get("seq")?,
        author_sub: r.try_get("author_sub")?,
        author_name: r.try_get("author_name")?,
        author_profile: r.try_get::<String, _>("author_profile")?.parse().map_err(corrupt)?,
        body: r.try_get("body")?,
        quote_of: r.try_get::<Option<String>, _>("quote_of")?.map(PostId::stored),
        state: r.try_get::<String, _>("state")?.parse().map_err(corrupt)?,
        created_at: r.try_get("created_at")?,
        edited_by_name: r.try_get("edited_by_name")?,
        edited_at: r.try_get("edited_at")?,
    })
}

/// The threads a viewer sees (`t.`), with the viewer's sub bound at `$n`.
fn threads_seen(viewer: Viewer<'_>, n: usize) -> String {
    match viewer {
        Viewer::Moderator { .. } => "1 = 1".into(),
        Viewer::Member { .. } => format!("(t.state = 'open' OR (t.state = 'held' AND t.author_sub = ${n}))"),
    }
}

/// The posts a viewer sees (`p.`), with the viewer's sub bound at `$n`.
fn posts_seen(viewer: Viewer<'_>, n: usize) -> String {
    match viewer {
        Viewer::Moderator { .. } => "1 = 1".into(),
        Viewer::Member { .. } => format!("(p.state = 'visible' OR (p.state = 'held' AND p.author_sub = ${n}))"),
    }
}

impl Store {
    /// Starts a thread with its first post, held or not; its id and the post's.
    pub async fn create_thread(
        &self,
        forum: &ForumId,
        category: &CategoryId,
        title: &str,
        post: &NewPost<'_>,
        now: i64,
    ) -> Result<(ThreadId, PostId), DbError> {
        let (thread_id, post_id) = (new_id(), new_id());
        let state = if post.held { ThreadState::Held } else { ThreadState::Open };
        let published = i64::from(!post.held);
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO threads (id, forum_id, category_id, title, author_sub, author_name, state, locked, made, published, created_at, last_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, $8, $9, $9)",
        )
        .bind(&thread_id)
        .bind(forum.as_str())
        .bind(category.as_str())
        .bind(title)
        .bind(post.author_sub)
        .bind(post.author_name)
        .bind(state.as_str())
        .bind(published)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_post(&mut tx, &post_id, &thread_id, forum, 1, post, None, (!post.held).then_some(1), now).await?;
        tx.commit().await?;
        Ok((ThreadId::stored(thread_id), PostId::stored(post_id)))
    }

    /// Adds a post at the end of a thread, held or not; its id. The caller has checked the
    /// thread is open to this writer and the quote (an earlier visible post of the thread).
    pub async fn reply(
        &self,
        thread: &Thread,
        post: &NewPost<'_>,
        quote: Option<&PostId>,
        now: i64,
    ) -> Result<PostId, DbError> {
        let post_id = new_id();
        let mut tx = self.db.writer.begin().await?;
        let shown = i64::from(!post.held);
        let row = sqlx::query(
            "UPDATE threads SET made = made + 1, published = published + $1, \
             last_at = CASE WHEN $1 = 1 THEN $2 ELSE last_at END WHERE id = $3 RETURNING made, published",
        )
        .bind(shown)
        .bind(now)
        .bind(thread.id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let (nth, published): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        insert_post(
            &mut tx,
            &post_id,
            thread.id.as_str(),
            &thread.forum_id,
            nth,
            post,
            quote,
            (!post.held).then_some(published),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PostId::stored(post_id))
    }

    pub async fn thread(&self, id: &ThreadId) -> Result<Option<Thread>, DbError> {
        let sql = format!("SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(thread_from).transpose()
    }

    pub async fn post(&self, id: &PostId) -> Result<Option<Post>, DbError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(post_from).transpose()
    }

    /// Posts by id (the quotes a page shows), whatever their state: the page decides.
    pub async fn posts_by_ids(&self, ids: &[&PostId]) -> Result<Vec<Post>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id IN ({})", placeholders(1, ids.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id.as_str());
        }
        q.fetch_all(&self.db.pool).await?.iter().map(post_from).collect()
    }

    /// A page of a category's threads as this viewer sees them, the most recently active
    /// first, with their number.
    pub async fn threads(
        &self,
        category: &CategoryId,
        viewer: Viewer<'_>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ThreadLine>, i64), DbError> {
        let seen = threads_seen(viewer, 2);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM threads t WHERE t.category_id = $1 AND {seen}"
        )))
        .bind(category.as_str())
        .bind(viewer.sub())
        .fetch_one(&self.db.pool)
        .await?;
        let sql = format!(
            "SELECT {THREAD_COLUMNS}, \
             (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND p.state = 'visible') AS shown, \
             COALESCE((SELECT r.seq FROM reads r WHERE r.thread_id = t.id AND r.reader_sub = $2), 0) AS read_seq \
             FROM threads t WHERE t.category_id = $1 AND {seen} ORDER BY t.last_at DESC, t.id LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(category.as_str())
            .bind(viewer.sub())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.db.pool)
            .await?;
        Ok((rows.iter().map(line_from).collect::<Result<_, _>>()?, total))
    }

    /// The newest open threads of these forums, for the home card.
    pub async fn latest_threads(
        &self,
        forums: &[&ForumId],
        reader: &str,
        limit: i64,
    ) -> Result<Vec<ThreadLine>, DbError> {
        if forums.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {THREAD_COLUMNS}, \
             (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND p.state = 'visible') AS shown, \
             COALESCE((SELECT r.seq FROM reads r WHERE r.thread_id = t.id AND r.reader_sub = $1), 0) AS read_seq \
             FROM threads t WHERE t.state = 'open' AND t.forum_id IN ({}) ORDER BY t.last_at DESC, t.id LIMIT $2",
            placeholders(3, forums.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reader).bind(limit);
        for f in forums {
            q = q.bind(f.as_str());
        }
        q.fetch_all(&self.db.pool).await?.iter().map(line_from).collect()
    }

    /// How many open threads of each of these forums this reader has not read to the end.
    pub async fn unread_threads(&self, forums: &[&ForumId], reader: &str) -> Result<Vec<(ForumId, i64)>, DbError> {
        if forums.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT t.forum_id, COUNT(*) FROM threads t \
             WHERE t.state = 'open' AND t.forum_id IN ({}) \
             AND t.published > COALESCE((SELECT r.seq FROM reads r WHERE r.thread_id = t.id AND r.reader_sub = $1), 0) \
             GROUP BY t.forum_id",
            placeholders(2, forums.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reader);
        for f in forums {
            q = q.bind(f.as_str());
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| Ok((ForumId::stored(r.try_get(0)?), r.try_get(1)?))).collect()
    }

    /// A page of a thread's posts as this viewer sees them, in order, with their number.
    pub async fn posts(
        &self,
        thread: &ThreadId,
        viewer: Viewer<'_>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Post>, i64), DbError> {
        let seen = posts_seen(viewer, 2);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM posts p WHERE p.thread_id = $1 AND {seen}"
        )))
        .bind(thread.as_str())
        .bind(viewer.sub())
        .fetch_one(&self.db.pool)
        .await?;
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.thread_id = $1 AND {seen} ORDER BY p.nth LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(thread.as_str())
            .bind(viewer.sub())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.db.pool)
            .await?;
        Ok((rows.iter().map(post_from).collect::<Result<_, _>>()?, total))
    }

    /// How many posts this viewer sees before this one in its thread (to find its page).
    pub async fn posts_before(&self, post: &Post, viewer: Viewer<'_>) -> Result<i64, DbError> {
        let seen = posts_seen(viewer, 3);
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM posts p WHERE p.thread_id = $1 AND p.nth < $2 AND {seen}"
        )))
        .bind(post.thread_id.as_str())
        .bind(post.nth)
        .bind(viewer.sub())
        .fetch_one(&self.db.pool)
        .await?)
    }

    /// The last post of a thread this reader has read (its `seq`), 0 when none.
    pub async fn read_seq(&self, reader: &str, thread: &ThreadId) -> Result<i64, DbError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM reads WHERE reader_sub = $1 AND thread_id = $2")
            .bind(reader)
            .bind(thread.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Records that this reader has read the thread up to `seq` (never backwards).
    pub async fn mark_read(&self, reader: &str, thread: &ThreadId, seq: i64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO reads (reader_sub, thread_id, seq) VALUES ($1, $2, $3) \
             ON CONFLICT (reader_sub, thread_id) DO UPDATE SET seq = excluded.seq WHERE reads.seq < excluded.seq",
        )
        .bind(reader)
        .bind(thread.as_str())
        .bind(seq)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }
}

fn line_from(r: &AnyRow) -> Result<ThreadLine, DbError> {
    let thread = thread_from(r)?;
    let shown: i64 = r.try_get("shown")?;
    let read_seq: i64 = r.try_get("read_seq")?;
    Ok(ThreadLine { unread: thread.published > read_seq, replies: (shown - 1).max(0), thread })
}

#[allow(clippy::too_many_arguments)]
async fn insert_post(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    thread: &str,
    forum: &ForumId,
    nth: i64,
    post: &NewPost<'_>,
    quote: Option<&PostId>,
    seq: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    let state = if post.held { PostState::Held } else { PostState::Visible };
    sqlx::query(
        "INSERT INTO posts (id, thread_id, forum_id, nth, seq, author_sub, author_name, author_profile, body, quote_of, state, created_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(thread)
    .bind(forum.as_str())
    .bind(nth)
    .bind(seq)
    .bind(post.author_sub)
    .bind(post.author_name)
    .bind(post.author_profile.as_str())
    .bind(post.body)
    .bind(quote.map(PostId::as_str))
    .bind(state.as_str())
    .bind(now)
    .bind(seq.map(|_| now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
