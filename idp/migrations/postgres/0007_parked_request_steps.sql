-- A parked authorization request records the step of the login it waits for and the browser
-- that parked it (the SHA-256 of its flow cookie), and, for the steps after the login (the
-- invitation, the consent), the provider session it continues. Every step's form accepts only
-- a request parked for that step by that browser: a request parked for a fresh login cannot be
-- posted to the consent or the invitation to skip the password.
--
-- Requests parked before this migration name no browser: they are dropped (they live 30 minutes).
DELETE FROM pending_requests;
ALTER TABLE pending_requests ADD COLUMN step TEXT NOT NULL DEFAULT 'login'
    CHECK (step IN ('login', 'second_factor', 'enrol', 'invitation', 'consent'));
ALTER TABLE pending_requests ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_requests ADD COLUMN session_hash TEXT;
CREATE INDEX pending_requests_expiry ON pending_requests(expires_at);
