-- Who runs a periodic job's current run, and until when (epoch seconds): one instance at a
-- time when several share the database (portlets/kit/src/jobs.rs).
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);
