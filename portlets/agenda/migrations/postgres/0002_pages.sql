-- What the pages add. The classes the agenda holds events for, as their writers' tokens name
-- them: a parent's tab is named from it, and a director keeps reaching a class the directory no
-- longer lists. The public feed's counts per address and per token (ent-storage's throttle:
-- keyed digests, never an address or a token). The agenda's own settings (the key of those
-- digests, made at first use).
CREATE TABLE classes (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    school  TEXT NOT NULL,                               -- UAI
    seen_at BIGINT NOT NULL                              -- when an event was last written for it
);
CREATE INDEX classes_school ON classes (school, seen_at);

CREATE TABLE throttle (
    key          TEXT PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    window_start BIGINT NOT NULL
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
