-- The liaison notebook (carnet de liaison). Only subs and display names of people are kept,
-- copied when something is posted so that a later change of the directory does not rewrite
-- what was said, to whom, and who was expected to sign.

-- A note: written by a teacher or the director to a class or to chosen families (kind 'class'),
-- or by a parent to the teachers of one child's class (kind 'parent').
CREATE TABLE notes (
    id               TEXT PRIMARY KEY,            -- random, 32 hex digits
    kind             TEXT NOT NULL,               -- 'class' or 'parent'
    school           TEXT NOT NULL,               -- the school's UAI: the director's scope
    class_id         TEXT NOT NULL,               -- the class whose teachers read and answer it
    class_name       TEXT NOT NULL,
    author_sub       TEXT NOT NULL,
    author_name      TEXT NOT NULL,
    whole_class      INTEGER NOT NULL,            -- 1: to the whole class (as it was when posted)
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    needs_signature  INTEGER NOT NULL,            -- 1: the parents with authority are asked to sign
    created_at       BIGINT NOT NULL,
    last_reminder_at BIGINT                       -- the last reminder to sign (at most one an hour)
);
CREATE INDEX notes_class ON notes(class_id, created_at);
CREATE INDEX notes_school ON notes(school, created_at);

-- The pupils a note concerns, fixed when it is posted (a parent note concerns exactly one).
CREATE TABLE note_pupils (
    note_id    TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    pupil_sub  TEXT NOT NULL,
    pupil_name TEXT NOT NULL,
    PRIMARY KEY (note_id, pupil_sub)
);
CREATE INDEX note_pupils_pupil ON note_pupils(pupil_sub);

-- Who is expected to sign, for which pupil: the parents holding parental authority according to
-- the directory when the note was posted. A pupil with none has no row here.
CREATE TABLE expected_signers (
    note_id     TEXT NOT NULL,
    pupil_sub   TEXT NOT NULL,
    parent_sub  TEXT NOT NULL,
    parent_name TEXT NOT NULL,
    PRIMARY KEY (note_id, pupil_sub, parent_sub),
    FOREIGN KEY (note_id, pupil_sub) REFERENCES note_pupils(note_id, pupil_sub) ON DELETE CASCADE
);
CREATE INDEX expected_signers_parent ON expected_signers(parent_sub);

-- Signatures: at most one per expected signer (the primary key), each for an expected signer
-- only (the foreign key, and the signing statement selects from expected_signers).
CREATE TABLE signatures (
    note_id     TEXT NOT NULL,
    pupil_sub   TEXT NOT NULL,
    parent_sub  TEXT NOT NULL,
    signer_name TEXT NOT NULL,                    -- the name the signer's token carried
    signed_at   BIGINT NOT NULL,
    PRIMARY KEY (note_id, pupil_sub, parent_sub),
    FOREIGN KEY (note_id, pupil_sub, parent_sub)
        REFERENCES expected_signers(note_id, pupil_sub, parent_sub) ON DELETE CASCADE
);

-- Reminders to sign, with who sent them.
CREATE TABLE reminders (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id  TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    by_sub   TEXT NOT NULL,
    sent_at  BIGINT NOT NULL
);
CREATE INDEX reminders_note ON reminders(note_id);

-- The threads: one per (note, pupil), between that pupil's parents and the class's teachers.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id     TEXT NOT NULL,
    pupil_sub   TEXT NOT NULL,                    -- the thread's pupil: only their family reads it
    author_sub  TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_role TEXT NOT NULL,                    -- 'parent' or 'teacher'
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    FOREIGN KEY (note_id, pupil_sub) REFERENCES note_pupils(note_id, pupil_sub) ON DELETE CASCADE
);
CREATE INDEX messages_thread ON messages(note_id, pupil_sub, created_at);
CREATE INDEX messages_pupil ON messages(pupil_sub, created_at);

-- What each reader last saw of a thread (or of a parent's note), for the summary's "new" counts.
-- By message id, not by time: a reply in the same second as a read is still new.
CREATE TABLE thread_reads (
    note_id         TEXT NOT NULL,
    pupil_sub       TEXT NOT NULL,
    reader_sub      TEXT NOT NULL,
    read_at         BIGINT NOT NULL,
    last_message_id BIGINT NOT NULL,              -- the newest message shown to the reader (0: none)
    PRIMARY KEY (note_id, pupil_sub, reader_sub),
    FOREIGN KEY (note_id, pupil_sub) REFERENCES note_pupils(note_id, pupil_sub) ON DELETE CASCADE
);
