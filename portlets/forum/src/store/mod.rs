//! The forum's storage: forums (made on first use, one per class and per school) and their
//! categories here; threads, posts and reading marks in [`posts`]; reports, the queue of what
//! waits and the audit in [`moderation`]. Portable SQL over sqlx `Any` (`$N`, BIGINT epoch
//! seconds, INTEGER booleans, TEXT ids); every change is one transaction, and a state change (an
//! approval, a hiding) one conditional statement, so two moderators never do it twice.

use ent_portlet_kit::access::{ClassInfo, KnownClasses};
use ent_portlet_kit::{Db, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{Act, CategoryId, ForumId, Mode, Scope, new_id};

pub mod moderation;
pub mod posts;

pub use moderation::{AuditLine, Report, Waiting};
pub use posts::{NewPost, Post, Thread, ThreadLine, Viewer};

/// A forum as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forum {
    pub id: ForumId,
    pub scope: Scope,
    pub school: String,
    pub name: String,
    pub mode: Mode,
    /// A class forum: its families read it.
    pub open_families: bool,
    /// A school forum: the school's pupils read and write in it.
    pub open_pupils: bool,
    /// A school forum: the school's parents read it.
    pub open_parents: bool,
}

impl Forum {
    pub fn class_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Class { class_id } => Some(class_id),
            Scope::School => None,
        }
    }
}

/// A category of a forum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub forum_id: ForumId,
    pub name: String,
}

/// Who did a moderation act.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub sub: &'a str,
    pub name: &'a str,
}

/// The category every new forum has, in French as the school writes.
pub const FIRST_CATEGORY: &str = "Général";

const FORUM_COLUMNS: &str = "id, kind, school, class_id, name, mode, open_families, open_pupils, open_parents";

pub(crate) fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

fn forum_from(r: &AnyRow) -> Result<Forum, DbError> {
    let kind: String = r.try_get("kind")?;
    let scope = match (kind.as_str(), r.try_get::<Option<String>, _>("class_id")?) {
        ("class", Some(class_id)) => Scope::Class { class_id },
        ("school", None) => Scope::School,
        (other, _) => return Err(corrupt(format!("forum kind {other:?}"))),
    };
    Ok(Forum {
        id: ForumId::stored(r.try_get("id")?),
        scope,
        school: r.try_get("school")?,
        name: r.try_get("name")?,
        mode: r.try_get::<String, _>("mode")?.parse().map_err(corrupt)?,
        open_families: r.try_get::<i64, _>("open_families")? != 0,
        open_pupils: r.try_get::<i64, _>("open_pupils")? != 0,
        open_parents: r.try_get::<i64, _>("open_parents")? != 0,
    })
}

