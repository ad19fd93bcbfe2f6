-- Activation codes, SQLite flavour (the PostgreSQL one mirrors it): the first login of parents
-- and pupils who have no password yet. The school prints one letter per person with a
-- 12-character code; the person types it once on /activate and chooses a password.

-- code_hash: SHA-256 of the person id and the normalised code (the code itself is never stored).
-- One live code per person: issuing a new one replaces the person's unused code.
CREATE TABLE activation_codes (
    code_hash  TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT                            -- set once, when the code is redeemed
);
CREATE INDEX activation_codes_person ON activation_codes(person_id);
CREATE UNIQUE INDEX activation_codes_one_live ON activation_codes(person_id) WHERE used_at IS NULL;
