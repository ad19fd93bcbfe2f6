-- The homework diary (cahier de textes). About people it keeps only the author of each entry
-- (public sub and display name); nothing about pupils. Days are ISO 8601 'YYYY-MM-DD' text
-- (calendar days, not instants: they sort and compare as text); instants are epoch seconds.

-- One entry: what a class did on a school day, written by one of its teachers or the director.
-- The school, class id and class name are copied from the author's token (or the portlet's own
-- earlier entries) when written: a director's list of classes comes from here.
CREATE TABLE entries (
    id          TEXT PRIMARY KEY,                      -- random (UUID v4), never reused
    school      TEXT NOT NULL,                         -- the school's UAI
    class_id    TEXT NOT NULL,                         -- the class's directory id
    class_name  TEXT NOT NULL,                         -- its name when the entry was written
    day         TEXT NOT NULL CHECK (length(day) = 10),
    done        TEXT NOT NULL,                         -- what was done in class ('' when only homework)
    author_sub  TEXT NOT NULL,                         -- who wrote it (edits are theirs or the director's)
    author_name TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX entries_class_day ON entries (class_id, day);
CREATE INDEX entries_school_day ON entries (school, day);

-- What is due: the lines of an entry, each for a due day, in the order written.
CREATE TABLE items (
    entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text     TEXT NOT NULL,
    due      TEXT NOT NULL CHECK (length(due) = 10),
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX items_due ON items (due);

-- Files attached to an entry (worksheets, pictures), kept in the database so that a backup of
-- it is a backup of everything. The size limit is the application's, repeated here.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,                     -- random (UUID v4): the download link
    entry_id     TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,                        -- the sanitised file name
    content_type TEXT NOT NULL,                        -- as uploaded; served only if allow-listed
    size         BIGINT NOT NULL CHECK (size >= 0 AND size <= 5242880),
    data         BLOB NOT NULL CHECK (length(data) = size),
    created_at   BIGINT NOT NULL
);
CREATE INDEX files_entry ON files (entry_id);
