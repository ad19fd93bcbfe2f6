-- Indexes the apply step of a directory sync needs at scale: duplicate logins and UAIs within a
-- run, and the links of one entry.
CREATE INDEX sync_entries_login ON sync_entries(run_id, kind, login);
CREATE INDEX sync_entries_code ON sync_entries(run_id, kind, code);
CREATE INDEX sync_links_from ON sync_links(run_id, from_key, kind);
