//! The diary's storage: entries (what a class did on a day), their items (what is due, by due
//! day) and attached files, in the portlet's own database. Portable SQL over sqlx `Any` (`$N`
//! placeholders, epoch seconds, ISO day text, TEXT ids); each write is one transaction.
//!
//! The store answers what is asked; who may ask is decided before (see `access`).

use std::collections::HashMap;

use ent_portlet_kit::ClassInfo;
use ent_portlet_kit::storage::{Db, DbError, now};
use sqlx::Row;
use sqlx::any::AnyRow;

use ent_portlet_kit::calendar::Date;

/// The most items an entry holds.
pub const MAX_ITEMS: usize = 10;
/// The most files an entry holds.
pub const MAX_FILES: usize = 5;
/// The largest file (also a CHECK in the migrations).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// One line of what is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    pub due: Date,
}

/// An attached file, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// A file to attach.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub data: bytes::Bytes,
}

/// Where an entry belongs and who wrote it: fixed when it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub school: String,
    pub class_id: String,
    pub class_name: String,
    pub author_sub: String,
    pub author_name: String,
}

/// What an entry says: what its author may change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub day: Date,
    pub done: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub placement: Placement,
    pub content: Content,
    pub files: Vec<FileMeta>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An item with the entry it comes from (the "à faire" list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueItem {
    pub entry_id: String,
    pub class_id: String,
    pub class_name: String,
    pub given_on: Date,
    pub text: String,
    pub due: Date,
}

/// The outcome of an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Updated {
    Done,
    NoSuchEntry,
    /// The files kept and added would exceed [`MAX_FILES`]: nothing was changed.
    TooManyFiles,
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

const ENTRY_COLUMNS: &str =
    "id, school, class_id, class_name, day, done, author_sub, author_name, created_at, updated_at";

fn day(row: &AnyRow, column: &str) -> Result<Date, DbError> {
    let text: String = row.try_get(column)?;
    Date::parse(&text).ok_or_else(|| DbError::Corrupt(format!("{column} is not a day")))
}

fn entry_from_row(row: &AnyRow) -> Result<Entry, DbError> {
    Ok(Entry {
        id: row.try_get("id")?,
        placement: Placement {
            school: row.try_get("school")?,
            class_id: row.try_get("class_id")?,
            class_name: row.try_get("class_name")?,
            author_sub: row.try_get("author_sub")?,
            author_name: row.try_get("author_name")?,
        },
        content: Content { day: day(row, "day")?, done: row.try_get("done")?, items: Vec::new() },
        files: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn file_from_row(row: &AnyRow) -> Result<FileMeta, DbError> {
    Ok(FileMeta {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
    })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Writes a new entry with its items and files, all or nothing. Returns its id.
    pub async fn create(&self, placement: &Placement, content: &Content, files: &[NewFile]) -> Result<String, DbError> {
        if files.len() > MAX_FILES {
            return Err(DbError::Corrupt("too many files".into()));
        }
        let id = new_id();
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO entries (id, school, class_id, class_name, day, done, author_sub, author_name, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&placement.school)
        .bind(&placement.class_id)
        .bind(&placement.class_name)
        .bind(content.day.iso())
        .bind(&content.done)
        .bind(&placement.author_sub)
        .bind(&placement.author_name)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        insert_items(&mut tx, &id, &content.items).await?;
        insert_files(&mut tx, &id, files, at).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes what an entry says, removes the files named (only the entry's own) and adds new
    /// ones, all or nothing.
    pub async fn update(
        &self,
        id: &str,
        content: &Content,
        remove_files: &[String],
        add_files: &[NewFile],
    ) -> Result<Updated, DbError> {
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query("UPDATE entries SET day = $1, done = $2, updated_at = $3 WHERE id = $4")
            .bind(content.day.iso())
            .bind(&content.done)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Updated::NoSuchEntry);
        }
        sqlx::query("DELETE FROM items WHERE entry_id = $1").bind(id).execute(&mut *tx).await?;
        insert_items(&mut tx, id, &content.items).await?;
        for file in remove_files {
            sqlx::query("DELETE FROM files WHERE id = $1 AND entry_id = $2")
                .bind(file)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        insert_files(&mut tx, id, add_files, at).await?;
        // Counted inside the transaction, so that two edits at once cannot both add files.
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE entry_id = $1").bind(id).fetch_one(&mut *tx).await?;
        if count as usize > MAX_FILES {
            tx.rollback().await?;
            return Ok(Updated::TooManyFiles);
        }
        tx.commit().await?;
        Ok(Updated::Done)
    }

    /// Removes an entry, its items and its files. False when there was none.
    pub async fn delete(&self, id: &str) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        // Explicit deletes rather than relying on ON DELETE CASCADE alone: foreign keys are a
        // per-connection setting on SQLite.
        sqlx::query("DELETE FROM files WHERE entry_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM items WHERE entry_id = $1").bind(id).execute(&mut *tx).await?;
        let done = sqlx::query("DELETE FROM entries WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// One entry with its items and files.
    pub async fn get(&self, id: &str) -> Result<Option<Entry>, DbError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE id = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await? else {
            return Ok(None);
        };
        let mut entry = entry_from_row(&row)?;
        let items = sqlx::query("SELECT text, due FROM items WHERE entry_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&self.db.pool)
            .await?;
        entry.content.items = items
            .iter()
            .map(|r| Ok(Item { text: r.try_get("text")?, due: day(r, "due")? }))
            .collect::<Result<_, DbError>>()?;
        let files =
            sqlx::query("SELECT id, name, content_type, size FROM files WHERE entry_id = $1 ORDER BY created_at, name")
                .bind(id)
                .fetch_all(&self.db.pool)
                .await?;
        entry.files = files.iter().map(file_from_row).collect::<Result<_, _>>()?;
        Ok(Some(entry))
    }

    /// A class's entries written for days `from..=to`, by day then time of writing, with their
    /// items and files (three queries, whatever the number of entries).
    pub async fn class_entries(&self, class_id: &str, from: Date, to: Date) -> Result<Vec<Entry>, DbError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE class_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(class_id)
            .bind(from.iso())
            .bind(to.iso())
            .fetch_all(&self.db.pool)
            .await?;
        let mut entries = rows.iter().map(entry_from_row).collect::<Result<Vec<_>, _>>()?;
        if entries.is_empty() {
            return Ok(entries);
        }
        let mut items: HashMap<String, Vec<Item>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT i.entry_id, i.text, i.due FROM items i JOIN entries e ON e.id = i.entry_id \
             WHERE e.class_id = $1 AND e.day >= $2 AND e.day <= $3 ORDER BY i.entry_id, i.position",
        )
        .bind(class_id)
        .bind(from.iso())
        .bind(to.iso())
        .fetch_all(&self.db.pool)
        .await?;
        for r in &rows {
            let item = Item { text: r.try_get("text")?, due: day(r, "due")? };
            items.entry(r.try_get("entry_id")?).or_default().push(item);
        }
        let mut files: HashMap<String, Vec<FileMeta>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT f.entry_id, f.id, f.name, f.content_type, f.size FROM files f JOIN entries e ON e.id = f.entry_id \
             WHERE e.class_id = $1 AND e.day >= $2 AND e.day <= $3 ORDER BY f.created_at, f.name",
        )
        .bind(class_id)
        .bind(from.iso())
        .bind(to.iso())
        .fetch_all(&self.db.pool)
        .await?;
        for r in &rows {
            files.entry(r.try_get("entry_id")?).or_default().push(file_from_row(r)?);
        }
        for e in &mut entries {
            e.content.items = items.remove(&e.id).unwrap_or_default();
            e.files = files.remove(&e.id).unwrap_or_default();
        }
        Ok(entries)
    }

    /// What a class has due on days `from..=to`, by due day (at most `limit` lines).
    pub async fn class_due(&self, class_id: &str, from: Date, to: Date, limit: i64) -> Result<Vec<DueItem>, DbError> {
        let rows = sqlx::query(
            "SELECT e.id, e.class_id, e.class_name, e.day, i.text, i.due FROM items i JOIN entries e ON e.id = i.entry_id \
             WHERE e.class_id = $1 AND i.due >= $2 AND i.due <= $3 ORDER BY i.due, e.day, e.created_at, i.position LIMIT $4",
        )
        .bind(class_id)
        .bind(from.iso())
        .bind(to.iso())
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueItem {
                    entry_id: r.try_get("id")?,
                    class_id: r.try_get("class_id")?,
                    class_name: r.try_get("class_name")?,
                    given_on: day(r, "day")?,
                    text: r.try_get("text")?,
                    due: day(r, "due")?,
                })
            })
            .collect()
    }

    /// How many entries each class of a school has for days `from..=to`.
    pub async fn school_counts(&self, school: &str, from: Date, to: Date) -> Result<HashMap<String, i64>, DbError> {
        let rows = sqlx::query(
            "SELECT class_id, COUNT(*) AS n FROM entries WHERE school = $1 AND day >= $2 AND day <= $3 GROUP BY class_id",
        )
        .bind(school)
        .bind(from.iso())
        .bind(to.iso())
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("class_id")?, r.try_get("n")?))).collect()
    }

    /// The classes of a school that have entries written since `since` (epoch seconds), with
    /// the name they were last written under, by name.
    pub async fn school_classes(&self, school: &str, since: i64) -> Result<Vec<ClassInfo>, DbError> {
        let rows = sqlx::query(
            "SELECT class_id, class_name, MAX(created_at) AS latest FROM entries WHERE school = $1 AND created_at >= $2 \
             GROUP BY class_id, class_name ORDER BY class_id, latest DESC",
        )
        .bind(school)
        .bind(since)
        .fetch_all(&self.db.pool)
        .await?;
        let mut out: Vec<ClassInfo> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("class_id")?;
            // Rows come newest name first within a class: keep that one.
            if out.last().is_some_and(|c| c.id == id) {
                continue;
            }
            out.push(ClassInfo { id, name: r.try_get("class_name")?, school: school.to_string() });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The school and latest name of a class, from its entries.
    pub async fn class(&self, class_id: &str) -> Result<Option<ClassInfo>, DbError> {
        let row = sqlx::query(
            "SELECT class_id, class_name, school FROM entries WHERE class_id = $1 ORDER BY created_at DESC, id LIMIT 1",
        )
        .bind(class_id)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            Ok(ClassInfo { id: r.try_get("class_id")?, name: r.try_get("class_name")?, school: r.try_get("school")? })
        })
        .transpose()
    }

    /// A file's description and the entry it belongs to (for the entitlement check before the
    /// bytes are read).
    pub async fn file_meta(&self, id: &str) -> Result<Option<(FileMeta, String)>, DbError> {
        let row = sqlx::query("SELECT id, name, content_type, size, entry_id FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| Ok((file_from_row(&r)?, r.try_get("entry_id")?))).transpose()
    }

    /// A file's bytes.
    pub async fn file_data(&self, id: &str) -> Result<Option<Vec<u8>>, DbError> {
        let row = sqlx::query("SELECT data FROM files WHERE id = $1").bind(id).fetch_optional(&self.db.pool).await?;
        row.map(|r| r.try_get::<Vec<u8>, _>("data").map_err(DbError::from)).transpose()
    }
}

async fn insert_items(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry_id: &str,
    items: &[Item],
) -> Result<(), DbError> {
    for (position, item) in items.iter().enumerate() {
        sqlx::query("INSERT INTO items (entry_id, position, text, due) VALUES ($1, $2, $3, $4)")
            .bind(entry_id)
            .bind(position as i64)
            .bind(&item.text)
            .bind(item.due.iso())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_files(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry_id: &str,
    files: &[NewFile],
    at: i64,
) -> Result<(), DbError> {
    for f in files {
        if f.data.len() > MAX_FILE_BYTES {
            return Err(DbError::Corrupt("file too large".into()));
        }
        sqlx::query(
            "INSERT INTO files (id, entry_id, name, content_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(entry_id)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(f.data.len() as i64)
        .bind(f.data.to_vec())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
