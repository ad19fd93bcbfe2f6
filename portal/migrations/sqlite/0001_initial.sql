-- The portal's sessions: the cookie carries a random 256-bit value, the table its SHA-256.
-- `sealed` holds the tokens and the display name, encrypted under a key derived from the
-- cookie value, so a copy of this table opens no one's session and reads no one's name.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    sid TEXT,
    profile TEXT NOT NULL,
    sealed TEXT NOT NULL,
    access_expires_at BIGINT NOT NULL,
    refresh_lease_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_sub ON sessions (sub);
CREATE INDEX sessions_sid ON sessions (sid);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Sign-ins in progress: state (hashed), nonce and PKCE verifier, single use, minutes long.
CREATE TABLE login_requests (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Back-channel logout tokens already honoured (their jti, hashed), kept until they expire.
CREATE TABLE logout_jtis (
    jti_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
