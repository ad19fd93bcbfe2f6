//! The notebook's storage: notes, the pupils they concern, who must sign and who did, reminders,
//! the threads, and read marks. Portable SQL over sqlx `Any` (`$N` placeholders, BIGINT epoch
//! seconds, INTEGER booleans, TEXT ids). Every post is one transaction; signing and reminding
//! are single conditional statements, so two clicks (or two instances) never do it twice.

use std::collections::HashMap;

use ent_portlet_kit::{ClassInfo, Db, DbError, KnownClasses};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The least time between two reminders of one note.
pub const REMINDER_INTERVAL_SECS: i64 = 3600;

/// Who wrote a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A teacher or the director, to a class or to chosen families.
    Class,
    /// A parent, to the teachers of one child's class.
    Parent,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Class => "class",
            Kind::Parent => "parent",
        }
    }

    fn parse(s: &str) -> Result<Kind, DbError> {
        match s {
            "class" => Ok(Kind::Class),
            "parent" => Ok(Kind::Parent),
            other => Err(DbError::Corrupt(format!("note kind {other:?}"))),
        }
    }
}

/// A stored note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub kind: Kind,
    pub school: String,
    pub class_id: String,
    pub class_name: String,
    pub author_sub: String,
    pub author_name: String,
    pub whole_class: bool,
    pub title: String,
    pub body: String,
    pub needs_signature: bool,
    pub created_at: i64,
    pub last_reminder_at: Option<i64>,
}

/// A pupil a note concerns, with the parents expected to sign for them (empty when no
/// signature is asked, or when the pupil has no parent with authority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concerned {
    pub sub: String,
    pub name: String,
    pub signers: Vec<Person>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub sub: String,
    pub name: String,
}

/// What a new note says and whom it concerns.
#[derive(Clone, Debug)]
pub struct NewNote {
    pub kind: Kind,
    pub school: String,
    pub class_id: String,
    pub class_name: String,
    pub author: Person,
    pub whole_class: bool,
    pub title: String,
    pub body: String,
    pub needs_signature: bool,
    pub pupils: Vec<Concerned>,
}

/// One expected signer of a note and their signature, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub pupil_sub: String,
    pub parent_sub: String,
    pub parent_name: String,
    pub signed_at: Option<i64>,
    pub signer_name: Option<String>,
}

/// One message of a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub author_sub: String,
    pub author_name: String,
    /// `parent` or `teacher`.
    pub author_role: String,
    pub body: String,
    pub created_at: i64,
}

/// Signatures of a note: expected and given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub expected: i64,
    pub signed: i64,
}

