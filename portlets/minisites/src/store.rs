//! The mini-sites' storage: sites, their pages and menu order, every version of every page,
//! and their pictures. Portable SQL over sqlx `Any` (`$N`, BIGINT epoch seconds, TEXT ids). A
//! decision on a version is one conditional statement (only a pending version is decided), so
//! two teachers approving at once publish it once; a new version's number is taken in the
//! transaction that writes it.

use ent_portlet_kit::{Db, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{PageId, PictureId, SiteId, VersionId, VersionState, Visibility};

/// A site as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub school: String,
    pub class_id: String,
    pub class_name: String,
    pub title: String,
    /// What its teachers chose.
    pub visibility: Visibility,
    /// The director who let it be public, and when.
    pub public_approved_by: Option<String>,
    pub public_approved_at: Option<i64>,
    /// The pupils who write it; empty: the whole class.
    pub members: Vec<String>,
    /// Grows whenever who may see the site changes (signed links carry it).
    pub access_version: i64,
    pub created_at: i64,
}

impl Site {
    /// Who sees it now: a public site the director has not approved is a school's site.
    pub fn effective(&self) -> Visibility {
        match (self.visibility, self.public_approved_at) {
            (Visibility::Public, None) => Visibility::School,
            (v, _) => v,
        }
    }

    /// Public, and waiting for the director.
    pub fn awaits_public_approval(&self) -> bool {
        self.visibility == Visibility::Public && self.public_approved_at.is_none()
    }
}

/// A page: its place in the menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub id: PageId,
    pub site_id: SiteId,
    pub position: i64,
    pub created_by: String,
}

/// A version of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: VersionId,
    pub page_id: PageId,
    pub number: i64,
    pub title: String,
    /// Markdown, as written.
    pub body: String,
    pub author_sub: String,
    pub author_name: String,
    pub state: VersionState,
    /// The number of the version it copies, when it was restored.
    pub restored_from: Option<i64>,
    pub created_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub published_at: Option<i64>,
}

/// A picture of a site (without its bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub id: PictureId,
    pub site_id: SiteId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// A new site.
#[derive(Clone, Debug)]
pub struct NewSite<'a> {
    pub school: &'a str,
    pub class_id: &'a str,
    pub class_name: &'a str,
    pub title: &'a str,
    pub created_by: &'a str,
}

/// What a new version says, who wrote it, and whether it is published at once (a teacher's)
/// or waits (a pupil's).
#[derive(Clone, Debug)]
pub struct Writing<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub author_sub: &'a str,
    pub author_name: &'a str,
    pub publish: bool,
}

/// A site's new settings.
#[derive(Clone, Debug)]
pub struct Settings<'a> {
    pub title: &'a str,
    pub visibility: Visibility,
    /// The pupils who write it (empty: the whole class).
    pub members: &'a [String],
    /// The director's name when the director makes it public (approval at once).
    pub director: Option<&'a str>,
}

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

/// A site's columns, in `concat!` so that every query stays a literal.
macro_rules! site_columns {
    () => {
        "id, school, class_id, class_name, title, visibility, public_approved_by, public_approved_at, members, \
         access_version, created_at"
    };
}

