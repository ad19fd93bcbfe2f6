-- Mini-sites: small web sites a class (or a group of its pupils) writes. Only subs and display
-- names of people are kept, copied when they act, so that the history says who wrote what.

-- A site belongs to one class of one school. Its visibility is what its teachers chose; 'public'
-- counts only once the school's director approved it (public_approved_at), and until then the
-- site is seen as a school's site. access_version grows whenever who may see the site changes:
-- the signed links minted before stop opening it.
CREATE TABLE sites (
    id                 TEXT PRIMARY KEY,             -- random, 32 hex digits
    school             TEXT NOT NULL,                -- the school's UAI
    class_id           TEXT NOT NULL,
    class_name         TEXT NOT NULL,
    title              TEXT NOT NULL,
    visibility         TEXT NOT NULL CHECK (visibility IN ('class','school','public')),
    public_approved_by TEXT,                         -- the director's name
    public_approved_at BIGINT,
    members            TEXT NOT NULL,                -- JSON array of the pupils' subs who write it; [] = the whole class
    access_version     BIGINT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE INDEX sites_school ON sites(school, class_id);

-- A page of a site; position orders the menu.
CREATE TABLE pages (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pages_site ON pages(site_id, position);

-- Every version of a page, never rewritten but for its state: 'pending' (a pupil's, waiting for
-- a teacher), 'published' (approved, or written by a teacher), 'rejected'. The page shows its
-- most recently published version; the earlier ones are its history.
CREATE TABLE versions (
    id            TEXT PRIMARY KEY,
    page_id       TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    number        BIGINT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,                     -- Markdown, as written
    author_sub    TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending','published','rejected')),
    restored_from BIGINT,                            -- the version number it copies, when restored
    created_at    BIGINT NOT NULL,
    decided_by    TEXT,                              -- the teacher's or director's name
    decided_at    BIGINT,
    published_at  BIGINT,
    UNIQUE (page_id, number)
);
CREATE INDEX versions_page ON versions(page_id, state, published_at);

-- Pictures of a site, re-encoded when they were sent (no metadata survives).
CREATE TABLE pictures (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL CHECK (octet_length(data) = size),
    uploaded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX pictures_site ON pictures(site_id, created_at);
