-- OpenID Connect Back-Channel Logout 1.0: where a client wants to hear that a session ended, and
-- the notices still to deliver (an outbox, written in the same transaction as what ends the
-- session, delivered by the provider and retried until the client answers or a day has passed).
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;

CREATE TABLE logout_notices (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    public_sub      TEXT NOT NULL,               -- the person's public sub (the client's sub is derived at delivery)
    session_id      TEXT,                        -- id_hash of the provider session; NULL: every session of the person
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL              -- due from then; a claim moves it forward (lease and backoff at once)
);
CREATE INDEX logout_notices_due ON logout_notices(next_attempt_at);
