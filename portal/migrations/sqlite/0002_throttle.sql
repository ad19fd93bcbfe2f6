-- Per-address counts: the sign-ins a client address starts per minute (each stores a row in
-- login_requests). Keys are keyed digests of the address; ent-storage's counter fills it.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_start BIGINT NOT NULL
);
