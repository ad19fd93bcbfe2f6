-- The throttle counts attempts (counted before anything is verified), not failures after the
-- fact, and needs no lock column: a key is refused while its count is over the limit in its
-- window. The table now has the shape every service's counter shares (ent-storage's throttle).
ALTER TABLE throttle RENAME COLUMN failures TO attempts;
ALTER TABLE throttle DROP COLUMN locked_until;