/// Which notes a list shows.
#[derive(Clone, Debug)]
pub enum Scope<'a> {
    /// Every note of these classes (their teachers).
    Classes(&'a [&'a str]),
    /// Every note of this school, or of one of its classes (its director).
    School { school: &'a str, class: Option<&'a str> },
    /// The notes concerning this pupil; parent notes only when `with_parent_notes` (a pupil
    /// never sees what their parents wrote to the teachers).
    Pupil { sub: &'a str, with_parent_notes: bool },
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

const NOTE_COLUMNS: &str = "n.id, n.kind, n.school, n.class_id, n.class_name, n.author_sub, n.author_name, \
     n.whole_class, n.title, n.body, n.needs_signature, n.created_at, n.last_reminder_at";

fn note_from_row(r: &AnyRow) -> Result<Note, DbError> {
    Ok(Note {
        id: r.try_get("id")?,
        kind: Kind::parse(&r.try_get::<String, _>("kind")?)?,
        school: r.try_get("school")?,
        class_id: r.try_get("class_id")?,
        class_name: r.try_get("class_name")?,
        author_sub: r.try_get("author_sub")?,
        author_name: r.try_get("author_name")?,
        whole_class: r.try_get::<i64, _>("whole_class")? != 0,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        needs_signature: r.try_get::<i64, _>("needs_signature")? != 0,
        created_at: r.try_get("created_at")?,
        last_reminder_at: r.try_get("last_reminder_at")?,
    })
}

/// `$first, $first+1, …` for an `IN (…)` of `n` values bound in order.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A new random note id (32 hex digits).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether a string can be a note id (anything else is not looked up at all).
pub fn is_note_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Posts a note with its pupils and expected signers, in one transaction; returns its id.
    /// Expected signers are recorded only when a signature is asked.
    pub async fn create_note(&self, n: &NewNote, at: i64) -> Result<String, DbError> {
        let id = new_id();
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO notes (id, kind, school, class_id, class_name, author_sub, author_name, whole_class, \
             title, body, needs_signature, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(n.kind.as_str())
        .bind(&n.school)
        .bind(&n.class_id)
        .bind(&n.class_name)
        .bind(&n.author.sub)
        .bind(&n.author.name)
        .bind(i64::from(n.whole_class))
        .bind(&n.title)
        .bind(&n.body)
        .bind(i64::from(n.needs_signature))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for p in &n.pupils {
            sqlx::query("INSERT INTO note_pupils (note_id, pupil_sub, pupil_name) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(&p.sub)
                .bind(&p.name)
                .execute(&mut *tx)
                .await?;
            if n.kind == Kind::Parent {
                // The author has read their own note: it is new for the teachers only.
                mark_read(&mut tx, &id, &p.sub, &n.author.sub, at, 0).await?;
            }
            if !n.needs_signature {
                continue;
            }
            for s in &p.signers {
                sqlx::query(
                    "INSERT INTO expected_signers (note_id, pupil_sub, parent_sub, parent_name) VALUES ($1, $2, $3, $4)",
                )
                .bind(&id)
                .bind(&p.sub)
                .bind(&s.sub)
                .bind(&s.name)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn note(&self, id: &str) -> Result<Option<Note>, DbError> {
        let sql = format!("SELECT {NOTE_COLUMNS} FROM notes n WHERE n.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(note_from_row).transpose()
    }

    /// The pupils a note concerns, by name.
    pub async fn pupils(&self, note_id: &str) -> Result<Vec<Person>, DbError> {
        let rows = sqlx::query(
            "SELECT pupil_sub, pupil_name FROM note_pupils WHERE note_id = $1 ORDER BY pupil_name, pupil_sub",
        )
        .bind(note_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| Ok(Person { sub: r.try_get(0)?, name: r.try_get(1)? })).collect()
    }

    /// The name a pupil had on the latest note that concerns them.
    pub async fn pupil_name(&self, pupil_sub: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT p.pupil_name FROM note_pupils p JOIN notes n ON n.id = p.note_id \
             WHERE p.pupil_sub = $1 ORDER BY n.created_at DESC LIMIT 1",
        )
        .bind(pupil_sub)
        .fetch_optional(&self.db.pool)
        .await?)
    }

    /// Whether a note concerns this pupil.
    pub async fn concerns(&self, note_id: &str, pupil_sub: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM note_pupils WHERE note_id = $1 AND pupil_sub = $2")
            .bind(note_id)
            .bind(pupil_sub)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(n > 0)
    }

    /// The expected signers of a note and their signatures.
    pub async fn expected(&self, note_id: &str) -> Result<Vec<Expected>, DbError> {
        let rows = sqlx::query(
            "SELECT e.pupil_sub, e.parent_sub, e.parent_name, s.signed_at, s.signer_name \
             FROM expected_signers e LEFT JOIN signatures s \
               ON s.note_id = e.note_id AND s.pupil_sub = e.pupil_sub AND s.parent_sub = e.parent_sub \
             WHERE e.note_id = $1 ORDER BY e.parent_name, e.parent_sub",
        )
        .bind(note_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Expected {
                    pupil_sub: r.try_get(0)?,
                    parent_sub: r.try_get(1)?,
                    parent_name: r.try_get(2)?,
                    signed_at: r.try_get(3)?,
                    signer_name: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Signs a note for a pupil, if this parent was expected to: one conditional statement, so
    /// that two clicks (or two instances) never make two signatures. Returns whether a signature
    /// was added now (`false`: already signed, or not an expected signer).
    pub async fn sign(
        &self,
        note_id: &str,
        pupil_sub: &str,
        parent_sub: &str,
        signer_name: &str,
        at: i64,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "INSERT INTO signatures (note_id, pupil_sub, parent_sub, signer_name, signed_at) \
             SELECT e.note_id, e.pupil_sub, e.parent_sub, $4, $5 FROM expected_signers e \
             WHERE e.note_id = $1 AND e.pupil_sub = $2 AND e.parent_sub = $3 \
             ON CONFLICT (note_id, pupil_sub, parent_sub) DO NOTHING",
        )
        .bind(note_id)
        .bind(pupil_sub)
        .bind(parent_sub)
        .bind(signer_name)
        .bind(at)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a reminder to sign, unless one was sent less than an hour ago: the conditional
    /// update decides, the reminder's row follows in the same transaction.
    pub async fn remind(&self, note_id: &str, by_sub: &str, at: i64) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let claimed = sqlx::query(
            "UPDATE notes SET last_reminder_at = $1 WHERE id = $2 AND needs_signature = 1 \
             AND (last_reminder_at IS NULL OR last_reminder_at <= $3)",
        )
        .bind(at)
        .bind(note_id)
        .bind(at - REMINDER_INTERVAL_SECS)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO reminders (note_id, by_sub, sent_at) VALUES ($1, $2, $3)")
            .bind(note_id)
            .bind(by_sub)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many reminders a note has had.
    pub async fn reminders(&self, note_id: &str) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM reminders WHERE note_id = $1")
            .bind(note_id)
            .fetch_one(&self.db.pool)
            .await?)
    }

    /// Adds a message to the thread (note, pupil); the author has read the thread so far.
    pub async fn add_message(
        &self,
        note_id: &str,
        pupil_sub: &str,
        author: &Person,
        author_role: &str,
        body: &str,
        at: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (note_id, pupil_sub, author_sub, author_name, author_role, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(note_id)
        .bind(pupil_sub)
        .bind(&author.sub)
        .bind(&author.name)
        .bind(author_role)
        .bind(body)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        mark_read(&mut tx, note_id, pupil_sub, &author.sub, at, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The thread of (note, pupil), oldest first.
    pub async fn thread(&self, note_id: &str, pupil_sub: &str) -> Result<Vec<Message>, DbError> {
        let rows = sqlx::query(
            "SELECT id, author_sub, author_name, author_role, body, created_at FROM messages \
             WHERE note_id = $1 AND pupil_sub = $2 ORDER BY created_at, id",
        )
        .bind(note_id)
        .bind(pupil_sub)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Message {
                    id: r.try_get(0)?,
                    author_sub: r.try_get(1)?,
                    author_name: r.try_get(2)?,
                    author_role: r.try_get(3)?,
                    body: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// How many messages each thread of a note has, by pupil.
    pub async fn thread_sizes(&self, note_id: &str) -> Result<HashMap<String, i64>, DbError> {
        let rows = sqlx::query("SELECT pupil_sub, COUNT(*) FROM messages WHERE note_id = $1 GROUP BY pupil_sub")
            .bind(note_id)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Notes that this reader was shown the thread (note, pupil) up to that message (0: none).
    pub async fn mark_read(
        &self,
        note_id: &str,
        pupil_sub: &str,
        reader_sub: &str,
        at: i64,
        last_message_id: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.writer.begin().await?;
        mark_read(&mut tx, note_id, pupil_sub, reader_sub, at, last_message_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest notes of a scope, newest first.
    pub async fn list(&self, scope: &Scope<'_>, limit: i64) -> Result<Vec<Note>, DbError> {
        let (filter, binds): (String, Vec<&str>) = match scope {
            Scope::Classes([]) => return Ok(Vec::new()),
            Scope::Classes(classes) => {
                (format!("n.class_id IN ({})", placeholders(2, classes.len())), classes.to_vec())
            }
            Scope::School { school, class: None } => ("n.school = $2".into(), vec![school]),
            Scope::School { school, class: Some(class) } => {
                ("n.school = $2 AND n.class_id = $3".into(), vec![school, class])
            }
            Scope::Pupil { sub, with_parent_notes } => {
                let kinds = if *with_parent_notes { "" } else { " AND n.kind = 'class'" };
                (
                    format!("EXISTS (SELECT 1 FROM note_pupils p WHERE p.note_id = n.id AND p.pupil_sub = $2){kinds}"),
                    vec![sub],
                )
            }
        };
        let sql =
            format!("SELECT {NOTE_COLUMNS} FROM notes n WHERE {filter} ORDER BY n.created_at DESC, n.id LIMIT $1");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter().map(note_from_row).collect()
    }

    /// The classes of a school that have notes, by name (a director's tabs).
    pub async fn school_classes(&self, school: &str) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT class_id, MAX(class_name) FROM notes WHERE school = $1 GROUP BY class_id ORDER BY MAX(class_name)",
        )
        .bind(school)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// The school and latest name of a class, from its notes.
    pub async fn class(&self, class_id: &str) -> Result<Option<ClassInfo>, DbError> {
        let row = sqlx::query(
            "SELECT class_id, class_name, school FROM notes WHERE class_id = $1 ORDER BY created_at DESC, id LIMIT 1",
        )
        .bind(class_id)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| Ok(ClassInfo { id: r.try_get(0)?, name: r.try_get(1)?, school: r.try_get(2)? })).transpose()
    }

    /// Expected and given signatures of each of these notes.
    pub async fn counts(&self, note_ids: &[&str]) -> Result<HashMap<String, Counts>, DbError> {
        if note_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT e.note_id, COUNT(*), COUNT(s.signed_at) FROM expected_signers e LEFT JOIN signatures s \
               ON s.note_id = e.note_id AND s.pupil_sub = e.pupil_sub AND s.parent_sub = e.parent_sub \
             WHERE e.note_id IN ({}) GROUP BY e.note_id",
            placeholders(1, note_ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in note_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, Counts { expected: r.try_get(1)?, signed: r.try_get(2)? }))).collect()
    }

    /// What this parent still has to sign for this child (notes that ask for a signature and
    /// name the parent as a signer), newest first.
    pub async fn to_sign(&self, parent_sub: &str, pupil_sub: &str) -> Result<Vec<Note>, DbError> {
        let sql = format!(
            "SELECT {NOTE_COLUMNS} FROM notes n JOIN expected_signers e ON e.note_id = n.id \
             LEFT JOIN signatures s \
               ON s.note_id = e.note_id AND s.pupil_sub = e.pupil_sub AND s.parent_sub = e.parent_sub \
             WHERE e.parent_sub = $1 AND e.pupil_sub = $2 AND s.signed_at IS NULL \
             ORDER BY n.created_at DESC, n.id LIMIT 20"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(parent_sub).bind(pupil_sub).fetch_all(&self.db.pool).await?;
        rows.iter().map(note_from_row).collect()
    }

    /// Messages by others, not yet read by this reader, in the threads of these pupils.
    pub async fn unread_for_pupils(&self, reader_sub: &str, pupils: &[&str]) -> Result<i64, DbError> {
        if pupils.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM messages m LEFT JOIN thread_reads r \
               ON r.note_id = m.note_id AND r.pupil_sub = m.pupil_sub AND r.reader_sub = $1 \
             WHERE m.author_sub <> $1 AND m.id > COALESCE(r.last_message_id, 0) \
               AND m.pupil_sub IN ({})",
            placeholders(2, pupils.len())
        );
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(reader_sub);
        for p in pupils {
            q = q.bind(*p);
        }
        Ok(q.fetch_one(&self.db.pool).await?)
    }

    /// Messages by others, not yet read by this reader, in the threads of these classes' notes.
    pub async fn unread_for_classes(&self, reader_sub: &str, classes: &[&str]) -> Result<i64, DbError> {
        if classes.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM messages m JOIN notes n ON n.id = m.note_id LEFT JOIN thread_reads r \
               ON r.note_id = m.note_id AND r.pupil_sub = m.pupil_sub AND r.reader_sub = $1 \
             WHERE m.author_sub <> $1 AND m.id > COALESCE(r.last_message_id, 0) \
               AND n.class_id IN ({})",
            placeholders(2, classes.len())
        );
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(reader_sub);
        for c in classes {
            q = q.bind(*c);
        }
        Ok(q.fetch_one(&self.db.pool).await?)
    }

    /// Parent notes to these classes that this reader has not opened yet, newest first.
    pub async fn unread_parent_notes(&self, reader_sub: &str, classes: &[&str]) -> Result<Vec<Note>, DbError> {
        if classes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {NOTE_COLUMNS} FROM notes n JOIN note_pupils p ON p.note_id = n.id LEFT JOIN thread_reads r \
               ON r.note_id = n.id AND r.pupil_sub = p.pupil_sub AND r.reader_sub = $1 \
             WHERE n.kind = 'parent' AND r.read_at IS NULL AND n.class_id IN ({}) \
             ORDER BY n.created_at DESC, n.id LIMIT 20",
            placeholders(2, classes.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reader_sub);
        for c in classes {
            q = q.bind(*c);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter().map(note_from_row).collect()
    }

    /// A school's figures for its director: notes, notes awaiting signatures, parent notes.
    pub async fn school_counts(&self, school: &str) -> Result<SchoolCounts, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*), \
               COALESCE(SUM(CASE WHEN n.kind = 'parent' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM expected_signers e LEFT JOIN signatures s \
                   ON s.note_id = e.note_id AND s.pupil_sub = e.pupil_sub AND s.parent_sub = e.parent_sub \
                   WHERE e.note_id = n.id AND s.signed_at IS NULL) THEN 1 ELSE 0 END), 0) \
             FROM notes n WHERE n.school = $1",
        )
        .bind(school)
        .fetch_one(&self.db.pool)
        .await?;
        Ok(SchoolCounts { notes: row.try_get(0)?, parent_notes: row.try_get(1)?, awaiting: row.try_get(2)? })
    }
}

/// A director's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchoolCounts {
    pub notes: i64,
    pub parent_notes: i64,
    pub awaiting: i64,
}

async fn mark_read(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    note_id: &str,
    pupil_sub: &str,
    reader_sub: &str,
    at: i64,
    last_message_id: i64,
) -> Result<(), DbError> {
    // Never backwards: a page rendered before a newer one may be marked after it.
    sqlx::query(
        "INSERT INTO thread_reads (note_id, pupil_sub, reader_sub, read_at, last_message_id) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (note_id, pupil_sub, reader_sub) DO UPDATE SET read_at = excluded.read_at, \
           last_message_id = CASE WHEN excluded.last_message_id > thread_reads.last_message_id \
             THEN excluded.last_message_id ELSE thread_reads.last_message_id END",
    )
    .bind(note_id)
    .bind(pupil_sub)
    .bind(reader_sub)
    .bind(at)
    .bind(last_message_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The classes the notebook holds notes for: a director keeps reaching them when the directory
/// does not answer or no longer lists one.
impl KnownClasses for Store {
    async fn known_class(&self, id: &str) -> Result<Option<ClassInfo>, DbError> {
        self.class(id).await
    }

    async fn known_school_classes(&self, school: &str) -> Result<Vec<ClassInfo>, DbError> {
        let classes = self.school_classes(school).await?;
        Ok(classes.into_iter().map(|(id, name)| ClassInfo { id, name, school: school.to_string() }).collect())
    }
}
