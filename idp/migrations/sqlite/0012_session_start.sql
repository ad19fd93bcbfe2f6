-- When a browser's sign-in session began (the `ent_session_start` of its tokens). A
-- re-authentication of the same person in the same browser opens the session again under a new
-- cookie and keeps this (a session that proves itself again is fresh in `auth_time`, not young);
-- a sign-in of someone else, or with no live session, starts a new one. Until now every sign-in
-- opened a new session, so the sessions of before began when they were created.
ALTER TABLE sessions ADD COLUMN started_at BIGINT;
UPDATE sessions SET started_at = created_at;

-- The start of the session a grant was given in, for every token of the grant: refreshed
-- tokens, and the portlet tokens exchanged from them, carry the session's age after the session
-- itself has ended. The grants of before were each given in a session opened at its sign-in.
ALTER TABLE grants ADD COLUMN session_start BIGINT;
UPDATE grants SET session_start = auth_time;
