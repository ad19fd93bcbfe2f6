-- Directory synchronisation: where each school, class and person comes from, the cursor of the
-- incremental sync, and the staging area a run fills before it changes anything.

-- `source` names the directory (a sync source); NULL for entries made by hand or by the demo.
-- `ldap_uuid` is the directory's entryUUID (deletes and present lists name entries by it);
-- `ldap_dn` is the last DN seen, lower-cased (links between entries are DNs; LDAP-bind login).
ALTER TABLE schools ADD COLUMN source TEXT;
ALTER TABLE schools ADD COLUMN ldap_uuid TEXT;
ALTER TABLE schools ADD COLUMN ldap_dn TEXT;
ALTER TABLE classes ADD COLUMN source TEXT;
ALTER TABLE classes ADD COLUMN ldap_uuid TEXT;
ALTER TABLE classes ADD COLUMN ldap_dn TEXT;
ALTER TABLE people ADD COLUMN source TEXT;
ALTER TABLE people ADD COLUMN ldap_uuid TEXT;
ALTER TABLE people ADD COLUMN ldap_dn TEXT;
-- The entry carries a password: the person logs in by an LDAP bind with it.
ALTER TABLE people ADD COLUMN ldap_bind INTEGER NOT NULL DEFAULT 0;
-- Set when the person left the directory (the account is disabled at once, purged later).
ALTER TABLE people ADD COLUMN deactivated_at BIGINT;

CREATE INDEX schools_ldap ON schools(source, ldap_uuid);
CREATE INDEX schools_dn ON schools(ldap_dn);
CREATE INDEX classes_ldap ON classes(source, ldap_uuid);
CREATE INDEX classes_dn ON classes(ldap_dn);
CREATE INDEX people_ldap ON people(source, ldap_uuid);
CREATE INDEX people_dn ON people(ldap_dn);

-- One row per source: the RFC 4533 cookie, committed with the changes it covers.
CREATE TABLE sync_state (
    source       TEXT PRIMARY KEY,
    cookie       TEXT,
    last_full_at BIGINT,
    last_run_at  BIGINT
);

-- What a run read, before it is applied. Rows live only between the start of a run and its end
-- (or the next run, which clears what a dead run left). `key` is the stable key (entryUUID or the
-- configured joint id), `kind` is 'school', 'class' or 'person'.
CREATE TABLE sync_entries (
    run_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    ldap_uuid   TEXT,
    ldap_dn     TEXT NOT NULL,
    new_id      TEXT NOT NULL,               -- id (and public sub) if the entry is new
    new_sub     TEXT NOT NULL,
    name        TEXT NOT NULL,               -- school or class name, or family name
    given_name  TEXT,
    login       TEXT,
    profile     TEXT,
    email       TEXT,
    code        TEXT,                        -- school UAI, class level
    ldap_bind   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, kind, key)
);
CREATE INDEX sync_entries_dn ON sync_entries(run_id, ldap_dn);

-- Links read from entries, as DNs: resolved to ids when the run is applied.
-- kind: 'person_school', 'class_school', 'pupil_class', 'teacher_class', 'child', 'legal_child',
-- 'role' (to_dn holds the role name for roles, with the school in `extra`).
CREATE TABLE sync_links (
    run_id   TEXT NOT NULL,
    from_key TEXT NOT NULL,
    kind     TEXT NOT NULL,
    to_dn    TEXT NOT NULL,
    extra    TEXT
);
CREATE INDEX sync_links_run ON sync_links(run_id, kind);

-- Entries a run saw (full sync, or RFC 4533 present list) or was told were deleted.
CREATE TABLE sync_marks (
    run_id    TEXT NOT NULL,
    ldap_uuid TEXT NOT NULL,
    mark      TEXT NOT NULL,                 -- 'present' or 'deleted'
    PRIMARY KEY (run_id, ldap_uuid)
);
