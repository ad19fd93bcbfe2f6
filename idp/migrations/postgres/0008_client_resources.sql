-- A client may only ask for the resources (RFC 8707) it is registered for, and a resource names
-- one service.

-- The resources a client may name in a client_credentials request (JSON array). Empty: none,
-- the client gets tokens for itself only.
ALTER TABLE clients ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';

-- Services registered before this rule that read the directory API keep doing so: a first-party
-- client registered for client_credentials and directory.read was allowed the directory
-- resource (under its default name, urn:ent:directory). Any other resource must now be
-- registered with `ent client add --resource`.
UPDATE clients SET resources = '["urn:ent:directory"]'
 WHERE first_party = 1 AND grant_types LIKE '%"client_credentials"%' AND scopes LIKE '%"directory.read"%';

-- One service per audience (several clients may have none). Two clients sharing an audience
-- stop this migration: remove one (`ent client remove`) and start again.
CREATE UNIQUE INDEX clients_audience ON clients(audience);
