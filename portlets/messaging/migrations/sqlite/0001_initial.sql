-- Messaging: the school's internal mail. Only subs and display names of people are kept, copied
-- when a message is sent, so that a later change of the directory does not rewrite who wrote to
-- whom. Every message belongs to one school: the school whose rules, switches and reviewers apply.

-- A conversation: the subject of its first message and the school it belongs to.
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,                  -- random, 32 hex digits
    school     TEXT NOT NULL,                     -- the school's UAI
    subject    TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at BIGINT NOT NULL
);
CREATE INDEX conversations_school ON conversations(school);

-- A message, from its draft to its end. States: 'draft' (only its author sees it), 'held' (waits
-- for a reviewer of the school: delivered to nobody yet), 'sent' (delivered), 'recalled' (taken
-- back by its author within the hour, unread), 'retracted' (taken out of every inbox by the
-- school), 'refused' (a held message a reviewer deleted).
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE, -- NULL: a draft of a new conversation
    school          TEXT NOT NULL,
    author_sub      TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    author_profile  TEXT NOT NULL,
    author_classes  TEXT NOT NULL,                -- the author's own classes in the school (JSON): whose teachers review
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    addresses       TEXT NOT NULL,                -- what the author chose (people, groups): JSON array
    to_label        TEXT NOT NULL,                -- the recipients as every recipient sees them (JSON)
    search          TEXT NOT NULL,                -- subject, body and names, lower-cased without accents
    state           TEXT NOT NULL CHECK (state IN ('draft','held','sent','recalled','retracted','refused')),
    hold_reason     TEXT,                         -- why it waits: 'rate', 'school_rate', 'new_session', 'pupil_broadcast'
    recipient_count BIGINT NOT NULL,
    session_start   BIGINT,                       -- the start of the author's session when it was sent
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    sent_at         BIGINT,                       -- when it was delivered
    ended_at        BIGINT,                       -- when it was recalled, retracted or refused
    ended_by        TEXT                          -- who retracted or refused it
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
CREATE INDEX messages_author ON messages(author_sub, state, updated_at);
CREATE INDEX messages_school ON messages(school, state, created_at);

-- The people a held or sent message goes to, expanded from the addresses when it was sent.
CREATE TABLE recipients (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    sub        TEXT NOT NULL,
    name       TEXT NOT NULL,
    read_at    BIGINT,
    PRIMARY KEY (message_id, sub)
);
CREATE INDEX recipients_sub ON recipients(sub, read_at);

-- Each person's place in a conversation: whether they received something in it (their inbox)
-- or only wrote, whether they archived it, and its last delivered message.
CREATE TABLE mailboxes (
    owner_sub       TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    received        INTEGER NOT NULL,
    archived        INTEGER NOT NULL,
    last_at         BIGINT NOT NULL,
    PRIMARY KEY (owner_sub, conversation_id)
);
CREATE INDEX mailboxes_list ON mailboxes(owner_sub, archived, last_at);

-- Files attached to a message, counted in their owner's quota.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    owner_sub    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL CHECK (length(data) = size),
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_owner ON attachments(owner_sub);

-- Who may write to whom: a school's director's changes to the defaults (src/policy.rs).
CREATE TABLE school_rules (
    school     TEXT NOT NULL,
    sender     TEXT NOT NULL,                     -- a profile
    audience   TEXT NOT NULL,                     -- an audience (policy::Audience)
    allowed    INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (school, sender, audience)
);

-- A school's switch per profile: 'open' (the default, no row), 'read_only' or 'off'. Read on
-- every request, so every instance honours a change at once.
CREATE TABLE school_modes (
    school     TEXT NOT NULL,
    profile    TEXT NOT NULL,
    mode       TEXT NOT NULL CHECK (mode IN ('read_only','off')),
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (school, profile)
);

-- Accounts whose sending is frozen, in one school or ('*') everywhere.
CREATE TABLE freezes (
    sub        TEXT NOT NULL,
    school     TEXT NOT NULL,
    name       TEXT NOT NULL,
    by_sub     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (sub, school)
);

-- Sending rates: token buckets (ent-storage's bucket), per sender and per school.
CREATE TABLE buckets (
    key        TEXT PRIMARY KEY,
    level      BIGINT NOT NULL,                   -- thousandths of a token
    updated_at BIGINT NOT NULL
);

-- The sessions whose first broadcast a reviewer let through (or that broadcast from an hour on).
CREATE TABLE broadcast_sessions (
    sub           TEXT NOT NULL,
    session_start BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (sub, session_start)
);

-- Messages reported by a recipient, for the school's director.
CREATE TABLE reports (
    message_id    TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    reporter_sub  TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    school        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    handled_at    BIGINT,
    handled_by    TEXT,
    PRIMARY KEY (message_id, reporter_sub)
);
CREATE INDEX reports_school ON reports(school, handled_at, at);

-- What the school's people in charge did: freezes, retractions, switches, reviews, rules.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    school      TEXT NOT NULL,
    actor_sub   TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject_sub TEXT,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_school ON audit(school, at);

-- A school's hours for notifications that leave the ENT (the kit's `Window` text form, Paris
-- time); no row: the default, Monday to Friday 07:00-20:00.
CREATE TABLE school_windows (
    school     TEXT PRIMARY KEY,
    hours      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A parent's daily e-mail digest ("you have N messages from …", never a message's text). The
-- address is kept only while the digest is wanted; it is used once confirmed with the code mailed
-- to it (only its SHA-256 is kept, and only until confirmed).
CREATE TABLE digests (
    sub          TEXT PRIMARY KEY,
    email        TEXT NOT NULL,
    lang         TEXT NOT NULL,                   -- 'fr' or 'en'
    schools      TEXT NOT NULL,                   -- the person's schools (JSON): whose hours apply
    link         TEXT,                            -- the inbox's address at the portal, when it said it
    code_hash    TEXT,                            -- NULL once confirmed
    attempts     BIGINT NOT NULL DEFAULT 0,       -- wrong codes typed
    confirmed_at BIGINT,
    created_at   BIGINT NOT NULL,
    last_sent_at BIGINT                           -- the last digest covered what was delivered before it
);
