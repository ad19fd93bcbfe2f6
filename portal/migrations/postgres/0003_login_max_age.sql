-- A sign-in asked by a portlet's step-up (RFC 9470) carries the max_age sent to the provider,
-- which the callback checks the ID token's auth_time against. NULL: an ordinary sign-in.
ALTER TABLE login_requests ADD COLUMN max_age BIGINT;
