-- The identity provider's schema, SQLite flavour (the PostgreSQL one mirrors it).
-- Portable types only, so that one set of queries serves both backends through sqlx's Any driver:
-- timestamps are BIGINT seconds since the epoch, booleans INTEGER 0/1, identifiers TEXT.

-- Settings the whole provider shares (e.g. the pairwise-subject secret), created at first start.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- ----- Directory: only directory-sync and the admin tools write it. -----
CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    uai         TEXT NOT NULL UNIQUE,           -- the French national school code (RNE/UAI)
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE,                     -- the directory's stable id, when it has one
    updated_at  BIGINT NOT NULL
);

CREATE TABLE classes (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    level       TEXT,
    external_id TEXT UNIQUE,
    updated_at  BIGINT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE people (
    id           TEXT PRIMARY KEY,               -- internal id: never leaves the provider
    public_sub   TEXT NOT NULL UNIQUE,           -- the `sub` first-party services see
    login        TEXT NOT NULL UNIQUE,           -- lower-cased login name
    profile      TEXT NOT NULL CHECK (profile IN ('pupil','parent','teacher','director','staff','city_agent','admin')),
    given_name   TEXT NOT NULL,
    family_name  TEXT NOT NULL,
    email        TEXT,                           -- adults only; pupils have none
    external_id  TEXT UNIQUE,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE person_schools (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    school_id TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, school_id)
);
CREATE INDEX person_schools_school ON person_schools(school_id);

-- role: 'pupil' (the pupil's class) or 'teacher' (a class the teacher teaches).
CREATE TABLE class_members (
    class_id  TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('pupil','teacher')),
    PRIMARY KEY (class_id, person_id)
);
CREATE INDEX class_members_person ON class_members(person_id);

CREATE TABLE guardianships (
    parent_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    child_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    legal     INTEGER NOT NULL DEFAULT 1,        -- legal guardian (1) or other link (0)
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX guardianships_child ON guardianships(child_id);

CREATE TABLE staff_roles (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    school_id TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    PRIMARY KEY (person_id, school_id, role)
);

-- ----- Credentials -----
CREATE TABLE passwords (
    person_id  TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    phc        TEXT NOT NULL,                    -- argon2id PHC string (parameters inside)
    updated_at BIGINT NOT NULL
);

-- ----- Clients (relying parties) -----
CREATE TABLE clients (
    id                        TEXT PRIMARY KEY,  -- client_id
    name                      TEXT NOT NULL,
    secret_hash               TEXT,              -- SHA-256 of a server-generated 256-bit secret; NULL for public clients
    first_party               INTEGER NOT NULL DEFAULT 0,
    redirect_uris             TEXT NOT NULL,     -- JSON array, compared by exact string match
    post_logout_redirect_uris TEXT NOT NULL,     -- JSON array
    grant_types               TEXT NOT NULL,     -- JSON array
    scopes                    TEXT NOT NULL,     -- JSON array: the scopes this client may ask for
    id_token_alg              TEXT NOT NULL DEFAULT 'RS256',
    audience                  TEXT,              -- resource indicator (RFC 8707) when the client is also a resource server
    created_at                BIGINT NOT NULL
);

-- ----- Signing keys: previous, current and next per algorithm -----
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    alg          TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('next','current','previous','retired')),
    private_der  BLOB NOT NULL,                  -- PKCS#8
    created_at   BIGINT NOT NULL,
    activated_at BIGINT,
    retired_at   BIGINT
);
CREATE INDEX signing_keys_state ON signing_keys(state);

-- ----- Browser sessions at the provider -----
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,                 -- SHA-256 of the cookie value
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,                    -- JSON array (RFC 8176 values)
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

-- Authorization requests waiting for the user to log in or consent.
CREATE TABLE pending_requests (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    params     TEXT NOT NULL,                    -- validated request, JSON
    expires_at BIGINT NOT NULL
);

CREATE TABLE consents (
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,                    -- JSON array
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, client_id)
);

-- ----- Grants, codes, refresh tokens -----
-- A grant is what one authorization gave one client for one person; revoking it
-- kills every code, refresh token and access token issued under it.
CREATE TABLE grants (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    session_id  TEXT,                            -- id_hash of the provider session, for logout
    scope       TEXT NOT NULL,
    auth_time   BIGINT NOT NULL,
    amr         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,                 -- absolute lifetime of the grant
    revoked_at  BIGINT,
    revoked_why TEXT
);
CREATE INDEX grants_person ON grants(person_id);
CREATE INDEX grants_session ON grants(session_id);

CREATE TABLE auth_codes (
    code_hash      TEXT PRIMARY KEY,             -- SHA-256 of the code
    grant_id       TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,                -- S256 only
    nonce          TEXT,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,                 -- SHA-256 of the token
    grant_id   TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT                            -- set when rotated: a second use is a replay
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens(grant_id);

-- Access tokens revoked before their expiry (RFC 7009), kept until they would have expired.
CREATE TABLE revoked_jtis (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- ----- Throttling: failures per account and per client address -----
CREATE TABLE throttle (
    key          TEXT PRIMARY KEY,               -- 'acct:' || hash(login) or 'addr:' || hash(ip)
    failures     INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- ----- Audit: who did what, never a password or a token -----
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    event     TEXT NOT NULL,
    outcome   TEXT NOT NULL,                     -- 'ok' or a reason
    person_id TEXT,                              -- internal id (pseudonymous), never a name
    client_id TEXT,
    detail    TEXT                               -- JSON, no personal data
);
CREATE INDEX audit_at ON audit(at);

-- At most one previous, one current and one next key per algorithm, even when two provider
-- instances start or rotate at the same moment.
CREATE UNIQUE INDEX signing_keys_one_per_state ON signing_keys(alg, state) WHERE state <> 'retired';