fn site_from(r: &AnyRow) -> Result<Site, DbError> {
    Ok(Site {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        school: r.try_get("school")?,
        class_id: r.try_get("class_id")?,
        class_name: r.try_get("class_name")?,
        title: r.try_get("title")?,
        visibility: r.try_get::<String, _>("visibility")?.parse().map_err(corrupt)?,
        public_approved_by: r.try_get("public_approved_by")?,
        public_approved_at: r.try_get("public_approved_at")?,
        members: serde_json::from_str(&r.try_get::<String, _>("members")?).map_err(corrupt)?,
        access_version: r.try_get("access_version")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A version's columns, in `concat!` so that every query stays a literal.
macro_rules! version_columns {
    () => {
        "id, page_id, number, title, body, author_sub, author_name, state, restored_from, created_at, decided_by, \
         decided_at, published_at"
    };
}

fn version_from(r: &AnyRow) -> Result<Version, DbError> {
    Ok(Version {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        page_id: r.try_get::<String, _>("page_id")?.parse().map_err(corrupt)?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        author_sub: r.try_get("author_sub")?,
        author_name: r.try_get("author_name")?,
        state: r.try_get::<String, _>("state")?.parse().map_err(corrupt)?,
        restored_from: r.try_get("restored_from")?,
        created_at: r.try_get("created_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        published_at: r.try_get("published_at")?,
    })
}

fn page_from(r: &AnyRow) -> Result<Page, DbError> {
    Ok(Page {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        site_id: r.try_get::<String, _>("site_id")?.parse().map_err(corrupt)?,
        position: r.try_get("position")?,
        created_by: r.try_get("created_by")?,
    })
}

fn picture_from(r: &AnyRow) -> Result<Picture, DbError> {
    Ok(Picture {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        site_id: r.try_get::<String, _>("site_id")?.parse().map_err(corrupt)?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
    })
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    // ----- Sites -----

    /// A new site of a class, seen by the class.
    pub async fn create_site(&self, s: &NewSite<'_>, now: i64) -> Result<SiteId, DbError> {
        let id = SiteId::new();
        sqlx::query(
            "INSERT INTO sites (id, school, class_id, class_name, title, visibility, members, access_version, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'class', '[]', 1, $6, $7)",
        )
        .bind(id.as_str())
        .bind(s.school)
        .bind(s.class_id)
        .bind(s.class_name)
        .bind(s.title)
        .bind(s.created_by)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    pub async fn site(&self, id: &SiteId) -> Result<Option<Site>, DbError> {
        let row = sqlx::query(concat!("SELECT ", site_columns!(), " FROM sites WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(site_from).transpose()
    }

    /// Every site of a school, by class then title.
    pub async fn school_sites(&self, school: &str) -> Result<Vec<Site>, DbError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE school = $1 ORDER BY class_name, title, id"
        ))
        .bind(school)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(site_from).collect()
    }

    /// Changes a site's title, visibility and writers. Who may see it changing (its effective
    /// visibility, its writers) makes every signed link minted before stop working. A site made
    /// public by a teacher waits for the director; by the director, it is approved at once; a
    /// site that stops being public loses its approval.
    pub async fn update_site(&self, id: &SiteId, s: &Settings<'_>, now: i64) -> Result<Option<Site>, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let row = sqlx::query(concat!("SELECT ", site_columns!(), " FROM sites WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = row.as_ref().map(site_from).transpose()? else { return Ok(None) };
        let mut after = before.clone();
        after.title = s.title.to_string();
        after.visibility = s.visibility;
        after.members = s.members.to_vec();
        match (s.visibility, s.director) {
            (Visibility::Public, Some(director)) if before.public_approved_at.is_none() => {
                after.public_approved_by = Some(director.to_string());
                after.public_approved_at = Some(now);
            }
            (Visibility::Public, _) => {}
            _ => {
                after.public_approved_by = None;
                after.public_approved_at = None;
            }
        }
        if after.effective() != before.effective() || after.members != before.members {
            after.access_version += 1;
        }
        let members = serde_json::to_string(&after.members).map_err(corrupt)?;
        sqlx::query(
            "UPDATE sites SET title = $2, visibility = $3, public_approved_by = $4, public_approved_at = $5, \
             members = $6, access_version = $7 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(&after.title)
        .bind(after.visibility.as_str())
        .bind(after.public_approved_by.clone())
        .bind(after.public_approved_at)
        .bind(members)
        .bind(after.access_version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(after))
    }

    /// The director approves a site asked to be public: whether it was waiting.
    pub async fn approve_public(&self, id: &SiteId, director: &str, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE sites SET public_approved_by = $2, public_approved_at = $3, access_version = access_version + 1 \
             WHERE id = $1 AND visibility = 'public' AND public_approved_at IS NULL",
        )
        .bind(id.as_str())
        .bind(director)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ----- Pages and versions -----

    /// The pages of a site, in menu order.
    pub async fn pages(&self, site: &SiteId) -> Result<Vec<Page>, DbError> {
        let rows = sqlx::query(
            "SELECT id, site_id, position, created_by FROM pages WHERE site_id = $1 ORDER BY position, created_by, id",
        )
        .bind(site.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(page_from).collect()
    }

    pub async fn page(&self, id: &PageId) -> Result<Option<Page>, DbError> {
        let row = sqlx::query("SELECT id, site_id, position, created_by FROM pages WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(page_from).transpose()
    }

    /// A new page at the end of the menu, with its first version.
    pub async fn create_page(&self, site: &SiteId, w: &Writing<'_>, now: i64) -> Result<(PageId, VersionId), DbError> {
        let page = PageId::new();
        let mut tx = self.db.writer.begin().await?;
        let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM pages WHERE site_id = $1")
            .bind(site.as_str())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO pages (id, site_id, position, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(page.as_str())
            .bind(site.as_str())
            .bind(position)
            .bind(w.author_sub)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let version = insert_version(&mut tx, &page, w, None, now).await?;
        tx.commit().await?;
        Ok((page, version))
    }

    /// A new version of a page: published at once (a teacher's), or pending (a pupil's).
    pub async fn add_version(&self, page: &PageId, w: &Writing<'_>, now: i64) -> Result<VersionId, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let version = insert_version(&mut tx, page, w, None, now).await?;
        tx.commit().await?;
        Ok(version)
    }

    pub async fn version(&self, id: &VersionId) -> Result<Option<Version>, DbError> {
        let row = sqlx::query(concat!("SELECT ", version_columns!(), " FROM versions WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(version_from).transpose()
    }

    /// Every version of a page, newest first.
    pub async fn versions(&self, page: &PageId) -> Result<Vec<Version>, DbError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM versions WHERE page_id = $1 ORDER BY number DESC"
        ))
        .bind(page.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// What the page shows: its most recently published version.
    pub async fn current(&self, page: &PageId) -> Result<Option<Version>, DbError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM versions WHERE page_id = $1 AND state = 'published' \
             ORDER BY published_at DESC, number DESC LIMIT 1"
        ))
        .bind(page.as_str())
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(version_from).transpose()
    }

    /// The versions of a site's pages waiting for a teacher, oldest first.
    pub async fn pending(&self, site: &SiteId) -> Result<Vec<Version>, DbError> {
        let rows = sqlx::query(
            "SELECT v.id, v.page_id, v.number, v.title, v.body, v.author_sub, v.author_name, v.state, \
             v.restored_from, v.created_at, v.decided_by, v.decided_at, v.published_at \
             FROM versions v JOIN pages p ON p.id = v.page_id \
             WHERE p.site_id = $1 AND v.state = 'pending' ORDER BY v.created_at, v.number",
        )
        .bind(site.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// Approves or rejects a pending version: whether it was pending (a second decision on it,
    /// by another teacher at the same moment, changes nothing).
    pub async fn decide(&self, id: &VersionId, publish: bool, by: &str, now: i64) -> Result<bool, DbError> {
        let state = if publish { VersionState::Published } else { VersionState::Rejected };
        let published_at = publish.then_some(now);
        let done = sqlx::query(
            "UPDATE versions SET state = $2, decided_by = $3, decided_at = $4, published_at = $5 \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id.as_str())
        .bind(state.as_str())
        .bind(by)
        .bind(now)
        .bind(published_at)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Publishes a copy of an earlier published version as the page's newest: the history keeps
    /// everything, the page shows the copy. `None` when that version was never published.
    pub async fn restore(
        &self,
        id: &VersionId,
        by_sub: &str,
        by_name: &str,
        now: i64,
    ) -> Result<Option<VersionId>, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let row =
            sqlx::query(concat!("SELECT ", version_columns!(), " FROM versions WHERE id = $1 AND state = 'published'"))
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(old) = row.as_ref().map(version_from).transpose()? else { return Ok(None) };
        let w = Writing { title: &old.title, body: &old.body, author_sub: by_sub, author_name: by_name, publish: true };
        let new = insert_version(&mut tx, &old.page_id, &w, Some(old.number), now).await?;
        tx.commit().await?;
        Ok(Some(new))
    }

    /// Moves a page one place up (earlier) or down in its site's menu.
    pub async fn move_page(&self, page: &PageId, up: bool) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        let row = sqlx::query("SELECT id, site_id, position, created_by FROM pages WHERE id = $1")
            .bind(page.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(me) = row.as_ref().map(page_from).transpose()? else { return Ok(()) };
        let rows = sqlx::query(
            "SELECT id, site_id, position, created_by FROM pages WHERE site_id = $1 ORDER BY position, created_by, id",
        )
        .bind(me.site_id.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut order: Vec<Page> = rows.iter().map(page_from).collect::<Result<_, _>>()?;
        let Some(at) = order.iter().position(|p| p.id == me.id) else { return Ok(()) };
        let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|t| *t < order.len()) };
        let Some(to) = to else { return Ok(()) };
        order.swap(at, to);
        // Positions are rewritten 1, 2, 3…: equal or missing ones from earlier do not matter.
        for (i, p) in order.iter().enumerate() {
            sqlx::query("UPDATE pages SET position = $2 WHERE id = $1")
                .bind(p.id.as_str())
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----- Pictures -----

    /// Keeps a picture already re-encoded.
    pub async fn add_picture(
        &self,
        site: &SiteId,
        name: &str,
        content_type: &str,
        data: &[u8],
        by: &str,
        now: i64,
    ) -> Result<PictureId, DbError> {
        let id = PictureId::new();
        sqlx::query(
            "INSERT INTO pictures (id, site_id, name, content_type, size, data, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_str())
        .bind(site.as_str())
        .bind(name)
        .bind(content_type)
        .bind(data.len() as i64)
        .bind(data.to_vec())
        .bind(by)
        .bind(now)
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    /// A site's pictures, newest first.
    pub async fn pictures(&self, site: &SiteId) -> Result<Vec<Picture>, DbError> {
        let rows = sqlx::query(
            "SELECT id, site_id, name, content_type, size FROM pictures WHERE site_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(site.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(picture_from).collect()
    }

    /// A picture of that site, with its bytes.
    pub async fn picture(&self, site: &SiteId, id: &PictureId) -> Result<Option<(Picture, Vec<u8>)>, DbError> {
        let row = sqlx::query(
            "SELECT id, site_id, name, content_type, size, data FROM pictures WHERE id = $1 AND site_id = $2",
        )
        .bind(id.as_str())
        .bind(site.as_str())
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((picture_from(&r)?, r.try_get("data")?))),
            None => Ok(None),
        }
    }
}

/// Writes a version with the page's next number.
async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    page: &PageId,
    w: &Writing<'_>,
    restored_from: Option<i64>,
    now: i64,
) -> Result<VersionId, DbError> {
    let id = VersionId::new();
    let number: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE page_id = $1")
        .bind(page.as_str())
        .fetch_one(&mut **tx)
        .await?;
    let state = if w.publish { VersionState::Published } else { VersionState::Pending };
    sqlx::query(
        "INSERT INTO versions (id, page_id, number, title, body, author_sub, author_name, state, restored_from, \
         created_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.as_str())
    .bind(page.as_str())
    .bind(number)
    .bind(w.title)
    .bind(w.body)
    .bind(w.author_sub)
    .bind(w.author_name)
    .bind(state.as_str())
    .bind(restored_from)
    .bind(now)
    .bind(w.publish.then_some(now))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

impl Store {
    /// A class the mini-sites hold a site for.
    pub async fn known_class_info(&self, id: &str) -> Result<Option<ent_portlet_kit::ClassInfo>, DbError> {
        let row = sqlx::query("SELECT class_id, class_name, school FROM sites WHERE class_id = $1 LIMIT 1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(ent_portlet_kit::ClassInfo {
                id: r.try_get("class_id")?,
                name: r.try_get("class_name")?,
                school: r.try_get("school")?,
            })),
            None => Ok(None),
        }
    }
}
