-- The agenda. About people it keeps: the author of each event (public sub, and a display name
-- for class and school events only: a personal event may be a pupil's), and for each person who
-- subscribed to their feed the SHA-256 of their token and the classes and schools they could read
-- when they last opened the agenda. Days are ISO 8601 'YYYY-MM-DD' text (they sort as text);
-- instants are epoch seconds.

-- One event of a class, a school or a person. When it happens is either whole days
-- (first_day..=last_day) or two instants; a recurring event keeps its rule and its exceptions,
-- never copies. span_start/span_end bound every occurrence, so that the events of a window are
-- found by an index; span_end is NULL for a rule without end.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,                      -- random (UUID v4): the feed's UID
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('class', 'school', 'personal')),
    scope_id    TEXT NOT NULL,                         -- class id, school UAI or owner's sub
    title       TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    all_day     INTEGER NOT NULL CHECK (all_day IN (0, 1)),
    first_day   TEXT CHECK (length(first_day) = 10),   -- all-day events
    last_day    TEXT CHECK (length(last_day) = 10),
    starts_at   BIGINT,                                -- timed events
    ends_at     BIGINT,
    rule        TEXT NOT NULL DEFAULT '',              -- RRULE value, UNTIL a Paris day; '' for once
    exceptions  TEXT NOT NULL DEFAULT '',              -- removed occurrences: Paris days, comma-separated
    span_start  BIGINT NOT NULL,
    span_end    BIGINT,
    author_sub  TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    import_uid  TEXT,                                  -- the UID in the .ics it came from
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK ((all_day = 1 AND first_day IS NOT NULL AND last_day IS NOT NULL AND starts_at IS NULL AND ends_at IS NULL)
        OR (all_day = 0 AND first_day IS NULL AND last_day IS NULL AND starts_at IS NOT NULL AND ends_at IS NOT NULL))
);
CREATE INDEX events_scope_span ON events (scope_kind, scope_id, span_start);
-- Importing a file again updates its events (NULLs, the events written here, never collide).
CREATE UNIQUE INDEX events_import_uid ON events (scope_kind, scope_id, import_uid);

-- School holidays, as each school imported them (the ministry's calendar of its zone).
CREATE TABLE holidays (
    school    TEXT NOT NULL,                           -- UAI
    zone      TEXT NOT NULL,                           -- as the file names it ('Zone A')
    first_day TEXT NOT NULL CHECK (length(first_day) = 10),
    last_day  TEXT NOT NULL CHECK (length(last_day) = 10),
    name      TEXT NOT NULL,
    PRIMARY KEY (school, first_day, last_day, name)
);

-- One private feed address per person: only the token's SHA-256 is kept (the address is shown
-- once, when made). The feed is read without a login, so what its owner may see is kept beside
-- it: the classes and schools they could read when the token was made or they last opened the
-- agenda (their own events are found by owner_sub).
CREATE TABLE feed_tokens (
    owner_sub  TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    scopes_at  BIGINT NOT NULL                         -- when feed_scopes was last taken
);

CREATE TABLE feed_scopes (
    owner_sub  TEXT NOT NULL REFERENCES feed_tokens (owner_sub) ON DELETE CASCADE,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('class', 'school')),
    scope_id   TEXT NOT NULL,
    PRIMARY KEY (owner_sub, scope_kind, scope_id)
);