/// `$from, $from+1, …` for `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    /// The forum of this class or school, made now (with its first category) if it has none.
    /// The caller has checked that this person may open it.
    pub async fn ensure_forum(&self, scope: &Scope, school: &str, name: &str, now: i64) -> Result<Forum, DbError> {
        let key = scope.key(school);
        if let Some(f) = self.forum_by_key(&key).await? {
            return Ok(f);
        }
        let mut tx = self.db.writer.begin().await?;
        let id = new_id();
        let made = sqlx::query_scalar::<_, String>(
            "INSERT INTO forums (id, scope, kind, school, class_id, name, mode, open_families, open_pupils, open_parents, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'none', 0, 0, 0, $7) ON CONFLICT (scope) DO NOTHING RETURNING id",
        )
        .bind(&id)
        .bind(&key)
        .bind(scope.kind())
        .bind(school)
        .bind(match scope {
            Scope::Class { class_id } => Some(class_id.as_str()),
            Scope::School => None,
        })
        .bind(name)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if made.is_some() {
            sqlx::query("INSERT INTO categories (id, forum_id, name, position, created_at) VALUES ($1, $2, $3, 0, $4)")
                .bind(new_id())
                .bind(&id)
                .bind(FIRST_CATEGORY)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.forum_by_key(&key).await?.ok_or_else(|| corrupt("a forum just made is missing"))
    }

    async fn forum_by_key(&self, key: &str) -> Result<Option<Forum>, DbError> {
        let sql = format!("SELECT {FORUM_COLUMNS} FROM forums WHERE scope = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(forum_from).transpose()
    }

    /// The forum of this class or school, if it was made.
    pub async fn forum_of(&self, scope: &Scope, school: &str) -> Result<Option<Forum>, DbError> {
        self.forum_by_key(&scope.key(school)).await
    }

    pub async fn forum(&self, id: &ForumId) -> Result<Option<Forum>, DbError> {
        let sql = format!("SELECT {FORUM_COLUMNS} FROM forums WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(forum_from).transpose()
    }

    /// Every forum of a school (its class forums and its own).
    pub async fn school_forums(&self, school: &str) -> Result<Vec<Forum>, DbError> {
        let sql = format!("SELECT {FORUM_COLUMNS} FROM forums WHERE school = $1 ORDER BY kind DESC, name, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school).fetch_all(&self.db.pool).await?;
        rows.iter().map(forum_from).collect()
    }

    /// Sets whose posts wait, audited.
    pub async fn set_mode(&self, forum: &ForumId, mode: Mode, by: Actor<'_>, now: i64) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("UPDATE forums SET mode = $1 WHERE id = $2")
            .bind(mode.as_str())
            .bind(forum.as_str())
            .execute(&mut *tx)
            .await?;
        moderation::audit(&mut tx, forum, Act::SetMode, by, None, None, mode.as_str(), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets who besides its members reads a forum, audited: a class forum's families; a school
    /// forum's pupils and parents.
    pub async fn set_openings(
        &self,
        forum: &ForumId,
        families: bool,
        pupils: bool,
        parents: bool,
        by: Actor<'_>,
        now: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("UPDATE forums SET open_families = $1, open_pupils = $2, open_parents = $3 WHERE id = $4")
            .bind(i64::from(families))
            .bind(i64::from(pupils))
            .bind(i64::from(parents))
            .bind(forum.as_str())
            .execute(&mut *tx)
            .await?;
        let detail =
            format!("families={} pupils={} parents={}", i64::from(families), i64::from(pupils), i64::from(parents));
        moderation::audit(&mut tx, forum, Act::SetOpenings, by, None, None, &detail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A forum's categories, in order.
    pub async fn categories(&self, forum: &ForumId) -> Result<Vec<Category>, DbError> {
        let rows =
            sqlx::query("SELECT id, forum_id, name FROM categories WHERE forum_id = $1 ORDER BY position, name, id")
                .bind(forum.as_str())
                .fetch_all(&self.db.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Category {
                    id: CategoryId::stored(r.try_get("id")?),
                    forum_id: ForumId::stored(r.try_get("forum_id")?),
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// Adds a category at the end of a forum's, audited; its id.
    pub async fn add_category(
        &self,
        forum: &ForumId,
        name: &str,
        by: Actor<'_>,
        now: i64,
    ) -> Result<CategoryId, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO categories (id, forum_id, name, position, created_at) \
             SELECT $1, $2, $3, COALESCE(MAX(position), -1) + 1, $4 FROM categories WHERE forum_id = $2",
        )
        .bind(&id)
        .bind(forum.as_str())
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        moderation::audit(&mut tx, forum, Act::AddCategory, by, None, None, name, now).await?;
        tx.commit().await?;
        Ok(CategoryId::stored(id))
    }
}

/// The classes the forum holds: a director still finds a class forum whose class the directory
/// no longer lists, or lists none while it is away.
impl KnownClasses for Store {
    async fn known_class(&self, id: &str) -> Result<Option<ClassInfo>, DbError> {
        let f = self.forum_by_key(&Scope::Class { class_id: id.to_string() }.key("")).await?;
        Ok(f.map(|f| ClassInfo { id: id.to_string(), name: f.name, school: f.school }))
    }

    async fn known_school_classes(&self, school: &str) -> Result<Vec<ClassInfo>, DbError> {
        Ok(self
            .school_forums(school)
            .await?
            .into_iter()
            .filter_map(|f| {
                let id = f.class_id()?.to_string();
                Some(ClassInfo { id, name: f.name, school: f.school })
            })
            .collect())
    }
}
