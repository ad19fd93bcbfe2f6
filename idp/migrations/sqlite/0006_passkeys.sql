-- Passkeys (WebAuthn discoverable credentials) per person, the single-use ceremony challenges,
-- logins waiting for their passkey step, and what the login pages must still tell a person.
CREATE TABLE passkeys (
    id           TEXT PRIMARY KEY,                -- random id, used by the account page's forms
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    user_handle  TEXT NOT NULL,                   -- the WebAuthn user id (a UUID), the same for all of a person's passkeys
    cred_id      TEXT NOT NULL UNIQUE,            -- base64url credential id
    name         TEXT NOT NULL,                   -- chosen by the person
    passkey      TEXT NOT NULL,                   -- webauthn-rs `Passkey`, JSON (public key, counter, backup flags)
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state    INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_person ON passkeys(person_id);
CREATE INDEX passkeys_handle ON passkeys(user_handle);

-- A registration or authentication ceremony in progress: its server-side state, bound to what
-- started it (a provider session, a waiting login, or a parked authorization request), used once.
CREATE TABLE webauthn_challenges (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                     -- 'register', 'authenticate', 'discover'
    binding    TEXT NOT NULL,
    state      TEXT NOT NULL,                     -- webauthn-rs ceremony state, JSON
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);

-- A password accepted, the passkey step (or the first passkey's registration) still to do.
CREATE TABLE pending_logins (
    id_hash    TEXT PRIMARY KEY,                  -- SHA-256 of the cookie value
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    req_id     TEXT NOT NULL,                     -- the parked authorization request
    method     TEXT NOT NULL,                     -- how the first step was made: 'pwd', 'ldap', 'activation'
    expires_at BIGINT NOT NULL
);

-- What the login pages must still say to a person.
CREATE TABLE passkey_notices (
    person_id           TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    reset_at            BIGINT,                   -- an administrator removed their passkeys; cleared once told
    invite_dismissed_at BIGINT                    -- "not now" to the invitation
);
